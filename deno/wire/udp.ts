/**
 * UDP datagrams (RFC 768): a zero-copy view, {@link UdpPacket}, and a plain
 * {@link UdpRepr}. Checksums use the IPv4 or IPv6 pseudo-header; over IPv4
 * a zero checksum means "none" (RFC 768), over IPv6 it is invalid
 * (RFC 8200 §8.1). Parsing throws a {@link WireError} for anything malformed.
 *
 * @example Round trip
 * ```ts
 * import { bufferLen, emit, parse } from "./udp.ts";
 * const pseudo = { src: new Uint8Array([10, 0, 0, 1]), dst: new Uint8Array([10, 0, 0, 2]) };
 * const repr = { srcPort: 5353, dstPort: 53, payload: new Uint8Array([1, 2, 3]) };
 * const bytes = new Uint8Array(bufferLen(repr));
 * emit(repr, bytes, pseudo);
 * console.assert(parse(bytes, pseudo).payload.length === 3);
 * ```
 *
 * @module
 */
import { checkBytes, checkInt, WireError } from "./error.ts";
import { IpProtocol, pseudoChecksum, type PseudoHeader } from "./ip.ts";

/** Field offsets of the UDP header. */
const Field = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6 } as const;

/** The header length in bytes. */
export const HEADER_LEN = 8;

const WHAT = "UDP datagram";

/** A UDP datagram as a plain record. */
export interface UdpRepr {
  /** The source port. */
  readonly srcPort: number;
  /** The destination port. */
  readonly dstPort: number;
  /** The data (a view of the parsed bytes). */
  readonly payload: Uint8Array;
}

/**
 * A zero-copy view of a UDP datagram. The constructor checks nothing; use
 * {@link UdpPacket.checked} for bytes from the wire.
 */
export class UdpPacket {
  /** The datagram's bytes. */
  readonly bytes: Uint8Array;
  #view: DataView;

  /** Wraps `bytes` without checking them. */
  constructor(bytes: Uint8Array) {
    checkBytes("UdpPacket", bytes);
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Wraps `bytes` after checking the header and the length field.
   * @throws {WireError} If truncated or the length field is impossible.
   */
  static checked(bytes: Uint8Array): UdpPacket {
    checkBytes("UdpPacket.checked", bytes);
    if (bytes.length < HEADER_LEN) {
      throw new WireError(WHAT, `${bytes.length} bytes is shorter than the 8-byte header`);
    }
    const p = new UdpPacket(bytes);
    if (p.length < HEADER_LEN) {
      throw new WireError(WHAT, `length field ${p.length} is shorter than the 8-byte header`);
    }
    if (p.length > bytes.length) {
      throw new WireError(
        WHAT,
        `length field ${p.length} is beyond the ${bytes.length}-byte datagram`,
      );
    }
    return p;
  }

  /** The source port. */
  get srcPort(): number {
    return this.#view.getUint16(Field.SRC_PORT);
  }
  /** The destination port. */
  get dstPort(): number {
    return this.#view.getUint16(Field.DST_PORT);
  }
  /** The length field: header plus data. */
  get length(): number {
    return this.#view.getUint16(Field.LENGTH);
  }
  /** The checksum field (0: none, over IPv4). */
  get checksum(): number {
    return this.#view.getUint16(Field.CHECKSUM);
  }
  set checksum(value: number) {
    this.#view.setUint16(Field.CHECKSUM, value);
  }
  /** The data, up to the length field. */
  get payload(): Uint8Array {
    return this.bytes.subarray(HEADER_LEN, this.length);
  }
  /** Whether the checksum is right (true for a zero checksum over IPv4). */
  verifyChecksum(pseudo: PseudoHeader): boolean {
    if (this.checksum === 0) return pseudo.src.length === 4;
    return pseudoChecksum(pseudo, IpProtocol.Udp, this.bytes.subarray(0, this.length)) === 0;
  }
  /** Computes and stores the checksum (a computed 0 is sent as 0xFFFF). */
  fillChecksum(pseudo: PseudoHeader): void {
    this.checksum = 0;
    this.checksum = pseudoChecksum(pseudo, IpProtocol.Udp, this.bytes.subarray(0, this.length)) ||
      0xffff;
  }
}

/**
 * Parses a UDP datagram; with `pseudo`, verifies the checksum.
 * @throws {WireError} If truncated, the length field is impossible, or the
 * checksum is wrong (or zero over IPv6).
 */
export function parse(bytes: Uint8Array, pseudo?: PseudoHeader | null): UdpRepr {
  const p = UdpPacket.checked(bytes);
  if (pseudo && !p.verifyChecksum(pseudo)) {
    throw new WireError(
      WHAT,
      p.checksum === 0
        ? "checksum is zero, which IPv6 forbids"
        : `checksum 0x${p.checksum.toString(16).padStart(4, "0")} is wrong`,
    );
  }
  return { srcPort: p.srcPort, dstPort: p.dstPort, payload: p.payload };
}

/** The bytes {@link emit} writes: header plus payload. */
export function bufferLen(repr: UdpRepr): number {
  return HEADER_LEN + repr.payload.length;
}

/**
 * Writes `repr` into `buffer`; with `pseudo`, fills in the checksum (else 0).
 * @returns The number of bytes written.
 * @throws {RangeError} If a field is out of range or the buffer too short.
 */
export function emit(repr: UdpRepr, buffer: Uint8Array, pseudo?: PseudoHeader | null): number {
  const fn = "udp.emit";
  checkBytes(fn, buffer);
  checkInt(fn, "srcPort", repr.srcPort, 0, 0xffff);
  checkInt(fn, "dstPort", repr.dstPort, 0, 0xffff);
  const total = bufferLen(repr);
  checkInt(fn, "length", total, HEADER_LEN, 0xffff);
  if (buffer.length < total) {
    throw new RangeError(
      `${fn}(): the datagram needs ${total} bytes, the buffer has ${buffer.length}`,
    );
  }
  const out = buffer.subarray(0, total);
  const view = new DataView(out.buffer, out.byteOffset, total);
  view.setUint16(Field.SRC_PORT, repr.srcPort);
  view.setUint16(Field.DST_PORT, repr.dstPort);
  view.setUint16(Field.LENGTH, total);
  view.setUint16(Field.CHECKSUM, 0);
  out.set(repr.payload, HEADER_LEN);
  if (pseudo) new UdpPacket(out).fillChecksum(pseudo);
  return total;
}
