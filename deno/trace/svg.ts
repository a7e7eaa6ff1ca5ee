/**
 * Plots of a TCP sender drawn from trace events as SVG text: pure functions,
 * no DOM and no I/O, so the CLI writes them to files and the browser
 * playground puts the same text in a page.
 *
 * - {@link timeSequenceSvg}: the time-sequence graph of Stevens' *TCP/IP
 *   Illustrated* and Shepard's tcptrace, for one direction of one
 *   connection. Time runs right, sequence numbers (relative to the ISS) up.
 *   Each segment sent is a vertical bar from its first byte to its last at
 *   the moment it left; retransmissions are vermilion with a diamond; a
 *   segment the link dropped is crossed with an X where it fell. Below the
 *   bars climbs the ACK line (the cumulative acknowledgement the sender had
 *   received), above them the receive-window line (ACK + the peer's
 *   advertised window, scaled), and between them the SACK blocks each ACK
 *   carried, at the moment it arrived. A flat ACK line under a column of
 *   vermilion is a loss being repaired; bars that touch the window line mean
 *   the receiver, not the network, set the pace.
 * - {@link congestionSvg}: cwnd, ssthresh and bytes in flight over time from
 *   the sender's "cc" events, with loss-recovery episodes shaded.
 *
 * Both are 800×500 by default, in the Okabe–Ito palette (distinguishable
 * with the common colour-vision deficiencies, and every series also differs
 * in shape or dash), with axes, units, a legend and a title. A trace with
 * nothing to draw gives a valid SVG that says "no data". Large traces are
 * decimated to the pixel: bars and lines are merged per pixel column, while
 * every retransmission and every loss keeps its own mark.
 *
 * @module
 */
import type {
  CongestionEvent,
  DropEvent,
  RecoveryEvent,
  SegmentEvent,
  TraceEvent,
} from "./events.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import { seqAdd, seqSub } from "../wire/seq.ts";

/** Settings of both plots. */
export interface PlotOptions {
  /** The sending connection, "addr:port" (default: the one that sent the most data). */
  readonly endpoint?: string;
  /** Width in pixels (default 800, at least 320). */
  readonly width?: number;
  /** Height in pixels (default 500, at least 240). */
  readonly height?: number;
  /** The title (default: what is plotted, and for which connection). */
  readonly title?: string;
  /**
   * How many segments are drawn one by one, each with ticks at its ends
   * (default 5000); beyond that, segments are merged per pixel column.
   * Retransmissions and losses are always drawn one by one.
   */
  readonly maxMarks?: number;
}

// Okabe & Ito (2008), "Color Universal Design".
const COLOR = {
  blue: "#0072B2",
  vermilion: "#D55E00",
  green: "#009E73",
  orange: "#E69F00",
  purple: "#CC79A7",
  sky: "#56B4E9",
  black: "#000000",
  grey: "#767676",
} as const;

const MARGIN = { left: 72, right: 24, bottom: 48 } as const;

/**
 * The endpoints ("addr:port") that sent data in a trace, most bytes first:
 * the connections {@link timeSequenceSvg} can draw.
 *
 * @param events Trace events.
 * @returns Endpoints, most payload bytes sent first.
 *
 * @example
 * ```ts
 * import { dataSenders } from "./svg.ts";
 * import { runTransfer } from "../link/transfer.ts";
 * import type { TraceEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const events: TraceEvent[] = [];
 * runTransfer({ seed: 1, bytes: 5000, replyBytes: 100, trace: (e) => events.push(e) });
 * assert.deepEqual(dataSenders(events), ["10.0.0.1:49152", "10.0.0.2:80"]);
 * ```
 */
export function dataSenders(events: readonly TraceEvent[]): string[] {
  const bytes = new Map<string, number>();
  for (const e of events) {
    if (e.kind === "segment" && e.direction === "send" && e.repr.payload.length > 0) {
      bytes.set(e.endpoint, (bytes.get(e.endpoint) ?? 0) + e.repr.payload.length);
    }
  }
  return [...bytes].sort((a, b) => b[1] - a[1]).map(([endpoint]) => endpoint);
}

// ---------------------------------------------------------------------------
// The time-sequence graph

/** Sequence space a segment occupies: its payload, plus one for SYN or FIN. */
function spaceOf(repr: TcpRepr): number {
  return repr.payload.length + (repr.control === "syn" || repr.control === "fin" ? 1 : 0);
}

/**
 * Offsets from the ISS for 32-bit sequence numbers, unwrapped past 2^32 by
 * taking the nearest value to the highest offset seen so far.
 */
