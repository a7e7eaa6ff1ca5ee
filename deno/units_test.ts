import assert from "node:assert/strict";
import {
  formatDuration,
  formatPercent,
  formatRate,
  parseBytes,
  parseDuration,
  parsePercent,
  parseRate,
  parseWhole,
} from "./units.ts";

Deno.test("the unit parsers read what people type", () => {
  const cases: [() => number, number][] = [
    [() => parseWhole("-1", "n", -5, 5), -1],
    [() => parsePercent("2.5%", "p"), 0.025],
    [() => parsePercent("100", "p"), 1],
    [() => parseDuration("40us", "t"), 0.04],
    [() => parseDuration("1.5m", "t"), 90_000],
    [() => parseDuration(" 250 ", "t"), 250],
    [() => parseBytes("64KiB", "b"), 65536],
    [() => parseBytes("10 MB", "b"), 10_000_000],
    [() => parseBytes("1GiB", "b"), 2 ** 30],
    [() => parseRate("500kbit", "r"), 62_500],
    [() => parseRate("1Gbit/s", "r"), 125_000_000],
  ];
  for (const [parse, want] of cases) assert.equal(parse(), want, String(parse));
});

Deno.test("the unit parsers throw SyntaxError for unreadable text and RangeError out of bounds, opening with the name given", () => {
  const cases: [() => number, ErrorConstructor, string][] = [
    [
      () => parseWhole("1.5", "sim --seed", 0, 9),
      SyntaxError,
      'sim --seed: expected a whole number, got "1.5"',
    ],
    [() => parseWhole("10", "seed", 0, 9), RangeError, "seed: 10 is out of range (0 to 9)"],
    [
      () => parsePercent("-1", "loss"),
      SyntaxError,
      'loss: expected a percentage such as 5 or 2.5%, got "-1"',
    ],
    [() => parsePercent("101", "loss"), RangeError, "loss: 101% is out of range (0 to 100%)"],
    [
      () => parseDuration("2h", "delay"),
      SyntaxError,
      'delay: expected a duration such as 100ms or 2s, got "2h"',
    ],
    [
      () => parseBytes("5 parsecs", "bytes"),
      SyntaxError,
      'bytes: expected a size such as 1500, 64KiB or 10MB, got "5 parsecs"',
    ],
    [
      () => parseBytes("2KB", "bytes", 1999),
      RangeError,
      "bytes: 2000 bytes is more than the limit of 1999",
    ],
    [
      () => parseRate("10M", "rate"),
      SyntaxError,
      'rate: expected a rate such as 10Mbit or 1Gbit, got "10M"',
    ],
  ];
  for (const [parse, type, message] of cases) {
    assert.throws(parse, (e: Error) => e.constructor === type && e.message === message, message);
  }
});

Deno.test("each formatter writes text its parser reads back to the same value", () => {
  for (const v of [0, 0.001, 0.125, 0.2, 1 / 3, 1]) {
    // Six decimals of a percent: within 5e-9 of the fraction.
    assert.ok(Math.abs(parsePercent(formatPercent(v), "p") - v) <= 5e-9, String(v));
  }
  for (const v of [0, 0.04, 1, 999, 1000, 60_000, 21_600_000]) {
    assert.equal(parseDuration(formatDuration(v), "t"), v, String(v));
  }
  for (const v of [0, 1, 62_500, 1_250_000, 125_000_000]) {
    assert.equal(parseRate(formatRate(v), "r"), v, String(v));
  }
});
