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
  | "tail-loss-probe"
  | "reorder"
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

/**
 * The phase of a sender's loss recovery: "open" (no loss outstanding),
 * "recovery" (fast recovery after a loss found by duplicate ACKs, SACK,
 * RACK or a TLP probe; RFC 6675, RFC 6582, RFC 8985) or "loss" (after a
 * retransmission timeout, slowly starting again from SND.UNA; RFC 5681 §3.1).
 */
export type RecoveryPhase = "open" | "recovery" | "loss";

/**
 * What found a loss: three duplicate ACKs (RFC 5681 §3.2, RFC 6582), the SACK
 * scoreboard (RFC 6675 IsLost), RACK's time-based check (RFC 8985 §6.2), a
 * tail-loss probe that repaired a loss (RFC 8985 §7.4), or a retransmission
 * timeout (RFC 6298).
 */
export type LossSignal = "dupacks" | "sack" | "rack" | "tlp" | "rto";

/**
 * The sender's congestion state, after every ACK that changed it and after
 * every loss signal: what a cwnd/ssthresh/in-flight plot draws.
 */
export interface CongestionEvent {
  /** Discriminant. */
  readonly kind: "cc";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the sending connection. */
  readonly endpoint: string;
  /** The congestion controller's name ("reno", "cubic"...). */
  readonly controller: string;
  /** The window the sender obeys now, bytes (during recovery, PRR's; RFC 6937). */
  readonly cwnd: number;
  /** The slow-start threshold, bytes, or null while it is still infinite. */
  readonly ssthresh: number | null;
  /** Bytes in flight: RFC 6675's pipe (sent, not acknowledged, not SACKed, not lost). */
  readonly inFlight: number;
  /** The peer's receive window, bytes (scaled). */
  readonly sndWnd: number;
  /** The loss-recovery phase. */
  readonly phase: RecoveryPhase;
}

/** A sender entered or left loss recovery. */
export interface RecoveryEvent {
  /** Discriminant. */
  readonly kind: "recovery";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the sending connection. */
  readonly endpoint: string;
  /** Entering recovery (or the RTO's loss phase), or leaving it. */
  readonly action: "enter" | "exit";
  /** The phase entered ("recovery" or "loss"), or the one left. */
  readonly phase: "recovery" | "loss";
  /** What found the loss (on "enter"), or what ended the episode (on "exit"). */
  readonly reason: LossSignal | "recovery point acknowledged" | "spurious (undone)";
  /** The recovery point, relative to the ISS: recovery ends once it is acknowledged. */
  readonly recoveryPoint: number;
}

/**
 * The sender's SACK scoreboard changed (RFC 6675): which bytes above SND.UNA
 * the peer holds, and which the sender counts as lost.
 */
export interface ScoreboardEvent {
  /** Discriminant. */
  readonly kind: "scoreboard";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the sending connection. */
  readonly endpoint: string;
  /** SACKed ranges [start, end) relative to the ISS, in sequence order. */
  readonly sacked: readonly (readonly [number, number])[];
  /** Bytes SACKed above SND.UNA. */
  readonly sackedBytes: number;
  /** Bytes marked lost and not yet retransmitted. */
  readonly lostBytes: number;
}

/**
 * A retransmission turned out to be needless: the peer reported receiving
 * the bytes twice (D-SACK, RFC 2883), or the ACK echoed the timestamp of the
 * original transmission (RFC 7323 §4, as Eifel detection, RFC 3522).
 */
export interface SpuriousEvent {
  /** Discriminant. */
  readonly kind: "spurious";
  /** Virtual or real time in ms. */
  readonly time: number;
  /** "addr:port" of the sending connection. */
  readonly endpoint: string;
  /** The bytes [start, end) relative to the ISS. */
  readonly range: readonly [number, number];
  /** How it was found. */
  readonly detectedBy: "D-SACK" | "timestamps";
}

/** Every kind of trace event. */
export type TraceEvent =
  | SegmentEvent
  | StateEvent
  | TimerEvent
  | RttEvent
  | DropEvent
  | LinkEvent
  | CongestionEvent
  | RecoveryEvent
  | ScoreboardEvent
  | SpuriousEvent;

/** The trace hook: called synchronously for each event; must not throw. */
export type TraceHook = (event: TraceEvent) => void;
