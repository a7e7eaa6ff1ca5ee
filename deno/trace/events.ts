/**
 * Trace events: what socklab's TCP and its links report through an injected
 * hook. Library code never prints; a CLI or a test decides what to show (a
 * ladder diagram, a pcap, JSON lines).
 *
 * @module
 */
import type { TcpRepr } from "../wire/tcp.ts";

/** The eleven connection states, with RFC 9293's names. */
export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSING"
  | "TIME-WAIT"
  | "CLOSE-WAIT"
  | "LAST-ACK";

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
  readonly kind: "segment";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the connection that saw it. */
  readonly endpoint: string;
  readonly direction: "send" | "recv";
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
  readonly kind: "state";
  readonly time: number;
  readonly endpoint: string;
  readonly from: TcpState;
  readonly to: TcpState;
  /** Why, in a few words ("RST received", "2MSL expired"). */
  readonly reason: string;
}

/** A timer fired. */
export interface TimerEvent {
  readonly kind: "timer";
  readonly time: number;
  readonly endpoint: string;
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
  readonly kind: "rtt";
  readonly time: number;
  readonly endpoint: string;
  readonly sample: number;
  readonly srtt: number;
  readonly rttvar: number;
  readonly rto: number;
}

/** A segment was discarded, by a connection, a stack or a link. */
export interface DropEvent {
  readonly kind: "drop";
  readonly time: number;
  /** The endpoint or link ("10.0.0.1>10.0.0.2") that dropped it. */
  readonly endpoint: string;
  /** Why ("out of window", "loss", "checksum", "queue full"...). */
  readonly reason: string;
  readonly repr: TcpRepr | null;
}

/** Something a link did to a packet other than dropping it. */
export interface LinkEvent {
  readonly kind: "link";
  readonly time: number;
  /** "src>dst". */
  readonly link: string;
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
