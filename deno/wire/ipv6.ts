/**
 * IPv6 packets (RFC 8200): a zero-copy view of the fixed header,
 * {@link Ipv6Packet}, and a plain {@link Ipv6Repr} whose parse walks the
 * extension headers (hop-by-hop options, routing, fragment, destination
 * options, and AH by its length) to the upper-layer protocol. Extension
 * headers are kept as uninterpreted bytes; the fragment header is decoded.
 * Jumbograms (RFC 2675) are not supported. Parsing throws a
 * {@link WireError} for anything malformed.
 *
 * @example Round trip
 * ```ts
 * import { bufferLen, emit, parse } from "./ipv6.ts";
 * const repr = {
 *   src: new Uint8Array(16), dst: new Uint8Array(16), nextHeader: 17, hopLimit: 64,
 *   trafficClass: 0, flowLabel: 0, extensions: [], payloadLen: 8,
 * };
 * const bytes = new Uint8Array(bufferLen(repr) + 8);
 * emit(repr, bytes);
 * console.assert(parse(bytes).nextHeader === 17);
 * ```
 *
 * @module
 */
import { checkBytes, checkInt, WireError } from "./error.ts";
import { checkAddress, IpProtocol } from "./ip.ts";

/** Field offsets of the fixed IPv6 header (RFC 8200 §3). */
const Field = {
  VER_TC_FLOW: 0,
  LENGTH: 4,
  NEXT_HEADER: 6,
  HOP_LIMIT: 7,
  SRC: 8,
  DST: 24,
} as const;

/** The fixed header length in bytes. */
export const HEADER_LEN = 40;

const WHAT = "IPv6 packet";

/** One extension header: its protocol number and its bytes (next-header byte included). */
export interface Ipv6Extension {
  /** The header's own type (0 hop-by-hop, 43 routing, 44 fragment, 60 destination options, 51 AH). */
  readonly type: number;
  /** The whole header, a multiple of 8 bytes (4 for AH). */
  readonly bytes: Uint8Array;
}

/** The fragment header's fields (RFC 8200 §4.5). */
export interface Ipv6Fragment {
  /** Offset of this fragment's data in bytes (a multiple of 8). */
  readonly offset: number;
  /** The M flag: more fragments follow. */
  readonly more: boolean;
  /** The identification. */
  readonly ident: number;
}

/** An IPv6 header and its extension headers as a plain record. */
export interface Ipv6Repr {
  /** The source address, 16 bytes. */
  readonly src: Uint8Array;
  /** The destination address, 16 bytes. */
  readonly dst: Uint8Array;
  /** The upper-layer protocol after the extension headers (6 TCP, 17 UDP, 58 ICMPv6, 59 none). */
  readonly nextHeader: number;
  /** The hop limit. */
  readonly hopLimit: number;
  /** The traffic class (8 bits). */
  readonly trafficClass: number;
  /** The flow label (20 bits). */
  readonly flowLabel: number;
  /** The extension headers in order. */
  readonly extensions: readonly Ipv6Extension[];
  /** The fragment header, when there is one. */
  readonly fragment?: Ipv6Fragment;
  /** The upper-layer payload length in bytes (after the extension headers). */
  readonly payloadLen: number;
}

/**
 * A zero-copy view of the fixed IPv6 header. The constructor checks nothing;
 * use {@link Ipv6Packet.checked} for bytes from the wire.
 */
export class Ipv6Packet {
  /** The packet's bytes. */
  readonly bytes: Uint8Array;
  #view: DataView;

