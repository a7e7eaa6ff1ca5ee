/**
 * Sockets Deno has no API for, opened through libc with Deno's FFI (Linux;
 * needs `--allow-ffi`): raw IP sockets (SOCK_RAW: whole ICMP or other IP
 * packets) and unix datagram sockets that can send while a receive waits
 * (Deno's own "unixpacket" socket refuses that with "Busy").
 *
 * Receiving waits in poll(2) on one of Deno's worker threads, woken by the
 * socket or by `close()` through a pipe: no busy loop, no blocked event loop.
 *
 * @example Unix datagrams both ways at once
 * ```ts
 * import { openUnixDatagram } from "./fd_socket.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * {
 *   await using a = openUnixDatagram(`${dir}/a.sock`);
 *   await using b = openUnixDatagram(`${dir}/b.sock`);
 *   const waiting = a.receive(); // a waits while it sends
 *   await a.send(new TextEncoder().encode("ping"), b.addr);
 *   const ping = await b.receive();
 *   await b.send(ping.data, ping.from);
 *   assert.equal(new TextDecoder().decode((await waiting).data), "ping");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import * as libc from "./_libc.ts";
import { type ReceiveOptions, ReceiveQueue } from "./_receive.ts";
import { formatAddr, inetAddr, unixAddr } from "./addr.ts";
import { SocketClosed, untilClosed } from "./errors.ts";
import { errnoError } from "./_errno.ts";
export { errnoError };
import type { Addr, Datagram, DatagramSocket, Family } from "./types.ts";

/** How long one waiting send blocks a worker thread before checking for close(). */
const SEND_WAIT_MS = 200;

/** The largest datagram received: an IP packet's maximum length. */
const MAX_PACKET = 65535;

/**
 * A datagram-shaped socket on a file descriptor of its own: a unix datagram
 * socket, or a raw IP socket whose "datagrams" are IP packets.
 */
export class FdSocket implements DatagramSocket {
  /** The bound address (for raw sockets: the host address, port 0). */
  readonly addr: Addr;
  /** "dgram" or "raw". */
  readonly type: "dgram" | "raw";
  #fd: number;
  #wakeRead: number;
  #wakeWrite: number;
  #closed = false;
  /** Calls in flight on worker threads (poll, waiting send). */
  #busy = 0;
  #unlinkPath?: string;
  #queue = new ReceiveQueue(() => this.#receiveOne(), () => this.addr);

