/**
 * A static file handler for {@link ./server.ts}: files under a root folder,
 * directory listings, MIME types, byte ranges (RFC 9110 §14), validators
 * (ETag, Last-Modified) and conditional requests (§13).
 *
 * Nothing outside the root can be reached: the path is decoded segment by
 * segment and a segment that is `.` or `..`, or that decodes to hold a `/`,
 * `\` or NUL, is refused; what remains is resolved with `realPath` and must
 * still lie inside the root, so a symbolic link out of it is refused too.
 *
 * @module
 */

/** Options of {@link serveDir}. */
export interface ServeDirOptions {
  /** The folder to serve. */
  root: string;
  /** Whether folders without an index.html are listed. Default true. */
  listing?: boolean;
  /** File served for a folder, when present. Default "index.html". */
  index?: string;
  /** Whether names starting with "." (.git, .env) are served and listed. Default false. */
  dotfiles?: boolean;
  /**
   * The URL path the folder is served under, such as "files" for
   * `/files/...`; a request outside it gets 404. Default: the whole path.
   * Percent-escapes are allowed ("my%20files") and compared decoded, so
   * `/fil%65s/` is `/files/`; a segment that does not decode, or that is `.`
   * or `..` or would be refused in a request path, is a TypeError.
   */
  urlRoot?: string;
}

const MIME: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  wasm: "application/wasm",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  pcap: "application/vnd.tcpdump.pcap",
  woff: "font/woff",
  woff2: "font/woff2",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  ts: "text/plain; charset=utf-8",
};

/** The media type for a file name, by its extension; application/octet-stream when unknown. */
export function contentType(name: string): string {
  const dot = name.lastIndexOf(".");
  const ext = dot === -1 ? "" : name.slice(dot + 1).toLowerCase();
  return MIME[ext] ?? "application/octet-stream";
}

function plain(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The segments of a URL path, decoded, or null if any is unsafe: not
 * percent-decodable, `.` or `..`, or holding `/`, `\` or NUL once decoded.
 */
export function safeSegments(pathname: string): string[] | null {
  const out: string[] = [];
  for (const raw of pathname.split("/")) {
    if (raw === "") continue;
    const decoded = decodeSegment(raw);
    if ("refused" in decoded) return null;
    out.push(decoded.segment);
  }
  return out;
}

/** One URL path segment percent-decoded, or why it is refused (the rules of {@link safeSegments}). */
function decodeSegment(raw: string): { segment: string } | { refused: string } {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    return { refused: "has a malformed percent-escape" };
  }
  if (s === "." || s === "..") return { refused: "is a dot segment" };
  if (/[\/\\\0]/.test(s)) return { refused: "decodes to hold a /, \\ or NUL" };
  return { segment: s };
}

/** Whether an entity tag list (If-None-Match, If-Match) matches `etag`. */
function etagMatches(list: string, etag: string, weak: boolean): boolean {
  if (list.trim() === "*") return true;
  const bare = (t: string) => (weak ? t.replace(/^W\//, "") : t);
  return list.split(",").some((t) => {
    const tag = t.trim();
    if (!weak && tag.startsWith("W/")) return false;
    return bare(tag) === bare(etag);
  });
}

/** A single byte range against `size`: [start, end] inclusive, "unsatisfiable", or null to ignore. */
export function parseRange(
  header: string,
  size: number,
): [number, number] | "unsatisfiable" | null {
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return null; // Several ranges or nonsense: send it all.
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return null;
  if (start >= size) return "unsatisfiable";
  return [start, end];
}

/** The HTML listing of `dir`; `shown` is the decoded URL path for its title, used as text only. */
async function listing(
  dir: string,
  shown: string,
  atRoot: boolean,
  dotfiles: boolean,
): Promise<Response> {
  const entries: { name: string; dir: boolean; size: number }[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!dotfiles && e.name.startsWith(".")) continue;
    let size = 0;
    try {
      size = e.isFile ? (await Deno.stat(`${dir}/${e.name}`)).size : 0;
    } catch {
      continue;
    }
    entries.push({ name: e.name, dir: e.isDirectory, size });
  }
  entries.sort((a, b) => Number(b.dir) - Number(a.dir) || a.name.localeCompare(b.name));
  const title = escapeHtml(shown);
  const rows = entries.map((e) => {
    const href = encodeURIComponent(e.name) + (e.dir ? "/" : "");
    const label = escapeHtml(e.name) + (e.dir ? "/" : "");
    return `<tr><td><a href="${href}">${label}</a></td><td>${e.dir ? "" : e.size}</td></tr>`;
  });
  const up = atRoot ? "" : `<tr><td><a href="../">../</a></td><td></td></tr>`;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Index of ${title}</title></head>
<body><h1>Index of ${title}</h1>
<table><tr><th>Name</th><th>Size</th></tr>
${up}${rows.join("\n")}
</table></body></html>
`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

/** A stream of `length` bytes of `file` from `start`; closes the file at the end or on cancel. */
function fileStream(file: Deno.FsFile, start: number, length: number): ReadableStream<Uint8Array> {
  let left = length;
  let seeked = start === 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!seeked) {
          await file.seek(start, Deno.SeekMode.Start);
          seeked = true;
        }
        const buf = new Uint8Array(Math.min(65536, left));
        const n = left === 0 ? null : await file.read(buf);
        if (n === null) {
          file.close();
          controller.close();
          return;
        }
        left -= n;
        controller.enqueue(buf.subarray(0, n));
        if (left === 0) {
          file.close();
          controller.close();
        }
      } catch (error) {
        try {
          file.close();
        } catch { /* closed */ }
        throw error;
      }
    },
    cancel() {
      try {
        file.close();
      } catch { /* closed */ }
    },
  }, { highWaterMark: 0 });
}

