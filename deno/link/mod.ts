/**
 * Running socklab's TCP: the links that carry its segments, as IP packets
 * with real checksums, and the driver that runs a stack in real time.
 * {@link SimNetwork} is an in-memory network between any number of stacks
 * with a virtual clock, a seeded generator and per-direction impairments
 * (loss, delay, jitter, reordering, duplication, corruption, rate limit and
 * queue, MTU); {@link runTransfer} is a scripted transfer on it that checks
 * every byte. {@link TcpDriver} drives a stack with the real clock and puts
 * it behind the socket layer's `Conn` and `Listener` ({@link TcpConn},
 * {@link TcpListener}), so code written for the kernel's sockets runs on
 * socklab's TCP unchanged; {@link UdpLink} carries its segments in UDP
 * datagrams so two processes on loopback run socklab's TCP without root;
 * {@link TunLink} puts socklab's IPv4/IPv6 host ({@link IpHost}) and TCP on
 * a TUN device with the Linux kernel as its peer (root), and
 * {@link TunRelay} joins two kernels through the same impairments, to
 * measure socklab's TCP against. The simulation grid ({@link gridCells},
 * {@link runCell}, {@link compareGrid}) runs every controller and recovery
 * mode across loss, RTT and queue, and says which cells got markedly worse
 * than a snapshot.
 *
 * This layer sits above both the sans-IO TCP (`deno/tcp/`) and the socket
 * layer (`deno/net/`): the driver implements the socket interfaces, the UDP
 * and TUN links send through a datagram socket or a TUN device, so neither
 * of those layers needs to know the other. The simulated network and the
 * host only compute; the driver and the links read the clock and set
 * timers, the links do I/O through one socket or device, and nothing here
 * prints.
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
export { type LinkStats, type RunEnd, SimNetwork, type SimOptions, STUCK_AFTER } from "./sim.ts";
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
export {
  type CellMargins,
  cellName,
  cellPath,
  cellSeeds,
  cellTransfer,
  compareGrid,
  formatGrid,
  GRID_AXES,
  GRID_BYTES,
  GRID_MARGINS,
  GRID_MAX_TIME,
  GRID_MTU,
  GRID_RATE,
  GRID_RUNS,
  type GridCell,
  gridCells,
  type GridMargins,
  type GridRegression,
  type GridRow,
  gridRow,
  type GroupMargins,
  parseGrid,
  runCell,
} from "./grid.ts";
export type { ImpairmentCounts } from "./_impair.ts";
export { type SegmentSink, TcpConn, TcpDriver, TcpListener } from "./driver.ts";
export { UdpLink, type UdpLinkOptions, type UdpLinkStats, type UdpPeer } from "./udp.ts";
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
export { decodeSegment, encodedLength, encodeSegment, type TcpChecksum } from "./packet.ts";
export { Random } from "./random.ts";
// Types of the core, TCP and socket layers that this API names, so its docs are whole.
export type { FragmentReassemblerOptions } from "../core_packet.ts";
export type * from "../tcp/mod.ts";
export type * from "../net/types.ts";
