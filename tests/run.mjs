// Runs every test runner of the project and ends with one plain line,
// `N passed, N failed, N skipped`, summing them all. Exits non-zero when any
// test failed or any runner failed to run.
//
//   node tests/run.mjs            every runner
//   node tests/run.mjs deno       only `deno test` (likewise `vitest`)
//   node tests/run.mjs deno -- deno/tcp/    extra arguments go to that runner
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../", import.meta.url).pathname;
const dash = process.argv.indexOf("--");
const only = process.argv.slice(2, dash === -1 ? undefined : dash);
const extra = dash === -1 ? [] : process.argv.slice(dash + 1);
const work = mkdtempSync(join(tmpdir(), "socklab-tests-"));
const bin = (name) => join(root, "node_modules", ".bin", name);

const runners = {
  vitest() {
    const out = join(work, "vitest.json");
    const paths = extra.length ? extra : ["core/", "tests/node/"];
    const run = spawnSync(
      bin("vitest"),
      ["run", ...paths, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`],
      { cwd: root, stdio: "inherit" },
    );
    let report;
    try {
      report = JSON.parse(readFileSync(out, "utf8"));
    } catch {
      return {
        passed: 0,
        failed: 1,
        skipped: 0,
        note: `vitest wrote no report (exit ${run.status})`,
      };
    }
    const brokenSuites =
      report.testResults.filter((r) => r.status === "failed" && r.assertionResults.length === 0)
        .length;
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests + brokenSuites,
      skipped: report.numPendingTests + report.numTodoTests,
      exit: run.status,
    };
  },
  deno() {
    const out = join(work, "deno.xml");
    const run = spawnSync(bin("deno"), ["test", "-A", "--doc", `--junit-path=${out}`, ...extra], {
      cwd: root,
      stdio: "inherit",
    });
    let xml;
    try {
      xml = readFileSync(out, "utf8");
    } catch {
      return {
        passed: 0,
        failed: 1,
        skipped: 0,
        note: `deno test wrote no report (exit ${run.status})`,
      };
    }
    const cases = xml.split("<testcase ").slice(1);
    const failed = cases.filter((c) => /<failure|<error/.test(c)).length;
    const skipped = cases.filter((c) => /<skipped/.test(c)).length;
    const result = { passed: cases.length - failed - skipped, failed, skipped, exit: run.status };
    if (run.status !== 0 && failed === 0) {
      result.failed = 1;
      result.note =
        `deno test exited ${run.status} with no failed test reported (a type error or an uncaught error?)`;
    }
    return result;
  },
};

const names = only.length ? only : Object.keys(runners);
const total = { passed: 0, failed: 0, skipped: 0 };
for (const name of names) {
  if (!runners[name]) {
    console.error(
      `tests/run.mjs: unknown runner "${name}" (known: ${Object.keys(runners).join(", ")})`,
    );
    process.exit(2);
  }
  const r = runners[name]();
  console.log(
    `\n${name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${
      r.note ? ` (${r.note})` : ""
    }`,
  );
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
}
rmSync(work, { recursive: true, force: true });
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