/**
 * Answers a request from the files under `options.root`.
 *
 * GET and HEAD only (405 otherwise). Folders are redirected to their
 * trailing-slash URL and served by their index file or listed; files carry
 * Content-Type, ETag, Last-Modified and Accept-Ranges, and honour
 * If-None-Match, If-Modified-Since, If-Match, Range and If-Range.
 *
 * @example
 * ```ts
 * import { serve } from "./server.ts";
 * import { serveDir } from "./static.ts";
 * const server = serve({ port: 0 }, (req) => serveDir(req, { root: "." }));
 * await server.shutdown();
 * ```
 */
export async function serveDir(request: Request, options: ServeDirOptions): Promise<Response> {
  if (!options || typeof options.root !== "string") {
    throw new TypeError("Invalid options: root must be a folder path");
  }
  const prefix = urlPrefix(options.urlRoot);
  const url = new URL(request.url);
  const all = safeSegments(url.pathname);
  if (all === null) return plain(400, "Bad Request: unsafe path");
  // Outside urlRoot nothing is served here, whatever the method.
  if (all.length < prefix.length || prefix.some((s, i) => all[i] !== s)) {
    return plain(404, "Not Found");
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return plain(405, "Method Not Allowed", { allow: "GET, HEAD" });
  }
  const segments = all.slice(prefix.length);
  if (!options.dotfiles && segments.some((s) => s.startsWith("."))) return plain(404, "Not Found");
  let root: string;
  try {
    root = await Deno.realPath(options.root);
  } catch {
    return plain(500, "Internal Server Error: the root folder is missing");
  }
  let path: string;
  let info: Deno.FileInfo;
  try {
    path = await Deno.realPath([root, ...segments].join("/"));
    if (path !== root && !path.startsWith(root + "/")) return plain(404, "Not Found");
    info = await Deno.stat(path);
  } catch {
    return plain(404, "Not Found");
  }
  if (info.isDirectory) {
    if (!url.pathname.endsWith("/")) {
      return new Response(null, {
        status: 301,
        headers: { location: url.pathname + "/" + url.search },
      });
    }
    const index = `${path}/${options.index ?? "index.html"}`;
    try {
      const indexInfo = await Deno.stat(index);
      if (indexInfo.isFile) return await serveFile(request, index, indexInfo);
    } catch {
      // No index file.
    }
    if (options.listing === false) return plain(404, "Not Found");
    const shown = "/" + all.map((s) => s + "/").join("");
    return await listing(path, shown, segments.length === 0, options.dotfiles === true);
  }
  if (!info.isFile) return plain(404, "Not Found");
  return await serveFile(request, path, info);
}

