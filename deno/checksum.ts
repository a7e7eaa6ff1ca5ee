/**
 * Checksums for Deno: the WASM core's RFC 1071 Internet checksum and CRC-32C,
 * and a CRC-32 that picks the fastest engine this runtime has.
 *
 * Deno ships zlib-ng behind `node:zlib`, whose CRC-32 uses carry-less
 * multiplication, an instruction WebAssembly lacks; `npm run bench` measures
 * it ahead of the WASM core at every size from 16 bytes up, so {@link crc32}
 * hands plain byte arrays to it. The portable core stays the engine for
 * Node without zlib's crc32, for browsers, and for buffers in core memory.
 *
 * @module
 */
import { crc32 as zlibCrc32 } from "node:zlib";
import * as core from "../core/build/socklab.js";

export {
  alloc,
  CoreBuffer,
  crc32c,
  engine,
  InetChecksum,
  inetChecksum,
  inetChecksumAdjust,
} from "../core/build/socklab.js";
export type { CoreBytes } from "../core/build/socklab.js";

/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib and PNG) of `data`, continuing
 * from `previous` so that `crc32(b, crc32(a)) === crc32(a ++ b)`.
 *
 * @param data The bytes: a `Uint8Array` or a {@link CoreBuffer}.
 * @param previous The CRC of the bytes before these (0 to start).
 * @returns The CRC as an unsigned 32-bit integer.
 * @throws {TypeError} If `data` is not a byte array or `previous` not a number.
 * @throws {RangeError} If `previous` is not an integer from 0 to 0xFFFFFFFF.
 *
 * @example Check value
 * ```ts
 * import { crc32 } from "./checksum.ts";
 * import assert from "node:assert/strict";
 * assert.equal(crc32(new TextEncoder().encode("123456789")), 0xCBF43926);
 * ```
 */
export function crc32(data: core.CoreBytes, previous?: number): number {
  if (!(data instanceof Uint8Array) || !validSeed(previous)) {
    return core.crc32(data, previous); // the core gives the precise error
  }
  return zlibCrc32(data, previous ?? 0) >>> 0;
}

function validSeed(previous: unknown): boolean {
  return previous === undefined ||
    (Number.isInteger(previous) && (previous as number) >= 0 && (previous as number) <= 0xffffffff);
}
