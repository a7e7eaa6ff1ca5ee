/**
 * A host's TCP: demultiplexes arriving segments to connections by 4-tuple,
 * creates connections for SYNs to listening ports (bounded by a listen
 * backlog), answers segments for no connection with a RST (RFC 9293
 * §3.10.7.1), and collects what every connection wants to send. Like the
 * connections it owns, it is sans-IO: time and segments are arguments.
 *
 * A stack has one address, or more with {@link TcpStack.addAddress} (an
 * IPv4 and an IPv6 one, say, each with settings of its own such as the MSS
 * its MTU allows): a listening port listens on all of them, a connection
 * goes out from the first of the remote's family, and a RST comes from the
 * address its segment was sent to.
 *
 * @module
 */
import type { TcpRepr } from "../wire/tcp.ts";
import type { TraceHook } from "./events.ts";
import { checkTcpConfig, resetFor, type TcpConfig, TcpError, TcpSocket } from "./socket.ts";
import type { InetAddr } from "../wire/inet_addr.ts";

/** A TCP segment with the IP addresses it travels between. */
export interface IpSegment {
  /** The source IP address. */
  readonly src: string;
  /** The destination IP address. */
  readonly dst: string;
  /** The TCP segment. */
  readonly repr: TcpRepr;
  /**
   * For a super-segment (a payload longer than one packet carries, sent with
   * `segmentOffload`): the payload of each packet a link cuts it into.
   */
  readonly segmentSize?: number;
}

/**
 * Why a stack, rather than a connection, discarded an arriving segment: the
 * `reason` of its trace "drop" events. A connection traces the segments it
 * receives itself; these are the arrivals no connection saw.
 */
export const STACK_DROP = {
  /** No connection and no listener matched; a RST answers (RFC 9293 §3.10.7.1). */
  noConnection: "no connection: answered with RST",
  /** No connection matched and the segment was a RST, which is never answered. */
  noConnectionRst: "no connection: RST ignored",
  /** A listener's stray non-SYN segment; a RST answers (RFC 9293 §3.10.7.2). */
  listenerStray: "listening port, not a SYN: answered with RST",
  /** A SYN to a listener whose backlog is full. */
  backlogFull: "listen backlog full",
} as const;

interface ListenEntry {
  readonly backlog: number;
  /** Connections past the handshake, waiting for accept(). */
  readonly ready: TcpSocket[];
  /** Connections in SYN-RECEIVED. */
  readonly pending: Set<TcpSocket>;
}

const EPHEMERAL_FIRST = 49152;

/**
 * The TCP of one host, with one IP address or more.
 *
 * @example Two stacks handshake by passing segments by hand
 * ```ts
 * import { TcpStack } from "./stack.ts";
 * import { inetAddr } from "../wire/inet_addr.ts";
 * import assert from "node:assert/strict";
 * const a = new TcpStack("10.0.0.1"), b = new TcpStack("10.0.0.2");
 * b.listen(80);
 * const client = a.connect(0, inetAddr("10.0.0.2", 80));
 * for (let i = 0; i < 3; i++) {
 *   for (const s of a.poll(0)) b.receive(0, s);
 *   for (const s of b.poll(0)) a.receive(0, s);
 * }
 * assert.equal(client.state, "ESTABLISHED");
 * assert.equal(b.accept(80)?.state, "ESTABLISHED");
 * ```
 */
export class TcpStack {
  /** This host's first address (the one given to the constructor). */
  readonly addr: string;
  readonly #config: Partial<TcpConfig>;
  // Every local address, with the settings of its connections (the stack's,
  // and the address's own over them).
  readonly #locals = new Map<string, Partial<TcpConfig>>();
  readonly #trace: TraceHook | null;
  readonly #conns = new Map<string, TcpSocket>();
  // The connection the last segment went to: a bulk transfer's segments all
  // go to one, and building its key string per segment costs more than TCP.
  #last: TcpSocket | null = null;
  readonly #listeners = new Map<number, ListenEntry>();
  #nextPort = EPHEMERAL_FIRST;
  /** RSTs answering segments for no connection, sent by the next poll(). */
  #pendingResets: IpSegment[] = [];
  /** Segments answered with a RST because no connection matched. */
  resets = 0;
  /** SYNs dropped because a backlog was full. */
  backlogDrops = 0;

  /**
   * Makes a host's stack.
   *
   * @param addr The host's IP address.
   * @param config Settings for every connection of this stack.
   * @param trace The trace hook for every connection.
   */
  constructor(addr: string, config: Partial<TcpConfig> = {}, trace: TraceHook | null = null) {
    if (typeof addr !== "string" || addr === "") {
      throw new TypeError(`stack address must be a non-empty string, got ${addr}`);
    }
    this.addr = addr;
    this.#config = config;
    this.#trace = trace;
    checkTcpConfig(config); // now, rather than on the first SYN
    this.#locals.set(addr, config);
  }

