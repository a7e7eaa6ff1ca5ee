// Bundles the playground's browser code with esbuild: the page (client/app.ts)
// and the Web Worker that runs the simulation (client/worker.ts), both built
// from the same TypeScript as the CLI (the sans-IO TCP, the simulated network,
// the trace model). The WASM core is copied beside the bundle, where the
// core's loader finds it (relative to the module that imports it).
//
//   node deno/playground/build.mjs            one build into deno/playground/dist/
//   node deno/playground/build.mjs --watch    rebuild on every change
//
// `npm run build` runs it after the core's build; dist/ is not committed.
import * as esbuild from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { watch: { type: "boolean" } } });
const here = new URL("./", import.meta.url);
const out = new URL("dist/", here);
const core = new URL("../../core/build/", here);
const path = (url) => decodeURIComponent(url.pathname);

// Modules the browser lacks, and what stands in for them. Each stand-in is
// what the browser path of the importing module needs, and no more.
const shims = {
  // checksum.ts hands plain arrays to zlib's CRC-32; the core's does the same.
  "node:zlib": "client/_shim_zlib.ts",
  // cli/_args.ts (the unit parsers the playground's fields share with the CLI)
  // also parses whole command lines, which the browser never does.
  "node:util": "client/_shim_util.ts",
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const engine of ["simd", "scalar"]) {
  await copyFile(new URL(`socklab.${engine}.wasm`, core), new URL(`socklab.${engine}.wasm`, out));
}

const options = {
  entryPoints: {
    app: path(new URL("client/app.ts", here)),
    worker: path(new URL("client/worker.ts", here)),
  },
  outdir: path(out),
  bundle: true,
  format: "esm",
  platform: "browser",
  // Top-level await (the core instantiates on import) and module workers.
  target: ["es2022", "chrome100", "firefox114", "safari16"],
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  alias: Object.fromEntries(
    Object.entries(shims).map(([name, file]) => [name, path(new URL(file, here))]),
  ),
  // The core's loader imports this only when it runs on Node (a file: URL);
  // in the browser it fetches the module instead.
  external: ["node:fs/promises"],
  metafile: true,
};

if (values.watch) {
  const context = await esbuild.context({ ...options, logLevel: "info" });
  await context.watch();
} else {
  const result = await esbuild.build(options);
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .map(([file, o]) => `${file.split("/").at(-1)} ${(o.bytes / 1024).toFixed(0)} KiB`);
  console.log(`playground bundle: ${sizes.join(", ")}`);
}
