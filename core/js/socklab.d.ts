/**
 * The socklab WASM core: RFC 1071 Internet checksum, CRC-32 and CRC-32C,
 * TCP segmentation, TCP reassembly and IP fragment reassembly, computed in
 * WebAssembly (SIMD where the runtime supports it). Importing it
 * instantiates one core, found beside this file; `./instantiate` does
 * nothing at import.
 *
 * @example Checksums of one buffer
 * ```ts
 * import { crc32, crc32c, inetChecksum } from "./socklab.js";
 * const data = new TextEncoder().encode("123456789");
 * crc32(data); // 0xCBF43926
 * crc32c(data); // 0xE3069283
 * inetChecksum(data); // the value to store in a header
 * ```
 *
 * @module
 */

export * from "./checksum.d.ts";
export * from "./packet.d.ts";
export {
  instantiate,
  type InstantiateOptions,
  simdSupported,
  type SocklabCore,
} from "./instantiate.d.ts";
