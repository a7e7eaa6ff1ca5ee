// Types of _plain_js.js, the checksum benchmark's plain JavaScript baselines.

/** RFC 1071 Internet checksum, as the big-endian value to store in a header. */
export declare function inetChecksumJs(data: Uint8Array): number;
/** Slicing-by-8 CRC for a reflected polynomial; `crc` continues an earlier result. */
export declare function makeCrcJs(poly: number): (data: Uint8Array, crc?: number) => number;
/** CRC-32 (IEEE), plain JavaScript. */
export declare const crc32Js: (data: Uint8Array, crc?: number) => number;
/** CRC-32C (Castagnoli), plain JavaScript. */
export declare const crc32cJs: (data: Uint8Array, crc?: number) => number;
