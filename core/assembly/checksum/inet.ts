// RFC 1071 Internet checksum: the 16-bit ones'-complement sum of 16-bit words.
//
// The sum is byte-order independent (RFC 1071 §2(B)): adding little-endian
// words gives the byte-swapped result of adding big-endian words. We add
// native (little-endian) words and let the caller swap once at the end.

/** Lanes are drained into the 64-bit total every 256 KiB (4096 rounds of 64
 *  bytes). One round adds to each 32-bit lane a value in [-2^16, 2^16), so a
 *  lane stays within ±2^28 and the sum of the four accumulators within ±2^30. */
const SIMD_BLOCK: usize = 4096 * 64;

/**
 * Pairwise sums of the eight unsigned 16-bit words of `v`, each pair less
 * 2^16: flipping the top bit (`flip`, 0x8000 in every word) turns word u
 * into the signed word u - 2^15, and `i32x4.dot_i16x8_s` with `ones` (one
 * pmaddwd on x86) adds adjacent signed words. The caller adds the bias back
 * once per block: 2^16 per 4 bytes.
 */
@inline function pairsBiased(v: v128, flip: v128, ones: v128): v128 {
  return i32x4.dot_i16x8_s(v128.xor(v, flip), ones);
}

/** 0x8000 then 1 in every 16-bit word. The loop loads these from memory
 *  once: V8 rebuilds a v128 constant at every use inside a loop. */
const CONSTANTS: usize = memory.data<u16>([
  0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000,
  1, 1, 1, 1, 1, 1, 1, 1,
], 16);

@inline function sumLanes(v: v128): u64 {
  return <u64>i32x4.extract_lane(v, 0) + <u64>i32x4.extract_lane(v, 1) +
    <u64>i32x4.extract_lane(v, 2) + <u64>i32x4.extract_lane(v, 3);
}

@inline function sumSignedLanes(v: v128): i64 {
  return <i64>i32x4.extract_lane(v, 0) + <i64>i32x4.extract_lane(v, 1) +
    <i64>i32x4.extract_lane(v, 2) + <i64>i32x4.extract_lane(v, 3);
}

/** Folds a 64-bit sum of 16-bit words to 16 bits with end-around carry. */
@inline export function fold64(acc: u64): u32 {
  acc = (acc & 0xFFFFFFFF) + (acc >> 32);
  acc = (acc & 0xFFFFFFFF) + (acc >> 32);
  let s = <u32>acc;
  s = (s & 0xFFFF) + (s >> 16);
  s = (s & 0xFFFF) + (s >> 16);
  return s;
}

/**
 * Sum of the little-endian 16-bit words in `[ptr, ptr + len)`, an odd last
 * byte counting as the low byte of a word padded with zero, folded to 16 bits.
 * Not complemented: sums of consecutive even-length pieces simply add.
 */
export function inetSumLE(ptr: usize, len: usize): u32 {
  let acc: u64 = 0;
  let p = ptr;
  const end = ptr + len;
  if (ASC_FEATURE_SIMD) {
    while (end - p >= 64) {
      const stop = p + min<usize>((end - p) & ~(<usize>63), SIMD_BLOCK);
      const bias = <i64>(stop - p) << 14; // 2^16 for every 4 bytes
      const flip = v128.load(CONSTANTS);
      const ones = v128.load(CONSTANTS, 16);
      let a = i32x4.splat(0);
      let b = a, c = a, d = a;
      do {
        a = i32x4.add(a, pairsBiased(v128.load(p), flip, ones));
        b = i32x4.add(b, pairsBiased(v128.load(p, 16), flip, ones));
        c = i32x4.add(c, pairsBiased(v128.load(p, 32), flip, ones));
        d = i32x4.add(d, pairsBiased(v128.load(p, 48), flip, ones));
        p += 64;
      } while (p < stop);
      acc += <u64>(sumSignedLanes(i32x4.add(i32x4.add(a, b), i32x4.add(c, d))) + bias);
    }
    while (end - p >= 16) {
      acc += sumLanes(i32x4.extadd_pairwise_i16x8_u(v128.load(p)));
      p += 16;
    }
  } else {
    // Four independent 64-bit accumulators keep the adds from serialising.
    let a: u64 = 0, b: u64 = 0, c: u64 = 0, d: u64 = 0;
    while (end - p >= 16) {
      a += <u64>load<u32>(p);
      b += <u64>load<u32>(p, 4);
      c += <u64>load<u32>(p, 8);
      d += <u64>load<u32>(p, 12);
      p += 16;
    }
    acc = a + b + c + d;
  }
  while (end - p >= 4) {
    acc += <u64>load<u32>(p);
    p += 4;
  }
  if (end - p >= 2) {
    acc += <u64>load<u16>(p);
    p += 2;
  }
  if (p < end) acc += <u64>load<u8>(p);
  return fold64(acc);
}

