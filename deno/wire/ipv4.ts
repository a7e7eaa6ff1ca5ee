/**
 * IPv4 packets (RFC 791): a zero-copy view, {@link Ipv4Packet}, and a plain
 * {@link Ipv4Repr}. Options are not interpreted: they are skipped, kept in
 * the header length, and handed back as bytes. Parsing throws a
 * {@link WireError} for anything malformed.
 *
 * @example Round trip
 * ```ts
 * import { bufferLen, emit, parse } from "./ipv4.ts";
 * const repr = {
 *   src: new Uint8Array([10, 0, 0, 1]), dst: new Uint8Array([10, 0, 0, 2]),
 *   protocol: 17, ttl: 64, dscp: 0, ecn: 0, ident: 1, dontFrag: true,
 *   moreFrags: false, fragOffset: 0, options: new Uint8Array(), payloadLen: 8,
 * };
 * const bytes = new Uint8Array(bufferLen(repr) + 8); // header, then the payload
 * emit(repr, bytes);
 * console.assert(parse(bytes).payloadLen === 8);
 * ```
 *
 * @module
 */
import { inetChecksum } from "../checksum.ts";
import { checkBytes, checkInt, WireError } from "./error.ts";
import { get16, set16 } from "./_bytes.ts";
import { checkAddress } from "./ip.ts";

/** Field offsets of the IPv4 header (RFC 791 §3.1). */
const Field = {
  VER_IHL: 0,
  DSCP_ECN: 1,
  LENGTH: 2,
  IDENT: 4,
  FLG_OFF: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  OPTIONS: 20,
} as const;

/** The header length without options, in bytes. */
export const HEADER_LEN = 20;

const WHAT = "IPv4 packet";

/** An IPv4 header as a plain record (the payload travels separately). */
export interface Ipv4Repr {
  /** The source address, 4 bytes. */
  readonly src: Uint8Array;
  /** The destination address, 4 bytes. */
  readonly dst: Uint8Array;
  /** The upper-layer protocol number (6 TCP, 17 UDP, 1 ICMP). */
  readonly protocol: number;
  /** Time to live. */
  readonly ttl: number;
  /** Differentiated services code point (6 bits). */
  readonly dscp: number;
  /** ECN codepoint (2 bits, RFC 3168). */
  readonly ecn: number;
  /** The identification field. */
  readonly ident: number;
  /** The DF flag. */
  readonly dontFrag: boolean;
  /** The MF flag. */
  readonly moreFrags: boolean;
  /** The fragment offset in bytes (a multiple of 8). */
  readonly fragOffset: number;
  /** Option bytes, uninterpreted (a multiple of 4, at most 40). */
  readonly options: Uint8Array;
  /** The payload length in bytes. */
  readonly payloadLen: number;
}

/**
 * A zero-copy view of an IPv4 packet. The constructor checks nothing; use
 * {@link Ipv4Packet.checked} for bytes from the wire.
 */
export class Ipv4Packet {
  /** The packet's bytes. */
  readonly bytes: Uint8Array;

  /** Wraps `bytes` without checking them. */
  constructor(bytes: Uint8Array) {
    checkBytes("Ipv4Packet", bytes);
    this.bytes = bytes;
  }

  /**
   * Wraps `bytes` after checking version, header length and total length.
   * Bytes after the total length (link-layer padding) are allowed; with
   * `cut` (a capture's snap length cut the packet short), so is a total
   * length beyond the bytes at hand, and {@link payload} is what there is.
   * @throws {WireError} If the packet is truncated or its lengths impossible.
   */
  static checked(bytes: Uint8Array, cut = false): Ipv4Packet {
    checkBytes("Ipv4Packet.checked", bytes);
    if (bytes.length < HEADER_LEN) {
      throw new WireError(WHAT, `${bytes.length} bytes is shorter than the 20-byte header`);
    }
    const p = new Ipv4Packet(bytes);
    if (p.version !== 4) throw new WireError(WHAT, `version is ${p.version}, expected 4`);
    const ihl = p.headerLen;
    if (ihl < HEADER_LEN) {
      throw new WireError(WHAT, `header length is ${ihl / 4} words, expected at least 5`);
    }
    if (ihl > bytes.length) {
      throw new WireError(WHAT, `header length ${ihl} is beyond the ${bytes.length}-byte packet`);
    }
    const total = p.totalLen;
    if (total < ihl) {
      throw new WireError(WHAT, `total length ${total} is shorter than the ${ihl}-byte header`);
    }
    if (total > bytes.length && !cut) {
      throw new WireError(
        WHAT,
        `total length ${total} is beyond the ${bytes.length} bytes captured`,
      );
    }
    return p;
  }

