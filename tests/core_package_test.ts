// The packed core installs and works offline, as a user would take it:
// `npm pack` in core/ (its files as built by `npm run build`), `npm install
// --offline` of the tarball into a fresh project, and there the package is
// imported by its own name through its exports map from a plain Node .mjs,
// from `deno run` through `npm:`, and from a page in headless Chromium that
// socklab's own HTTP server serves.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serve, serveDir } from "../deno/http/mod.ts";
import type { InetAddr } from "../deno/net/types.ts";
import { missingCommand, requires } from "../deno/_testing.ts";

const CORE = new URL("../core/", import.meta.url).pathname;
const CORE_PACKAGE = JSON.parse(await Deno.readTextFile(`${CORE}package.json`));

/** The known answers every runtime must give. */
const EXPECTED = {
  crc32: 0xcbf43926,
  crc32c: 0xe3069283,
  // RFC 1071 §3's example words 0001 f203 f4f5 f6f7: sum ddf2, checksum 220d.
  inet: 0x220d,
  adjusted: 0x220d,
  packets: 3,
  reassembled: "hello, world",
  scalarFromBytes: ["scalar", 0xcbf43926],
  simdFromModule: ["simd", 0xe3069283],
  sameFunctions: true,
};

/**
 * One script for every runtime: it imports each exports-map entry by the
 * package's name (`SPEC` is "@socklab/core" or "npm:@socklab/core"), and
 * `wasm(engine)` gets a build's bytes the runtime's own way.
 */
const PROGRAM = (spec: string, wasm: string) => `
import * as main from "${spec}";
import { crc32, crc32c, inetChecksum, inetChecksumAdjust, engine } from "${spec}/checksum";
import { segmentTcp, TcpReassembler } from "${spec}/packet";
import { instantiate } from "${spec}/instantiate";
${wasm}
const data = new TextEncoder().encode("123456789");
const words = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
const inet = inetChecksum(words);
// Change word 0001 to 0002 and back: the checksum follows without a re-sum.
const adjusted = inetChecksumAdjust(inetChecksumAdjust(inet, 0x0001, 0x0002), 0x0002, 0x0001);
const payload = new TextEncoder().encode("hello, world");
const seg = segmentTcp({ src: "10.0.0.1", dst: "10.0.0.2", srcPort: 1, dstPort: 2, seq: 100, sendMss: 5 }, payload);
const r = new TcpReassembler({ initialSeq: 100, window: 1024 });
r.insert(105, payload.subarray(5));
r.insert(100, payload.subarray(0, 5));
const reassembled = new TextDecoder().decode(r.read());
r.free();
const scalar = await instantiate({ source: await wasm("scalar") });
const simd = await instantiate({ source: await WebAssembly.compile(await wasm("simd")) });
export const result = {
  engine,
  crc32: crc32(data),
  crc32c: crc32c(data),
  inet,
  adjusted,
  packets: seg.count,
  reassembled,
  scalarFromBytes: [scalar.engine, scalar.crc32(data)],
  simdFromModule: [simd.engine, simd.crc32c(data)],
  sameFunctions: main.crc32 === crc32 && main.segmentTcp === segmentTcp,
};
`;

async function run(command: string, args: string[], cwd: string, env?: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `${command} ${args.join(" ")} failed:\n${out}\n${err}`);
  return out;
}

/** Packs core/ and installs the tarball offline into a fresh project; returns the project. */
async function installPacked(dir: string): Promise<{ project: string; files: string[] }> {
  // --ignore-scripts: the build under test is the one `npm test` made; a
  // rebuild here would rewrite core/build/ under other tests' feet.
  const packed = JSON.parse(
    await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], CORE),
  )[0];
  const project = `${dir}/project`;
  await Deno.mkdir(project);
  await Deno.writeTextFile(
    `${project}/package.json`,
    JSON.stringify({ name: "try-socklab-core", private: true, type: "module" }),
  );
  await run("npm", [
    "install",
    "--offline",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    `${dir}/${packed.filename}`,
  ], project);
  return { project, files: packed.files.map((f: { path: string }) => f.path).sort() };
}

