/**
 * The seam where congestion control plugs into the sender, after Linux's
 * `tcp_congestion_ops`: a controller owns the congestion window (cwnd) and
 * the slow-start threshold (ssthresh), grows the window on ACKs, and decides
 * how far to back off when the sender reports congestion. Everything else
 * about loss belongs to the sender: finding losses (duplicate ACKs, SACK,
 * RACK, timeouts), what to retransmit, and how fast to send while
 * recovering (Proportional Rate Reduction, RFC 6937, which spreads the
 * reduction the controller chose over one round trip). So a controller is
 * small: {@link FixedWindow} here, Reno in `reno.ts`, CUBIC in `cubic.ts`,
 * and a 50-line teaching example in `examples/`.
 *
 * The sender calls, in order of a connection's life:
 * 1. {@link CongestionController.start} once it knows its segment size;
 * 2. {@link CongestionController.onAck} for every ACK that acknowledges new
 *    data outside fast recovery;
 * 3. {@link CongestionController.onCongestion} once per loss episode, with
 *    what found it ("rto" after a retransmission timeout, "fast" for
 *    duplicate ACKs, SACK, RACK or a tail-loss probe);
 * 4. {@link CongestionController.onRecoveryEnd} when fast recovery ends;
 * 5. {@link CongestionController.onIdle} before sending after an idle
 *    period longer than the RTO (RFC 5681 §4.1).
 *
 * @module
 */

/** What one acknowledgement told the sender: the controller's view of an ACK. */
export interface AckSample {
  /** When the ACK arrived, ms. */
  readonly now: number;
  /**
   * Bytes this ACK newly acknowledged, cumulatively or by SACK: RFC 6937's
   * DeliveredData.
   */
  readonly delivered: number;
  /** Bytes in flight (RFC 6675 pipe) after the ACK was processed. */
  readonly inFlight: number;
  /** The round-trip time this ACK measured, ms, or null when it gave none. */
  readonly rtt: number | null;
  /** The smallest RTT measured on the connection so far, ms, or null. */
  readonly minRtt: number | null;
  /** The smoothed RTT (RFC 6298 SRTT), ms, or null before a sample. */
  readonly srtt: number | null;
  /**
   * Whether the data acknowledged was sent while the sender had less to send
   * than the window allowed (application-limited, RFC 7661): such an ACK
   * says nothing about how large the window may grow.
   */
  readonly appLimited: boolean;
  /**
   * How many round trips the connection has completed: it grows by one when
   * an ACK covers data that was sent after the previous round began. HyStart++
   * (RFC 9406) counts its rounds with it.
   */
  readonly round: number;
  /** The sender's maximum segment size, bytes (SMSS). */
  readonly mss: number;
  /**
   * The largest segment the sender builds, bytes: `mss`, or with segment
   * offload (TSO) the most a super-segment of whole MSSes may carry; one
   * ACK may cover it all.
   */
  readonly superSegment: number;
  /** Whether the sender paces its segments over the round trip (`pacing.ts`). */
  readonly paced: boolean;
  /**
   * How late the sender's timers may fire, ms: 0 in virtual time; on a
   * real-time link, the part of any rise in the RTT that may be the sender's
   * own clock rather than a queue (`TcpConfig.clockJitter`).
   */
  readonly clockJitter: number;
}

/** What found the congestion: a retransmission timeout, or fast loss detection. */
export type CongestionSignal = "rto" | "fast";

/** A congestion controller: the sender's window, and how it reacts to ACKs and loss. */
export interface CongestionController {
  /** A name for traces and summaries ("reno", "cubic"...). */
  readonly name: string;
  /** The congestion window, bytes. */
  readonly cwnd: number;
  /** The slow-start threshold, bytes: Infinity until the first congestion event. */
  readonly ssthresh: number;
  /**
   * The connection is established and sends segments of `mss` bytes; sets the
   * initial window (RFC 6928: min(10·MSS, max(2·MSS, 14600))).
   */
  start(mss: number, now: number): void;
  /** An ACK acknowledged new data outside fast recovery: grow the window. */
  onAck(sample: AckSample): void;
  /**
   * The sender found congestion at `now` with `inFlight` bytes outstanding
   * (RFC 5681's FlightSize): set ssthresh (the multiplicative decrease), and
   * after a timeout ("rto") also collapse cwnd to the loss window.
   */
  onCongestion(signal: CongestionSignal, inFlight: number, now: number): void;
  /** Fast recovery ended: the window continues from ssthresh (RFC 6937 §3). */
  onRecoveryEnd(now: number): void;
  /**
   * The sender is about to send after being idle for longer than the RTO:
   * RFC 5681 §4.1 restarts from min(initial window, cwnd).
   */
  onIdle(now: number): void;
}

