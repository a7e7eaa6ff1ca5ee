/**
 * What an IP host does below its TCP, for a link that meets real stacks
 * (the TUN link): a sans-IO unit that is handed every arriving IPv4 or IPv6
 * packet with the time, and says what to do with it. It never reads a clock
 * or touches I/O.
 *
 * In the order a packet meets them:
 *
 * 1. The IP header is checked (version, lengths, the IPv4 header checksum;
 *    IPv6 extension headers are walked). A packet that fails is rejected.
 * 2. A packet for another address (another host, a broadcast, an IPv6
 *    multicast group such as a router solicitation's) is not for this host.
 * 3. A fragment is held for reassembly by the WASM core's
 *    {@link FragmentReassembler} (RFC 791, RFC 8200 §4.5; any overlap
 *    discards the datagram, RFC 5722); the whole datagram goes on.
 * 4. The upper layer's checksum is verified (TCP, UDP, ICMP, ICMPv6; an
 *    IPv6 UDP datagram without one is rejected, RFC 8200 §8.1), then:
 *    - TCP: the segment goes to the host's TCP (which answers a closed port
 *      with a RST itself, RFC 9293 §3.10.7.1);
 *    - ICMP or ICMPv6 echo request: an echo reply with the same data
 *      (RFC 792, RFC 4443 §4.2), fragmented if it exceeds the MTU;
 *    - UDP: no port is open, so ICMP port unreachable (RFC 1122 §3.2.2.1;
 *      RFC 4443 §3.1 code 4);
 *    - another protocol: ICMP protocol unreachable, or ICMPv6 parameter
 *      problem code 1 pointing at the next-header field (RFC 4443 §3.4);
 *    - any other ICMP message (replies, errors, neighbour discovery) needs
 *      no answer.
 *
 * ICMP errors follow RFC 1122 §3.2.2 and RFC 4443 §2.4: never about an
 * ICMP error or a packet from a non-unicast source; they quote as much of
 * the invoking packet as fits in 576 bytes (IPv4, RFC 1812 §4.3.2.3) or
 * 1280 (IPv6); and they are rate-limited by a token bucket.
 *
 * Outgoing TCP segments are encoded by {@link IpHost.encode}; the MSS of
 * each family is what the MTU leaves ({@link IpHost.mss}).
 *
 * @module
 */
import { FragmentReassembler, type FragmentReassemblerOptions } from "../core_packet.ts";
import { inetChecksum } from "../checksum.ts";
import type { IpSegment } from "../tcp/stack.ts";
import { WireError } from "../wire/error.ts";
import * as icmp from "../wire/icmp.ts";
import * as icmpv6 from "../wire/icmpv6.ts";
import { formatAddress, IpProtocol, parseAddress, pseudoChecksum } from "../wire/ip.ts";
import * as ipv4 from "../wire/ipv4.ts";
import * as ipv6 from "../wire/ipv6.ts";
import * as tcp from "../wire/tcp.ts";
import * as udp from "../wire/udp.ts";
import { addressText, encodeSegment, encodeSegmentHeaders, type TcpChecksum } from "./packet.ts";

/** Options of an {@link IpHost}. */
export interface IpHostOptions {
  /**
   * The host's addresses, in canonical text: one IPv4 address, one IPv6
   * address, or one of each.
   */
  readonly addresses: readonly string[];
  /** The link MTU: the largest packet the host sends (default 1500; 1280 or more with IPv6). */
  readonly mtu?: number;
  /** Limits of fragment reassembly (the core's defaults otherwise). */
  readonly reassembly?: FragmentReassemblerOptions;
  /** ICMP errors the host may send per second, and in one burst (default 100). */
  readonly icmpErrorsPerSecond?: number;
}

/** What an {@link IpHost} did with the packets it was given. */
export interface HostStats {
  /** Packets handed to {@link IpHost.receive}. */
  received: number;
  /** TCP segments handed to the TCP. */
  delivered: number;
  /** ICMP and ICMPv6 echo replies sent. */
  echoReplies: number;
  /** ICMP and ICMPv6 errors sent (port and protocol unreachable, parameter problem). */
  icmpErrors: number;
  /** ICMP errors not sent because the rate limit was reached. */
  rateLimited: number;
  /** Packets that failed a check: malformed, or a checksum wrong. */
  rejected: number;
  /** Packets for another address (another host, a broadcast or a multicast group). */
  notForHost: number;
  /** Packets that need no answer (ICMP replies and errors, neighbour discovery, no next header). */
  ignored: number;
  /** Fragments held for reassembly. */
  fragments: number;
  /** Datagrams reassembled from fragments. */
  reassembled: number;
  /** Fragments the reassembler dropped (overlaps, limits, malformed), timeouts included. */
  fragmentDrops: number;
}

