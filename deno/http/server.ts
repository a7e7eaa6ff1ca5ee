/**
 * An HTTP/1.1 server (RFC 9110, RFC 9112) written on socklab's stream
 * interfaces rather than on `Deno.serve`, so the same code serves kernel
 * TCP, unix sockets, TLS and socklab's user-space TCP, and every byte it
 * reads or writes can be followed in this folder.
 *
 * This file holds the connection loop and {@link serve}; each part it uses
 * has a module of its own, as in Go's net/http: `parser.ts` finds the parts
 * of a head, `_request.ts` makes them the handler's Request, `_body.ts`
 * reads request bodies, `_writer.ts` turns Responses into bytes on the
 * socket, `status.ts` holds the reason phrases. Where it listens is the
 * socket layer's choice (`listen()` in `deno/net/stream.ts`): the server
 * consumes a {@link Listener} and nothing else.
 *
 * `serve(options, handler)` takes the handler `Deno.serve` takes: a Web
 * `Request` in, a `Response` (or a promise of one) out. It speaks persistent
 * connections, pipelining, chunked request and response bodies,
 * `Expect: 100-continue`, HEAD, `Connection: close` and HTTP/1.0 clients,
 * streams response bodies with backpressure, and shuts down gracefully:
 * requests in flight are finished, idle connections are closed.
 *
 * It answers bad input with the status RFC 9112 asks for (400, 408, 413,
 * 417, 431, 501, 505) and closes the connection; a request head must arrive
 * within `headerTimeout` and an idle keep-alive connection is closed after
 * `idleTimeout`, so slow clients cannot hold it. A handler that throws gets
 * the client a 500 and the server keeps running.
 *
 * @module
 */
import type { Addr, Conn, Listener } from "../net/types.ts";
import { SocketClosed } from "../net/errors.ts";
import { listen, type ListenOptions } from "../net/stream.ts";
import {
  ERROR,
  type Framing,
  newFraming,
  ParsedHead,
  parseRequest,
  PARTIAL,
  requestFraming,
} from "./parser.ts";
import { lazyRequest, materialized } from "./_lazy_request.ts";
import { HeadDecoder } from "./_request.ts";
import { BodyError, type BodyInput, BodyReader, DRAIN_LIMIT } from "./_body.ts";
import { errorResponse, PlainHeads, ResponseWriter, type WriterOwner } from "./_writer.ts";

/** What the handler is told besides the request. */
export interface ServeHandlerInfo {
  /** The client's address. */
  remoteAddr: Addr;
  /** The server's address on this connection. */
  localAddr: Addr;
}

/** The request handler: the same shape `Deno.serve` takes. */
export type ServeHandler = (
  request: Request,
  info: ServeHandlerInfo,
) => Response | Promise<Response>;

/** What the server reports through its trace hook. Library code never prints. */
export type HttpTraceEvent =
  | { type: "listen"; addr: Addr }
  | { type: "connection"; remoteAddr: Addr; open: number }
  | { type: "request"; method: string; target: string; status: number }
  | { type: "reject"; status: number; reason: string; remoteAddr: Addr }
  | { type: "timeout"; phase: "head" | "body" | "idle"; remoteAddr: Addr }
  | { type: "error"; error: unknown }
  | { type: "close"; remoteAddr: Addr; requests: number };

/** Options of {@link serve}; the names follow `Deno.serve` where they apply. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one. Default 8000. */
  port?: number;
  /** Address to bind. Default "127.0.0.1" (Deno.serve binds 0.0.0.0). */
  hostname?: string;
  /** Stream transport: "tcp" (default) or "unix" (with {@link path}). */
  transport?: "tcp" | "unix";
  /** The unix socket path, for `transport: "unix"`. */
  path?: string;
  /** PEM certificate chain: with {@link key}, serves HTTPS over TLS. */
  cert?: string;
  /** PEM private key, with {@link cert}. */
  key?: string;
  /**
   * How plain TCP is driven (see {@link ServeIo}). Default: "io_uring"
   * where it can run, else "epoll", else "runtime".
   */
  io?: "io_uring" | "epoll" | "runtime";
  /** Serve connections accepted from this listener instead of opening one. */
  listener?: Listener;
  /** Aborting it shuts the server down gracefully. */
  signal?: AbortSignal;
  /** Called once listening, with the bound address. */
  onListen?: (addr: Addr) => void;
  /** Turns a handler's exception into a response. Default: a plain 500. */
  onError?: (error: unknown) => Response | Promise<Response>;
  /** Largest request head in bytes (431 beyond). Default 8192. */
  maxHeadSize?: number;
  /** Most header fields in a request (431 beyond). Default 100. */
  maxHeaders?: number;
  /** Largest request body in bytes (413 beyond). Default 16 MiB. */
  maxBodySize?: number;
  /** Most open connections; more are answered 503 and closed. Default 10000. */
  maxConnections?: number;
  /** Milliseconds a client has to send a complete request head. Default 10000. */
  headerTimeout?: number;
  /** Milliseconds an idle keep-alive connection is kept. Default 5000. */
  idleTimeout?: number;
  /** Receives what happens, for tracing and tests. */
  trace?: (event: HttpTraceEvent) => void;
}

