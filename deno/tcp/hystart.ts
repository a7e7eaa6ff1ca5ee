/**
 * HyStart++ (RFC 9406): a way out of slow start before it overflows the
 * bottleneck's queue. Slow start doubles the window every round trip; once
 * the queue starts to fill, the round-trip time grows. HyStart++ compares
 * each round's smallest RTT with the previous round's, and when it has grown
 * by more than a threshold (an eighth of the RTT, clamped to 4 to 16 ms) it
 * enters Conservative Slow Start (CSS), growing four times slower for up to
 * five rounds, and then congestion avoidance. If the RTT falls back during
 * CSS, the rise was a false alarm and slow start resumes.
 *
 * A controller asks {@link HyStart.onAck} for the divisor of its slow-start
 * growth (1, or 4 in CSS) and sets ssthresh = cwnd once {@link HyStart.done}.
 *
 * @module
 */
import type { AckSample } from "./congestion.ts";

/** RFC 9406's constants, with the values §4.3 recommends. */
const MIN_RTT_THRESH = 4;
const MAX_RTT_THRESH = 16;
const MIN_RTT_DIVISOR = 8;
const N_RTT_SAMPLE = 8;
const CSS_GROWTH_DIVISOR = 4;
const CSS_ROUNDS = 5;
/** Linux's hystart_ack_delta: ACKs closer than this, ms, form a train. */
const ACK_DELTA = 2;

/** Where HyStart++ is: standard slow start, conservative slow start, or finished. */
export type HyStartPhase = "slow start" | "css" | "done";

/**
 * The HyStart++ state of one connection.
 *
 * @example A round whose RTT grew by 10 ms enters CSS
 * ```ts
 * import { HyStart } from "./hystart.ts";
 * import assert from "node:assert/strict";
 * const h = new HyStart();
 * const ack = (round: number, rtt: number) =>
 *   h.onAck({ now: 0, delivered: 1000, inFlight: 0, rtt, minRtt: 20, srtt: 20,
 *     appLimited: false, round, mss: 1000, superSegment: 1000, paced: false, clockJitter: 0 });
 * for (let i = 0; i < 8; i++) ack(1, 20);
 * for (let i = 0; i < 8; i++) ack(2, 30);
 * assert.equal(h.phase, "css");
 * assert.equal(ack(2, 30), 4);
 * ```
 */
export class HyStart {
  #phase: HyStartPhase = "slow start";
  #round = -1;
  #lastRoundMinRtt = Infinity;
  #currentRoundMinRtt = Infinity;
  #samples = 0;
  #cssBaselineMinRtt = Infinity;
  #cssRounds = 0;
  // The ACK train (Ha & Rhee's HyStart, as Linux's CUBIC keeps it): when this
  // round's ACKs began, and when the last one came.
  #roundStartAt = 0;
  #lastAckAt = -Infinity;
  readonly #ackTrain: boolean;

  /**
   * Makes the state of one connection, in standard slow start.
   *
   * @param options `ackTrain`: also end slow start when one round's ACKs come
   *   back to back for longer than half the path's RTT, or the whole RTT if
   *   the sender paces (default true).
   */
  constructor(options: { ackTrain?: boolean } = {}) {
    this.#ackTrain = options.ackTrain ?? true;
  }

  /** The phase. */
  get phase(): HyStartPhase {
    return this.#phase;
  }

  /** Whether CSS has run its rounds: the controller moves to congestion avoidance. */
  get done(): boolean {
    return this.#phase === "done";
  }

  /**
   * Takes one slow-start ACK (RFC 9406 §4.2) and returns the divisor of the
   * window's growth for it: 1 in slow start, CSS_GROWTH_DIVISOR (4) in CSS.
   */
  onAck(sample: AckSample): number {
    if (this.#phase === "done") return 1;
    if (sample.round !== this.#round) {
      this.#newRound(sample.round);
      this.#roundStartAt = this.#lastAckAt = sample.now;
    }
    // The ACK train (Ha & Rhee's HyStart, as Linux's CUBIC keeps it). An
    // unpaced sender: ACKs arriving back to back (each within 2 ms of the
    // last) since the round began, for longer than half the path's RTT, mean
    // this round's data filled the path, as the next doubling would overfill
    // it; one gap ends the train for the rest of the round, as in Linux. A
    // paced sender sends each round in half an RTT and then waits, so its
    // rounds always have a gap: for it, a round still delivering ACKs back to
    // back a whole min RTT after it began has been stretched by the
    // bottleneck, and the path is as full. (A paced slow start in fact sends
    // without a pause, its pacing rate being the rate its ACKs release data,
    // so each round lasts one round trip: on a real-time link, whose timers
    // fire late, the round must outlast the min RTT by that lateness too.)
    const minRtt = sample.minRtt;
    if (this.#ackTrain && minRtt !== null) {
      const dense = sample.now - this.#lastAckAt <= ACK_DELTA;
      if (dense || sample.paced) this.#lastAckAt = sample.now;
      const span = sample.now - this.#roundStartAt;
      const long = span > (sample.paced ? minRtt + sample.clockJitter : minRtt / 2);
      if (dense && long) {
        this.#phase = "done";
        return 1;
      }
    }
    if (sample.rtt !== null) {
      this.#currentRoundMinRtt = Math.min(this.#currentRoundMinRtt, sample.rtt);
      this.#samples++;
    }
    const measured = this.#samples >= N_RTT_SAMPLE && this.#currentRoundMinRtt !== Infinity;
    if (this.#phase === "slow start") {
      if (measured && this.#lastRoundMinRtt !== Infinity) {
        const threshold = Math.max(
          MIN_RTT_THRESH,
          Math.min(this.#lastRoundMinRtt / MIN_RTT_DIVISOR, MAX_RTT_THRESH),
        );
        if (this.#currentRoundMinRtt >= this.#lastRoundMinRtt + threshold) {
          // The delay grew: the queue is filling. Enter CSS.
          this.#cssBaselineMinRtt = this.#currentRoundMinRtt;
          this.#phase = "css";
          this.#cssRounds = 0;
        }
      }
    } else if (measured && this.#currentRoundMinRtt < this.#cssBaselineMinRtt) {
      // The RTT fell below the baseline: the rise was spurious; resume slow start.
      this.#cssBaselineMinRtt = Infinity;
      this.#phase = "slow start";
    }
    return this.#phase === "css" ? CSS_GROWTH_DIVISOR : 1;
  }

  /** A loss or ECN mark ends slow start for good (RFC 9406 §4.2; HyStart++ is for the first slow start only, §4.3). */
  stop(): void {
    this.#phase = "done";
  }

  #newRound(round: number): void {
    this.#round = round;
    this.#lastRoundMinRtt = this.#currentRoundMinRtt;
    this.#currentRoundMinRtt = Infinity;
    this.#samples = 0;
    if (this.#phase === "css" && ++this.#cssRounds >= CSS_ROUNDS) this.#phase = "done";
  }
}