  /** Takes ownership of `fd` (a socket already bound as needed). */
  constructor(fd: number, addr: Addr, type: "dgram" | "raw", unlinkPath?: string) {
    this.#fd = fd;
    this.addr = addr;
    this.type = type;
    this.#unlinkPath = unlinkPath;
    [this.#wakeRead, this.#wakeWrite] = libc.wakePipe();
  }

  /** The file descriptor, for socket options (see `sockopt.ts`). */
  get fd(): number {
    if (this.#closed) throw new SocketClosed("socket is closed", { op: "fd", local: this.addr });
    return this.#fd;
  }

  /**
   * Sends one datagram (or, raw, one packet payload) to `to`.
   *
   * @throws {TypeError} If `to` is of another family than this socket.
   * @throws {SocketClosed} If the socket is closed.
   */
  send(data: Uint8Array, to: Addr): Promise<number> {
    if (!(data instanceof Uint8Array)) {
      return Promise.reject(new TypeError("send() expects a Uint8Array"));
    }
    try {
      checkDestination(this.addr.family, to);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#send(data, to);
  }

  async #send(data: Uint8Array, to: Addr): Promise<number> {
    for (;;) {
      if (this.#closed) {
        throw new SocketClosed("socket is closed", { op: "send", local: this.addr, remote: to });
      }
      let sent;
      try {
        sent = libc.sendTo(this.#fd, data, to);
      } catch (error) {
        throw errnoError(error, { op: "send", local: this.addr, remote: to });
      }
      if (sent !== null) return sent;
      // No room (a unix receiver's queue is full): wait on a worker thread,
      // at most SO_SNDTIMEO each time so that close() is noticed, then retry.
      const waited = await this.#onWorker(() => libc.sendToWaiting(this.#fd, data, to));
      if (waited !== null) return waited;
    }
  }

  /**
   * Waits for the next datagram. A datagram that arrives after a timeout or
   * abort is kept for the next call.
   *
   * @throws {TimedOut} If `timeout` passed first.
   * @throws {SocketClosed} If the socket is or gets closed.
   */
  receive(options: ReceiveOptions = {}): Promise<Datagram> {
    if (this.#closed) {
      return Promise.reject(
        new SocketClosed("socket is closed", { op: "receive", local: this.addr }),
      );
    }
    return this.#queue.receive(options);
  }

  async #receiveOne(): Promise<Datagram> {
    const buf = new Uint8Array(MAX_PACKET);
    for (;;) {
      if (this.#closed) {
        throw new SocketClosed("socket is closed", { op: "receive", local: this.addr });
      }
      let got;
      try {
        got = libc.receiveFrom(this.#fd, buf);
      } catch (error) {
        throw errnoError(error, { op: "receive", local: this.addr });
      }
      if (got) {
        const from = this.addr.family === "unix" && got.from.family !== "unix"
          ? { family: "unix" as const, path: "" }
          : got.from;
        return { data: buf.slice(0, Math.min(got.n, buf.length)), from };
      }
      const why = await this.#onWorker(() => libc.pollIn(this.#fd, this.#wakeRead));
      if (why === "woken") {
        throw new SocketClosed("socket is closed", { op: "receive", local: this.addr });
      }
    }
  }

  /** Yields datagrams until the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return untilClosed(() => this.#closed, () => this.receive());
  }

  /** Closes the socket; a receive in flight rejects with SocketClosed. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Calls running on worker threads still use the descriptors: wake a
    // poll, let a waiting send time out; the last one to finish releases them.
    if (this.#busy > 0) libc.wake(this.#wakeWrite);
    else this.#release();
    if (this.#unlinkPath !== undefined) {
      try {
        Deno.removeSync(this.#unlinkPath);
      } catch {
        // Already gone.
      }
    }
  }

  async #onWorker<T>(call: () => Promise<T>): Promise<T> {
    this.#busy++;
    try {
      return await call();
    } finally {
      if (--this.#busy === 0 && this.#closed) this.#release();
    }
  }

  #released = false;
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    libc.close(this.#fd);
    libc.close(this.#wakeRead);
    libc.close(this.#wakeWrite);
    libc.releaseLibc(); // taken by the open function that made this socket
  }

  /** Closes the socket and waits for a receive in flight to end (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#queue.pending;
  }

  /** The bound address, for logs. */
  toString(): string {
    return `${this.type} ${formatAddr(this.addr)}`;
  }
}

function checkDestination(family: Family, to: Addr): void {
  if (to === null || typeof to !== "object" || !("family" in to)) {
    throw new TypeError("send() expects a destination Addr");
  }
  if (to.family === "unix") unixAddr(to.path);
  else inetAddr(to.hostname, to.port);
  if (to.family !== family) {
    throw new TypeError(`Cannot send from an ${family} socket to an ${to.family} address`);
  }
}

/**
 * Opens a unix datagram socket bound to `path` (removed again on close), or
 * an unnamed one when `path` is omitted.
 *
 * @throws {AddrInUse} If `path` exists.
 * @throws {RangeError} If `path` is too long for sockaddr_un.
 */
export function openUnixDatagram(path?: string): FdSocket {
  const addr = unixAddr(path ?? "");
  libc.acquireLibc();
  let fd = -1;
  try {
    // A blocking socket (receives use MSG_DONTWAIT) so that a send can wait
    // for room on a worker thread, SEND_WAIT_MS at a time.
    fd = libc.socket(libc.AF_UNIX, libc.SOCK_DGRAM, 0);
    libc.setSendTimeout(fd, SEND_WAIT_MS);
    if (addr.path !== "") libc.bind(fd, addr);
    return new FdSocket(fd, addr, "dgram", addr.path || undefined);
  } catch (error) {
    if (fd >= 0) libc.close(fd);
    libc.releaseLibc();
    throw errnoError(error, { op: "listen", local: addr });
  }
}

/** What a raw socket carries. */
export interface RawOptions {
  /** "inet" (IPv4) or "inet6". */
  family: "inet" | "inet6";
  /**
   * The IP protocol number to send and receive: 1 ICMP, 58 ICMPv6, 17 UDP...
   * IPv4 raw sockets receive whole packets (IP header first) and send the
   * payload, the kernel writing the header; IPv6 raw sockets carry the
   * payload only both ways (RFC 3542).
   */
  protocol: number;
  /** A local address to bind (optional). */
  hostname?: string;
}

/**
 * Opens a raw IP socket (SOCK_RAW). Needs root or CAP_NET_RAW.
 *
 * @throws {PermissionDenied} Without the privilege.
 * @throws {RangeError} If `protocol` is not 1 to 255.
 */
export function openRaw(options: RawOptions): FdSocket {
  if (options === null || typeof options !== "object") {
    throw new TypeError("openRaw() expects { family, protocol }");
  }
  const { family, protocol } = options;
  if (family !== "inet" && family !== "inet6") {
    throw new TypeError(`openRaw(): family must be "inet" or "inet6", got ${String(family)}`);
  }
  if (!Number.isInteger(protocol) || protocol < 1 || protocol > 255) {
    throw new RangeError(`openRaw(): protocol must be an IP protocol number from 1 to 255`);
  }
  const local = inetAddr(options.hostname ?? (family === "inet" ? "0.0.0.0" : "::"), 0);
  if (local.family !== family) {
    throw new TypeError(`openRaw(): ${local.hostname} is not an ${family} address`);
  }
  libc.acquireLibc();
  let fd = -1;
  let op = "socket";
  try {
    fd = libc.socket(
      family === "inet" ? libc.AF_INET : libc.AF_INET6,
      libc.SOCK_RAW,
      protocol,
    );
    libc.setSendTimeout(fd, SEND_WAIT_MS);
    op = "bind";
    if (options.hostname !== undefined) libc.bind(fd, local);
    return new FdSocket(fd, local, "raw");
  } catch (error) {
    if (fd >= 0) libc.close(fd);
    libc.releaseLibc();
    throw errnoError(error, { op, local });
  }
}
