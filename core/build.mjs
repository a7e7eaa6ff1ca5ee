// Builds the WASM core: a SIMD and a scalar module (release, or debug with
// `--debug`), and copies the JavaScript wrapper that owns them, its entry
// points and their .d.ts files beside them, so `core/build/` is the whole of
// the @socklab/core package (core/package.json) for Node, Deno and browsers.
// Runs from any folder (`npm run build` at the root, `npm pack` in core/).
import asc from "assemblyscript/asc";
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const { values } = parseArgs({ options: { debug: { type: "boolean" } } });
const target = values.debug ? "debug" : "release";
const root = new URL("../", import.meta.url);
process.chdir(fileURLToPath(root));
const out = new URL("core/build/", root);
await mkdir(out, { recursive: true });

for (const engine of ["simd", "scalar"]) {
  const args = [
    "core/assembly/index.ts",
    "--config",
    "asconfig.json",
    "--target",
    target,
    "--outFile",
    `core/build/socklab.${engine}.wasm`,
  ];
  if (engine === "simd") args.push("--enable", "simd");
  const { error, stderr } = await asc.main(args, {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (error) {
    console.error(`core build failed (${engine}, ${target}): ${error.message}`);
    console.error(stderr.toString());
    process.exit(1);
  }
}

const jsDir = new URL("core/js/", root);
for (const name of await readdir(jsDir)) {
  if (/\.(js|d\.ts)$/.test(name) && !name.includes(".test.")) {
    await copyFile(new URL(name, jsDir), new URL(name, out));
  }
}
