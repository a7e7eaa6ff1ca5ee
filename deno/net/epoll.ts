/**
 * Kernel TCP driven by one epoll set (Linux, libc through FFI,
 * `--allow-ffi`): a {@link Listener} whose connections read and write with
 * plain non-blocking `recv(2)` and `send(2)` calls, made when an
 * edge-triggered epoll set says the socket is ready.
 *
 * Why it exists: on a runtime like Deno every `conn.read()` and
 * `conn.write()` of a `Deno.Conn` is an async op of its own. A busy server
 * answering small requests spends more time in those ops than in HTTP.
 * Here one loop waits for readiness for every connection at once
 * (`epoll_wait(2)` on a worker thread when nothing is ready; a
 * non-waiting call while the server is busy), and a read or write is one
 * syscall made from JavaScript, without an op or a thread hop.
 *
 * How it reads, for learners: this is the readiness model of nginx, libuv
 * and tokio. A socket is registered once with
 * `EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET` (no `EPOLLOUT` with a ring,
 * where a send that finds no room waits in the kernel); an event sets a "may read"
 * or "may write" flag; a `recv` that returns less than asked, or EAGAIN,
 * clears the flag until the next edge (on Linux a new arrival is a new
 * edge). A read with the flag clear waits for the loop to call it back.
 *
 * Where the kernel allows io_uring (Linux 5.19+), the recv and send calls
 * of one turn of the loop are made together, with one `io_uring_enter(2)`
 * (`_uring.ts`): on a machine where a syscall costs a microsecond, that is
 * a large part of what a small request costs. And after a thin turn (1 to
 * 3 sockets ready) the loop sleeps 20 µs before it polls again, so that
 * turns under a steady load carry more each (`coalesce`).
 *
 * @example Serve one line to each client
 * ```ts ignore
 * import { listenEpoll } from "./epoll.ts";
 * await using server = listenEpoll({ hostname: "127.0.0.1", port: 0 });
 * for await (const conn of server) {
 *   await conn.writeAll(new TextEncoder().encode("hello\n"));
 *   conn.close();
 * }
 * ```
 *
 * @module
 */
import { setImmediate } from "node:timers";
import * as libc from "./_libc.ts";
import { readableOf, writableOf } from "./conn_streams.ts";
import { formatAddr, inetAddr } from "./addr.ts";
import { SocketClosed, untilClosed } from "./errors.ts";
import { errnoError } from "./_errno.ts";
import { Ring, type RingOp } from "./_uring.ts";
import type { Addr, Conn, InetAddr, Listener } from "./types.ts";

/** Options of {@link listenEpoll}. */
export interface EpollListenOptions {
  /** A numeric IPv4 or IPv6 address to bind; default "0.0.0.0". */
  hostname?: string;
  /** 0 to 65535; 0 picks a free port. */
  port: number;
  /** listen(2)'s backlog; default 4096. */
  backlog?: number;
  /** SO_REUSEPORT: several listeners share the port and the kernel spreads connections. */
  reusePort?: boolean;
  /**
   * Make each turn's recv and send calls together through io_uring.
   * Default true; without a usable io_uring (an old kernel, a seccomp
   * filter) each call is its own syscall, as with false.
   */
  uring?: boolean;
  /**
   * Microseconds the loop sleeps before polling again after a thin turn
   * (1 to 3 sockets ready): under steady load that gathers more requests
   * per turn, at the cost of holding this thread (and its event loop) that
   * long. 0 turns it off. Default 20.
   */
  coalesce?: number;
  /**
   * Operations the ring holds at once (a power of two, 1 to 32768; default
   * 2048). When it is full, a read or write is made with a plain syscall.
   */
  ringEntries?: number;
}

/** A turn that found fewer ready sockets than this is thin (see {@link EpollListenOptions.coalesce}). */
const THIN_TURN = 4;
/**
 * accept(2) errors of one pending connection, not of the listener: "treat them like EAGAIN by
 * retrying" (Linux accept(2)). ECONNABORTED, and the network errors TCP/IP may pass on:
 * ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH.
 */
