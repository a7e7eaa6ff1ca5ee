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

/** A plain SIMD loop that only loads `len` bytes: the benchmarks' ceiling. */
export function load_only(ptr: usize, len: usize): u32 {
  if (ASC_FEATURE_SIMD) {
    let a = i32x4.splat(0);
    let b = a, c = a, d = a;
    let p = ptr;
    const end = ptr + (len & ~(<usize>63));
    while (p < end) {
      a = v128.or(a, v128.load(p));
      b = v128.or(b, v128.load(p, 16));
      c = v128.or(c, v128.load(p, 32));
      d = v128.or(d, v128.load(p, 48));
      p += 64;
    }
    return i32x4.extract_lane(v128.or(v128.or(a, b), v128.or(c, d)), 0);
  }
  let x: u64 = 0;
  for (let p = ptr, end = ptr + (len & ~(<usize>7)); p < end; p += 8) x |= load<u64>(p);
  return <u32>x;
}

/** True when this build was compiled with WebAssembly SIMD. */
export function simd(): bool {
  return ASC_FEATURE_SIMD;
}

// Packet areas (wire formats, segmentation, reassembly) add their exports here:
export * from "./packet/exports";
