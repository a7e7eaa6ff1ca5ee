// Reflected CRC-32 with the conventional pre- and post-inversion, so that
// `crc(b, crc(a, 0)) == crc(a ++ b, 0)` exactly as zlib's crc32() chains.
//
// Two polynomials share one engine:
//   CRC-32   (IEEE 802.3, zlib, PNG)   reflected 0xEDB88320
//   CRC-32C  (Castagnoli, iSCSI, SCTP) reflected 0x82F63B78
//
// Inputs under 64 bytes go through slicing-by-16 tables: table k holds the
// CRC of a byte followed by k zero bytes, so sixteen independent lookups fold
// sixteen bytes at once. Longer inputs are first reduced without tables by a
// sparse multiple of the polynomial (see "Sparse reduction" below): a whole
// vector lane at a time while more than a few hundred bytes remain, then a
// 64-bit word at a time, and only the last 34 to 45 bytes meet the tables.

const SLICES: usize = 16;
const TABLE_BYTES: i32 = <i32>SLICES * 256 * 4;

export const CRC32_TABLES: usize = memory.data(TABLE_BYTES, 64);
export const CRC32C_TABLES: usize = memory.data(TABLE_BYTES, 64);

function fillTables(tables: usize, poly: u32): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    store<u32>(tables + (<usize>n << 2), c);
  }
  for (let n: usize = 0; n < 256; n++) {
    let c = load<u32>(tables + (n << 2));
    for (let k: usize = 1; k < SLICES; k++) {
      c = load<u32>(tables + (<usize>(c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(tables + (k << 10) + (n << 2), c);
    }
  }
}

fillTables(CRC32_TABLES, 0xEDB88320);
fillTables(CRC32C_TABLES, 0x82F63B78);

@inline function t(tables: usize, k: usize, b: u32): u32 {
  return load<u32>(tables + (k << 10) + (<usize>(b & 0xff) << 2));
}

/** Advances the raw CRC register `c` (not inverted) over `[ptr, ptr+len)`. */
function tableUpdate(tables: usize, c: u32, ptr: usize, len: usize): u32 {
  let p = ptr;
  const end = ptr + len;
  while (end - p >= 16) {
    const w0 = load<u32>(p) ^ c;
    const w1 = load<u32>(p, 4);
    const w2 = load<u32>(p, 8);
    const w3 = load<u32>(p, 12);
    c = t(tables, 15, w0) ^ t(tables, 14, w0 >>> 8) ^ t(tables, 13, w0 >>> 16) ^ t(tables, 12, w0 >>> 24) ^
      t(tables, 11, w1) ^ t(tables, 10, w1 >>> 8) ^ t(tables, 9, w1 >>> 16) ^ t(tables, 8, w1 >>> 24) ^
      t(tables, 7, w2) ^ t(tables, 6, w2 >>> 8) ^ t(tables, 5, w2 >>> 16) ^ t(tables, 4, w2 >>> 24) ^
      t(tables, 3, w3) ^ t(tables, 2, w3 >>> 8) ^ t(tables, 1, w3 >>> 16) ^ t(tables, 0, w3 >>> 24);
    p += 16;
  }
  if (end - p >= 8) {
    const w0 = load<u32>(p) ^ c;
    const w1 = load<u32>(p, 4);
    c = t(tables, 7, w0) ^ t(tables, 6, w0 >>> 8) ^ t(tables, 5, w0 >>> 16) ^ t(tables, 4, w0 >>> 24) ^
      t(tables, 3, w1) ^ t(tables, 2, w1 >>> 8) ^ t(tables, 1, w1 >>> 16) ^ t(tables, 0, w1 >>> 24);
    p += 8;
  }
  if (end - p >= 4) {
    const w0 = load<u32>(p) ^ c;
    c = t(tables, 3, w0) ^ t(tables, 2, w0 >>> 8) ^ t(tables, 1, w0 >>> 16) ^ t(tables, 0, w0 >>> 24);
    p += 4;
  }
  while (p < end) {
    c = t(tables, 0, c ^ load<u8>(p)) ^ (c >>> 8);
    p++;
  }
  return c;
}

// Sparse reduction (after S. Russell's "Chorba", arXiv 2412.16398).
//
// Read the message as a polynomial whose first byte has the highest degree.
// If a sparse polynomial S(x) = x^K + x^a + ... + 1 is a multiple of the CRC
// polynomial G(x), then x^K ≡ x^a + ... + 1 (mod G): a bit K places above
// the end may be replaced by copies of itself a, ..., 0 places above it,
// without changing the remainder. Squaring in GF(2) gives S(x^8) = S(x)^8,
// again a multiple of G, whose exponents are whole bytes: so the byte at
// offset i may be cleared after XORing it into the bytes at offsets
// i + (K - a), ..., i + K. Done front to back over all but the last K bytes,
// that leaves a message of K bytes with the same CRC; only those go through
// the tables. The byte distances are all at least one vector wide, so whole
// lanes (16 bytes with SIMD, 8 without) are reduced at once by XOR alone.
//
// As a recurrence: with v[i] the reduced value of byte i, and in[i] the input,
//   v[i] = in[i] ^ v[i - (K - a)] ^ ... ^ v[i - K]
// over earlier reduced bytes only. v is kept in a buffer that slides by
// BLOCK bytes; the input is never written, so it may be read-only data.
//
// The multiples were found by a meet-in-the-middle search over x^e mod G:
//   CRC-32:  x^300 + x^155 + x^117 + x^89 + 1, the five-term multiple of
//            lowest degree.
//   CRC-32C: x^266 + x^143 + x^121 + x^88 + x^71 + 1. G has the factor x + 1,
//            so every multiple has an even number of terms. A lower one,
//            x^209 + x^144 + x^54 + x^39 + x^14 + 1, measured a fifth slower
//            at 64 KiB: at 65 bytes its shortest distance is so short that
//            the loads straddle stores still in flight.
// Lower-degree multiples with more terms (x^161 + 5 terms for CRC-32, x^130 +
// 7 for CRC-32C) shorten the table pass but add loads to every lane: they
// measured no faster at 1500 bytes and a third slower at 64 KiB.

const LANE: usize = ASC_FEATURE_SIMD ? 16 : 8;
const BLOCK: usize = 8192;
const K_MAX: usize = 320;
/** v for bytes [start - K, start + BLOCK) of the block at `start`; after the
 *  last block, v for [reduced - K, reduced) and zeros for the window reads. */
const SLIDE: usize = memory.data(<i32>(K_MAX + BLOCK + K_MAX), 16);
/** The last K to K + 2·LANE - 1 bytes, reduced, for the tables. */
const WINDOW: usize = memory.data(<i32>K_MAX * 2, 16);

const IEEE_K: usize = 300;
const IEEE_A: usize = 155;
const IEEE_B: usize = 117;
const IEEE_C: usize = 89;

const CAST_K: usize = 266;
const CAST_A: usize = 143;
const CAST_B: usize = 121;
const CAST_C: usize = 88;
const CAST_D: usize = 71;

/** Below this length the bit-level reduction alone is faster (measured). */
export const SPARSE_MIN: usize = ASC_FEATURE_SIMD ? 768 : 2048;

/** XOR of the earlier reduced lanes that lane `q + K` receives (SIMD). */
@inline function gatherV(castagnoli: bool, q: usize): v128 {
  if (castagnoli) {
    return v128.xor(
      v128.xor(v128.load(q, CAST_A), v128.load(q, CAST_B)),
      v128.xor(v128.xor(v128.load(q, CAST_C), v128.load(q, CAST_D)), v128.load(q)),
    );
  }
  return v128.xor(
    v128.xor(v128.load(q, IEEE_A), v128.load(q, IEEE_B)),
    v128.xor(v128.load(q, IEEE_C), v128.load(q)),
  );
}

/** XOR of the earlier reduced lanes that lane `q + K` receives (scalar). */
@inline function gather64(castagnoli: bool, q: usize): u64 {
  if (castagnoli) {
    return load<u64>(q, CAST_A) ^ load<u64>(q, CAST_B) ^ load<u64>(q, CAST_C) ^
      load<u64>(q, CAST_D) ^ load<u64>(q);
  }
  return load<u64>(q, IEEE_A) ^ load<u64>(q, IEEE_B) ^ load<u64>(q, IEEE_C) ^ load<u64>(q);
}

/** v[i] for the lanes from `src` (input) into `q + K` (slide), until `q` reaches `stop`. */
@inline function reduceLanes(castagnoli: bool, src: usize, q: usize, stop: usize): void {
  const K = castagnoli ? CAST_K : IEEE_K;
  if (ASC_FEATURE_SIMD) {
    while (q < stop) {
      v128.store(q + K, v128.xor(v128.load(src), gatherV(castagnoli, q)));
      v128.store(q + K, v128.xor(v128.load(src, 16), gatherV(castagnoli, q + 16)), 16);
      src += 32;
      q += 32;
    }
  } else {
    while (q < stop) {
      store<u64>(q + K, load<u64>(src) ^ gather64(castagnoli, q));
      store<u64>(q + K, load<u64>(src, 8) ^ gather64(castagnoli, q + 8), 8);
      src += 16;
      q += 16;
    }
  }
}

// Short fills and copies by hand: V8 turns memory.fill and memory.copy into
// calls out of the compiled code, which cost more than these few lanes.

/** Zeroes `[dst, dst + n)` and up to LANE - 1 bytes after it. */
@inline function zeroLanes(dst: usize, n: usize): void {
  for (let p = dst, end = dst + n; p < end; p += LANE) {
    if (ASC_FEATURE_SIMD) v128.store(p, i32x4.splat(0));
    else store<u64>(p, 0);
  }
}

/** Copies `[src, src + n)` to `dst` and up to LANE - 1 bytes after both; `src >= dst`. */
@inline function copyLanes(dst: usize, src: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += LANE) {
    if (ASC_FEATURE_SIMD) v128.store(dst + i, v128.load(src + i));
    else store<u64>(dst + i, load<u64>(src + i));
  }
}

/**
 * Advances the raw register `c` over `[ptr, ptr+len)`, `len >= SPARSE_MIN`:
 * sparse reduction of all but the last K to K + 2·LANE - 1 bytes, tables
 * for those.
 */
@inline function sparseUpdate(castagnoli: bool, c: u32, ptr: usize, len: usize): u32 {
  const K = castagnoli ? CAST_K : IEEE_K;
  // Reduce whole steps of two lanes; what remains is K to K + 2·LANE - 1
  // bytes. SPARSE_MIN leaves at least one step to carry the register.
  const reduced = (len - K) & ~(2 * LANE - 1);
  zeroLanes(SLIDE, K); // nothing lies before the message
  // The register enters as an XOR over the first four message bytes; lane 1
  // then completes the first step of two lanes, and whole steps follow.
  if (ASC_FEATURE_SIMD) {
    const first = v128.xor(v128.load(ptr), i32x4.replace_lane(i32x4.splat(0), 0, c));
    v128.store(SLIDE + K, v128.xor(first, gatherV(castagnoli, SLIDE)));
    v128.store(SLIDE + K + LANE, v128.xor(v128.load(ptr + LANE), gatherV(castagnoli, SLIDE + LANE)));
  } else {
    store<u64>(SLIDE + K, load<u64>(ptr) ^ <u64>c ^ gather64(castagnoli, SLIDE));
    store<u64>(SLIDE + K + LANE, load<u64>(ptr + LANE) ^ gather64(castagnoli, SLIDE + LANE));
  }
  let skip: usize = 2 * LANE; // bytes of the first block already reduced
  for (let start: usize = 0; start < reduced;) {
    const end = min(start + BLOCK, reduced);
    reduceLanes(castagnoli, ptr + start + skip, SLIDE + skip, SLIDE + (end - start));
    skip = 0;
    // Slide: the last K reduced bytes become the ones before the next block.
    copyLanes(SLIDE, SLIDE + (end - start), K);
    start = end;
  }
  // The window [reduced, len): its input bytes plus what earlier lanes pushed
  // into it; lanes inside the window are not reduced, so they read as zero.
  const rest = len - reduced;
  zeroLanes(SLIDE + K, rest + 2 * LANE);
  // Whole lanes of input, then one lane ending exactly at the input's end.
  const whole = rest & ~(LANE - 1);
  copyLanes(WINDOW, ptr + reduced, whole);
  if (ASC_FEATURE_SIMD) v128.store(WINDOW + rest - LANE, v128.load(ptr + len - LANE));
  else store<u64>(WINDOW + rest - LANE, load<u64>(ptr + len - LANE));
  for (let j: usize = 0; j < rest; j += LANE) {
    if (ASC_FEATURE_SIMD) {
      v128.store(WINDOW + j, v128.xor(v128.load(WINDOW + j), gatherV(castagnoli, SLIDE + j)));
    } else {
      store<u64>(WINDOW + j, load<u64>(WINDOW + j) ^ gather64(castagnoli, SLIDE + j));
    }
  }
  return bitsUpdate(castagnoli, 0, WINDOW, rest);
}

// Bit-level reduction: the same identity with S(x) itself rather than S(x^8).
// A 64-bit little-endian word holds 64 consecutive message bits, the first
// in bit 0 (the CRCs are reflected), so "d bits later" is a left shift by
// d mod 64 into the word d / 64 ahead, spilling into the next one. Each
// word is reduced by shifts and XORs into pending values for the next five
// words, kept in locals; only the last K to K + 63 bits go to the tables.

/** Shortest input for which the bit-level reduction beats the tables. */
const BITS_MIN: usize = 64;

/**
 * Advances the raw register `c` over `[ptr, ptr+len)`, `len >= BITS_MIN`, by
 * bit-level reduction of all but the last K to K + 63 bits, then the tables.
 * The input is only read; `[ptr, ptr+len)` may overlap WINDOW.
 */
@inline function bitsUpdate(castagnoli: bool, c: u32, ptr: usize, len: usize): u32 {
  const K = castagnoli ? CAST_K : IEEE_K;
  const words = ((len << 3) - K) >> 6; // word j may go when 64j + 63 + K < 8·len
  let q0 = <u64>c, q1: u64 = 0, q2: u64 = 0, q3: u64 = 0, q4: u64 = 0;
  for (let p = ptr, end = ptr + (words << 3); p < end; p += 8) {
    const w = load<u64>(p) ^ q0;
    if (castagnoli) {
      // x^266 = x^143 + x^121 + x^88 + x^71 + 1: w moves 123, 145, 178, 195 and 266 bits on.
      q0 = q1 ^ (w << 59);
      q1 = q2 ^ (w >> 5) ^ (w << 17) ^ (w << 50);
      q2 = q3 ^ (w >> 47) ^ (w >> 14) ^ (w << 3);
      q3 = q4 ^ (w >> 61) ^ (w << 10);
      q4 = w >> 54;
    } else {
      // x^300 = x^155 + x^117 + x^89 + 1: w moves 145, 183, 211 and 300 bits on.
      q0 = q1;
      q1 = q2 ^ (w << 17) ^ (w << 55);
      q2 = q3 ^ (w >> 47) ^ (w >> 9) ^ (w << 19);
      q3 = q4 ^ (w >> 45) ^ (w << 44);
      q4 = w >> 20;
    }
  }
  // The rest, with what the reduced words pushed into it, through the tables.
  // It is K / 8 to K / 8 + 8 bytes (34 to 45): four words, a fifth when
  // whole, and one ending exactly at the end. All loads come before the
  // stores, as `ptr` may lie in WINDOW.
  const rest = len - (words << 3);
  const src = ptr + (words << 3);
  const w0 = load<u64>(src) ^ q0;
  const w1 = load<u64>(src, 8) ^ q1;
  const w2 = load<u64>(src, 16) ^ q2;
  const w3 = load<u64>(src, 24) ^ q3;
  const w4 = rest >= 40 ? load<u64>(src, 32) : 0;
  store<u64>(WINDOW + rest - 8, load<u64>(src + rest - 8));
  store<u64>(WINDOW, w0);
  store<u64>(WINDOW, w1, 8);
  store<u64>(WINDOW, w2, 16);
  store<u64>(WINDOW, w3, 24);
  // q4 is zero past the end, so bytes there are left as they are.
  if (rest >= 40) store<u64>(WINDOW, w4 ^ q4, 32);
  else store<u64>(WINDOW, load<u64>(WINDOW, 32) ^ q4, 32);
  return tableUpdate(castagnoli ? CRC32C_TABLES : CRC32_TABLES, 0, WINDOW, rest);
}

/** CRC-32 (IEEE) of `[ptr, ptr+len)` continuing from the finished value `crc`. */
export function crc32Update(crc: u32, ptr: usize, len: usize): u32 {
  if (len < BITS_MIN) return ~tableUpdate(CRC32_TABLES, ~crc, ptr, len);
  if (len < SPARSE_MIN) return ~bitsUpdate(false, ~crc, ptr, len);
  return ~sparseUpdate(false, ~crc, ptr, len);
}

/** CRC-32C (Castagnoli) of `[ptr, ptr+len)` continuing from the finished value `crc`. */
export function crc32cUpdate(crc: u32, ptr: usize, len: usize): u32 {
  if (len < BITS_MIN) return ~tableUpdate(CRC32C_TABLES, ~crc, ptr, len);
  if (len < SPARSE_MIN) return ~bitsUpdate(true, ~crc, ptr, len);
  return ~sparseUpdate(true, ~crc, ptr, len);
}
