/**
 * socklab's TCP in real time, behind the socket layer's stream interfaces:
 * {@link TcpDriver} owns a {@link TcpStack}, the clock and one timer, and
 * hands segments to a link; {@link TcpConn} and {@link TcpListener}
 * implement `Conn` and `Listener` from `deno/net/types.ts`, so code written
 * for the kernel's TCP (a netcat, an HTTP server) runs on socklab's TCP
 * unchanged.
 *
 * Its errors are the socket layer's (`deno/net/errors.ts`): a connection
 * the peer refused is a `ConnectionRefused`, one it reset a
 * `ConnectionReset`, one whose timers gave up a `TimedOut`, and an operation
 * on a connection, listener or driver this process closed a `SocketClosed`,
 * exactly as on the kernel's sockets.
 *
 * It lives here, above both the sans-IO TCP (`deno/tcp/`) and the socket
 * interfaces (`deno/net/`), as gVisor's `gonet` adapter sits above its
 * netstack and Go's `net`: the TCP stays free of clocks, timers and I/O, and
 * the socket layer need not know about it.
 *
 * @module
 */
import { readableOf, writableOf } from "../net/conn_streams.ts";
import {
  ConnectionRefused,
  ConnectionReset,
  type NetError,
  type NetErrorInit,
  SocketClosed,
  TimedOut,
} from "../net/errors.ts";
import type { Conn, InetAddr, Listener } from "../net/types.ts";
import type { IpSegment, TcpStack } from "../tcp/stack.ts";
import type { TcpErrorKind, TcpSocket } from "../tcp/socket.ts";
import { inetAddr } from "../wire/inet_addr.ts";

/** Sends one segment on the link. */
export type SegmentSink = (segment: IpSegment) => void;

/**
 * How late a real-time link's timers may fire, ms: the `clockJitter` its
 * TCP is given unless the link's config names one. Deno's timers fire at
 * the soonest 2.2 ms after they are set (measured on a 2-core AMD EPYC VM,
 * for delays of 0, 1 and 2 ms alike), and a round trip on a link that
 * emulates delay crosses two of them, one in its delay line each way,
 * besides the driver's own. Over a TUN link with 5 ms each way, 4 MB
 * went from 7.05 MB/s with none to 12.8 with 6 ms (medians of 5 side by
 * side; the kernel's CUBIC: 23.4); in a sweep of 4, 6 and 8 ms, 6 did best.
 */
export const REAL_TIME_CLOCK_JITTER = 6;

/**
 * The socket layer's error for a connection that ended abnormally: each
 * {@link TcpErrorKind} becomes the class the kernel's sockets throw for it.
 */
function connectionError(kind: TcpErrorKind, init: Omit<NetErrorInit, "cause">): NetError {
  switch (kind) {
    case "refused":
      return new ConnectionRefused("refused", init);
    case "reset":
      return new ConnectionReset("connection reset", init);
    case "timed out":
      return new TimedOut("connection timed out", init);
    case "aborted":
      return new SocketClosed("connection aborted", init);
  }
}

/** How near a timer whose deadline went away may be and still be kept, ms. */
const KEEP_STALE_TIMER_MS = 250;

/**
 * Drives a stack in real time: processes arriving segments, sends what the
 * stack produces, and fires its timers.
 *
 * @example Two drivers wired back to back
 * ```ts
 * import { TcpDriver } from "./driver.ts";
 * import { TcpStack } from "../tcp/stack.ts";
 * import assert from "node:assert/strict";
 * let a!: TcpDriver, b!: TcpDriver;
 * a = new TcpDriver(new TcpStack("10.0.0.1"), (s) => queueMicrotask(() => b.receive(s)));
 * b = new TcpDriver(new TcpStack("10.0.0.2"), (s) => queueMicrotask(() => a.receive(s)));
 * const listener = b.listen(7);
 * const client = await a.connect("10.0.0.2", 7);
 * const server = await listener.accept();
 * await client.writeAll(new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(8);
 * assert.equal(await server.read(buf), 2);
 * client.close();
 * server.close();
 * listener.close();
 * a.close();
 * b.close();
 * ```
 */
export class TcpDriver {
  /** The stack driven. */
  readonly stack: TcpStack;
  readonly #send: SegmentSink;
  readonly #clock: () => number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Infinity;
  #closed = false;
  readonly #waiters = new Set<() => void>();
  #pumping = false;

  /**
   * Makes a driver for `stack`.
   *
   * @param stack The stack to drive.
   * @param send Puts a segment on the link.
   * @param clock Milliseconds, monotonic (default `performance.now`).
   */
  constructor(stack: TcpStack, send: SegmentSink, clock: () => number = () => performance.now()) {
    this.stack = stack;
    this.#send = send;
    this.#clock = clock;
  }

  /** The driver's current time. */
  now(): number {
    return this.#clock();
  }

