/**
 * An ASCII ladder (sequence) diagram of a TCP conversation between two
 * hosts, drawn from trace events: one line per segment on the wire with its
 * direction, flags, relative SEQ/ACK, window and fate on the link (lost,
 * corrupted, duplicated, held back), and, beside the arrows, each end's state
 * changes and timer events.
 *
 * @module
 */
import type { LinkEvent, SegmentEvent, TraceEvent } from "./events.ts";
import { flagsOf, type TcpRepr } from "../wire/tcp.ts";

/** What to draw. */
export interface LadderOptions {
  /** The left host's address (the client). */
  readonly left: string;
  /** The right host's address (the server). */
  readonly right: string;
  /** Lines to keep; the middle of a longer diagram is elided (default: all). */
  readonly maxLines?: number;
  /** The width of the lane the arrows are drawn in (default 66). */
  readonly laneWidth?: number;
}

const SIDE = 28;

/**
 * Draws the ladder diagram.
 *
 * @param events Trace events in time order, from a {@link SimNetwork} run.
 * @returns The diagram, one line per event, ending with a newline.
 * @throws {RangeError} If `maxLines` or `laneWidth` is too small.
 *
 * @example
 * ```ts
 * import { renderLadder } from "./ladder.ts";
 * import { runTransfer } from "../link/transfer.ts";
 * import type { TraceEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const events: TraceEvent[] = [];
 * runTransfer({ seed: 1, bytes: 0, forward: { delay: 5 }, trace: (e) => events.push(e) });
 * const ladder = renderLadder(events, { left: "10.0.0.1", right: "10.0.0.2" });
 * assert.match(ladder, /\|-+ SYN seq=0 .*->\|/);
 * ```
 */
export function renderLadder(events: readonly TraceEvent[], options: LadderOptions): string {
  const lane = options.laneWidth ?? 66;
  if (lane < 20) throw new RangeError(`ladder laneWidth must be at least 20, got ${lane}`);
  const maxLines = options.maxLines ?? Infinity;
  if (maxLines < 4) throw new RangeError(`ladder maxLines must be at least 4, got ${maxLines}`);
  const { left, right } = options;

  // The sender's own view of each segment, for relative numbers.
  const views = new Map<TcpRepr, SegmentEvent>();
  // What the link did to each segment besides carrying it.
  const fates = new Map<TcpRepr, string[]>();
  const fate = (repr: TcpRepr | null, what: string) => {
    if (repr) fates.set(repr, [...(fates.get(repr) ?? []), what]);
  };
  for (const e of events) {
    if (e.kind === "segment" && e.direction === "send") views.set(e.repr, e);
    else if (e.kind === "drop" && e.endpoint.includes(">")) fate(e.repr, e.reason);
    else if (e.kind === "link" && e.action !== "send") fate(e.repr, linkNote(e));
  }

  const lines: string[] = [];
  const row = (time: number, l: string, mid: string, r: string) =>
    `${time.toFixed(3).padStart(10)}  ${l.padEnd(SIDE).slice(0, SIDE)}${mid}${r ? " " + r : ""}`
      .trimEnd();
  const blank = "|" + " ".repeat(lane) + "|";
  const sideOf = (endpoint: string) =>
    endpoint.startsWith(left + ":") ? "left" : endpoint.startsWith(right + ":") ? "right" : null;

  lines.push(
    `${"time (ms)".padStart(10)}  ${left.padEnd(SIDE)}${" ".repeat(lane + 2)} ${right}`,
  );
  for (const e of events) {
    if (e.kind === "link" && e.action === "send") {
      const toRight = e.link.startsWith(left + ">");
      const view = views.get(e.repr);
      const label = describeSegment(e.repr, view);
      const notes = fates.get(e.repr) ?? [];
      const lost = notes.some((n) => !n.startsWith("dup") && !n.startsWith("held"));
      lines.push(row(e.time, "", arrow(label, toRight, lost, lane), notes.join(", ")));
    } else if (e.kind === "state") {
      const side = sideOf(e.endpoint);
      const text = `${e.from} -> ${e.to}`;
      if (side === "left") lines.push(row(e.time, text, blank, ""));
      else if (side === "right") lines.push(row(e.time, "", blank, text));
    } else if (e.kind === "timer") {
      const side = sideOf(e.endpoint);
      const text = e.timer === "retransmit"
        ? `RTO fired, now ${fmt(e.rto)} ms (x${2 ** e.backoffs})`
        : `${e.timer} timer`;
      if (side === "left") lines.push(row(e.time, text, blank, ""));
      else if (side === "right") lines.push(row(e.time, "", blank, text));
    }
  }
  if (lines.length > maxLines) {
    const head = Math.ceil((maxLines - 1) / 2);
    const tail = maxLines - 1 - head;
    const omitted = lines.length - head - tail;
    lines.splice(head, omitted, `${"".padStart(10)}  ... ${omitted} lines omitted ...`);
  }
  return lines.join("\n") + "\n";
}

function linkNote(e: LinkEvent): string {
  if (e.action === "duplicate") return "dup";
  if (e.action === "reorder") return "held back";
  return "corrupted";
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * "PSH,ACK seq=1:1461 ack=1 win=65535", with "RTX" for retransmissions, the
 * options a SYN offers ("mss=1460 ws=5 sackOK TS") and the SACK blocks an
 * ACK carries ("sack=2921-4381"), numbered like the ACK.
 */
export function describeSegment(repr: TcpRepr, view?: SegmentEvent): string {
  const flags = flagsOf(repr) || "-";
  const seq = view ? view.relSeq : repr.seq;
  const len = repr.payload.length;
  let text = `${view?.retransmission ? "RTX " : ""}${flags} seq=${seq}`;
  if (len) text += `:${(seq + len) >>> 0}`;
  if (repr.ack !== null) text += ` ack=${view?.relAck ?? repr.ack}`;
  text += ` win=${repr.window}`;
  if (repr.mss !== null) text += ` mss=${repr.mss}`;
  if (repr.windowScale !== null) text += ` ws=${repr.windowScale}`;
  if (repr.sackPermitted) text += " sackOK";
  if (repr.timestamp !== null && repr.control === "syn") text += " TS";
  if (repr.sack.length > 0 && repr.ack !== null) {
    // SACK blocks are in the same sequence space as the ACK: relative to it alike.
    const base = view?.relAck === null || view === undefined ? 0 : (repr.ack - view.relAck) >>> 0;
    const rel = (n: number) => (n - base) >>> 0;
    text += ` sack=${repr.sack.map(([a, b]) => `${rel(a)}-${rel(b)}`).join(",")}`;
  }
  return text;
}

function arrow(label: string, toRight: boolean, lost: boolean, lane: number): string {
  const body = ` ${label.slice(0, lane - 10)} `;
  const dashes = lane - body.length - 2;
  const a = Math.max(2, Math.floor(dashes / 3));
  const b = Math.max(2, dashes - a);
  if (toRight) {
    const end = lost ? "X" + " ".repeat(2) : "->";
    return "|" + "-".repeat(a) + body + "-".repeat(b + (lost ? -1 : 0)) + end + "|";
  }
  const start = lost ? "  X" : "<-";
  return "|" + start + "-".repeat(a + (lost ? -1 : 0)) + body + "-".repeat(b) + "|";
}
