/**
 * The ladder diagram as data, for a page to draw: the trace of a
 * conversation between two hosts turned into arrows paired from send to
 * arrival (with what the link did to each), state changes and timers beside
 * each timeline, and bytes in flight against the receiver's window over
 * time. `ladder.ts` draws the same events as text; this module only models
 * them, and never draws.
 *
 * @example A handshake and teardown on the simulated network
 * ```ts
 * import { buildLadder } from "./ladder_model.ts";
 * import { CLIENT_ADDR, runTransfer, SERVER_ADDR } from "../link/transfer.ts";
 * import type { TraceEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const events: TraceEvent[] = [];
 * runTransfer({ seed: 1, bytes: 0, trace: (e) => events.push(e) });
 * const ladder = buildLadder(events, { client: CLIENT_ADDR, server: SERVER_ADDR });
 * assert.deepEqual(ladder.arrows.slice(0, 2).map((a) => [a.from, a.flags]), [
 *   ["client", "SYN"],
 *   ["server", "SYN,ACK"],
 * ]);
 * ```
 *
 * @module
 */
import type { SegmentEvent, TraceEvent } from "./events.ts";
import { flagsOf, type JsonValue, traceEventJson } from "./json.ts";
import { describeSegment } from "./ladder.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import { STACK_DROP } from "../tcp/stack.ts";

/** The two hosts of a ladder: the client's address (left) and the server's (right). */
export interface LadderEnds {
  /** The client's IP address. */
  readonly client: string;
  /** The server's IP address. */
  readonly server: string;
}

/** Which timeline: the client's (left) or the server's (right). */
export type Side = "client" | "server";

/** One arrow of the ladder: a packet put on the link, and what became of it. */
export interface LadderArrow {
  /** The sending side. */
  readonly from: Side;
  /** Index of the link "send" event in the run's events (the page orders rows by it). */
  readonly sendIndex: number;
  /** Index of the receiver's "recv" event, or null. */
  arriveIndex: number | null;
  /** When it left, ms. */
  readonly sendTime: number;
  /** When the receiver's TCP took it in, or null when it never did. */
  arriveTime: number | null;
  /** "delivered", "lost" (dropped on the link), "corrupted" (rejected by checksum), "duplicate" (the link's second copy) or "unseen" (no arrival in the trace). */
  fate: "delivered" | "lost" | "corrupted" | "duplicate" | "unseen";
  /** What the link did, in words ("loss", "held back", "dup"...). */
  readonly notes: string[];
  /** The flags, e.g. "SYN,ACK". */
  readonly flags: string;
  /** Whether the segment re-sends sequence space. */
  readonly retransmission: boolean;
  /** The label: flags, relative seq:end, ack, window, MSS. */
  readonly label: string;
  /** The sender's trace event for this segment, as JSON. */
  readonly event: { [key: string]: JsonValue };
}

/** A state change beside a timeline. */
export interface LadderState {
  /** Whose. */
  readonly side: Side;
  /** Index of the event in the run's events. */
  readonly index: number;
  /** When, ms. */
  readonly time: number;
  /** The state before. */
  readonly from: string;
  /** The state after. */
  readonly to: string;
  /** Why. */
  readonly reason: string;
}

/** A timer that fired, beside a timeline. */
export interface LadderTimer {
  /** Whose. */
  readonly side: Side;
  /** Index of the event in the run's events. */
  readonly index: number;
  /** When, ms. */
  readonly time: number;
  /** Which timer. */
  readonly timer: string;
  /** What it means ("RTO fired, now 400 ms (x2)"). */
  readonly text: string;
}

/** A point of the flight chart: one direction's sender and receiver at one instant. */
export interface FlightPoint {
  /** When, ms. */
  readonly time: number;
  /** Bytes the sender has sent and not yet seen acknowledged (SYN and FIN count one). */
  readonly inFlight: number;
  /** The receive window the receiver last advertised, bytes (scaled), or null before one. */
  readonly window: number | null;
}

/** What the page draws. */
export interface Ladder {
  /** The client's address. */
  readonly client: string;
  /** The server's address. */
  readonly server: string;
  /** Every packet put on a link, in send order. */
  readonly arrows: LadderArrow[];
  /** Every state change. */
  readonly states: LadderState[];
  /** Every timer that fired. */
  readonly timers: LadderTimer[];
  /** The flight chart per direction, one point per change. */
  readonly flight: { clientToServer: FlightPoint[]; serverToClient: FlightPoint[] };
}