  /** Wraps `bytes` without checking them. */
  constructor(bytes: Uint8Array) {
    checkBytes("Ipv6Packet", bytes);
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Wraps `bytes` after checking the version and that the payload length
   * fits; with `cut` (a capture's snap length cut the packet short) the
   * payload may extend beyond the bytes at hand.
   * @throws {WireError} If the packet is truncated or not version 6.
   */
  static checked(bytes: Uint8Array, cut = false): Ipv6Packet {
    checkBytes("Ipv6Packet.checked", bytes);
    if (bytes.length < HEADER_LEN) {
      throw new WireError(WHAT, `${bytes.length} bytes is shorter than the 40-byte header`);
    }
    const p = new Ipv6Packet(bytes);
    if (p.version !== 6) throw new WireError(WHAT, `version is ${p.version}, expected 6`);
    if (HEADER_LEN + p.payloadLen > bytes.length && !cut) {
      throw new WireError(
        WHAT,
        `payload length ${p.payloadLen} is beyond the ${
          bytes.length - HEADER_LEN
        } bytes after the header`,
      );
    }
    return p;
  }

  /** The version field (6). */
  get version(): number {
    return this.bytes[0] >> 4;
  }
  /** The traffic class. */
  get trafficClass(): number {
    return (this.#view.getUint16(Field.VER_TC_FLOW) >> 4) & 0xff;
  }
  /** The flow label. */
  get flowLabel(): number {
    return this.#view.getUint32(Field.VER_TC_FLOW) & 0xfffff;
  }
  /** The payload length field: everything after the fixed header. */
  get payloadLen(): number {
    return this.#view.getUint16(Field.LENGTH);
  }
  /** The next header field of the fixed header. */
  get nextHeader(): number {
    return this.bytes[Field.NEXT_HEADER];
  }
  /** The hop limit. */
  get hopLimit(): number {
    return this.bytes[Field.HOP_LIMIT];
  }
  /** The source address (a view). */
  get src(): Uint8Array {
    return this.bytes.subarray(Field.SRC, Field.SRC + 16);
  }
  /** The destination address (a view). */
  get dst(): Uint8Array {
    return this.bytes.subarray(Field.DST, Field.DST + 16);
  }
  /** Everything after the fixed header, up to the payload length. */
  get payload(): Uint8Array {
    return this.bytes.subarray(HEADER_LEN, HEADER_LEN + this.payloadLen);
  }
}

const EXTENSION_NAMES: Record<number, string> = {
  [IpProtocol.HopByHop]: "hop-by-hop options",
  [IpProtocol.Ipv6Route]: "routing",
  [IpProtocol.Ipv6Frag]: "fragment",
  [IpProtocol.Ipv6Opts]: "destination options",
  [IpProtocol.Ah]: "authentication",
};

/** Whether `protocol` is an extension header this module walks. */
export function isExtension(protocol: number): boolean {
  return protocol in EXTENSION_NAMES;
}

/**
 * Parses an IPv6 packet into its header record and a view of the
 * upper-layer payload, walking the extension headers. With `cut` (a
 * capture's snap length cut the packet short) the payload is what there is,
 * while `payloadLen` still says how long it was.
 *
 * @throws {WireError} If the packet or an extension header is truncated,
 * the version is not 6, or a hop-by-hop header is not first.
 */
export function parsePacket(
  bytes: Uint8Array,
  cut = false,
): { repr: Ipv6Repr; payload: Uint8Array } {
  const p = Ipv6Packet.checked(bytes, cut);
  const body = p.payload;
  const extensions: Ipv6Extension[] = [];
  let fragment: Ipv6Fragment | undefined;
  let next = p.nextHeader;
  let at = 0;
  while (isExtension(next)) {
    const name = EXTENSION_NAMES[next];
    if (next === IpProtocol.HopByHop && extensions.length > 0) {
      throw new WireError(WHAT, "a hop-by-hop options header is not first");
    }
    if (body.length - at < 8) {
      throw new WireError(WHAT, `${name} header at offset ${40 + at} is truncated`);
    }
    const len = next === IpProtocol.Ipv6Frag
      ? 8
      : next === IpProtocol.Ah
      ? (body[at + 1] + 2) * 4
      : (body[at + 1] + 1) * 8;
    if (at + len > body.length) {
      throw new WireError(
        WHAT,
        `${name} header of ${len} bytes at offset ${40 + at} overruns the ${
          40 + body.length
        }-byte packet`,
      );
    }
    const header = body.subarray(at, at + len);
    if (next === IpProtocol.Ipv6Frag) {
      fragment = {
        offset: ((header[2] << 8) | header[3]) & 0xfff8,
        more: (header[3] & 1) === 1,
        ident: ((header[4] << 24) | (header[5] << 16) | (header[6] << 8) | header[7]) >>> 0,
      };
    }
    extensions.push({ type: next, bytes: header });
    next = header[0];
    at += len;
  }
  const repr: Ipv6Repr = {
    src: p.src,
    dst: p.dst,
    nextHeader: next,
    hopLimit: p.hopLimit,
    trafficClass: p.trafficClass,
    flowLabel: p.flowLabel,
    extensions,
    ...(fragment ? { fragment } : {}),
    payloadLen: p.payloadLen - at,
  };
  return { repr, payload: body.subarray(at) };
}

/**
 * Parses an IPv6 packet's headers; see {@link parsePacket} for the payload.
 * @throws {WireError} As {@link parsePacket}.
 */
export function parse(bytes: Uint8Array): Ipv6Repr {
  return parsePacket(bytes).repr;
}

/** The header length {@link emit} writes: 40 bytes plus the extension headers. */
export function bufferLen(repr: Ipv6Repr): number {
  return repr.extensions.reduce((n, e) => n + e.bytes.length, HEADER_LEN);
}

/**
 * Writes the fixed header and the extension headers of `repr` into `buffer`,
 * chaining their next-header bytes; the caller puts `repr.payloadLen` bytes
 * of payload right after. (`repr.fragment` is informational: a fragment
 * header is emitted from `repr.extensions` like any other.)
 *
 * @returns The header length written.
 * @throws {RangeError} If a field is out of range or the buffer too short.
 */
export function emit(repr: Ipv6Repr, buffer: Uint8Array): number {
  const fn = "ipv6.emit";
  checkBytes(fn, buffer);
  checkAddress(fn, "src", repr.src, 16);
  checkAddress(fn, "dst", repr.dst, 16);
  checkInt(fn, "nextHeader", repr.nextHeader, 0, 255);
  checkInt(fn, "hopLimit", repr.hopLimit, 0, 255);
  checkInt(fn, "trafficClass", repr.trafficClass, 0, 255);
  checkInt(fn, "flowLabel", repr.flowLabel, 0, 0xfffff);
  for (const e of repr.extensions) {
    if (!isExtension(e.type) || e.bytes.length < 8) {
      throw new RangeError(`${fn}(): extension header type ${e.type} is not one this module emits`);
    }
  }
  const headerLen = bufferLen(repr);
  checkInt(fn, "payloadLen", repr.payloadLen, 0, 0xffff - (headerLen - HEADER_LEN));
  if (buffer.length < headerLen) {
    throw new RangeError(
      `${fn}(): the headers need ${headerLen} bytes, the buffer has ${buffer.length}`,
    );
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, headerLen);
  view.setUint32(
    Field.VER_TC_FLOW,
    ((6 << 28) | (repr.trafficClass << 20) | repr.flowLabel) >>> 0,
  );
  view.setUint16(Field.LENGTH, headerLen - HEADER_LEN + repr.payloadLen);
  buffer[Field.HOP_LIMIT] = repr.hopLimit;
  buffer.set(repr.src, Field.SRC);
  buffer.set(repr.dst, Field.DST);
  let nextAt: number = Field.NEXT_HEADER;
  let at = HEADER_LEN;
  for (const e of repr.extensions) {
    buffer[nextAt] = e.type;
    buffer.set(e.bytes, at);
    nextAt = at;
    at += e.bytes.length;
  }
  buffer[nextAt] = repr.nextHeader;
  return headerLen;
}
