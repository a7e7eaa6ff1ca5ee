// The layering of deno/, checked from its import graph.
//
// Layers point one way. From the bottom up (docs/layers.md says why each
// sits where it does):
//
//   core units  the WASM core's JS side (deno/checksum.ts, deno/core_packet.ts);
//   sha256      the units people type (deno/units.ts: bytes, durations, percents);
//               SHA-256 and HMAC in plain TypeScript (deno/sha256.ts): three siblings
//   wire        wire formats: views, Reprs, sequence arithmetic
//   tcp  pcap   the sans-IO TCP (state, events, stack); capture files
//   net         sockets: the shared Conn/Listener interfaces, the kernel's sockets
//   link        running socklab's TCP: simulated and UDP links, the real-time driver
//   trace http  renderings of trace events; HTTP/1.1 on any Listener
//   playground  the browser playground's server side
//   cli         the socklab command (deno/cli.ts and deno/cli/)
//   mod         deno/mod.ts, which re-exports the library
//
// Names on one line are siblings: neither imports the other. The rules:
// 1. A file imports only files of its own unit (folder) or of a lower layer.
// 2. A `_private` file is imported only from its own unit. The one shared
//    private file is deno/_testing.ts, the test helpers of every folder.
// 3. Only tests (`*_test.ts`) and other test helpers import `_testing.ts` files.
// 4. Imports that leave deno/: the WASM build only from core, bench/ (for
//    `socklab bench`) and deno.json (for `socklab --version`) only from cli,
//    npm packages only from tests and test helpers.
//
// The graph is Deno's own (`deno info --json`: static, type-only and dynamic
// imports, comments and strings understood), plus the imports of the
// `@example` code blocks, which `deno test --doc` runs.
import assert from "node:assert/strict";

/** The layers from the bottom up; units in one row are siblings. */
const LAYERS: readonly (readonly string[])[] = [
  ["core", "units", "sha256", "testing"],
  ["wire"],
  ["tcp", "pcap"],
  ["net"],
  ["link"],
  ["trace", "http"],
  ["playground"],
  ["cli"],
  ["mod"],
];

/** The unit of each file at deno/'s top level (the folders are units of their own). */
const ROOT_FILES: Record<string, string> = {
  "checksum.ts": "core",
  "checksum_test.ts": "core",
  "core_packet.ts": "core",
  "units.ts": "units",
  "units_test.ts": "units",
  "sha256.ts": "sha256",
  "sha256_test.ts": "sha256",
  "_testing.ts": "testing",
  "cli.ts": "cli",
  "cli_test.ts": "cli",
  "mod.ts": "mod",
  "layers_test.ts": "mod",
};

/** One import: `from` imports `to`; both relative to the repository root. */
export interface Edge {
  from: string;
  to: string;
}

const rank = new Map(LAYERS.flatMap((row, i) => row.map((unit) => [unit, i] as const)));

/** The unit of a path under deno/, or null for a path outside it. */
function unitOf(path: string): string | null {
  const parts = path.split("/");
  if (parts[0] !== "deno") return null;
  if (parts.length === 2) return ROOT_FILES[parts[1]] ?? `(unassigned: ${path})`;
  return parts[1];
}

const isTest = (path: string) => path.endsWith("_test.ts");
const isTestHelper = (path: string) => path.endsWith("/_testing.ts");
const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** Every broken rule in `edges`, one line each. */
function violations(edges: readonly Edge[]): string[] {
  const found = new Set<string>();
  for (const { from, to } of edges) {
    const a = unitOf(from), b = unitOf(to);
    if (a === null) continue;
    for (const unit of [a, b]) {
      if (unit !== null && !rank.has(unit)) found.add(`${unit} is in no layer (${from})`);
    }
    if (b === null) {
      // Rule 4: leaving deno/.
      const testing = isTest(from) || isTestHelper(from);
      // The WASM build only from core; bench/ and the manifest (its version)
      // only from cli; npm packages only from tests; else node: built-ins.
      const allowed = to.startsWith("core/build/")
        ? a === "core"
        : to.startsWith("bench/") || to === "deno.json"
        ? a === "cli"
        : to.startsWith("node_modules/")
        ? testing
        : to.startsWith("node:");
      if (!allowed) {
        found.add(`${from} -> ${to}: ${a} may not import this from outside deno/`);
      }
      continue;
    }
    if (isTestHelper(to) && !isTest(from) && !isTestHelper(from)) {
      found.add(`${from} -> ${to}: only tests import test helpers`);
    }
    if (a === b) continue;
    const [ra, rb] = [rank.get(a), rank.get(b)];
    if (ra !== undefined && rb !== undefined && rb >= ra) {
      found.add(
        `${from} -> ${to}: ${a} imports ${b}, ${rb > ra ? "a layer above it" : "a sibling"}`,
      );
    }
    if (basename(to).startsWith("_") && to !== "deno/_testing.ts") {
      found.add(`${from} -> ${to}: ${a} imports a private file of ${b}`);
    }
  }
  return [...found].sort();
}

