/**
 * The trace events this layer renders. They are defined in
 * `deno/tcp/events.ts`, beside the TCP that emits them (the TCP sits below
 * this layer and must name its hook's type); this module re-exports them so
 * that the renderers here, and the layers above, name one vocabulary.
 *
 * @module
 */
export type {
  CongestionEvent,
  DropEvent,
  LinkEvent,
  LossSignal,
  RecoveryEvent,
  RecoveryPhase,
  RttEvent,
  ScoreboardEvent,
  SegmentEvent,
  SpuriousEvent,
  StateEvent,
  TcpTimer,
  TimerEvent,
  TraceEvent,
  TraceHook,
} from "../tcp/events.ts";
export type { TcpState } from "../tcp/state.ts";
