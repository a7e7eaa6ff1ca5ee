// The built core is a plain ESM package: a Node script with no TypeScript and
// no bundler imports it and gets the right answers.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";

const wrapper = new URL("../../core/build/socklab.js", import.meta.url).href;

test("a plain Node .mjs script imports core/build/socklab.js and computes known answers", () => {
  const dir = mkdtempSync(join(tmpdir(), "socklab-node-"));
  try {
    const script = join(dir, "use_core.mjs");
    writeFileSync(
      script,
      `import { crc32, crc32c, inetChecksum, engine, alloc } from ${JSON.stringify(wrapper)};
const data = new TextEncoder().encode("123456789");
const buf = alloc(9);
buf.bytes.set(data);
console.log(JSON.stringify({
  engine,
  crc32: crc32(data),
  crc32c: crc32c(data),
  inet: inetChecksum(new Uint8Array([0, 1, 0xf2, 3, 0xf4, 0xf5, 0xf6, 0xf7])),
  inMemory: crc32(buf.bytes),
}));
buf.free();
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, [script], { encoding: "utf8" }));
    expect(out).toEqual({
      engine: "simd",
      crc32: 0xcbf43926,
      crc32c: 0xe3069283,
      inet: 0x220d,
      inMemory: 0xcbf43926,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a plain Node script can pick the scalar build explicitly", () => {
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { instantiate } = await import(${JSON.stringify(wrapper)});
const core = await instantiate({ engine: "scalar" });
console.log(core.engine, core.crc32(new TextEncoder().encode("123456789")).toString(16));`,
    ],
    { encoding: "utf8" },
  );
  expect(out.trim()).toBe("scalar cbf43926");
});