class Unwrap {
  #top = 0;
  constructor(readonly iss: number) {}
  of(seq: number): number {
    const offset = this.#top + seqSub(seq, seqAdd(this.iss, this.#top));
    if (offset > this.#top) this.#top = offset;
    return offset;
  }
}

/** Sequence space [from, to) (offsets from the ISS) at a time, ms. */
export interface SequenceBar {
  /** When, ms. */
  readonly t: number;
  /** The first byte's offset from the ISS. */
  readonly from: number;
  /** One past the last byte's offset. */
  readonly to: number;
}

/** A segment the link dropped. */
export interface SequenceLoss extends SequenceBar {
  /** The link's reason ("loss", "queue full"...). */
  readonly reason: string;
}

/**
 * What the time-sequence graph draws, in trace units: ms, and byte offsets
 * from the sender's ISS (unwrapped past 2^32). A SYN or FIN takes one byte
 * of sequence space, as on the wire.
 */
export interface TimeSequenceData {
  /** The sending connection, "addr:port". */
  readonly endpoint: string;
  /** The receiving end, "addr:port" (or "port N" when no link event names its address). */
  readonly peer: string;
  /** Segments sent for the first time. */
  readonly sent: SequenceBar[];
  /** Segments that re-sent sequence space. */
  readonly retransmitted: SequenceBar[];
  /** Segments the link dropped on the way to the peer. */
  readonly lost: SequenceLoss[];
  /** [time, cumulative ACK] each time the ACK the sender received advanced. */
  readonly acks: [number, number][];
  /** [time, right edge of the peer's window: ACK + scaled window] per ACK received. */
  readonly rwnd: [number, number][];
  /** SACK blocks (D-SACK ones included) at the time the ACK carrying them arrived. */
  readonly sacks: SequenceBar[];
}

/**
 * The points of the time-sequence graph of `endpoint`'s sending direction,
 * for drawing them another way (a canvas, a table).
 *
 * @param events Trace events in time order.
 * @param endpoint The sending connection, "addr:port" (default: the one that
 *   sent the most data).
 * @returns The data, or null when the endpoint sent no segment that takes
 *   sequence space.
 *
 * @example
 * ```ts
 * import { timeSequenceData } from "./svg.ts";
 * import { runTransfer } from "../link/transfer.ts";
 * import type { TraceEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const events: TraceEvent[] = [];
 * runTransfer({ seed: 1, bytes: 3000, forward: { delay: 5 }, trace: (e) => events.push(e) });
 * const data = timeSequenceData(events)!;
 * assert.equal(data.peer, "10.0.0.2:80");
 * assert.equal(data.acks.at(-1)![1], 3002); // SYN + 3000 bytes + FIN
 * ```
 */
export function timeSequenceData(
  events: readonly TraceEvent[],
  endpoint: string | undefined = dataSenders(events)[0],
): TimeSequenceData | null {
  if (endpoint === undefined) return null;
  const sends = events.filter((e): e is SegmentEvent =>
    e.kind === "segment" && e.direction === "send" && e.endpoint === endpoint &&
    Number.isFinite(e.time)
  );
  const first = sends[0];
  if (!first) return null;
  const seq = new Unwrap(seqSub(first.repr.seq, first.relSeq) >>> 0);
  const [addr] = splitEndpoint(endpoint);
  const port = first.repr.srcPort, peerPort = first.repr.dstPort;
  // The peer's address, from the link that carried the sender's segments.
  const mine = new Set<TcpRepr>(sends.map((e) => e.repr));
  let link: string | null = null;
  for (const e of events) {
    if (e.kind === "link" && mine.has(e.repr)) {
      link = e.link;
      break;
    }
  }
  const peerAddr = link?.slice(link.indexOf(">") + 1) ?? null;

  const sent: SequenceBar[] = [], retransmitted: SequenceBar[] = [];
  for (const e of sends) {
    const len = spaceOf(e.repr);
    if (len === 0) continue;
    const from = seq.of(e.repr.seq);
    (e.retransmission ? retransmitted : sent).push({ t: e.time, from, to: from + len });
  }
  if (sent.length + retransmitted.length === 0) return null;

  const lost: SequenceLoss[] = [];
  for (const e of events) {
    if (e.kind !== "drop" || !isLinkDrop(e, addr, peerAddr) || !Number.isFinite(e.time)) continue;
    const r = e.repr;
    if (!r || r.srcPort !== port || r.dstPort !== peerPort || spaceOf(r) === 0) continue;
    const from = seq.of(r.seq);
    lost.push({ t: e.time, from, to: from + spaceOf(r), reason: e.reason });
  }

  // What came back: cumulative ACKs, the window they advertised, SACK blocks.
  const recvs = events.filter((e): e is SegmentEvent =>
    e.kind === "segment" && e.direction === "recv" && e.endpoint === endpoint &&
    e.repr.ack !== null && Number.isFinite(e.time)
  );
  // RFC 7323 §2.2: the window of a segment without SYN is scaled when both SYNs offered it.
  const mySyn = sends.find((e) => e.repr.control === "syn");
  const theirSyn = recvs.find((e) => e.repr.control === "syn");
  const shift = mySyn?.repr.windowScale != null && theirSyn?.repr.windowScale != null
    ? theirSyn.repr.windowScale
    : 0;
  const acks: [number, number][] = [], rwnd: [number, number][] = [], sacks: SequenceBar[] = [];
  let cumulative = -Infinity;
  for (const e of recvs) {
    const ack = seq.of(e.repr.ack!);
    for (const [left, right] of e.repr.sack) {
      const from = seq.of(left);
      sacks.push({ t: e.time, from, to: from + seqSub(right, left) });
    }
    if (ack < cumulative) continue; // an old ACK, overtaken on the way
    if (ack > cumulative) acks.push([e.time, ack]);
    cumulative = ack;
    const scale = e.repr.control === "syn" ? 1 : 2 ** shift;
    rwnd.push([e.time, ack + e.repr.window * scale]);
  }
  // Without the handshake in the trace the scale is unknown: use the sender's own view.
  if (!theirSyn) {
    rwnd.length = 0;
    let i = 0, last = acks[0]?.[1] ?? 0;
    for (const e of events) {
      if (e.kind !== "cc" || e.endpoint !== endpoint || !Number.isFinite(e.sndWnd)) continue;
      while (i < acks.length && acks[i][0] <= e.time) last = acks[i++][1];
      rwnd.push([e.time, last + e.sndWnd]);
    }
  }
  return {
    endpoint,
    peer: peerAddr ? `${peerAddr}:${peerPort}` : `port ${peerPort}`,
    sent,
    retransmitted,
    lost,
    acks,
    rwnd,
    sacks,
  };
}

/** Whether a drop happened on the wire from `addr` (to `peer`, when known). */
function isLinkDrop(e: DropEvent, addr: string, peer: string | null): boolean {
  const arrow = e.endpoint.indexOf(">");
  if (arrow < 0 || e.endpoint.slice(0, arrow) !== addr) return false;
  return peer === null || e.endpoint.slice(arrow + 1) === peer;
}

function splitEndpoint(endpoint: string): [string, string] {
  const colon = endpoint.lastIndexOf(":");
  return colon < 0 ? [endpoint, ""] : [endpoint.slice(0, colon), endpoint.slice(colon + 1)];
}

/**
 * Draws the time-sequence graph of one direction of one connection: what
 * `endpoint` sent, what came back, and what the link lost.
 *
 * @param events Trace events in time order (a {@link TraceEvent} array from a run).
 * @param options Which connection, the size, the title.
 * @returns A standalone SVG document.
 * @throws {RangeError} For a size below 320×240 or `maxMarks` below 1.
 *
 * @example A lossy transfer: one X per packet the link dropped
 * ```ts
 * import { timeSequenceSvg } from "./svg.ts";
 * import { runTransfer } from "../link/transfer.ts";
 * import type { TraceEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const events: TraceEvent[] = [];
 * runTransfer({
 *   seed: 1, bytes: 50_000, forward: { loss: 0.05, delay: 10 }, trace: (e) => events.push(e),
 * });
 * const svg = timeSequenceSvg(events);
 * assert.match(svg, /^<svg /);
 * const dataLost = events.filter((e) =>
 *   e.kind === "drop" && e.endpoint === "10.0.0.1>10.0.0.2" && e.repr!.payload.length > 0
 * );
 * assert.ok(dataLost.length > 0);
 * assert.equal(svg.match(/<g class="loss"/g)?.length, dataLost.length);
 * ```
 */
export function timeSequenceSvg(events: readonly TraceEvent[], options: PlotOptions = {}): string {
  const size = checkOptions(options);
  const endpoint = options.endpoint ?? dataSenders(events)[0];
  const data = timeSequenceData(events, endpoint);
  const title = options.title ??
    (data ? `Time-sequence graph: ${endpoint} → ${data.peer}` : "Time-sequence graph");
  if (!data) {
    const why = endpoint
      ? `no data: ${endpoint} sent no segments in this trace`
      : "no data: no connection sent data in this trace";
    return noData(size, title, why);
  }
  const { sent, retransmitted, lost, acks, rwnd, sacks } = data;
  const bars = [sent, retransmitted, lost];
  const [t0, t1] = extent([...bars.map((b) => b.map((s) => s.t)), acks.map((a) => a[0])]);
  const [y0, top] = extent([
    [0],
    ...bars.map((b) => b.map((s) => s.from)),
    ...bars.map((b) => b.map((s) => s.to)),
    acks.map((a) => a[1]),
  ]);
  // The window line may sit far above the data; show it up to a quarter above.
  const windowTop = Math.max(top, extent([rwnd.map((w) => w[1])])[1]);
  const key = legend(size, [
    { label: "segment", swatch: "bar", color: COLOR.blue },
    { label: `retransmission (${retransmitted.length})`, swatch: "rtx", color: COLOR.vermilion },
    { label: `lost on the link (${lost.length})`, swatch: "x", color: COLOR.black },
    { label: "ACK", swatch: "line", color: COLOR.green },
    { label: "receive window", swatch: "dash", color: COLOR.orange },
    { label: "SACK", swatch: "bar", color: COLOR.purple },
  ]);
  const frame = makeFrame(size, key.bottom, [t0, t1], [y0, Math.min(windowTop, top * 1.25)]);
  const { x, y } = frame;

  const body: string[] = [];
  body.push(axes(frame, "bytes (relative sequence number)"));
  body.push(`<g clip-path="url(#plot)">`);
  // The receive-window line, then the ACK line, under the segments.
  body.push(
    line("window-line", COLOR.orange, stepPath(rwnd.map(([t, v]) => [x(t), y(v)]), frame.x1), {
      dash: "6 4",
    }),
  );
  body.push(
    line("ack-line", COLOR.green, stepPath(acks.map(([t, v]) => [x(t), y(v)]), frame.x1)),
  );
  // SACK blocks: short bars just right of the ACK that carried them, merged per column.
  body.push(
    `<path class="sack" stroke="${COLOR.purple}" stroke-width="2" fill="none" d="${
      columnBars(sacks.map((s) => [x(s.t) + 2, y(s.from), y(s.to)]))
    }"/>`,
  );
  // Segments sent for the first time: bars with end ticks, or merged per column.
  const d = sent.length <= size.maxMarks
    ? sent.map((s) => segmentPath(x(s.t), y(s.from), y(s.to))).join("")
    : columnBars(sent.map((s) => [x(s.t), y(s.from), y(s.to)]));
  body.push(
    `<path class="segments" stroke="${COLOR.blue}" stroke-width="1.2" fill="none" d="${d}"/>`,
  );
  // Every retransmission: a vermilion bar with a diamond at its middle.
  for (const s of retransmitted) {
    const px = x(s.t), top = y(s.to), bottom = y(s.from), mid = (top + bottom) / 2;
    body.push(
      `<g class="rtx"><title>retransmission of ${s.from}–${s.to} at ${
        ms(s.t)
      }</title><path stroke="${COLOR.vermilion}" stroke-width="1.6" fill="${COLOR.vermilion}" d="${
        segmentPath(px, bottom, top)
      }${diamond(px, mid)}"/></g>`,
    );
  }
  // Every loss on the link: an X over the bytes that never arrived.
  for (const l of lost) {
    const px = x(l.t), py = y((l.from + l.to) / 2);
    body.push(
      `<g class="loss"><title>lost on the link (${esc(l.reason)}): ${l.from}–${l.to} at ${
        ms(l.t)
      }</title><path stroke="${COLOR.black}" stroke-width="1.6" d="${cross(px, py)}"/></g>`,
    );
  }
  body.push(`</g>`, key.svg);
  return svgDocument(size, title, frame, body);
}

/** The smallest and largest of finite numbers in lists, without spreading them as arguments. */
function extent(lists: readonly (readonly number[])[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const list of lists) {
    for (const v of list) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

// ---------------------------------------------------------------------------
// The congestion plot

/**
 * Plots the sender's congestion window, slow-start threshold and bytes in
 * flight over time from its "cc" events, and shades each loss-recovery
 * episode (fast recovery, or the loss phase after a timeout) from its
 * "recovery" events.
 *
 * @param events Trace events in time order.
 * @param options Which connection (default: the data sender with "cc"
 *   events, else the endpoint with the most), the size, the title.
 * @returns A standalone SVG document.
 * @throws {RangeError} For a size below 320×240 or `maxMarks` below 1.
 *
 * @example Events built by hand
 * ```ts
 * import { congestionSvg } from "./svg.ts";
 * import type { CongestionEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const cc = (time: number, cwnd: number, ssthresh: number | null): CongestionEvent => ({
 *   kind: "cc", time, endpoint: "10.0.0.1:49152", controller: "reno", cwnd, ssthresh,
 *   inFlight: cwnd, sndWnd: 65535, phase: "open",
 * });
 * const svg = congestionSvg([cc(0, 14600, null), cc(20, 29200, null), cc(40, 14600, 14600)]);
 * assert.match(svg, /class="cwnd-line"/);
 * assert.doesNotMatch(svg, /NaN/);
 * ```
 */
export function congestionSvg(events: readonly TraceEvent[], options: PlotOptions = {}): string {
  const size = checkOptions(options);
  const endpoint = options.endpoint ?? congestionEndpoint(events);
  const cc = events.filter((e): e is CongestionEvent =>
    e.kind === "cc" && e.endpoint === endpoint && Number.isFinite(e.time)
  );
  const controller = cc[0]?.controller;
  const title = options.title ??
    (controller ? `Congestion window: ${endpoint} (${controller})` : "Congestion window");
  const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);
  const values = cc.flatMap((e) => [e.cwnd, e.ssthresh, e.inFlight]).filter(finite);
  if (values.length === 0) {
    return noData(
      size,
      title,
      endpoint
        ? `no data: ${endpoint} has no congestion-control (cc) events with finite values`
        : "no data: this trace has no congestion-control (cc) events",
    );
  }
  const episodes = recoveryEpisodes(events, endpoint!);
  const [t0, t1] = extent([
    [cc[0].time, cc[cc.length - 1].time],
    episodes.map((p) => p.from),
    episodes.map((p) => p.to ?? p.from),
  ]);
  const key = legend(size, [
    { label: "cwnd", swatch: "line", color: COLOR.blue },
    { label: "ssthresh", swatch: "dash", color: COLOR.vermilion },
    { label: "bytes in flight", swatch: "line", color: COLOR.green },
    { label: "fast recovery", swatch: "area", color: COLOR.sky },
    { label: "after a timeout", swatch: "area", color: COLOR.orange },
  ]);
  const frame = makeFrame(size, key.bottom, [t0, t1], [0, extent([values])[1]]);
  const { x, y } = frame;
  const series = (pick: (e: CongestionEvent) => number | null) =>
    stepPath(
      cc.map((e) => {
        const v = pick(e);
        return [x(e.time), finite(v) ? y(v) : null];
      }),
      frame.x1,
    );

  const body: string[] = [axes(frame, "bytes")];
  body.push(`<g clip-path="url(#plot)">`);
  for (const p of episodes) {
    const from = x(p.from), to = x(p.to ?? t1);
    const fill = p.phase === "loss" ? COLOR.orange : COLOR.sky;
    body.push(
      `<rect class="episode" data-phase="${p.phase}" x="${n(from)}" y="${n(frame.y1)}" width="${
        n(Math.max(1, to - from))
      }" height="${n(frame.y0 - frame.y1)}" fill="${fill}" fill-opacity="0.22"><title>${
        p.phase === "loss" ? "loss recovery after a timeout" : "fast recovery"
      } (${esc(p.reason)}) from ${ms(p.from)}${
        p.to === null ? "" : ` to ${ms(p.to)}`
      }</title></rect>`,
    );
  }
  body.push(line("inflight-line", COLOR.green, series((e) => e.inFlight), { width: 1.2 }));
  body.push(line("ssthresh-line", COLOR.vermilion, series((e) => e.ssthresh), { dash: "7 4" }));
  body.push(line("cwnd-line", COLOR.blue, series((e) => e.cwnd), { width: 2 }));
  body.push(`</g>`, key.svg);
  return svgDocument(size, title, frame, body);
}

/** The data sender with "cc" events, else the endpoint with the most of them. */
function congestionEndpoint(events: readonly TraceEvent[]): string | undefined {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.kind === "cc") counts.set(e.endpoint, (counts.get(e.endpoint) ?? 0) + 1);
  }
  const sender = dataSenders(events).find((s) => counts.has(s));
  return sender ?? [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

interface Episode {
  readonly phase: "recovery" | "loss";
  readonly reason: string;
  readonly from: number;
  readonly to: number | null;
}

/** Recovery episodes from "enter"/"exit" pairs; one still open has `to` null. */
function recoveryEpisodes(events: readonly TraceEvent[], endpoint: string): Episode[] {
  const episodes: Episode[] = [];
  let open: RecoveryEvent | null = null;
  for (const e of events) {
    if (e.kind !== "recovery" || e.endpoint !== endpoint || !Number.isFinite(e.time)) continue;
    if (e.action === "enter") {
      // A timeout during fast recovery ends that episode and starts the loss phase.
      if (open) {
        episodes.push({ phase: open.phase, reason: open.reason, from: open.time, to: e.time });
      }
      open = e;
    } else if (open) {
      episodes.push({ phase: open.phase, reason: open.reason, from: open.time, to: e.time });
      open = null;
    }
  }
  if (open) episodes.push({ phase: open.phase, reason: open.reason, from: open.time, to: null });
  return episodes;
}

// ---------------------------------------------------------------------------
// Drawing

interface Size {
  readonly width: number;
  readonly height: number;
  readonly maxMarks: number;
}

function checkOptions(options: PlotOptions): Size {
  const width = options.width ?? 800, height = options.height ?? 500;
  const maxMarks = options.maxMarks ?? 5000;
  if (!(width >= 320 && width <= 20_000) || !(height >= 240 && height <= 20_000)) {
    throw new RangeError(
      `plot size must be from 320×240 to 20000×20000 pixels, got ${width}×${height}`,
    );
  }
  if (!(maxMarks >= 1) || !Number.isFinite(maxMarks)) {
    throw new RangeError(`plot maxMarks must be at least 1, got ${maxMarks}`);
  }
  if (options.endpoint !== undefined && typeof options.endpoint !== "string") {
    throw new TypeError(`plot endpoint must be an "addr:port" string`);
  }
  return { width, height, maxMarks };
}

/** The plot area and its scales: x from time (ms), y from bytes. */
interface Frame {
  readonly x0: number;
  readonly x1: number;
  /** The bottom edge (larger y). */
  readonly y0: number;
  /** The top edge. */
  readonly y1: number;
  readonly time: { lo: number; hi: number; ticks: number[]; seconds: boolean };
  readonly bytes: { lo: number; hi: number; ticks: number[] };
  x(t: number): number;
  y(v: number): number;
}

function makeFrame(size: Size, top: number, [tLo, tHi]: number[], [vLo, vHi]: number[]): Frame {
  const x0 = MARGIN.left, x1 = size.width - MARGIN.right;
  const y0 = size.height - MARGIN.bottom, y1 = top;
  if (!(tHi > tLo)) tHi = tLo + 1;
  if (tLo > 0 && tLo < (tHi - tLo) / 20) tLo = 0; // a start near 0 starts at 0
  if (!(vHi > vLo)) vHi = vLo + 1;
  // The byte axis ends at a tick at or above the largest value.
  const byteTicks = niceTicks(vLo, vHi);
  const step = byteTicks.length > 1 ? byteTicks[1] - byteTicks[0] : vHi - vLo;
  let hi = byteTicks[byteTicks.length - 1];
  if (hi < vHi) byteTicks.push(hi += step);
  const lo = Math.min(vLo, byteTicks[0]);
  const seconds = tHi - tLo >= 5000;
  const scale = seconds ? 1000 : 1;
  const timeTicks = niceTicks(tLo / scale, tHi / scale).map((t) => t * scale)
    .filter((t) => t >= tLo - 1e-9 && t <= tHi + 1e-9);
  return {
    x0,
    x1,
    y0,
    y1,
    time: { lo: tLo, hi: tHi, ticks: timeTicks, seconds },
    bytes: { lo, hi, ticks: byteTicks },
    x: (t) => x0 + (t - tLo) / (tHi - tLo) * (x1 - x0),
    y: (v) => y0 - (v - lo) / (hi - lo) * (y0 - y1),
  };
}

/** About six round-numbered ticks (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
function niceTicks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.round(v / step) * step);
  }
  return ticks.length ? ticks : [lo];
}

/** The axes, grid, ticks with labels, and axis titles. */
function axes(frame: Frame, yTitle: string): string {
  const { x0, x1, y0, y1, time, bytes } = frame;
  const out: string[] = [`<g class="axes" font-size="11" fill="#222">`];
  const tStep = time.ticks.length > 1 ? time.ticks[1] - time.ticks[0] : 1;
  for (const t of time.ticks) {
    const px = n(frame.x(t));
    out.push(
      `<line x1="${px}" y1="${n(y1)}" x2="${px}" y2="${n(y0)}" stroke="#e4e4e4"/>`,
      `<line x1="${px}" y1="${n(y0)}" x2="${px}" y2="${n(y0 + 5)}" stroke="#222"/>`,
      `<text x="${px}" y="${n(y0 + 18)}" text-anchor="middle">${
        formatNumber(time.seconds ? t / 1000 : t, time.seconds ? tStep / 1000 : tStep)
      }</text>`,
    );
  }
  const vStep = bytes.ticks.length > 1 ? bytes.ticks[1] - bytes.ticks[0] : 1;
  for (const v of bytes.ticks) {
    const py = n(frame.y(v));
    out.push(
      `<line x1="${n(x0)}" y1="${py}" x2="${n(x1)}" y2="${py}" stroke="#e4e4e4"/>`,
      `<line x1="${n(x0 - 5)}" y1="${py}" x2="${n(x0)}" y2="${py}" stroke="#222"/>`,
      `<text x="${n(x0 - 8)}" y="${py}" dy="0.32em" text-anchor="end">${
        formatBytes(v, vStep, Math.max(Math.abs(bytes.lo), Math.abs(bytes.hi)))
      }</text>`,
    );
  }
  out.push(
    `<rect x="${n(x0)}" y="${n(y1)}" width="${n(x1 - x0)}" height="${
      n(y0 - y1)
    }" fill="none" stroke="#222"/>`,
    `<text x="${n((x0 + x1) / 2)}" y="${n(y0 + 38)}" text-anchor="middle" font-size="12">time (${
      time.seconds ? "s" : "ms"
    })</text>`,
    `<text transform="translate(16 ${n((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" ` +
      `font-size="12">${esc(yTitle)}</text>`,
    `</g>`,
  );
  return out.join("");
}

interface LegendItem {
  readonly label: string;
  readonly swatch: "bar" | "rtx" | "x" | "line" | "dash" | "area";
  readonly color: string;
}

/**
 * One or more rows of swatches and labels between the title and the plot,
 * and where the plot may begin below them.
 */
function legend(size: Size, items: readonly LegendItem[]): { svg: string; bottom: number } {
  const out: string[] = [`<g class="legend" font-size="12" fill="#222">`];
  let px = MARGIN.left, py = 44;
  for (const item of items) {
    const w = 26 + item.label.length * 6.4 + 14;
    if (px + w > size.width - MARGIN.right && px > MARGIN.left) {
      px = MARGIN.left;
      py += 16;
    }
    const c = item.color, cx = px + 9;
    const swatch = {
      bar: `<path stroke="${c}" stroke-width="1.6" d="${segmentPath(cx, py + 6, py - 6)}"/>`,
      rtx: `<path stroke="${c}" fill="${c}" stroke-width="1.6" d="${
        segmentPath(cx, py + 6, py - 6)
      }${diamond(cx, py)}"/>`,
      x: `<path stroke="${c}" stroke-width="1.6" d="${cross(cx, py)}"/>`,
      line: `<path stroke="${c}" stroke-width="2" d="M${n(px)} ${n(py)}h20"/>`,
      dash: `<path stroke="${c}" stroke-width="2" stroke-dasharray="6 4" d="M${n(px)} ${
        n(py)
      }h20"/>`,
      area: `<rect x="${n(px)}" y="${n(py - 6)}" width="20" height="12" fill="${c}" ` +
        `fill-opacity="0.35"/>`,
    }[item.swatch];
    out.push(swatch, `<text x="${n(px + 26)}" y="${n(py)}" dy="0.32em">${esc(item.label)}</text>`);
    px += w;
  }
  out.push(`</g>`);
  return { svg: out.join(""), bottom: py + 16 };
}

function svgDocument(size: Size, title: string, frame: Frame, body: readonly string[]): string {
  return header(size, title) +
    `<defs><clipPath id="plot"><rect x="${n(frame.x0)}" y="${n(frame.y1)}" width="${
      n(frame.x1 - frame.x0)
    }" height="${n(frame.y0 - frame.y1)}"/></clipPath></defs>` +
    body.join("") + `</svg>\n`;
}

function header(size: Size, title: string): string {
  const { width, height } = size;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">` +
    `<title>${esc(title)}</title>` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${n(width / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="600" ` +
    `fill="#111">${esc(title)}</text>`;
}

/** A valid SVG that says why there is nothing to plot. */
function noData(size: Size, title: string, why: string): string {
  return header(size, title) +
    `<text class="no-data" x="${n(size.width / 2)}" y="${n(size.height / 2)}" ` +
    `text-anchor="middle" font-size="14" fill="#555">${esc(why)}</text></svg>\n`;
}

function line(
  cls: string,
  color: string,
  d: string,
  style: { dash?: string; width?: number } = {},
): string {
  const dash = style.dash ? ` stroke-dasharray="${style.dash}"` : "";
  return `<path class="${cls}" stroke="${color}" stroke-width="${
    style.width ?? 1.6
  }"${dash} fill="none" d="${d}"/>`;
}

/**
 * A step line through time-ordered points [x, y | null] in pixels, ending at
 * `xEnd`; a null y breaks the line. Points that share a pixel column become
 * one vertical stroke from their lowest to their highest value, ending at the
 * last, so the path has at most a few commands per column however many
 * points there are.
 */
function stepPath(points: readonly (readonly [number, number | null])[], xEnd: number): string {
  const out: string[] = [];
  let open = false, column = 0, colX = 0, lo = 0, hi = 0, last = 0, pen = 0;
  const flush = () => {
    out.push(`H${n(colX)}`);
    for (const v of [lo, hi, last]) {
      if (v !== pen) out.push(`V${n(v)}`);
      pen = v;
    }
  };
  for (const [px, py] of points) {
    if (py === null) {
      if (open) {
        flush();
        out.push(`H${n(px)}`);
      }
      open = false;
      continue;
    }
    if (!open) {
      out.push(`M${n(px)} ${n(py)}`);
      open = true;
      pen = py;
      [column, colX, lo, hi, last] = [Math.round(px), px, py, py, py];
    } else if (Math.round(px) === column) {
      lo = Math.max(lo, py); // larger y is lower on the page
      hi = Math.min(hi, py);
      last = py;
    } else {
      flush();
      [column, colX, lo, hi, last] = [Math.round(px), px, py, py, py];
    }
  }
  if (open) {
    flush();
    out.push(`H${n(xEnd)}`);
  }
  return out.join("");
}

/**
 * Vertical bars [x, yBottom, yTop] in pixels merged per pixel column: the
 * overlapping bars of a column become one, disjoint ones stay apart.
 */
function columnBars(bars: readonly (readonly [number, number, number])[]): string {
  const columns = new Map<number, [number, number][]>();
  for (const [px, bottom, top] of bars) {
    const key = Math.round(px);
    const list = columns.get(key) ?? [];
    list.push([Math.min(top, bottom), Math.max(top, bottom)]);
    columns.set(key, list);
  }
  const out: string[] = [];
  for (const [px, list] of columns) {
    list.sort((a, b) => a[0] - b[0]);
    let [from, to] = list[0];
    for (const [a, b] of list.slice(1)) {
      if (a <= to + 1) to = Math.max(to, b);
      else {
        out.push(`M${px} ${n(from)}V${n(Math.max(to, from + 1))}`);
        [from, to] = [a, b];
      }
    }
    out.push(`M${px} ${n(from)}V${n(Math.max(to, from + 1))}`);
  }
  return out.join("");
}

/** A segment bar from `bottom` to `top` with short ticks at both ends. */
function segmentPath(px: number, bottom: number, top: number): string {
  const t = Math.min(top, bottom - 1); // at least a pixel tall
  return `M${n(px)} ${n(bottom)}V${n(t)}M${n(px - 2)} ${n(t)}h4M${n(px - 2)} ${n(bottom)}h4`;
}

function diamond(px: number, py: number): string {
  return `M${n(px)} ${n(py - 3.5)}l3.5 3.5l-3.5 3.5l-3.5 -3.5z`;
}

function cross(px: number, py: number): string {
  return `M${n(px - 4)} ${n(py - 4)}l8 8M${n(px - 4)} ${n(py + 4)}l8 -8`;
}

/** A coordinate with at most one decimal; never NaN or Infinity in the output. */
function n(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : "0";
}

function ms(t: number): string {
  return `${Math.round(t * 1000) / 1000} ms`;
}

/** A tick label with as many decimals as its step needs. */
function formatNumber(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/**
 * A byte count for a tick, in the unit of the axis's largest value `top`:
 * 900, 25 k, 1.5 M (SI, powers of 1000).
 */
function formatBytes(v: number, step: number, top: number): string {
  const [unit, scale] = top >= 1e9
    ? [" G", 1e9]
    : top >= 1e6
    ? [" M", 1e6]
    : top >= 1e4
    ? [" k", 1e3]
    : ["", 1];
  return formatNumber(v / scale, step / scale) + (v === 0 ? "" : unit);
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
