/**
 * A TUN link: socklab's TCP/IP host on a real network interface, with the
 * Linux kernel on the other side. The kernel routes a prefix to a TUN
 * device (`deno/net/tun.ts`); socklab takes one address in it and answers
 * as a host would ({@link IpHost}: echo, ICMP errors, checksums,
 * fragments) with its own TCP (a {@link TcpDriver} on real time), so `curl`,
 * `ping` and any kernel program talk to socklab's TCP over IPv4 and IPv6.
 *
 * The seeded impairments of the other links (`_impair.ts`) run in both
 * directions: on what socklab writes to the device and on what it reads
 * from it, before its host sees it. So `loss: 0.05` is real loss on the
 * wire the kernel's TCP sees, both ways. (Each direction draws from its own
 * generator, seeded `seed` and `seed + 1`.)
 *
 * Closing the link closes the device, and the kernel removes the interface
 * with its addresses and routes; so does the end of the process (Ctrl-C
 * included), since the device lives only as long as its descriptor.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { TraceHook } from "../tcp/events.ts";
import { CHECKSUM_OFFSET, type TcpRepr } from "../wire/tcp.ts";
import * as ipv4 from "../wire/ipv4.ts";
import * as ipv6 from "../wire/ipv6.ts";
import { formatAddress, parseAddress } from "../wire/ip.ts";
import { MAX_SEGMENT_OFFLOAD, type TcpConfig } from "../tcp/socket.ts";
import { type IpSegment, TcpStack } from "../tcp/stack.ts";
import { REAL_TIME_CLOCK_JITTER, type TcpConn, TcpDriver, type TcpListener } from "./driver.ts";
import {
  TUN_F_CSUM,
  TUN_F_TSO4,
  TUN_F_TSO6,
  TunDevice,
  VNET_F_NEEDS_CSUM,
  VNET_GSO_TCPV4,
  VNET_GSO_TCPV6,
  VNET_HDR_LEN,
} from "../net/tun.ts";
import { inetChecksum } from "../checksum.ts";
import { type HostStats, IpHost } from "./host.ts";
import { addressText, decodeSegment, encodedLength } from "./packet.ts";
import { type Impairments, impairments } from "./impairments.ts";
import { type ImpairmentCounts, recordDrop } from "./_impair.ts";
import { ImpairedPath, type PathPacket } from "./_path.ts";

/** One family's addresses on a TUN link. */
export interface TunAddressPlan {
  /** socklab's own address ("10.0.0.2"). */
  readonly socklab: string;
  /** The kernel's address on the interface ("10.0.0.1"). */
  readonly kernel: string;
  /** The prefix length routed through the interface. */
  readonly prefix: number;
}

/** Options of {@link TunLink.open}. */
export interface TunLinkOptions {
  /** The interface name (default "tun%d": the kernel numbers it). */
  readonly name?: string;
  /**
   * socklab's address on the link with the prefix routed to it, as CIDR
   * ("10.0.0.2/24", "fd00::2/64"); one per family, IPv4 and IPv6 at most.
   */
  readonly address: string | readonly string[];
  /**
   * The kernel's address in each prefix (default: the first free host
   * address of the prefix, such as 10.0.0.1 beside 10.0.0.2/24).
   */
  readonly peer?: string | readonly string[];
  /** A network namespace (by its `ip netns` name) to move the interface into. */
  readonly netns?: string;
  /**
   * Impairments of both directions; `mtu` is the interface MTU (default
   * 1500; with an IPv6 address, at least 1280).
   */
  readonly impairments?: Partial<Impairments>;
  /** Seed of the impairments' generators (default 1). */
  readonly seed?: number;
  /** TCP settings (each family's MSS is at most what the MTU leaves). */
  readonly config?: Partial<TcpConfig>;
  /** The trace hook of socklab's TCP and of the link. */
  readonly trace?: TraceHook | null;
  /**
   * Called with every packet that crosses the device: "out" as written
   * (after the impairments), "in" as read (before them), which is what a
   * capture on the interface shows. `time` is the driver's clock, in ms.
   */
  readonly capture?: ((packet: Uint8Array, direction: "in" | "out", time: number) => void) | null;
  /** ICMP errors socklab's host may send per second (default 100). */
  readonly icmpErrorsPerSecond?: number;
  /**
   * Segmentation offloads, as a virtual NIC has them (IFF_VNET_HDR and
   * TUNSETOFFLOAD): the kernel hands socklab TCP super-packets of up to
   * 64 KB and takes them from it, each standing for many packets of the MTU
   * (TSO/GRO), and socklab's TCP sends such segments (`segmentOffload`).
   * The impairments act per packet on the wire, which a super-packet is
   * not, so the link refuses both at once. Checksums go the same way: the
   * kernel may leave its own partial, and unless a capture or trace is to
   * show the packets, socklab leaves its TCP checksums for the kernel to
   * finish (NEEDS_CSUM), as a NIC would. Default false.
   */
  readonly offload?: boolean;
}