  /** Hands an arriving segment to the stack. */
  receive(segment: IpSegment): void {
    if (this.#closed) return;
    this.stack.receive(this.#clock(), segment);
    this.pump();
  }

  /** Sends what the stack has, wakes waiting readers and writers, re-arms the timer. */
  pump(): void {
    if (this.#closed || this.#pumping) return;
    this.#pumping = true;
    try {
      const now = this.#clock();
      for (const segment of this.stack.poll(now)) this.#send(segment);
    } finally {
      this.#pumping = false;
    }
    this.wake();
    this.#arm();
  }

  #arm(): void {
    const at = this.stack.pollAt();
    if (at === null) {
      // A deadline that went away (a delayed ACK sent with the next one,
      // say) keeps its timer when it is near: firing then finds nothing due,
      // and clearing and setting a timer for every other segment costs more.
      // A far one is cleared, to hold the process no longer.
      if (this.#timerAt - this.#clock() > KEEP_STALE_TIMER_MS) this.#disarm();
      return;
    }
    // An earlier timer stays too: when it fires, pump arms the next one.
    if (this.#timer !== null && at >= this.#timerAt) return;
    this.#disarm();
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.pump();
    }, Math.max(0, Math.ceil(at - this.#clock())));
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  /**
   * Resolves when `ready()` holds after some progress; checked after every pump.
   *
   * @param ready Returns the value to resolve with, or undefined to go on waiting;
   * what it throws rejects the wait.
   * @param signal Ends the wait when its `closed` turns true (a connection or listener closed).
   * @param closed The error to reject with when the wait ends because `signal` or the driver closed.
   * @returns What `ready()` returned.
   */
  wait<T>(
    ready: () => T | undefined,
    signal?: { closed: boolean },
    closed: () => Error = () => new SocketClosed("the driver is closed", { op: "wait" }),
  ): Promise<T> {
    const now = ready();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        try {
          if (this.#closed || signal?.closed) {
            this.#waiters.delete(check);
            return reject(closed());
          }
          const value = ready();
          if (value !== undefined) {
            this.#waiters.delete(check);
            resolve(value);
          }
        } catch (error) {
          this.#waiters.delete(check);
          reject(error);
        }
      };
      this.#waiters.add(check);
    });
  }

  /** Wakes every waiter (after a local change such as closing a listener). */
  wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Opens a connection and resolves once it is established.
   *
   * @throws {SyntaxError} If `hostname` is not a numeric IPv4 or IPv6 address.
   * @throws {ConnectionRefused} If the peer answers the SYN with a RST.
   * @throws {TimedOut} If the handshake's retransmissions give up.
   * @throws {SocketClosed} If the driver is closed before the handshake ends.
   */
  async connect(hostname: string, port: number): Promise<TcpConn> {
    const socket = this.stack.connect(this.#clock(), inetAddr(hostname, port));
    this.pump();
    const conn = new TcpConn(this, socket);
    await this.wait(
      () => {
        if (socket.state === "CLOSED") throw conn.failure("connect");
        return socket.state === "SYN-SENT" || socket.state === "SYN-RECEIVED" ? undefined : true;
      },
      undefined,
      () => new SocketClosed("the driver closed before the handshake ended", conn.where("connect")),
    );
    return conn;
  }

  /** Listens on `port` of the stack's address. */
  listen(port: number, backlog = 128): TcpListener {
    this.stack.listen(port, backlog);
    return new TcpListener(this, port);
  }

  /** Stops the timer and fails every pending operation. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#disarm();
    this.#closed = true;
    this.wake();
  }
}

/** A socklab TCP connection as a `Conn`. */
export class TcpConn implements Conn {
  readonly #driver: TcpDriver;
  readonly #socket: TcpSocket;
  readonly #abort = { closed: false };
  #readable: ReadableStream<Uint8Array> | null = null;
  #writable: WritableStream<Uint8Array> | null = null;

  /** Wraps a connected (or connecting) socket of `driver`'s stack. */
  constructor(driver: TcpDriver, socket: TcpSocket) {
    this.#driver = driver;
    this.#socket = socket;
  }

  /** The state machine underneath, for inspection. */
  get socket(): TcpSocket {
    return this.#socket;
  }

  /** This end's address. */
  get localAddr(): InetAddr {
    return this.#socket.local!;
  }

  /** The peer's address. */
  get remoteAddr(): InetAddr {
    return this.#socket.remote!;
  }

  /**
   * Where an error of `op` on this connection happened, as the socket
   * layer's errors name it.
   *
   * @param op The operation: "connect", "read", "write"...
   * @returns The operation and both endpoints.
   */
  where(op: string): NetErrorInit {
    return { op, local: this.localAddr, remote: this.remoteAddr };
  }

  /**
   * Why `op` cannot go on: the socket layer's error for how the connection
   * ended ({@link ConnectionReset}, {@link ConnectionRefused},
   * {@link TimedOut}), or {@link SocketClosed} when this end closed it.
   *
   * @param op The operation that failed.
   * @returns The error, naming `op` and both endpoints.
   */
  failure(op: string): NetError {
    const s = this.#socket;
    if (s.error) return connectionError(s.error, this.where(op));
    return new SocketClosed(`connection is ${s.state}`, this.where(op));
  }

  #closedError(op: string): SocketClosed {
    return new SocketClosed("closed locally", this.where(op));
  }

  /**
   * Reads into `p`; resolves to the bytes read, or null at the peer's FIN.
   *
   * @throws {ConnectionReset} If the peer reset the connection.
   * @throws {TimedOut} If the connection's timers gave up.
   * @throws {SocketClosed} If this end closed it.
   */
  async read(p: Uint8Array): Promise<number | null> {
    if (!(p instanceof Uint8Array)) throw new TypeError("read: expected a Uint8Array");
    if (this.#abort.closed) throw this.#closedError("read");
    if (p.length === 0) return 0;
    const s = this.#socket;
    const n = await this.#driver.wait(
      () => {
        if (s.recvQueue > 0) return s.recvQueue;
        if (s.recvFinished) return 0;
        if (s.error) throw this.failure("read");
        if (s.state === "CLOSED") return 0;
        return undefined;
      },
      this.#abort,
      () => this.#closedError("read"),
    );
    if (n === 0) return null;
    const got = s.recvInto(p);
    this.#driver.pump(); // a window update may be due
    return got;
  }

  /**
   * Writes some of `p`; resolves to how many bytes were accepted.
   *
   * @throws {ConnectionReset} If the peer reset the connection.
   * @throws {TimedOut} If the connection's timers gave up.
   * @throws {SocketClosed} If this end closed it, or half-closed it.
   */
  async write(p: Uint8Array): Promise<number> {
    if (!(p instanceof Uint8Array)) throw new TypeError("write: expected a Uint8Array");
    if (p.length === 0) return 0;
    const s = this.#socket;
    await this.#driver.wait(
      () => {
        if (!s.canSend) throw this.failure("write");
        return s.sendCapacity > 0 ? true : undefined;
      },
      this.#abort,
      () => this.#closedError("write"),
    );
    const n = s.send(p);
    this.#driver.pump();
    return n;
  }

  /** Writes all of `p`. */
  async writeAll(p: Uint8Array): Promise<void> {
    for (let off = 0; off < p.length;) off += await this.write(p.subarray(off));
  }

  /** Sends our FIN; reading continues until the peer's. */
  closeWrite(): Promise<void> {
    this.#socket.close(this.#driver.now());
    this.#driver.pump();
    return Promise.resolve();
  }

  /**
   * Closes both directions: a FIN, or a RST when received data was left
   * unread (as Linux does). Pending reads and writes reject. Idempotent.
   */
  close(): void {
    if (this.#abort.closed) return;
    this.#abort.closed = true;
    if (this.#socket.recvQueue > 0) this.#socket.abort(this.#driver.now());
    else this.#socket.close(this.#driver.now());
    this.#driver.pump();
  }

  /**
   * The bytes from the peer. The stream ends at the peer's FIN without
   * closing this connection, and cancelling it does not close it either:
   * a half-closed connection can still be written to.
   */
  get readable(): ReadableStream<Uint8Array> {
    return this.#readable ??= readableOf(this);
  }

  /** Bytes to the peer (closing it half-closes the connection). */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= writableOf(this);
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** A listening port of a socklab stack as a `Listener`. */
export class TcpListener implements Listener {
  readonly #driver: TcpDriver;
  readonly #port: number;
  readonly #closed = { closed: false };

  /** Wraps `port`, already listening on `driver`'s stack. */
  constructor(driver: TcpDriver, port: number) {
    this.#driver = driver;
    this.#port = port;
  }

  /**
   * The bound address: the stack's first address (the port listens on
   * every address of the stack).
   */
  get addr(): InetAddr {
    return inetAddr(this.#driver.stack.addr, this.#port);
  }

  /**
   * Waits for the next connection past its handshake.
   *
   * @throws {SocketClosed} If the listener or its driver is or gets closed.
   */
  async accept(): Promise<TcpConn> {
    const closed = () => new SocketClosed("listener closed", { op: "accept", local: this.addr });
    if (this.#closed.closed) throw closed();
    const socket = await this.#driver.wait(
      () => this.#driver.stack.accept(this.#port) ?? undefined,
      this.#closed,
      closed,
    );
    return new TcpConn(this.#driver, socket);
  }

  /** Stops listening; pending accepts reject. Idempotent. */
  close(): void {
    if (this.#closed.closed) return;
    this.#closed.closed = true;
    this.#driver.stack.unlisten(this.#driver.now(), this.#port);
    this.#driver.pump();
    this.#driver.wake();
  }

  /** Accepts connections until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<Conn> {
    while (!this.#closed.closed) {
      try {
        yield await this.accept();
      } catch (error) {
        if (this.#closed.closed) return;
        throw error;
      }
    }
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
