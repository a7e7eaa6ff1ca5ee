/**
 * Trace events as plain JSON records, one object per event, for JSON-lines
 * files and other programs: segments with their flags, absolute and
 * relative SEQ/ACK, window, length and options; bytes become lengths.
 *
 * @module
 */
import type { TraceEvent } from "./events.ts";
import { flagsOf, type TcpRepr } from "../wire/tcp.ts";

// The segment formatter the JSON uses, for the layers above that show segments.
export { flagsOf };

/** A JSON-ready value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

function segmentJson(repr: TcpRepr): { [key: string]: JsonValue } {
  return {
    srcPort: repr.srcPort,
    dstPort: repr.dstPort,
    flags: flagsOf(repr),
    seq: repr.seq,
    ack: repr.ack,
    window: repr.window,
    len: repr.payload.length,
    mss: repr.mss,
    windowScale: repr.windowScale,
    sackPermitted: repr.sackPermitted,
    sack: repr.sack.map(([left, right]) => [left, right]),
    tsval: repr.timestamp?.value ?? null,
    tsecr: repr.timestamp?.echo ?? null,
  };
}

/**
 * One line of a trace file (JSON lines): the event as
 * {@link traceEventJson} gives it, and a newline. `socklab sim --trace` and
 * the playground write these, so both hash to the same SHA-256.
 *
 * @example
 * ```ts
 * import { traceJsonLine } from "./json.ts";
 * import assert from "node:assert/strict";
 * const line = traceJsonLine({
 *   kind: "state", time: 5, endpoint: "10.0.0.1:80", from: "LISTEN", to: "SYN-RECEIVED",
 *   reason: "SYN received",
 * });
 * assert.ok(line.endsWith("}\n"));
 * ```
 */
export function traceJsonLine(event: TraceEvent): string {
  return JSON.stringify(traceEventJson(event)) + "\n";
}

/**
 * One trace event as a JSON-ready object.
 *
 * @example
 * ```ts
 * import { traceEventJson } from "./json.ts";
 * import assert from "node:assert/strict";
 * const json = traceEventJson({
 *   kind: "state", time: 5, endpoint: "10.0.0.1:80", from: "LISTEN", to: "SYN-RECEIVED",
 *   reason: "SYN received",
 * });
 * assert.equal(JSON.stringify(json).includes('"to":"SYN-RECEIVED"'), true);
 * ```
 */
export function traceEventJson(event: TraceEvent): { [key: string]: JsonValue } {
  switch (event.kind) {
    case "segment":
      return {
        kind: "segment",
        time: event.time,
        endpoint: event.endpoint,
        direction: event.direction,
        state: event.state,
        relSeq: event.relSeq,
        relAck: event.relAck,
        retransmission: event.retransmission,
        ...segmentJson(event.repr),
      };
    case "drop":
      return {
        kind: "drop",
        time: event.time,
        endpoint: event.endpoint,
        reason: event.reason,
        segment: event.repr ? segmentJson(event.repr) : null,
      };
    case "link":
      return {
        kind: "link",
        time: event.time,
        link: event.link,
        action: event.action,
        bytes: event.packet.length,
        segment: segmentJson(event.repr),
      };
    default:
      return { ...event } as { [key: string]: JsonValue };
  }
}
