/**
 * TCP segments as IP packets on socklab's links: {@link encodeSegment}
 * builds the IPv4 or IPv6 header (as the addresses say) and the TCP segment
 * with its checksums, and {@link decodeSegment} verifies and parses them, so
 * a bit flipped on a link is caught exactly as a real host would catch it.
 * The simulated network and the UDP link carry IPv4 only
 * ({@link checkLinkAddress}); the TUN link carries both.
 *
 * @module
 */
import * as ipv4 from "../wire/ipv4.ts";
import * as ipv6 from "../wire/ipv6.ts";
import * as tcp from "../wire/tcp.ts";
import { WireError } from "../wire/error.ts";
import { formatAddress, parseAddress, pseudoHeaderSum } from "../wire/ip.ts";
import type { IpSegment } from "../tcp/stack.ts";

const TCP = 6;
const addrCache = new Map<string, Uint8Array>();
const textCache = new Map<number, string>();
const NO_OPTIONS = new Uint8Array(0);
const NO_PAYLOAD = new Uint8Array(0);
const NO_EXTENSIONS: ipv6.Ipv6Extension[] = [];
// The last few IPv6 addresses formatted, and their texts: a transfer's
// packets all carry the same two. Replaced round-robin.
const V6_SLOTS = 4;
const v6Bytes = Array.from({ length: V6_SLOTS }, () => new Uint8Array(16));
const v6Text: string[] = Array(V6_SLOTS).fill("");
let v6Next = 0;

// Packets are carved from 1 MiB slabs: one allocation per slab instead of
// one per packet, 64 KiB packets included (a slab is freed once no packet in
// it is referenced). Fresh large buffers per packet cost page faults and
// zeroing, and were most of the simulator's time at 64 KiB MTU.
const SLAB = 1 << 20;
let slab = new Uint8Array(SLAB);
let slabUsed = 0;

