/**
 * The impairments of one direction of a link, shared by the simulated
 * network (`sim.ts`) and the UDP link (`udp.ts`): {@link Impairments} says
 * what the link does to packets, {@link impairments} checks settings and
 * fills in defaults, and {@link PERFECT_LINK} does nothing to them. What
 * each setting does to a packet, and in what order, is `_impair.ts`'s.
 *
 * @example A lossy, slow link
 * ```ts
 * import { impairments } from "./impairments.ts";
 * import assert from "node:assert/strict";
 * const imp = impairments({ loss: 0.05, delay: 20 });
 * assert.equal(imp.mtu, 65535); // the default
 * assert.throws(() => impairments({ loss: 1.5 }), RangeError);
 * ```
 *
 * @module
 */

/** What a link does to the packets of one direction. */
export interface Impairments {
  /** Probability (0 to 1) that a packet is lost. */
  readonly loss: number;
  /** One-way delay, ms. */
  readonly delay: number;
  /**
   * Uniform jitter added to the delay, ± ms (jitter can reorder packets); a
   * packet never arrives before the rate limit lets it leave.
   */
  readonly jitter: number;
  /** Probability that a packet is held back behind later ones (1 to delay + 6 ms more). */
  readonly reorder: number;
  /** Probability that a packet is delivered twice (the copy intact, up to 2 ms later). */
  readonly duplicate: number;
  /** Probability that one bit of a packet is flipped. */
  readonly corrupt: number;
  /** Bytes per second; 0 means no limit. */
  readonly rate: number;
  /** Bytes that may wait for the rate limit before packets are dropped. */
  readonly queue: number;
  /** The largest packet (IP header included) the link carries. */
  readonly mtu: number;
}

/** A perfect link: no loss, no delay, no limit, 64 KiB MTU. */
export const PERFECT_LINK: Impairments = {
  loss: 0,
  delay: 0,
  jitter: 0,
  reorder: 0,
  duplicate: 0,
  corrupt: 0,
  rate: 0,
  queue: 1 << 20,
  mtu: 65535,
};

/**
 * Checks impairment settings and fills in defaults.
 *
 * @throws {RangeError} For a probability outside [0, 1], a negative time or
 *   rate, or an MTU below IPv4's minimum of 68 bytes (RFC 791) or above 65535.
 * @throws {TypeError} If a field is not a number.
 */
export function impairments(given: Partial<Impairments>): Impairments {
  const out = { ...PERFECT_LINK, ...given };
  for (const [name, v] of Object.entries(out)) {
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw new TypeError(`impairment ${name} must be a number, got ${typeof v}`);
    }
    if (v < 0 || !Number.isFinite(v)) {
      throw new RangeError(`impairment ${name} must be a finite number >= 0, got ${v}`);
    }
  }
  for (const name of ["loss", "reorder", "duplicate", "corrupt"] as const) {
    if (out[name] > 1) {
      throw new RangeError(`impairment ${name} is a probability from 0 to 1, got ${out[name]}`);
    }
  }
  if (out.loss === 1) throw new RangeError("impairment loss 100% would never deliver anything");
  if (out.mtu < 68 || out.mtu > 65535 || !Number.isInteger(out.mtu)) {
    throw new RangeError(
      `impairment mtu must be an integer from 68 (the IPv4 minimum, RFC 791; a SYN with options needs 44 or more) to 65535, got ${out.mtu}`,
    );
  }
  if (out.rate > 0 && out.queue < out.mtu) {
    throw new RangeError(
      `impairment queue (${out.queue} bytes) must hold at least one MTU (${out.mtu} bytes)`,
    );
  }
  return out;
}
