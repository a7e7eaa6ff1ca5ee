/**
 * CUBIC (RFC 9438), the default congestion controller of Linux, Windows and
 * Apple's stacks. Where Reno adds one segment per round trip, CUBIC grows
 * its window as a cubic function of the time since the last loss:
 *
 *     W_cubic(t) = C·(t − K)³ + W_max        (RFC 9438 §4.2, eq. 1)
 *     K = ∛((W_max − cwnd_epoch) / C)          (eq. 2)
 *
 * with windows in segments, t in seconds since the congestion-avoidance
 * stage began, C = 0.4 and W_max the window just before the last reduction.
 * The curve is concave below W_max (fast at first, flattening as it nears
 * the window that last overflowed the path) and convex above it (probing
 * slowly, then faster for bandwidth that appeared). Because the curve
 * depends on time, not on the round-trip count, flows with different RTTs
 * grow alike (RTT fairness, §3.3).
 *
 * On each ACK the window moves toward `target`, the curve one smoothed RTT
 * ahead, clamped to [cwnd, 1.5·cwnd] (§4.2). Below the curve sits a Reno
 * estimate W_est that grows by α_cubic = 3(1 − β)/(1 + β) segments per RTT
 * (α = 1 once W_est reaches the window before the last reduction): when it
 * is ahead of the curve, the window follows it instead, so CUBIC is never
 * slower than Reno on short, slow paths (the Reno-friendly region, §4.3).
 * A loss sets ssthresh = β·FlightSize with β = 0.7 (§4.6); fast convergence
 * lowers W_max further when a loss comes before the last W_max was reached,
 * yielding bandwidth to newer flows (§4.7). Slow start uses HyStart++
 * (RFC 9406) as §4.10 recommends.
 *
 * Under socklab's seam (`congestion.ts`) the sender's Proportional Rate
 * Reduction governs the window during fast recovery, so a loss sets only
 * ssthresh here, and {@link Cubic.onRecoveryEnd} sets cwnd = ssthresh.
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

/** RFC 9438 §4.2's C: the aggressiveness of the curve, segments/second³. */
export const CUBIC_C = 0.4;
/** RFC 9438 §4.6's β_cubic: the window kept after a loss. */
export const CUBIC_BETA = 0.7;

/**
 * RFC 9438 eq. 2: the seconds the curve takes to climb from `cwndEpoch` back
 * to `wMax` (windows in segments). Negative when `cwndEpoch` is above `wMax`,
 * which keeps W_cubic(0) = cwndEpoch.
 *
 * @param wMax The window before the last reduction, segments.
 * @param cwndEpoch The window when the congestion-avoidance stage began, segments.
 * @param c The constant C (default 0.4).
 * @returns K, seconds.
 *
 * @example After a loss at 100 segments, the curve regains 100 in ∛75 s
 * ```ts
 * import { cubicK } from "./cubic.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cubicK(100, 70), Math.cbrt(75)); // (100 − 70) / 0.4 = 75
 * ```
 */
export function cubicK(wMax: number, cwndEpoch: number, c: number = CUBIC_C): number {
  return Math.cbrt((wMax - cwndEpoch) / c);
}

/**
 * RFC 9438 eq. 1: the cubic window `t` seconds into a congestion-avoidance
 * stage, W_cubic(t) = C·(t − K)³ + W_max, in segments.
 *
 * @param t Seconds since the stage began.
 * @param k The stage's K (see {@link cubicK}), seconds.
 * @param wMax The window before the last reduction, segments.
 * @param c The constant C (default 0.4).
 * @returns The window, segments.
 *
 * @example At t = K the curve is back at W_max
 * ```ts
 * import { cubicWindow } from "./cubic.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cubicWindow(5, 5, 100), 100);
 * assert.equal(cubicWindow(6, 5, 100), 100.4); // 0.4·1³ + 100
 * ```
 */
export function cubicWindow(t: number, k: number, wMax: number, c: number = CUBIC_C): number {
  return c * (t - k) ** 3 + wMax;
}

