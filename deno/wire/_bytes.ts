// Big-endian field access on a Uint8Array, for the views' accessors: plain
// byte arithmetic, cheaper than allocating a DataView for every packet.
// Every access is bounds-checked: reading past the end of a typed array
// yields undefined, which bit operations would silently turn into 0, so an
// out-of-bounds access throws a RangeError instead (the fuzz tests count on
// it: parsers may only ever throw WireError).

function check(bytes: Uint8Array, at: number, width: number): void {
  if (at < 0 || at + width > bytes.length) {
    throw new RangeError(
      `field of ${width} bytes at offset ${at} is outside the ${bytes.length}-byte buffer`,
    );
  }
}

/** The big-endian 16-bit number at `at`. */
export function get16(bytes: Uint8Array, at: number): number {
  check(bytes, at, 2);
  return (bytes[at] << 8) | bytes[at + 1];
}

/** The big-endian 32-bit number at `at`, unsigned. */
export function get32(bytes: Uint8Array, at: number): number {
  check(bytes, at, 4);
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** Stores `value` as a big-endian 16-bit number at `at`. */
export function set16(bytes: Uint8Array, at: number, value: number): void {
  check(bytes, at, 2);
  bytes[at] = value >>> 8;
  bytes[at + 1] = value;
}

/** Stores `value` as a big-endian 32-bit number at `at`. */
export function set32(bytes: Uint8Array, at: number, value: number): void {
  check(bytes, at, 4);
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}
