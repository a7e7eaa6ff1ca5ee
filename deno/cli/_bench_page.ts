// The checksum benchmark in the visitor's browser, for `socklab serve`:
// /bench is a page that measures the WASM core's Internet checksum, CRC-32
// and CRC-32C (SIMD and scalar builds) beside the plain-JavaScript baselines
// that `socklab bench checksum` uses, with the same measuring loop
// (bench/_measure.js, bench/_plain_js.js), and shows the ratios.
//
//   /bench                the page (static files in _bench_page/)
//   /bench/app.js         the page's script
//   /bench/lib/NAME.js    bench/_measure.js and bench/_plain_js.js
//   /bench/core/FILE      the built core (core/build/: its .js and both .wasm)

import { contentType } from "../http/static.ts";

const PAGE = new URL("./_bench_page/", import.meta.url);
const BENCH = new URL("../../bench/", import.meta.url);
const CORE = new URL("../../core/build/", import.meta.url);

/** Each path and the file it serves. */
const FILES: Record<string, URL> = {
  "/bench": new URL("index.html", PAGE),
  "/bench/": new URL("index.html", PAGE),
  "/bench/app.js": new URL("app.js", PAGE),
  "/bench/lib/_measure.js": new URL("_measure.js", BENCH),
  "/bench/lib/_plain_js.js": new URL("_plain_js.js", BENCH),
};

/** The core's files: its modules and both builds, by name only. */
const CORE_FILE = /^\/bench\/core\/([a-z_]+\.js|socklab\.(simd|scalar)\.wasm)$/;

/**
 * Answers a request under `/bench`, or null for any other path.
 *
 * @param request The request; only GET and HEAD are served (405 otherwise).
 * @returns The response, or null when the path is not the page's.
 */
export async function benchPageHandler(request: Request): Promise<Response | null> {
  const { pathname } = new URL(request.url);
  if (pathname !== "/bench" && !pathname.startsWith("/bench/")) return null;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(`${request.method} is not allowed here\n`, {
      status: 405,
      headers: { allow: "GET, HEAD" },
    });
  }
  const core = CORE_FILE.exec(pathname);
  const file = core ? new URL(core[1], CORE) : FILES[pathname];
  if (!file) return new Response(`no benchmark resource at ${pathname}\n`, { status: 404 });
  let body;
  try {
    body = await Deno.readFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const hint = core ? " (run npm run build)" : "";
    return new Response(`${pathname} is missing${hint}\n`, { status: 404 });
  }
  return new Response(request.method === "HEAD" ? null : body, {
    headers: { "content-type": contentType(file.pathname), "cache-control": "no-cache" },
  });
}