/**
 * `urlRoot` as its decoded segments ([] for none), or a TypeError saying
 * which segment is refused and why.
 */
function urlPrefix(urlRoot: string | undefined): string[] {
  if (urlRoot === undefined) return [];
  if (typeof urlRoot !== "string") throw new TypeError("Invalid options: urlRoot must be a string");
  const refuse = (raw: string, why: string) =>
    new TypeError(
      `Invalid options: urlRoot ${JSON.stringify(urlRoot)} must be a plain URL path such as ` +
        `"files": segment ${JSON.stringify(raw)} ${why}`,
    );
  const out: string[] = [];
  for (const raw of urlRoot.split("/")) {
    if (raw === "") continue;
    if (!/^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/.test(raw)) {
      throw refuse(raw, "holds a character that must be percent-encoded");
    }
    const decoded = decodeSegment(raw);
    if ("refused" in decoded) throw refuse(raw, decoded.refused);
    out.push(decoded.segment);
  }
  return out;
}

async function serveFile(request: Request, path: string, info: Deno.FileInfo): Promise<Response> {
  const size = info.size;
  const mtime = info.mtime?.getTime() ?? 0;
  const etag = `"${size.toString(16)}-${Math.floor(mtime).toString(16)}"`;
  const headers: Record<string, string> = {
    "content-type": contentType(path),
    "etag": etag,
    "accept-ranges": "bytes",
  };
  if (info.mtime) headers["last-modified"] = info.mtime.toUTCString();
  const h = request.headers;

  // RFC 9110 §13.2.2: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since.
  const ifMatch = h.get("if-match");
  if (ifMatch !== null && !etagMatches(ifMatch, etag, false)) {
    return plain(412, "Precondition Failed", { etag });
  }
  const ifUnmodified = h.get("if-unmodified-since");
  if (ifMatch === null && ifUnmodified !== null && info.mtime) {
    const since = Date.parse(ifUnmodified);
    if (!Number.isNaN(since) && Math.floor(mtime / 1000) > Math.floor(since / 1000)) {
      return plain(412, "Precondition Failed", { etag });
    }
  }
  const ifNoneMatch = h.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (etagMatches(ifNoneMatch, etag, true)) {
      return new Response(null, {
        status: 304,
        headers: { etag, ...pick(headers, "last-modified") },
      });
    }
  } else {
    const since = Date.parse(h.get("if-modified-since") ?? "");
    if (
      !Number.isNaN(since) && info.mtime && Math.floor(mtime / 1000) <= Math.floor(since / 1000)
    ) {
      return new Response(null, {
        status: 304,
        headers: { etag, ...pick(headers, "last-modified") },
      });
    }
  }

  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = h.get("range");
  const ifRange = h.get("if-range");
  const rangeApplies = range !== null &&
    (ifRange === null || ifRange === etag ||
      (info.mtime !== null && ifRange === headers["last-modified"]));
  if (rangeApplies) {
    const r = parseRange(range!, size);
    if (r === "unsatisfiable") {
      return plain(416, "Range Not Satisfiable", { "content-range": `bytes */${size}` });
    }
    if (r !== null) {
      [start, end] = r;
      status = 206;
      headers["content-range"] = `bytes ${start}-${end}/${size}`;
    }
  }
  const length = Math.max(0, end - start + 1);
  headers["content-length"] = String(length);
  if (request.method === "HEAD" || length === 0) {
    return new Response(null, { status, headers });
  }
  const file = await Deno.open(path, { read: true });
  return new Response(fileStream(file, start, length), { status, headers });
}

function pick(from: Record<string, string>, name: string): Record<string, string> {
  return name in from ? { [name]: from[name] } : {};
}
