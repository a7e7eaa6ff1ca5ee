/**
 * Wire formats: parse and emit IPv4, IPv6, TCP, UDP, ICMP and ICMPv6 without
 * copying, plus TCP sequence-number arithmetic.
 *
 * Each protocol has a zero-copy view class over a `Uint8Array` whose
 * accessors are named after the header fields, and a plain Repr record with
 * `parse(bytes, ...)`, `emit(repr, buffer, ...)` and `bufferLen(repr)`;
 * import a protocol as a namespace (`tcp.parse`). Parsing throws a
 * {@link WireError} (a `SyntaxError`) naming the protocol and a readable
 * reason for anything malformed: callers catch it to count and trace
 * rejections. Checksums are computed and verified by the WASM core.
 *
 * This layer does no I/O, keeps no state between calls and never prints. It
 * sits on the WASM core (`deno/checksum.ts`) alone; everything else in
 * socklab sits on it (see docs/layers.md).
 *
 * @example Parse a TCP segment
 * ```ts
 * import { tcp } from "./mod.ts";
 * const bytes = new Uint8Array(20);
 * bytes[12] = 0x50; // data offset 5
 * bytes[13] = 0x02; // SYN
 * console.assert(tcp.parse(bytes).control === "syn");
 * ```
 *
 * @module
 */
export { WireError } from "./error.ts";
export * from "./seq.ts";
export {
  formatAddress,
  IpProtocol,
  parseAddress,
  pseudoChecksum,
  type PseudoHeader,
  pseudoHeaderSum,
} from "./ip.ts";
export * as ipv4 from "./ipv4.ts";
export * as ipv6 from "./ipv6.ts";
export * as tcp from "./tcp.ts";
export * as udp from "./udp.ts";
export * as icmp from "./icmp.ts";
export * as icmpv6 from "./icmpv6.ts";
export { Ipv4Packet, type Ipv4Repr } from "./ipv4.ts";
export { type Ipv6Extension, type Ipv6Fragment, Ipv6Packet, type Ipv6Repr } from "./ipv6.ts";
export {
  type SackBlock,
  type TcpControl,
  TcpPacket,
  type TcpRepr,
  type TcpTimestamp,
} from "./tcp.ts";
export { UdpPacket, type UdpRepr } from "./udp.ts";
export { type IcmpEcho, type IcmpError, IcmpPacket, type IcmpRepr } from "./_icmp.ts";