/** The repository path of a file: URL. */
function repoPath(url: string, root: string): string | null {
  if (url.startsWith("node:")) return url;
  if (!url.startsWith(root)) return null;
  return decodeURIComponent(url.slice(root.length));
}

/** The import edges of every .ts file under deno/, code and doc examples. */
async function importGraph(): Promise<Edge[]> {
  const rootUrl = new URL("../", import.meta.url).href;
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, rootUrl))) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (path.endsWith(".ts")) files.push(path);
    }
  };
  await walk("deno/");
  const edges: Edge[] = [];

  // Code: one graph rooted in a file that imports them all.
  const dir = await Deno.makeTempDir({ prefix: "socklab-layers-" });
  try {
    const all = `${dir}/all.ts`;
    await Deno.writeTextFile(all, files.map((f) => `import "${new URL(f, rootUrl)}";\n`).join(""));
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", new URL("deno.json", rootUrl).pathname, all],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
      }[];
    };
    for (const module of graph.modules) {
      const from = repoPath(module.specifier, rootUrl);
      if (from === null || !from.startsWith("deno/")) continue;
      for (const dep of module.dependencies ?? []) {
        for (const target of [dep.code?.specifier, dep.type?.specifier]) {
          if (target === undefined) continue;
          const to = repoPath(target, rootUrl);
          assert.ok(to !== null, `${from} imports ${target}, outside the repository`);
          edges.push({ from, to });
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  // Doc examples: the relative imports of each fenced TypeScript block.
  for (const from of files) {
    const text = await Deno.readTextFile(new URL(from, rootUrl));
    for (const [, block] of text.matchAll(/```ts[^\n]*\n([\s\S]*?)```/g)) {
      for (const [, spec] of block.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
        edges.push({ from, to: new URL(spec, new URL(from, rootUrl)).href.slice(rootUrl.length) });
      }
    }
  }
  return edges;
}

Deno.test("violations() names an import of a higher layer, of a sibling and of a private file", () => {
  assert.deepEqual(
    violations([
      { from: "deno/tcp/socket.ts", to: "deno/wire/tcp.ts" }, // down: fine
      { from: "deno/tcp/socket.ts", to: "deno/tcp/_testing.ts" }, // a test helper outside a test
      { from: "deno/tcp/socket.ts", to: "deno/net/types.ts" }, // up
      { from: "deno/http/server.ts", to: "deno/trace/json.ts" }, // sibling
      { from: "deno/cli/nc.ts", to: "deno/net/_libc.ts" }, // down, but private
      { from: "deno/net/stream_test.ts", to: "deno/_testing.ts" }, // the shared helpers: fine
      { from: "deno/cli.ts", to: "deno/cli/_args.ts" }, // its own unit: fine
    ]),
    [
      "deno/cli/nc.ts -> deno/net/_libc.ts: cli imports a private file of net",
      "deno/http/server.ts -> deno/trace/json.ts: http imports trace, a sibling",
      "deno/tcp/socket.ts -> deno/net/types.ts: tcp imports net, a layer above it",
      "deno/tcp/socket.ts -> deno/tcp/_testing.ts: only tests import test helpers",
    ],
  );
});

Deno.test("violations() names what leaves deno/ from the wrong layer, and a unit in no layer", () => {
  assert.deepEqual(
    violations([
      { from: "deno/core_packet.ts", to: "core/build/socklab.js" }, // the WASM boundary: fine
      { from: "deno/wire/ip.ts", to: "core/build/socklab.js" },
      { from: "deno/cli/bench.ts", to: "bench/mod.ts" }, // socklab bench: fine
      { from: "deno/wire/tcp_test.ts", to: "node_modules/fast-check/lib/fast-check.js" }, // fine
      { from: "deno/wire/tcp.ts", to: "node_modules/fast-check/lib/fast-check.js" },
      { from: "deno/net/epoll.ts", to: "node:timers" }, // fine
      { from: "deno/ws/socket.ts", to: "deno/net/types.ts" },
      { from: "deno/extra.ts", to: "deno/wire/tcp.ts" },
    ]),
    [
      "(unassigned: deno/extra.ts) is in no layer (deno/extra.ts)",
      "deno/wire/ip.ts -> core/build/socklab.js: wire may not import this from outside deno/",
      "deno/wire/tcp.ts -> node_modules/fast-check/lib/fast-check.js: wire may not import this from outside deno/",
      "ws is in no layer (deno/ws/socket.ts)",
    ],
  );
});

Deno.test("no folder of deno/ imports a layer above it or another folder's private file", async () => {
  const edges = await importGraph();
  assert.ok(edges.length > 500, `only ${edges.length} imports found: is the graph read?`);
  assert.deepEqual(violations(edges), []);
});
