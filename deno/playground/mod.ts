/**
 * The playground: a web page where socklab's real user-space TCP runs on the
 * simulated network and draws itself. {@link playgroundHandler} owns
 * `/playground` and everything under it, and answers null for any other
 * path so a server can mount it beside its own routes:
 *
 * - `/playground` (or `/playground/`): the page (plain HTML, CSS and JS from
 *   `static/`, no build step);
 * - `/playground/run?loss=5&bytes=20KB...`: runs `socklab sim` with those
 *   settings (field names are its flags) and answers JSON: the summary
 *   (SHA-256 per direction, retransmissions, final states), the first
 *   {@link MAX_EVENTS} trace events, the ladder the page draws and the
 *   replay command line;
 * - `/playground/run.pcap?...`: the same run's packets as a pcap file.
 *
 * What it does not do: run anything but the simulated network (no kernel
 * sockets, no tun), keep runs between requests, or accept more than
 * {@link MAX_BYTES} per direction or {@link MAX_SEGMENTS} data segments; a
 * run stops at {@link MAX_VIRTUAL_TIME} of virtual time, and its links drop
 * everything after {@link MAX_PACKETS} packets (the report says so). A bad
 * field is a 400 with JSON naming it. Nothing here prints.
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
import { FieldError, parseRunQuery, runReport, simulate } from "./run.ts";
import { pcapOfTrace } from "../trace/pcap.ts";

export {
  DEFAULT_SETTINGS,
  FieldError,
  MAX_BYTES,
  MAX_EVENTS,
  MAX_PACKETS,
  MAX_SEGMENTS,
  MAX_VIRTUAL_TIME,
  parseRunQuery,
  replayCommand,
  type RunSettings,
} from "./run.ts";
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
  "": { file: "index.html", type: "text/html; charset=utf-8" },
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

const assets = new Map<string, Uint8Array<ArrayBuffer>>();

async function asset(file: string): Promise<Uint8Array<ArrayBuffer>> {
  let bytes = assets.get(file);
  if (!bytes) {
    bytes = await Deno.readFile(new URL(`./static/${file}`, import.meta.url));
    assets.set(file, bytes);
  }
  return bytes;
}

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
  if (page) {
    return new Response(await asset(page.file), {
      headers: { "content-type": page.type, "cache-control": "no-cache" },
    });
  }
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
  if (rest === "/run") return json(200, runReport(settings));
  const { events } = simulate(settings);
  return new Response(pcapOfTrace(events) as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/vnd.tcpdump.pcap",
      "content-disposition": `attachment; filename="socklab-sim-seed${settings.seed}.pcap"`,
      "cache-control": "no-store",
    },
  });
}
