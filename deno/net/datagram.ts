/**
 * Kernel datagram sockets: UDP over IPv4 and IPv6 (SOCK_DGRAM in AF_INET and
 * AF_INET6) and unix datagram sockets (SOCK_DGRAM in AF_UNIX), behind the
 * transport-neutral {@link DatagramSocket} of `types.ts`. Each `send` is one
 * datagram and each `receive` returns exactly one: boundaries are kept.
 *
 * UDP wraps `Deno.listenDatagram`. Unix datagram sockets are opened through
 * libc (`fd_socket.ts`, needs `--allow-ffi`): Deno's own ("unixpacket", a
 * SOCK_DGRAM socket despite the name) refuses to send while a receive
 * waits. Both add typed errors, receive timeouts and AbortSignals that lose
 * no datagram; UDP adds multicast membership.
 *
 * @example A UDP round trip
 * ```ts
 * import { listenDatagram } from "./datagram.ts";
 * import assert from "node:assert/strict";
 * await using a = listenDatagram({ hostname: "127.0.0.1", port: 0 });
 * await using b = listenDatagram({ hostname: "127.0.0.1", port: 0 });
 * await a.send(new TextEncoder().encode("ping"), b.addr);
 * const { data, from } = await b.receive();
 * assert.equal(new TextDecoder().decode(data), "ping");
 * assert.deepEqual(from, a.addr);
 * ```
 *
 * @module
 */
import { checkPort, formatAddr, fromDenoAddr, inetAddr, isIPv4, isIPv6, unixAddr } from "./addr.ts";
import { SocketClosed, toNetError, untilClosed } from "./errors.ts";
import { type ReceiveOptions, ReceiveQueue } from "./_receive.ts";

export type { ReceiveOptions } from "./_receive.ts";
import { type FdSocket, openUnixDatagram } from "./fd_socket.ts";
import type { Addr, Datagram, DatagramSocket, InetAddr, UnixAddr } from "./types.ts";

/** Where to bind a datagram socket: an IP address and port, or a unix path. */
export type DatagramOptions = UdpOptions | UnixDatagramOptions;

/** A UDP socket. */
export interface UdpOptions {
  /** A numeric address to bind; "0.0.0.0" when omitted. */
  hostname?: string;
  /** The port; 0 asks the kernel for a free one. */
  port: number;
  /** SO_REUSEADDR: bind even when another socket holds the address. */
  reuseAddress?: boolean;
  /** IP_MULTICAST_LOOP: deliver our own multicast datagrams back to us. */
  multicastLoopback?: boolean;
}

/** A unix datagram socket. */
export interface UnixDatagramOptions {
  /**
   * The socket file to bind (removed again by `close()`); when omitted the
   * socket is unnamed: it can send but nobody can answer it.
   */
  path?: string;
}

/** Membership of a multicast group; `leave()` drops it. */
export interface MulticastMembership {
  /** Leaves the group (IP_DROP_MEMBERSHIP). */
  leave(): Promise<void>;
}

/**
 * Opens a datagram socket bound to `options`.
 *
 * @throws {AddrInUse} If the address is taken.
 * @throws {TypeError | RangeError | SyntaxError} For malformed options.
 */
export function listenDatagram(options: UdpOptions | InetAddr): KernelDatagramSocket;
/** Opens a unix datagram socket (through libc; see `fd_socket.ts`). */
export function listenDatagram(options: UnixDatagramOptions | UnixAddr): FdSocket;
/** Opens a UDP or unix datagram socket, as the options say. */
export function listenDatagram(options: DatagramOptions | Addr): KernelDatagramSocket | FdSocket;
export function listenDatagram(options: DatagramOptions | Addr): KernelDatagramSocket | FdSocket {
  if (options === null || typeof options !== "object") {
    throw new TypeError("listenDatagram() expects { hostname, port } or { path }");
  }
  let opts: DatagramOptions = options as DatagramOptions;
  if ("family" in options) {
    opts = options.family === "unix" ? { path: options.path } : {
      hostname: options.hostname,
      port: options.port,
    };
  }
  if ("port" in opts) {
    const local = inetAddr(opts.hostname ?? "0.0.0.0", checkPort(opts.port));
    try {
      return new KernelDatagramSocket(
        Deno.listenDatagram({
          transport: "udp",
          hostname: local.hostname,
          port: local.port,
          reuseAddress: opts.reuseAddress,
          loopback: opts.multicastLoopback,
        }),
      );
    } catch (error) {
      throw toNetError(error, { op: "listen", local });
    }
  }
  // Deno's own unix datagram socket ("unixpacket") cannot send while a
  // receive waits ("Busy"), so unix datagrams go through libc.
  return openUnixDatagram((opts as UnixDatagramOptions).path || undefined);
}

/** A datagram socket over the kernel: UDP (IPv4, IPv6) or unix SOCK_DGRAM. */
export class KernelDatagramSocket implements DatagramSocket {
  /** The bound address. */
  readonly addr: Addr;
  #socket: Deno.DatagramConn;
  #unlinkPath?: string;
  #closed = false;
  /** The one receive in flight, shared by callers. */
  #queue = new ReceiveQueue(() => this.#receiveOne(), () => this.addr);

