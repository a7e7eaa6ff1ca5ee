// Big-endian field access on a Uint8Array, for the views' accessors: plain
// byte arithmetic, cheaper than allocating a DataView for every packet.

/** The big-endian 16-bit number at `at`. */
export function get16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

/** The big-endian 32-bit number at `at`, unsigned. */
export function get32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** Stores `value` as a big-endian 16-bit number at `at`. */
export function set16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value;
}

/** Stores `value` as a big-endian 32-bit number at `at`. */
export function set32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}
