/**
 * What socklab's TCP and links report, and ways to show it. Every segment,
 * state transition, timer, RTT sample and drop is a {@link TraceEvent}
 * delivered synchronously to an injected {@link TraceHook}; library code
 * never prints. {@link renderLadder} draws an ASCII ladder diagram of a
 * conversation, {@link buildLadder} models the same ladder as data for a
 * page to draw, and {@link pcapOfTrace} writes the packets for Wireshark.
 *
 * The events themselves are defined in `deno/tcp/events.ts`, beside the TCP
 * that emits them; this layer renders them. It depends only on the wire and
 * TCP types and on the pcap writer, and sits above the links whose runs it
 * draws (its examples run `runTransfer()`); it runs nothing itself.
 *
 * @example
 * ```ts
 * import { renderLadder } from "./mod.ts";
 * import { runTransfer } from "../link/mod.ts";
 * import type { TraceEvent } from "./mod.ts";
 * const events: TraceEvent[] = [];
 * runTransfer({ seed: 1, bytes: 0, trace: (e) => events.push(e) });
 * console.log(renderLadder(events, { left: "10.0.0.1", right: "10.0.0.2" }));
 * ```
 *
 * @module
 */
export type * from "./events.ts";
export { describeSegment, type LadderOptions, renderLadder } from "./ladder.ts";
export {
  buildLadder,
  type FlightPoint,
  type Ladder,
  type LadderArrow,
  type LadderEnds,
  type LadderState,
  type LadderTimer,
  type Side,
} from "./ladder_model.ts";
export { pcapOfTrace } from "./pcap.ts";
export {
  congestionSvg,
  dataSenders,
  type PlotOptions,
  type SequenceBar,
  type SequenceLoss,
  type TimeSequenceData,
  timeSequenceData,
  timeSequenceSvg,
} from "./svg.ts";
export { flagsOf, type JsonValue, traceEventJson, traceJsonLine } from "./json.ts";
// The types of the layers below that this API names, so its docs are whole.
export type { SackBlock, TcpControl, TcpRepr, TcpTimestamp } from "../wire/tcp.ts";
