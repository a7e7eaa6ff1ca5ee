/**
 * The receive buffer backed by the WASM core's {@link TcpReassembler}: the
 * out-of-order data of every socklab TCP connection is reassembled by the
 * core. Adapts the core's absolute sequence numbers to the offsets past
 * RCV.NXT that {@link ReceiveBuffer} speaks, on a private sequence space that
 * starts at 0, so it needs no ISN.
 *
 * @module
 */
import { TcpReassembler } from "../core_packet.ts";
import type { ReceiveBuffer } from "./buffers.ts";
import { seqAdd, seqSub } from "../wire/seq.ts";

/** The largest capacity of a {@link CoreReceiveBuffer}: 2^28 bytes (256 MiB), the core's limit. */
export const MAX_CORE_BUFFER: number = 2 ** 28;

/**
 * A {@link ReceiveBuffer} in WASM memory. Call {@link free} when done (the
 * core also frees it when the object is garbage-collected).
 *
 * @example
 * ```ts
 * import { CoreReceiveBuffer } from "./core_buffer.ts";
 * import assert from "node:assert/strict";
 * using rx = new CoreReceiveBuffer(16);
 * assert.equal(rx.insert(2, new Uint8Array([3])), 0);
 * assert.equal(rx.insert(0, new Uint8Array([1, 2])), 3);
 * assert.deepEqual(rx.read(9), new Uint8Array([1, 2, 3]));
 * ```
 */
export class CoreReceiveBuffer implements ReceiveBuffer, Disposable {
  readonly #core: TcpReassembler;
  readonly #capacity: number;

  /**
   * Allocates the buffer in core memory.
   *
   * @param capacity The buffer size in bytes.
   * @throws {RangeError} If `capacity` is not an integer from 1 to
   *   {@link MAX_CORE_BUFFER} (2^28, the largest window the core's
   *   reassembler takes).
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CORE_BUFFER) {
      throw new RangeError(
        `receive buffer capacity must be an integer from 1 to 2^28 (${MAX_CORE_BUFFER}) bytes, ` +
          `the largest window the core's TcpReassembler takes, got ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#core = new TcpReassembler({ initialSeq: 0, window: capacity });
  }

  /** Total size. */
  get capacity(): number {
    return this.#capacity;
  }

  /** In-order bytes ready to read. */
  get readable(): number {
    return this.#core.readable;
  }

  /** Whether out-of-order bytes are held. */
  get hasGaps(): boolean {
    return this.#core.outOfOrderBytes > 0;
  }

  /** Stores `data` at `offset` past RCV.NXT; returns how far RCV.NXT advances. */
  insert(offset: number, data: Uint8Array): number {
    if (data.length === 0) return 0;
    const before = this.#core.nextSeq;
    this.#core.insert(seqAdd(before, offset), data);
    return seqSub(this.#core.nextSeq, before);
  }

  /** The out-of-order ranges as offsets past RCV.NXT, most recently grown first. */
  sackBlocks(max: number): Array<[number, number]> {
    if (this.#core.outOfOrderBytes === 0) return [];
    const next = this.#core.nextSeq;
    return this.#core.sackBlocks(Math.min(max, 4)).map(([left, right]) => [
      seqSub(left, next),
      seqSub(right, next),
    ]);
  }

  /** Removes and returns up to `max` readable bytes. */
  read(max: number): Uint8Array {
    return this.#core.read(Math.min(max, this.#core.readable));
  }

  /** Moves up to `into.length` readable bytes into `into`; returns how many. */
  readInto(into: Uint8Array): number {
    return this.#core.readInto(into);
  }

  /** Releases the core memory. */
  free(): void {
    this.#core.free();
  }

  /** Same as {@link free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}