const ACCEPT_RETRY = new Set([
  libc.ECONNABORTED,
  libc.ENETDOWN,
  libc.EPROTO,
  libc.ENOPROTOOPT,
  libc.EHOSTDOWN,
  libc.ENONET,
  libc.EHOSTUNREACH,
  libc.EOPNOTSUPP,
  libc.ENETUNREACH,
]);
/** Events read per epoll_wait. */
const MAX_EVENTS = 512;
/** Connections accepted but not yet taken by accept(); more wait in the kernel's backlog. */
const ACCEPT_QUEUE = 128;
const CONN_EVENTS = libc.EPOLLIN | libc.EPOLLOUT | libc.EPOLLRDHUP | libc.EPOLLET;
/** With a ring, a send that finds no room waits in the kernel: no write edges needed. */
const RING_CONN_EVENTS = libc.EPOLLIN | libc.EPOLLRDHUP | libc.EPOLLET;
const READ_EVENTS = libc.EPOLLIN | libc.EPOLLRDHUP | libc.EPOLLHUP | libc.EPOLLERR;
const HANGUP_EVENTS = libc.EPOLLRDHUP | libc.EPOLLHUP | libc.EPOLLERR;
const WRITE_EVENTS = libc.EPOLLOUT | libc.EPOLLHUP | libc.EPOLLERR;

/**
 * Whether {@link listenEpoll} can run here: Linux, with FFI permission
 * already granted (this asks no prompt).
 */
