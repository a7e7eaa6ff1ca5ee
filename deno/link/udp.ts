/**
 * A UDP link: socklab's TCP segments, as IPv4 packets with real checksums,
 * carried in UDP datagrams, so two processes on loopback run socklab's TCP
 * without root or a tun device. Each end has a virtual IPv4 address (the one
 * in the TCP pseudo-header) and a real UDP socket; the {@link Impairments} of
 * the simulated network apply on send, driven by a seeded generator.
 *
 * @module
 */
import type { TraceHook } from "../tcp/events.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import type { TcpConfig } from "../tcp/socket.ts";
import { TcpStack } from "../tcp/stack.ts";
import type { IpSegment } from "../tcp/stack.ts";
import { REAL_TIME_CLOCK_JITTER, type TcpConn, TcpDriver, type TcpListener } from "./driver.ts";
import { checkLinkAddress, decodeSegment, encodedLength, encodeSegment } from "./packet.ts";
import { type Impairments, impairments } from "./impairments.ts";
import { Random } from "./random.ts";
import {
  bufferOwner,
  type ImpairmentCounts,
  LinkImpairer,
  recordDrop,
  recordFate,
  zeroCounts,
} from "./_impair.ts";
import { KernelDatagramSocket } from "../net/datagram.ts";
import { getSocketOption, setSocketOption } from "../net/sockopt.ts";
import { type InetAddr, inetAddr } from "../wire/inet_addr.ts";

/**
 * A UDP endpoint given to the link: an {@link InetAddr} whose family may be
 * left out (it follows from the address), so a `Deno.NetAddr` serves too.
 */
export type UdpPeer = Pick<InetAddr, "hostname" | "port">;

/** Options of {@link UdpLink.open}. */
export interface UdpLinkOptions {
  /** This end's virtual IPv4 address. */
  readonly addr: string;
  /** Where to bind the UDP socket (default 127.0.0.1, port 0: any free). */
  readonly bind?: Partial<UdpPeer>;
  /** The peers: virtual address -> UDP endpoint (more with {@link UdpLink.addPeer}). */
  readonly peers?: Readonly<Record<string, UdpPeer>>;
  /** Impairments applied to what this end sends (MTU at most 65507). */
  readonly impairments?: Partial<Impairments>;
  /** Seed of the impairments' generator (default 1). */
  readonly seed?: number;
  /** TCP settings (the MSS defaults to the MTU minus 40). */
  readonly config?: Partial<TcpConfig>;
  /** The trace hook of this end's TCP and link. */
  readonly trace?: TraceHook | null;
}

/** Counters of one end of a UDP link. */
export interface UdpLinkStats extends ImpairmentCounts {
  /** Datagrams handed to the UDP socket. */
  sent: number;
  /** Datagrams received, decoded and handed to this end's TCP. */
  received: number;
  /** Datagrams that did not decode (checksum or malformed). */
  rejected: number;
  /**
   * Segments for a virtual address with no known peer, dropped before
   * anything else, as there is nowhere to send them: they are not counted in
   * `sent`, not traced as "send", and do not go through the impairments (no
   * random number is drawn for them). Each is traced as a drop on its
   * direction.
   */
  unroutable: number;
  /** Datagrams that decoded but were addressed to another virtual address than this end's. */
  misaddressed: number;
  /** Datagrams the UDP socket failed to send (counted in `sent` too). */
  sendErrors: number;
  /**
   * Packets still waiting out their delay or the rate limit when
   * {@link UdpLink.close} was called: it cancels their timers, and counts
   * and traces each as a drop; they are never sent.
   */
  closeDrops: number;
}

// The counters of the drops the link makes itself; the impairments' drops go
// to recordDrop() with their fate's counter.
type OwnDrop = "unroutable" | "rejected" | "misaddressed" | "sendErrors" | "closeDrops";

/** A packet on its way to the UDP socket. */
interface Outgoing {
  readonly packet: Uint8Array;
  readonly peer: Deno.NetAddr;
  /** "src>dst", for traces. */
  readonly link: string;
  /** The segment it carries (the object the sender traced). */
  readonly repr: TcpRepr;
  /** The pooled buffer `packet` lives in, back to the pool once sent; or null. */
  readonly pooled: Uint8Array | null;
}

