/**
 * Packet computation from the WASM core, for Deno: TCP segmentation (the
 * packets a NIC's TSO engine would send), TCP receive reassembly with SACK
 * blocks, and IPv4/IPv6 fragment reassembly with memory and time limits.
 *
 * Pure computation: nothing here performs I/O or reads a clock; fragment
 * timeouts take the time as an argument. The TCP state machine (deno/tcp/)
 * builds on {@link TcpReassembler} and {@link segmentTcp}.
 *
 * Policies, in one place:
 * - TCP overlaps keep the first copy of every byte: a retransmission never
 *   changes what the application reads. Bytes beyond the window are dropped.
 * - IP fragments that overlap discard the whole datagram (RFC 5722, applied
 *   to IPv4 too); exact duplicates are ignored (RFC 8200 §4.5).
 *
 * @example Reassemble a stream from segments out of order
 * ```ts
 * import { TcpReassembler } from "./core_packet.ts";
 * import assert from "node:assert/strict";
 * using rx = new TcpReassembler({ initialSeq: 1000, window: 65535 });
 * rx.insert(1003, new Uint8Array([4, 5]));
 * assert.deepEqual(rx.sackBlocks(), [[1003, 1005]]);
 * rx.insert(1000, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(rx.read(), new Uint8Array([1, 2, 3, 4, 5]));
 * assert.equal(rx.nextSeq, 1005);
 * ```
 *
 * @example Segment a stream into IPv4 + TCP packets
 * ```ts
 * import { segmentTcp } from "./core_packet.ts";
 * import assert from "node:assert/strict";
 * const out = segmentTcp({
 *   src: "192.0.2.1", dst: "192.0.2.2", srcPort: 40000, dstPort: 80,
 *   seq: 0xfffffff0, ack: 1, sendMss: 1460, psh: true,
 * }, new Uint8Array(3000));
 * assert.equal(out.count, 3); // 1460 + 1460 + 80 data bytes
 * assert.equal(out.nextSeq, (0xfffffff0 + 3000) % 2 ** 32);
 * ```
 *
 * @example Reassemble IPv6 fragments, with a limit on memory
 * ```ts
 * import { FragmentReassembler } from "./core_packet.ts";
 * import assert from "node:assert/strict";
 * using fr = new FragmentReassembler({ maxBytes: 1 << 20, timeoutMs: 60_000 });
 * const fragment = (offset: number, more: boolean, data: number[]) => {
 *   const p = new Uint8Array(48 + data.length);
 *   p[0] = 0x60;
 *   p[5] = 8 + data.length; // payload length
 *   p[6] = 44; // next header: Fragment
 *   p[23] = 1; // source ::1, destination ::2
 *   p[39] = 2;
 *   p.set([17, 0, offset >> 8, (offset & 0xf8) | (more ? 1 : 0), 0, 0, 0, 9], 40);
 *   p.set(data, 48);
 *   return p;
 * };
 * assert.equal(fr.insert(fragment(8, false, [9, 10]), 0).status, "held");
 * const { status, complete } = fr.insert(fragment(0, true, [1, 2, 3, 4, 5, 6, 7, 8]), 5);
 * assert.equal(status, "complete");
 * assert.equal(complete!.length, 40 + 10); // the Fragment header is gone
 * assert.equal(complete![6], 17); // next header: UDP
 * ```
 *
 * @module
 */
export {
  FragmentReassembler,
  segmentTcp,
  TcpReassembler,
  tcpSegmentedLength,
} from "../core/build/socklab.js";
export type {
  CoreBuffer,
  FragmentReassemblerOptions,
  FragmentResult,
  FragmentStatus,
  IpAddress,
  PacketBytes,
  Segmented,
  SegmentOptions,
  TcpInsertResult,
  TcpReassemblerOptions,
} from "../core/build/socklab.js";
