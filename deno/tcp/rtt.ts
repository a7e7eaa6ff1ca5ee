/**
 * Retransmission timeout estimation per RFC 6298: smoothed RTT and RTT
 * variance from samples, exponential backoff, and clamping to a minimum and
 * maximum. Karn's rule (RFC 6298 §3) is the caller's part: never sample a
 * segment that was retransmitted. Times are milliseconds.
 *
 * @module
 */

/** Limits of the estimator, in milliseconds. */
export interface RttConfig {
  /** The RTO before any sample (RFC 6298 §2.1: 1 second). */
  readonly initialRto: number;
  /** The lower bound on the RTO (RFC 6298 §2.4 says 1 s; Linux uses 200 ms). */
  readonly minRto: number;
  /** The upper bound on the RTO (RFC 6298 §2.5: at least 60 s). */
  readonly maxRto: number;
}

/** The defaults of RFC 6298, with Linux's 200 ms minimum. */
export const DEFAULT_RTT_CONFIG: RttConfig = { initialRto: 1000, minRto: 200, maxRto: 60_000 };

const ALPHA = 1 / 8;
const BETA = 1 / 4;
const K = 4;
/** Clock granularity G in ms: the virtual clock is exact, so one millisecond. */
const G = 1;

/**
 * The RFC 6298 estimator: feed it RTT samples, ask it for the RTO, back it off
 * on a timeout.
 *
 * @example Two samples
 * ```ts
 * import { RttEstimator } from "./rtt.ts";
 * import assert from "node:assert/strict";
 * const rtt = new RttEstimator();
 * rtt.sample(100);
 * assert.equal(rtt.srtt, 100);
 * assert.equal(rtt.rto, 300); // 100 + 4 * 50
 * ```
 */
export class RttEstimator {
  /** The smoothed RTT, or null before the first sample. */
  srtt: number | null = null;
  /** The RTT variance, or null before the first sample. */
  rttvar: number | null = null;
  #base: number;
  #backoff = 0;
  readonly #config: RttConfig;

  /**
   * Makes an estimator with no sample yet.
   *
   * @param config Limits; {@link DEFAULT_RTT_CONFIG} when omitted.
   * @throws {RangeError} If the limits are not positive or min exceeds max.
   */
  constructor(config: RttConfig = DEFAULT_RTT_CONFIG) {
    const { initialRto, minRto, maxRto } = config;
    for (const [name, v] of Object.entries(config)) {
      if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) {
        throw new RangeError(`RTT ${name} must be a positive number of ms, got ${v}`);
      }
    }
    if (minRto > maxRto) {
      throw new RangeError(`RTT minRto (${minRto} ms) exceeds maxRto (${maxRto} ms)`);
    }
    this.#config = config;
    this.#base = Math.min(Math.max(initialRto, minRto), maxRto);
  }

  /** The current retransmission timeout in ms, backoff included. */
  get rto(): number {
    return Math.min(this.#base * 2 ** this.#backoff, this.#config.maxRto);
  }

  /** How many times the RTO has been doubled since the last sample. */
  get backoffs(): number {
    return this.#backoff;
  }

  /**
   * Takes one RTT measurement (RFC 6298 §2.2 and §2.3) and clears the backoff.
   *
   * @param rtt The measured round-trip time in ms.
   * @throws {RangeError} If `rtt` is negative or not finite.
   */
  sample(rtt: number): void {
    if (!(rtt >= 0 && Number.isFinite(rtt))) {
      throw new RangeError(`RTT sample must be a non-negative number of ms, got ${rtt}`);
    }
    if (this.srtt === null || this.rttvar === null) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = (1 - BETA) * this.rttvar + BETA * Math.abs(this.srtt - rtt);
      this.srtt = (1 - ALPHA) * this.srtt + ALPHA * rtt;
    }
    const rto = this.srtt + Math.max(G, K * this.rttvar);
    this.#base = Math.min(Math.max(rto, this.#config.minRto), this.#config.maxRto);
    this.#backoff = 0;
  }

  /**
   * Clears the backoff when an ACK acknowledges new data, as BSD and Linux
   * do, even without a sample (RFC 6298 §5.7 leaves this open).
   */
  resetBackoff(): void {
    this.#backoff = 0;
  }

  /** Doubles the RTO after a retransmission timeout (RFC 6298 §5.5). */
  backoff(): void {
    if (this.rto < this.#config.maxRto) this.#backoff++;
  }
}