function allocate(length: number): Uint8Array {
  if (length > SLAB / 8) return new Uint8Array(length);
  if (slabUsed + length > SLAB) {
    slab = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += (length + 7) & ~7;
  return out;
}

/**
 * The text of a 4- or 16-byte address, as the stacks spell it (dotted
 * quad, or RFC 5952 IPv6), from a small cache: links format two addresses
 * per packet.
 */
export function addressText(bytes: Uint8Array): string {
  if (bytes.length === 16) {
    for (let slot = 0; slot < V6_SLOTS; slot++) {
      const known = v6Bytes[slot];
      let same = v6Text[slot] !== "";
      for (let i = 0; same && i < 16; i++) same = bytes[i] === known[i];
      if (same) return v6Text[slot];
    }
    const slot = v6Next;
    v6Next = (slot + 1) % V6_SLOTS;
    v6Bytes[slot].set(bytes);
    return v6Text[slot] = formatAddress(bytes);
  }
  if (bytes.length !== 4) return formatAddress(bytes);
  const key = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  let text = textCache.get(key);
  if (text === undefined) {
    text = formatAddress(bytes);
    if (textCache.size < 4096) textCache.set(key, text);
  }
  return text;
}

/** The 4 or 16 bytes of an address's text, from a small cache. */
export function addressBytes(text: string): Uint8Array {
  let bytes = addrCache.get(text);
  if (!bytes) {
    try {
      bytes = parseAddress(text);
    } catch {
      throw new RangeError(`${JSON.stringify(text)} is not a numeric IPv4 or IPv6 address`);
    }
    if (addrCache.size < 4096) addrCache.set(text, bytes);
  }
  return bytes;
}

/**
 * Checks that `text` is an IPv4 address a link can carry, for the hosts and
 * peers given to a link (so that a bad one fails where it was given, not at
 * the first packet). The address must be in canonical dotted-quad form, as
 * decoded packets spell it: an end given "10.0.0.01" would never match the
 * "10.0.0.1" its packets are addressed to.
 *
 * @param text The address as given.
 * @param what What the address is, named after the operation and the
 *   parameter it came in ("UdpLink.addPeer: addr"): the error message opens
 *   with it.
 * @throws {RangeError} If `text` is not a canonical dotted-quad IPv4 address.
 */
export function checkLinkAddress(text: string, what: string): void {
  let bytes: Uint8Array | null = null;
  try {
    bytes = typeof text === "string" ? parseAddress(text) : null;
  } catch {
    // Reported below.
  }
  if (bytes === null || bytes.length !== 4 || formatAddress(bytes) !== text) {
    throw new RangeError(
      `${what} must be an IPv4 address such as 10.0.0.1, in canonical dotted-quad form (four numbers from 0 to 255, no leading zeros; the simulated and UDP links carry IPv4 only), got ${
        JSON.stringify(text)
      }`,
    );
  }
}

/** The IP header length of a packet between these addresses: 20 (IPv4) or 40 (IPv6). */
function headerLength(dst: string): number {
  return dst.includes(":") ? ipv6.HEADER_LEN : ipv4.HEADER_LEN;
}

/** The number of bytes {@link encodeSegment} writes for `segment`. */
export function encodedLength(segment: IpSegment): number {
  return headerLength(segment.dst) + tcp.bufferLen(segment.repr);
}

/**
 * How {@link encodeSegment} fills the TCP checksum: "full", or "partial"
 * for a device that finishes it (the pseudo-header's sum only, as
 * {@link pseudoHeaderSum} says; the transport header starts right after
 * the IP header, and the field is 16 bytes into it).
 */
export type TcpChecksum = "full" | "partial";

/**
 * Encodes a segment as an IPv4 packet (TTL 64, DF set) or an IPv6 packet
 * (hop limit 64, no extension headers), as its addresses are, with valid
 * checksums (or the TCP one left for a device to finish).
 *
 * @param segment The addresses and the TCP record.
 * @param ident The IPv4 identification field (unused for IPv6).
 * @param into Where to write the packet (at least {@link encodedLength}
 *   bytes); by default a view of a shared slab.
 * @param checksum "full" (the default), or "partial": see {@link TcpChecksum}.
 * @returns The packet's bytes (a view of `into` or of the slab; copy before
 *   changing it).
 * @throws {RangeError} If an address is not numeric, the two are of
 *   different families, a field is out of range, or `into` is too short.
 * @throws {TypeError} If `checksum` is neither "full" nor "partial".
 */
export function encodeSegment(
  segment: IpSegment,
  ident = 0,
  into?: Uint8Array,
  checksum: TcpChecksum = "full",
): Uint8Array {
  return encode(segment, ident, into, checksum, true);
}

/**
 * Encodes a segment's IP and TCP headers alone, with the TCP checksum
 * partial (see {@link TcpChecksum}), for a device that finishes checksums:
 * the payload, `segment.repr.payload`, is to follow them in the same write
 * (writev(2)), and is not copied. The headers' lengths count it.
 *
 * @param segment The addresses and the TCP record.
 * @param ident The IPv4 identification field (unused for IPv6).
 * @param into Where to write the headers; a view of a shared slab by default.
 * @returns The headers (a view of `into` or of the slab).
 * @throws {RangeError} As {@link encodeSegment}.
 */
export function encodeSegmentHeaders(
  segment: IpSegment,
  ident = 0,
  into?: Uint8Array,
): Uint8Array {
  return encode(segment, ident, into, "partial", false);
}

function encode(
  segment: IpSegment,
  ident: number,
  into: Uint8Array | undefined,
  checksum: TcpChecksum,
  withPayload: boolean,
): Uint8Array {
  if (checksum !== "full" && checksum !== "partial") {
    throw new TypeError(
      `encodeSegment: checksum must be "full" or "partial", got ${JSON.stringify(checksum)}`,
    );
  }
  const src = addressBytes(segment.src);
  const dst = addressBytes(segment.dst);
  if (src.length !== dst.length) {
    throw new RangeError(
      `encodeSegment: ${segment.src} and ${segment.dst} are of different IP versions`,
    );
  }
  const repr = withPayload ? segment.repr : { ...segment.repr, payload: NO_PAYLOAD };
  const tcpLen = tcp.bufferLen(segment.repr);
  const headerLen = src.length === 16 ? ipv6.HEADER_LEN : ipv4.HEADER_LEN;
  const length = headerLen + tcp.bufferLen(repr);
  if (into && into.length < length) {
    throw new RangeError(
      `encodeSegment: the packet needs ${length} bytes, the buffer has ${into.length}`,
    );
  }
  const packet = into ? into.subarray(0, length) : allocate(length);
  if (headerLen === ipv6.HEADER_LEN) {
    ipv6.emit({
      src,
      dst,
      nextHeader: TCP,
      hopLimit: 64,
      trafficClass: 0,
      flowLabel: 0,
      extensions: NO_EXTENSIONS,
      payloadLen: tcpLen,
    }, packet);
  } else {
    ipv4.emit({
      src,
      dst,
      protocol: TCP,
      ttl: 64,
      dscp: 0,
      ecn: 0,
      ident: ident & 0xffff,
      dontFrag: true,
      moreFrags: false,
      fragOffset: 0,
      options: NO_OPTIONS,
      payloadLen: tcpLen,
    }, packet);
  }
  const pseudo = { src, dst };
  const transport = packet.subarray(headerLen);
  if (checksum === "full") {
    tcp.emit(repr, transport, pseudo);
  } else {
    tcp.emit(repr, transport, null);
    new tcp.TcpPacket(transport).checksum = pseudoHeaderSum(pseudo, TCP, tcpLen);
  }
  return packet;
}

/**
 * Verifies the checksums and parses an IPv4 or IPv6 packet carrying a
 * whole TCP segment (not a fragment).
 *
 * @returns The segment (its payload is a view of `packet`).
 * @throws {WireError} If the packet is malformed, a fragment, not TCP, or a
 *   checksum is wrong.
 */
export function decodeSegment(packet: Uint8Array): IpSegment {
  if (packet.length > 0 && packet[0] >> 4 === 6) {
    const { repr: ip, payload } = ipv6.parsePacket(packet);
    if (ip.fragment) throw new WireError("IPv6 packet", "a fragment is not a whole segment");
    if (ip.nextHeader !== TCP) {
      throw new WireError("IPv6 packet", `next header ${ip.nextHeader} is not TCP`);
    }
    const repr = tcp.parse(payload, { src: ip.src, dst: ip.dst });
    return { src: addressText(ip.src), dst: addressText(ip.dst), repr };
  }
  const { repr: ip, payload } = ipv4.parsePacket(packet);
  if (ip.moreFrags || ip.fragOffset !== 0) {
    throw new WireError("IPv4 packet", "a fragment is not a whole segment");
  }
  if (ip.protocol !== TCP) {
    throw new WireError("IPv4 packet", `protocol ${ip.protocol} is not TCP`);
  }
  const repr = tcp.parse(payload, { src: ip.src, dst: ip.dst });
  return { src: addressText(ip.src), dst: addressText(ip.dst), repr };
}
