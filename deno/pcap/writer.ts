/**
 * Writes classic pcap files (little-endian, microsecond timestamps) that
 * Wireshark and tshark open: by default with link
 * type RAW (101), each packet an IPv4 or IPv6 packet from its first byte.
 *
 * @example
 * ```ts
 * import { PcapWriter } from "./writer.ts";
 * const writer = new PcapWriter();
 * writer.write(new Uint8Array([0x45, 0, 0, 20]), 0);
 * console.assert(writer.bytes().length === 24 + 16 + 4);
 * ```
 *
 * @module
 */
import { checkBytes, checkInt } from "../wire/error.ts";
import { LinkType } from "./reader.ts";

/** The pcap file header: 24 bytes. */
export function pcapHeader(linkType: number = LinkType.RAW, snapLen = 262144): Uint8Array {
  checkInt("pcapHeader", "linkType", linkType, 0, 0xffff);
  checkInt("pcapHeader", "snapLen", snapLen, 1, 0x7fffffff);
  const out = new Uint8Array(24);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snapLen, true);
  view.setUint32(20, linkType, true);
  return out;
}

/**
 * One pcap record: a 16-byte header and the packet.
 * @param data The packet, starting with its link-layer header (the IP header for RAW).
 * @param time Seconds since the Unix epoch (fractions kept to the microsecond).
 * @param originalLength The length on the wire, when `data` was cut short.
 */
export function pcapRecord(
  data: Uint8Array,
  time: number,
  originalLength = data.length,
): Uint8Array {
  checkBytes("pcapRecord", data);
  if (!Number.isFinite(time) || time < 0 || time >= 2 ** 32) {
    throw new RangeError(`pcapRecord(): time must be seconds from 0 to 2^32, got ${time}`);
  }
  checkInt("pcapRecord", "originalLength", originalLength, data.length, 0xffffffff);
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  let seconds = Math.floor(time);
  let micros = Math.round((time - seconds) * 1e6);
  if (micros === 1e6) [seconds, micros] = [seconds + 1, 0];
  view.setUint32(0, seconds, true);
  view.setUint32(4, micros, true);
  view.setUint32(8, data.length, true);
  view.setUint32(12, originalLength, true);
  out.set(data, 16);
  return out;
}

/** Collects packets into a pcap file in memory. */
export class PcapWriter {
  #chunks: Uint8Array[];
  #length: number;

  /** Starts a file with the given link type (RAW unless told). */
  constructor(linkType: number = LinkType.RAW) {
    const header = pcapHeader(linkType);
    this.#chunks = [header];
    this.#length = header.length;
  }

  /** Appends one packet (copied) taken at `time` seconds since the epoch. */
  write(data: Uint8Array, time: number): void {
    const record = pcapRecord(data, time);
    this.#chunks.push(record);
    this.#length += record.length;
  }

  /** The file so far. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
