/**
 * The playground: a web page where socklab's real user-space TCP runs on the
 * simulated network, in the visitor's browser, and replays itself step by
 * step. {@link playgroundHandler} owns `/playground` and everything under it,
 * and answers null for any other path so a server can mount it beside its own
 * routes:
 *
 * - `/playground` (or `/playground/`): the page (`static/`), and under
 *   `/playground/dist/` its bundle (`npm run build` makes it with esbuild
 *   from `client/`): the page's script, the Web Worker that runs the
 *   simulation (the same TypeScript as `socklab sim`), and the WASM core;
 * - `/playground/run?loss=5&bytes=20KB...`: for curl users, runs `socklab sim`
 *   with those settings (field names are its flags) in a Deno Worker, off the
 *   server's event loop, and answers JSON: the summary (SHA-256 per
 *   direction, retransmissions, final states), the first {@link MAX_EVENTS}
 *   trace events, the ladder and the replay command line;
 * - `/playground/run.pcap?...`: the same run's packets as a pcap file;
 * - `/playground/kernel`: a real kernel TCP connection over loopback, its
 *   state, queues, cwnd and RTT streamed as server-sent events while it
 *   runs (see kernel.ts).
 *
 * What the server's runs do not do: accept more than {@link MAX_BYTES} per
 * direction or {@link MAX_SEGMENTS} data segments (the page's worker takes
 * {@link BROWSER_LIMITS}); a run stops at {@link MAX_VIRTUAL_TIME} of virtual
 * time, and its links drop everything after {@link MAX_PACKETS} packets (the
 * report says so). A bad field is a 400 with JSON naming it; more than eight
 * runs queued is a 503. Nothing here prints.
 *
 * @example Mounted beside other routes
 * ```ts
 * import { playgroundHandler } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const handler = async (req: Request) =>
 *   (await playgroundHandler(req)) ?? new Response("other", { status: 404 });
 * const res = await handler(new Request("http://x/playground/run?bytes=0"));
 * assert.equal(res.status, 200);
 * assert.equal((await res.json()).summary.ok, true);
 * ```
 *
 * @module
 */
import { FieldError, parseRunQuery } from "./run.ts";
import { RunnerBusy, RunWorker } from "./runner.ts";
import { kernelEvents } from "./kernel.ts";

export {
  BROWSER_LIMITS,
  DEFAULT_SETTINGS,
  FieldError,
  MAX_BYTES,
  MAX_EVENTS,
  MAX_PACKETS,
  MAX_SEGMENTS,
  MAX_VIRTUAL_TIME,
  parseRunQuery,
  replayCommand,
  type RunLimits,
  type RunSettings,
  SERVER_LIMITS,
} from "./run.ts";
export { RunnerBusy, RunWorker } from "./runner.ts";
export { type Preset, presetById, PRESETS } from "./presets.ts";
export type { CloseOrder } from "../link/transfer.ts";
// The table the settings are read with, so the docs of their type are whole.
export {
  type Field,
  type FieldTable,
  type Kind,
  type SettingsOf,
  SIM_FIELDS,
  type SimSettings,
  type Surface,
} from "../link/settings.ts";

const STATIC: Record<string, { file: string; type: string }> = {
  "": { file: "static/index.html", type: "text/html; charset=utf-8" },
  "/": { file: "static/index.html", type: "text/html; charset=utf-8" },
  "/style.css": { file: "static/style.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "static/favicon.svg", type: "image/svg+xml" },
};

/** What the bundle folder holds, by file name ending. */
const BUNDLE_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".js.map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

const assets = new Map<string, Uint8Array<ArrayBuffer>>();

/** A file of the playground's folder, cached once read (null if missing). */
async function asset(file: string): Promise<Uint8Array<ArrayBuffer> | null> {
  let bytes = assets.get(file);
  if (!bytes) {
    try {
      bytes = await Deno.readFile(new URL(`./${file}`, import.meta.url));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    // The bundle is rebuilt while a server runs (build --watch): only static/ is cached.
    if (file.startsWith("static/")) assets.set(file, bytes);
  }
  return bytes;
}

const runner = new RunWorker();

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Answers a request under `/playground`, or null for any other path.
 *
 * @param request The request; only GET and HEAD are served (405 otherwise).
 * @returns The response, or null when the path is not the playground's.
 */
export async function playgroundHandler(request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  if (url.pathname !== "/playground" && !url.pathname.startsWith("/playground/")) return null;
  const rest = url.pathname.slice("/playground".length);
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(JSON.stringify({ error: `${request.method} is not allowed here` }), {
      status: 405,
      headers: { allow: "GET, HEAD", "content-type": "application/json; charset=utf-8" },
    });
  }
  const page = STATIC[rest];
  const bundled = /^\/dist\/([a-z_][a-z_.]*?(\.js\.map|\.js|\.wasm))$/.exec(rest);
  if (page || bundled) {
    const file = page ? page.file : `dist/${bundled![1]}`;
    const bytes = await asset(file);
    if (!bytes) {
      return json(404, {
        error: `${url.pathname} is missing: run \`npm run build\` to bundle the playground`,
      });
    }
    return new Response(request.method === "HEAD" ? null : bytes, {
      headers: {
        "content-type": page ? page.type : BUNDLE_TYPES[bundled![2]],
        "content-length": String(bytes.length),
        "cache-control": "no-cache",
      },
    });
  }
  if (rest === "/kernel") return kernelEvents(request);
  if (rest !== "/run" && rest !== "/run.pcap") {
    return json(404, { error: `no playground resource at ${url.pathname}` });
  }
  let settings;
  try {
    settings = parseRunQuery(url.searchParams);
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return json(400, { error: error.message, field: error.field });
  }
  let body;
  try {
    body = await runner.run(rest === "/run" ? "json" : "pcap", url.searchParams.toString());
  } catch (error) {
    if (!(error instanceof RunnerBusy)) throw error;
    return new Response(JSON.stringify({ error: error.message }), {
      status: 503,
      headers: { "content-type": "application/json; charset=utf-8", "retry-after": "1" },
    });
  }
  if (typeof body === "string") {
    return new Response(body, {
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    });
  }
  return new Response(body as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/vnd.tcpdump.pcap",
      "content-disposition": `attachment; filename="socklab-sim-seed${settings.seed}.pcap"`,
      "cache-control": "no-store",
    },
  });
}
