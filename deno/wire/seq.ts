/**
 * TCP sequence-number arithmetic (RFC 9293 §3.4, RFC 1982 serial numbers):
 * the only way socklab compares or advances sequence numbers.
 *
 * Sequence numbers are unsigned 32-bit integers that wrap around, so `a < b`
 * is wrong near 2^32. Here `a` is before `b` when the distance from `a`
 * forward to `b` is less than 2^31. Two numbers exactly 2^31 apart are
 * neither before nor after each other ({@link seqCmp} reports them by their
 * signed 32-bit difference, which is -2^31): callers never hold windows that
 * large, since TCP windows are at most 2^30 bytes (RFC 7323 §2.3).
 *
 * @example Comparing across the wrap
 * ```ts
 * import { seqAdd, seqLt, seqSub } from "./seq.ts";
 * import assert from "node:assert/strict";
 * const a = 0xffff_fff0;
 * const b = seqAdd(a, 0x20); // wraps to 0x10
 * assert.equal(b, 0x10);
 * assert.ok(seqLt(a, b));
 * assert.equal(seqSub(b, a), 0x20);
 * ```
 *
 * @module
 */

/** The sequence number `n` bytes after `seq` (n may be negative), wrapped to 32 bits. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/**
 * The signed distance from `b` to `a` (`a - b`), from -2^31 to 2^31 - 1:
 * positive when `a` is after `b`.
 */
export function seqSub(a: number, b: number): number {
  return (a - b) | 0;
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function seqCmp(a: number, b: number): number {
  return (a - b) | 0;
}

/** Whether `a` is before `b`. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Whether `a` is before or equal to `b`. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** Whether `a` is after `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** Whether `a` is after or equal to `b`. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqGe(a, b) ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return seqLe(a, b) ? a : b;
}

/**
 * Whether `seq` lies in the half-open range `[start, start + length)`; with
 * `length` 0 the range is empty. RFC 9293 §3.4's acceptability tests are
 * written with this.
 */
export function seqInRange(seq: number, start: number, length: number): boolean {
  const offset = (seq - start) >>> 0;
  return offset < length;
}
