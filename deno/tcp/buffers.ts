/**
 * The byte buffers of a TCP connection: a send ring holding the bytes from
 * SND.UNA on, and a receive buffer that reassembles out-of-order segments.
 *
 * The receive side is an interface, {@link ReceiveBuffer}, so the WASM core's
 * reassembler can stand in for the plain-JS {@link RingReceiveBuffer} here.
 *
 * @module
 */

/** The memory a {@link ByteRing} starts with, at most its capacity. */
const RING_START = 64 * 1024;

/**
 * A byte ring (FIFO) of a fixed capacity. Its memory starts small and
 * doubles as bytes arrive, up to the capacity, so a connection with a large
 * send buffer costs memory only for what it holds (as Linux autotunes its
 * socket buffers).
 */
export class ByteRing {
  #buf: Uint8Array;
  readonly #capacity: number;
  #head = 0;
  #len = 0;

  /**
   * Makes an empty buffer.
   *
   * @param capacity The size in bytes.
   * @throws {RangeError} If `capacity` is not a positive integer.
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`buffer capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#buf = new Uint8Array(Math.min(capacity, RING_START));
  }

  /** The size in bytes. */
  get capacity(): number {
    return this.#capacity;
  }

  // Makes room for `n` bytes from the head, unrolling the ring into memory twice as large.
  #reserve(n: number): void {
    const old = this.#buf;
    if (n <= old.length) return;
    let size = old.length;
    while (size < n) size *= 2;
    const buf = new Uint8Array(Math.min(size, this.#capacity));
    const first = old.length - this.#head;
    buf.set(old.subarray(this.#head));
    buf.set(old.subarray(0, this.#head), first);
    this.#buf = buf;
    this.#head = 0;
  }

  /** The bytes held. */
  get length(): number {
    return this.#len;
  }

  /** The free space. */
  get free(): number {
    return this.#capacity - this.#len;
  }

  /** Appends as much of `data` as fits; returns how many bytes were taken. */
  push(data: Uint8Array): number {
    const n = Math.min(data.length, this.free);
    this.writeAt(this.#len, data.subarray(0, n));
    this.#len += n;
    return n;
  }

  /** Writes `data` at `offset` bytes past the head without changing the length. */
  writeAt(offset: number, data: Uint8Array): void {
    this.#reserve(offset + data.length);
    const cap = this.#buf.length;
    const start = (this.#head + offset) % cap;
    const first = Math.min(data.length, cap - start);
    this.#buf.set(data.subarray(0, first), start);
    if (first < data.length) this.#buf.set(data.subarray(first), 0);
  }

  /** Counts `n` bytes written past the end by {@link writeAt} as held. */
  grow(n: number): void {
    this.#len += n;
  }

  /**
   * `length` bytes from `offset` past the head: a view when they lie in one
   * piece (valid until the ring is next written), else a copy.
   */
  view(offset: number, length: number): Uint8Array {
    const cap = this.#buf.length;
    const start = (this.#head + offset) % cap;
    if (start + length <= cap) return this.#buf.subarray(start, start + length);
    return this.copy(offset, length);
  }

  /** A copy of `length` bytes from `offset` past the head. */
  copy(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.copyInto(offset, out);
    return out;
  }

  /** Copies `into.length` bytes from `offset` past the head into `into`. */
  copyInto(offset: number, into: Uint8Array): void {
    const cap = this.#buf.length;
    const start = (this.#head + offset) % cap;
    const first = Math.min(into.length, cap - start);
    into.set(this.#buf.subarray(start, start + first));
    if (first < into.length) into.set(this.#buf.subarray(0, into.length - first), first);
  }

  /** Drops `n` bytes from the head. */
  drop(n: number): void {
    const k = Math.min(n, this.#len);
    this.#head = (this.#head + k) % this.#buf.length;
    this.#len -= k;
  }
}

/**
 * The receive buffer of a connection: in-order bytes ready for the
 * application, followed by out-of-order segments waiting for the gaps before
 * them to fill. Offsets are counted from the end of the in-order bytes
 * (RCV.NXT).
 */
export interface ReceiveBuffer {
  /** Total size; the advertised window is what is free of it. */
  readonly capacity: number;
  /** In-order bytes ready to read. */
  readonly readable: number;
  /**
   * Stores `data` starting `offset` bytes past RCV.NXT (bytes beyond the
   * capacity are cut off). Returns how many bytes became readable, that is,
   * how far RCV.NXT advances.
   */
  insert(offset: number, data: Uint8Array): number;
  /** Removes and returns up to `max` readable bytes. */
  read(max: number): Uint8Array;
  /**
   * Moves up to `into.length` readable bytes into `into`; returns how many
   * (reading without allocating).
   */
  readInto(into: Uint8Array): number;
  /** Whether out-of-order bytes are held past a gap. */
  readonly hasGaps: boolean;
  /**
   * The out-of-order ranges held, as [start, end) offsets past RCV.NXT, the
   * most recently grown first (RFC 2018 §4's order for SACK blocks), at
   * most `max` of them.
   */
  sackBlocks(max: number): Array<[number, number]>;
}

/**
 * A plain-JS {@link ReceiveBuffer}: a byte ring plus a sorted list of the
 * out-of-order ranges held (like smoltcp's `Assembler`).
 *
 * @example A gap filled
 * ```ts
 * import { RingReceiveBuffer } from "./buffers.ts";
 * import assert from "node:assert/strict";
 * const rx = new RingReceiveBuffer(16);
 * assert.equal(rx.insert(2, new Uint8Array([3, 4])), 0);
 * assert.equal(rx.insert(0, new Uint8Array([1, 2])), 4);
 * assert.deepEqual(rx.read(10), new Uint8Array([1, 2, 3, 4]));
 * ```
 */
export class RingReceiveBuffer implements ReceiveBuffer {
  readonly #ring: ByteRing;
  /**
   * Out-of-order ranges [start, end, stamp) past the readable bytes, sorted,
   * disjoint; the stamp counts inserts, for the SACK blocks' order.
   */
  #ranges: Array<[number, number, number]> = [];
  #inserts = 0;

  /** @param capacity The size in bytes. */
  /** Makes an empty buffer. */
  constructor(capacity: number) {
    this.#ring = new ByteRing(capacity);
  }

  /** Total size. */
  get capacity(): number {
    return this.#ring.capacity;
  }

  /** In-order bytes ready to read. */
  get readable(): number {
    return this.#ring.length;
  }

  /** Whether out-of-order bytes are held. */
  get hasGaps(): boolean {
    return this.#ranges.length > 0;
  }

  /** Stores `data` at `offset` past RCV.NXT; returns how far RCV.NXT advances. */
  insert(offset: number, data: Uint8Array): number {
    const room = this.#ring.free - offset;
    if (room <= 0 || data.length === 0) return 0;
    const part = data.length > room ? data.subarray(0, room) : data;
    this.#ring.writeAt(this.#ring.length + offset, part);
    this.#add(offset, offset + part.length);
    const first = this.#ranges[0];
    if (first === undefined || first[0] !== 0) return 0;
    const advance = first[1];
    this.#ranges.shift();
    for (const r of this.#ranges) {
      r[0] -= advance;
      r[1] -= advance;
    }
    this.#ring.grow(advance);
    return advance;
  }

  #add(start: number, end: number): void {
    const stamp = ++this.#inserts;
    const out: Array<[number, number, number]> = [];
    let placed = false;
    for (const r of this.#ranges) {
      if (r[1] < start) out.push(r);
      else if (r[0] > end) {
        if (!placed) out.push([start, end, stamp]), placed = true;
        out.push(r);
      } else {
        start = Math.min(start, r[0]);
        end = Math.max(end, r[1]);
      }
    }
    if (!placed) out.push([start, end, stamp]);
    this.#ranges = out;
  }

  /** The out-of-order ranges as offsets past RCV.NXT, most recently grown first. */
  sackBlocks(max: number): Array<[number, number]> {
    return [...this.#ranges].sort((a, b) => b[2] - a[2]).slice(0, max).map((r) => [r[0], r[1]]);
  }

  /** Removes and returns up to `max` readable bytes. */
  read(max: number): Uint8Array {
    const n = Math.min(max, this.#ring.length);
    const out = this.#ring.copy(0, n);
    this.#ring.drop(n);
    return out;
  }

  /** Moves up to `into.length` readable bytes into `into`; returns how many. */
  readInto(into: Uint8Array): number {
    const n = Math.min(into.length, this.#ring.length);
    this.#ring.copyInto(0, into.subarray(0, n));
    this.#ring.drop(n);
    return n;
  }
}
