// Known-answer packets and fuzz helpers shared by the wire tests. The
// packets were captured on Linux loopback with tcpdump; tshark, with
// checksum validation on, calls every checksum here good (the UDP ones were
// offloaded on loopback, and are set to the values tshark calculated).
import fc from "fast-check";
import { WireError } from "./error.ts";
import { assertWhole } from "../_testing.ts";

/** Bytes from a hex string (whitespace ignored). */
export function hex(text: string): Uint8Array {
  return new Uint8Array(text.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
}

/** 127.0.0.1 to itself. */
export const LOOPBACK4 = { src: hex("7f000001"), dst: hex("7f000001") };
/** ::1 to itself. */
export const LOOPBACK6 = { src: hex("0".repeat(31) + "1"), dst: hex("0".repeat(31) + "1") };

/** IPv4 + UDP "hi\n" from 127.0.0.1:46131 to port 9. */
export const UDP4_PACKET = hex(`4500 001f 6a81 4000 4011 d24a 7f00 0001 7f00 0001
  b433 0009 000b db2f 6869 0a`);
/** IPv4 + ICMP port unreachable quoting the datagram above (before its checksum was fixed). */
export const ICMP4_PACKET = hex(`45c0 003b 7bbd 0000 4001 0043 7f00 0001 7f00 0001
  0303 d82c 0000 0000 4500 001f 6a81 4000 4011 d24a 7f00 0001 7f00 0001 b433
  0009 000b fe1e 6869 0a`);
/** IPv6 + UDP "hi\n" from [::1]:60499 to port 9. */
export const UDP6_PACKET = hex(`600f 2970 000b 1140 ${"0".repeat(28)}0001 ${"0".repeat(28)}0001
  ec53 0009 000b a110 6869 0a`);
/** IPv6 + ICMPv6 port unreachable quoting the datagram above (before its checksum was fixed). */
export const ICMP6_PACKET = hex(`600f f537 003b 3a40 ${"0".repeat(28)}0001 ${"0".repeat(28)}0001
  0104 04c9 0000 0000 600f 2970 000b 1140 ${"0".repeat(28)}0001 ${"0".repeat(28)}0001
  ec53 0009 000b 001e 6869 0a`);

/**
 * Runs `parse` on random bytes and on mutated, truncated copies of `seeds`:
 * it must return a value with no trace of an out-of-bounds read, or throw a
 * WireError, never anything else.
 */
export function fuzzParser(
  parse: (bytes: Uint8Array) => unknown,
  seeds: Uint8Array[],
  runs = 3000,
): void {
  const outcome = (bytes: Uint8Array) => {
    try {
      assertWhole(parse(bytes));
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), outcome), { numRuns: runs });
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }),
      fc.nat({ max: 120 }),
      (seed, flips, cut) => {
        const bytes = seed.slice(0, cut || seed.length);
        for (const [at, value] of flips) if (bytes.length) bytes[at % bytes.length] = value;
        outcome(bytes);
      },
    ),
    { numRuns: runs },
  );
}

/** Asserts that `fn` throws a WireError whose reason matches. */
export function assertRejects(fn: () => unknown, protocol: string, reason: RegExp): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    if (e.protocol !== protocol || !reason.test(e.reason)) {
      throw new Error(`expected "${protocol}: ${reason}", got "${e.message}"`);
    }
    return;
  }
  throw new Error(`expected a WireError matching ${reason}, nothing was thrown`);
}
