/**
 * One playground run: the query string of `/playground/run` read into
 * `socklab sim` settings (the table of `../link/settings.ts`), the real
 * user-space TCP run on the simulated network ({@link runTransfer}), and the
 * trace turned into what the page draws ({@link buildLadder}).
 *
 * @module
 */
import { CLIENT_ADDR, runTransfer, SERVER_ADDR, type TransferResult } from "../link/transfer.ts";
import {
  FieldError,
  MAX_QUERY_BYTES,
  readQuery,
  replayArgs,
  SIM_FIELDS,
  type SimSettings,
  type Surface,
  transferOptions,
} from "../link/settings.ts";
import type { TraceEvent } from "../trace/events.ts";
import { type JsonValue, traceEventJson } from "../trace/json.ts";
import { buildLadder, type Ladder } from "../trace/ladder_model.ts";

export { DEFAULT_SETTINGS, FieldError } from "../link/settings.ts";

/** Most bytes a playground run sends in each direction. */
export const MAX_BYTES: number = MAX_QUERY_BYTES;
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
  /**
   * Whose bounds the settings table applies to each field: the playground
   * server's ("query": {@link MAX_BYTES} per direction, a minute at most for
   * any time) or the command line's ("flag": 256 MiB).
   */
  readonly bounds: Surface;
  /** Most data segments a run may need (bytes over the segment size, both ways). */
  readonly maxSegments: number;
  /** Most packets a run puts on its links. */
  readonly maxPackets: number;
}

/** The limits of `/playground/run`, which runs on the shared server. */
export const SERVER_LIMITS: RunLimits = {
  bounds: "query",
  maxSegments: MAX_SEGMENTS,
  maxPackets: MAX_PACKETS,
};

/**
 * The limits of a run in the page's Web Worker, on the visitor's machine:
 * the command line's bounds, and as many packets as a browser tab holds with
 * every one kept for the pcap (a 128 MiB transfer's).
 */
export const BROWSER_LIMITS: RunLimits = {
  bounds: "flag",
  maxSegments: 400_000,
  maxPackets: 600_000,
};

/**
 * The settings of a run, as `socklab sim` takes them. The playground reads
 * those of its query fields; the others keep `socklab sim`'s defaults.
 */
export type RunSettings = SimSettings;

/**
 * Parses the query of `/playground/run` (field names are `socklab sim`'s
 * flags without the dashes: `loss=5&delay=20ms&close=server-first`).
 * Fields left out or empty keep `socklab sim`'s defaults.
 *
 * @param query The query.
 * @param limits How big a run may be (default: the server's, {@link SERVER_LIMITS}).
 * @returns The settings.
 * @throws {FieldError} Naming the field, for an unknown, repeated or bad
 *   field, or for a run of more than `limits.maxSegments` data segments.
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
  const s = readQuery(SIM_FIELDS, query, limits.bounds);
  // Small segments multiply the work: bound the data segments a run can need.
  const perSegment = Math.max(1, Math.min(s.mtu - 40, s.recvBuffer));
  const segments = Math.ceil((s.bytes * s.flows + s.replyBytes) / perSegment);
  if (segments > limits.maxSegments) {
    const field = query.has("reply-bytes") && s.replyBytes > s.bytes ? "reply-bytes" : "bytes";
    throw new FieldError(
      field,
      `${field}: ${
        s.bytes * s.flows + s.replyBytes
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
 *
 * @example
 * ```ts
 * import { DEFAULT_SETTINGS, replayCommand } from "./run.ts";
 * import assert from "node:assert/strict";
 * assert.equal(replayCommand({ ...DEFAULT_SETTINGS, loss: 0.2 }), "socklab sim --loss 20% --seed 1");
 * ```
 */
export function replayCommand(s: RunSettings): string {
  return ["socklab", "sim", ...replayArgs(s)].join(" ");
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
  const result = runTransfer({
    ...transferOptions(s),
    maxTime: Math.min(s.maxTime, MAX_VIRTUAL_TIME),
    trace: (e) => {
      if (e.kind === "link" && e.action === "send") packets++;
      events.push(e);
      observe?.(e, events.length);
    },
    fault: () => packets > maxPackets ? BUDGET_SPENT : null,
  });
  return { result, events, budgetSpent: packets > maxPackets };
}

/** A transfer's result with whether each direction's bytes arrived intact (SHA-256 equal). */
export function summaryOf(result: TransferResult): RunReport["summary"] {
  return {
    ...result,
    clientToServerMatch: result.server.receivedSha256 === result.client.sentSha256,
    serverToClientMatch: result.client.receivedSha256 === result.server.sentSha256,
  };
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
    summary: summaryOf(result),
    events: kept.map(traceEventJson),
    eventCount: events.length,
    truncated: events.length > kept.length,
    budgetSpent,
    ladder: buildLadder(kept, { client: CLIENT_ADDR, server: SERVER_ADDR }),
  };
}
