// What ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) share: an 8-byte header (type,
// code, checksum, 4 type-specific bytes) and a body, which is the echo data
// or the start of the packet that caused an error. icmp.ts and icmpv6.ts
// give each its type numbers and checksum rule.
import { checkBytes, checkInt, WireError } from "./error.ts";

/** Field offsets of the ICMP header. */
export const Field = { TYPE: 0, CODE: 1, CHECKSUM: 2, REST: 4, BODY: 8 } as const;

/** The header length in bytes. */
export const HEADER_LEN = 8;

/** An echo request or reply. */
export interface IcmpEcho {
  /** "echoRequest" or "echoReply". */
  readonly type: "echoRequest" | "echoReply";
  /** The identifier. */
  readonly ident: number;
  /** The sequence number. */
  readonly seq: number;
  /** The data echoed. */
  readonly data: Uint8Array;
}

/** An error message quoting the packet that caused it. */
export interface IcmpError {
  /** Which error. */
  readonly type: "destUnreachable" | "timeExceeded" | "parameterProblem" | "packetTooBig";
  /** The code (for example 3, port unreachable, in ICMPv4). */
  readonly code: number;
  /**
   * The type-specific number: the MTU for "packetTooBig" and for ICMPv4
   * "fragmentation needed" (code 4), the pointer for "parameterProblem",
   * else 0.
   */
  readonly value: number;
  /** The start of the invoking packet (IP header first). */
  readonly invoking: Uint8Array;
}

/** An ICMP or ICMPv6 message this layer understands. */
export type IcmpRepr = IcmpEcho | IcmpError;

/** Type numbers of one ICMP version. @internal */
export interface IcmpTypes {
  readonly what: string;
  readonly numbers: Readonly<Record<IcmpRepr["type"], number>>;
  /** How the 4 type-specific bytes hold `value` for each error type. */
  readonly valueBytes: Readonly<Partial<Record<IcmpError["type"], 1 | 2 | 4>>>;
}

/**
 * A zero-copy view of an ICMP or ICMPv6 message. The constructor checks
 * nothing; parsing checks the length.
 */
export class IcmpPacket {
  /** The message's bytes. */
  readonly bytes: Uint8Array;
  #view: DataView;

  /** Wraps `bytes` without checking them. */
  constructor(bytes: Uint8Array) {
    checkBytes("IcmpPacket", bytes);
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** The type field. */
  get msgType(): number {
    return this.bytes[Field.TYPE];
  }
  /** The code field. */
  get code(): number {
    return this.bytes[Field.CODE];
  }
  /** The checksum field. */
  get checksum(): number {
    return this.#view.getUint16(Field.CHECKSUM);
  }
  set checksum(value: number) {
    this.#view.setUint16(Field.CHECKSUM, value);
  }
  /** The echo identifier (bytes 4 and 5). */
  get ident(): number {
    return this.#view.getUint16(Field.REST);
  }
  /** The echo sequence number (bytes 6 and 7). */
  get seq(): number {
    return this.#view.getUint16(Field.REST + 2);
  }
  /** The 4 type-specific bytes as one big-endian number. */
  get rest(): number {
    return this.#view.getUint32(Field.REST);
  }
  /** Everything after the 8-byte header. */
  get body(): Uint8Array {
    return this.bytes.subarray(HEADER_LEN);
  }
}

/** Decodes a message whose checksum the caller has handled. @internal */
export function parseWith(types: IcmpTypes, bytes: Uint8Array): IcmpRepr {
  if (bytes.length < HEADER_LEN) {
    throw new WireError(types.what, `${bytes.length} bytes is shorter than the 8-byte header`);
  }
  const p = new IcmpPacket(bytes);
  const name = (Object.keys(types.numbers) as IcmpRepr["type"][])
    .find((k) => types.numbers[k] === p.msgType);
  if (name === undefined) {
    throw new WireError(types.what, `message type ${p.msgType} is not supported`);
  }
  if (name === "echoRequest" || name === "echoReply") {
    if (p.code !== 0) throw new WireError(types.what, `echo with code ${p.code}, expected 0`);
    return { type: name, ident: p.ident, seq: p.seq, data: p.body };
  }
  const width = types.valueBytes[name] ?? 0;
  const value = width === 4
    ? p.rest
    : width === 2
    ? p.rest & 0xffff
    : width === 1
    ? p.rest >>> 24
    : 0;
  return { type: name, code: p.code, value, invoking: p.body };
}

/** The bytes an emit writes. @internal */
export function lengthOf(repr: IcmpRepr): number {
  return HEADER_LEN + ("data" in repr ? repr.data.length : repr.invoking.length);
}

/** Writes everything but the checksum (left 0). @internal */
export function emitWith(types: IcmpTypes, repr: IcmpRepr, buffer: Uint8Array, fn: string) {
  checkBytes(fn, buffer);
  const number = types.numbers[repr.type];
  if (number === undefined) {
    throw new RangeError(`${fn}(): type "${repr.type}" does not exist in ${types.what}`);
  }
  const total = lengthOf(repr);
  if (buffer.length < total) {
    throw new RangeError(
      `${fn}(): the message needs ${total} bytes, the buffer has ${buffer.length}`,
    );
  }
  const out = buffer.subarray(0, total);
  const view = new DataView(out.buffer, out.byteOffset, total);
  out[Field.TYPE] = number;
  view.setUint16(Field.CHECKSUM, 0);
  if ("data" in repr) {
    checkInt(fn, "ident", repr.ident, 0, 0xffff);
    checkInt(fn, "seq", repr.seq, 0, 0xffff);
    out[Field.CODE] = 0;
    view.setUint16(Field.REST, repr.ident);
    view.setUint16(Field.REST + 2, repr.seq);
    out.set(repr.data, HEADER_LEN);
  } else {
    checkInt(fn, "code", repr.code, 0, 255);
    const width = types.valueBytes[repr.type] ?? 0;
    const max = width === 4 ? 0xffffffff : width === 2 ? 0xffff : width === 1 ? 0xff : 0;
    checkInt(fn, "value", repr.value, 0, max);
    out[Field.CODE] = repr.code;
    const rest = width === 1 ? repr.value * 0x1000000 : repr.value;
    view.setUint32(Field.REST, rest >>> 0);
    out.set(repr.invoking, HEADER_LEN);
  }
  return out;
}