const UDP_MAX = 65507;
// Packets above this size are written into recycled 64 KiB buffers, each
// returned once Deno has sent it (when no trace hook may hold on to it):
// fresh memory per packet costs page faults and zeroing.
const POOL_MIN = 2048;
const POOL_SIZE = 65536;
const POOL_MAX = 256;
// Why a delayed packet was never sent.
const CLOSED = "the link closed before the packet left";

/**
 * Checks a peer, its virtual address and its UDP endpoint, and returns the
 * endpoint as the UDP socket sends to it. `op` and the two names say where
 * each came from, for the error messages.
 */
function checkPeer(
  op: string,
  addr: string,
  addrName: string,
  peer: UdpPeer,
  peerName: string,
): Deno.NetAddr {
  checkLinkAddress(addr, `${op}: ${addrName}`);
  if (typeof peer?.hostname !== "string") {
    throw new TypeError(
      `${op}: ${peerName}.hostname must be a string (an IP address), got ${typeof peer?.hostname}`,
    );
  }
  if (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) {
    throw new RangeError(`${op}: ${peerName}.port must be 1 to 65535, got ${peer.port}`);
  }
  return { transport: "udp", hostname: peer.hostname, port: peer.port };
}

/**
 * One end of a UDP link, with its own TCP stack.
 *
 * @example Two ends in one process
 * ```ts
 * import { UdpLink } from "./udp.ts";
 * import assert from "node:assert/strict";
 * const a = UdpLink.open({ addr: "10.0.0.1" });
 * const b = UdpLink.open({ addr: "10.0.0.2", peers: { "10.0.0.1": a.udpAddr } });
 * a.addPeer("10.0.0.2", b.udpAddr);
 * const listener = b.listen(80);
 * const client = await a.connect("10.0.0.2", 80);
 * const server = await listener.accept();
 * await client.writeAll(new TextEncoder().encode("over UDP"));
 * await client.closeWrite();
 * const buf = new Uint8Array(64);
 * assert.equal(await server.read(buf), 8);
 * client.close();
 * server.close();
 * listener.close();
 * await a.close();
 * await b.close();
 * ```
 */
export class UdpLink {
  /** This end's virtual address. */
  readonly addr: string;
  /** The TCP driver (its stack, connect and listen). */
  readonly driver: TcpDriver;
  /** What the link did. */
  readonly stats: UdpLinkStats = {
    sent: 0,
    received: 0,
    ...zeroCounts(),
    rejected: 0,
    unroutable: 0,
    misaddressed: 0,
    sendErrors: 0,
    closeDrops: 0,
  };
  readonly #udp: Deno.DatagramConn;
  readonly #peers: Map<string, Deno.NetAddr>;
  readonly #impairer: LinkImpairer;
  readonly #random: Random;
  readonly #trace: TraceHook | null;
  // Delayed packets by their timer, so closing can account for each.
  readonly #timers = new Map<ReturnType<typeof setTimeout>, Outgoing>();
  readonly #sends = new Set<Promise<unknown>>();
  readonly #pool: Uint8Array[] = [];
  readonly #loop: Promise<void>;
  #ident = 0;
  #closed = false;