/**
 * Which rule moved the window on the last ACK: slow start, the Reno estimate
 * (§4.3), or the curve below W_max (concave, §4.4) or at or above it
 * (convex, §4.5).
 */
export type CubicRegion = "slow start" | "reno-friendly" | "concave" | "convex";

/** Settings of {@link Cubic}. */
export interface CubicOptions {
  /** Leave slow start by HyStart++ (RFC 9406) when delay grows (default true). */
  readonly hystart?: boolean;
  /**
   * Fast convergence (§4.7, default true). RFC 9438 advises turning it off
   * when one CUBIC flow has the path to itself.
   */
  readonly fastConvergence?: boolean;
  /** C, segments/second³ (default 0.4). */
  readonly c?: number;
  /** β_cubic, between 0 and 1 (default 0.7). */
  readonly beta?: number;
}

/** What {@link Cubic.undo} restores (RFC 9438 §4.9.2). */
interface Saved {
  cwnd: number;
  cwndPrior: number;
  ssthresh: number;
  wMax: number | null;
  k: number;
  tEpoch: number | null;
  cwndEpoch: number;
  wEst: number;
  restartCurve: boolean;
}

/**
 * The CUBIC window (RFC 9438) with HyStart++ slow start. Windows are bytes
 * at the seam and converted to segments for the curve; time comes only from
 * the `now` the sender passes, and the RTT from the ACK samples.
 *
 * @example A loss with 100 segments in flight keeps 70 of them
 * ```ts
 * import { Cubic } from "./cubic.ts";
 * import assert from "node:assert/strict";
 * const mss = 1000;
 * const cubic = new Cubic({ hystart: false });
 * cubic.start(mss, 0);
 * assert.equal(cubic.cwnd, 10 * mss); // RFC 6928
 * cubic.onCongestion("fast", 100 * mss, 500);
 * assert.equal(cubic.ssthresh, 70 * mss); // β = 0.7 (RFC 9438 §4.6)
 * cubic.onRecoveryEnd(600); // PRR ran the recovery; the window continues from ssthresh
 * assert.equal(cubic.cwnd, 70 * mss);
 * ```
 */
export class Cubic implements CongestionController {
  /** Always "cubic". */
  readonly name: string = "cubic";
  readonly #c: number;
  readonly #beta: number;
  readonly #alphaCubic: number;
  readonly #fastConvergence: boolean;
  readonly #hystart: HyStart | null;
  #mss = 536;
  #cwnd = 0;
  #ssthresh = Infinity;
  /** cwnd just before the last reduction or at slow-start exit (cwnd_prior), bytes. */
  #cwndPrior = Infinity;
  /** W_max, bytes, or null while undefined (no loss yet, §4.10). */
  #wMax: number | null = null;
  /** The next stage takes K = 0 and W_max = cwnd_epoch (§4.8 after a timeout, §4.10). */
  #restartCurve = true;
  /** When the current congestion-avoidance stage began (t_epoch), ms, or null between stages. */
  #tEpoch: number | null = null;
  #k = 0;
  #cwndEpoch = 0;
  /** The Reno estimate W_est (§4.3), bytes. */
  #wEst = 0;
  /** When the sender became application-limited in this stage, ms, or null. */
  #appLimitedSince: number | null = null;
  #region: CubicRegion = "slow start";
  #saved: Saved | null = null;