/**
 * How a server's sockets are driven:
 * - "io_uring": one epoll loop through libc (`deno/net/epoll.ts`), each
 *   turn's recv and send calls made together with one io_uring_enter
 *   (Linux 5.19+, `--allow-ffi`, a numeric hostname);
 * - "epoll": the same loop, each call a syscall of its own;
 * - "runtime": Deno's own sockets (`Deno.listen`, `Deno.listenTls`): unix
 *   sockets, TLS, hostnames, and everywhere FFI is not allowed;
 * - "listener": a listener given in {@link ServeOptions.listener}.
 */
export type ServeIo = "io_uring" | "epoll" | "runtime" | "listener";

/** A running server. */
export interface HttpServer extends AsyncDisposable {
  /** The bound address. */
  readonly addr: Addr;
  /** How its sockets are driven. */
  readonly io: ServeIo;
  /** Resolves once the server has shut down and every connection is closed. */
  readonly finished: Promise<void>;
  /** Stops accepting, finishes requests in flight, closes idle connections. */
  shutdown(): Promise<void>;
}

const READ_SIZE = 4096; // grows up to maxHeadSize + 1024 for a large head
const BURST = 64;

/** The shared state of a server: options, open connections, the clock. */
class ServerState {
  readonly handler: ServeHandler;
  readonly maxHeadSize: number;
  readonly maxHeaders: number;
  readonly maxBodySize: number;
  readonly maxConnections: number;
  readonly headerTimeout: number;
  readonly idleTimeout: number;
  readonly onError?: (error: unknown) => Response | Promise<Response>;
  readonly trace?: (event: HttpTraceEvent) => void;
  readonly connections = new Set<Connection>();
  closing = false;
  now = Date.now();
  date = new Date(this.now).toUTCString();
  #idle?: () => void;
  /** The last response head written, and its bytes (see {@link Connection.putText}). */
  lastHead = "";
  /** Null until the same head has been written twice in a row. */
  lastHeadBytes: Uint8Array | null = null;
  /** The head of the last plain 200 written (see _writer.ts). */
  readonly plainHeads = new PlainHeads();
  /** Reads started since the event loop last turned (see {@link counted}). */
  burst = 0;
  #turn: Promise<void> | null = null;
  #turnTimer: ReturnType<typeof setTimeout> | undefined;
  #turned: (() => void) | null = null;

  constructor(options: ServeOptions, handler: ServeHandler) {
    this.handler = handler;
    this.maxHeadSize = positive("maxHeadSize", options.maxHeadSize, 8192);
    this.maxHeaders = positive("maxHeaders", options.maxHeaders, 100);
    this.maxBodySize = positive("maxBodySize", options.maxBodySize, 16 * 1024 * 1024);
    this.maxConnections = positive("maxConnections", options.maxConnections, 10000);
    this.headerTimeout = positive("headerTimeout", options.headerTimeout, 10000);
    this.idleTimeout = positive("idleTimeout", options.idleTimeout, 5000);
    this.onError = options.onError;
    const trace = options.trace;
    if (trace !== undefined && typeof trace !== "function") {
      throw new TypeError(`Invalid trace: expected a function, got ${typeof trace}`);
    }
    // A hook that throws must not take the server down with it.
    this.trace = trace && ((event) => {
      try {
        trace(event);
      } catch {
        // Ignored: tracing is advisory.
      }
    });
  }

