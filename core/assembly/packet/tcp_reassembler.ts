// TCP receive-side reassembly: an out-of-order buffer bounded by the receive
// window (RFC 9293 §3.10.7.4 "segment text"), with the SACK blocks a receiver
// advertises (RFC 2018 §4).
//
// The bytes live in one ring buffer of `cap` bytes, the largest window this
// receiver will ever offer. A byte with sequence number `s` always sits at
// ring index `(head + readable + (s - nextSeq)) % cap`, so in-order bytes,
// out-of-order bytes and the free space between them never move: reading
// advances `head`, absorbing an out-of-order range advances `nextSeq`.
//
//   head           nextSeq
//    |  readable     |   hole   | range |  hole  | range |      |
//    [---in order----)----------[-------)--------[-------)------)
//                    <------------- window = cap - readable ---->
//
// Out-of-order data is kept as a sorted list of disjoint, non-adjacent
// ranges (sequence numbers of their first byte and of the byte after their
// last), at most `maxRanges` of them, each stamped with the insert that last
// grew it so SACK blocks can be reported most recent first.
//
// Overlap policy: first copy wins. Bytes already held are never overwritten;
// a segment only fills the gaps it covers. Bytes before `nextSeq` have been
// (or may have been) delivered and cannot change, so keeping the first copy
// for out-of-order bytes too makes one rule hold for every byte: once
// received, a byte's value is final. A retransmission with different content
// (an IDS-evasion trick, Ptacek & Newsham 1998) cannot alter what the
// application reads.

import { seqDiff } from "./seq";

/** Some new bytes were stored (parts may also have been duplicate or beyond the window). */
export const INSERT_STORED: i32 = 0;
/** Nothing new: every byte was already held or already delivered. */
export const INSERT_DUPLICATE: i32 = 1;
/** Nothing new: the segment starts at or beyond the right edge of the window. */
export const INSERT_OUT_OF_WINDOW: i32 = 2;
/** Refused: it would open one more out-of-order range than allowed. */
export const INSERT_TOO_MANY_RANGES: i32 = 3;
/** The segment carried no data. */
export const INSERT_EMPTY: i32 = 4;

/**
 * The reassembler's state lives in unmanaged memory: no garbage collector
 * and no shadow stack on the per-segment path. Create with
 * {@link TcpReassembler.create}, release with {@link TcpReassembler.destroy}.
 */
@unmanaged
export class TcpReassembler {
  /** Counter of inserts, for SACK recency (64-bit: never wraps). */
  clock: u64;
  /** Sequence number of the next in-order byte (RCV.NXT). */
  nextSeq: u32;
  /** Ring index of the first unread in-order byte. */
  head: u32;
  /** In-order bytes not yet read. */
  readable: u32;
  /** Bytes held out of order. */
  held: u32;
  /** Ring buffer size: the largest window. */
  cap: u32;
  /** Out-of-order ranges in use, and at most. */
  count: i32;
  maxRanges: i32;
  /** Outcome of the last insert: new bytes, duplicate bytes, bytes beyond the window. */
  lastNew: u32;
  lastDup: u32;
  lastBeyond: u32;
  /** Ring buffer, `cap` bytes. */
  buf: usize;
  /** `maxRanges` 16-byte records: start and end sequence numbers (u32), stamp (u64). */
  ranges: usize;

  /** A reassembler expecting `nextSeq`, with a `cap`-byte ring and `maxRanges` ranges. */
  static create(nextSeq: u32, cap: u32, maxRanges: i32): TcpReassembler {
    const r = changetype<TcpReassembler>(heap.alloc(offsetof<TcpReassembler>()));
    r.clock = 0;
    r.nextSeq = nextSeq;
    r.head = 0;
    r.readable = 0;
    r.held = 0;
    r.cap = cap;
    r.count = 0;
    r.maxRanges = maxRanges;
    r.lastNew = 0;
    r.lastDup = 0;
    r.lastBeyond = 0;
    r.buf = heap.alloc(cap);
    r.ranges = heap.alloc(<usize>maxRanges << 4);
    return r;
  }

  /** Frees the ring, the range lists and the state itself. */
  destroy(): void {
    heap.free(this.buf);
    heap.free(this.ranges);
    heap.free(changetype<usize>(this));
  }

  @inline startAt(k: i32): u32 {
    return load<u32>(this.ranges + (<usize>k << 4));
  }

  @inline endAt(k: i32): u32 {
    return load<u32>(this.ranges + (<usize>k << 4), 4);
  }

  @inline stampAt(k: i32): u64 {
    return load<u64>(this.ranges + (<usize>k << 4), 8);
  }

  @inline setRange(k: i32, start: u32, end: u32, stamp: u64): void {
    const at = this.ranges + (<usize>k << 4);
    store<u32>(at, start);
    store<u32>(at, end, 4);
    store<u64>(at, stamp, 8);
  }

  /** Moves `n` ranges from index `from` to index `to` (overlap allowed). */
  @inline moveRanges(from: i32, to: i32, n: i32): void {
    if (n > 0) {
      memory.copy(this.ranges + (<usize>to << 4), this.ranges + (<usize>from << 4), <usize>n << 4);
    }
  }

  /** The receive window: free space after the in-order bytes. */
  @inline get window(): u32 {
    return this.cap - this.readable;
  }

  /** Offset of a stored range boundary from `nextSeq`. */
  @inline rel(seq: u32): u32 {
    return seq - this.nextSeq;
  }

