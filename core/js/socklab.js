// @ts-self-types="./socklab.d.ts"
// The package's main entry: one core instantiated at import time (SIMD
// where the runtime validates it, scalar elsewhere, found beside this file)
// and its functions at module level. checksum.js and packet.js re-export
// parts of it; instantiate.js makes other cores and does nothing at import.

import { instantiate } from "./instantiate.js";

export { inetChecksumAdjust, instantiate, simdSupported } from "./instantiate.js";

const core = await instantiate();

/** Which build the module-level functions use: "simd" or "scalar". */
export const engine = core.engine;
/** RFC 1071 Internet checksum of the concatenation of `parts`, ready for a header. */
export const inetChecksum = core.inetChecksum;
/** A running RFC 1071 checksum, fed piece by piece. */
export const InetChecksum = core.InetChecksum;
/** CRC-32 (IEEE 802.3, zlib), chaining like zlib's `crc32(data, value)`. */
export const crc32 = core.crc32;
/** CRC-32C (Castagnoli), chaining like `crc32`. */
export const crc32c = core.crc32c;
/** Allocates a buffer inside core memory: checksums of it are zero-copy. */
export const alloc = core.alloc;
/** The class of buffers returned by `alloc`. */
export const CoreBuffer = core.CoreBuffer;
/** TCP segmentation offload in software: a stream into whole IP + TCP packets. */
export const segmentTcp = core.segmentTcp;
/** The bytes `segmentTcp` will write for a payload of a given length. */
export const tcpSegmentedLength = core.tcpSegmentedLength;
/** TCP receive reassembly bounded by the window, with SACK blocks. */
export const TcpReassembler = core.TcpReassembler;
/** IPv4 and IPv6 fragment reassembly with memory and time limits. */
export const FragmentReassembler = core.FragmentReassembler;
