/**
 * The socklab WASM core's checksums: RFC 1071 Internet checksum, CRC-32 and
 * CRC-32C, computed in WebAssembly (SIMD where the runtime supports it) by a
 * core instantiated when this module is imported.
 *
 * Every function takes a `Uint8Array` (copied into core memory in bounded
 * pieces) or bytes that already live in core memory (a {@link CoreBuffer}, or
 * any view of its `bytes`), which are used in place with no copy.
 *
 * @example Checksums of one buffer
 * ```ts
 * import { crc32, crc32c, inetChecksum } from "./checksum.js";
 * const data = new TextEncoder().encode("123456789");
 * crc32(data); // 0xCBF43926
 * crc32c(data); // 0xE3069283
 * inetChecksum(data); // the value to store in a header
 * ```
 *
 * @module
 */

/** Bytes the core can read: a JS byte array or a buffer in core memory. */
export type CoreBytes = Uint8Array | CoreBuffer;

/** A buffer that lives inside the core's WebAssembly memory. */
export declare class CoreBuffer implements Disposable {
  private constructor();
  /** Its size in bytes. */
  readonly length: number;
  /**
   * A view of its bytes. Write packets here; checksums of this view (or of
   * any `subarray` of it) read memory in place. Views taken before the core's
   * memory grew are detached: take a fresh one after allocating.
   */
  readonly bytes: Uint8Array;
  /** Returns the memory to the core. Later use throws a TypeError. */
  free(): void;
  /** Same as {@link CoreBuffer.free}, for `using`. */
  [Symbol.dispose](): void;
}

/** A running RFC 1071 Internet checksum, fed piece by piece. */
export declare class InetChecksum {
  /** Adds bytes; pieces of any length (odd included) chain exactly. */
  update(data: CoreBytes): this;
  /** The ones'-complement sum so far, in network order, not complemented. */
  readonly sum: number;
  /** The checksum to store in a header (big-endian value). A correct packet gives 0. */
  digest(): number;
  /** Starts over. */
  reset(): this;
}

/** Which build the module-level functions use. */
export declare const engine: "simd" | "scalar";

/**
 * RFC 1071 Internet checksum of the concatenation of `parts`, as the 16-bit
 * big-endian value to store in an IPv4, ICMP, TCP or UDP header. Summing a
 * packet whose checksum field is correct gives 0.
 *
 * @example
 * ```ts
 * import { inetChecksum } from "./socklab.js";
 * const header = new Uint8Array([0x45, 0, 0, 0x1c]); // ...
 * inetChecksum(header);
 * ```
 */
export declare function inetChecksum(...parts: CoreBytes[]): number;

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word covered by
 * `checksum` changes from `oldWord` to `newWord`.
 */
export declare function inetChecksumAdjust(
  checksum: number,
  oldWord: number,
  newWord: number,
): number;

/** CRC-32 (IEEE 802.3, zlib); `crc32(b, crc32(a)) === crc32(a ++ b)`. */
export declare function crc32(data: CoreBytes, previous?: number): number;

/** CRC-32C (Castagnoli); chains like {@link crc32}. */
export declare function crc32c(data: CoreBytes, previous?: number): number;

/** Allocates `size` bytes inside core memory. */
export declare function alloc(size: number): CoreBuffer;