  private constructor(
    options: UdpLinkOptions,
    imp: Impairments,
    peers: Map<string, Deno.NetAddr>,
    udp: Deno.DatagramConn,
  ) {
    this.addr = options.addr;
    this.#udp = udp;
    this.#peers = peers;
    this.#impairer = new LinkImpairer(imp);
    this.#random = new Random(options.seed ?? 1);
    this.#trace = options.trace ?? null;
    const stack = new TcpStack(
      options.addr,
      {
        mss: Math.min(65495, imp.mtu - 40),
        clockJitter: REAL_TIME_CLOCK_JITTER,
        ...options.config,
      },
      this.#trace,
    );
    this.driver = new TcpDriver(stack, (segment) => this.#transmit(segment));
    this.#loop = this.#receiveLoop();
  }

  /**
   * Binds a UDP socket and starts the link. Everything given is checked
   * before the socket is bound, and the socket is closed again if the link
   * cannot start, so a refused call leaves its port free.
   *
   * @throws {RangeError} For a virtual address (this end's or a peer's) that
   *   is not IPv4, a peer port outside 1 to 65535, bad impairments, an MTU
   *   above 65507 or bad TCP settings.
   * @throws {TypeError} If `addr` is missing or a peer's hostname is not a string.
   * @throws {Deno.errors.AddrInUse} If the UDP port is taken.
   */
  static open(options: UdpLinkOptions): UdpLink {
    if (typeof options?.addr !== "string") {
      throw new TypeError("UdpLink.open: options.addr (a virtual IPv4 address) is required");
    }
    checkLinkAddress(options.addr, "UdpLink.open: options.addr");
    const peers = new Map<string, Deno.NetAddr>();
    for (const [addr, peer] of Object.entries(options.peers ?? {})) {
      const where = `options.peers[${JSON.stringify(addr)}]`;
      peers.set(addr, checkPeer("UdpLink.open", addr, "a key of options.peers", peer, where));
    }
    // Checked before binding, with the MTU the link runs at.
    const imp = impairments({ mtu: 1500, ...options.impairments });
    if (imp.mtu > UDP_MAX) {
      throw new RangeError(`UDP link mtu must be at most ${UDP_MAX}, got ${imp.mtu}`);
    }
    const udp = Deno.listenDatagram({
      transport: "udp",
      hostname: options.bind?.hostname ?? "127.0.0.1",
      port: options.bind?.port ?? 0,
    });
    try {
      return new UdpLink(options, imp, peers, udp);
    } catch (error) {
      udp.close(); // bad TCP settings, say: the port must not stay bound
      throw error;
    }
  }

  /** The bound UDP address. */
  get udpAddr(): InetAddr {
    const a = this.#udp.addr as Deno.NetAddr;
    return inetAddr(a.hostname, a.port);
  }

  /**
   * Sets the UDP socket's kernel buffers (SO_RCVBUF and SO_SNDBUF) so a TCP
   * window of about half of `bytes` fits in flight: at the default (about
   * 200 KiB) a burst of 64 KiB datagrams overflows the receive queue, and
   * every overflow costs a retransmission timeout. Linux caps the value at
   * net.core.rmem_max / wmem_max. Needs `--allow-ffi` and `--allow-read`.
   *
   * @param bytes The buffer size asked for.
   * @returns The receive buffer the kernel granted (Linux reports twice the
   *   size set, to leave room for its bookkeeping).
   * @throws {RangeError} If `bytes` is not a whole number from 1 to 2^31-1.
   * @throws {NetError} If the kernel refuses.
   */
  async setBufferSize(bytes: number): Promise<number> {
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 0x7fffffff) {
      throw new RangeError(
        `UDP link buffer size must be a whole number from 1 to 2^31-1, got ${bytes}`,
      );
    }
    // A wrapper only to find the descriptor; the link keeps owning the socket.
    const socket = new KernelDatagramSocket(this.#udp);
    await setSocketOption(socket, "receiveBufferSize", bytes);
    await setSocketOption(socket, "sendBufferSize", bytes);
    return await getSocketOption(socket, "receiveBufferSize");
  }

  /**
   * Routes virtual address `addr` to the UDP endpoint `peer`.
   *
   * @throws {RangeError} If `addr` is not IPv4 or the port is not 1 to 65535.
   * @throws {TypeError} If the hostname is not a string.
   */
  addPeer(addr: string, peer: UdpPeer): void {
    this.#peers.set(addr, checkPeer("UdpLink.addPeer", addr, "addr", peer, "peer"));
  }

  /** Connects to `addr:port` over the link. */
  connect(addr: string, port: number): Promise<TcpConn> {
    return this.driver.connect(addr, port);
  }

  /** Listens on `port` of this end's virtual address. */
  listen(port: number, backlog?: number): TcpListener {
    return this.driver.listen(port, backlog);
  }

  #transmit(segment: IpSegment): void {
    const now = this.driver.now(), link = `${segment.src}>${segment.dst}`;
    const peer = this.#peers.get(segment.dst);
    if (!peer) {
      return this.#drop("unroutable", link, `no peer for ${segment.dst}`, segment.repr);
    }
    const pooled = !this.#trace && encodedLength(segment) > POOL_MIN
      ? this.#pool.pop() ?? new Uint8Array(POOL_SIZE)
      : null;
    const packet = encodeSegment(segment, this.#ident++, pooled ?? undefined);
    const repr = segment.repr;
    this.#trace?.({ kind: "link", time: now, link, action: "send", packet, repr });
    const fate = this.#impairer.decide(packet.length, now, this.#random);
    if (fate.drop) {
      recordDrop(this.stats, fate.counter, this.#trace, now, link, fate.reason, repr);
      return this.#release(pooled);
    }
    const wire = recordFate(fate, packet, repr, this.stats, this.#trace, now, link);
    // The pooled buffer holds `packet`; one send at most hands it back.
    const owner = bufferOwner(fate);
    const ownPool = owner === "packet" ? pooled : null;
    this.#later(fate.arrive - now, { packet: wire, peer, link, repr, pooled: ownPool });
    const dup = fate.duplicateArrive, dupPool = owner === "duplicate" ? pooled : null;
    if (dup !== null) this.#later(dup - now, { packet, peer, link, repr, pooled: dupPool });
    if (owner === "now") this.#release(pooled);
  }

  #later(delay: number, out: Outgoing): void {
    if (delay < 0.5) return this.#sendNow(out);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#sendNow(out);
    }, delay);
    this.#timers.set(timer, out);
  }