Deno.test(requires([missingCommand("chromium"), missingCommand("npm")], {
  name:
    "the packed core installs offline and works by its package name from Node, Deno (npm:) and Chromium",
  // playwright keeps its pipe to the browser and timers of its own until close.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "socklab-core-package-" });
    try {
      const { project, files } = await installPacked(dir);
      // The tarball holds the wrapper, its entry points, their types, both builds and the
      // README; nothing else.
      assert.deepEqual(files, [
        "README.md",
        "build/checksum.d.ts",
        "build/checksum.js",
        "build/instantiate.d.ts",
        "build/instantiate.js",
        "build/packet.d.ts",
        "build/packet.js",
        "build/packet_api.d.ts",
        "build/packet_api.js",
        "build/socklab.d.ts",
        "build/socklab.js",
        "build/socklab.scalar.wasm",
        "build/socklab.simd.wasm",
        "package.json",
      ]);
      const installed = JSON.parse(
        await Deno.readTextFile(`${project}/node_modules/@socklab/core/package.json`),
      );
      assert.equal(installed.version, CORE_PACKAGE.version);
      // The program below takes every entry of the exports map by its name.
      assert.deepEqual(Object.keys(installed.exports).sort(), [
        ".",
        "./checksum",
        "./instantiate",
        "./package.json",
        "./packet",
        "./socklab.scalar.wasm",
        "./socklab.simd.wasm",
      ]);

      // Node: a plain .mjs; the builds found through the package's own exports map.
      await Deno.writeTextFile(
        `${project}/use.mjs`,
        PROGRAM(
          "@socklab/core",
          `import { readFile } from "node:fs/promises";
const wasm = (engine) => readFile(new URL(import.meta.resolve(\`@socklab/core/socklab.\${engine}.wasm\`)));`,
        ) + "console.log(JSON.stringify(result));\n",
      );
      const node = JSON.parse(await run("node", ["use.mjs"], project));
      assert.deepEqual(node, { engine: "simd", ...EXPECTED });

      // Deno: the same program through npm:, from the project's node_modules, offline.
      await Deno.writeTextFile(
        `${project}/deno.json`,
        JSON.stringify({ nodeModulesDir: "manual" }),
      );
      await Deno.writeTextFile(
        `${project}/use.ts`,
        PROGRAM(
          "npm:@socklab/core",
          `const wasm = (engine: string) => Deno.readFile(new URL(import.meta.resolve(\`npm:@socklab/core/socklab.\${engine}.wasm\`)));`,
        ) + "console.log(JSON.stringify(result));\n",
      );
      const deno = JSON.parse(
        await run(Deno.execPath(), ["run", "--allow-read", "--cached-only", "use.ts"], project),
      );
      assert.deepEqual(deno, { engine: "simd", ...EXPECTED });

      // Chromium: a plain <script type=module> whose import map names the
      // package's entry points, served from node_modules by socklab's server.
      const pkg = "/node_modules/@socklab/core/build";
      const imports = Object.fromEntries(
        Object.entries(installed.exports as Record<string, string | { default: string }>)
          .filter(([key]) => !key.endsWith(".json"))
          .map(([key, target]) => [
            key.replace(/^\./, "@socklab/core"),
            (typeof target === "string" ? target : target.default).replace(/^\.\/build/, pkg),
          ]),
      );
      const page = `<!doctype html><meta charset="utf-8"><title>@socklab/core</title>
<script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module">
${
        PROGRAM(
          "@socklab/core",
          `const wasm = async (engine) => new Uint8Array(await (await fetch(import.meta.resolve(\`@socklab/core/socklab.\${engine}.wasm\`))).arrayBuffer());`,
        )
      }
window.result = result;
</script>`;
      const server = serve({ port: 0, hostname: "127.0.0.1" }, (request) => {
        if (new URL(request.url).pathname === "/") {
          return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
        }
        return serveDir(request, { root: project });
      });
      const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        timeout: 30_000,
      });
      try {
        const tab = await browser.newPage();
        const errors: string[] = [];
        tab.on("pageerror", (e) => errors.push(e.message));
        tab.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
        await tab.goto(`http://127.0.0.1:${(server.addr as InetAddr).port}/`);
        await tab.waitForFunction(() => "result" in globalThis, null, { timeout: 20_000 })
          .catch((e) => {
            throw new Error(`the page never finished: ${errors.join("; ") || e.message}`);
          });
        assert.deepEqual(errors, []);
        assert.deepEqual(await tab.evaluate(() => (globalThis as { result?: unknown }).result), {
          engine: "simd",
          ...EXPECTED,
        });
      } finally {
        await browser.close();
        await server.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));