  /** Wraps a Deno datagram socket; `unlinkPath` is removed on close. */
  constructor(socket: Deno.DatagramConn, unlinkPath?: string) {
    this.#socket = socket;
    this.#unlinkPath = unlinkPath;
    this.addr = unlinkPath === undefined && isUnix(socket.addr)
      ? { family: "unix", path: "" }
      : fromDenoAddr(socket.addr);
  }

  #closedError(op: string, remote?: Addr): SocketClosed {
    return new SocketClosed("socket is closed", { op, local: this.addr, remote });
  }

  /**
   * Sends `data` as one datagram to `to`; resolves to the bytes sent.
   *
   * @throws {TypeError} If `to` is of another family than this socket.
   * @throws {SocketClosed} If the socket is closed.
   * @throws {ConnectionRefused} If nobody is bound at a unix destination.
   */
  async send(data: Uint8Array, to: Addr): Promise<number> {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `send() expects a Uint8Array, got ${Object.prototype.toString.call(data)}`,
      );
    }
    const target = toDenoAddr(to, this.addr);
    if (this.#closed) throw this.#closedError("send", to);
    try {
      return await this.#socket.send(data, target);
    } catch (error) {
      throw toNetError(error, { op: "send", local: this.addr, remote: to });
    }
  }

  /**
   * Waits for the next datagram. A datagram that arrives after a timeout or
   * abort is not lost: the next call returns it.
   *
   * @throws {TimedOut} If `timeout` passed first.
   * @throws {SocketClosed} If the socket is or gets closed.
   */
  receive(options: ReceiveOptions = {}): Promise<Datagram> {
    if (this.#closed) return Promise.reject(this.#closedError("receive"));
    return this.#queue.receive(options);
  }

  async #receiveOne(): Promise<Datagram> {
    try {
      const [data, from] = await this.#socket.receive();
      return {
        data,
        from: isUnix(from) ? { family: "unix", path: from.path ?? "" } : fromDenoAddr(from),
      };
    } catch (error) {
      if (this.#closed) throw this.#closedError("receive");
      throw toNetError(error, { op: "receive", local: this.addr });
    }
  }

  /** Yields datagrams until the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return untilClosed(() => this.#closed, () => this.receive());
  }

  /**
   * Joins a multicast group on an interface (IP_ADD_MEMBERSHIP,
   * IPV6_JOIN_GROUP). For IPv4 `iface` is the interface's address
   * ("0.0.0.0" lets the kernel choose); for IPv6 its index (0: any).
   *
   * @throws {SyntaxError} If `group` is not a multicast address.
   */
  async joinMulticast(group: string, iface: string | number = 0): Promise<MulticastMembership> {
    if (this.#closed) throw this.#closedError("joinMulticast");
    const local = this.addr;
    try {
      if (isIPv4(group)) {
        if (Number(group.split(".")[0]) < 224 || Number(group.split(".")[0]) > 239) {
          throw new SyntaxError(`Invalid multicast group "${group}": not in 224.0.0.0/4`);
        }
        const m = await this.#socket.joinMulticastV4(
          group,
          iface === 0 ? "0.0.0.0" : String(iface),
        );
        return { leave: () => m.leave() };
      }
      if (isIPv6(group)) {
        if (!/^ff/i.test(group)) {
          throw new SyntaxError(`Invalid multicast group "${group}": not in ff00::/8`);
        }
        const m = await this.#socket.joinMulticastV6(group, Number(iface));
        return { leave: () => m.leave() };
      }
    } catch (error) {
      if (error instanceof SyntaxError) throw error;
      throw toNetError(error, { op: "joinMulticast", local });
    }
    throw new SyntaxError(`Invalid multicast group "${group}": not an IP address`);
  }

  /** Closes the socket (and removes its unix socket file). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    if (this.#unlinkPath !== undefined) {
      try {
        Deno.removeSync(this.#unlinkPath);
      } catch {
        // Already gone.
      }
    }
  }

  /** Closes the socket (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    // Let a receive in flight see the close before the caller moves on.
    await this.#queue.pending;
  }

  /** The bound address, for logs. */
  toString(): string {
    return formatAddr(this.addr);
  }
}

function isUnix(addr: Deno.Addr): addr is Deno.UnixAddr {
  return addr.transport === "unix" || addr.transport === "unixpacket";
}

function toDenoAddr(to: Addr, local: Addr): Deno.Addr {
  if (to === null || typeof to !== "object" || !("family" in to)) {
    throw new TypeError("send() expects a destination Addr such as { family, hostname, port }");
  }
  if (to.family === "unix") {
    if (local.family !== "unix") {
      throw new TypeError(`Cannot send from ${local.family} socket to a unix address`);
    }
    unixAddr(to.path);
    return { transport: "unixpacket", path: to.path };
  }
  if (local.family === "unix") {
    throw new TypeError(`Cannot send from a unix socket to an ${to.family} address`);
  }
  const checked = inetAddr(to.hostname, to.port);
  if (local.family === "inet" && checked.family === "inet6") {
    throw new TypeError(`Cannot send from an IPv4 socket to IPv6 address ${formatAddr(checked)}`);
  }
  return { transport: "udp", hostname: checked.hostname, port: checked.port };
}
