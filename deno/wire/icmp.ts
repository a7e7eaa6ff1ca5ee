/**
 * ICMP for IPv4 (RFC 792): echo request and reply, and the errors
 * destination unreachable (with the next-hop MTU of RFC 1191), time exceeded
 * and parameter problem, as a plain {@link IcmpRepr} over the zero-copy
 * {@link IcmpPacket} view. The checksum covers the message alone. Other
 * message types are rejected with a {@link WireError}.
 *
 * @example Ping
 * ```ts
 * import { bufferLen, emit, parse, type IcmpRepr } from "./icmp.ts";
 * const repr: IcmpRepr = { type: "echoRequest", ident: 1, seq: 2, data: new Uint8Array(8) };
 * const bytes = new Uint8Array(bufferLen(repr));
 * emit(repr, bytes);
 * console.assert(parse(bytes).type === "echoRequest");
 * ```
 *
 * @module
 */
import { inetChecksum } from "../checksum.ts";
import { WireError } from "./error.ts";
import { emitWith, type IcmpRepr, type IcmpTypes, lengthOf, parseWith } from "./_icmp.ts";

export { HEADER_LEN, IcmpPacket } from "./_icmp.ts";
export type { IcmpEcho, IcmpError, IcmpRepr } from "./_icmp.ts";

const TYPES: IcmpTypes = {
  what: "ICMP message",
  numbers: {
    echoReply: 0,
    destUnreachable: 3,
    echoRequest: 8,
    timeExceeded: 11,
    parameterProblem: 12,
    packetTooBig: -1, // ICMPv4 says it with destUnreachable code 4
  },
  valueBytes: { destUnreachable: 2, parameterProblem: 1 },
};

/**
 * Parses an ICMP message.
 * @param bytes The message (after the IPv4 header).
 * @param verifyChecksum Whether to reject a wrong checksum (default true).
 * @throws {WireError} If truncated, of an unsupported type, or the checksum is wrong.
 */
export function parse(bytes: Uint8Array, verifyChecksum = true): IcmpRepr {
  const repr = parseWith(TYPES, bytes);
  if (verifyChecksum && inetChecksum(bytes) !== 0) {
    throw new WireError(TYPES.what, "checksum is wrong");
  }
  return repr;
}

/** The bytes {@link emit} writes. */
export function bufferLen(repr: IcmpRepr): number {
  return lengthOf(repr);
}

/**
 * Writes `repr` into `buffer` with its checksum.
 * @returns The number of bytes written.
 * @throws {RangeError} If a field is out of range or the buffer too short.
 */
export function emit(repr: IcmpRepr, buffer: Uint8Array): number {
  if (repr.type === "packetTooBig") {
    throw new RangeError(`icmp.emit(): ICMPv4 has no "packetTooBig"; use destUnreachable code 4`);
  }
  const out = emitWith(TYPES, repr, buffer, "icmp.emit");
  const sum = inetChecksum(out);
  out[2] = sum >> 8;
  out[3] = sum & 0xff;
  return out.length;
}
