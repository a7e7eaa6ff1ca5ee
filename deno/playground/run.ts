/**
 * One playground run: the query string of `/playground/run` parsed into
 * `socklab sim` settings, the real user-space TCP run on the simulated
 * network ({@link runTransfer}), and the trace turned into what the page
 * draws: arrows of a ladder diagram paired from send to arrival, state
 * changes and timers beside each timeline, and bytes in flight against the
 * receiver's window over virtual time.
 *
 * @module
 */
import {
  CLIENT_ADDR,
  CLOSE_ORDERS,
  type CloseOrder,
  runTransfer,
  SERVER_ADDR,
  type TransferResult,
} from "../link/transfer.ts";
import type { Impairments } from "../link/sim.ts";
import type { SegmentEvent, TraceEvent } from "../trace/events.ts";
import { flagsOf, type JsonValue, traceEventJson } from "../trace/json.ts";
import { describeSegment } from "../trace/ladder.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import { STACK_DROP } from "../tcp/stack.ts";
import { bytesValue, durationValue, intValue, percentValue, UsageError } from "../cli/_args.ts";

/** Most bytes a playground run sends in each direction. */
export const MAX_BYTES = 1_000_000;
/** Bound on the virtual time of a playground run, ms. */
export const MAX_VIRTUAL_TIME = 600_000;
/** Most data segments a run may need (bytes over the segment size, both ways). */
export const MAX_SEGMENTS = 20_000;
/** Most packets a run puts on its links (retransmissions and ACKs included). */
export const MAX_PACKETS = 60_000;
/** Most trace events a run returns (and draws); the rest are counted. */
export const MAX_EVENTS = 2000;

/** How big a run may be. */
export interface RunLimits {
  /** Most bytes in each direction. */
  readonly maxBytes: number;
  /** Most data segments a run may need (bytes over the segment size, both ways). */
  readonly maxSegments: number;
  /** Most packets a run puts on its links. */
  readonly maxPackets: number;
}

/** The limits of `/playground/run`, which runs on the server. */
export const SERVER_LIMITS: RunLimits = {
  maxBytes: MAX_BYTES,
  maxSegments: MAX_SEGMENTS,
  maxPackets: MAX_PACKETS,
};

/**
 * The limits of a run in the page's Web Worker: a browser tab holds every
 * packet of a 128 MiB transfer (for the pcap) and its trace.
 */
export const BROWSER_LIMITS: RunLimits = {
  maxBytes: 128 * 1024 * 1024,
  maxSegments: 400_000,
  maxPackets: 600_000,
};