/** The counters of {@link HostStats} that count packets the host dropped. */
export type HostDrop = "rejected" | "notForHost" | "ignored" | "rateLimited" | "fragmentDrops";

/** What to do with one arriving packet. */
export type HostInput =
  | {
    /** A TCP segment for the host's TCP. */
    readonly kind: "tcp";
    /** The segment (its payload a view of the packet given). */
    readonly segment: IpSegment;
  }
  | {
    /** The host answers: send these packets back on the link. */
    readonly kind: "answer";
    /** The answer, in packets of at most the MTU. */
    readonly packets: Uint8Array[];
    /** What the answer is, for traces ("echo reply to 10.0.0.1"). */
    readonly reason: string;
  }
  | {
    /** A fragment kept until its datagram is whole. */
    readonly kind: "held";
  }
  | {
    /** Dropped, counted in `counter`. */
    readonly kind: "drop";
    /** The counter of {@link HostStats} it went to. */
    readonly counter: HostDrop;
    /** Why, readable on its own. */
    readonly reason: string;
  };

/** The addresses and payload of a whole datagram, for the upper layers. */
interface Datagram {
  readonly v6: boolean;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** The upper-layer protocol (IPv6: after the extension headers). */
  readonly protocol: number;
  readonly payload: Uint8Array;
  /** The whole datagram, to quote in an ICMP error. */
  readonly packet: Uint8Array;
  /** Offset of the next-header byte that names `protocol` (IPv6), for a parameter problem. */
  readonly protocolAt: number;
  /** The transport checksum was left partial by the sending kernel: nothing to check. */
  readonly checksumPartial: boolean;
}

const ICMP_ECHO_REQUEST = 8;
const ICMPV6_ECHO_REQUEST = 128;
/** The largest ICMP error: 576 bytes for IPv4 (RFC 1812 §4.3.2.3), 1280 for IPv6 (RFC 4443 §2.4(c)). */
const ERROR_LIMIT_V4 = 576;
const ERROR_LIMIT_V6 = 1280;
const TTL = 64;

/**
 * A host's IP layer: checks, reassembles and dispatches arriving packets,
 * answers pings and unreachable ports, and encodes the TCP's segments.
 *
 * @example A ping, answered
 * ```ts
 * import { IpHost } from "./host.ts";
 * import * as icmp from "../wire/icmp.ts";
 * import * as ipv4 from "../wire/ipv4.ts";
 * import assert from "node:assert/strict";
 * const host = new IpHost({ addresses: ["10.0.0.2"] });
 * const echo: icmp.IcmpRepr = { type: "echoRequest", ident: 7, seq: 1, data: new Uint8Array(8) };
 * const request = new Uint8Array(20 + icmp.bufferLen(echo));
 * ipv4.emit({
 *   src: new Uint8Array([10, 0, 0, 1]), dst: new Uint8Array([10, 0, 0, 2]), protocol: 1,
 *   ttl: 64, dscp: 0, ecn: 0, ident: 1, dontFrag: false, moreFrags: false, fragOffset: 0,
 *   options: new Uint8Array(), payloadLen: icmp.bufferLen(echo),
 * }, request);
 * icmp.emit(echo, request.subarray(20));
 * const out = host.receive(0, request);
 * assert.equal(out.kind, "answer");
 * if (out.kind === "answer") {
 *   const reply = icmp.parse(ipv4.parsePacket(out.packets[0]).payload);
 *   assert.deepEqual([reply.type, "ident" in reply && reply.ident], ["echoReply", 7]);
 * }
 * host.close();
 * ```
 */
