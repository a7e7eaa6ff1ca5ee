/**
 * A pcap file of the packets a simulation put on its links, for Wireshark
 * and tshark: the classic libpcap format (microsecond timestamps) with link
 * type 101 (LINKTYPE_RAW: each record is an IP packet). Virtual time becomes
 * the timestamp. The packets are recorded as their senders emitted them, so
 * every checksum in the file is right; what the link then did is in the
 * trace, not in the capture.
 *
 * @module
 */
import type { TraceEvent } from "./events.ts";

const LINKTYPE_RAW = 101;

/**
 * Builds a pcap file from the link "send" events of a trace.
 *
 * @param events Trace events from a {@link SimNetwork} run.
 * @param startSeconds The capture's epoch offset in seconds (default 0).
 * @returns The file's bytes.
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
  const packets = events.flatMap((e) =>
    e.kind === "link" && e.action === "send" ? [{ time: e.time, packet: e.packet }] : []
  );
  const size = 24 + packets.reduce((n, p) => n + 16 + p.packet.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true); // magic, microseconds
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true); // snap length
  view.setUint32(20, LINKTYPE_RAW, true);
  let at = 24;
  for (const { time, packet } of packets) {
    const micros = Math.round(startSeconds * 1e6 + time * 1000);
    view.setUint32(at, Math.floor(micros / 1e6), true);
    view.setUint32(at + 4, micros % 1e6, true);
    view.setUint32(at + 8, packet.length, true);
    view.setUint32(at + 12, packet.length, true);
    out.set(packet, at + 16);
    at += 16 + packet.length;
  }
  return out;
}
