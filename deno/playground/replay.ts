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
 * - **The time-sequence graph** per sender, Stevens style: data segments as
 *   sequence ranges over time (retransmissions and losses flagged), the ACKs
 *   the sender received with the window's right edge, and the SACK blocks
 *   they carried, all relative to the sender's ISS.
 *
 * Nothing here draws; `client/` does. The types and constants live in
 * replay_model.ts, which the page imports without the simulation.
 *
 * @module
 */
import type { TraceEvent } from "../trace/events.ts";
import { buildLadder } from "./run.ts";
import { CLIENT_ADDR, SERVER_ADDR } from "../link/transfer.ts";
import {
  type CcSeries,
  type FlightSeries,
  type Replay,
  type ReplayArrow,
  type ReplayRows,
  type ReplayState,
  type ReplayTimer,
  ROW,
  type RttSeries,
  SEG,
  type SenderSeries,
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
  /** Sets bits of the value at `i`. */
  or(i: number, bits: number): void {
    this.#data[i] |= bits;
  }
  done(): T {
    return this.#data.slice(0, this.length) as T;
  }
}

const f64 = () => new Column((n) => new Float64Array(n));

function sideOf(endpoint: string): 0 | 1 | null {
  if (endpoint.startsWith(CLIENT_ADDR + ":") || endpoint.startsWith(CLIENT_ADDR + ">")) return 0;
  if (endpoint.startsWith(SERVER_ADDR + ":") || endpoint.startsWith(SERVER_ADDR + ">")) return 1;
  return null;
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
  readonly segments = {
    time: f64(),
    seq: f64(),
    end: f64(),
    flags: new Column((n) => new Uint8Array(n)),
  };
  readonly acks = { time: f64(), ack: f64(), windowEdge: f64() };
  readonly sacks = { time: f64(), start: f64(), end: f64() };
  /** The sender's ISS, once its SYN went out. */
  iss: number | null = null;
  /** Window scale this side offered in its SYN, or null. */
  offered: number | null = null;
  /** Index in `segments` of each segment the sender traced, by its repr. */
  readonly segmentOf = new Map<object, number>();
}

function finish(c: SenderCollector, flight: FlightSeries): SenderSeries {
  const done = <K extends string>(o: Record<K, Column<Float64Array | Uint8Array>>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, (v as Column<Float64Array>).done()]));
  return {
    cc: { ...done(c.cc), controller: c.controller } as unknown as CcSeries,
    rtt: done(c.rtt) as unknown as RttSeries,
    flight,
    seq: {
      segments: done(c.segments) as unknown as SeqGraph["segments"],
      acks: done(c.acks) as unknown as SeqGraph["acks"],
      sacks: done(c.sacks) as unknown as SeqGraph["sacks"],
    },
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
  const ladder = buildLadder(events);
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
  for (const e of events) collect(senders, e);
  const flight = (points: typeof ladder.flight.clientToServer): FlightSeries => ({
    time: Float64Array.from(points, (p) => p.time),
    inFlight: Float64Array.from(points, (p) => p.inFlight),
    window: Float64Array.from(points, (p) => p.window ?? NaN),
  });
  return {
    client: ladder.client,
    server: ladder.server,
    eventCount: events.length,
    end: events.at(-1)?.time ?? 0,
    rows,
    arrows,
    states,
    timers,
    series: {
      client: finish(senders[0], flight(ladder.flight.clientToServer)),
      server: finish(senders[1], flight(ladder.flight.serverToClient)),
    },
  };
}

/** Sequence number `x` relative to `iss`, in [0, 2^32). */
function rel(x: number, iss: number): number {
  return (x - iss) >>> 0;
}

function collect(senders: SenderCollector[], e: TraceEvent): void {
  switch (e.kind) {
    case "cc": {
      const side = sideOf(e.endpoint);
      if (side === null) return;
      const c = senders[side];
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
      const side = sideOf(e.endpoint);
      if (side === null) return;
      const r = senders[side].rtt;
      r.time.push(e.time);
      r.sample.push(e.sample);
      r.srtt.push(e.srtt);
      r.rto.push(e.rto);
      return;
    }
    case "timer": {
      const side = sideOf(e.endpoint);
      if (side === null || e.timer !== "retransmit") return;
      const r = senders[side].rtt;
      r.time.push(e.time);
      r.sample.push(NaN);
      r.srtt.push(e.srtt ?? NaN);
      r.rto.push(e.rto);
      return;
    }
    case "segment": {
      const side = sideOf(e.endpoint);
      if (side === null) return;
      const me = senders[side];
      const r = e.repr;
      if (e.direction === "send") {
        if (me.iss === null) me.iss = (r.seq - e.relSeq) >>> 0;
        if (r.control === "syn") me.offered = r.windowScale;
        if (r.payload.length === 0) return;
        const s = me.segments;
        me.segmentOf.set(r, s.time.length);
        s.time.push(e.time);
        s.seq.push(e.relSeq);
        s.end.push(e.relSeq + r.payload.length);
        s.flags.push(e.retransmission ? SEG.retransmission : 0);
        return;
      }
      // An ACK arriving at this side acknowledges this side's data.
      if (r.ack === null || me.iss === null || r.control === "rst") return;
      const peer = senders[1 - side];
      const scaled = r.control !== "syn" && me.offered !== null && peer.offered !== null;
      const ack = rel(r.ack, me.iss);
      me.acks.time.push(e.time);
      me.acks.ack.push(ack);
      me.acks.windowEdge.push(ack + r.window * 2 ** (scaled ? peer.offered! : 0));
      for (const [start, end] of r.sack) {
        me.sacks.time.push(e.time);
        me.sacks.start.push(rel(start, me.iss));
        me.sacks.end.push(rel(end, me.iss));
      }
      return;
    }
    case "drop":
    case "link": {
      // A packet the link lost or corrupted: flag the sender's segment.
      const lost = e.kind === "drop" && e.endpoint.includes(">");
      const corrupted = e.kind === "link" && e.action === "corrupt";
      if (!e.repr || !(lost || corrupted)) return;
      const side = sideOf(e.kind === "drop" ? e.endpoint : e.link);
      if (side === null) return;
      const s = senders[side];
      const i = s.segmentOf.get(e.repr);
      if (i === undefined) return;
      s.segments.flags.or(i, lost ? SEG.lost : SEG.corrupted);
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
  return out;
}