/**
 * RFC 6928's initial window for a sender of `mss`-byte segments:
 * min(10·MSS, max(2·MSS, 14600 bytes)).
 *
 * @example
 * ```ts
 * import { initialWindow } from "./congestion.ts";
 * import assert from "node:assert/strict";
 * assert.equal(initialWindow(1460), 14600);
 * assert.equal(initialWindow(9000), 18000);
 * ```
 */
export function initialWindow(mss: number): number {
  return Math.min(10 * mss, Math.max(2 * mss, 14600));
}

/**
 * How much slow start grows the window for one ACK: RFC 3465 §2.2's byte
 * counting, min(delivered, L), with L = 2 segments, where a segment is the
 * largest the sender builds. With segment offload a receiver acknowledges a
 * whole super-segment at once, so L is two super-segments: with 2·SMSS a
 * window of 45-MSS super-segments would grow by 2/45 of itself a round trip
 * rather than double. (RFC 3465 counts L in SMSS; RFC 9406 §4.2 allows a
 * paced sender any L, and Linux counts the segments delivered without one.)
 * Growth beyond 2·SMSS stops at ssthresh, as Linux's `tcp_slow_start`
 * stops there: one ACK of a super-segment must not undo the cut a
 * retransmission timeout made.
 *
 * @param sample The ACK.
 * @param cwnd The window now, bytes.
 * @param ssthresh The slow-start threshold, bytes.
 * @returns The bytes to add to the window (before HyStart++'s divisor).
 *
 * @example A delayed ACK of three segments grows the window by two
 * ```ts
 * import { slowStartIncrease } from "./congestion.ts";
 * import assert from "node:assert/strict";
 * const ack = (delivered: number, superSegment: number) =>
 *   ({ delivered, mss: 1000, superSegment });
 * assert.equal(slowStartIncrease(ack(3000, 1000), 10_000, Infinity), 2000);
 * assert.equal(slowStartIncrease(ack(45_000, 45_000), 10_000, Infinity), 45_000);
 * // Past 2·SMSS, no further than ssthresh.
 * assert.equal(slowStartIncrease(ack(45_000, 45_000), 10_000, 30_000), 20_000);
 * ```
 */
export function slowStartIncrease(
  sample: Pick<AckSample, "delivered" | "mss" | "superSegment">,
  cwnd: number,
  ssthresh: number,
): number {
  const { delivered, mss, superSegment } = sample;
  return Math.min(delivered, 2 * Math.max(mss, superSegment), Math.max(2 * mss, ssthresh - cwnd));
}

/**
 * No congestion control: a constant window (unbounded by default), so the
 * peer's advertised window alone limits the sender. What socklab's TCP did
 * before it had congestion control; kept to show the difference.
 *
 * @example
 * ```ts
 * import { FixedWindow } from "./congestion.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new FixedWindow(65535).cwnd, 65535);
 * ```
 */
export class FixedWindow implements CongestionController {
  /** Always "fixed". */
  readonly name: string = "fixed";
  /** The constant window. */
  readonly cwnd: number;
  /** Always Infinity. */
  readonly ssthresh: number = Infinity;

  /**
   * Makes a constant window.
   *
   * @param window The constant window in bytes (Infinity: no limit).
   * @throws {RangeError} If `window` is not positive.
   */
  constructor(window = Infinity) {
    if (!(window > 0)) throw new RangeError(`fixed window must be positive, got ${window}`);
    this.cwnd = window;
  }

  /** Ignored: the window does not change. */
  start(_mss: number, _now: number): void {}

  /** Ignored: the window does not change. */
  onAck(_sample: AckSample): void {}

  /** Ignored: the window does not change. */
  onCongestion(_signal: CongestionSignal, _inFlight: number, _now: number): void {}

  /** Ignored: the window does not change. */
  onRecoveryEnd(_now: number): void {}

  /** Ignored: the window does not change. */
  onIdle(_now: number): void {}
}