/** Whose timeline an endpoint ("addr:port") or link ("src>dst") is on, by its first address. */
export function sideOf(ends: LadderEnds, endpoint: string): Side | null {
  for (const side of ["client", "server"] as const) {
    const addr = ends[side];
    if (endpoint.startsWith(addr + ":") || endpoint.startsWith(addr + ">")) return side;
  }
  return null;
}

/** Drop reasons of a stack (not a connection): the segment did arrive. */
const STACK_DROPS: ReadonlySet<string> = new Set(Object.values(STACK_DROP));

/** Fields a segment keeps from sender to receiver: how an arrival finds its arrow. */
function wireKey(r: TcpRepr): string {
  return `${r.srcPort} ${r.dstPort} ${r.seq} ${r.ack} ${
    flagsOf(r)
  } ${r.payload.length} ${r.window}`;
}

interface Pairing {
  arrow: LadderArrow;
  arrivals: number;
}

/**
 * Turns trace events (in time order) into the ladder: each link "send" is an
 * arrow; a link drop marks it lost; a receiver's "recv" segment event with
 * the same wire fields is its arrival (a link duplicate adds a second arrow),
 * and so is a segment a host's stack dropped for want of a connection.
 *
 * @param events The trace of a conversation between the two hosts.
 * @param ends The two hosts' addresses; events of other hosts are left out.
 * @returns The ladder.
 *
 * @example A lost SYN and its retransmission
 * ```ts
 * import { buildLadder } from "./ladder_model.ts";
 * import { runTransfer } from "../link/transfer.ts";
 * import type { TraceEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const events: TraceEvent[] = [];
 * let first = true;
 * runTransfer({
 *   seed: 1,
 *   bytes: 0,
 *   trace: (e) => events.push(e),
 *   fault: () => first ? (first = false, "chosen") : null,
 * });
 * const [syn, again] = buildLadder(events, { client: "10.0.0.1", server: "10.0.0.2" }).arrows;
 * assert.deepEqual([syn.fate, again.fate, again.retransmission], ["lost", "delivered", true]);
 * ```
 */
export function buildLadder(events: readonly TraceEvent[], ends: LadderEnds): Ladder {
  const arrows: LadderArrow[] = [];
  const states: LadderState[] = [];
  const timers: LadderTimer[] = [];
  const views = new Map<TcpRepr, SegmentEvent>();
  const byRepr = new Map<TcpRepr, Pairing>();
  const waiting = new Map<string, Pairing[]>();
  const flight = new Flight();

  for (const [index, e] of events.entries()) {
    switch (e.kind) {
      case "segment": {
        const side = sideOf(ends, e.endpoint);
        if (side === null) break;
        if (e.direction === "send") views.set(e.repr, e);
        else {
          const from: Side = side === "client" ? "server" : "client";
          arrive(waiting.get(from + wireKey(e.repr)), e.time, index, arrows);
        }
        flight.see(side, e);
        break;
      }
      case "link": {
        const pairing = byRepr.get(e.repr);
        if (e.action === "send") {
          const from = sideOf(ends, e.link);
          if (from === null) break;
          const view = views.get(e.repr);
          const arrow: LadderArrow = {
            from,
            sendIndex: index,
            arriveIndex: null,
            sendTime: e.time,
            arriveTime: null,
            fate: "unseen",
            notes: [],
            flags: flagsOf(e.repr) || "-",
            retransmission: view?.retransmission ?? false,
            label: describeSegment(e.repr, view).replace(/^RTX /, ""),
            event: view ? traceEventJson(view) : traceEventJson(e),
          };
          arrows.push(arrow);
          const p = { arrow, arrivals: 0 };
          byRepr.set(e.repr, p);
          const key = from + wireKey(e.repr);
          waiting.set(key, [...(waiting.get(key) ?? []), p]);
        } else if (pairing) {
          pairing.arrow.notes.push(
            e.action === "duplicate" ? "dup" : e.action === "reorder" ? "held back" : "corrupted",
          );
          if (e.action === "corrupt") pairing.arrow.fate = "corrupted";
        }
        break;
      }
      case "drop": {
        if (e.repr && STACK_DROPS.has(e.reason)) {
          // It arrived, but at a host where no connection saw it.
          const side = sideOf(ends, e.endpoint);
          if (side === null) break;
          const from: Side = side === "client" ? "server" : "client";
          arrive(waiting.get(from + wireKey(e.repr)), e.time, index, arrows)?.notes.push(e.reason);
          break;
        }
        const pairing = e.repr ? byRepr.get(e.repr) : undefined;
        if (pairing && e.endpoint.includes(">")) {
          pairing.arrow.notes.push(e.reason);
          pairing.arrow.fate = "lost";
        }
        break;
      }
      case "state": {
        const side = sideOf(ends, e.endpoint);
        if (side) {
          states.push({ side, index, time: e.time, from: e.from, to: e.to, reason: e.reason });
        }
        break;
      }
      case "timer": {
        const side = sideOf(ends, e.endpoint);
        if (side === null) break;
        const text = e.timer === "retransmit"
          ? `RTO fired, now ${+e.rto.toFixed(1)} ms (x${2 ** e.backoffs})`
          : `${e.timer} timer fired`;
        timers.push({ side, index, time: e.time, timer: e.timer, text });
        break;
      }
    }
  }
  return {
    client: ends.client,
    server: ends.server,
    arrows,
    states,
    timers,
    flight: { clientToServer: flight.points.client, serverToClient: flight.points.server },
  };
}

