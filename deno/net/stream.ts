/**
 * Kernel stream sockets: TCP over IPv4 and IPv6 (SOCK_STREAM in AF_INET and
 * AF_INET6), TLS over TCP, and unix stream sockets (SOCK_STREAM in AF_UNIX),
 * behind the transport-neutral {@link Conn} and {@link Listener} of
 * `types.ts`.
 *
 * {@link listen} is the one place that picks how a listening socket is
 * driven, as Go's `net.Listen` picks the transport from its arguments: a
 * path is a unix socket, a certificate and key make it TLS, and `io` chooses
 * between Deno's own sockets and the epoll loop of `epoll.ts` (with or
 * without io_uring). Whatever it picks, the caller gets a {@link Listener}:
 * servers (HTTP's `serve()`) consume that and nothing else.
 *
 * Over `Deno.listen`, `Deno.listenTls` and `Deno.connect` it adds typed
 * errors that name both endpoints, timeouts and AbortSignals, a readable
 * stream that ends at the peer's FIN without closing the socket, a writable
 * stream whose close is a half-close, and `await using`.
 *
 * @example A TCP echo round trip
 * ```ts
 * import { connect, listen } from "./stream.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const echo = (async () => {
 *   await using conn = await server.accept();
 *   const buf = new Uint8Array(64);
 *   for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
 * })();
 * await using client = await connect(server.addr);
 * await client.writeAll(new TextEncoder().encode("hi"));
 * await client.closeWrite(); // FIN: the server's read returns null and it stops
 * const buf = new Uint8Array(8);
 * assert.equal(await client.read(buf), 2);
 * assert.equal(await client.read(buf), null);
 * await echo;
 * ```
 *
 * @module
 */
import { checkPort, formatAddr, fromDenoAddr, inetAddr, unixAddr } from "./addr.ts";
import { NetError, SocketClosed, TimedOut, toNetError, untilClosed } from "./errors.ts";
import type { Addr, Conn, Listener } from "./types.ts";
import { readableOf, writableOf } from "./conn_streams.ts";
import { epollAvailable, type EpollListener, ioUringAvailable, listenEpoll } from "./epoll.ts";

/** Where to listen: an IP address and port, or a unix socket path. */
export type ListenOptions = InetListenOptions | UnixListenOptions;

/**
 * How a listening TCP socket and its connections are driven:
 * - "runtime": Deno's own sockets (`Deno.listen`): every read and write is
 *   an op of the runtime. Works everywhere, with any hostname, and for TLS;
 * - "epoll": one epoll loop through libc (`epoll.ts`; Linux,
 *   `--allow-ffi`, a numeric hostname): each read and write is one
 *   non-blocking syscall made from JavaScript;
 * - "io_uring": the same loop, each turn's recv and send calls submitted
 *   together with one io_uring_enter (Linux 5.19+).
 */
export type ListenIo = "io_uring" | "epoll" | "runtime";

/** Listening on TCP (or TLS over TCP, with {@link cert} and {@link key}). */
export interface InetListenOptions {
  /** A numeric address to bind; "0.0.0.0" (every IPv4 address) when omitted. */
  hostname?: string;
  /** The port; 0 asks the kernel for a free one. */
  port: number;
  /** SO_REUSEPORT: several listeners share the port and the kernel spreads connections. */
  reusePort?: boolean;
  /** The accept queue length (listen(2) backlog); the kernel caps it at somaxconn. */
  backlog?: number;
  /**
   * How the sockets are driven (see {@link ListenIo}); "auto" picks the
   * fastest this process can run for the address: io_uring, else epoll,
   * else runtime. Default "runtime".
   */
  io?: ListenIo | "auto";
  /** PEM certificate chain: with {@link key}, the connections speak TLS (io "runtime"). */
  cert?: string;
  /** PEM private key, with {@link cert}. */
  key?: string;
}

/** Listening on a unix stream socket. */
export interface UnixListenOptions {
  /** The socket file to create; it is removed again by `close()`. */
  path: string;
}

