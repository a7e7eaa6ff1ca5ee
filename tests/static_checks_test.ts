// The checks users feel first, enforced in CI: formatting, lint, and complete
// documentation of every public entry point (`deno doc --lint`).
import assert from "node:assert/strict";

const ENTRY_POINTS = [
  "deno/mod.ts",
  "deno/cli.ts",
  "deno/checksum.ts",
  "deno/core_packet.ts",
  ...["http", "link", "net", "pcap", "playground", "tcp", "trace", "wire"].map((d) =>
    `deno/${d}/mod.ts`
  ),
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
