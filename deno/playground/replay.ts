/**
 * The replay model: a run's trace turned into what the page steps through
 * and draws, in compact columns a Web Worker can hand to the page cheaply
 * (typed arrays move without copying).
 *
 * - **Rows**: one per step of the replay, in trace order: a segment leaving,
 *   a segment arriving, a state change, a timer. The ladder gives each row
 *   its own line, so no two labels share one.
 * - **Arrows**: the ladder's arrows ({@link buildLadder}), each with the rows
 *   it starts and ends on.
 * - **Series** per sender: the congestion state of "cc" events (cwnd,
 *   ssthresh, bytes in flight, the peer's window), RTT samples with SRTT and
 *   RTO, and bytes in flight against the advertised window as the ladder
 *   counts them (for runs whose TCP traces no "cc" events).
 * - **The time-sequence graph** per sender, Stevens style, as trace/svg.ts's
 *   `timeSequenceData()` reads it: segments as sequence ranges over time,
 *   retransmissions, losses, the ACK line, the window's right edge and SACK
 *   blocks, relative to the sender's ISS;
 * - **loss-recovery episodes** per sender ("recovery" events).
 *
 * Nothing here draws; `client/` does. The types and constants live in
 * replay_model.ts, which the page imports without the simulation.
 *
 * @module
 */
import type { TraceEvent } from "../trace/events.ts";
import { buildLadder, sideOf as ladderSideOf } from "../trace/ladder_model.ts";
import { type SequenceBar, timeSequenceData } from "../trace/svg.ts";
import { CLIENT_ADDR, SERVER_ADDR } from "../link/transfer.ts";
import {
  type CcSeries,
  type FlightSeries,
  type FlowSeries,
  type RecoveryEpisode,
  type Replay,
  type ReplayArrow,
  type ReplayRows,
  type ReplayState,
  type ReplayTimer,
  ROW,
  type RttSeries,
  type SenderSeries,
  type SeqBars,
  type SeqGraph,
  SIDE,
} from "./replay_model.ts";

export * from "./replay_model.ts";

/** A growable column of numbers. */
class Column<T extends Float64Array | Int32Array | Uint8Array> {
  #data: T;
  length = 0;
  constructor(readonly make: (n: number) => T) {
    this.#data = make(64);
  }
  push(value: number): void {
    if (this.length === this.#data.length) {
      const bigger = this.make(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.length++] = value;
  }
  done(): T {
    return this.#data.slice(0, this.length) as T;
  }
}

const f64 = () => new Column((n) => new Float64Array(n));

const ENDS = { client: CLIENT_ADDR, server: SERVER_ADDR };

/** The {@link SIDE} an endpoint or link is on, or null. */
function sideOf(endpoint: string): 0 | 1 | null {
  const side = ladderSideOf(ENDS, endpoint);
  return side === null ? null : SIDE[side];
}

const PHASES = { open: 0, recovery: 1, loss: 2 } as const;

/** Collects one sender's series. */
class SenderCollector {
  readonly cc = {
    time: f64(),
    cwnd: f64(),
    ssthresh: f64(),
    inFlight: f64(),
    sndWnd: f64(),
    phase: new Column((n) => new Uint8Array(n)),
  };
  controller = "";
  readonly rtt = { time: f64(), sample: f64(), srtt: f64(), rto: f64() };
  /** The connection the series follow, "addr:port", once it traced anything. */
  endpoint: string | null = null;
  readonly recovery: RecoveryEpisode[] = [];
  open: { phase: "recovery" | "loss"; reason: string; from: number } | null = null;
}

const NO_BARS: SeqBars = {
  time: new Float64Array(0),
  from: new Float64Array(0),
  to: new Float64Array(0),
};

function bars(list: readonly SequenceBar[]): SeqBars {
  return {
    time: Float64Array.from(list, (b) => b.t),
    from: Float64Array.from(list, (b) => b.from),
    to: Float64Array.from(list, (b) => b.to),
  };
}

function line(points: readonly [number, number][]) {
  return {
    time: Float64Array.from(points, (p) => p[0]),
    value: Float64Array.from(points, (p) => p[1]),
  };
}

/** The time-sequence graph of one sender, from trace/svg.ts's reading of the trace. */
function seqGraph(events: readonly TraceEvent[], endpoint: string | null): SeqGraph {
  const data = endpoint === null ? null : timeSequenceData(events, endpoint);
  if (!data) {
    const none = { time: new Float64Array(0), value: new Float64Array(0) };
    return {
      sent: NO_BARS,
      retransmitted: NO_BARS,
      lost: NO_BARS,
      acks: none,
      window: none,
      sacks: NO_BARS,
    };
  }
  return {
    sent: bars(data.sent),
    retransmitted: bars(data.retransmitted),
    lost: bars(data.lost),
    acks: line(data.acks),
    window: line(data.rwnd),
    sacks: bars(data.sacks),
  };
}

function finish(
  c: SenderCollector,
  flight: FlightSeries,
  events: readonly TraceEvent[],
  end: number,
): SenderSeries {
  const done = <K extends string>(o: Record<K, Column<Float64Array | Uint8Array>>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (v as Column<Float64Array>).done()]));
  const recovery = [...c.recovery];
  if (c.open) recovery.push({ ...c.open, to: end });
  return {
    cc: { ...done(c.cc), controller: c.controller } as unknown as CcSeries,
    rtt: done(c.rtt) as unknown as RttSeries,
    flight,
    seq: seqGraph(events, c.endpoint),
    recovery,
  };
}