/** The impairments that act on each packet (a queue only behind a rate limit): none may go with offload. */
export const PER_PACKET_IMPAIRMENTS = [
  "loss",
  "reorder",
  "duplicate",
  "corrupt",
  "delay",
  "jitter",
  "rate",
] as const;

/** The largest packet read or written with offloads: an IPv6 header and 65535 bytes of payload. */
const SUPER_PACKET = ipv6.HEADER_LEN + 65535;

/** Counters of a TUN link. */
export interface TunLinkStats {
  /** Packets written to the device (duplicates included). */
  written: number;
  /** Packets read from the device. */
  read: number;
  /** What the impairments did to packets socklab sent. */
  outbound: ImpairmentCounts;
  /** What the impairments did to packets the kernel sent. */
  inbound: ImpairmentCounts;
  /** Packets the device refused (the interface was down, or no room). */
  writeErrors: number;
  /** Packets still waiting out a delay when the link closed: never delivered. */
  closeDrops: number;
  /** What socklab's host did with the packets that reached it. */
  host: HostStats;
}

// Why a delayed packet was never delivered.
const CLOSED = "the link closed before the packet was delivered";
// What is read in one turn of the event loop before others (the
// application reading its data, say) get a turn: 64 packets, or 256 KB of
// super-packets, a sixteenth of a 4 MB receive buffer.
const READ_BATCH = 64;
const READ_BATCH_BYTES = 256 * 1024;

/**
 * Works out each family's addresses: socklab's, the prefix, and the
 * kernel's (given, or the first free host address of the prefix).
 *
 * @param address socklab's CIDRs.
 * @param peer The kernel's addresses, if given.
 * @returns One plan per family, in the order given.
 * @throws {RangeError} For text that is no CIDR, a non-canonical address,
 *   two of one family, a peer outside every prefix or equal to socklab's,
 *   or a prefix with no room for a second host.
 *
 * @example
 * ```ts
 * import { planTunAddresses } from "./tun.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(planTunAddresses(["10.0.0.2/24", "fd00::2/64"]), [
 *   { socklab: "10.0.0.2", kernel: "10.0.0.1", prefix: 24 },
 *   { socklab: "fd00::2", kernel: "fd00::1", prefix: 64 },
 * ]);
 * ```
 */
export function planTunAddresses(
  address: string | readonly string[],
  peer: string | readonly string[] = [],
): TunAddressPlan[] {
  const cidrs = typeof address === "string" ? [address] : [...address];
  const peers = typeof peer === "string" ? [peer] : [...peer];
  if (cidrs.length === 0) throw new RangeError("a TUN link needs an address such as 10.0.0.2/24");
  const plans: TunAddressPlan[] = [];
  const used = new Set<string>();
  for (const cidr of cidrs) {
    const match = typeof cidr === "string" ? /^([^/]+)\/(\d{1,3})$/.exec(cidr) : null;
    const bytes = match ? addressOrNull(match[1]) : null;
    if (!match || !bytes) {
      throw new RangeError(
        `address must be socklab's address and prefix length, such as 10.0.0.2/24 or fd00::2/64, got ${
          JSON.stringify(cidr)
        }`,
      );
    }
    const family = bytes.length === 4 ? "IPv4" : "IPv6";
    if (used.has(family)) throw new RangeError(`two ${family} addresses given (${cidr})`);
    used.add(family);
    const prefix = Number(match[2]), bits = bytes.length * 8;
    if (prefix > bits) throw new RangeError(`prefix /${prefix} is longer than ${bits} bits`);
    const socklab = match[1];
    const given = peers.filter((p) => (addressOrNull(p)?.length ?? 0) === bytes.length);
    if (given.length > 1) throw new RangeError(`two ${family} peers given (${given.join(", ")})`);
    let kernel: string;
    if (given.length === 1) {
      kernel = given[0];
      const kb = addressOrNull(kernel)!;
      if (!samePrefix(kb, bytes, prefix)) {
        throw new RangeError(`peer ${kernel} is outside ${socklab}/${prefix}`);
      }
      if (kernel === socklab) throw new RangeError(`peer ${kernel} is socklab's own address`);
    } else {
      kernel = firstFreeHost(bytes, prefix, `${socklab}/${prefix}`);
    }
    plans.push({ socklab, kernel, prefix });
  }
  for (const p of peers) {
    if (!addressOrNull(p)) {
      throw new RangeError(
        `peer must be a canonical IPv4 or IPv6 address, got ${JSON.stringify(p)}`,
      );
    }
    if (!plans.some((plan) => plan.kernel === p)) {
      throw new RangeError(`peer ${p} has no address of its family beside it`);
    }
  }
  return plans;
}

