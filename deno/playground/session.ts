/**
 * One playground run as the page's Web Worker makes it: the query parsed
 * with the browser's limits ({@link BROWSER_LIMITS}), the real TCP run on the
 * simulated network, the replay model built, and the trace hashed. The
 * events stay here, for the pcap, the JSON lines and the detail of any
 * event the page asks for.
 *
 * The trace's SHA-256 is the hash of its JSON lines, byte for byte what
 * `socklab sim --trace FILE` writes for the same settings, so
 * `sha256sum FILE` gives the same digest.
 *
 * @module
 */
import type { TraceEvent } from "../trace/events.ts";
import type { TransferResult } from "../link/transfer.ts";
import { type JsonValue, traceEventJson, traceJsonLine } from "../trace/json.ts";
import { pcapOfTrace } from "../trace/pcap.ts";
import { createSha256 } from "../sha256.ts";
import { type FlowsResult, runFlows } from "../link/flows.ts";
import { FieldError, flowsOptions } from "../link/settings.ts";
import {
  BROWSER_LIMITS,
  MAX_VIRTUAL_TIME,
  parseRunQuery,
  replayCommand,
  type RunLimits,
  type RunReport,
  type RunSettings,
  simulate,
  summaryOf,
} from "./run.ts";
import { buildReplay, type Replay } from "./replay.ts";

/** What the page gets back from a run. */
export interface SessionResult {
  /** The settings run. */
  readonly settings: RunSettings;
  /** The `socklab sim` command line that replays it. */
  readonly command: string;
  /** SHA-256 matches, retransmissions, final states; null for several flows. */
  readonly summary: RunReport["summary"] | null;
  /** Each flow's goodput and share, and Jain's index, for several flows; else null. */
  readonly flows: FlowsResult | null;
  /** Whether the links stopped after the packet budget. */
  readonly budgetSpent: boolean;
  /** SHA-256 (hex) of the trace's JSON lines. */
  readonly traceSha256: string;
  /** What the page steps through and draws. */
  readonly replay: Replay;
}

/** Progress of a run still going. */
export interface SessionProgress {
  /** Virtual time reached, ms. */
  readonly time: number;
  /** Trace events so far. */
  readonly events: number;
}

/**
 * The bounds of a run of several flows: as much virtual time as a single
 * run, and with `duration` (the flows send without end) a bottleneck whose
 * rate bounds what they can send in that time.
 */
function boundedFlows(s: RunSettings): { maxTime: number; duration?: number } {
  if (s.duration > 0) {
    if (s.rate <= 0) {
      throw new FieldError(
        "rate",
        "rate: several flows sending for a duration need a bottleneck rate (such as 10Mbit)",
      );
    }
    return { maxTime: MAX_VIRTUAL_TIME, duration: Math.min(s.duration, MAX_VIRTUAL_TIME) };
  }
  return { maxTime: Math.min(s.maxTime, MAX_VIRTUAL_TIME) };
}

/** A finished run whose events are kept for downloads and details. */
export class Session {
  /** What the page draws. */
  readonly result: SessionResult;
  readonly #events: TraceEvent[];
  readonly #jsonLines: string[];

  private constructor(result: SessionResult, events: TraceEvent[], jsonLines: string[]) {
    this.result = result;
    this.#events = events;
    this.#jsonLines = jsonLines;
  }

  /**
   * Runs the settings of a query.
   *
   * @param query The page's query (`socklab sim` flags without the dashes).
   * @param onProgress Called now and then while the run goes on.
   * @param limits How big a run may be (default {@link BROWSER_LIMITS}).
   * @returns The finished session.
   * @throws {FieldError} For a bad field, naming it.
   *
   * @example
   * ```ts
   * import { Session } from "./session.ts";
   * import assert from "node:assert/strict";
   * const s = Session.run("bytes=0");
   * assert.equal(s.result.summary!.ok, true);
   * assert.match(s.result.traceSha256, /^[0-9a-f]{64}$/);
   * ```
   */
  static run(
    query: string,
    onProgress?: (progress: SessionProgress) => void,
    limits: RunLimits = BROWSER_LIMITS,
  ): Session {
    const settings = parseRunQuery(new URLSearchParams(query), limits);
    let lastReport = Date.now();
    const observe = onProgress &&
      ((e: TraceEvent, count: number) => {
        if ((count & 4095) !== 0) return;
        const now = Date.now();
        if (now - lastReport < 100) return;
        lastReport = now;
        onProgress({ time: e.time, events: count });
      });
    let run: { events: TraceEvent[]; budgetSpent: boolean; result: TransferResult | null };
    let flows: FlowsResult | null = null;
    if (settings.flows > 1) {
      const events: TraceEvent[] = [];
      flows = runFlows({
        ...flowsOptions(settings),
        ...boundedFlows(settings),
        trace: (e) => {
          events.push(e);
          observe?.(e, events.length);
        },
      });
      run = { events, budgetSpent: false, result: null };
    } else run = simulate(settings, limits.maxPackets, observe);
    const { result, events, budgetSpent } = run;
    // The JSON lines, kept in pieces of about 1 MB: the download is their
    // concatenation, and the hash is taken as they are made.
    const hash = createSha256();
    const encoder = new TextEncoder();
    const pieces: string[] = [];
    let piece = "";
    for (const e of events) {
      piece += traceJsonLine(e);
      if (piece.length >= 1 << 20) {
        hash.update(encoder.encode(piece));
        pieces.push(piece);
        piece = "";
      }
    }
    if (piece) {
      hash.update(encoder.encode(piece));
      pieces.push(piece);
    }
    const summary = result && summaryOf(result);
    return new Session(
      {
        settings,
        command: replayCommand(settings),
        summary,
        flows,
        budgetSpent,
        traceSha256: hash.hex(),
        replay: buildReplay(events),
      },
      events,
      pieces,
    );
  }

  /** The packets as a pcap file. */
  pcap(): Uint8Array {
    return pcapOfTrace(this.#events);
  }

  /** The trace as JSON lines, in pieces to concatenate. */
  jsonLines(): readonly string[] {
    return this.#jsonLines;
  }

  /**
   * Trace events as JSON.
   *
   * @param indexes Event indexes; out-of-range ones give null.
   * @returns One JSON record (or null) per index.
   */
  events(indexes: readonly number[]): (JsonValue | null)[] {
    return indexes.map((i) => {
      const e = Number.isInteger(i) ? this.#events[i] : undefined;
      return e ? traceEventJson(e) : null;
    });
  }
}