  /** Every local address, the constructor's first. */
  get addresses(): string[] {
    return [...this.#locals.keys()];
  }

  /**
   * Adds a local address: segments sent to it are this stack's too, and
   * connections from or to it use `config` over the stack's settings.
   *
   * @param addr The address (a text form the link spells the same way).
   * @param config Settings of this address's connections (say, its MSS).
   * @throws {TypeError} If `addr` is not a non-empty string.
   * @throws {RangeError} If the stack has `addr` already, or `config` is bad.
   */
  addAddress(addr: string, config: Partial<TcpConfig> = {}): void {
    if (typeof addr !== "string" || addr === "") {
      throw new TypeError(`stack address must be a non-empty string, got ${addr}`);
    }
    if (this.#locals.has(addr)) throw new RangeError(`stack has address ${addr} already`);
    const merged = { ...this.#config, ...config };
    checkTcpConfig(merged);
    this.#locals.set(addr, merged);
  }

  // The first local address of `remote`'s family (":" marks IPv6 text).
  #localFor(remote: InetAddr): string {
    const v6 = remote.family === "inet6";
    for (const addr of this.#locals.keys()) if (addr.includes(":") === v6) return addr;
    throw new TcpError(
      `connect -> ${remote.hostname}:${remote.port}: this host has no IPv${v6 ? 6 : 4} address`,
    );
  }

  /** Every connection the stack currently demultiplexes to. */
  get connections(): TcpSocket[] {
    return [...this.#conns.values()];
  }

  /**
   * Opens a connection to `remote` from an ephemeral (or the given) port.
   *
   * @param now The time, ms.
   * @param remote The peer.
   * @param localPort The local port (default: the next free ephemeral one).
   * @param config Settings of this connection alone, over the stack's.
   * @throws {TcpError} If the local port is in use for that peer.
   */
  connect(
    now: number,
    remote: InetAddr,
    localPort?: number,
    config?: Partial<TcpConfig>,
  ): TcpSocket {
    const local = this.#localFor(remote);
    const port = localPort ?? this.#ephemeral(local, remote);
    const key = connKey(local, port, remote.hostname, remote.port);
    if (this.#conns.has(key)) {
      throw new TcpError(
        `connect ${local}:${port} -> ${remote.hostname}:${remote.port}: address in use`,
      );
    }
    const settings = this.#locals.get(local)!;
    const socket = new TcpSocket(config ? { ...settings, ...config } : settings, this.#trace);
    socket.connect(now, endpoint(local, port), remote);
    this.#conns.set(key, socket);
    return socket;
  }

  /**
   * Listens on `port` of every local address, with room for `backlog`
   * connections not yet accepted.
   *
   * @throws {TcpError} If the port is already listening.
   * @throws {RangeError} If the port or backlog is out of range.
   */
  listen(port: number, backlog = 128): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`listen: port must be 1 to 65535, got ${port}`);
    }
    if (!Number.isInteger(backlog) || backlog < 1) {
      throw new RangeError(`listen: backlog must be a positive integer, got ${backlog}`);
    }
    if (this.#listeners.has(port)) {
      throw new TcpError(`listen ${this.addr}:${port}: already listening`);
    }
    this.#listeners.set(port, { backlog, ready: [], pending: new Set() });
  }

  /** Stops listening on `port`; connections not yet accepted are aborted. */
  unlisten(now: number, port: number): void {
    const entry = this.#listeners.get(port);
    if (!entry) return;
    this.#listeners.delete(port);
    for (const s of [...entry.ready, ...entry.pending]) s.abort(now);
  }

  /** The next connection past its handshake on `port`, or null. */
  accept(port: number): TcpSocket | null {
    return this.#listeners.get(port)?.ready.shift() ?? null;
  }

  /** How many connections wait for {@link accept} on `port`. */
  acceptQueue(port: number): number {
    return this.#listeners.get(port)?.ready.length ?? 0;
  }

  /** Hands an arriving segment to its connection (or a listener, or answers RST). */
  receive(now: number, segment: IpSegment): void {
    const { repr, dst } = segment;
    if (dst !== this.addr && !this.#locals.has(dst)) return;
    const last = this.#last;
    if (
      last !== null && last.local!.port === repr.dstPort && last.remote!.port === repr.srcPort &&
      last.remote!.hostname === segment.src && last.local!.hostname === dst
    ) {
      last.process(now, repr);
      this.#settle(repr.dstPort, last);
      return;
    }
    const key = connKey(dst, repr.dstPort, segment.src, repr.srcPort);
    const conn = this.#conns.get(key);
    if (conn) {
      this.#last = conn;
      conn.process(now, repr);
      this.#settle(repr.dstPort, conn);
      return;
    }
    const entry = this.#listeners.get(repr.dstPort);
    if (entry && repr.control === "syn" && repr.ack === null) {
      if (entry.pending.size + entry.ready.length >= entry.backlog) {
        this.backlogDrops++;
        this.#traceDrop(now, STACK_DROP.backlogFull, segment);
        return;
      }
      const socket = new TcpSocket(this.#locals.get(dst)!, this.#trace);
      socket.listen(now, endpoint(dst, repr.dstPort));
      socket.setRemote(endpoint(segment.src, repr.srcPort));
      socket.process(now, repr);
      this.#conns.set(key, socket);
      entry.pending.add(socket);
      return;
    }
    if (entry && repr.control !== "rst") {
      // A listening port's answer to a stray ACK (RFC 9293 §3.10.7.2).
      this.#traceDrop(now, STACK_DROP.listenerStray, segment);
      const rst = resetFor(repr);
      if (rst) this.#pendingResets.push({ src: dst, dst: segment.src, repr: rst });
      return;
    }
    // No connection: CLOSED answers with RST.
    const rst = resetFor(repr);
    this.#traceDrop(now, rst ? STACK_DROP.noConnection : STACK_DROP.noConnectionRst, segment);
    if (rst) {
      this.resets++;
      this.#pendingResets.push({ src: dst, dst: segment.src, repr: rst });
    }
  }

  #traceDrop(now: number, reason: string, { dst, repr }: IpSegment): void {
    this.#trace?.({
      kind: "drop",
      time: now,
      endpoint: `${dst}:${repr.dstPort}`,
      reason,
      repr,
    });
  }

  /** Fires due timers and returns every segment every connection sends now. */
  poll(now: number): IpSegment[] {
    const out = this.#pendingResets;
    this.#pendingResets = [];
    for (const [key, socket] of this.#conns) {
      const src = socket.local!.hostname, dst = socket.remote!.hostname;
      // A super-segment carries more than one segment may; the size its
      // packets get is read before polling: sending can only make it larger
      // (a D-SACK block goes out once), and cutting smaller is safe.
      const offload = socket.config.segmentOffload > 0;
      const size = offload ? socket.segmentSize : 0;
      const most = offload ? socket.maxSegmentPayload : Infinity;
      for (const repr of socket.poll(now)) {
        out.push(
          repr.payload.length > most ? { src, dst, repr, segmentSize: size } : { src, dst, repr },
        );
      }
      this.#settle(socket.local!.port, socket);
      if (socket.state === "CLOSED" || socket.state === "LISTEN") {
        this.#conns.delete(key);
        if (this.#last === socket) this.#last = null;
      }
    }
    return out;
  }

  /** The earliest timer deadline of any connection, or null. */
  pollAt(): number | null {
    let at: number | null = this.#pendingResets.length ? -Infinity : null;
    for (const socket of this.#conns.values()) {
      const t = socket.pollAt();
      if (t !== null && (at === null || t < at)) at = t;
    }
    return at;
  }

  // Moves a passively opened connection from pending to ready once it is past
  // the handshake, or forgets it if it went back to LISTEN or CLOSED.
  #settle(port: number, socket: TcpSocket): void {
    const entry = this.#listeners.get(port);
    if (!entry || !entry.pending.has(socket)) return;
    if (socket.state === "SYN-RECEIVED") return;
    entry.pending.delete(socket);
    if (socket.state !== "CLOSED" && socket.state !== "LISTEN") entry.ready.push(socket);
  }

  #ephemeral(local: string, remote: InetAddr): number {
    for (let i = 0; i < 16384; i++) {
      const port = this.#nextPort;
      this.#nextPort = port === 65535 ? EPHEMERAL_FIRST : port + 1;
      if (!this.#conns.has(connKey(local, port, remote.hostname, remote.port))) return port;
    }
    throw new TcpError(`connect ${local} -> ${remote.hostname}:${remote.port}: no free port`);
  }
}

function connKey(
  localAddr: string,
  localPort: number,
  remoteAddr: string,
  remotePort: number,
): string {
  return `${localAddr}|${localPort}|${remoteAddr}|${remotePort}`;
}

// An endpoint of this host's or a peer's (addresses the stack holds or read
// from a packet: numeric already, so the family follows from the text).
function endpoint(hostname: string, port: number): InetAddr {
  return { family: hostname.includes(":") ? "inet6" : "inet", hostname, port };
}