function addressOrNull(text: string): Uint8Array | null {
  try {
    const bytes = parseAddress(text);
    return formatAddress(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  if (a.length !== b.length) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((a[bit >> 3] & mask) !== (b[bit >> 3] & mask)) return false;
  }
  return true;
}

// The first address of the prefix that is a host's and not `own`: IPv4
// skips the network and broadcast addresses (except in a /31, RFC 3021),
// IPv6 the subnet-router anycast address (RFC 4291 §2.6.1, except in a /127).
function firstFreeHost(own: Uint8Array, prefix: number, cidr: string): string {
  const bits = own.length * 8, hostBits = bits - prefix;
  const small = hostBits <= 1;
  const candidate = own.slice();
  for (let bit = prefix; bit < bits; bit++) candidate[bit >> 3] &= ~(0x80 >> (bit & 7));
  const tries = small ? 2 ** hostBits : 3;
  for (let i = small ? 0 : 1; i < tries; i++) {
    const c = candidate.slice();
    let carry = i;
    for (let at = c.length - 1; carry > 0 && at >= 0; at--) {
      const sum = c[at] + carry;
      c[at] = sum & 0xff;
      carry = sum >> 8;
    }
    const text = formatAddress(c);
    if (text !== formatAddress(own) && !(own.length === 4 && !small && isBroadcast(c, prefix))) {
      return text;
    }
  }
  throw new RangeError(
    `${cidr} leaves no address for the kernel's end of the link: give a shorter prefix, or a peer`,
  );
}

function isBroadcast(addr: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < 32; bit++) {
    if ((addr[bit >> 3] & (0x80 >> (bit & 7))) === 0) return false;
  }
  return true;
}

/**
 * socklab's host on a TUN device, with its own TCP stack.
 *
 * @example curl's request, answered by socklab's TCP (needs root)
 * ```ts ignore
 * import { TunLink } from "./tun.ts";
 * const link = await TunLink.open({ name: "socklab0", address: "10.0.0.2/24" });
 * // The kernel has 10.0.0.1/24 on socklab0: `curl http://10.0.0.2/` connects here.
 * const listener = link.listen(80);
 * const conn = await listener.accept();
 * const answer = "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nhi\n";
 * await conn.writeAll(new TextEncoder().encode(answer));
 * conn.close();
 * listener.close();
 * await link.close();
 * ```
 */
