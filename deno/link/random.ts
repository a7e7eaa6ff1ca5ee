/**
 * A small seeded pseudo-random generator (SFC32, seeded through SplitMix32),
 * so that every simulated run can be replayed from its seed. Not for
 * cryptography.
 *
 * @module
 */

/**
 * A seeded generator of uniform numbers.
 *
 * @example The same seed, the same sequence
 * ```ts
 * import { Random } from "./random.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new Random(7).next(), new Random(7).next());
 * ```
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /**
   * Seeds the generator.
   *
   * @param seed Any 32-bit integer.
   * @throws {RangeError} If `seed` is not an integer.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    let s = seed >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = split();
    this.#b = split();
    this.#c = split();
    this.#d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Fills `bytes` with random bytes and returns it. */
  fill(bytes: Uint8Array): Uint8Array {
    let i = 0;
    for (; i + 4 <= bytes.length; i += 4) {
      const v = this.u32();
      bytes[i] = v;
      bytes[i + 1] = v >>> 8;
      bytes[i + 2] = v >>> 16;
      bytes[i + 3] = v >>> 24;
    }
    for (; i < bytes.length; i++) bytes[i] = this.u32();
    return bytes;
  }
}
