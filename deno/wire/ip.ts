/**
 * What IPv4 and IPv6 share with the transports above them: protocol numbers,
 * addresses as bytes, and the pseudo-header that TCP, UDP and ICMPv6
 * checksums cover (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1).
 *
 * @module
 */
import { inetChecksum } from "../checksum.ts";
import { checkInt } from "./error.ts";

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
export const IpProtocol = {
  HopByHop: 0,
  Icmp: 1,
  Tcp: 6,
  Udp: 17,
  Ipv6Route: 43,
  Ipv6Frag: 44,
  Esp: 50,
  Ah: 51,
  Icmpv6: 58,
  Ipv6NoNext: 59,
  Ipv6Opts: 60,
} as const;

/**
 * The addresses of a pseudo-header: both 4 bytes (IPv4) or both 16 bytes
 * (IPv6). The protocol and length come from the segment being checksummed.
 */
export interface PseudoHeader {
  /** The source address. */
  readonly src: Uint8Array;
  /** The destination address. */
  readonly dst: Uint8Array;
}

/**
 * The RFC 1071 checksum over the pseudo-header and `segment`: the value to
 * store in the segment's checksum field while that field is zero, or 0 when
 * verifying a segment whose checksum is right. The segment is summed by the
 * WASM core; the pseudo-header's few words are added here, which saves a
 * second crossing into the core for every packet.
 *
 * @param pseudo The source and destination addresses.
 * @param protocol The upper-layer protocol number (6 TCP, 17 UDP, 58 ICMPv6).
 * @param segment The whole upper-layer segment.
 * @returns The 16-bit checksum.
 * @throws {RangeError} If the addresses are not both 4 or both 16 bytes long.
 *
 * @example Verifying a segment
 * ```ts
 * import { pseudoChecksum } from "./ip.ts";
 * const pseudo = { src: new Uint8Array([10, 0, 0, 1]), dst: new Uint8Array([10, 0, 0, 2]) };
 * const segment = new Uint8Array(8); // a UDP header, checksum field zero
 * const sum = pseudoChecksum(pseudo, 17, segment);
 * segment[6] = sum >> 8;
 * segment[7] = sum & 0xff;
 * console.assert(pseudoChecksum(pseudo, 17, segment) === 0);
 * ```
 */
export function pseudoChecksum(
  pseudo: PseudoHeader,
  protocol: number,
  segment: Uint8Array,
): number {
  let sum = pseudoHeaderSum(pseudo, protocol, segment.length);
  sum += ~inetChecksum(segment) & 0xffff; // the segment's folded sum, from the core
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * The RFC 1071 sum of the pseudo-header alone, folded to 16 bits and not
 * complemented: what a segment's checksum field holds when a device is to
 * finish the checksum (Linux's CHECKSUM_PARTIAL, virtio-net's NEEDS_CSUM).
 * Summing the segment from its first byte with that in the field gives the
 * checksum.
 *
 * @param pseudo The source and destination addresses.
 * @param protocol The upper-layer protocol number (6 TCP, 17 UDP, 58 ICMPv6).
 * @param length The upper-layer segment's length, bytes.
 * @returns The folded 16-bit sum.
 * @throws {RangeError} If the addresses are not both 4 or both 16 bytes
 *   long, or the length does not fit IPv4's.
 *
 * @example Finishing a partial checksum gives the full one
 * ```ts
 * import { pseudoChecksum, pseudoHeaderSum } from "./ip.ts";
 * import { inetChecksum } from "../checksum.ts";
 * const pseudo = { src: new Uint8Array([10, 0, 0, 1]), dst: new Uint8Array([10, 0, 0, 2]) };
 * const segment = new Uint8Array([0, 53, 0, 53, 0, 8, 0, 0]);
 * const full = pseudoChecksum(pseudo, 17, segment);
 * const partial = pseudoHeaderSum(pseudo, 17, segment.length);
 * segment[6] = partial >> 8;
 * segment[7] = partial & 0xff;
 * console.assert(inetChecksum(segment) === full);
 * ```
 */
export function pseudoHeaderSum(pseudo: PseudoHeader, protocol: number, length: number): number {
  const { src, dst } = pseudo;
  const v4 = src.length === 4 && dst.length === 4;
  if (!v4 && !(src.length === 16 && dst.length === 16)) {
    throw new RangeError(
      `pseudo-header: addresses must be both 4 or both 16 bytes, got ${src.length} and ${dst.length}`,
    );
  }
  if (v4 && length > 0xffff) {
    throw new RangeError(`pseudo-header: a ${length}-byte segment does not fit IPv4`);
  }
  // RFC 9293 §3.1 / RFC 8200 §8.1: addresses, then the length and protocol
  // as 16-bit words (the 32-bit IPv6 length is two words; zeros add nothing).
  let sum = protocol + (length & 0xffff) + (length >>> 16);
  for (let i = 0; i < src.length; i += 2) {
    sum += ((src[i] << 8) | src[i + 1]) + ((dst[i] << 8) | dst[i + 1]);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Formats a 4-byte or 16-byte address as text: dotted quad, or RFC 5952
 * IPv6 (lower case, the longest run of two or more zero groups as `::`).
 *
 * @example
 * ```ts
 * import { formatAddress } from "./ip.ts";
 * console.assert(formatAddress(new Uint8Array([192, 0, 2, 1])) === "192.0.2.1");
 * ```
 */
export function formatAddress(address: Uint8Array): string {
  if (address.length === 4) return address.join(".");
  if (address.length !== 16) {
    throw new RangeError(`formatAddress(): expected 4 or 16 bytes, got ${address.length}`);
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address[i] << 8) | address[i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/**
 * Parses a numeric IPv4 or IPv6 address into 4 or 16 bytes.
 *
 * @throws {SyntaxError} If `text` is not a numeric address.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./ip.ts";
 * console.assert(parseAddress("::1")[15] === 1);
 * ```
 */
export function parseAddress(text: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    if (bytes.every((b) => b <= 255)) return new Uint8Array(bytes);
  } else if (text.includes(":")) {
    const halves = text.split("::");
    const words = (part: string) => part === "" ? [] : part.split(":");
    if (halves.length <= 2) {
      const head = words(halves[0]);
      const tail = halves.length === 2 ? words(halves[1]) : [];
      const missing = 8 - head.length - tail.length;
      if ((halves.length === 2 && missing >= 1) || (halves.length === 1 && missing === 0)) {
        const all = [...head, ...Array(missing).fill("0"), ...tail];
        if (all.every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) {
          const out = new Uint8Array(16);
          all.forEach((w, i) => {
            const n = parseInt(w, 16);
            out[2 * i] = n >> 8;
            out[2 * i + 1] = n & 0xff;
          });
          return out;
        }
      }
    }
  }
  throw new SyntaxError(`parseAddress(): "${text}" is not a numeric IPv4 or IPv6 address`);
}

/** Throws a RangeError unless `address` has `length` bytes. @internal */
export function checkAddress(fn: string, name: string, address: Uint8Array, length: number) {
  if (!(address instanceof Uint8Array)) {
    throw new TypeError(`${fn}(): ${name} must be a Uint8Array`);
  }
  checkInt(fn, `${name}.length`, address.length, length, length);
}
