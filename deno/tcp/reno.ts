/**
 * Reno's window (RFC 5681 §3.1), the additive-increase, multiplicative-
 * decrease controller every TCP starts from: slow start doubles the window
 * each round trip until ssthresh, congestion avoidance then adds one segment
 * per round trip, and a loss halves it. What Linux and ns-3 call "reno" and
 * "newreno" is this same window; NewReno's part (RFC 6582, partial ACKs)
 * lives in the sender's loss recovery, chosen with `recovery`.
 *
 * Slow start counts bytes, not ACKs (Appropriate Byte Counting, RFC 3465
 * §2.2, with L = 2 segments, super-segments with TSO, and growth past 2·SMSS
 * capped at ssthresh: `slowStartIncrease()`), so a receiver's delayed ACKs do not slow it down,
 * and it may leave early by HyStart++ (RFC 9406) when the round-trip time
 * starts to grow: the queue is filling, and the next doubling would overflow
 * it.
 *
 * @module
 */
import {
  type AckSample,
  type CongestionController,
  type CongestionSignal,
  initialWindow,
  slowStartIncrease,
} from "./congestion.ts";
import { HyStart } from "./hystart.ts";

/** Settings of {@link Reno}. */
export interface RenoOptions {
  /** Leave slow start by HyStart++ (RFC 9406) when delay grows (default true). */
  readonly hystart?: boolean;
}

/**
 * The RFC 5681 window with RFC 3465 byte counting and optional HyStart++.
 *
 * @example Slow start, then a loss halves the flight
 * ```ts
 * import { Reno } from "./reno.ts";
 * import assert from "node:assert/strict";
 * const reno = new Reno({ hystart: false });
 * reno.start(1000, 0);
 * assert.equal(reno.cwnd, 10_000); // RFC 6928: ten segments
 * reno.onCongestion("fast", 20_000, 100);
 * assert.equal(reno.ssthresh, 10_000);
 * ```
 */
export class Reno implements CongestionController {
  /** Always "reno". */
  readonly name: string = "reno";
  #cwnd = 0;
  #ssthresh = Infinity;
  #mss = 536;
  /** Bytes acknowledged in congestion avoidance toward the next +1 segment. */
  #counted = 0;
  readonly #hystart: HyStart | null;

  /** Makes a controller; it has no window until {@link start}. */
  constructor(options: RenoOptions = {}) {
    this.#hystart = options.hystart === false ? null : new HyStart();
  }

  /** The congestion window, bytes. */
  get cwnd(): number {
    return this.#cwnd;
  }

  /** The slow-start threshold, bytes. */
  get ssthresh(): number {
    return this.#ssthresh;
  }

  /** Sets the initial window (RFC 6928). */
  start(mss: number, _now: number): void {
    this.#mss = mss;
    this.#cwnd = initialWindow(mss);
  }

  /** Grows the window: slow start below ssthresh, congestion avoidance above. */
  onAck(sample: AckSample): void {
    // An application-limited flight says nothing about the path (RFC 7661).
    if (sample.appLimited) return;
    const mss = this.#mss;
    if (this.#cwnd < this.#ssthresh) {
      // Slow start (RFC 5681 §3.1, RFC 3465 §2.2): + min(acked, 2 segments) per ACK.
      // HyStart++ runs in the first slow start only (RFC 9406 §4.3); after a
      // loss or an idle restart, slow start runs to the ssthresh it has.
      const hystart = this.#hystart?.done === false ? this.#hystart : null;
      const cap = hystart?.onAck(sample) ?? 1;
      this.#cwnd += slowStartIncrease(sample, this.#cwnd, this.#ssthresh) / cap;
      if (hystart?.done) this.#ssthresh = this.#cwnd; // HyStart++ ended slow start just now
      return;
    }
    // Congestion avoidance, byte counting (RFC 5681 §3.1): + SMSS per cwnd acknowledged.
    this.#counted += sample.delivered;
    if (this.#counted >= this.#cwnd) {
      this.#counted -= this.#cwnd;
      this.#cwnd += mss;
    }
  }

  /** ssthresh = max(FlightSize / 2, 2·SMSS) (RFC 5681 eq. 4); after an RTO, cwnd = 1 SMSS. */
  onCongestion(signal: CongestionSignal, inFlight: number, _now: number): void {
    this.#ssthresh = Math.max(inFlight / 2, 2 * this.#mss);
    this.#counted = 0;
    this.#hystart?.stop();
    if (signal === "rto") this.#cwnd = this.#mss; // the loss window (RFC 5681 §3.1)
  }

  /** The window continues from ssthresh (RFC 6937 §3). */
  onRecoveryEnd(_now: number): void {
    this.#cwnd = this.#ssthresh;
  }

  /** Restart after idle (RFC 5681 §4.1): cwnd = min(IW, cwnd). */
  onIdle(_now: number): void {
    this.#cwnd = Math.min(initialWindow(this.#mss), this.#cwnd);
  }
}
