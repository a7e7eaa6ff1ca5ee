// RFC 1071 Internet checksum: the 16-bit ones'-complement sum of 16-bit words.
//
// The sum is byte-order independent (RFC 1071 §2(B)): adding little-endian
// words gives the byte-swapped result of adding big-endian words. We add
// native (little-endian) words and let the caller swap once at the end.

/** Lanes are drained into the 64-bit total every 256 KiB (4096 rounds of 64
 *  bytes). One round adds at most 2·0xFFFF to each 32-bit lane, so a lane
 *  stays below 2^29 and the sum of the four accumulators below 2^31. */
const SIMD_BLOCK: usize = 4096 * 64;

@inline function sumLanes(v: v128): u64 {
  return <u64>i32x4.extract_lane(v, 0) + <u64>i32x4.extract_lane(v, 1) +
    <u64>i32x4.extract_lane(v, 2) + <u64>i32x4.extract_lane(v, 3);
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
      let a = i32x4.splat(0);
      let b = a, c = a, d = a;
      do {
        a = i32x4.add(a, i32x4.extadd_pairwise_i16x8_u(v128.load(p)));
        b = i32x4.add(b, i32x4.extadd_pairwise_i16x8_u(v128.load(p, 16)));
        c = i32x4.add(c, i32x4.extadd_pairwise_i16x8_u(v128.load(p, 32)));
        d = i32x4.add(d, i32x4.extadd_pairwise_i16x8_u(v128.load(p, 48)));
        p += 64;
      } while (p < stop);
      acc += sumLanes(i32x4.add(i32x4.add(a, b), i32x4.add(c, d)));
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
