/**
 * Initial sequence numbers per RFC 6528: `ISN = M + F(4-tuple, key)`, where M
 * is a clock ticking every 4 microseconds and F a keyed hash of the
 * connection's addresses and ports (here HMAC-SHA-256, truncated to 32 bits).
 * An off-path attacker who does not know the key cannot predict the ISN of a
 * connection, while a new incarnation of the same 4-tuple still starts above
 * the old one (RFC 9293 §3.4.1). The clock is an argument: the generator never
 * reads time itself.
 *
 * @module
 */
import { hmacSha256 } from "../sha256.ts";
import type { InetAddr } from "../wire/inet_addr.ts";

/** Picks the initial sequence number of a connection. */
export type IsnGenerator = (
  local: InetAddr,
  remote: InetAddr,
  now: number,
) => number;

/**
 * Makes an RFC 6528 generator with a secret key.
 *
 * @param key The secret (at least 16 bytes); random when omitted. Pass a fixed
 *   key for reproducible simulations.
 * @returns A generator: `(local, remote, nowMs) => isn`.
 * @throws {TypeError} If `key` is not a Uint8Array.
 * @throws {RangeError} If `key` is shorter than 16 bytes.
 *
 * @example Same 4-tuple, 1 ms later: 250 ticks later
 * ```ts
 * import { rfc6528Isn } from "./isn.ts";
 * import { inetAddr } from "../wire/inet_addr.ts";
 * import assert from "node:assert/strict";
 * const isn = rfc6528Isn(new Uint8Array(16));
 * const a = inetAddr("10.0.0.1", 1000), b = inetAddr("10.0.0.2", 80);
 * assert.equal((isn(a, b, 1) - isn(a, b, 0)) >>> 0, 250);
 * ```
 */
export function rfc6528Isn(key?: Uint8Array): IsnGenerator {
  if (key !== undefined && !(key instanceof Uint8Array)) {
    throw new TypeError(`ISN key must be a Uint8Array, got ${typeof key}`);
  }
  if (key !== undefined && key.length < 16) {
    throw new RangeError(`ISN key must be at least 16 bytes, got ${key.length}`);
  }
  const secret = key ?? crypto.getRandomValues(new Uint8Array(16));
  const text = new TextEncoder();
  return (local, remote, now) => {
    const hash = hmacSha256(
      secret,
      text.encode(`${local.hostname}|${local.port}|${remote.hostname}|${remote.port}`),
    );
    const f = new DataView(hash.buffer).getUint32(0);
    const m = Math.floor(now * 250); // 4 µs ticks since the clock's origin
    return (f + m) >>> 0;
  };
}
