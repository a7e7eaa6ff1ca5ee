/**
 * ICMPv6 (RFC 4443): echo request and reply, and the errors destination
 * unreachable, packet too big, time exceeded and parameter problem, as a
 * plain {@link IcmpRepr} over the zero-copy {@link IcmpPacket} view. The
 * checksum covers the IPv6 pseudo-header. Other message types (neighbour
 * discovery among them) are rejected with a {@link WireError}.
 *
 * @example Ping
 * ```ts
 * import { bufferLen, emit, parse, type IcmpRepr } from "./icmpv6.ts";
 * const pseudo = { src: new Uint8Array(16), dst: new Uint8Array(16) };
 * const repr: IcmpRepr = { type: "echoReply", ident: 1, seq: 2, data: new Uint8Array(8) };
 * const bytes = new Uint8Array(bufferLen(repr));
 * emit(repr, bytes, pseudo);
 * console.assert(parse(bytes, pseudo).type === "echoReply");
 * ```
 *
 * @module
 */
import { WireError } from "./error.ts";
import { IpProtocol, pseudoChecksum, type PseudoHeader } from "./ip.ts";
import { emitWith, type IcmpRepr, type IcmpTypes, lengthOf, parseWith } from "./_icmp.ts";

export { HEADER_LEN, IcmpPacket } from "./_icmp.ts";
export type { IcmpEcho, IcmpError, IcmpRepr } from "./_icmp.ts";

const TYPES: IcmpTypes = {
  what: "ICMPv6 message",
  numbers: {
    destUnreachable: 1,
    packetTooBig: 2,
    timeExceeded: 3,
    parameterProblem: 4,
    echoRequest: 128,
    echoReply: 129,
  },
  valueBytes: { packetTooBig: 4, parameterProblem: 4 },
};

/**
 * Parses an ICMPv6 message; with `pseudo`, verifies the checksum.
 * @throws {WireError} If truncated, of an unsupported type, or the checksum is wrong.
 */
export function parse(bytes: Uint8Array, pseudo?: PseudoHeader | null): IcmpRepr {
  const repr = parseWith(TYPES, bytes);
  if (pseudo && pseudoChecksum(pseudo, IpProtocol.Icmpv6, bytes) !== 0) {
    throw new WireError(TYPES.what, "checksum is wrong");
  }
  return repr;
}

/** The bytes {@link emit} writes. */
export function bufferLen(repr: IcmpRepr): number {
  return lengthOf(repr);
}

/**
 * Writes `repr` into `buffer`, with the checksum when `pseudo` is given.
 * @returns The number of bytes written.
 * @throws {RangeError} If a field is out of range or the buffer too short.
 */
export function emit(repr: IcmpRepr, buffer: Uint8Array, pseudo?: PseudoHeader | null): number {
  const out = emitWith(TYPES, repr, buffer, "icmpv6.emit");
  if (pseudo) {
    const sum = pseudoChecksum(pseudo, IpProtocol.Icmpv6, out);
    out[2] = sum >> 8;
    out[3] = sum & 0xff;
  }
  return out.length;
}