export class TunLink {
  /** The interface name. */
  readonly name: string;
  /** Each family's addresses. */
  readonly addresses: readonly TunAddressPlan[];
  /** The TCP driver (its stack, connect and listen). */
  readonly driver: TcpDriver;
  /** socklab's host: what it did with arriving packets. */
  readonly host: IpHost;
  /** The interface MTU. */
  readonly mtu: number;
  /** What the link did. */
  readonly stats: TunLinkStats;
  readonly #tun: TunDevice;
  // socklab -> kernel, and kernel -> socklab.
  readonly #out: ImpairedPath;
  readonly #in: ImpairedPath;
  readonly #trace: TraceHook | null;
  readonly #capture: TunLinkOptions["capture"];
  readonly #scratch: Uint8Array;
  // With offloads: the virtio-net header, then the packet (#scratch is the
  // rest), and a view of the header.
  readonly #vnet: Uint8Array | null;
  readonly #vnetHeader: DataView | null;
  // Whether checksums stay partial both ways: TCP segments leave with the
  // checksum for the kernel to finish, and the kernel's partial ones are
  // taken as they are (with offloads, unless a capture or trace shows packets).
  readonly #partialChecksums: boolean;
  #loop: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    tun: TunDevice,
    plans: TunAddressPlan[],
    imp: Impairments,
    host: IpHost,
    options: TunLinkOptions,
  ) {
    this.#tun = tun;
    this.name = tun.name;
    this.addresses = plans;
    this.mtu = imp.mtu;
    this.host = host;
    const seed = options.seed ?? 1;
    const trace = this.#trace = options.trace ?? null;
    this.#capture = options.capture ?? null;
    this.#vnet = options.offload ? new Uint8Array(VNET_HDR_LEN + SUPER_PACKET) : null;
    this.#vnetHeader = this.#vnet && new DataView(this.#vnet.buffer, 0, VNET_HDR_LEN);
    this.#scratch = this.#vnet?.subarray(VNET_HDR_LEN) ?? new Uint8Array(imp.mtu);
    this.#partialChecksums = this.#vnet !== null && !this.#capture && !trace;
    const clock = () => this.driver.now();
    // A super-packet is many packets of the MTU: the paths let it through whole.
    const settings = options.offload ? { ...imp, mtu: 65535 } : imp;
    this.#out = new ImpairedPath({
      settings,
      seed,
      clock,
      deliver: (p) => this.#write(p),
      copyKept: false, // encoded into fresh memory unless sent at once
      trace,
    });
    this.#in = new ImpairedPath({
      settings,
      seed: seed + 1,
      clock,
      deliver: (p) => this.#arrive(p.packet, p.checksumPartial),
      copyKept: true, // read into one reused buffer
      trace,
    });
    this.stats = {
      written: 0,
      read: 0,
      outbound: this.#out.counts,
      inbound: this.#in.counts,
      writeErrors: 0,
      closeDrops: 0,
      host: host.stats,
    };
    const config = options.config ?? {};
    const mss = (addr: string) => Math.min(config.mss ?? Infinity, host.mss(addr));
    const [first, ...rest] = plans.map((p) => p.socklab);
    // Super-segments only where the device takes them (TunLink.open checks; the TCP checks the size).
    const segmentOffload = options.offload ? config.segmentOffload ?? MAX_SEGMENT_OFFLOAD : 0;
    const stack = new TcpStack(
      first,
      { clockJitter: REAL_TIME_CLOCK_JITTER, ...config, segmentOffload, mss: mss(first) },
      this.#trace,
    );
    for (const addr of rest) stack.addAddress(addr, { mss: mss(addr) });
    this.driver = new TcpDriver(stack, (segment) => this.#transmit(segment));
  }

  /**
   * Opens the TUN device, gives the kernel its addresses on it (moving it
   * into `netns` first if asked), and starts socklab's host.
   *
   * @throws {RangeError} For bad addresses, impairments, MTU or TCP settings.
   * @throws {PermissionDenied} Without root or CAP_NET_ADMIN.
   * @throws {NetError} If `/dev/net/tun` is missing, the name is taken, or
   *   `ip` fails.
   */
  static async open(options: TunLinkOptions): Promise<TunLink> {
    if (options === null || typeof options !== "object") {
      throw new TypeError("TunLink.open() expects options such as { address: '10.0.0.2/24' }");
    }
    const plans = planTunAddresses(options.address, options.peer);
    const imp = impairments({ mtu: 1500, ...options.impairments });
    if (!options.offload && (options.config?.segmentOffload ?? 0) > 0) {
      throw new RangeError(
        "TunLink: segmentOffload needs offload: true (elsewhere super-segments exceed the MTU)",
      );
    }
    if (options.offload) {
      const set = PER_PACKET_IMPAIRMENTS.filter((k) => imp[k] > 0);
      if (set.length > 0) {
        throw new RangeError(
          `TunLink: offload moves super-packets of up to 64 KB, and impairments act per packet on the wire: ${
            set.join(", ")
          } cannot go with offload`,
        );
      }
    }
    const host = new IpHost({
      addresses: plans.map((p) => p.socklab),
      mtu: imp.mtu,
      icmpErrorsPerSecond: options.icmpErrorsPerSecond,
    });
    let tun: TunDevice | null = null;
    try {
      tun = TunDevice.open({ name: options.name, vnetHeader: options.offload });
      if (options.offload) tun.setOffload(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
      const link = new TunLink(tun, plans, imp, host, options);
      await tun.configure({
        netns: options.netns,
        mtu: imp.mtu,
        addresses: plans.map((p) => ({ address: p.kernel, prefix: p.prefix })),
      });
      link.#loop = link.#readLoop();
      return link;
    } catch (error) {
      await tun?.close();
      host.close();
      throw error;
    }
  }

  /** The network namespace the interface is in, when it was moved into one. */
  get netns(): string | undefined {
    return this.#tun.netns;
  }

  /** Connects to `addr:port` over the link (from socklab's address of that family). */
  connect(addr: string, port: number): Promise<TcpConn> {
    return this.driver.connect(addr, port);
  }

  /** Listens on `port` of every socklab address of the link. */
  listen(port: number, backlog?: number): TcpListener {
    return this.driver.listen(port, backlog);
  }

  // A segment of socklab's TCP, onto the wire.
  #transmit(segment: IpSegment): void {
    if (this.#closed) return;
    const link = this.#trace ? `${segment.src}>${segment.dst}` : "";
    const repr = segment.repr;
    if (this.#trace) {
      const packet = this.host.encode(segment);
      const time = this.driver.now();
      this.#trace({ kind: "link", time, link, action: "send", packet, repr });
      return this.#out.send({ packet, repr, link, segmentSize: segment.segmentSize });
    }
    // Without a trace hook nothing holds on to a packet sent at once: it is
    // written from one scratch buffer. The draws come first, as with a trace.
    const length = encodedLength(segment);
    const fate = this.#out.decide(length);
    if (fate.drop) return this.#out.carry(fate, { packet: this.#scratch, repr, link });
    const immediate = fate.arrive - this.driver.now() < 0.5 && fate.corruptBit < 0 &&
      fate.duplicateArrive === null && length <= this.#scratch.length;
    const checksumPartial = this.#partialChecksums;
    if (immediate && checksumPartial && repr.payload.length > 0) {
      // Nothing on the path acts on it (offloads come without impairments):
      // the headers go from the scratch buffer and the payload from where the
      // TCP keeps it, in one gather write, so the payload is not copied.
      const headers = this.host.encodeHeaders(segment, this.#scratch);
      this.#fillVnetHeader(headers[0], headers.length, segment.segmentSize, true, true);
      const head = this.#vnet!.subarray(0, VNET_HDR_LEN + headers.length);
      this.stats.written++;
      if (!this.#tun.writev(head, repr.payload)) this.#refused(link, repr);
      return;
    }
    const checksum = checksumPartial ? "partial" : "full";
    const packet = this.host.encode(segment, immediate ? this.#scratch : undefined, checksum);
    this.#out.carry(fate, {
      packet,
      repr,
      link,
      segmentSize: segment.segmentSize,
      checksumPartial,
    });
  }

  // A packet socklab sends, past the outbound impairments: to the device.
  #write(p: PathPacket): void {
    if (this.#closed) return;
    this.#capture?.(p.packet, "out", this.driver.now());
    this.stats.written++;
    if (!this.#tun.write(this.#vnet ? this.#withHeader(p) : p.packet)) {
      this.#refused(p.link, p.repr);
    }
  }

  #refused(link: string, repr: TcpRepr | null): void {
    const reason = `TUN device ${this.name} refused the packet (interface down or full)`;
    recordDrop(this.stats, "writeErrors", this.#trace, this.driver.now(), link, reason, repr);
  }

  // The packet with a virtio-net header before it.
  #withHeader(p: PathPacket): Uint8Array {
    const vnet = this.#vnet!, packet = p.packet, n = packet.length;
    if (packet.buffer !== vnet.buffer || packet.byteOffset !== VNET_HDR_LEN) {
      vnet.set(packet, VNET_HDR_LEN);
    }
    const repr = p.repr;
    const headerLen = repr === null ? n : n - repr.payload.length;
    this.#fillVnetHeader(packet[0], headerLen, p.segmentSize, p.checksumPartial, repr !== null);
    return vnet.subarray(0, VNET_HDR_LEN + n);
  }

  // The virtio-net header of a packet whose first byte is `first` and whose
  // headers are `headerLen` bytes long: a TCP segment longer than the MSS
  // (`segmentSize` given) is a super-packet for the kernel to take whole
  // (GSO), and a partial checksum is the kernel's to finish.
  #fillVnetHeader(
    first: number,
    headerLen: number,
    segmentSize: number | undefined,
    checksumPartial: boolean | undefined,
    tcp: boolean,
  ): void {
    const view = this.#vnetHeader!, v6 = first >> 4 === 6;
    this.#vnet!.fill(0, 0, VNET_HDR_LEN);
    if (checksumPartial) {
      // Sum from the TCP header to the end, into its checksum field.
      view.setUint8(0, VNET_F_NEEDS_CSUM);
      view.setUint16(6, v6 ? ipv6.HEADER_LEN : ipv4.HEADER_LEN, true); // csum_start
      view.setUint16(8, CHECKSUM_OFFSET, true); // csum_offset
    }
    if (tcp && segmentSize !== undefined) {
      // The kernel cuts it, if it has to, where socklab's TCP would have:
      // each piece keeps these headers and stays within the MTU and the MSS.
      view.setUint8(1, v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4);
      view.setUint16(2, headerLen, true); // hdr_len
      view.setUint16(4, segmentSize, true); // gso_size
    }
  }

  // Whether the kernel left the transport checksum of `packet` (read after
  // the virtio-net `header`) partial: then the host has none to check, as
  // the kernel's own stack would not. Where a capture or trace is to show
  // the packet right, the checksum is finished first.
  #partialChecksum(packet: Uint8Array, header: DataView): boolean {
    if (!(header.getUint8(0) & VNET_F_NEEDS_CSUM)) return false;
    if (this.#partialChecksums) return true;
    const start = header.getUint16(6, true), at = start + header.getUint16(8, true);
    if (at + 2 > packet.length) return false; // a malformed header: the host's check decides
    const sum = inetChecksum(packet.subarray(start));
    packet[at] = sum >> 8;
    packet[at + 1] = sum & 0xff;
    return true;
  }

  // A packet the kernel sent, past the inbound impairments: to the host.
  #arrive(packet: Uint8Array, checksumPartial = false): void {
    if (this.#closed) return;
    const now = this.driver.now();
    const result = this.host.receive(now, packet, checksumPartial);
    switch (result.kind) {
      case "tcp":
        this.driver.receive(result.segment);
        return;
      case "answer":
        for (const answer of result.packets) {
          this.#out.send({ packet: answer, repr: null, link: this.#trace ? linkOf(answer) : "" });
        }
        return;
      case "drop":
        this.#trace?.({
          kind: "drop",
          time: now,
          endpoint: this.name,
          reason: result.reason,
          repr: null,
        });
        return;
      case "held":
        return;
    }
  }

  async #readLoop(): Promise<void> {
    // One buffer for every packet read: the host and TCP copy what they
    // keep, and a packet delayed by the impairments is copied.
    const buffer = new Uint8Array(this.#vnet ? VNET_HDR_LEN + SUPER_PACKET : 65536);
    const header = new DataView(buffer.buffer, 0, VNET_HDR_LEN);
    let batch = 0, batchBytes = 0;
    while (!this.#closed) {
      const n = this.#tun.read(buffer);
      if (n === null) {
        batch = batchBytes = 0;
        if (!(await this.#tun.readable())) return;
        continue;
      }
      this.stats.read++;
      const packet = buffer.subarray(this.#vnet ? VNET_HDR_LEN : 0, n);
      const checksumPartial = this.#vnet !== null && this.#partialChecksum(packet, header);
      this.#capture?.(packet, "in", this.driver.now());
      if (this.#trace) this.#in.send({ packet, repr: tcpReprOf(packet), link: linkOf(packet) });
      else this.#in.send({ packet, repr: null, link: "", checksumPartial });
      batchBytes += n;
      if (++batch === READ_BATCH || batchBytes >= READ_BATCH_BYTES) {
        batch = batchBytes = 0;
        await new Promise((resolve) => setImmediate(resolve)); // others' turn
      }
    }
  }

  /**
   * Closes the link: socklab's TCP stops (connections vanish without a
   * word, as if the cable were pulled), delayed packets are dropped, and
   * the device closes, which removes the interface. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.driver.close();
    for (const p of [...this.#out.close(), ...this.#in.close()]) {
      recordDrop(this.stats, "closeDrops", this.#trace, this.driver.now(), p.link, CLOSED, p.repr);
    }
    await this.#tun.close();
    await this.#loop;
    this.host.close();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** "src>dst" of an IP packet, for traces ("?" for what is too short to say). */
function linkOf(packet: Uint8Array): string {
  const v6 = packet.length > 0 && packet[0] >> 4 === 6;
  const [at, size] = v6 ? [8, 16] : [12, 4];
  if (packet.length < at + 2 * size) return "?";
  const src = addressText(packet.subarray(at, at + size));
  return `${src}>${addressText(packet.subarray(at + size, at + 2 * size))}`;
}

/** The TCP segment a packet carries, for traces, or null. */
function tcpReprOf(packet: Uint8Array): TcpRepr | null {
  try {
    return decodeSegment(packet).repr;
  } catch {
    return null;
  }
}