/** Pairs one arrival with the first arrow of its key still owed a copy. */
function arrive(
  queue: Pairing[] | undefined,
  time: number,
  index: number,
  arrows: LadderArrow[],
): LadderArrow | null {
  if (!queue) return null;
  for (const p of queue) {
    const a = p.arrow;
    const copies = (a.fate === "lost" || a.fate === "corrupted" ? 0 : 1) +
      (a.notes.includes("dup") ? 1 : 0);
    if (p.arrivals >= copies) continue;
    p.arrivals++;
    let arrived = a;
    if (a.fate === "unseen") {
      a.arriveTime = time;
      a.arriveIndex = index;
      a.fate = "delivered";
    } else {
      // The link's second copy (or the clean copy of a corrupted packet).
      arrived = { ...a, notes: ["dup"], arriveTime: time, arriveIndex: index, fate: "duplicate" };
      arrows.push(arrived);
    }
    if (p.arrivals === copies) queue.splice(queue.indexOf(p), 1);
    return arrived;
  }
  return null;
}

/** Tracks each sender's highest sequence sent and highest ACK received, and each receiver's window. */
class Flight {
  readonly points: Record<Side, FlightPoint[]> = { client: [], server: [] };
  readonly #next: Record<Side, number> = { client: 0, server: 0 };
  readonly #acked: Record<Side, number> = { client: 0, server: 0 };
  readonly #window: Record<Side, number | null> = { client: null, server: null };
  readonly #offersScale: Record<Side, number | null> = { client: null, server: null };

  see(side: Side, e: SegmentEvent): void {
    const r = e.repr;
    const peer: Side = side === "client" ? "server" : "client";
    if (e.direction === "send") {
      if (r.control === "syn") this.#offersScale[side] = r.windowScale;
      const end = e.relSeq + r.payload.length +
        (r.control === "syn" || r.control === "fin" ? 1 : 0);
      this.#next[side] = Math.max(this.#next[side], end);
      const both = this.#offersScale.client !== null && this.#offersScale.server !== null;
      const shift = r.control === "syn" || !both ? 0 : this.#offersScale[side]!;
      this.#window[side] = r.window * 2 ** shift;
      this.#point(peer, e.time);
    } else if (e.relAck !== null && r.control !== "rst") {
      this.#acked[side] = Math.max(this.#acked[side], e.relAck);
    }
    this.#point(side, e.time);
  }

  /** Records the flight of `sender`'s direction, if it changed. */
  #point(sender: Side, time: number): void {
    const receiver: Side = sender === "client" ? "server" : "client";
    const point = {
      time,
      inFlight: Math.max(0, this.#next[sender] - this.#acked[sender]),
      window: this.#window[receiver],
    };
    const list = this.points[sender];
    const last = list.at(-1);
    if (last && last.inFlight === point.inFlight && last.window === point.window) return;
    if (last && last.time === time) list[list.length - 1] = point;
    else list.push(point);
  }
}
