/**
 * Links that carry socklab's TCP segments, as IP packets with real
 * checksums: {@link SimNetwork}, an in-memory network between any number of
 * stacks with a virtual clock, a seeded generator and per-direction
 * impairments (loss, delay, jitter, reordering, duplication, corruption, rate
 * limit and queue, MTU); {@link runTransfer}, a scripted transfer on it that
 * checks every byte; {@link UdpLink}, which carries the segments in UDP
 * datagrams so two processes on loopback run socklab's TCP without root; and
 * {@link TunLink}, socklab's IPv4/IPv6 host ({@link IpHost}) on a TUN device
 * with the Linux kernel as its peer (root), and {@link TunRelay}, the same
 * impaired path between two kernels, to measure socklab's TCP against.
 *
 * The simulated network and the host only compute; the UDP and TUN links do
 * I/O through one socket or device and timers for delayed packets, and
 * nothing here prints.
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
export {
  planTunAddresses,
  type TunAddressPlan,
  TunLink,
  type TunLinkOptions,
  type TunLinkStats,
} from "./tun.ts";
export { type RelayEnd, TunRelay, type TunRelayOptions, type TunRelayStats } from "./relay.ts";
export {
  type HostDrop,
  type HostInput,
  type HostStats,
  IpHost,
  type IpHostOptions,
} from "./host.ts";
export { decodeSegment, encodedLength, encodeSegment } from "./packet.ts";
export { Random } from "./random.ts";
// Types of the core, TCP and trace layers that this API names, so its docs are whole.
export type { FragmentReassemblerOptions } from "../core_packet.ts";
export type * from "../tcp/mod.ts";
export type * from "../trace/mod.ts";
