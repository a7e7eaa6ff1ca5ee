/**
 * The seam where congestion control plugs into the sender. The sender asks
 * its controller for a window and tells it about acknowledgements and
 * timeouts; nothing else in the sender knows about congestion. Until a later
 * issue brings Reno/CUBIC, {@link FixedWindow} is a plain fixed-window sender:
 * only the peer's receive window limits it.
 *
 * @module
 */

/** What a congestion controller sees of the sender, and what it decides. */
export interface CongestionController {
  /** A name for traces ("fixed", "reno"...). */
  readonly name: string;
  /** Bytes the sender may have in flight now (the congestion window). */
  window(): number;
  /** `bytes` of new data were cumulatively acknowledged at `now`. */
  onAck(bytes: number, now: number): void;
  /** A duplicate acknowledgement arrived at `now`. */
  onDuplicateAck(now: number): void;
  /** The retransmission timer fired at `now`. */
  onTimeout(now: number): void;
}

/**
 * No congestion control: a constant window (unbounded by default), so the
 * peer's advertised window alone limits the sender.
 *
 * @example
 * ```ts
 * import { FixedWindow } from "./congestion.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new FixedWindow(65535).window(), 65535);
 * ```
 */
export class FixedWindow implements CongestionController {
  /** Always "fixed". */
  readonly name = "fixed";
  readonly #window: number;

  /**
   * Makes a constant window.
   *
   * @param window The constant window in bytes (Infinity: no limit).
   * @throws {RangeError} If `window` is not positive.
   */
  constructor(window = Infinity) {
    if (!(window > 0)) throw new RangeError(`fixed window must be positive, got ${window}`);
    this.#window = window;
  }

  /** The constant window. */
  window(): number {
    return this.#window;
  }

  /** Ignored: the window does not change. */
  onAck(_bytes: number, _now: number): void {}

  /** Ignored: the window does not change. */
  onDuplicateAck(_now: number): void {}

  /** Ignored: the window does not change. */
  onTimeout(_now: number): void {}
}