export class IpHost {
  /** The link MTU. */
  readonly mtu: number;
  /** What the host did. */
  readonly stats: HostStats = {
    received: 0,
    delivered: 0,
    echoReplies: 0,
    icmpErrors: 0,
    rateLimited: 0,
    rejected: 0,
    notForHost: 0,
    ignored: 0,
    fragments: 0,
    reassembled: 0,
    fragmentDrops: 0,
  };
  /** The IPv4 address, or null. */
  readonly ipv4: string | null = null;
  /** The IPv6 address, or null. */
  readonly ipv6: string | null = null;
  readonly #v4: Uint8Array | null = null;
  readonly #v6: Uint8Array | null = null;
  readonly #reassemblyOptions: FragmentReassemblerOptions | undefined;
  #reassembler: FragmentReassembler | null = null;
  #ident = 0;
  #fragmentIdent = 0;
  // The ICMP error token bucket: tokens, and when it was last filled.
  readonly #errorRate: number;
  #tokens: number;
  #filledAt = -Infinity;

  /**
   * Makes a host with the given addresses.
   *
   * @throws {RangeError} For an address that is not canonical IPv4 or
   *   IPv6 text, two of one family, none at all, an MTU outside 68 to
   *   65535 (1280 to 65535 with an IPv6 address), or a bad error rate.
   */
  constructor(options: IpHostOptions) {
    const mtu = options.mtu ?? 1500;
    const addresses = options.addresses ?? [];
    if (!Array.isArray(addresses) || addresses.length === 0) {
      throw new RangeError("IpHost: at least one address is needed");
    }
    for (const text of addresses) {
      const bytes = canonicalAddress(text);
      if (bytes.length === 4) {
        if (this.#v4) throw new RangeError(`IpHost: two IPv4 addresses (${this.ipv4}, ${text})`);
        [this.ipv4, this.#v4] = [text, bytes];
      } else {
        if (this.#v6) throw new RangeError(`IpHost: two IPv6 addresses (${this.ipv6}, ${text})`);
        [this.ipv6, this.#v6] = [text, bytes];
      }
    }
    const least = this.#v6 ? 1280 : 68;
    if (!Number.isInteger(mtu) || mtu < least || mtu > 65535) {
      throw new RangeError(
        `IpHost: mtu must be an integer from ${least} to 65535${
          this.#v6 ? " (IPv6 needs 1280, RFC 8200 §5)" : ""
        }, got ${mtu}`,
      );
    }
    this.mtu = mtu;
    const rate = options.icmpErrorsPerSecond ?? 100;
    if (!Number.isFinite(rate) || rate < 0) {
      throw new RangeError(`IpHost: icmpErrorsPerSecond must be a number >= 0, got ${rate}`);
    }
    this.#errorRate = rate;
    this.#tokens = rate;
    this.#reassemblyOptions = options.reassembly;
  }

  /**
   * The MSS a TCP connection from `addr` may use on this link: the MTU less
   * the IP header (20 or 40 bytes) and the TCP header (20).
   */
  mss(addr: string): number {
    return this.mtu - (addr.includes(":") ? 60 : 40);
  }

  /**
   * Encodes one of the TCP's segments as an IP packet of its family.
   *
   * @param segment The segment, from this host's address.
   * @param into Where to write it; a view of a shared slab by default.
   * @param checksum "partial" leaves the TCP checksum for the device to
   *   finish ({@link TcpChecksum}); "full" by default.
   * @returns The packet (a view of `into` or of the slab).
   */
  encode(segment: IpSegment, into?: Uint8Array, checksum?: TcpChecksum): Uint8Array {
    return encodeSegment(segment, this.#nextIdent(), into, checksum);
  }

  /**
   * Encodes the IP and TCP headers of one of the TCP's segments alone, its
   * checksum partial, for a gather write with the payload after them
   * (`encodeSegmentHeaders`).
   *
   * @param segment The segment, from this host's address.
   * @param into Where to write them; a view of a shared slab by default.
   * @returns The headers (a view of `into` or of the slab).
   */
  encodeHeaders(segment: IpSegment, into?: Uint8Array): Uint8Array {
    return encodeSegmentHeaders(segment, this.#nextIdent(), into);
  }

  /**
   * Takes one arriving packet and says what to do with it (and counts it).
   *
   * @param now The time, in ms (fragment timeouts and the ICMP rate limit).
   * @param packet The IP packet, from its first byte; views of it may be
   *   kept in the result, so it must not change until that is used.
   * @param checksumPartial The TCP or UDP checksum is partial: the sending
   *   kernel left it for a device to finish (virtio-net's NEEDS_CSUM), so the
   *   packet crossed no wire and has no checksum to check, as Linux takes
   *   CHECKSUM_PARTIAL. The IP header's is checked still. Default false.
   * @returns What to do: see {@link HostInput}.
   */
  receive(now: number, packet: Uint8Array, checksumPartial = false): HostInput {
    this.stats.received++;
    return this.#receive(now, packet, checksumPartial);
  }

  // A packet off the link, or a datagram just reassembled.
  #receive(now: number, packet: Uint8Array, checksumPartial: boolean): HostInput {
    try {
      const version = packet.length > 0 ? packet[0] >> 4 : -1;
      if (version === 4) return this.#receive4(now, packet, checksumPartial);
      if (version === 6) return this.#receive6(now, packet, checksumPartial);
      return this.#drop("rejected", `IP version ${version} is neither 4 nor 6`);
    } catch (error) {
      if (error instanceof WireError) return this.#drop("rejected", error.message);
      throw error;
    }
  }

  /** Releases the reassembler's memory in the WASM core. Idempotent. */
  close(): void {
    this.#reassembler?.free();
    this.#reassembler = null;
  }

  #receive4(now: number, packet: Uint8Array, checksumPartial: boolean): HostInput {
    const { repr: ip, payload } = ipv4.parsePacket(packet);
    if (this.#v4 === null || !sameBytes(ip.dst, this.#v4)) {
      return this.#drop("notForHost", `addressed to ${formatAddress(ip.dst)}, not to this host`);
    }
    if (ip.moreFrags || ip.fragOffset !== 0) {
      return this.#reassemble(
        now,
        packet.subarray(0, ipv4.HEADER_LEN + ip.options.length + ip.payloadLen),
      );
    }
    return this.#deliver(now, {
      v6: false,
      src: ip.src,
      dst: ip.dst,
      protocol: ip.protocol,
      payload,
      packet,
      protocolAt: 9,
      checksumPartial,
    });
  }

  #receive6(now: number, packet: Uint8Array, checksumPartial: boolean): HostInput {
    const { repr: ip, payload } = ipv6.parsePacket(packet);
    if (this.#v6 === null || !sameBytes(ip.dst, this.#v6)) {
      return this.#drop("notForHost", `addressed to ${formatAddress(ip.dst)}, not to this host`);
    }
    if (ip.fragment) {
      return this.#reassemble(
        now,
        packet.subarray(0, ipv6.HEADER_LEN + new ipv6.Ipv6Packet(packet).payloadLen),
      );
    }
    // The next-header byte that named the upper layer: the fixed header's,
    // or the last extension header's first byte.
    let protocolAt = 6, at = ipv6.HEADER_LEN;
    for (const e of ip.extensions) {
      protocolAt = at;
      at += e.bytes.length;
    }
    return this.#deliver(now, {
      v6: true,
      src: ip.src,
      dst: ip.dst,
      protocol: ip.nextHeader,
      payload,
      packet,
      protocolAt,
      checksumPartial,
    });
  }

  #reassemble(now: number, fragment: Uint8Array): HostInput {
    const reassembler = this.#reassembler ??= new FragmentReassembler(this.#reassemblyOptions);
    if (reassembler.pending > 0) this.stats.fragmentDrops += reassembler.expire(now).dropped;
    const result = reassembler.insert(fragment, now);
    if (result.status === "held") {
      this.stats.fragments++;
      return { kind: "held" };
    }
    if (result.status !== "complete" || result.complete === null) {
      return this.#drop("fragmentDrops", `fragment dropped: ${result.reason ?? result.status}`);
    }
    this.stats.fragments++;
    this.stats.reassembled++;
    return this.#receive(now, result.complete, false); // checked again, whole
  }

  #deliver(now: number, d: Datagram): HostInput {
    const pseudo = d.checksumPartial ? null : { src: d.src, dst: d.dst };
    switch (d.protocol) {
      case IpProtocol.Tcp: {
        const repr = tcp.parse(d.payload, pseudo);
        this.stats.delivered++;
        return { kind: "tcp", segment: { src: addressText(d.src), dst: addressText(d.dst), repr } };
      }
      case IpProtocol.Udp: {
        const datagram = udp.parse(d.payload, pseudo);
        const to = `UDP to ${addressText(d.dst)}${d.v6 ? "." : ":"}${datagram.dstPort}`;
        // Port unreachable: ICMP code 3, ICMPv6 code 4.
        return this.#error(now, d, "destUnreachable", d.v6 ? 4 : 3, 0, `port unreachable: ${to}`);
      }
      case IpProtocol.Icmp:
        if (!d.v6) return this.#icmp(d);
        break;
      case IpProtocol.Icmpv6:
        if (d.v6) return this.#icmp(d);
        break;
      case IpProtocol.Ipv6NoNext:
        if (d.v6) return this.#drop("ignored", "IPv6 packet with no next header");
        break;
    }
    const what = `protocol ${d.protocol} is not served`;
    return d.v6
      ? this.#error(now, d, "parameterProblem", 1, d.protocolAt, `parameter problem: ${what}`)
      : this.#error(now, d, "destUnreachable", 2, 0, `protocol unreachable: ${what}`);
  }

  // An ICMP or ICMPv6 message: its checksum first, then an echo request is answered.
  #icmp(d: Datagram): HostInput {
    const what = d.v6 ? "ICMPv6 message" : "ICMP message";
    if (d.payload.length < icmp.HEADER_LEN) {
      throw new WireError(what, `${d.payload.length} bytes is shorter than the 8-byte header`);
    }
    const sum = d.v6
      ? pseudoChecksum({ src: d.src, dst: d.dst }, IpProtocol.Icmpv6, d.payload)
      : inetChecksum(d.payload);
    if (sum !== 0) throw new WireError(what, "checksum is wrong");
    const type = d.payload[0];
    if (type !== (d.v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO_REQUEST)) {
      return this.#drop("ignored", `${what} of type ${type} needs no answer`);
    }
    const request =
      (d.v6 ? icmpv6.parse(d.payload) : icmp.parse(d.payload, false)) as icmp.IcmpEcho;
    const reply: icmp.IcmpRepr = { ...request, type: "echoReply" };
    const length = icmp.bufferLen(reply);
    const packet = this.#ipPacket(d, d.v6 ? IpProtocol.Icmpv6 : IpProtocol.Icmp, length);
    const body = packet.subarray(packet.length - length);
    if (d.v6) icmpv6.emit(reply, body, { src: d.dst, dst: d.src });
    else icmp.emit(reply, body);
    this.stats.echoReplies++;
    return {
      kind: "answer",
      packets: this.#fragment(packet, d.v6),
      reason: `echo reply to ${addressText(d.src)} (ident ${request.ident}, seq ${request.seq})`,
    };
  }

  #error(
    now: number,
    d: Datagram,
    type: "destUnreachable" | "parameterProblem",
    code: number,
    value: number,
    reason: string,
  ): HostInput {
    // RFC 1122 §3.2.2 and RFC 4443 §2.4(e): only about a datagram from one host.
    if (!isUnicast(d.src)) {
      return this.#drop("ignored", `${reason}; no ICMP error to ${formatAddress(d.src)}`);
    }
    if (!this.#takeToken(now)) {
      return this.#drop("rateLimited", `${reason}; the ICMP error rate limit was reached`);
    }
    const limit = (d.v6 ? ERROR_LIMIT_V6 : ERROR_LIMIT_V4) - (d.v6 ? 40 : 20) - icmp.HEADER_LEN;
    const error: icmp.IcmpRepr = { type, code, value, invoking: d.packet.subarray(0, limit) };
    const length = icmp.bufferLen(error);
    const packet = this.#ipPacket(d, d.v6 ? IpProtocol.Icmpv6 : IpProtocol.Icmp, length);
    const body = packet.subarray(packet.length - length);
    if (d.v6) icmpv6.emit(error, body, { src: d.dst, dst: d.src });
    else icmp.emit(error, body);
    this.stats.icmpErrors++;
    return { kind: "answer", packets: [packet], reason };
  }

  // A packet back to the sender of `d`, from the address it was sent to,
  // with room for `length` bytes of `protocol` after the header.
  #ipPacket(d: Datagram, protocol: number, length: number): Uint8Array {
    if (d.v6) {
      const out = new Uint8Array(ipv6.HEADER_LEN + length);
      ipv6.emit({
        src: d.dst,
        dst: d.src,
        nextHeader: protocol,
        hopLimit: TTL,
        trafficClass: 0,
        flowLabel: 0,
        extensions: [],
        payloadLen: length,
      }, out);
      return out;
    }
    const out = new Uint8Array(ipv4.HEADER_LEN + length);
    ipv4.emit({
      src: d.dst,
      dst: d.src,
      protocol,
      ttl: TTL,
      dscp: 0,
      ecn: 0,
      ident: this.#nextIdent(),
      dontFrag: false,
      moreFrags: false,
      fragOffset: 0,
      options: new Uint8Array(0),
      payloadLen: length,
    }, out);
    return out;
  }

  // Splits a packet of ours that exceeds the MTU into fragments (RFC 791
  // §3.2; RFC 8200 §4.5, where only the source fragments).
  #fragment(packet: Uint8Array, v6: boolean): Uint8Array[] {
    if (packet.length <= this.mtu) return [packet];
    if (!v6) {
      const { repr, payload } = ipv4.parsePacket(packet, false);
      const step = Math.floor((this.mtu - ipv4.HEADER_LEN) / 8) * 8;
      const out: Uint8Array[] = [];
      for (let at = 0; at < payload.length; at += step) {
        const part = payload.subarray(at, at + step);
        const fragment = new Uint8Array(ipv4.HEADER_LEN + part.length);
        ipv4.emit({
          ...repr,
          moreFrags: at + step < payload.length,
          fragOffset: at,
          payloadLen: part.length,
        }, fragment);
        fragment.set(part, ipv4.HEADER_LEN);
        out.push(fragment);
      }
      return out;
    }
    const { repr, payload } = ipv6.parsePacket(packet);
    const step = Math.floor((this.mtu - ipv6.HEADER_LEN - 8) / 8) * 8;
    const ident = this.#fragmentIdent = (this.#fragmentIdent + 1) >>> 0;
    const out: Uint8Array[] = [];
    for (let at = 0; at < payload.length; at += step) {
      const part = payload.subarray(at, at + step);
      const header = new Uint8Array(8); // next header (set by emit), reserved, offset and M, ident
      const more = at + step < payload.length;
      new DataView(header.buffer).setUint16(2, at | (more ? 1 : 0));
      new DataView(header.buffer).setUint32(4, ident);
      const fragment = new Uint8Array(ipv6.HEADER_LEN + 8 + part.length);
      ipv6.emit({
        ...repr,
        extensions: [{ type: IpProtocol.Ipv6Frag, bytes: header }],
        payloadLen: part.length,
      }, fragment);
      fragment.set(part, ipv6.HEADER_LEN + 8);
      out.push(fragment);
    }
    return out;
  }

  #takeToken(now: number): boolean {
    if (now > this.#filledAt) {
      const elapsed = this.#filledAt === -Infinity ? Infinity : now - this.#filledAt;
      this.#tokens = Math.min(this.#errorRate, this.#tokens + (elapsed * this.#errorRate) / 1000);
      this.#filledAt = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  #nextIdent(): number {
    const ident = this.#ident;
    this.#ident = (ident + 1) & 0xffff;
    return ident;
  }

  #drop(counter: HostDrop, reason: string): HostInput {
    this.stats[counter]++;
    return { kind: "drop", counter, reason };
  }
}

/** The bytes of a canonical address text; a RangeError for anything else. */
function canonicalAddress(text: string): Uint8Array {
  let bytes: Uint8Array | null = null;
  try {
    bytes = typeof text === "string" ? parseAddress(text) : null;
  } catch {
    // Reported below.
  }
  if (bytes === null || formatAddress(bytes) !== text) {
    throw new RangeError(
      `IpHost: ${
        JSON.stringify(text)
      } is not an IPv4 or IPv6 address in canonical form (10.0.0.2, fd00::2)`,
    );
  }
  return bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether an address names one host: not unspecified, broadcast or multicast. */
function isUnicast(addr: Uint8Array): boolean {
  if (addr.length === 16) return addr[0] !== 0xff && !addr.every((b) => b === 0);
  return addr[0] < 224 && !addr.every((b) => b === 0);
}