/**
 * Builds the replay model of a run.
 *
 * @param events The run's trace events, in order.
 * @returns The model.
 *
 * @example The handshake's first steps
 * ```ts
 * import { buildReplay, ROW } from "./replay.ts";
 * import { runTransfer } from "../link/transfer.ts";
 * import type { TraceEvent } from "../trace/events.ts";
 * import assert from "node:assert/strict";
 * const events: TraceEvent[] = [];
 * runTransfer({ seed: 1, bytes: 0, trace: (e) => events.push(e) });
 * const replay = buildReplay(events);
 * assert.equal(replay.rows.kind[0], ROW.state); // the server's CLOSED -> LISTEN
 * assert.equal(replay.arrows[0].flags, "SYN");
 * ```
 */
export function buildReplay(events: readonly TraceEvent[]): Replay {
  const ladder = buildLadder(events, { client: CLIENT_ADDR, server: SERVER_ADDR });
  // Rows: every send and arrival of an arrow, every state change and timer, by event index.
  const items: { index: number; kind: number; side: number; ref: number; time: number }[] = [];
  const arrows: ReplayArrow[] = ladder.arrows.map((a, ref) => {
    const { event: _, ...rest } = a;
    const side = a.from === "client" ? 0 : 1;
    items.push({ index: a.sendIndex, kind: ROW.send, side, ref, time: a.sendTime });
    if (a.arriveIndex !== null) {
      items.push({
        index: a.arriveIndex,
        kind: ROW.arrive,
        side: 1 - side,
        ref,
        time: a.arriveTime!,
      });
    }
    return { ...rest, notes: [...a.notes], sendRow: -1, arriveRow: -1 };
  });
  const states: ReplayState[] = ladder.states.map((s, ref) => {
    items.push({ index: s.index, kind: ROW.state, side: SIDE[s.side], ref, time: s.time });
    return { ...s, row: -1 };
  });
  const timers: ReplayTimer[] = ladder.timers.map((t, ref) => {
    items.push({ index: t.index, kind: ROW.timer, side: SIDE[t.side], ref, time: t.time });
    return { ...t, row: -1 };
  });
  // In trace order; a duplicate's arrival shares its event index with no send.
  items.sort((x, y) => x.index - y.index || x.kind - y.kind);
  const n = items.length;
  const rows: ReplayRows = {
    kind: new Uint8Array(n),
    side: new Uint8Array(n),
    ref: new Int32Array(n),
    time: new Float64Array(n),
    event: new Int32Array(n),
  };
  for (const [row, item] of items.entries()) {
    rows.kind[row] = item.kind;
    rows.side[row] = item.side;
    rows.ref[row] = item.ref;
    rows.time[row] = item.time;
    rows.event[row] = item.index;
    if (item.kind === ROW.send) arrows[item.ref].sendRow = row;
    else if (item.kind === ROW.arrive) arrows[item.ref].arriveRow = row;
    else if (item.kind === ROW.state) states[item.ref].row = row;
    else timers[item.ref].row = row;
  }

  const senders = [new SenderCollector(), new SenderCollector()];
  const flows = new Map<
    string,
    { controller: string; time: Column<Float64Array>; cwnd: Column<Float64Array> }
  >();
  for (const e of events) {
    collect(senders, e);
    if (e.kind === "cc" && sideOf(e.endpoint) === 0) {
      let f = flows.get(e.endpoint);
      if (!f) flows.set(e.endpoint, f = { controller: e.controller, time: f64(), cwnd: f64() });
      f.time.push(e.time);
      f.cwnd.push(e.cwnd);
    }
  }
  const end = events.at(-1)?.time ?? 0;
  const flight = (points: typeof ladder.flight.clientToServer): FlightSeries => ({
    time: Float64Array.from(points, (p) => p.time),
    inFlight: Float64Array.from(points, (p) => p.inFlight),
    window: Float64Array.from(points, (p) => p.window ?? NaN),
  });
  return {
    client: ladder.client,
    server: ladder.server,
    eventCount: events.length,
    end,
    rows,
    arrows,
    states,
    timers,
    series: {
      client: finish(senders[0], flight(ladder.flight.clientToServer), events, end),
      server: finish(senders[1], flight(ladder.flight.serverToClient), events, end),
    },
    flows: [...flows].map(([endpoint, f]): FlowSeries => ({
      endpoint,
      controller: f.controller,
      time: f.time.done(),
      cwnd: f.cwnd.done(),
    })),
  };
}

