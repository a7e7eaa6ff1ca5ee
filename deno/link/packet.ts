/**
 * TCP segments as IPv4 packets on socklab's links: {@link encodeSegment}
 * builds the IPv4 header and the TCP segment with both checksums, and
 * {@link decodeSegment} verifies and parses them, so a bit flipped on a link
 * is caught exactly as a real host would catch it.
 *
 * @module
 */
import * as ipv4 from "../wire/ipv4.ts";
import * as tcp from "../wire/tcp.ts";
import { formatAddress, parseAddress } from "../wire/ip.ts";
import type { IpSegment } from "../tcp/stack.ts";

const TCP = 6;
const addrCache = new Map<string, Uint8Array>();
const textCache = new Map<number, string>();
const NO_OPTIONS = new Uint8Array(0);

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

function addressText(bytes: Uint8Array): string {
  if (bytes.length !== 4) return formatAddress(bytes);
  const key = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  let text = textCache.get(key);
  if (text === undefined) {
    text = formatAddress(bytes);
    if (textCache.size < 4096) textCache.set(key, text);
  }
  return text;
}

function addressBytes(text: string): Uint8Array {
  let bytes = addrCache.get(text);
  if (!bytes) {
    bytes = parseAddress(text);
    if (bytes.length !== 4) throw new RangeError(`links carry IPv4 only, got ${text}`);
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
      `${what} must be an IPv4 address such as 10.0.0.1, in canonical dotted-quad form (four numbers from 0 to 255, no leading zeros; links carry IPv4 only), got ${
        JSON.stringify(text)
      }`,
    );
  }
}

/** The number of bytes {@link encodeSegment} writes for `segment`. */
export function encodedLength(segment: IpSegment): number {
  return ipv4.HEADER_LEN + tcp.bufferLen(segment.repr);
}

/**
 * Encodes a segment as an IPv4 packet (TTL 64, DF set) with valid checksums.
 *
 * @param segment The addresses and the TCP record.
 * @param ident The IPv4 identification field.
 * @param into Where to write the packet (at least {@link encodedLength}
 *   bytes); by default a view of a shared slab.
 * @returns The packet's bytes (a view of `into` or of the slab; copy before
 *   changing it).
 * @throws {RangeError} If an address is not IPv4, a field is out of range, or
 *   `into` is too short.
 */
export function encodeSegment(segment: IpSegment, ident = 0, into?: Uint8Array): Uint8Array {
  const src = addressBytes(segment.src);
  const dst = addressBytes(segment.dst);
  const tcpLen = tcp.bufferLen(segment.repr);
  const length = ipv4.HEADER_LEN + tcpLen;
  if (into && into.length < length) {
    throw new RangeError(
      `encodeSegment: the packet needs ${length} bytes, the buffer has ${into.length}`,
    );
  }
  const packet = into ? into.subarray(0, length) : allocate(length);
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
  tcp.emit(segment.repr, packet.subarray(ipv4.HEADER_LEN), { src, dst });
  return packet;
}

/**
 * Verifies both checksums and parses an IPv4 packet carrying TCP.
 *
 * @returns The segment (its payload is a view of `packet`).
 * @throws {WireError} If the packet is malformed, not TCP, or a checksum is wrong.
 */
export function decodeSegment(packet: Uint8Array): IpSegment {
  const { repr: ip, payload } = ipv4.parsePacket(packet);
  if (ip.protocol !== TCP) {
    throw new SyntaxError(`Cannot decode segment: IP protocol ${ip.protocol} is not TCP`);
  }
  const repr = tcp.parse(payload, { src: ip.src, dst: ip.dst });
  return { src: addressText(ip.src), dst: addressText(ip.dst), repr };
}
