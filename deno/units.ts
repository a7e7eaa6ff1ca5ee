/**
 * The units people type, read and written back: whole numbers, percentages,
 * durations, byte sizes and bit rates. Shared by every surface that takes
 * such text (the `socklab` flags, the playground's query fields), so "64KiB"
 * or "2.5%" means the same everywhere.
 *
 * Every parser takes the text and a `name` that opens its error message, so
 * the caller decides how a mistake is named: `socklab` passes
 * `"sim --loss"`, the playground `"loss"`. Unparsable text is a
 * `SyntaxError`, a value out of bounds a `RangeError`. Each formatter writes
 * text its parser reads back to the same value. Nothing here prints or
 * touches I/O.
 *
 * @example
 * ```ts
 * import { formatPercent, parseBytes, parseDuration, parsePercent } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseBytes("64KiB", "--queue"), 65536);
 * assert.equal(parseDuration("1.5s", "--delay"), 1500);
 * assert.equal(parsePercent(formatPercent(0.025), "--loss"), 0.025);
 * assert.throws(() => parsePercent("150", "sim --loss"), {
 *   name: "RangeError",
 *   message: "sim --loss: 150% is out of range (0 to 100%)",
 * });
 * ```
 *
 * @module
 */

/**
 * Parses a whole number in `[min, max]` ("42", "-1").
 *
 * @param text The text typed.
 * @param name What the value is, opening any error message ("sim --seed").
 * @param min The smallest value accepted.
 * @param max The largest value accepted.
 * @returns The number.
 * @throws {SyntaxError} If the text is not a whole number.
 * @throws {RangeError} If the number is outside `[min, max]`.
 *
 * @example
 * ```ts
 * import { parseWhole } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseWhole(" 1500 ", "mtu", 68, 65535), 1500);
 * assert.throws(() => parseWhole("67", "mtu", 68, 65535), /mtu: 67 is out of range \(68 to 65535\)/);
 * ```
 */
export function parseWhole(text: string, name: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new SyntaxError(`${name}: expected a whole number, got "${text}"`);
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new RangeError(`${name}: ${value} is out of range (${min} to ${max})`);
  }
  return value;
}

/**
 * Parses a percentage from 0 to `max` ("5", "2.5", "5%").
 *
 * @param text The text typed.
 * @param name What the value is, opening any error message.
 * @param max The largest percentage accepted (default 100).
 * @returns The percentage as a fraction: "5" is 0.05.
 * @throws {SyntaxError} If the text is not a percentage.
 * @throws {RangeError} If it is above `max`.
 *
 * @example
 * ```ts
 * import { parsePercent } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parsePercent("5%", "loss"), 0.05);
 * assert.throws(() => parsePercent("lots", "loss"), SyntaxError);
 * ```
 */
export function parsePercent(text: string, name: string, max = 100): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (!match) {
    throw new SyntaxError(`${name}: expected a percentage such as 5 or 2.5%, got "${text}"`);
  }
  const value = Number(match[1]);
  if (value > max) throw new RangeError(`${name}: ${value}% is out of range (0 to ${max}%)`);
  return value / 100;
}

/**
 * Writes a fraction as the percentage {@link parsePercent} reads back.
 *
 * @param fraction The fraction, 0 to 1.
 * @returns The percentage with a "%" sign, to at most six decimals.
 *
 * @example
 * ```ts
 * import { formatPercent } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatPercent(0.125), "12.5%");
 * ```
 */
export function formatPercent(fraction: number): string {
  return `${+(fraction * 100).toFixed(6)}%`;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/**
 * Parses a duration ("250ms", "2s", "1.5m", "40us"; a bare number is ms).
 *
 * @param text The text typed.
 * @param name What the value is, opening any error message.
 * @returns The duration in ms.
 * @throws {SyntaxError} If the text is not a duration.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("2s", "delay"), 2000);
 * assert.equal(parseDuration("40", "delay"), 40);
 * ```
 */
export function parseDuration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m)?$/.exec(text.trim());
  if (!match) {
    throw new SyntaxError(`${name}: expected a duration such as 100ms or 2s, got "${text}"`);
  }
  return Number(match[1]) * TIME_UNITS[match[2] ?? "ms"];
}

/**
 * Writes a duration as text {@link parseDuration} reads back: whole seconds
 * in seconds, anything else in ms.
 *
 * @param ms The duration in ms.
 * @returns The text, e.g. "60s", "2s" or "1500ms".
 *
 * @example
 * ```ts
 * import { formatDuration } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([60_000, 2000, 1500, 0.5, 0].map(formatDuration), ["60s", "2s", "1500ms", "0.5ms", "0ms"]);
 * ```
 */
export function formatDuration(ms: number): string {
  return ms > 0 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

/**
 * Parses a byte count ("1500", "64KiB", "10MB", "1.5GB"; units are
 * case-insensitive, decimal for k/M/G and binary for KiB/MiB/GiB).
 *
 * @param text The text typed.
 * @param name What the value is, opening any error message.
 * @param max The most bytes accepted (default: the largest safe integer).
 * @returns The count, rounded to a whole byte.
 * @throws {SyntaxError} If the text is not a size.
 * @throws {RangeError} If it is more than `max`.
 *
 * @example
 * ```ts
 * import { parseBytes } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseBytes("1.5MB", "bytes"), 1_500_000);
 * assert.throws(() => parseBytes("2MB", "bytes", 1e6), /more than the limit of 1000000/);
 * ```
 */
export function parseBytes(text: string, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new SyntaxError(`${name}: expected a size such as 1500, 64KiB or 10MB, got "${text}"`);
  }
  const value = Math.round(Number(match[1]) * unit);
  if (value > max) {
    throw new RangeError(`${name}: ${value} bytes is more than the limit of ${max}`);
  }
  return value;
}

const RATE_SCALE: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9 };

/**
 * Parses a rate in bits per second ("10Mbit", "1Gbit", "500kbit", "8bit/s").
 *
 * @param text The text typed.
 * @param name What the value is, opening any error message.
 * @returns The rate in bytes per second.
 * @throws {SyntaxError} If the text is not a rate.
 *
 * @example
 * ```ts
 * import { parseRate } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseRate("10Mbit", "rate"), 1_250_000);
 * ```
 */
export function parseRate(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(k|m|g)?bit(?:\/s)?$/i.exec(text.trim());
  if (!match) {
    throw new SyntaxError(`${name}: expected a rate such as 10Mbit or 1Gbit, got "${text}"`);
  }
  return (Number(match[1]) * RATE_SCALE[(match[2] ?? "").toLowerCase()]) / 8;
}

/**
 * Writes a rate as text {@link parseRate} reads back.
 *
 * @param bytesPerSecond The rate in bytes per second.
 * @returns The rate in bits per second, e.g. "10000000bit".
 *
 * @example
 * ```ts
 * import { formatRate, parseRate } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseRate(formatRate(1_250_000), "rate"), 1_250_000);
 * ```
 */
export function formatRate(bytesPerSecond: number): string {
  return `${bytesPerSecond * 8}bit`;
}
