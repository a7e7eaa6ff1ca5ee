/**
 * socklab's user-space TCP (RFC 9293): a sans-IO state machine per
 * connection ({@link TcpSocket}) with the RFC's eleven states
 * ({@link TcpState}), a host's stack that demultiplexes segments and keeps
 * listen backlogs ({@link TcpStack}), the RFC 6298 estimator, RFC 6528 ISNs,
 * the congestion-control seam, receive buffers reassembled by the WASM core,
 * and the trace events it reports through an injected {@link TraceHook}.
 *
 * What this layer does not do: it never reads a clock, sets a timer, touches
 * I/O or prints. Time and segments are arguments, and the state machine and
 * the stack say what to send and when they next need attention. It sits on
 * the wire formats (`deno/wire/`) and the WASM core, and on nothing else:
 * the socket layer (`deno/net/`) sits above it. The real-time driver that
 * puts a stack behind the socket layer's `Conn` and `Listener`
 * (`TcpDriver`), and the links that carry its segments, live in
 * `deno/link/`; the renderings of its trace events (ladder diagrams, pcap,
 * JSON) in `deno/trace/`.
 *
 * @example A handshake between two stacks, by hand
 * ```ts
 * import { inetAddr, TcpStack } from "./mod.ts";
 * const a = new TcpStack("10.0.0.1"), b = new TcpStack("10.0.0.2");
 * b.listen(80);
 * const c = a.connect(0, inetAddr("10.0.0.2", 80));
 * for (let i = 0; i < 3; i++) {
 *   for (const s of a.poll(0)) b.receive(0, s);
 *   for (const s of b.poll(0)) a.receive(0, s);
 * }
 * console.assert(c.state === "ESTABLISHED");
 * ```
 *
 * @module
 */
export {
  checkTcpConfig,
  DEFAULT_TCP_CONFIG,
  type KeepAliveConfig,
  resetFor,
  segLen,
  type TcpConfig,
  TcpError,
  type TcpErrorKind,
  TcpSocket,
} from "./socket.ts";
export { type IpSegment, STACK_DROP, TcpStack } from "./stack.ts";
export { DEFAULT_RTT_CONFIG, type RttConfig, RttEstimator } from "./rtt.ts";
export { type IsnGenerator, rfc6528Isn } from "./isn.ts";
export {
  type AckSample,
  type CongestionController,
  type CongestionSignal,
  FixedWindow,
  initialWindow,
  slowStartIncrease,
} from "./congestion.ts";
export { Reno, type RenoOptions } from "./reno.ts";
export {
  Cubic,
  CUBIC_BETA,
  CUBIC_C,
  cubicK,
  type CubicOptions,
  type CubicRegion,
  cubicWindow,
} from "./cubic.ts";
export {
  checkController,
  controllerFactory,
  controllerFromModule,
  type ControllerInfo,
  type ControllerName,
  CONTROLLERS,
} from "./controllers.ts";
export { HyStart, type HyStartPhase } from "./hystart.ts";
export {
  type AckInfo,
  LossRecovery,
  type LossRecoveryOptions,
  RECOVERY_MODES,
  type RecoveryMode,
  type RecoveryStats,
  type RecoveryTimer,
  zeroRecoveryStats,
} from "./recovery.ts";
export {
  type Delivered,
  DUP_THRESH,
  segmentLength,
  type SegmentState,
  SendScoreboard,
  type SentSegment,
} from "./scoreboard.ts";
export { Rack, sentAfter, WC_DEL_ACK_T } from "./rack.ts";
export { Prr } from "./prr.ts";
export { PAWS_IDLE_LIMIT, Timestamps } from "./timestamps.ts";
export { ByteRing, type ReceiveBuffer, RingReceiveBuffer } from "./buffers.ts";
export { CoreReceiveBuffer, MAX_CORE_BUFFER } from "./core_buffer.ts";
export type { TcpState } from "./state.ts";
export type * from "./events.ts";
// Types from the layers below that this API names, so its docs are whole.
export type { SackBlock, TcpControl, TcpRepr, TcpTimestamp } from "../wire/tcp.ts";
export { type InetAddr, inetAddr } from "../wire/inet_addr.ts";
