/**
 * An HTTP/1.1 server (RFC 9110, RFC 9112) written on socklab's stream
 * interfaces rather than on `Deno.serve`, so the same code serves kernel
 * TCP, unix sockets, TLS and socklab's user-space TCP, and every byte it
 * reads or writes can be followed in this file.
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
import type { Addr, Listener } from "../net/types.ts";
import { toNetError } from "../net/errors.ts";
import { isIPv4, isIPv6 } from "../net/addr.ts";
import { epollAvailable, EpollListener, listenEpoll } from "../net/epoll.ts";
import {
  ChunkedDecoder,
  equalsIgnoreCase,
  ERROR,
  type Framing,
  latin1,
  newFraming,
  ParsedHead,
  parseRequest,
  PARTIAL,
  requestFraming,
} from "./parser.ts";
import { lazyRequest } from "./_lazy_request.ts";
import { staticBody } from "./_static_body.ts";
import {
  type ByteListener,
  type ByteStream,
  fromDenoListener,
  toAddr,
  writeAll,
} from "./_stream.ts";

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

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/** The reason phrase for a status code, or "" when it has no registered one here. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}

const statusLines = new Map<number, string>();
function statusLine(status: number, text: string): string {
  if (text && text !== REASONS[status]) return `HTTP/1.1 ${status} ${text}\r\n`;
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

const encoder = new TextEncoder();
const CONTINUE = encoder.encode("HTTP/1.1 100 Continue\r\n\r\n");
const CRLF = encoder.encode("\r\n");
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
const READ_SIZE = 4096; // grows up to maxHeadSize + 1024 for a large head
const OUT_SIZE = 8192;
const DRAIN_LIMIT = 65536;
const RECENT_MAX = 2048;
const BURST = 64;

// Methods, interned by their bytes so the common ones cost no decoding.
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];
function methodOf(buf: Uint8Array, s: number, e: number): string {
  const n = e - s;
  for (const m of METHODS) {
    if (m.length !== n) continue;
    let i = 0;
    while (i < n && buf[s + i] === m.charCodeAt(i)) i++;
    if (i === n) return m;
  }
  return latin1(buf, s, e);
}

/** uri-host [ ":" port ] (RFC 9110 §7.2): reg-name, IPv4 or an IP literal in brackets. */
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]*|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/;

const noHeaders = () => new Headers();

/**
 * Copies the header fields out of the connection's buffer (which the next
 * read reuses) and returns a function that decodes them into Headers.
 */
function lazyHeaders(head: ParsedHead, text: string): () => Headers {
  const count = head.headerCount;
  if (count === 0) return noHeaders;
  const h = head.headers;
  const base = h[0];
  // One string and a plain array: a typed-array slice would allocate a
  // backing store, which costs more than everything else here.
  const offsets: number[] = new Array(count * 4);
  for (let k = 0; k < count * 4; k++) offsets[k] = h[k] - base;
  return () => {
    const headers = new Headers();
    for (let k = 0; k < offsets.length; k += 4) {
      headers.append(
        text.slice(offsets[k], offsets[k + 1]),
        text.slice(offsets[k + 2], offsets[k + 3]),
      );
    }
    return headers;
  };
}

/**
 * The last text decoded at one place of a request head (the target, the Host,
 * the block of header fields) with a copy of its bytes: a client that repeats
 * itself, as most do on a keep-alive connection, costs a comparison instead
 * of a decode, and what was derived from the text (a validation, a parse) is
 * kept with it.
 */
class Recent<T> {
  #bytes = new Uint8Array(0);
  #len = -1;
  text = "";
  /** What was derived from {@link text}. */
  value: T;

  constructor(initial: T) {
    this.value = initial;
  }

