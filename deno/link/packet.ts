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

// Packets are carved from 256 KiB slabs: one allocation per slab instead of
// one per packet (a slab is freed once no packet in it is referenced).
const SLAB = 256 * 1024;
let slab = new Uint8Array(SLAB);
let slabUsed = 0;

function allocate(length: number): Uint8Array {
  if (length > SLAB / 4) return new Uint8Array(length);
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
 * Encodes a segment as an IPv4 packet (TTL 64, DF set) with valid checksums.
 *
 * @param segment The addresses and the TCP record.
 * @param ident The IPv4 identification field.
 * @returns The packet's bytes (a view of a shared slab; copy before changing it).
 * @throws {RangeError} If an address is not IPv4 or a field is out of range.
 */
export function encodeSegment(segment: IpSegment, ident = 0): Uint8Array {
  const src = addressBytes(segment.src);
  const dst = addressBytes(segment.dst);
  const tcpLen = tcp.bufferLen(segment.repr);
  const packet = allocate(ipv4.HEADER_LEN + tcpLen);
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
