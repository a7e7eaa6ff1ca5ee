/**
 * The shape of the replay model that {@link buildReplay} (replay.ts) builds
 * in the worker and the page draws: types and constants only, so the page's
 * bundle carries none of the simulation.
 *
 * @module
 */
import type { LadderArrow, LadderState, LadderTimer } from "../trace/ladder_model.ts";

/** Kinds of row. */
export const ROW = { send: 0, arrive: 1, state: 2, timer: 3 } as const;

/** Sides, as stored in {@link ReplayRows.side}. */
export const SIDE = { client: 0, server: 1 } as const;

/** The replay's steps, one per index, in trace order. */
export interface ReplayRows {
  /** A {@link ROW} kind. */
  readonly kind: Uint8Array;
  /** The {@link SIDE} where it happens (the sender of a "send", the receiver of an "arrive"). */
  readonly side: Uint8Array;
  /** Index into arrows, states or timers, by kind. */
  readonly ref: Int32Array;
  /** Virtual time, ms. */
  readonly time: Float64Array;
  /** Index of the trace event. */
  readonly event: Int32Array;
}

/** An arrow of the ladder, without its trace event (the worker keeps those). */
export type ReplayArrow = Omit<LadderArrow, "event"> & {
  /** The row it leaves on. */
  sendRow: number;
  /** The row it arrives on, or -1. */
  arriveRow: number;
};

/** A state change and the row it happens on. */
export type ReplayState = LadderState & { row: number };

/** A timer that fired and the row it happens on. */
export type ReplayTimer = LadderTimer & { row: number };

/** The congestion state of a sender over time ("cc" events). */
export interface CcSeries {
  /** Virtual time, ms. */
  readonly time: Float64Array;
  /** Congestion window, bytes. */
  readonly cwnd: Float64Array;
  /** Slow-start threshold, bytes; NaN while infinite. */
  readonly ssthresh: Float64Array;
  /** Bytes in flight (RFC 6675 pipe). */
  readonly inFlight: Float64Array;
  /** The peer's receive window, bytes. */
  readonly sndWnd: Float64Array;
  /** 0 open, 1 recovery, 2 loss. */
  readonly phase: Uint8Array;
  /** The controller's name, or "" without events. */
  readonly controller: string;
}

/** RTT samples, SRTT and RTO of a sender over time. */
export interface RttSeries {
  /** Virtual time, ms. */
  readonly time: Float64Array;
  /** The sample, ms; NaN at a timeout (which only changes the RTO). */
  readonly sample: Float64Array;
  /** Smoothed RTT, ms; NaN before the first sample. */
  readonly srtt: Float64Array;
  /** Retransmission timeout, ms. */
  readonly rto: Float64Array;
}

/** Bytes in flight against the receiver's advertised window, as the ladder counts them. */
export interface FlightSeries {
  /** Virtual time, ms. */
  readonly time: Float64Array;
  /** Bytes sent and not yet acknowledged. */
  readonly inFlight: Float64Array;
  /** The receiver's advertised window, bytes; NaN before one. */
  readonly window: Float64Array;
}

/** Sequence ranges [from, to) at instants, relative to the sender's ISS. */
export interface SeqBars {
  /** When, ms. */
  readonly time: Float64Array;
  /** The first byte's offset from the ISS. */
  readonly from: Float64Array;
  /** One past the last byte's offset. */
  readonly to: Float64Array;
}

/** A value over time. */
export interface SeqLine {
  /** When, ms. */
  readonly time: Float64Array;
  /** The value: a sequence offset from the ISS. */
  readonly value: Float64Array;
}

/**
 * A sender's time-sequence graph (Stevens, tcptrace), as
 * `timeSequenceData()` of trace/svg.ts reads it from the trace.
 */
export interface SeqGraph {
  /** Segments sent for the first time. */
  readonly sent: SeqBars;
  /** Segments that re-sent sequence space. */
  readonly retransmitted: SeqBars;
  /** Segments the link dropped. */
  readonly lost: SeqBars;
  /** The cumulative ACK the sender received, each time it advanced. */
  readonly acks: SeqLine;
  /** The right edge of the peer's window: ACK + scaled window. */
  readonly window: SeqLine;
  /** SACK blocks, at the time the ACK carrying them arrived. */
  readonly sacks: SeqBars;
}

/** What one sender's plots draw. */
export interface SenderSeries {
  /** Congestion state ("cc" events). */
  readonly cc: CcSeries;
  /** RTT and RTO. */
  readonly rtt: RttSeries;
  /** In flight against the window, from the segments alone. */
  readonly flight: FlightSeries;
  /** The time-sequence graph. */
  readonly seq: SeqGraph;
  /** Loss-recovery episodes. */
  readonly recovery: RecoveryEpisode[];
}

/** A loss-recovery episode of a sender, from its "recovery" events. */
export interface RecoveryEpisode {
  /** "recovery" (fast recovery) or "loss" (after a timeout). */
  readonly phase: "recovery" | "loss";
  /** What found the loss. */
  readonly reason: string;
  /** When it began, ms. */
  readonly from: number;
  /** When it ended, ms (the run's end when it never did). */
  readonly to: number;
}

/** One client connection's congestion window, for a run of several flows. */
export interface FlowSeries {
  /** The client's end, "addr:port". */
  readonly endpoint: string;
  /** Its congestion controller. */
  readonly controller: string;
  /** Virtual time, ms. */
  readonly time: Float64Array;
  /** Congestion window, bytes. */
  readonly cwnd: Float64Array;
}

/** Everything the page steps through and draws. */
export interface Replay {
  /** The client's address. */
  readonly client: string;
  /** The server's address. */
  readonly server: string;
  /** How many trace events the run made. */
  readonly eventCount: number;
  /** Virtual time of the last event, ms. */
  readonly end: number;
  /** The steps. */
  readonly rows: ReplayRows;
  /** The ladder's arrows. */
  readonly arrows: ReplayArrow[];
  /** Every state change. */
  readonly states: ReplayState[];
  /** Every timer that fired. */
  readonly timers: ReplayTimer[];
  /** Plots by sending side. */
  readonly series: { readonly client: SenderSeries; readonly server: SenderSeries };
  /** The congestion window of each client connection, in the order they first traced one. */
  readonly flows: FlowSeries[];
}