/** Where to connect to, and how long to try. */
export type ConnectOptions = InetConnectOptions | UnixConnectOptions;

/** Options shared by every connect. */
export interface ConnectCommon {
  /** Gives up with {@link TimedOut} after this many milliseconds. */
  timeout?: number;
  /** Gives up when aborted, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/** Connecting over TCP. */
export interface InetConnectOptions extends ConnectCommon {
  /** The host: a numeric address or a name to resolve; "127.0.0.1" when omitted. */
  hostname?: string;
  /** The port, 1 to 65535. */
  port: number;
  /** TCP_NODELAY: send small writes at once instead of coalescing them (Nagle). Default true. */
  noDelay?: boolean;
  /** SO_KEEPALIVE: probe an idle connection so a vanished peer is noticed. */
  keepAlive?: boolean;
}

/** Connecting to a unix stream socket. */
export interface UnixConnectOptions extends ConnectCommon {
  /** The socket file. */
  path: string;
}

/** A listener {@link listen} opened, and how it drives its sockets. */
export type OpenedListener = (KernelListener | EpollListener) & { readonly io: ListenIo };

/**
 * Starts listening: a unix socket for a `path`, TLS for a `cert` and `key`,
 * TCP otherwise, driven as `io` says. Binding happens now; errors are typed
 * ({@link AddrInUse}, {@link PermissionDenied}, ...).
 *
 * @param options Where to listen, and for TCP how: see {@link ListenOptions}.
 * @returns The listener; its `io` says how its sockets are driven.
 * @throws {TypeError} For malformed options, an `io` this process cannot run
 * here (epoll without Linux, FFI permission or a numeric hostname; io_uring
 * the kernel refuses), or an `io` other than "runtime" for TLS or unix.
 * @throws {RangeError | SyntaxError} For an out-of-range port or a malformed address.
 *
 * @example A TCP listener driven by the fastest io this process can run
 * ```ts
 * import { connect, listen } from "./stream.ts";
 * import assert from "node:assert/strict";
 * await using server = listen({ hostname: "127.0.0.1", port: 0, io: "auto" });
 * assert.ok(["io_uring", "epoll", "runtime"].includes(server.io));
 * const accepted = server.accept();
 * await using client = await connect(server.addr);
 * await using conn = await accepted;
 * await client.writeAll(new TextEncoder().encode("hi"));
 * assert.equal(await conn.read(new Uint8Array(8)), 2);
 * ```
 */
export function listen(
  options: UnixListenOptions | Addr | (InetListenOptions & { io?: "runtime" }),
): KernelListener;
/**
 * Starts listening, with any `io`: the listener is a {@link KernelListener}
 * or, for io "epoll", "io_uring" or "auto", perhaps an {@link EpollListener}.
 *
 * @param options Where to listen, and for TCP how.
 * @returns The listener; its `io` says how its sockets are driven.
 */
export function listen(options: ListenOptions | Addr): OpenedListener;
export function listen(options: ListenOptions | Addr): OpenedListener {
  const opts = normalizeListen(options);
  const wanted: Addr = "path" in opts
    ? unixAddr(opts.path)
    : isNumeric(opts.hostname ?? "0.0.0.0")
    ? inetAddr(opts.hostname ?? "0.0.0.0", opts.port)
    : { family: "inet", hostname: opts.hostname!, port: opts.port };
  const io = pickIo(opts);
  if (io !== "runtime") {
    const inet = opts as InetListenOptions;
    const l = listenEpoll({
      hostname: inet.hostname ?? "0.0.0.0",
      port: inet.port,
      backlog: inet.backlog,
      reusePort: inet.reusePort,
      uring: io === "io_uring",
    });
    if (inet.io === "io_uring" && !l.usesRing) {
      l.close();
      throw new TypeError('Invalid io "io_uring": the kernel refused io_uring here; use "epoll"');
    }
    return l;
  }
  try {
    if ("path" in opts) {
      return new KernelListener(Deno.listen({ transport: "unix", path: opts.path }), opts.path);
    }
    const common = {
      hostname: opts.hostname ?? "0.0.0.0",
      port: opts.port,
      reusePort: opts.reusePort,
      tcpBacklog: opts.backlog,
    };
    if (opts.cert !== undefined) {
      const tls = Deno.listenTls({ ...common, cert: opts.cert, key: opts.key! });
      return new KernelListener(tls, undefined, true);
    }
    return new KernelListener(Deno.listen({ transport: "tcp", ...common }));
  } catch (error) {
    throw toNetError(error, { op: "listen", local: wanted });
  }
}

/** The io `listen()` drives a socket with: as asked, checked against what can run here. */
function pickIo(opts: ListenOptions): ListenIo {
  const io = (opts as InetListenOptions).io;
  if (io === undefined || io === "runtime") return "runtime";
  const inet = opts as InetListenOptions;
  const hostname = inet.hostname ?? "0.0.0.0";
  const canEpoll = !("path" in opts) && inet.cert === undefined && isNumeric(hostname) &&
    epollAvailable();
  if (io === "auto") return !canEpoll ? "runtime" : ioUringAvailable() ? "io_uring" : "epoll";
  if (!canEpoll) {
    const what = "path" in opts
      ? "a unix socket"
      : inet.cert !== undefined
      ? "TLS"
      : `${Deno.build.os}, hostname "${hostname}"`;
    throw new TypeError(
      `Invalid io "${io}": it needs Linux, --allow-ffi and a numeric hostname (here: ${what})`,
    );
  }
  return io;
}

/**
 * Connects to a listening stream socket.
 *
 * @throws {ConnectionRefused} Nobody listens there.
 * @throws {TimedOut} `timeout` passed first.
 * @throws {TypeError | RangeError} For malformed options.
 */
export async function connect(options: ConnectOptions | Addr): Promise<KernelConn> {
  const opts = normalizeConnect(options);
  const remote: Addr = "path" in opts ? unixAddr(opts.path) : {
    family: (opts.hostname ?? "").includes(":") ? "inet6" : "inet",
    hostname: opts.hostname ?? "127.0.0.1",
    port: opts.port,
  };
  if ("path" in opts) {
    // Connecting a unix socket does not wait on a peer: it succeeds or fails at once.
    opts.signal?.throwIfAborted();
    try {
      return new KernelConn(await Deno.connect({ transport: "unix", path: opts.path }));
    } catch (error) {
      throw toNetError(error, { op: "connect", remote });
    }
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal!.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer = opts.timeout === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeout);
  try {
    opts.signal?.throwIfAborted();
    const conn = await Deno.connect({
      transport: "tcp",
      hostname: opts.hostname ?? "127.0.0.1",
      port: opts.port,
      signal: controller.signal,
    });
    conn.setNoDelay(opts.noDelay ?? true);
    if (opts.keepAlive) conn.setKeepAlive(true);
    return new KernelConn(conn);
  } catch (error) {
    if (timedOut) {
      throw new TimedOut(`no answer within ${opts.timeout} ms`, {
        op: "connect",
        remote,
        cause: error,
      });
    }
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw toNetError(error, { op: "connect", remote });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

/** A listener over a kernel socket (TCP, TLS over TCP, or unix stream) driven by Deno. */
export class KernelListener implements Listener {
  /** The bound address (with the real port when port 0 was asked for). */
  readonly addr: Addr;
  /** How its sockets are driven: by Deno's own ops. */
  readonly io = "runtime";
  /** Whether the connections it accepts speak TLS. */
  readonly tls: boolean;
  #listener: Deno.Listener;
  #unlinkPath?: string;
  #closed = false;

  /**
   * Wraps a Deno listener; `unlinkPath` is removed on close, and `tls` says
   * it is a `Deno.TlsListener`.
   */
  constructor(listener: Deno.Listener, unlinkPath?: string, tls = false) {
    this.#listener = listener;
    this.addr = fromDenoAddr(listener.addr);
    this.#unlinkPath = unlinkPath;
    this.tls = tls;
  }

  /**
   * Waits for the next connection.
   *
   * @throws {SocketClosed} If the listener is or gets closed.
   */
  async accept(): Promise<KernelConn> {
    if (this.#closed) {
      throw new SocketClosed("listener is closed", { op: "accept", local: this.addr });
    }
    try {
      const conn = await this.#listener.accept();
      if (!this.tls && conn.remoteAddr.transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
      return new KernelConn(conn, this.tls);
    } catch (error) {
      throw toNetError(error, { op: "accept", local: this.addr });
    }
  }

  /** Yields connections until the listener is closed. */
  [Symbol.asyncIterator](): AsyncIterator<KernelConn> {
    return untilClosed(() => this.#closed, () => this.accept());
  }

  /** Stops listening (and removes a unix socket file). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    if (this.#unlinkPath !== undefined) {
      try {
        Deno.removeSync(this.#unlinkPath);
      } catch {
        // Already gone: someone else removed it.
      }
    }
  }

  /** Lets the process exit while this listener still waits. */
  unref(): void {
    this.#listener.unref();
  }

  /** Closes the listener (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** A connection over a kernel socket: TCP (IPv4, IPv6), TLS over TCP, or a unix stream. */
export class KernelConn implements Conn {
  /** This end's address. */
  readonly localAddr: Addr;
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /** Whether the bytes travel inside TLS. */
  readonly tls: boolean;
  #conn: Deno.Conn;
  #closed = false;
  #readable?: ReadableStream<Uint8Array>;
  #writable?: WritableStream<Uint8Array>;

  /** Wraps a connected Deno socket; `tls` says it is a `Deno.TlsConn`. */
  constructor(conn: Deno.Conn, tls = false) {
    this.#conn = conn;
    this.localAddr = fromDenoAddr(conn.localAddr);
    this.remoteAddr = fromDenoAddr(conn.remoteAddr);
    this.tls = tls;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  #error(op: string, error: unknown): unknown {
    return toNetError(error, { op, local: this.localAddr, remote: this.remoteAddr });
  }

  #closedError(op: string): SocketClosed {
    return new SocketClosed("connection is closed", {
      op,
      local: this.localAddr,
      remote: this.remoteAddr,
    });
  }

  #checkOpen(op: string): void {
    if (this.#closed) throw this.#closedError(op);
  }

  /**
   * Reads into `p`: the number of bytes read, or null at the peer's FIN.
   *
   * @throws {ConnectionReset} If the peer reset the connection.
   * @throws {SocketClosed} If this end closed it.
   */
  read(p: Uint8Array): Promise<number | null> {
    // Plain promise chaining: one tick fewer per call than async/await,
    // which shows at loopback speeds.
    if (this.#closed) return Promise.reject(this.#closedError("read"));
    return this.#conn.read(p).catch((error) => {
      throw this.#error("read", error);
    });
  }

  /**
   * Writes some of `p`; resolves to how many bytes the kernel took.
   *
   * @throws {ConnectionReset} If the peer reset the connection.
   * @throws {SocketClosed} If this end closed it.
   */
  write(p: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(this.#closedError("write"));
    return this.#conn.write(p).catch((error) => {
      throw this.#error("write", error);
    });
  }

  /** Writes all of `p`. */
  async writeAll(p: Uint8Array): Promise<void> {
    for (let off = 0; off < p.length;) off += await this.write(p.subarray(off));
  }

  /**
   * The bytes from the peer. The stream ends at the peer's FIN without
   * closing this socket (writing may go on); cancelling it does not close
   * the socket either: call `close()`.
   */
  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= readableOf(this);
  }

  /** Bytes to the peer; closing the stream half-closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= writableOf(this);
  }

  /**
   * Half-close: sends FIN (shutdown(SHUT_WR)). The peer reads end of
   * stream; this end can still read until the peer's FIN.
   */
  async closeWrite(): Promise<void> {
    this.#checkOpen("closeWrite");
    try {
      await this.#conn.closeWrite();
    } catch (error) {
      throw this.#error("closeWrite", error);
    }
  }

  /** Closes both directions and releases the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  /**
   * TCP_NODELAY on or off (on by default here).
   *
   * @throws {NetError} On a unix socket, which has no such option.
   */
  setNoDelay(on = true): void {
    this.#tcp("setNoDelay").setNoDelay(on);
  }

  /**
   * SO_KEEPALIVE on or off.
   *
   * @throws {NetError} On a unix socket, which has no such option.
   */
  setKeepAlive(on = true): void {
    this.#tcp("setKeepAlive").setKeepAlive(on);
  }

  #tcp(op: string): Deno.TcpConn {
    this.#checkOpen(op);
    if (this.localAddr.family === "unix") {
      throw new NetError("only TCP sockets have this option", {
        op,
        local: this.localAddr,
        remote: this.remoteAddr,
      });
    }
    return this.#conn as Deno.TcpConn;
  }

  /** Closes the connection (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** `local -> remote`, for logs. */
  toString(): string {
    return `${formatAddr(this.localAddr)} -> ${formatAddr(this.remoteAddr)}`;
  }
}

function isNumeric(hostname: string): boolean {
  try {
    inetAddr(hostname, 0);
    return true;
  } catch {
    return false;
  }
}

function checkHostname(hostname: unknown): void {
  if (hostname === undefined) return;
  if (typeof hostname !== "string") {
    throw new TypeError(`Invalid hostname: expected a string, got ${typeof hostname}`);
  }
  if (hostname === "" || !/^[A-Za-z0-9.:%_-]+$/.test(hostname)) {
    throw new SyntaxError(`Invalid hostname "${hostname}": not an address or a host name`);
  }
  if (/^[\d.]+$/.test(hostname) && !isNumeric(hostname)) {
    throw new SyntaxError(`Invalid address "${hostname}": not a numeric IPv4 address`);
  }
}

function checkCommon(opts: ConnectCommon): void {
  if (opts.timeout !== undefined && !(Number.isFinite(opts.timeout) && opts.timeout >= 0)) {
    throw new RangeError(`Invalid timeout: ${opts.timeout} is not a number of milliseconds >= 0`);
  }
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) {
    throw new TypeError("Invalid signal: expected an AbortSignal");
  }
}