  /** The version field (4). */
  get version(): number {
    return this.bytes[Field.VER_IHL] >> 4;
  }
  /** The header length in bytes (IHL times 4). */
  get headerLen(): number {
    return (this.bytes[Field.VER_IHL] & 0x0f) * 4;
  }
  /** The DSCP (6 bits). */
  get dscp(): number {
    return this.bytes[Field.DSCP_ECN] >> 2;
  }
  /** The ECN codepoint (2 bits). */
  get ecn(): number {
    return this.bytes[Field.DSCP_ECN] & 3;
  }
  /** The total length field: header plus payload. */
  get totalLen(): number {
    return get16(this.bytes, Field.LENGTH);
  }
  /** The identification field. */
  get ident(): number {
    return get16(this.bytes, Field.IDENT);
  }
  /** The DF flag. */
  get dontFrag(): boolean {
    return (this.bytes[Field.FLG_OFF] & 0x40) !== 0;
  }
  /** The MF flag. */
  get moreFrags(): boolean {
    return (this.bytes[Field.FLG_OFF] & 0x20) !== 0;
  }
  /** The fragment offset in bytes. */
  get fragOffset(): number {
    return (get16(this.bytes, Field.FLG_OFF) & 0x1fff) * 8;
  }
  /** Time to live. */
  get ttl(): number {
    return this.bytes[Field.TTL];
  }
  /** The protocol field. */
  get protocol(): number {
    return this.bytes[Field.PROTOCOL];
  }
  /** The header checksum field. */
  get checksum(): number {
    return get16(this.bytes, Field.CHECKSUM);
  }
  set checksum(value: number) {
    set16(this.bytes, Field.CHECKSUM, value);
  }
  /** The source address (a view). */
  get src(): Uint8Array {
    return this.bytes.subarray(Field.SRC, Field.SRC + 4);
  }
  /** The destination address (a view). */
  get dst(): Uint8Array {
    return this.bytes.subarray(Field.DST, Field.DST + 4);
  }
  /** The option bytes. */
  get options(): Uint8Array {
    return this.bytes.subarray(Field.OPTIONS, this.headerLen);
  }
  /** The payload: from the end of the header to the total length (or the end of the bytes). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen, this.totalLen);
  }
  /** Whether the header checksum is right. */
  verifyChecksum(): boolean {
    return inetChecksum(this.bytes.subarray(0, this.headerLen)) === 0;
  }
  /** Computes and stores the header checksum. */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = inetChecksum(this.bytes.subarray(0, this.headerLen));
  }
}

/**
 * Parses an IPv4 header. The payload is `Ipv4Packet.checked(bytes).payload`,
 * or use {@link parsePacket} to get both.
 *
 * @param bytes The packet, from the version byte on.
 * @param verifyChecksum Whether to reject a wrong header checksum (default true).
 * @throws {WireError} If the packet is truncated, not version 4, its lengths
 * are impossible, or the header checksum is wrong.
 */
export function parse(bytes: Uint8Array, verifyChecksum = true): Ipv4Repr {
  return parsePacket(bytes, verifyChecksum).repr;
}

/**
 * Parses an IPv4 packet into its header record and a view of its payload.
 * @throws {WireError} As {@link parse}.
 */
export function parsePacket(
  bytes: Uint8Array,
  verifyChecksum = true,
): { repr: Ipv4Repr; payload: Uint8Array } {
  const p = Ipv4Packet.checked(bytes);
  if (verifyChecksum && !p.verifyChecksum()) {
    throw new WireError(
      WHAT,
      `header checksum 0x${p.checksum.toString(16).padStart(4, "0")} is wrong`,
    );
  }
  const repr: Ipv4Repr = {
    src: p.src,
    dst: p.dst,
    protocol: p.protocol,
    ttl: p.ttl,
    dscp: p.dscp,
    ecn: p.ecn,
    ident: p.ident,
    dontFrag: p.dontFrag,
    moreFrags: p.moreFrags,
    fragOffset: p.fragOffset,
    options: p.options,
    payloadLen: p.totalLen - p.headerLen,
  };
  return { repr, payload: p.payload };
}

/** The header length {@link emit} writes: 20 bytes plus the options. */
export function bufferLen(repr: Ipv4Repr): number {
  return HEADER_LEN + repr.options.length;
}

/**
 * Writes the header of `repr` into `buffer` with its checksum; the caller
 * puts `repr.payloadLen` bytes of payload right after it.
 *
 * @returns The header length written.
 * @throws {RangeError} If a field is out of range or the buffer too short.
 */
export function emit(repr: Ipv4Repr, buffer: Uint8Array): number {
  const fn = "ipv4.emit";
  checkBytes(fn, buffer);
  checkAddress(fn, "src", repr.src, 4);
  checkAddress(fn, "dst", repr.dst, 4);
  checkInt(fn, "protocol", repr.protocol, 0, 255);
  checkInt(fn, "ttl", repr.ttl, 0, 255);
  checkInt(fn, "dscp", repr.dscp, 0, 63);
  checkInt(fn, "ecn", repr.ecn, 0, 3);
  checkInt(fn, "ident", repr.ident, 0, 0xffff);
  checkInt(fn, "fragOffset / 8", repr.fragOffset / 8, 0, 0x1fff);
  if (repr.options.length % 4 !== 0 || repr.options.length > 40) {
    throw new RangeError(
      `${fn}(): options must be a multiple of 4 bytes, at most 40, got ${repr.options.length}`,
    );
  }
  const headerLen = bufferLen(repr);
  checkInt(fn, "payloadLen", repr.payloadLen, 0, 0xffff - headerLen);
  if (buffer.length < headerLen) {
    throw new RangeError(
      `${fn}(): the header needs ${headerLen} bytes, the buffer has ${buffer.length}`,
    );
  }
  const out = buffer.subarray(0, headerLen);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[Field.VER_IHL] = 0x40 | (headerLen / 4);
  out[Field.DSCP_ECN] = (repr.dscp << 2) | repr.ecn;
  view.setUint16(Field.LENGTH, headerLen + repr.payloadLen);
  view.setUint16(Field.IDENT, repr.ident);
  view.setUint16(
    Field.FLG_OFF,
    (repr.dontFrag ? 0x4000 : 0) | (repr.moreFrags ? 0x2000 : 0) | (repr.fragOffset / 8),
  );
  out[Field.TTL] = repr.ttl;
  out[Field.PROTOCOL] = repr.protocol;
  out.set(repr.src, Field.SRC);
  out.set(repr.dst, Field.DST);
  out.set(repr.options, Field.OPTIONS);
  new Ipv4Packet(out).fillChecksum();
  return headerLen;
}