export function epollAvailable(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Whether this kernel lets the process set up an io_uring, as
 * {@link EpollListenOptions.uring} needs (Linux 5.19+, not disabled by
 * `kernel.io_uring_disabled` or a seccomp filter).
 */
export function ioUringAvailable(): boolean {
  if (!epollAvailable()) return false;
  libc.acquireLibc();
  try {
    const ring = Ring.open(8);
    ring?.close();
    return ring !== null;
  } finally {
    libc.releaseLibc();
  }
}

/**
 * Binds and listens on a TCP port, served by an epoll loop of its own.
 *
 * @throws {AddrInUse} The port is taken.
 * @throws {PermissionDenied} No permission for the port.
 * @throws {TypeError | RangeError} A malformed or non-numeric hostname, or a bad port.
 */
export function listenEpoll(options: EpollListenOptions): EpollListener {
  if (options === null || typeof options !== "object") {
    throw new TypeError("listenEpoll() expects options such as { hostname, port }");
  }
  const wanted = inetAddr(options.hostname ?? "0.0.0.0", options.port);
  const backlog = options.backlog ?? 4096;
  if (!Number.isInteger(backlog) || backlog < 1 || backlog > 65535) {
    throw new RangeError(`Invalid backlog: ${backlog} is not a whole number from 1 to 65535`);
  }
  const coalesce = options.coalesce ?? 20;
  if (!Number.isInteger(coalesce) || coalesce < 0 || coalesce > 1000) {
    throw new RangeError(
      `Invalid coalesce: ${coalesce} is not a whole number of microseconds from 0 to 1000`,
    );
  }
  const entries = options.ringEntries ?? 2048;
  if (!Number.isInteger(entries) || entries < 1 || entries > 32768 || (entries & (entries - 1))) {
    throw new RangeError(`Invalid ringEntries: ${entries} is not a power of two from 1 to 32768`);
  }
  libc.acquireLibc();
  let fd = -1;
  try {
    fd = libc.socket(
      wanted.family === "inet6" ? libc.AF_INET6 : libc.AF_INET,
      libc.SOCK_STREAM | libc.SOCK_NONBLOCK,
      0,
    );
    libc.setIntOption(fd, libc.SOL_SOCKET, libc.SO_REUSEADDR, 1);
    if (options.reusePort) libc.setIntOption(fd, libc.SOL_SOCKET, libc.SO_REUSEPORT, 1);
    libc.bind(fd, wanted);
    libc.listen(fd, backlog);
    const ring = options.uring === false ? null : Ring.open(entries);
    return new EpollListener(fd, libc.getSockName(fd) as InetAddr, ring, coalesce);
  } catch (error) {
    if (fd >= 0) libc.close(fd);
    libc.releaseLibc();
    throw errnoError(error, { op: "listen", local: wanted });
  }
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface PendingRead extends Waiter<number | null> {
  p: Uint8Array;
  /** A recv for it is queued on the ring or in the kernel. */
  started: boolean;
}

interface PendingWrite extends Waiter<number> {
  p: Uint8Array;
}

/** What a connection needs of its listener's loop. */
interface Loop {
  /** The ring the loop submits, or null for plain syscalls. */
  readonly ring: Ring | null;
  /** Makes sure operations just queued on the ring are submitted soon. */
  kick(): void;
  /** The connection on `fd` has closed. */
  released(fd: number): void;
}

/** Resolves after the microtasks queued now (and the I/O already due) have run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A listening TCP socket and the epoll loop serving it and every
 * connection it accepted. The loop runs until the listener and all its
 * connections are closed; {@link EpollListener.stopped} resolves then.
 */
export class EpollListener implements Listener {
  /** The bound address (with the real port when port 0 was asked for). */
  readonly addr: InetAddr;
  /** Resolves once the loop has stopped and every descriptor is closed. */
  readonly stopped: Promise<void>;
  readonly #fd: number;
  readonly #ep: number;
  readonly #wake: [number, number];
  readonly #ring: Ring | null;
  readonly #events = new Uint8Array(libc.EPOLL_EVENT_SIZE * MAX_EVENTS);
  /** Open connections by file descriptor. */
  readonly #conns: (EpollConn | undefined)[] = [];
  #open = 0;
  readonly #queue: EpollConn[] = [];
  readonly #waiters: Waiter<EpollConn>[] = [];
  /**
   * Whether the listening socket is in the epoll set: it leaves while the
   * queue is full, and after accept(2) failed, until the next accept().
   */
  #watching = false;
  #closed = false;
  /** The loop waits in epoll_wait on a worker thread. */
  #waiting = false;
  #kicked = false;
  /** Ready sockets the last poll found. */
  #lastN = 0;
  readonly #coalesce: number;
  readonly #loop: Loop;
  readonly #sa = new Uint8Array(128);
  readonly #saLen = new Uint32Array(1);

  /**
   * Takes over a listening, non-blocking socket and, when given, a ring and
   * a coalescing sleep in microseconds (use {@link listenEpoll}).
   */
  constructor(fd: number, addr: InetAddr, ring: Ring | null = null, coalesce = 0) {
    this.#fd = fd;
    this.#coalesce = coalesce;
    this.addr = addr;
    this.#ring = ring;
    this.#ep = libc.epollCreate();
    this.#wake = libc.wakePipe();
    libc.epollCtl(this.#ep, libc.EPOLL_CTL_ADD, this.#wake[0], libc.EPOLLIN);
    libc.epollCtl(this.#ep, libc.EPOLL_CTL_ADD, fd, libc.EPOLLIN);
    // Completions that arrive while the loop waits (a send that had to wait for room) wake it.
    if (ring) libc.epollCtl(this.#ep, libc.EPOLL_CTL_ADD, ring.fd, libc.EPOLLIN);
    this.#watching = true;
    this.#loop = {
      ring,
      kick: () => {
        if (!this.#waiting || this.#kicked) return;
        this.#kicked = true;
        setImmediate(() => {
          this.#kicked = false;
          this.#flush();
        });
      },
      released: (fd) => {
        this.#conns[fd] = undefined;
        if (--this.#open === 0 && this.#closed) libc.wake(this.#wake[1]);
      },
    };
    this.stopped = this.#run();
  }

  /** Whether recv and send calls go through io_uring, a turn at a time. */
  get usesRing(): boolean {
    return this.#ring !== null;
  }

  /** How its sockets are driven: "io_uring" with a ring, else "epoll". */
  get io(): "io_uring" | "epoll" {
    return this.#ring !== null ? "io_uring" : "epoll";
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Waits for the next connection.
   *
   * @throws {SocketClosed} If the listener is or gets closed.
   * @throws {NetError} If accept(2) failed while this call waited (too many
   * open files, say). The listener then stops watching for connections
   * until the next accept(), which tries again.
   */
  accept(): Promise<EpollConn> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const conn = this.#queue.shift();
    if (!this.#watching) this.#watch(true);
    if (conn !== undefined) return Promise.resolve(conn);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Yields connections until the listener is closed. */
  [Symbol.asyncIterator](): AsyncIterator<EpollConn> {
    return untilClosed(() => this.#closed, () => this.accept());
  }

  /**
   * Stops listening. Connections already accepted stay open; the loop
   * stops once they are closed too. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libc.close(this.#fd);
    for (const conn of this.#queue.splice(0)) conn.close();
    for (const w of this.#waiters.splice(0)) w.reject(this.#closedError());
    libc.wake(this.#wake[1]);
  }

  /** Closes the listener and waits for the loop to stop (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.stopped;
  }

  /** `epoll listener on ADDR`, for logs. */
  toString(): string {
    return `epoll listener on ${formatAddr(this.addr)}`;
  }

  #closedError(): SocketClosed {
    return new SocketClosed("listener is closed", { op: "accept", local: this.addr });
  }

  #watch(on: boolean): void {
    if (this.#closed || on === this.#watching) return;
    libc.epollCtl(this.#ep, libc.EPOLL_CTL_MOD, this.#fd, on ? libc.EPOLLIN : 0);
    this.#watching = on;
  }

  /** Submits what is queued on the ring and calls back what completed. */
  #flush(): void {
    const ring = this.#ring;
    if (ring === null) return;
    ring.submit();
    ring.reap();
  }

  /** Done when the listener and its connections are closed and the kernel holds no operation. */
  #finished(): boolean {
    return this.#closed && this.#open === 0 && (this.#ring?.inFlight ?? 0) === 0;
  }

  /** The loop: wait for readiness, call the ready sockets back, let them run, again. */
  async #run(): Promise<void> {
    const ep = this.#ep;
    const events = this.#events;
    const view = new DataView(events.buffer);
    try {
      while (!this.#finished()) {
        // After a thin turn, a short sleep lets the next one gather more (interrupt coalescing,
        // as network cards do): fewer turns, each cheaper per request. Idle turns do not sleep.
        if (this.#coalesce > 0 && this.#lastN > 0 && this.#lastN < THIN_TURN) {
          libc.sleepMicros(this.#coalesce);
        }
        // Busy: take what is ready without a thread hop. Idle: wait on a worker thread.
        let n = libc.epollPoll(ep, events);
        this.#lastN = n;
        if (n === 0 && !this.#ring?.queued) {
          if (this.#finished()) break;
          this.#waiting = true;
          n = await libc.epollWaitBlocking(ep, events);
          this.#waiting = false;
        }
        for (let i = 0, at = 0; i < n; i++, at += libc.EPOLL_EVENT_SIZE) {
          const flags = view.getUint32(at, true);
          const fd = view.getUint32(at + libc.EPOLL_DATA_OFFSET, true);
          if (fd === this.#fd) this.#acceptReady();
          else if (fd === this.#wake[0]) libc.drainPipe(fd);
          else this.#conns[fd]?.ready(flags);
        }
        // One io_uring_enter a turn: the writes the last turn's readers made, then the reads
        // these events started. Without a ring the reads are done already. Either way, let
        // the readers called back run, and write, before polling again.
        this.#flush();
        await nextTurn();
      }
    } finally {
      this.#ring?.close();
      libc.close(ep);
      libc.close(this.#wake[0]);
      libc.close(this.#wake[1]);
      libc.releaseLibc();
    }
  }

  #acceptReady(): void {
    if (this.#closed) return;
    const sa = this.#sa, len = this.#saLen;
    while (this.#queue.length < ACCEPT_QUEUE) {
      const fd = libc.accept(this.#fd, sa, len);
      if (fd < 0) {
        const errno = -fd;
        if (errno === libc.EAGAIN) return;
        if (errno === libc.EINTR || ACCEPT_RETRY.has(errno)) continue;
        // EMFILE and the like would repeat at once: stop watching until the next accept(), and
        // fail every call waiting (none may wait on a socket no longer watched). With nobody
        // waiting the error is not kept: the next accept() tries again and reports what it
        // finds then, a descriptor having perhaps been freed since.
        const error = errnoError(new libc.Errno("accept4", errno), {
          op: "accept",
          local: this.addr,
        });
        this.#watch(false);
        for (const w of this.#waiters.splice(0)) w.reject(error);
        return;
      }
      const conn = this.#adopt(fd, libc.decodeSockaddr(sa, len[0]));
      const w = this.#waiters.shift();
      if (w) w.resolve(conn);
      else this.#queue.push(conn);
    }
    this.#watch(false);
  }

  #adopt(fd: number, remote: Addr): EpollConn {
    try {
      libc.setIntOption(fd, libc.IPPROTO_TCP, libc.TCP_NODELAY, 1);
    } catch {
      // Best effort: the connection works without it.
    }
    const conn = new EpollConn(fd, this.addr, remote, this.#loop);
    this.#conns[fd] = conn;
    this.#open++;
    libc.epollCtl(this.#ep, libc.EPOLL_CTL_ADD, fd, this.#ring ? RING_CONN_EVENTS : CONN_EVENTS);
    return conn;
  }
}

/**
 * One accepted TCP connection of an {@link EpollListener}. Reads and
 * writes are non-blocking syscalls made when the socket is ready (through
 * the listener's ring, a turn at a time, where there is one), and wait
 * for the listener's loop otherwise.
 */
export class EpollConn implements Conn {
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /**
   * Reads take turns with the other connections by themselves: a read that
   * waits is called back once per turn of the loop, after a short read.
   */
  readonly fair = true;
  readonly #fd: number;
  readonly #listenAddr: InetAddr;
  #localAddr?: Addr;
  readonly #loop: Loop;
  readonly #ring: Ring | null;
  #closed = false;
  /** No read since the last edge has found the socket empty. */
  #mayRead = true;
  /** No write since the last edge has found the socket full. */
  #mayWrite = true;
  /** Read edges seen: a recv that started before the latest cannot say the socket is empty. */
  #edges = 0;
  /**
   * The peer's FIN (or an error) has been seen: its edge came once, so
   * reads go on without waiting for another until one returns 0.
   */
  #hangup = false;
  #reader: PendingRead | null = null;
  /** Writes in order; with a ring, the first is in the kernel. */
  readonly #writers: PendingWrite[] = [];
  /** Who waits for the queued writes to go out (closeWrite). */
  readonly #onDrained: (() => void)[] = [];
  #readable?: ReadableStream<Uint8Array>;
  #writable?: WritableStream<Uint8Array>;
  /** The ring operations, one of each in flight at most, reused. */
  readonly #recvOp: RingOp;
  readonly #sendOp: RingOp;
  /** {@link #edges} when the recv in flight started. */
  #recvEdges = 0;

  /** Wraps an accepted socket (the listener does this). */
  constructor(fd: number, listenAddr: InetAddr, remote: Addr, loop: Loop) {
    this.#fd = fd;
    this.#listenAddr = listenAddr;
    this.remoteAddr = remote;
    this.#loop = loop;
    this.#ring = loop.ring;
    const none = new Uint8Array(0);
    this.#recvOp = { kind: "recv", fd, buf: none, done: (r) => this.#recvDone(r) };
    this.#sendOp = { kind: "send", fd, buf: none, done: (r) => this.#sendDone(r) };
  }

  /** This end's address (asked of the kernel once, when first read). */
  get localAddr(): Addr {
    if (this.#localAddr === undefined) {
      const wildcard = this.#listenAddr.hostname === "0.0.0.0" ||
        this.#listenAddr.hostname === "::";
      try {
        this.#localAddr = wildcard ? libc.getSockName(this.#fd) : this.#listenAddr;
      } catch {
        this.#localAddr = this.#listenAddr;
      }
    }
    return this.#localAddr;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Reads into `p`: the number of bytes read, or null at the peer's FIN.
   *
   * @throws {ConnectionReset} If the peer reset the connection.
   * @throws {SocketClosed} If this end closed it, or another read is waiting.
   */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.reject(this.#closedError("read"));
    if (this.#reader !== null) {
      return Promise.reject(
        new SocketClosed("another read is already waiting on this connection", this.#where("read")),
      );
    }
    if (p.length === 0) return Promise.resolve(0);
    if (this.#mayRead && this.#ring === null) {
      const n = this.#recvNow(p);
      if (n !== -1) return n instanceof Error ? Promise.reject(n) : Promise.resolve(n);
    }
    return new Promise((resolve, reject) => {
      this.#reader = { p, resolve, reject, started: false };
      if (this.#mayRead) this.#startRecv();
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
    if (p.length === 0) return Promise.resolve(0);
    const n = this.#tryWriteNow(p);
    if (n !== -1) return n instanceof Error ? Promise.reject(n) : Promise.resolve(n);
    return new Promise((resolve, reject) => this.#enqueue({ p, resolve, reject }));
  }

  /**
   * Like {@link write}, without a promise: `done` is called later (never
   * during this call) with the count taken, or the error. For a caller
   * that writes once per request and counts every allocation.
   */
  submitWrite(p: Uint8Array, done: (result: number | Error) => void): void {
    const n = this.#closed ? this.#closedError("write") : p.length === 0 ? 0 : this.#tryWriteNow(p);
    if (n !== -1) queueMicrotask(() => done(n));
    else this.#enqueue({ p, resolve: done, reject: done });
  }

  /** A plain send made now, when nothing is queued before it and the socket may take it; else -1. */
  #tryWriteNow(p: Uint8Array): number | Error {
    if (this.#ring !== null || !this.#mayWrite || this.#writers.length > 0) return -1;
    return this.#sendNow(p);
  }

  /** Queues a write behind the others; with a ring, the first goes to the kernel. */
  #enqueue(w: PendingWrite): void {
    this.#writers.push(w);
    if (this.#ring !== null && this.#writers.length === 1) this.#startSend();
  }

  /** Writes all of `p`. */
  async writeAll(p: Uint8Array): Promise<void> {
    for (let off = 0; off < p.length;) off += await this.write(p.subarray(off));
  }

  /**
   * The bytes from the peer. The stream ends at the peer's FIN without
   * closing this socket; cancelling it does not close the socket either.
   */
  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= readableOf(this);
  }

  /** Bytes to the peer; closing the stream half-closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= writableOf(this);
  }

  /**
   * Half-close: once the writes already made are out, sends FIN
   * (shutdown(SHUT_WR)). Reading goes on until the peer's FIN.
   */
  async closeWrite(): Promise<void> {
    if (this.#closed) throw this.#closedError("closeWrite");
    if (this.#writers.length > 0) {
      await new Promise<void>((resolve) => this.#onDrained.push(resolve));
    }
    if (this.#closed) throw this.#closedError("closeWrite");
    try {
      libc.shutdown(this.#fd, libc.SHUT_WR);
    } catch (error) {
      throw errnoError(error, this.#where("closeWrite"));
    }
  }

  /** Closes both directions and releases the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reader?.started || (this.#ring !== null && this.#writers.length > 0)) {
      // An operation of ours may still be queued on the ring, naming this descriptor by
      // number: once closed, the number can go to the next accepted connection before the
      // loop submits, and the recv or send would act on that one. Submitted now, the kernel
      // holds the socket itself (a queued send still goes out, before the FIN).
      this.#ring?.submit();
      // An operation waits in the kernel, which holds the socket open until it ends:
      // end it now (a recv then sees end of stream, a send an error; both are ignored).
      try {
        libc.shutdown(this.#fd, libc.SHUT_RDWR);
      } catch {
        // Not connected any more: nothing waits then.
      }
    }
    libc.close(this.#fd); // which also takes it out of the epoll set
    this.#loop.released(this.#fd);
    const reader = this.#reader;
    this.#reader = null;
    reader?.reject(this.#closedError("read"));
    for (const w of this.#writers.splice(0)) w.reject(this.#closedError("write"));
    this.#drained();
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

  /** Called by the listener's loop with the socket's epoll events. */
  ready(flags: number): void {
    if ((flags & READ_EVENTS) !== 0) {
      this.#mayRead = true;
      this.#edges++;
      if ((flags & HANGUP_EVENTS) !== 0) this.#hangup = true;
      if (this.#reader !== null && !this.#reader.started) this.#startRecv();
    }
    // With a ring, a send that found no room waits in the kernel: only plain sends wait here.
    if ((flags & WRITE_EVENTS) !== 0 && this.#ring === null) {
      this.#mayWrite = true;
      while (this.#writers.length > 0) {
        const n = this.#sendNow(this.#writers[0].p);
        if (n === -1) break;
        this.#settleWrite(n);
      }
    }
  }

  /** Reads for the waiting reader: queued on the ring, or a plain recv (no ring, or a full one). */
  #startRecv(): void {
    const reader = this.#reader!;
    if (this.#ring !== null) {
      this.#recvEdges = this.#edges;
      this.#recvOp.buf = reader.p;
      if (this.#ring.queue(this.#recvOp)) {
        reader.started = true;
        this.#loop.kick();
        return;
      }
    }
    const n = this.#recvNow(reader.p);
    if (n !== -1) this.#settleRead(reader, n);
  }

  #recvDone(result: number): void {
    const reader = this.#reader;
    if (reader === null || !reader.started) return; // closed meanwhile
    reader.started = false;
    // A short read empties the socket, unless an edge came after the recv started.
    const n = this.#recvResult(result, reader.p.length, this.#recvEdges === this.#edges);
    if (n !== -1) this.#settleRead(reader, n);
  }

  /** Queues the first waiting write's send on the ring (a plain send if the ring is full). */
  #startSend(): void {
    const w = this.#writers[0];
    this.#sendOp.buf = w.p;
    if (this.#ring!.queue(this.#sendOp)) this.#loop.kick();
    else {
      const n = this.#sendNow(w.p);
      // No room in the socket either: retry on the next turn. Done or failed: say so after
      // this call returns (submitWrite's callers are told "never during the call").
      if (n === -1) setImmediate(() => this.#writers[0] === w && this.#startSend());
      else {
        queueMicrotask(() => {
          if (this.#writers[0] !== w) return; // closed meanwhile
          this.#settleWrite(n);
          if (this.#writers.length > 0) this.#startSend();
        });
      }
    }
  }

  #sendDone(result: number): void {
    if (this.#closed) return;
    this.#settleWrite(result >= 0 ? result : this.#error("send", result));
    if (this.#writers.length > 0) this.#startSend();
  }

  #settleRead(reader: PendingRead, n: number | null | Error): void {
    this.#reader = null;
    if (n instanceof Error) reader.reject(n);
    else reader.resolve(n);
  }

  /** Ends the first waiting write with its count, or every waiting write with an error. */
  #settleWrite(n: number | Error): void {
    if (n instanceof Error) {
      for (const w of this.#writers.splice(0)) w.reject(n);
    } else this.#writers.shift()!.resolve(n);
    if (this.#writers.length === 0) this.#drained();
  }

  #drained(): void {
    for (const resolve of this.#onDrained.splice(0)) resolve();
  }

  /** One plain recv: bytes read, null at FIN, -1 when it must wait, or the error. */
  #recvNow(p: Uint8Array): number | null | Error {
    return this.#recvResult(libc.recv(this.#fd, p), p.length, true);
  }

  /**
   * What a recv's result means: bytes read, null at FIN, -1 when it must
   * wait, or the error. A read of fewer bytes than `asked` empties the
   * socket (the next arrival is a new edge) unless no edge can be trusted
   * to follow: one came after the recv started, or the FIN's has been seen.
   */
  #recvResult(r: number, asked: number, noEdgeSince: boolean): number | null | Error {
    if (r > 0) {
      if (r < asked && noEdgeSince && !this.#hangup) this.#mayRead = false;
      return r;
    }
    if (r === 0) return null;
    if (r === -libc.EAGAIN || r === -libc.EINTR) {
      this.#mayRead = false;
      return -1;
    }
    return this.#error("recv", r);
  }

  /** One plain send: bytes taken, -1 when it must wait, or the error. */
  #sendNow(p: Uint8Array): number | Error {
    const n = libc.send(this.#fd, p);
    if (n >= 0) {
      if (n < p.length) this.#mayWrite = false;
      return n;
    }
    if (n === -libc.EAGAIN || n === -libc.EINTR) {
      this.#mayWrite = false;
      return -1;
    }
    return this.#error("send", n);
  }

  /** The typed error for a -errno result of recv or send. */
  #error(call: "recv" | "send", negErrno: number): Error {
    const op = call === "recv" ? "read" : "write";
    return errnoError(new libc.Errno(call, -negErrno), this.#where(op)) as Error;
  }

  #where(op: string) {
    return { op, local: this.localAddr, remote: this.remoteAddr };
  }

  #closedError(op: string): SocketClosed {
    return new SocketClosed("connection is closed", this.#where(op));
  }
}
