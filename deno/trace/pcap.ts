/**
 * A pcap file of the packets a simulation put on its links, for Wireshark
 * and tshark, written by {@link PcapWriter} (deno/pcap/writer.ts): classic
 * libpcap format, microsecond timestamps, link type RAW (101: each record is
 * an IP packet). Virtual time becomes the timestamp. The packets are recorded
 * as their senders emitted them, so every checksum in the file is right;
 * what the link then did is in the trace, not in the capture.
 *
 * @module
 */
import { PcapWriter } from "../pcap/writer.ts";
import type { TraceEvent } from "./events.ts";

/**
 * Builds a pcap file from the link "send" events of a trace.
 *
 * @param events Trace events from a {@link SimNetwork} run.
 * @param startSeconds The capture's epoch offset in seconds (default 0).
 * @returns The file's bytes.
 * @throws {RangeError} If a timestamp falls outside what pcap holds (0 to 2^32 s).
 *
 * @example
 * ```ts
 * import { pcapOfTrace } from "./pcap.ts";
 * import assert from "node:assert/strict";
 * const file = pcapOfTrace([]);
 * assert.equal(file.length, 24);
 * assert.equal(new DataView(file.buffer).getUint32(0, true), 0xa1b2c3d4);
 * ```
 */
export function pcapOfTrace(events: readonly TraceEvent[], startSeconds = 0): Uint8Array {
  const writer = new PcapWriter();
  for (const e of events) {
    if (e.kind !== "link" || e.action !== "send") continue;
    // Rounded to the microsecond first, so the record holds exactly that instant.
    const micros = Math.round(startSeconds * 1e6 + e.time * 1000);
    writer.write(e.packet, micros / 1e6);
  }
  return writer.bytes();
}
