/**
 * Instantiates socklab WASM cores, doing nothing at import: for workers,
 * bundlers that inline assets, and anyone who wants the scalar build beside
 * the SIMD one. Each core carries the checksum and packet functions.
 *
 * @example A core from bytes the caller loaded
 * ```ts
 * import { instantiate } from "./instantiate.js";
 * const bytes = await (await fetch(new URL("./socklab.scalar.wasm", import.meta.url))).arrayBuffer();
 * const core = await instantiate({ source: bytes });
 * core.engine; // "scalar"
 * core.crc32(new TextEncoder().encode("123456789")); // 0xCBF43926
 * ```
 *
 * @module
 */

import type { PacketApi } from "./packet.d.ts";
import type { CoreBuffer, CoreBytes, InetChecksum } from "./checksum.d.ts";
export type { CoreBuffer, CoreBytes, InetChecksum };
export { inetChecksumAdjust } from "./checksum.d.ts";

/** One instantiated core, with the packet functions bound to it. */
export interface SocklabCore extends PacketApi {
  /** Which build runs: "simd" or "scalar". */
  readonly engine: "simd" | "scalar";
  /** The core's WebAssembly memory. */
  readonly memory: WebAssembly.Memory;
  /** RFC 1071 Internet checksum of the concatenation of `parts`. */
  inetChecksum(...parts: CoreBytes[]): number;
  /** The running-checksum class bound to this core. */
  readonly InetChecksum: typeof InetChecksum;
  /** RFC 1624 incremental update; see the module-level function. */
  inetChecksumAdjust(checksum: number, oldWord: number, newWord: number): number;
  /** CRC-32 (IEEE); `previous` continues an earlier result. */
  crc32(data: CoreBytes, previous?: number): number;
  /** CRC-32C (Castagnoli); `previous` continues an earlier result. */
  crc32c(data: CoreBytes, previous?: number): number;
  /** Allocates `size` bytes inside core memory. */
  alloc(size: number): CoreBuffer;
  /** The buffer class of this core. */
  readonly CoreBuffer: typeof CoreBuffer;
}

/** Options for {@link instantiate}. */
export interface InstantiateOptions {
  /**
   * "simd" or "scalar"; by default SIMD where supported. With `source`, the
   * build the source must be (it is read from the module either way).
   */
  engine?: "simd" | "scalar";
  /**
   * The module, when the build beside this file does not suit: its bytes
   * (`socklab.simd.wasm` or `socklab.scalar.wasm`), a compiled
   * `WebAssembly.Module` (handed to a worker, or inlined by a bundler), or
   * a URL to read it from.
   */
  source?: BufferSource | WebAssembly.Module | URL;
}

/** Whether this runtime validates WebAssembly SIMD. */
export declare const simdSupported: boolean;
/**
 * Instantiates a core: the build beside this file (SIMD where supported),
 * or the module given as `source`.
 *
 * @throws {TypeError} If `source` is not bytes, a module or a URL, or not the socklab core.
 * @throws {RangeError} For an unknown `engine`, or one the `source` is not.
 */
export declare function instantiate(options?: InstantiateOptions): Promise<SocklabCore>;
