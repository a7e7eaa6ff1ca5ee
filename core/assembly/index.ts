// The exported surface of the socklab WASM core. Every export takes plain
// numbers (pointers and lengths into this module's memory) and returns plain
// numbers; the wrapper in core/js/ is the only code that calls these and the
// only owner of pointers. Nothing here performs I/O.
//
// Each area keeps its exports in its own `exports.ts`, re-exported here.

import { inetSumLE } from "./checksum/inet";
import { crc32cUpdate, crc32Update } from "./checksum/crc32";

/** Allocates `size` bytes of unmanaged memory (16-byte aligned). */
export function alloc(size: usize): usize {
  return heap.alloc(size);
}

/** Frees memory from {@link alloc}. */
export function dealloc(ptr: usize): void {
  heap.free(ptr);
}

/** RFC 1071 sum of little-endian words, folded to 16 bits, not complemented. */
export function inet_sum_le(ptr: usize, len: usize): u32 {
  return inetSumLE(ptr, len);
}

/** CRC-32 (IEEE) of `[ptr, ptr+len)` continuing from the finished value `crc`. */
export function crc32(ptr: usize, len: usize, crc: u32): u32 {
  return crc32Update(crc, ptr, len);
}

/** CRC-32C (Castagnoli) of `[ptr, ptr+len)` continuing from `crc`. */
export function crc32c(ptr: usize, len: usize, crc: u32): u32 {
  return crc32cUpdate(crc, ptr, len);
}

/** True when this build was compiled with WebAssembly SIMD. */
export function simd(): bool {
  return ASC_FEATURE_SIMD;
}

// Packet areas (wire formats, segmentation, reassembly) add their exports here:
export * from "./packet/exports";
