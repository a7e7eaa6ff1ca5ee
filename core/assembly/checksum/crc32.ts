// Reflected CRC-32 with the conventional pre- and post-inversion, so that
// `crc(b, crc(a, 0)) == crc(a ++ b, 0)` exactly as zlib's crc32() chains.
//
// Two polynomials share one engine:
//   CRC-32   (IEEE 802.3, zlib, PNG)   reflected 0xEDB88320
//   CRC-32C  (Castagnoli, iSCSI, SCTP) reflected 0x82F63B78
//
// The engine is slicing-by-16: table k holds the CRC of a byte followed by k
// zero bytes, so sixteen independent lookups fold sixteen bytes at once.

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

/** Continues the CRC `crc` (a finished value, 0 to start) over `[ptr, ptr+len)`. */
export function crcUpdate(tables: usize, crc: u32, ptr: usize, len: usize): u32 {
  let c = ~crc;
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
  while (p < end) {
    c = t(tables, 0, c ^ load<u8>(p)) ^ (c >>> 8);
    p++;
  }
  return ~c;
}