/** A query field the playground could not accept. */
export class FieldError extends Error {
  /** Always "FieldError". */
  override name = "FieldError";
  /**
   * Makes the error.
   *
   * @param field The query field at fault.
   * @param message What is wrong with it.
   */
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** The settings of a run, as `socklab sim` takes them. */
export interface RunSettings {
  /** Bytes from client to server. */
  readonly bytes: number;
  /** Bytes from server to client. */
  readonly replyBytes: number;
  /** Loss probability, 0 to 1 (below 1). */
  readonly loss: number;
  /** Reorder probability, 0 to 1. */
  readonly reorder: number;
  /** Duplication probability, 0 to 1. */
  readonly duplicate: number;
  /** Corruption probability, 0 to 1. */
  readonly corrupt: number;
  /** One-way delay, ms. */
  readonly delay: number;
  /** Jitter, ± ms. */
  readonly jitter: number;
  /** Largest IP packet, bytes. */
  readonly mtu: number;
  /** Receive buffer of both ends, bytes. */
  readonly recvBuffer: number;
  /** Who closes first. */
  readonly close: CloseOrder;
  /** Both ends connect at once. */
  readonly simultaneousOpen: boolean;
  /** The server reads nothing until this virtual time, ms. */
  readonly stall: number;
  /** Maximum segment lifetime (TIME-WAIT lasts 2*MSL), ms. */
  readonly msl: number;
  /** Random seed. */
  readonly seed: number;
}

/** The settings of a run nobody changed: `socklab sim`'s defaults. */
export const DEFAULT_SETTINGS: RunSettings = {
  bytes: 10_000,
  replyBytes: 0,
  loss: 0,
  reorder: 0,
  duplicate: 0,
  corrupt: 0,
  delay: 10,
  jitter: 0,
  mtu: 1500,
  recvBuffer: 65535,
  close: "client-first",
  simultaneousOpen: false,
  stall: 0,
  msl: 1000,
  seed: 1,
};

/** Query field names and the `socklab sim` flags they mirror. */
const FIELDS: Record<string, keyof RunSettings> = {
  "bytes": "bytes",
  "reply-bytes": "replyBytes",
  "loss": "loss",
  "reorder": "reorder",
  "duplicate": "duplicate",
  "corrupt": "corrupt",
  "delay": "delay",
  "jitter": "jitter",
  "mtu": "mtu",
  "recv-buffer": "recvBuffer",
  "close": "close",
  "simultaneous-open": "simultaneousOpen",
  "stall": "stall",
  "msl": "msl",
  "seed": "seed",
};

/** Longest time a query may ask for (delay, jitter, stall, MSL), ms. */
const MAX_QUERY_TIME = 60_000;

function fieldValue(
  field: string,
  text: string,
  limits: RunLimits,
): RunSettings[keyof RunSettings] {
  const time = () => {
    const ms = durationValue(field, text);
    if (ms > MAX_QUERY_TIME) {
      throw new UsageError(`--${field}: ${ms} ms is more than the playground's limit of 60s`);
    }
    return ms;
  };
  switch (field) {
    case "bytes":
    case "reply-bytes":
      return bytesValue(field, text, limits.maxBytes);
    case "loss": {
      const loss = percentValue(field, text);
      if (loss >= 1) throw new UsageError(`--loss: 100% would never deliver anything`);
      return loss;
    }
    case "reorder":
    case "duplicate":
    case "corrupt":
      return percentValue(field, text);
    case "delay":
    case "jitter":
    case "stall":
    case "msl":
      return time();
    case "mtu":
      return intValue(field, text, 68, 65535);
    case "recv-buffer": {
      const n = bytesValue(field, text, 2 ** 30);
      if (n < 1) throw new UsageError(`--recv-buffer: must be at least 1 byte, got ${n}`);
      return n;
    }
    case "close":
      if (!(CLOSE_ORDERS as readonly string[]).includes(text)) {
        throw new UsageError(`--close: must be one of ${CLOSE_ORDERS.join(", ")}, got "${text}"`);
      }
      return text as CloseOrder;
    case "simultaneous-open":
      if (["", "1", "on", "true"].includes(text)) return true;
      if (["0", "off", "false"].includes(text)) return false;
      throw new UsageError(`--simultaneous-open: expected on or off, got "${text}"`);
    case "seed":
      return intValue(field, text, 0, 2 ** 32 - 1);
  }
  throw new UsageError(`unknown field "${field}"`);
}

/**
 * Parses the query of `/playground/run` (field names are `socklab sim`'s
 * flags without the dashes: `loss=5&delay=20ms&close=server-first`).
 * Fields left out or empty keep `socklab sim`'s defaults.
 *
 * @param query The query.
 * @param limits How big a run may be (default: the server's, {@link SERVER_LIMITS}).
 * @returns The settings.
 * @throws {FieldError} Naming the field, for an unknown, repeated or bad field.
 *
 * @example
 * ```ts
 * import { parseRunQuery } from "./run.ts";
 * import assert from "node:assert/strict";
 * const s = parseRunQuery(new URLSearchParams("loss=20&bytes=20KB&seed=3"));
 * assert.equal(s.loss, 0.2);
 * assert.equal(s.bytes, 20_000);
 * ```
 */
export function parseRunQuery(
  query: URLSearchParams,
  limits: RunLimits = SERVER_LIMITS,
): RunSettings {
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const seen = new Set<string>();
  for (const [field, text] of query) {
    const key = FIELDS[field];
    if (key === undefined) {
      throw new FieldError(
        field,
        `${field}: unknown field; the fields are ${Object.keys(FIELDS).join(", ")}`,
      );
    }
    if (seen.has(field)) throw new FieldError(field, `${field}: given twice`);
    seen.add(field);
    if (text.trim() === "" && field !== "simultaneous-open") continue;
    try {
      out[key] = fieldValue(field, text, limits);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new FieldError(field, error.message.replace(/^--/, ""));
    }
  }
  const s = out as unknown as RunSettings;
  // Small segments multiply the work: bound the data segments a run can need.
  const perSegment = Math.max(1, Math.min(s.mtu - 40, s.recvBuffer));
  const segments = Math.ceil((s.bytes + s.replyBytes) / perSegment);
  if (segments > limits.maxSegments) {
    const field = seen.has("reply-bytes") && s.replyBytes > s.bytes ? "reply-bytes" : "bytes";
    throw new FieldError(
      field,
      `${field}: ${
        s.bytes + s.replyBytes
      } bytes in segments of at most ${perSegment} bytes (mtu ${s.mtu}, ` +
        `recv-buffer ${s.recvBuffer}) is ${segments} segments, more than the playground's ` +
        `limit of ${limits.maxSegments}: send fewer bytes or raise the mtu and recv-buffer`,
    );
  }
  return s;
}

/**
 * The `socklab sim` command line that replays a run: only the settings that
 * differ from the defaults, with `--seed` always.
 */
export function replayCommand(s: RunSettings): string {
  const args = ["socklab", "sim"];
  const pct = (v: number) => `${+(v * 100).toFixed(6)}%`;
  for (const [field, key] of Object.entries(FIELDS)) {
    const v = s[key];
    if (key !== "seed" && v === DEFAULT_SETTINGS[key]) continue;
    if (typeof v === "boolean") args.push(`--${field}`);
    else if (["loss", "reorder", "duplicate", "corrupt"].includes(key)) {
      args.push(`--${field}`, pct(v as number));
    } else if (["delay", "jitter", "stall", "msl"].includes(key)) args.push(`--${field}`, `${v}ms`);
    else args.push(`--${field}`, String(v));
  }
  return args.join(" ");
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

/** The JSON `/playground/run` answers with. */
export interface RunReport {
  /** The settings run. */
  readonly settings: RunSettings;
  /** The `socklab sim` command line that replays the run. */
  readonly command: string;
  /** The outcome: SHA-256 match per direction, retransmissions, final states. */
  readonly summary: TransferResult & {
    readonly clientToServerMatch: boolean;
    readonly serverToClientMatch: boolean;
  };
  /** The first {@link MAX_EVENTS} trace events, as JSON. */
  readonly events: { [key: string]: JsonValue }[];
  /** How many events the run traced in all. */
  readonly eventCount: number;
  /** Whether `events` (and the ladder) stop before the end of the run. */
  readonly truncated: boolean;
  /** Whether the run hit {@link MAX_PACKETS} and its links then dropped everything. */
  readonly budgetSpent: boolean;
  /** The diagram of the events returned. */
  readonly ladder: Ladder;
}

/** What {@link simulate} returns. */
export interface Simulation {
  /** The transfer's outcome. */
  readonly result: TransferResult;
  /** Every trace event, in order. */
  readonly events: TraceEvent[];
  /** Whether the link stopped carrying packets after {@link MAX_PACKETS}. */
  readonly budgetSpent: boolean;
}

/** The reason a link gives for packets dropped once the budget is spent. */
export const BUDGET_SPENT = "the playground's packet budget is spent";

/**
 * Runs a transfer with the real TCP on the simulated network, bounded by
 * {@link MAX_VIRTUAL_TIME} and `maxPackets` (default {@link MAX_PACKETS}): once that many packets
 * have been put on the links, the links drop every further packet (traced
 * as drops with the reason {@link BUDGET_SPENT}) and the run winds down
 * through the TCPs' own timeouts. `observe` sees each event as it is traced
 * (with the count so far), for progress.
 */
export function simulate(
  s: RunSettings,
  maxPackets: number = MAX_PACKETS,
  observe?: (event: TraceEvent, count: number) => void,
): Simulation {
  const events: TraceEvent[] = [];
  let packets = 0;
  const link: Partial<Impairments> = {
    loss: s.loss,
    reorder: s.reorder,
    duplicate: s.duplicate,
    corrupt: s.corrupt,
    delay: s.delay,
    jitter: s.jitter,
    mtu: s.mtu,
  };
  const result = runTransfer({
    seed: s.seed,
    bytes: s.bytes,
    replyBytes: s.replyBytes,
    forward: link,
    closeOrder: s.close,
    simultaneousOpen: s.simultaneousOpen,
    serverReadsFrom: s.stall,
    maxTime: MAX_VIRTUAL_TIME,
    config: { msl: s.msl, recvBufferSize: s.recvBuffer },
    trace: (e) => {
      if (e.kind === "link" && e.action === "send") packets++;
      events.push(e);
      observe?.(e, events.length);
    },
    fault: () => packets > maxPackets ? BUDGET_SPENT : null,
  });
  return { result, events, budgetSpent: packets > maxPackets };
}

/**
 * Runs the settings and builds the report the page draws.
 *
 * @example The handshake and teardown alone
 * ```ts
 * import { DEFAULT_SETTINGS, runReport } from "./run.ts";
 * import assert from "node:assert/strict";
 * const report = runReport({ ...DEFAULT_SETTINGS, bytes: 0 });
 * assert.equal(report.summary.ok, true);
 * assert.equal(report.ladder.arrows[0].flags, "SYN");
 * ```
 */
export function runReport(s: RunSettings): RunReport {
  const { result, events, budgetSpent } = simulate(s);
  const kept = events.slice(0, MAX_EVENTS);
  return {
    settings: s,
    command: replayCommand(s),
    summary: {
      ...result,
      clientToServerMatch: result.server.receivedSha256 === result.client.sentSha256,
      serverToClientMatch: result.client.receivedSha256 === result.server.sentSha256,
    },
    events: kept.map(traceEventJson),
    eventCount: events.length,
    truncated: events.length > kept.length,
    budgetSpent,
    ladder: buildLadder(kept),
  };
}

function sideOf(endpoint: string): Side | null {
  if (endpoint.startsWith(CLIENT_ADDR + ":") || endpoint.startsWith(CLIENT_ADDR + ">")) {
    return "client";
  }
  if (endpoint.startsWith(SERVER_ADDR + ":") || endpoint.startsWith(SERVER_ADDR + ">")) {
    return "server";
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
 * the same wire fields is its arrival (a link duplicate adds a second arrow).
 */
export function buildLadder(events: readonly TraceEvent[]): Ladder {
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
        const side = sideOf(e.endpoint);
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
          const from = sideOf(e.link);
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
          const side = sideOf(e.endpoint);
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
        const side = sideOf(e.endpoint);
        if (side) {
          states.push({ side, index, time: e.time, from: e.from, to: e.to, reason: e.reason });
        }
        break;
      }
      case "timer": {
        const side = sideOf(e.endpoint);
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
    client: CLIENT_ADDR,
    server: SERVER_ADDR,
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
