/**
 * How wire parsing fails: every decoder in `deno/wire/` and `deno/pcap/`
 * throws a {@link WireError} for bytes that are not a valid packet of its
 * protocol, and nothing else for bad input. The message reads
 * "Cannot parse TCP segment: data offset is 3 words, expected at least 5";
 * `protocol` and `reason` let callers count rejections and trace them.
 *
 * Wrong argument shapes (not a `Uint8Array`) are programming errors and throw
 * `TypeError`; values that cannot be emitted throw `RangeError`.
 *
 * @module
 */

/** Bytes that are not a valid packet of the protocol being parsed. */
export class WireError extends SyntaxError {
  /** Always "WireError". */
  override name = "WireError";
  /** What was being parsed, such as "TCP segment" or "IPv4 packet". */
  readonly protocol: string;
  /** Why it was rejected, readable on its own ("data offset is 3 words, ..."). */
  readonly reason: string;

  /**
   * Makes the error "Cannot parse <protocol>: <reason>".
   * @param protocol What was being parsed ("TCP segment").
   * @param reason Why it is not valid.
   */
  constructor(protocol: string, reason: string) {
    super(`Cannot parse ${protocol}: ${reason}`);
    this.protocol = protocol;
    this.reason = reason;
  }
}

/** Throws a TypeError unless `bytes` is a Uint8Array. @internal */
export function checkBytes(fn: string, bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    const got = bytes === null
      ? "null"
      : typeof bytes === "object"
      ? (bytes as object).constructor?.name ?? "object"
      : typeof bytes;
    throw new TypeError(`${fn}(): expected a Uint8Array, got ${got}`);
  }
}

/** Throws a RangeError unless `value` is an integer in [min, max]. @internal */
export function checkInt(fn: string, name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${fn}(): ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
