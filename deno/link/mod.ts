/**
 * Links that carry socklab's TCP segments, as IPv4 packets with real
 * checksums: {@link SimNetwork}, an in-memory network between any number of
 * stacks with a virtual clock, a seeded generator and per-direction
 * impairments (loss, delay, jitter, reordering, duplication, corruption, rate
 * limit and queue, MTU); {@link runTransfer}, a scripted transfer on it that
 * checks every byte; and {@link UdpLink}, which carries the segments in UDP
 * datagrams so two processes on loopback run socklab's TCP without root.
 *
 * The simulated network only computes; the UDP link does I/O through one
 * datagram socket and timers for delayed packets, and nothing here prints.
 *
 * @example A lossy transfer, replayable from its seed
 * ```ts
 * import { runTransfer } from "./mod.ts";
 * const r = runTransfer({ seed: 7, bytes: 50_000, forward: { loss: 0.2, delay: 5 } });
 * console.assert(r.ok && r.client.retransmissions > 0);
 * ```
 *
 * @module
 */
export { type Impairments, impairments, PERFECT_LINK } from "./impairments.ts";
export { type LinkStats, type RunEnd, SimNetwork, type SimOptions } from "./sim.ts";
export {
  CLIENT_ADDR,
  CLOSE_ORDERS,
  type CloseOrder,
  type EndResult,
  runTransfer,
  SERVER_ADDR,
  type TransferOptions,
  type TransferResult,
} from "./transfer.ts";
export {
  type FlowResult,
  type FlowsOptions,
  type FlowsResult,
  jainIndex,
  runFlows,
} from "./flows.ts";
export type { ImpairmentCounts } from "./_impair.ts";
export { type UdpAddr, UdpLink, type UdpLinkOptions, type UdpLinkStats } from "./udp.ts";
export { decodeSegment, encodedLength, encodeSegment } from "./packet.ts";
export { Random } from "./random.ts";
// Types of the TCP and trace layers that this API names, so its docs are whole.
export type * from "../tcp/mod.ts";
export type * from "../trace/mod.ts";