  /** Advances the clock and closes connections whose deadline passed. */
  tick(): void {
    const now = Date.now();
    if (Math.floor(now / 1000) !== Math.floor(this.now / 1000)) {
      this.date = new Date(now).toUTCString();
    }
    this.now = now;
    for (const c of this.connections) {
      if (c.deadline !== 0 && c.deadline <= now) c.timeout();
    }
  }

  /**
   * Counts a read about to start; resolves at once, or on the event loop's
   * next turn when the reads come too fast. A read whose bytes are already in
   * the socket completes without one, so busy connections could go on serving
   * each other from the microtask queue while reads that did have to wait are
   * never delivered. The first read after a turn arms a zero timer, which
   * fires on the next turn and resets the count; a read beyond {@link BURST}
   * before it fires waits for it, so every connection gets its share.
   */
  counted(): Promise<void> | undefined {
    if (this.burst++ === 0) {
      this.#turn = new Promise((resolve) => (this.#turned = resolve));
      this.#turnTimer = setTimeout(() => this.endTurn(), 0);
    } else if (this.burst > BURST) return this.#turn!;
  }

  /** Resets the read count and releases the readers waiting for a turn. */
  endTurn(): void {
    clearTimeout(this.#turnTimer);
    this.burst = 0;
    this.#turn = null;
    this.#turned?.();
    this.#turned = null;
  }

  /** Resolves once every connection has closed. */
  allClosed(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idle = resolve));
  }

  removed(): void {
    if (this.connections.size === 0 && this.#idle) this.#idle();
  }
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Invalid ${name}: expected a number, got ${typeof value}`);
  }
  if (!(value > 0)) throw new RangeError(`Invalid ${name}: ${value} is not a positive number`);
  return value;
}

/**
 * Whether the handler may have taken the request's body: GET and HEAD
 * requests carry none to it, and a request it never used beyond its method,
 * URL and headers was never given one (see _lazy_request.ts).
 */
function bodySeen(request: Request, method: string): boolean {
  return method !== "GET" && method !== "HEAD" && materialized(request);
}

/** Whether the request in `buf[start, end)` says HEAD, as far as it has arrived. */
function saysHead(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i + 1 < end && buf[i] === 13 && buf[i + 1] === 10) i += 2; // empty lines before it
  return end - i >= 5 && buf[i] === 72 && buf[i + 1] === 69 && buf[i + 2] === 65 &&
    buf[i + 3] === 68 && buf[i + 4] === 32; // "HEAD "
}

/** One client connection: its input buffer, its parse state, its loop. */
class Connection implements BodyInput, WriterOwner {
  readonly server: ServerState;
  readonly conn: Conn;
  readonly writer: ResponseWriter;
  readonly remoteAddr: Addr;
  readonly info: ServeHandlerInfo;
  readonly scheme: string;
  buf: Uint8Array;
  start = 0;
  end = 0;
  /** Turns each parsed head into the parts of the handler's Request. */
  readonly decoder = new HeadDecoder();
  /** When the current wait must end (ms since the epoch), 0 for none. */
  deadline = 0;
  /**
   * "idle" between requests, "head" while a head is partly in, "body" while
   * the handler waits for body bytes, "busy" otherwise (no deadline).
   */
  phase: "head" | "idle" | "busy" | "body" = "idle";
  closed = false;
  requests = 0;
  readonly head: ParsedHead;
  readonly framing: Framing = newFraming();

  constructor(server: ServerState, conn: Conn) {
    this.server = server;
    this.conn = conn;
    this.writer = new ResponseWriter(conn, server, this);
    this.remoteAddr = conn.remoteAddr;
    this.info = { remoteAddr: conn.remoteAddr, localAddr: conn.localAddr };
    this.buf = new Uint8Array(Math.min(READ_SIZE, server.maxHeadSize + 1024));
    this.head = new ParsedHead(server.maxHeaders);
    this.scheme = conn.tls ? "https" : "http";
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer or the runtime.
    }
  }

  /** Whether the input holds more than the request being answered (pipelining). */
  inputPending(): boolean {
    return this.start !== this.end;
  }

  /** Buffers `bytes` for output. */
  put(bytes: Uint8Array): void {
    this.writer.put(bytes);
  }

  timeout(): void {
    const phase = this.phase === "idle" ? "idle" : this.phase === "body" ? "body" : "head";
    this.server.trace?.({ type: "timeout", phase, remoteAddr: this.remoteAddr });
    this.deadline = 0;
    if (phase === "head") {
      // Best effort: tell the client why, then close whatever happens.
      const headOnly = saysHead(this.buf, this.start, this.end);
      const bytes = errorResponse(408, "the request head did not arrive in time", headOnly);
      this.conn.write(bytes).catch(() => {}).finally(() => this.close());
    } else {
      this.close();
    }
  }

  /**
   * Reads more bytes after `end`, compacting the buffer first. Resolves to
   * false at the end of the stream.
   */
  async fill(): Promise<boolean> {
    const writer = this.writer;
    if (writer.outLen > 0) await writer.sendBeforeRead();
    if (this.start === this.end) this.start = this.end = 0;
    else if (this.end === this.buf.length) {
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      } else {
        // A head longer than the buffer: grow (the parser's 431 bounds this).
        const limit = this.server.maxHeadSize + 1024;
        if (this.buf.length >= limit) throw new Error("read buffer full (a parser bug)");
        const bigger = new Uint8Array(Math.min(limit, this.buf.length * 2));
        bigger.set(this.buf);
        this.buf = bigger;
      }
    }
    if (!this.conn.fair) {
      const turn = this.server.counted();
      if (turn !== undefined) await turn;
    }
    let n: number | null;
    try {
      n = await this.conn.read(this.end === 0 ? this.buf : this.buf.subarray(this.end));
    } catch (error) {
      if (this.closed) return false;
      throw error;
    }
    if (n === null || this.closed) {
      // The client may have only half-closed: what it asked for still goes out.
      if (writer.sending !== null) await writer.whenWritten();
      return false;
    }
    this.end += n;
    return true;
  }

  /** Reads more of a request body; each wait gets `headerTimeout`, so a trickled body cannot hold the server. */
  async moreBody(): Promise<boolean> {
    this.phase = "body";
    this.deadline = this.server.now + this.server.headerTimeout;
    const more = await this.fill();
    this.deadline = 0;
    this.phase = "busy";
    return more;
  }

  /** Serves requests until the client or the server ends the connection. */
  async run(): Promise<void> {
    const server = this.server;
    const head = this.head;
    const limits = { maxHeadSize: server.maxHeadSize, maxHeaders: server.maxHeaders };
    let lastEnd = 0;
    while (!this.closed) {
      // Wait for a complete request head; a malformed one is answered as soon as it shows.
      let used = this.start < this.end
        ? parseRequest(this.buf, this.start, this.end, head, limits, lastEnd)
        : PARTIAL;
      while (used === PARTIAL) {
        if (server.closing && this.start === this.end) return this.writer.flush();
        // The head timeout runs from the first byte of a head, not from each read,
        // so a client trickling bytes (slowloris) cannot hold the connection.
        const phase = this.start === this.end ? "idle" : "head";
        if (phase !== this.phase || this.deadline === 0) {
          this.deadline = server.now +
            (phase === "idle" && this.requests > 0 ? server.idleTimeout : server.headerTimeout);
        }
        this.phase = phase;
        const before = this.start;
        lastEnd = this.end;
        if (!await this.fill()) return;
        lastEnd -= before - this.start;
        used = parseRequest(this.buf, this.start, this.end, head, limits, lastEnd);
      }
      this.deadline = 0;
      this.phase = "busy";
      lastEnd = 0;
      if (used === ERROR) {
        const isHead = saysHead(this.buf, this.start, this.end);
        return this.reject(head.errorStatus, head.error, isHead);
      }
      const framing = requestFraming(this.buf, head, server.maxBodySize, this.framing);
      if (framing.error) {
        const isHead = saysHead(this.buf, this.start, this.end);
        this.start += used;
        return this.reject(framing.errorStatus, framing.error, isHead);
      }
      this.start += used;
      this.requests++;
      // A handler that answers at once with a complete body is served without an await.
      const answer = this.respond(head, framing);
      const keepAlive = typeof answer === "boolean" ? answer : await answer;
      if (!keepAlive || server.closing) {
        await this.writer.flush();
        return;
      }
    }
  }

  /** Answers with an error status and the reason, and flushes; the connection closes after it. */
  async reject(status: number, reason: string, isHead: boolean): Promise<void> {
    this.server.trace?.({ type: "reject", status, reason, remoteAddr: this.remoteAddr });
    this.writer.put(errorResponse(status, reason, isHead));
    await this.writer.flush();
  }

  /**
   * Builds the Request, calls the handler, writes the Response. Answers
   * whether to keep the connection, at once when the handler returned a
   * Response with a complete body, else as a promise.
   */
  respond(head: ParsedHead, framing: Framing): boolean | Promise<boolean> {
    const server = this.server;
    const decoded = this.decoder;
    if (!decoded.decode(this.buf, head, this.scheme)) {
      return this.rejectAndClose(decoded.errorStatus, decoded.error, decoded.method === "HEAD");
    }
    const { method, target, url, headers } = decoded;
    const isHead = method === "HEAD";
    let keepAlive = framing.keepAlive;
    const minor = head.minorVersion;
    let body: BodyReader | null = null;
    let stream: ReadableStream<Uint8Array> | null = null;
    if (framing.kind !== "none") {
      body = new BodyReader(this, framing, server.maxBodySize);
      // A Fetch Request cannot carry a body with GET or HEAD: it is framed and skipped.
      if (method !== "GET" && !isHead) stream = body.stream();
    }
    const request = lazyRequest({ method, url, headers, body: stream });

    let result: Response | Promise<Response>;
    try {
      result = server.handler(request, this.info);
    } catch (error) {
      result = Promise.reject(error);
    }
    if (body === null && result instanceof Response) {
      // The usual case: nothing to await unless the output piles up.
      server.trace?.({ type: "request", method, target, status: result.status });
      if (server.closing) keepAlive = false;
      const written = this.writer.writeResponse(result, isHead, minor, keepAlive);
      if (written === true) return keepAlive;
      return written.then((ok) => ok && keepAlive);
    }
    return this.finish(result, request, body, method, target, minor, keepAlive);
  }

  /** The rest of {@link respond} when the handler's answer or the request body must be awaited. */
  async finish(
    result: Response | Promise<Response>,
    request: Request,
    body: BodyReader | null,
    method: string,
    target: string,
    minor: number,
    keepAlive: boolean,
  ): Promise<boolean> {
    const server = this.server;
    const isHead = method === "HEAD";
    let response: Response;
    try {
      response = result instanceof Promise ? await result : result;
      if (!(response instanceof Response)) {
        throw new TypeError("the handler did not return a Response");
      }
    } catch (error) {
      if (body?.error) return this.rejectAndClose(body.error.status, body.error.message, isHead);
      server.trace?.({ type: "error", error });
      response = await this.errorToResponse(error);
    }

    if (body && !body.done) {
      // The body is not read to its end. Without the 100 the client may not send it at all.
      if (body.heldBack) keepAlive = false;
      else if (!bodySeen(request, method)) {
        // The handler never saw it: read the rest (up to DRAIN_LIMIT) before answering, so
        // invalid framing gets its 400 rather than the handler's answer (see _body.ts).
        let ended: boolean;
        try {
          ended = await body.skip(DRAIN_LIMIT);
        } catch {
          response.body?.cancel().catch(() => {});
          const error = body.error ?? new BodyError(400, "the request body could not be read");
          return this.rejectAndClose(error.status, error.message, isHead);
        }
        if (!ended) keepAlive = false;
      } else if (body.remaining > DRAIN_LIMIT) keepAlive = false;
    }
    server.trace?.({ type: "request", method, target, status: response.status });
    if (server.closing) keepAlive = false;
    const ok = await this.writer.writeResponse(response, isHead, minor, keepAlive);
    if (!ok) return false;
    // A body the handler took but left unread is read past before the next request.
    if (body && !body.done && keepAlive) {
      try {
        if (!await body.skip(DRAIN_LIMIT)) return false;
      } catch {
        return false;
      }
    }
    return keepAlive;
  }

  /** Answers with an error status; resolves to false (the connection closes). */
  async rejectAndClose(status: number, reason: string, isHead: boolean): Promise<boolean> {
    await this.reject(status, reason, isHead);
    return false;
  }

  async errorToResponse(error: unknown): Promise<Response> {
    if (this.server.onError) {
      try {
        const r = await this.server.onError(error);
        if (r instanceof Response) return r;
      } catch (again) {
        this.server.trace?.({ type: "error", error: again });
      }
    }
    return new Response("Internal Server Error\n", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}

/**
 * Serves HTTP/1.1 with `handler` until `options.signal` aborts or
 * `shutdown()` is called.
 *
 * Where it listens: a TCP port (`port`, `hostname`), a unix socket
 * (`transport: "unix"`, `path`), HTTPS (`cert` and `key` in PEM), or any
 * socklab {@link Listener} (`listener`: kernel sockets or socklab's own TCP).
 *
 * @throws {TypeError} If `handler` is not a function or an option has the wrong type.
 * @throws {RangeError} If a limit is not a positive number.
 *
 * @example Hello, world
 * ```ts
 * import { serve } from "./server.ts";
 * const server = serve({ port: 0 }, () => new Response("hello world\n"));
 * const addr = server.addr as { hostname: string; port: number };
 * const res = await fetch(`http://${addr.hostname}:${addr.port}/`);
 * console.log(await res.text());
 * await server.shutdown();
 * ```
 */
export function serve(options: ServeOptions, handler: ServeHandler): HttpServer {
  if (typeof handler !== "function") {
    throw new TypeError(`Invalid handler: expected a function, got ${typeof handler}`);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid options: expected an object, got ${typeof options}`);
  }
  const state = new ServerState(options, handler);
  let listener: Listener;
  let io: ServeIo;
  if (options.listener) {
    listener = options.listener;
    io = "listener";
  } else {
    const opened = listen(listenOptions(options));
    listener = opened;
    io = opened.io;
  }
  const addr = listener.addr;
  state.trace?.({ type: "listen", addr });
  options.onListen?.(addr);

  const tickMs = Math.max(20, Math.min(1000, Math.min(state.headerTimeout, state.idleTimeout) / 4));
  const ticker = setInterval(() => state.tick(), tickMs);

  let stopped: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    if (stopped) return stopped;
    state.closing = true;
    try {
      listener.close();
    } catch {
      // Closed already.
    }
    for (const c of state.connections) {
      if (c.phase === "idle" || c.phase === "head") c.close();
    }
    stopped = accepting.then(() => state.allClosed()).then(() => listener.stopped).finally(
      () => {
        clearInterval(ticker);
        state.endTurn();
      },
    );
    return stopped;
  };

  const onAbort = () => shutdown();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const accepting = (async () => {
    while (!state.closing) {
      let conn: Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (state.closing) break;
        // The listener was closed under us: stop serving.
        if (error instanceof SocketClosed) break;
        // Anything else (EMFILE, say) may repeat at once: report it and pause before retrying.
        state.trace?.({ type: "error", error });
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (state.closing) {
        try {
          conn.close();
        } catch { /* gone */ }
        break;
      }
      if (state.connections.size >= state.maxConnections) {
        const bytes = errorResponse(503, "too many connections");
        conn.write(bytes).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* gone */ }
        });
        continue;
      }
      const c = new Connection(state, conn);
      state.connections.add(c);
      state.trace?.({
        type: "connection",
        remoteAddr: c.remoteAddr,
        open: state.connections.size,
      });
      c.run().catch((error) => {
        if (!c.closed) state.trace?.({ type: "error", error });
      }).finally(() => {
        c.close();
        state.connections.delete(c);
        state.trace?.({ type: "close", remoteAddr: c.remoteAddr, requests: c.requests });
        state.removed();
      });
    }
  })();

  if (options.signal?.aborted) shutdown();
  const finished = (async () => {
    await accepting;
    await shutdown();
    options.signal?.removeEventListener("abort", onAbort);
  })();

  return {
    addr,
    io,
    finished,
    shutdown: async () => {
      await shutdown();
      await finished;
    },
    async [Symbol.asyncDispose]() {
      await shutdown();
      await finished;
    },
  };
}

/**
 * The listener `serve()` opens: the options `Deno.serve` takes, as the
 * socket layer's {@link listen} takes them. The io defaults to the fastest
 * this process can run for the address.
 */
function listenOptions(options: ServeOptions): ListenOptions {
  if (options.transport === "unix") {
    if (typeof options.path !== "string") {
      throw new TypeError('Invalid path: transport "unix" needs a socket path');
    }
    return { path: options.path };
  }
  if (options.transport !== undefined && options.transport !== "tcp") {
    throw new TypeError(`Invalid transport "${options.transport}": expected "tcp" or "unix"`);
  }
  return {
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8000,
    io: options.io ?? "auto",
    cert: options.cert,
    key: options.key,
  };
}