  /**
   * Makes a controller; it has no window until {@link start}.
   *
   * @throws {RangeError} If `c` is not positive or `beta` is not in (0, 1).
   */
  constructor(options: CubicOptions = {}) {
    const c = options.c ?? CUBIC_C, beta = options.beta ?? CUBIC_BETA;
    if (!(c > 0) || !Number.isFinite(c)) throw new RangeError(`CUBIC C must be > 0, got ${c}`);
    if (!(beta > 0 && beta < 1)) {
      throw new RangeError(`CUBIC beta must be between 0 and 1 (exclusive), got ${beta}`);
    }
    this.#c = c;
    this.#beta = beta;
    this.#alphaCubic = 3 * (1 - beta) / (1 + beta); // §4.3: Reno's average window
    this.#fastConvergence = options.fastConvergence ?? true;
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

  /** W_max, bytes: the window before the last reduction (after fast convergence), or null. */
  get wMax(): number | null {
    return this.#wMax;
  }

  /** K of the current congestion-avoidance stage, seconds (0 before one begins). */
  get k(): number {
    return this.#k;
  }

  /** The Reno estimate W_est of the current stage, bytes. */
  get wEst(): number {
    return this.#wEst;
  }

  /** Which rule moved the window on the last ACK that grew it. */
  get region(): CubicRegion {
    return this.#region;
  }

  /**
   * Sets the initial window (RFC 6928).
   *
   * @throws {RangeError} If `mss` is not a positive number.
   */
  start(mss: number, _now: number): void {
    if (!(mss > 0) || !Number.isFinite(mss)) {
      throw new RangeError(`CUBIC mss must be a positive number of bytes, got ${mss}`);
    }
    this.#mss = mss;
    this.#cwnd = initialWindow(mss);
  }

  /**
   * Grows the window: HyStart++ slow start below ssthresh, the cubic curve or
   * the Reno estimate above. An application-limited ACK grows nothing, and
   * the time until the next ACK that is not does not count in t (§5.8).
   */
  onAck(sample: AckSample): void {
    if (sample.appLimited) {
      this.#appLimitedSince ??= sample.now;
      return;
    }
    if (this.#appLimitedSince !== null) {
      // §4.2: t excludes periods in which cwnd was not updated for lack of data.
      if (this.#tEpoch !== null) this.#tEpoch += Math.max(0, sample.now - this.#appLimitedSince);
      this.#appLimitedSince = null;
    }
    if (this.#cwnd < this.#ssthresh) this.#slowStart(sample);
    else this.#avoid(sample);
  }

  /**
   * A loss (§4.6, §4.7) or a timeout (§4.8): W_max (with fast convergence),
   * ssthresh = max(β·FlightSize, 2·SMSS), and after a timeout cwnd = 1 SMSS.
   * The congestion-avoidance stage ends; the next one begins at the first
   * ACK in congestion avoidance.
   */
  onCongestion(signal: CongestionSignal, inFlight: number, _now: number): void {
    this.#saved = signal === "fast" ? this.#snapshot() : null;
    const cwnd = this.#cwnd;
    // §4.7: a loss below the last W_max means the path's share shrank; yield more.
    const shrinking = this.#wMax !== null && cwnd < this.#wMax;
    this.#wMax = this.#fastConvergence && shrinking ? cwnd * (1 + this.#beta) / 2 : cwnd;
    this.#cwndPrior = cwnd;
    // §4.6: ssthresh = flight_size · β_cubic, at least 2 SMSS.
    this.#ssthresh = Math.max(inFlight * this.#beta, 2 * this.#mss);
    this.#hystart?.stop();
    this.#tEpoch = null;
    this.#appLimitedSince = null;
    if (signal === "rto") {
      // §4.8: Reno's loss window (RFC 5681 §3.1), then K = 0 and W_max = cwnd_epoch.
      this.#cwnd = this.#mss;
      this.#restartCurve = true;
    } else {
      this.#restartCurve = false;
    }
  }

  /** Fast recovery ended: cwnd = ssthresh (RFC 6937 §3), and a new stage begins. */
  onRecoveryEnd(_now: number): void {
    this.#cwnd = this.#ssthresh;
    this.#tEpoch = null;
  }

  /** Restart after idle (RFC 5681 §4.1): cwnd = min(IW, cwnd); idle time is not in t (§5.8). */
  onIdle(_now: number): void {
    this.#cwnd = Math.min(initialWindow(this.#mss), this.#cwnd);
    this.#tEpoch = null;
    this.#appLimitedSince = null;
  }

  /**
   * The last loss found by ACKs was spurious (D-SACK or timestamps, RFC
   * 9438 §4.9.2): restores the state saved before it when the window is
   * still below cwnd_prior. Not part of the {@link CongestionController}
   * seam yet; a sender that detects spurious losses may call it.
   *
   * @returns Whether anything was restored.
   */
  undo(_now: number): boolean {
    const s = this.#saved;
    this.#saved = null;
    if (s === null || !(this.#cwnd < this.#cwndPrior)) return false;
    this.#cwnd = s.cwnd;
    this.#cwndPrior = s.cwndPrior;
    this.#ssthresh = s.ssthresh;
    this.#wMax = s.wMax;
    this.#k = s.k;
    this.#tEpoch = s.tEpoch;
    this.#cwndEpoch = s.cwndEpoch;
    this.#wEst = s.wEst;
    this.#restartCurve = s.restartCurve;
    return true;
  }

  #slowStart(sample: AckSample): void {
    // RFC 5681 §3.1 with byte counting (RFC 3465 §2.2, L = 2 segments); HyStart++
    // divides the growth in Conservative Slow Start (RFC 9406 §4.2). It runs in
    // the first slow start only (§4.3): after a loss or an idle restart, slow
    // start runs to the ssthresh it has.
    const hystart = this.#hystart?.done === false ? this.#hystart : null;
    const cap = hystart?.onAck(sample) ?? 1;
    this.#cwnd += slowStartIncrease(sample, this.#cwnd, this.#ssthresh) / cap;
    this.#region = "slow start";
    if (hystart?.done) {
      // §4.10: HyStart++ left slow start without a loss; W_max is undefined.
      this.#ssthresh = this.#cwnd;
      this.#cwndPrior = this.#cwnd;
      this.#restartCurve = true;
    }
  }

  #avoid(sample: AckSample): void {
    const mss = this.#mss, now = sample.now;
    if (this.#tEpoch === null) this.#beginStage(now);
    const t = (now - this.#tEpoch!) / 1000;
    const rtt = (sample.srtt ?? sample.minRtt ?? 0) / 1000;
    const cwnd = this.#cwnd;
    // §4.3: W_est += α·segments_acked/cwnd, with α = 1 once W_est ≥ cwnd_prior.
    const alpha = this.#wEst >= this.#cwndPrior ? 1 : this.#alphaCubic;
    this.#wEst += alpha * mss * sample.delivered / cwnd;
    if (this.#curve(t) < this.#wEst) {
      this.#region = "reno-friendly";
      this.#cwnd = Math.max(cwnd, this.#wEst);
      return;
    }
    // §4.2: target = W_cubic(t + RTT), within [cwnd, 1.5·cwnd].
    const target = Math.min(Math.max(this.#curve(t + rtt), cwnd), 1.5 * cwnd);
    // §4.4, §4.5: cwnd += (target − cwnd)/cwnd per segment acknowledged, never past target.
    this.#cwnd = Math.min(target, cwnd + (target - cwnd) * sample.delivered / cwnd);
    this.#region = this.#cwnd < (this.#wMax ?? 0) ? "concave" : "convex";
  }

  /** A congestion-avoidance stage begins (§4.2): t_epoch, cwnd_epoch, K, W_est. */
  #beginStage(now: number): void {
    this.#tEpoch = now;
    this.#cwndEpoch = this.#cwnd;
    if (this.#restartCurve || this.#wMax === null) {
      // §4.8 and §4.10: K = 0 and W_max = cwnd_epoch.
      this.#wMax = this.#cwnd;
      this.#restartCurve = false;
    }
    this.#k = cubicK(this.#wMax / this.#mss, this.#cwndEpoch / this.#mss, this.#c);
    this.#wEst = this.#cwndEpoch; // §4.3, §4.8
  }

  /** W_cubic(t) in bytes. */
  #curve(t: number): number {
    return cubicWindow(t, this.#k, this.#wMax! / this.#mss, this.#c) * this.#mss;
  }

  #snapshot(): Saved {
    return {
      cwnd: this.#cwnd,
      cwndPrior: this.#cwndPrior,
      ssthresh: this.#ssthresh,
      wMax: this.#wMax,
      k: this.#k,
      tEpoch: this.#tEpoch,
      cwndEpoch: this.#cwndEpoch,
      wEst: this.#wEst,
      restartCurve: this.#restartCurve,
    };
  }
}