/**
 * The collector of the connection that traced `e`, or null. Each side's
 * series follow one connection: the first of that side to trace anything
 * (with several flows, the first flow's).
 */
function senderOf(senders: SenderCollector[], e: TraceEvent & { endpoint: string }) {
  const side = sideOf(e.endpoint);
  if (side === null) return null;
  const c = senders[side];
  c.endpoint ??= e.endpoint;
  return c.endpoint === e.endpoint ? c : null;
}

function collect(senders: SenderCollector[], e: TraceEvent): void {
  switch (e.kind) {
    case "cc": {
      const c = senderOf(senders, e);
      if (!c) return;
      c.controller = e.controller;
      c.cc.time.push(e.time);
      c.cc.cwnd.push(e.cwnd);
      c.cc.ssthresh.push(e.ssthresh ?? NaN);
      c.cc.inFlight.push(e.inFlight);
      c.cc.sndWnd.push(e.sndWnd);
      c.cc.phase.push(PHASES[e.phase]);
      return;
    }
    case "rtt": {
      const r = senderOf(senders, e)?.rtt;
      if (!r) return;
      r.time.push(e.time);
      r.sample.push(e.sample);
      r.srtt.push(e.srtt);
      r.rto.push(e.rto);
      return;
    }
    case "timer": {
      const r = e.timer === "retransmit" ? senderOf(senders, e)?.rtt : null;
      if (!r) return;
      r.time.push(e.time);
      r.sample.push(NaN);
      r.srtt.push(e.srtt ?? NaN);
      r.rto.push(e.rto);
      return;
    }
    case "segment":
      if (e.direction === "send") senderOf(senders, e);
      return;
    case "recovery": {
      const c = senderOf(senders, e);
      if (!c) return;
      // A timeout during fast recovery ends that episode and starts the loss phase.
      if (c.open) c.recovery.push({ ...c.open, to: e.time });
      c.open = e.action === "enter" ? { phase: e.phase, reason: e.reason, from: e.time } : null;
      return;
    }
  }
}

/** The typed arrays inside a replay, for `postMessage`'s transfer list. */
export function replayBuffers(replay: Replay): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const walk = (value: unknown) => {
    if (ArrayBuffer.isView(value)) out.push(value.buffer as ArrayBuffer);
    else if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const v of Object.values(value)) walk(v);
    }
  };
  walk(replay.rows);
  walk(replay.series);
  for (const f of replay.flows) walk(f);
  return out;
}
