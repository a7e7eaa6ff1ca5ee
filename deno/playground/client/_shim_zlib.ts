// Stands in for node:zlib in the browser bundle (see ../build.mjs). The
// simulation never computes a CRC-32; checksum.ts's crc32() hands plain
// arrays to zlib's, which a browser lacks, so it says so if anything calls it.
export function crc32(): never {
  throw new Error("crc32: node:zlib is not in the playground's browser bundle");
}
