/**
 * Trace events: what socklab's TCP reports through an injected hook (every
 * segment, state change, timer, RTT sample and drop), and what the links
 * that carry its segments did to them. Library code never prints; a CLI or a
 * test decides what to show (`deno/trace/` draws ladders, writes pcap files
 * and JSON lines from these events).
 *
 * The vocabulary lives here, beside the TCP that emits most of it, because
 * the TCP must name its hook's type and sits below the links and the
 * renderers: every layer that emits or shows events imports it from here.
 *
 * @module
 */
import type { TcpRepr } from "../wire/tcp.ts";
import type { TcpState } from "./state.ts";

/** The timers of a connection. */
export type TcpTimer =
  | "retransmit"
  | "persist"
  | "delayed-ack"
  | "keep-alive"
  | "time-wait"
  | "user-timeout";

/** A segment a connection sent or accepted for processing. */
export interface SegmentEvent {
  /** Discriminant. */
  readonly kind: "segment";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the connection that saw it. */
  readonly endpoint: string;
  /** Whether the connection sent or received it. */
  readonly direction: "send" | "recv";
  /** The segment. */
  readonly repr: TcpRepr;
  /** SEQ relative to the sender's ISS (the ISS itself is 0). */
  readonly relSeq: number;
  /** ACK relative to the receiver's ISS, or null. */
  readonly relAck: number | null;
  /** The connection's state when the segment went out or came in. */
  readonly state: TcpState;
  /** Whether this segment re-sends sequence space sent before. */
  readonly retransmission: boolean;
}

/** A connection changed state. */
export interface StateEvent {
  /** Discriminant. */
  readonly kind: "state";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the connection. */
  readonly endpoint: string;
  /** The state before. */
  readonly from: TcpState;
  /** The state after. */
  readonly to: TcpState;
  /** Why, in a few words ("RST received", "2MSL expired"). */
  readonly reason: string;
}

/** A timer fired. */
export interface TimerEvent {
  /** Discriminant. */
  readonly kind: "timer";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the connection. */
  readonly endpoint: string;
  /** Which timer. */
  readonly timer: TcpTimer;
  /** The RTO after the event, in ms. */
  readonly rto: number;
  /** The smoothed RTT, or null before a sample. */
  readonly srtt: number | null;
  /** Consecutive RTO doublings. */
  readonly backoffs: number;
}

/** A new RTT sample was taken (RFC 6298). */
export interface RttEvent {
  /** Discriminant. */
  readonly kind: "rtt";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the connection. */
  readonly endpoint: string;
  /** The measured round-trip time, ms. */
  readonly sample: number;
  /** The smoothed RTT after the sample, ms. */
  readonly srtt: number;
  /** The RTT variance after the sample, ms. */
  readonly rttvar: number;
  /** The retransmission timeout after the sample, ms. */
  readonly rto: number;
}

/** A segment was discarded, by a connection, a stack or a link. */
export interface DropEvent {
  /** Discriminant. */
  readonly kind: "drop";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** The endpoint or link ("10.0.0.1>10.0.0.2") that dropped it. */
  readonly endpoint: string;
  /** Why ("out of window", "loss", "checksum", "queue full"...). */
  readonly reason: string;
  /** The segment, when it could be parsed. */
  readonly repr: TcpRepr | null;
}

/** Something a link did to a packet other than dropping it. */
export interface LinkEvent {
  /** Discriminant. */
  readonly kind: "link";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "src>dst". */
  readonly link: string;
  /** What the link did. */
  readonly action: "send" | "duplicate" | "corrupt" | "reorder";
  /** The packet (IP header included); for "send", as the sender emitted it. */
  readonly packet: Uint8Array;
  /** The segment the packet carries (the same object the sender traced). */
  readonly repr: TcpRepr;
}

/** Every kind of trace event. */
export type TraceEvent =
  | SegmentEvent
  | StateEvent
  | TimerEvent
  | RttEvent
  | DropEvent
  | LinkEvent;

/** The trace hook: called synchronously for each event; must not throw. */
export type TraceHook = (event: TraceEvent) => void;