function normalizeListen(options: ListenOptions | Addr): ListenOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError("listen() expects options such as { hostname, port } or { path }");
  }
  if ("family" in options) {
    return options.family === "unix"
      ? { path: unixAddr(options.path).path }
      : { ...inetAddr(options.hostname, options.port) };
  }
  const io = (options as InetListenOptions).io;
  if (io !== undefined && !["auto", "io_uring", "epoll", "runtime"].includes(io)) {
    throw new TypeError(
      `Invalid io "${io}": expected "io_uring", "epoll" or "runtime" (or "auto")`,
    );
  }
  if ("path" in options) {
    unixAddr(options.path);
    return options;
  }
  checkPort(options.port);
  checkHostname(options.hostname);
  if (options.backlog !== undefined) checkPort(options.backlog, "backlog");
  if (options.cert !== undefined || options.key !== undefined) {
    if (typeof options.cert !== "string" || typeof options.key !== "string") {
      throw new TypeError("Invalid TLS options: cert and key must both be PEM strings");
    }
  }
  return options;
}

function normalizeConnect(options: ConnectOptions | Addr): ConnectOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError("connect() expects options such as { hostname, port } or { path }");
  }
  if ("family" in options) {
    const extra = options as ConnectCommon;
    checkCommon(extra);
    const common = { timeout: extra.timeout, signal: extra.signal };
    return options.family === "unix" ? { path: unixAddr(options.path).path, ...common } : {
      hostname: inetAddr(options.hostname, options.port).hostname,
      port: options.port,
      ...common,
    };
  }
  checkCommon(options);
  if ("path" in options) {
    unixAddr(options.path);
    if (options.path === "") throw new TypeError("connect() needs a non-empty unix socket path");
    return options;
  }
  checkPort(options.port);
  if (options.port === 0) throw new RangeError("Invalid port: cannot connect to port 0");
  checkHostname(options.hostname);
  return options;
}
