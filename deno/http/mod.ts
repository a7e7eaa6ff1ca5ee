/**
 * HTTP/1.1 on socklab's stream sockets: a server with the `Deno.serve`
 * handler shape ({@link serve}), a client over any connection
 * ({@link HttpClient}, {@link fetchOver}), a static file handler
 * ({@link serveDir}), and the picohttpparser-style parser beneath them
 * ({@link parseRequest}, {@link parseResponse}, {@link ChunkedDecoder}).
 *
 * What this layer does: RFC 9110/9112 message framing, persistent
 * connections, pipelining, chunked bodies, 100-continue, graceful shutdown,
 * strict rejection of malformed and ambiguous messages, limits and timeouts.
 * On Linux with `--allow-ffi` the server drives plain TCP with one epoll
 * loop through libc and batches each turn's socket calls through io_uring
 * (`io` in {@link ServeOptions}); elsewhere it uses Deno's own sockets.
 * What it does not do: HTTP/2 or HTTP/3, compression, caching, cookies,
 * redirects in the client, proxying, or multiple ranges in one response.
 * Nothing here prints; the server reports through its `trace` hook. It does
 * not pick its transport either: `serve()` asks the socket layer's
 * `listen()` for a {@link Listener} (or is given one), so HTTP depends on
 * `deno/net/`'s interfaces and nothing below them.
 *
 * @example A server and its client on a unix socket
 * ```ts
 * import { HttpClient, serve } from "./mod.ts";
 * const path = `/tmp/socklab-doc-${Deno.pid}.sock`;
 * const server = serve({ transport: "unix", path }, (req) => new Response(req.method));
 * const client = new HttpClient(await Deno.connect({ transport: "unix", path }));
 * console.log(await (await client.fetch("http://local/", { method: "PUT" })).text()); // PUT
 * client.close();
 * await server.shutdown();
 * await Deno.remove(path).catch(() => {}); // Deno may have removed it on close
 * ```
 *
 * @module
 */
export {
  type HttpServer,
  type HttpTraceEvent,
  serve,
  type ServeHandler,
  type ServeHandlerInfo,
  type ServeIo,
  type ServeOptions,
} from "./server.ts";
export { reasonPhrase } from "./status.ts";
export { fetchOver, HttpClient, HttpClientError, type HttpClientOptions } from "./client.ts";
export { contentType, serveDir, type ServeDirOptions } from "./static.ts";
export type { ByteStream } from "./_stream.ts";
export {
  ChunkedDecoder,
  type Framing,
  ParsedHead,
  type ParseLimits,
  parseRequest,
  parseResponse,
  requestFraming,
} from "./parser.ts";
// The socket layer's types that this API names, so its docs are whole.
export type * from "../net/types.ts";
