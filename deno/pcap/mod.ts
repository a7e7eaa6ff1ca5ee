/**
 * Capture files: read pcap and pcapng, write pcap, find the IP packet in a
 * captured frame, and analyze the TCP connections a capture holds (the
 * library behind `socklab pcap`).
 *
 * This layer reads and writes bytes handed to it; it opens no files and
 * never prints. Malformed files and frames are rejected with a
 * {@link WireError} naming what failed and why. It needs the wire formats
 * and nothing else: it knows no socket and no TCP state machine, so it
 * reads captures of any TCP, the kernel's or socklab's.
 *
 * @example List the connections in a capture
 * ```ts
 * import { analyze, readCapture } from "./mod.ts";
 * const bytes = await Deno.readFile(new URL("../../tests/testdata/clean.pcap", import.meta.url));
 * for (const c of analyze(readCapture(bytes)).connections) {
 *   console.log(c.stream, c.client, c.server, c.close.how, c.toClient.bytes);
 * }
 * ```
 *
 * @module
 */
export * from "./reader.ts";
export { pcapHeader, pcapRecord, PcapWriter } from "./writer.ts";
export { type IpInFrame, ipOfFrame } from "./link.ts";
export * from "./analyze.ts";
export { WireError } from "../wire/error.ts";
export type { SackBlock, TcpControl, TcpRepr, TcpTimestamp } from "../wire/tcp.ts";