  // Never called once the link is closed: close() cancels every timer first,
  // and the closed driver hands over no more segments.
  #sendNow(out: Outgoing): void {
    this.stats.sent++;
    const p = this.#udp.send(out.packet, out.peer).then(
      () => this.#release(out.pooled),
      (error) => {
        // No route to the peer, say; TCP retransmits or times out. Either way
        // the send is over and the buffer is free.
        this.#release(out.pooled);
        const { hostname, port } = out.peer;
        const reason = `send to ${hostname}:${port} failed: ${(error as Error).message}`;
        this.#drop("sendErrors", out.link, reason, out.repr);
      },
    );
    this.#sends.add(p);
    p.finally(() => this.#sends.delete(p));
  }

  #drop(
    counter: OwnDrop,
    endpoint: string,
    reason: string,
    repr: TcpRepr | null,
  ): void {
    recordDrop(this.stats, counter, this.#trace, this.driver.now(), endpoint, reason, repr);
  }

  // Puts a pooled buffer that no send uses any more back in the pool.
  #release(pooled: Uint8Array | null): void {
    if (pooled && this.#pool.length < POOL_MAX) this.#pool.push(pooled);
  }

  async #receiveLoop(): Promise<void> {
    // One buffer for every datagram: the driver processes each segment before
    // the next receive, and TCP copies what it keeps.
    const buffer = new Uint8Array(65536);
    while (!this.#closed) {
      let data: Uint8Array;
      try {
        [data] = await this.#udp.receive(buffer);
      } catch {
        if (this.#closed) return;
        continue; // e.g. ICMP port unreachable surfaced as an error
      }
      let segment: IpSegment;
      try {
        segment = decodeSegment(data);
      } catch (error) {
        this.#drop("rejected", this.addr, `rejected: ${(error as Error).message}`, null);
        continue;
      }
      if (segment.dst !== this.addr) {
        // A peer that routes another address here: TCP would ignore it unseen.
        const reason = `addressed to ${segment.dst}, not to this end (${this.addr})`;
        this.#drop("misaddressed", this.addr, reason, segment.repr);
        continue;
      }
      this.stats.received++;
      this.driver.receive(segment);
    }
  }

  /** Stops the link: the driver, pending delayed sends, the UDP socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.driver.close();
    for (const [timer, out] of this.#timers) {
      clearTimeout(timer);
      this.#drop("closeDrops", out.link, CLOSED, out.repr);
    }
    this.#timers.clear();
    await Promise.all([...this.#sends]);
    this.#udp.close();
    await this.#loop;
  }
}
