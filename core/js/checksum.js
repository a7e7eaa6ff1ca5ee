// @ts-self-types="./checksum.d.ts"
// The checksum entry point: the Internet checksum, CRC-32 and CRC-32C of the
// core socklab.js instantiates at import, with its buffers.
export {
  alloc,
  CoreBuffer,
  crc32,
  crc32c,
  engine,
  InetChecksum,
  inetChecksum,
  inetChecksumAdjust,
} from "./socklab.js";