  /** Copies `n` bytes from `src` to the ring at offset `rel` from `nextSeq`. */
  private copyIn(rel: u32, src: usize, n: u32): void {
    const cap = this.cap;
    const pos = (this.head + this.readable + rel) % cap;
    const first = min<u32>(n, cap - pos);
    memory.copy(this.buf + pos, src, first);
    if (n > first) memory.copy(this.buf, src + first, n - first);
  }

  /**
   * Offers the segment text `[src, src + len)` starting at sequence number
   * `seq`. Returns an INSERT_* status; `lastNew`, `lastDup` and `lastBeyond`
   * count its bytes by fate.
   */
  insert(seq: u32, src: usize, len: u32): i32 {
    this.lastNew = 0;
    this.lastDup = 0;
    this.lastBeyond = 0;
    if (len == 0) return INSERT_EMPTY;
    let start: u32 = 0;
    let skip: u32 = 0;
    const off = seqDiff(seq, this.nextSeq);
    if (off < 0) {
      // It begins before RCV.NXT: that part was delivered already.
      const old = this.nextSeq - seq;
      if (old >= len) {
        this.lastDup = len;
        return INSERT_DUPLICATE;
      }
      skip = old;
    } else {
      start = <u32>off;
    }
    let n = len - skip;
    const win = this.window;
    if (start >= win) {
      this.lastDup = skip;
      this.lastBeyond = n;
      return INSERT_OUT_OF_WINDOW;
    }
    if (<u64>start + <u64>n > <u64>win) {
      this.lastBeyond = start + n - win;
      n = win - start;
    }
    const end = start + n;
    src += skip;

    // Ranges [i, j) touch or overlap [start, end); ranges are sorted.
    const count = this.count;
    // Binary search: the first range ending at or after `start`.
    let i = 0;
    let hi = count;
    while (i < hi) {
      const mid = (i + hi) >>> 1;
      if (this.rel(this.endAt(mid)) < start) i = mid + 1;
      else hi = mid;
    }
    let j = i;
    while (j < count && this.rel(this.startAt(j)) <= end) j++;
    const touched = j - i;
    const mergedStart = touched > 0 ? min<u32>(start, this.rel(this.startAt(i))) : start;
    const mergedEnd = touched > 0 ? max<u32>(end, this.rel(this.endAt(j - 1))) : end;
    if (mergedStart > 0 && count - touched + 1 > this.maxRanges) {
      this.lastBeyond = 0;
      return INSERT_TOO_MANY_RANGES;
    }

    // Fill only the gaps: first copy wins.
    let fresh: u32 = 0;
    let cursor = start;
    for (let k = i; k < j && cursor < end; k++) {
      const rs = this.rel(this.startAt(k));
      const re = this.rel(this.endAt(k));
      if (rs > cursor) {
        const stop = min<u32>(rs, end);
        this.copyIn(cursor, src + (cursor - start), stop - cursor);
        fresh += stop - cursor;
      }
      if (re > cursor) cursor = re;
    }
    if (cursor < end) {
      this.copyIn(cursor, src + (cursor - start), end - cursor);
      fresh += end - cursor;
    }
    this.lastNew = fresh;
    this.lastDup = skip + (n - fresh);
    if (fresh == 0) return INSERT_DUPLICATE;

    // Replace ranges [i, j) by the merged one (or absorb it when in order).
    let removed: u32 = 0;
    for (let k = i; k < j; k++) {
      removed += this.endAt(k) - this.startAt(k);
    }
    const keep = mergedStart > 0 ? 1 : 0;
    const shift = touched - keep; // ranges after j move left by this much
    if (shift > 0) {
      // Close the gap left by the merged ranges.
      this.moveRanges(j, j - shift, count - j);
      this.count = count - shift;
    }
    if (keep) {
      if (shift < 0) {
        // A new range: make room at i.
        this.moveRanges(i, i + 1, count - i);
        this.count = count + 1;
      }
      this.setRange(i, this.nextSeq + mergedStart, this.nextSeq + mergedEnd, ++this.clock);
      this.held = this.held - removed + (mergedEnd - mergedStart);
    } else {
      this.held -= removed;
      this.readable += mergedEnd;
      this.nextSeq += mergedEnd;
    }
    return INSERT_STORED;
  }

  /** Pointer to the first contiguous run of readable bytes. */
  @inline peekPtr(): usize {
    return this.buf + this.head;
  }

  /** Length of that run (the ring may split the readable bytes in two). */
  @inline peekLen(): u32 {
    return min<u32>(this.readable, this.cap - this.head);
  }

  /** Marks `n` in-order bytes read (at most `readable`); returns how many. */
  consume(n: u32): u32 {
    n = min<u32>(n, this.readable);
    this.head = (this.head + n) % this.cap;
    this.readable -= n;
    return n;
  }

  /**
   * Writes up to `max` SACK blocks (left, right sequence numbers as u32
   * pairs) to `out`, most recently grown range first (RFC 2018 §4).
   */
  sack(out: usize, max: i32): i32 {
    const count = this.count;
    let written = 0;
    let bound: u64 = U64.MAX_VALUE; // stamps are unique: take them in decreasing order
    while (written < max) {
      let best = -1;
      let bestStamp: u64 = 0;
      for (let k = 0; k < count; k++) {
        const s = this.stampAt(k);
        if (s < bound && (best < 0 || s > bestStamp)) {
          best = k;
          bestStamp = s;
        }
      }
      if (best < 0) break;
      store<u32>(out + (<usize>written << 3), this.startAt(best));
      store<u32>(out + (<usize>written << 3), this.endAt(best), 4);
      bound = bestStamp;
      written++;
    }
    return written;
  }
}