  /** Whether `buf[start, end)` holds the remembered bytes. */
  matches(buf: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    if (n !== this.#len) return false;
    const b = this.#bytes;
    for (let i = 0; i < n; i++) if (b[i] !== buf[start + i]) return false;
    return true;
  }

  /** Remembers `buf[start, end)` as `text`, with `value`; long texts are not kept. */
  remember(buf: Uint8Array, start: number, end: number, text: string, value: T): void {
    const n = end - start;
    this.text = text;
    this.value = value;
    if (n > RECENT_MAX) {
      this.#len = -1;
      return;
    }
    if (this.#bytes.length < n) this.#bytes = new Uint8Array(Math.max(64, n));
    this.#bytes.set(buf.subarray(start, end));
    this.#len = n;
  }
}

/** An error in a request body, carrying the status it should be answered with. */
class BodyError extends Error {
  override name = "BodyError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

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

/** The end of a response head: the connection header HTTP/1.1 and 1.0 each need, and the blank line. */
function headEnd(keepAlive: boolean, minor: number): string {
  if (!keepAlive) return "connection: close\r\n\r\n";
  return minor === 0 ? "connection: keep-alive\r\n\r\n" : "\r\n";
}

/** One client connection: its buffers, its parse state, its loop. */
class Connection {
  readonly server: ServerState;
  readonly conn: ByteStream;
  readonly remoteAddr: Addr;
  readonly info: ServeHandlerInfo;
  readonly scheme: string;
  buf: Uint8Array;
  start = 0;
  end = 0;
  out = new Uint8Array(OUT_SIZE);
  outLen = 0;
  /** The output buffer of the write before last, reused when no write holds it. */
  spare: Uint8Array<ArrayBuffer> | null = null;
  /** Who waits for the write in flight to end. */
  readonly writeWaiters: (() => void)[] = [];
  /** The buffer of the write in flight (one at a time; left alone until it ends), or null. */
  sending: Uint8Array<ArrayBuffer> | null = null;
  /** How much of {@link sending} is to go. */
  sendingLength = 0;
  /** Why a write failed; the connection is closed by then. */
  writeError: unknown = null;
  /** The last small body string sent, and its UTF-8 bytes. */
  bodyText = "";
  bodyBytes: Uint8Array = new Uint8Array(0);
  readonly recentTarget = new Recent<null>(null);
  readonly recentHost = new Recent<null>(null);
  readonly recentFields = new Recent<() => Headers>(noHeaders);
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

  constructor(server: ServerState, conn: ByteStream) {
    this.server = server;
    this.conn = conn;
    this.remoteAddr = toAddr(conn.remoteAddr);
    this.info = { remoteAddr: this.remoteAddr, localAddr: toAddr(conn.localAddr) };
    this.buf = new Uint8Array(Math.min(READ_SIZE, server.maxHeadSize + 1024));
    this.head = new ParsedHead(server.maxHeaders);
    this.scheme = (conn as { tls?: boolean }).tls ? "https" : "http";
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

  timeout(): void {
    const phase = this.phase === "idle" ? "idle" : this.phase === "body" ? "body" : "head";
    this.server.trace?.({ type: "timeout", phase, remoteAddr: this.remoteAddr });
    this.deadline = 0;
    if (phase === "head") {
      // Best effort: tell the client why, then close whatever happens.
      const bytes = errorResponse(408, "the request head did not arrive in time");
      this.conn.write(bytes).catch(() => {}).finally(() => this.close());
    } else {
      this.close();
    }
  }

  /**
   * Starts writing the buffered output and returns at once: the bytes go out
   * while the connection reads the next request (one write in flight at a
   * time; its buffer is left alone until it completes). A failed write closes
   * the connection, and the next {@link flush} reports the error.
   */
  send(): void {
    const n = this.outLen;
    if (n === 0 || this.sending !== null) return;
    const buf = this.out;
    this.out = this.spare ?? new Uint8Array(OUT_SIZE);
    this.spare = null;
    this.outLen = 0;
    this.sending = buf;
    this.sendingLength = n;
    const view = buf.subarray(0, n);
    // A stream that takes a callback spares the promises of write() on every answer.
    if (this.conn.submitWrite) this.conn.submitWrite(view, this.written);
    else this.conn.write(view).then(this.written, this.writeFailed);
  }

  /** The end of the write {@link send} started: the count taken, or the error. */
  readonly written = (result: number | Error): void => {
    if (result instanceof Error) return this.writeFailed(result);
    const buf = this.sending!, n = this.sendingLength;
    if (result >= n) return this.writeEnded(buf);
    writeAll(this.conn, buf.subarray(result, n)).then(() => this.writeEnded(buf), this.writeFailed);
  };

  readonly writeFailed = (error: unknown): void => {
    this.writeError ??= error;
    this.close();
    this.writeEnded(null);
  };

  writeEnded(buf: Uint8Array<ArrayBuffer> | null): void {
    this.sending = null;
    if (buf !== null && buf.length <= 4 * OUT_SIZE) this.spare = buf;
    if (this.writeWaiters.length > 0) { for (const wake of this.writeWaiters.splice(0)) wake(); }
  }

  /** Resolves once no write is in flight (it never rejects; see {@link writeError}). */
  whenWritten(): Promise<void> {
    if (this.sending === null) return Promise.resolve();
    return new Promise((resolve) => this.writeWaiters.push(resolve));
  }

  /** Writes out the buffered output: resolves once every byte has been taken. */
  async flush(): Promise<void> {
    if (this.sending !== null) await this.whenWritten();
    if (this.writeError !== null) throw this.writeError;
    if (this.outLen === 0) return;
    this.send();
    if (this.sending !== null) await this.whenWritten();
    if (this.writeError !== null) throw this.writeError;
  }

  /**
   * Starts the write when the input holds no further request to answer
   * first; waits for it only when output piles up or the connection ends.
   */
  flushUnlessPipelined(keepAlive: boolean): Promise<void> | undefined {
    if (!keepAlive || this.outLen >= OUT_SIZE) return this.flush();
    if (this.start === this.end) this.send();
  }

  /** Makes room for `n` more output bytes (the buffer grows; flush shrinks it back). */
  reserve(n: number): void {
    if (this.outLen + n <= this.out.length) return;
    const bigger = new Uint8Array(Math.max(this.out.length * 2, this.outLen + n));
    bigger.set(this.out.subarray(0, this.outLen));
    this.out = bigger;
  }

  /** Sends a complete body after the buffered head: with it when small, by itself when large. */
  async putBody(bytes: Uint8Array | null, keepAlive: boolean): Promise<void> {
    if (bytes !== null && bytes.length > OUT_SIZE) {
      await this.flush();
      await writeAll(this.conn, bytes);
      if (!keepAlive) return;
    } else if (bytes !== null) {
      this.put(bytes);
    }
    await this.flushUnlessPipelined(keepAlive);
  }

  /** Buffers `bytes` for output. */
  put(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.out.set(bytes, this.outLen);
    this.outLen += bytes.length;
  }

  /** UTF-8 bytes of a body string; a small one is kept, for a handler answering the same again. */
  encodeBody(text: string): Uint8Array {
    if (text === this.bodyText) return this.bodyBytes;
    const bytes = encoder.encode(text);
    if (text.length * 3 <= OUT_SIZE) {
      this.bodyText = text;
      this.bodyBytes = bytes;
    }
    return bytes;
  }

  /**
   * Buffers head text for output, one byte per character: header names and
   * values are ByteStrings (every code unit below 256, as Headers ensures),
   * and a head is short, so a loop beats a call into the encoder.
   */
  putText(text: string): void {
    // A server mostly sends the same head again: once a head repeats, keep its bytes and copy them.
    const server = this.server;
    if (text === server.lastHead && server.lastHeadBytes !== null) {
      return this.put(server.lastHeadBytes);
    }
    const n = text.length;
    this.reserve(n);
    const out = this.out;
    const start = this.outLen;
    let at = start;
    for (let i = 0; i < n; i++) out[at++] = text.charCodeAt(i);
    this.outLen = at;
    if (n >= 32 && n <= 1024) {
      if (text === server.lastHead) server.lastHeadBytes = out.slice(start, at);
      else {
        server.lastHead = text;
        server.lastHeadBytes = null;
      }
    }
  }

  /**
   * Reads more bytes after `end`, compacting the buffer first. Resolves to
   * false at the end of the stream.
   */
  async fill(): Promise<boolean> {
    if (this.outLen > 0) {
      // The answers so far go out while we wait for more input; only one
      // write is in flight, so a client that does not read slows us down.
      if (this.sending !== null) await this.whenWritten();
      if (this.writeError !== null) throw this.writeError;
      this.send();
    }
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
      if (this.sending !== null) await this.whenWritten();
      return false;
    }
    this.end += n;
    return true;
  }

  /** Serves requests until the client or the server ends the connection. */
  async run(): Promise<void> {
    const server = this.server;
    const head = this.head;
    const limits = { maxHeadSize: server.maxHeadSize, maxHeaders: server.maxHeaders };
    let lastEnd = 0;
    while (!this.closed) {
      // Wait for a complete request head.
      let used = this.start < this.end
        ? parseRequest(this.buf, this.start, this.end, head, limits, lastEnd)
        : PARTIAL;
      while (used === PARTIAL) {
        if (server.closing && this.start === this.end) return this.flush();
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
      if (used === ERROR) return this.reject(head.errorStatus, head.error);
      const framing = requestFraming(this.buf, head, server.maxBodySize, this.framing);
      this.start += used;
      if (framing.error) return this.reject(framing.errorStatus, framing.error);
      this.requests++;
      // A handler that answers at once with a complete body is served without an await.
      const answer = this.respond(head, framing);
      const keepAlive = typeof answer === "boolean" ? answer : await answer;
      if (!keepAlive || server.closing) {
        await this.flush();
        return;
      }
    }
  }

  async reject(status: number, reason: string): Promise<void> {
    this.server.trace?.({ type: "reject", status, reason, remoteAddr: this.remoteAddr });
    this.put(errorResponse(status, reason));
    await this.flush();
  }

  /**
   * Builds the Request, calls the handler, writes the Response. Answers
   * whether to keep the connection, at once when the handler returned a
   * Response with a complete body, else as a promise.
   */
  respond(head: ParsedHead, framing: Framing): boolean | Promise<boolean> {
    const server = this.server;
    const buf = this.buf;
    const method = methodOf(buf, head.methodStart, head.methodEnd);
    const recentTarget = this.recentTarget;
    let target: string;
    if (recentTarget.matches(buf, head.targetStart, head.targetEnd)) target = recentTarget.text;
    else {
      target = latin1(buf, head.targetStart, head.targetEnd);
      recentTarget.remember(buf, head.targetStart, head.targetEnd, target, null);
    }
    // Only Host is decoded now; the other fields when the handler asks (lazyHeaders).
    let host = "";
    const h = head.headers;
    for (let i = 0, k = 0; i < head.headerCount; i++, k += 4) {
      if (h[k + 1] - h[k] === 4 && equalsIgnoreCase(buf, h[k], h[k + 1], "host")) {
        const recent = this.recentHost;
        if (recent.matches(buf, h[k + 2], h[k + 3])) host = recent.text; // validated before
        else {
          host = latin1(buf, h[k + 2], h[k + 3]);
          if (!HOST.test(host)) return this.rejectAndClose(400, "invalid Host header");
          recent.remember(buf, h[k + 2], h[k + 3], host, null);
        }
        break;
      }
    }
    if (method === "CONNECT" || method === "TRACE" || method === "TRACK") {
      // Methods a Fetch Request cannot carry (tunnels and request echoing): not served here.
      return this.rejectAndClose(501, `${method} is not implemented`);
    }
    let headers = noHeaders;
    if (head.headerCount > 0) {
      const start = h[0], end = h[(head.headerCount - 1) * 4 + 3];
      const recent = this.recentFields;
      if (recent.matches(buf, start, end)) headers = recent.value;
      else {
        const text = latin1(buf, start, end);
        headers = lazyHeaders(head, text);
        recent.remember(buf, start, end, text, headers);
      }
    }
    let url: string;
    if (target.charCodeAt(0) === 47) url = `${this.scheme}://${host || "localhost"}${target}`;
    else if (/^https?:\/\//i.test(target) && URL.canParse(target)) url = target;
    else if (target === "*") url = `${this.scheme}://${host || "localhost"}/`;
    else return this.badTarget();
    let keepAlive = framing.keepAlive;
    const minor = head.minorVersion;
    let body: BodyReader | null = null;
    let stream: ReadableStream<Uint8Array> | null = null;
    if (framing.kind !== "none") {
      body = new BodyReader(this, framing);
      const reader = body;
      // A Fetch Request cannot carry a body with GET or HEAD: it is framed and skipped.
      if (method !== "GET" && method !== "HEAD") {
        stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const chunk = await reader.next();
            if (chunk === null) controller.close();
            else controller.enqueue(chunk);
          },
        }, { highWaterMark: 0 });
      }
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
      const written = this.writeResponse(result, method === "HEAD", minor, keepAlive);
      if (written === true) return keepAlive;
      return written.then((ok) => ok && keepAlive);
    }
    return this.finish(result, body, framing, method, target, minor, keepAlive);
  }

  /** The rest of {@link respond} when the handler's answer or the request body must be awaited. */
  async finish(
    result: Response | Promise<Response>,
    body: BodyReader | null,
    framing: Framing,
    method: string,
    target: string,
    minor: number,
    keepAlive: boolean,
  ): Promise<boolean> {
    const server = this.server;
    let response: Response;
    try {
      response = result instanceof Promise ? await result : result;
      if (!(response instanceof Response)) {
        throw new TypeError("the handler did not return a Response");
      }
    } catch (error) {
      if (body?.error) {
        await this.reject(body.error.status, body.error.message);
        return false;
      }
      server.trace?.({ type: "error", error });
      response = await this.errorToResponse(error);
    }
    server.trace?.({ type: "request", method, target, status: response.status });

    if (body && !body.done) {
      // An unread body must be read past before the next request, or the
      // connection closed. Without the 100 the client may not send it at all.
      if (framing.expectContinue && !body.continued) keepAlive = false;
      else if (framing.kind === "length" && body.remaining > DRAIN_LIMIT) keepAlive = false;
    }
    if (server.closing) keepAlive = false;
    const ok = await this.writeResponse(response, method === "HEAD", minor, keepAlive);
    if (!ok) return false;
    if (body && !body.done && keepAlive) {
      try {
        let drained = 0;
        while (!body.done) {
          const chunk = await body.next();
          if (chunk === null) break;
          drained += chunk.length;
          if (drained > DRAIN_LIMIT) return false;
        }
      } catch {
        return false;
      }
    }
    return keepAlive;
  }

  badTarget(): Promise<boolean> {
    return this.rejectAndClose(
      400,
      "the request target is not in origin, absolute or asterisk form",
    );
  }

  /** Answers with an error status; resolves to false (the connection closes). */
  async rejectAndClose(status: number, reason: string): Promise<boolean> {
    await this.reject(status, reason);
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

  /**
   * Writes the status line, the headers and the body. A body that is
   * already complete (the usual `new Response("...")`) goes out with a
   * Content-Length in one write; a stream goes out chunked (or, to HTTP/1.0
   * clients, until the connection closes), one chunk at a time so a slow
   * reader slows the producer. Resolves to false if the connection must close.
   */
  writeResponse(
    response: Response,
    isHead: boolean,
    minor: number,
    keepAlive: boolean,
  ): true | Promise<boolean> {
    const status = response.status;
    const bodiless = status === 204 || status === 304 || status < 200;
    const noBody = isHead || bodiless;
    // The usual `new Response("text")`: no stream needed (see _static_body.ts).
    // Read before the headers: listing them makes Deno turn the body into a stream.
    const text = staticBody(response);
    let head = statusLine(status, response.statusText);
    let declared = -1;
    // forEach, not for-of: Deno's header iterator costs several times more.
    response.headers.forEach((value, name) => {
      if (name === "content-length") {
        declared = /^\d{1,15}$/.test(value) ? Number(value) : -1;
      } else if (name !== "transfer-encoding" && name !== "connection" && name !== "keep-alive") {
        head += name + ": " + value + "\r\n";
      }
    });
    head += "date: " + this.server.date + "\r\n";

    if (text !== undefined) {
      const bytes = this.encodeBody(text);
      if (!bodiless) head += "content-length: " + bytes.length + "\r\n";
      head += headEnd(keepAlive, minor);
      this.putText(head);
      if (noBody || bytes.length <= OUT_SIZE) {
        if (!noBody) this.put(bytes);
        // Sent now, or with the next answers when more requests are already in.
        const flushed = this.flushUnlessPipelined(keepAlive);
        return flushed ? flushed.then(() => true) : true;
      }
      return this.putBody(bytes, keepAlive).then(() => true);
    }

    const stream = response.body;
    if (noBody || stream === null) {
      if (stream !== null) stream.cancel().catch(() => {});
      // HEAD: the length the GET would have, when the handler said; else none
      // (RFC 9110 §8.6 lets a HEAD response leave it out, but not get it wrong).
      if (isHead && declared >= 0) head += "content-length: " + declared + "\r\n";
      else if (!isHead && !bodiless) {
        head += "content-length: 0\r\n";
      }
      head += headEnd(keepAlive, minor);
      this.putText(head);
      const flushed = this.flushUnlessPipelined(keepAlive);
      return flushed ? flushed.then(() => true) : true;
    }
    return this.writeBodyStream(stream, head, declared, minor, keepAlive);
  }

  /** Writes a streamed body: with a length when it turns out complete, else chunked. */
  async writeBodyStream(
    stream: ReadableStream<Uint8Array>,
    head: string,
    declared: number,
    minor: number,
    keepAlive: boolean,
  ): Promise<boolean> {
    const reader = stream.getReader();
    try {
      let first = await reader.read();
      let second: ReadableStreamReadResult<Uint8Array> | undefined;
      if (!first.done) {
        // A body that is already complete answers its second read at once.
        const next = reader.read();
        next.then((r) => (second = r), () => {});
        await null;
        await null;
        await null;
        if (second === undefined && declared < 0) {
          return await this.writeStreamed(head, reader, first.value, next, minor, keepAlive);
        }
        if (second === undefined) second = await next;
        if (!second.done) {
          return await this.writeStreamed(head, reader, first.value, next, minor, keepAlive, {
            declared,
            second,
          });
        }
      } else {
        first = { done: false, value: new Uint8Array(0) };
      }
      const bytes = first.value!;
      head += "content-length: " + bytes.length + "\r\n";
      head += headEnd(keepAlive, minor);
      this.putText(head);
      await this.putBody(bytes, keepAlive);
      return true;
    } finally {
      reader.releaseLock();
    }
  }

  /** Writes a body whose end is not yet known. */
  async writeStreamed(
    head: string,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    first: Uint8Array,
    next: Promise<ReadableStreamReadResult<Uint8Array>>,
    minor: number,
    keepAlive: boolean,
    known?: { declared: number; second: ReadableStreamReadResult<Uint8Array> },
  ): Promise<boolean> {
    const declared = known?.declared ?? -1;
    const chunked = declared < 0 && minor === 1;
    if (declared >= 0) head += "content-length: " + declared + "\r\n";
    else if (chunked) head += "transfer-encoding: chunked\r\n";
    else keepAlive = false; // HTTP/1.0 without a length: the close ends the body.
    head += headEnd(keepAlive, minor);
    this.putText(head);
    let sent = 0;
    const send = async (chunk: Uint8Array) => {
      if (chunk.length === 0) return;
      sent += chunk.length;
      if (chunked) this.putText(chunk.length.toString(16) + "\r\n");
      if (chunk.length <= 4096) {
        this.put(chunk);
        if (chunked) this.put(CRLF);
        await this.flush();
      } else {
        // Large chunks go out as they are; their CRLF rides with the next write.
        await this.flush();
        await writeAll(this.conn, chunk);
        if (chunked) this.put(CRLF);
      }
    };
    try {
      await send(first);
      let result = known?.second ?? await next;
      while (!result.done) {
        if (declared >= 0 && sent + result.value.length > declared) {
          throw new RangeError(`the body is longer than its content-length of ${declared}`);
        }
        await send(result.value);
        result = await reader.read();
      }
    } catch (error) {
      // The head is out: all we can do is end the connection mid-body.
      this.server.trace?.({ type: "error", error });
      reader.cancel(error).catch(() => {});
      await this.flush().catch(() => {});
      return false;
    }
    if (chunked) this.put(LAST_CHUNK);
    await this.flushUnlessPipelined(keepAlive);
    if (declared >= 0 && sent !== declared) return false;
    return keepAlive;
  }
}

/** Reads one request body from the connection's buffer and socket. */
class BodyReader {
  readonly #c: Connection;
  readonly #framing: Framing;
  readonly #decoder: ChunkedDecoder | null;
  remaining: number;
  done = false;
  continued = false;
  error: BodyError | null = null;

  constructor(c: Connection, framing: Framing) {
    this.#c = c;
    this.#framing = { ...framing };
    this.remaining = framing.length;
    this.#decoder = framing.kind === "chunked" ? new ChunkedDecoder(c.server.maxBodySize) : null;
  }

  async #more(): Promise<void> {
    const c = this.#c;
    if (this.#framing.expectContinue && !this.continued) {
      this.continued = true;
      c.put(CONTINUE);
    }
    // Each wait for body bytes gets headerTimeout too: a trickled body cannot hold the server.
    c.phase = "body";
    c.deadline = c.server.now + c.server.headerTimeout;
    const more = await c.fill();
    c.deadline = 0;
    c.phase = "busy";
    if (!more) {
      throw this.error = new BodyError(400, "the connection closed before the body ended");
    }
  }

  /** The next piece of the body (a copy), or null at its end. */
  async next(): Promise<Uint8Array | null> {
    if (this.done) return null;
    if (this.error) throw this.error;
    const c = this.#c;
    if (this.#decoder === null) {
      if (c.start === c.end) await this.#more();
      const take = Math.min(this.remaining, c.end - c.start);
      const chunk = c.buf.slice(c.start, c.start + take);
      c.start += take;
      this.remaining -= take;
      if (this.remaining === 0) this.done = true;
      return chunk;
    }
    const decoder = this.#decoder;
    const parts: Uint8Array[] = [];
    while (true) {
      if (c.start === c.end) await this.#more();
      const buf = c.buf;
      const used = decoder.decode(buf, c.start, c.end, (s, e) => parts.push(buf.slice(s, e)));
      if (used < 0) {
        throw this.error = new BodyError(decoder.errorStatus, decoder.error);
      }
      c.start += used;
      if (decoder.done) this.done = true;
      if (parts.length > 0 || this.done) break;
    }
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts[0];
    let n = 0;
    for (const p of parts) n += p.length;
    const joined = new Uint8Array(n);
    n = 0;
    for (const p of parts) {
      joined.set(p, n);
      n += p.length;
    }
    return joined;
  }
}

/** A complete error response that closes the connection. */
function errorResponse(status: number, reason: string): Uint8Array {
  const body = `${status} ${REASONS[status] ?? ""}: ${reason}\n`;
  return encoder.encode(
    statusLine(status, "") +
      "content-type: text/plain; charset=utf-8\r\n" +
      `content-length: ${encoder.encode(body).length}\r\nconnection: close\r\n\r\n${body}`,
  );
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
  const listener = openListener(options);
  const io: ServeIo = options.listener
    ? "listener"
    : listener instanceof EpollListener
    ? (listener.usesRing ? "io_uring" : "epoll")
    : "runtime";
  const addr = toAddr(listener.addr);
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
    stopped = accepting.then(() => state.allClosed()).then(() => listenerStopped(listener)).finally(
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
      let conn: ByteStream;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (state.closing) break;
        // The listener was closed under us (Deno's or socklab's error for it): stop serving.
        if (error instanceof Deno.errors.BadResource || (error as Error)?.name === "SocketClosed") {
          break;
        }
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

/** Opens a listener; a failure becomes a typed socket error naming the address. */
function listening<T>(local: Addr, open: () => T): T {
  try {
    return open();
  } catch (error) {
    throw toNetError(error, { op: "listen", local });
  }
}

function inet(hostname: string, port: number): Addr {
  return { family: hostname.includes(":") ? "inet6" : "inet", hostname, port };
}

function openListener(options: ServeOptions): ByteListener {
  if (options.listener) return options.listener;
  if (options.transport === "unix") {
    if (typeof options.path !== "string") {
      throw new TypeError('Invalid path: transport "unix" needs a socket path');
    }
    const path = options.path;
    return fromDenoListener(
      listening({ family: "unix", path }, () => Deno.listen({ transport: "unix", path })),
    );
  }
  if (options.transport !== undefined && options.transport !== "tcp") {
    throw new TypeError(`Invalid transport "${options.transport}": expected "tcp" or "unix"`);
  }
  const port = options.port ?? 8000;
  const hostname = options.hostname ?? "127.0.0.1";
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid port: ${port} is not a whole number from 0 to 65535`);
  }
  if (options.cert !== undefined || options.key !== undefined) {
    if (typeof options.cert !== "string" || typeof options.key !== "string") {
      throw new TypeError("Invalid TLS options: cert and key must both be PEM strings");
    }
    const { cert, key } = options;
    const tls = listening(
      inet(hostname, port),
      () => Deno.listenTls({ port, hostname, cert, key }),
    );
    return tlsListener(tls);
  }
  const io = options.io;
  if (io !== undefined && io !== "io_uring" && io !== "epoll" && io !== "runtime") {
    throw new TypeError(`Invalid io "${io}": expected "io_uring", "epoll" or "runtime"`);
  }
  const canEpoll = (isIPv4(hostname) || isIPv6(hostname)) && epollAvailable();
  if ((io === "epoll" || io === "io_uring") && !canEpoll) {
    throw new TypeError(
      `Invalid io "${io}": it needs Linux, --allow-ffi and a numeric hostname` +
        ` (here: ${Deno.build.os}, hostname "${hostname}")`,
    );
  }
  if (io !== "runtime" && canEpoll) {
    const l = listening(
      inet(hostname, port),
      () => listenEpoll({ hostname, port, uring: io !== "epoll" }),
    );
    if (io === "io_uring" && !l.usesRing) {
      l.close();
      throw new TypeError('Invalid io "io_uring": the kernel refused io_uring here; use "epoll"');
    }
    return l;
  }
  // The server only reads, writes and closes: Deno's connections fit as they are.
  const l = listening(inet(hostname, port), () => Deno.listen({ port, hostname }));
  return {
    addr: l.addr,
    accept: async () => {
      const c = await l.accept();
      c.setNoDelay(true);
      return c;
    },
    close: () => l.close(),
  };
}

/** Waits for a listener that runs a loop of its own (epoll's) to stop. */
function listenerStopped(listener: ByteListener): Promise<void> | undefined {
  return (listener as { stopped?: Promise<void> }).stopped;
}

function tlsListener(l: Deno.TlsListener): ByteListener {
  return {
    addr: l.addr,
    async accept() {
      const c = await l.accept();
      return {
        tls: true,
        localAddr: c.localAddr,
        remoteAddr: c.remoteAddr,
        read: (p: Uint8Array) => c.read(p),
        write: (p: Uint8Array) => c.write(p),
        close: () => c.close(),
      } as ByteStream;
    },
    close: () => l.close(),
  };
}
