// Stands in for node:zlib in the browser bundle (see ../build.mjs): the core's
// CRC-32, which gives the same values as zlib's.
export { crc32 } from "../../../core/build/socklab.js";
