// The checks users feel first, enforced in CI: formatting, lint, complete
// documentation of every public entry point (`deno doc --lint`), and a
// package JSR would take (`deno publish --dry-run`, which runs offline).
import assert from "node:assert/strict";

const CONFIG = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));

/** Every entry of the exports map, and the modules users run but do not import. */
const ENTRY_POINTS = [
  ...Object.values(CONFIG.exports as Record<string, string>).map((p) => p.replace(/^\.\//, "")),
  "deno/cli.ts",
  "deno/core_packet.ts",
  "deno/playground/mod.ts",
];

async function deno(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("../", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  return { code, text };
}

Deno.test("deno fmt --check finds nothing to reformat", async () => {
  const { code, text } = await deno("fmt", "--check");
  assert.equal(code, 0, text);
});

Deno.test("deno lint reports no problems", async () => {
  const { code, text } = await deno("lint");
  assert.equal(code, 0, text);
});

Deno.test("deno doc --lint passes on every public entry point", async () => {
  const { code, text } = await deno("doc", "--lint", ...ENTRY_POINTS);
  assert.equal(code, 0, text);
});

Deno.test("deno publish --dry-run finds the package ready: no slow types, nothing excluded that it needs", async () => {
  // --allow-dirty: the check is of the files, not of whether they are committed.
  const { code, text } = await deno("publish", "--dry-run", "--allow-dirty");
  assert.equal(code, 0, text);
  assert.match(text, /Simulating publish of @socklab\/socklab@/);
  // The core the checksum layer imports goes with it, both builds included.
  for (const file of ["core/build/socklab.js", "core/build/socklab.simd.wasm"]) {
    assert.ok(text.includes(file), `${file} is not published`);
  }
  assert.doesNotMatch(text, /_test\.ts|\/testdata\//);
  assert.doesNotMatch(text, /warning\[/);
});

/** The Markdown files whose code blocks are type-checked: docs/, and the benchmarks' page. */
async function markdown(): Promise<string[]> {
  const files = ["bench/README.md", "core/README.md", "core/assembly/checksum/README.md"];
  for await (const entry of Deno.readDir(new URL("../docs/", import.meta.url))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}

Deno.test("every code block of docs/, bench/README.md and core/README.md type-checks (deno check --doc-only)", async () => {
  const files = await markdown();
  assert.ok(files.includes("docs/core.md"), files.join(" "));
  const { code, text } = await deno("check", "--doc-only", ...files);
  assert.equal(code, 0, text);
  // The blocks were found and checked, not skipped: one "Check" line per block.
  assert.ok((text.match(/^Check /gm) ?? []).length >= 15, text);
});

Deno.test({
  name: "every code block of README.md type-checks (deno check --doc-only)",
  async fn() {
    const { code, text } = await deno("check", "--doc-only", "README.md");
    assert.equal(code, 0, text);
  },
});
