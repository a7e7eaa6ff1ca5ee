// The packet exports of the WASM core: TCP segmentation, TCP reassembly and
// IP fragment reassembly. Stateful objects live in handle tables here; the
// JS side (core/js/packet_api.js) holds only the integer handles and is the only
// caller. Every export checks its handle and returns 0 or a negative code for
// a stale one instead of trapping.

import { TcpReassembler } from "./tcp_reassembler";
import { FragmentReassembler } from "./fragments";
import { segment, segmentedLength, segmentPayload } from "./segment";

/** A small area for results with more than one value, read by the JS side. */
const RESULT: usize = memory.data(64, 16);

/** The address of the result area (64 bytes). */
export function packet_result(): usize {
  return RESULT;
}

// ---- TCP segmentation -------------------------------------------------------

/** Output bytes for `len` payload bytes under the record at `params`, or a negative SEG_* code. */
export function tcp_segmented_length(params: usize, len: u32): f64 {
  return <f64>segmentedLength(params, len);
}

/** Payload bytes per packet under the record at `params`, or a negative SEG_* code. */
export function tcp_segment_payload(params: usize): i32 {
  return segmentPayload(params);
}

/** Emits the packets for `[payload, +len)` into `[out, +cap)`; returns their count or a SEG_* code. */
export function tcp_segment(params: usize, payload: usize, len: u32, out: usize, cap: u32): i32 {
  return segment(params, payload, len, out, cap);
}

// ---- TCP reassembly ---------------------------------------------------------

// Handles index an unmanaged table of pointers (0 marks a free slot), so the
// per-segment exports touch no managed object.
let tcpTable: usize = 0;
let tcpTableLen: i32 = 0;

@inline function tcpAt(h: i32): usize {
  if (h <= 0 || h > tcpTableLen) return 0;
  return load<usize>(tcpTable + (<usize>(h - 1) << alignof<usize>()));
}

/**
 * A reassembler for a stream whose next byte is `initialSeq`, holding at most
 * `cap` bytes (the largest window) in at most `maxRanges` out-of-order ranges.
 * Returns its handle, or 0 for limits out of range.
 */
export function tcp_reasm_new(initialSeq: u32, cap: u32, maxRanges: i32): i32 {
  if (cap == 0 || cap > (1 << 28) || maxRanges <= 0 || maxRanges > 65536) return 0;
  const r = changetype<usize>(TcpReassembler.create(initialSeq, cap, maxRanges));
  for (let k = 0; k < tcpTableLen; k++) {
    const slot = tcpTable + (<usize>k << alignof<usize>());
    if (load<usize>(slot) == 0) {
      store<usize>(slot, r);
      return k + 1;
    }
  }
  // No free slot: double the table. The new reassembler takes the first new slot.
  const index = tcpTableLen;
  const grown = max<i32>(16, tcpTableLen * 2);
  const width = alignof<usize>();
  const bytes = <usize>grown << width;
  tcpTable = tcpTable == 0 ? heap.alloc(bytes) : heap.realloc(tcpTable, bytes);
  memory.fill(tcpTable + (<usize>index << width), 0, <usize>(grown - index) << width);
  store<usize>(tcpTable + (<usize>index << width), r);
  tcpTableLen = grown;
  return index + 1;
}

/** Frees a reassembler and its buffer. */
export function tcp_reasm_free(h: i32): void {
  const p = tcpAt(h);
  if (p == 0) return;
  changetype<TcpReassembler>(p).destroy();
  store<usize>(tcpTable + (<usize>(h - 1) << alignof<usize>()), 0);
}

/**
 * Offers segment text; returns an INSERT_* status (or -1 for a bad handle)
 * and writes [new, duplicate, beyond-window] byte counts as u32 to the
 * result area.
 */
export function tcp_reasm_insert(h: i32, seq: u32, ptr: usize, len: u32): i32 {
  const p = tcpAt(h);
  if (p == 0) return -1;
  const r = changetype<TcpReassembler>(p);
  const status = r.insert(seq, ptr, len);
  store<u32>(RESULT, r.lastNew);
  store<u32>(RESULT, r.lastDup, 4);
  store<u32>(RESULT, r.lastBeyond, 8);
  return status;
}

/** Writes [nextSeq, readable, window, held, ranges] as u32 to the result area. */
export function tcp_reasm_state(h: i32): i32 {
  const p = tcpAt(h);
  if (p == 0) return -1;
  const r = changetype<TcpReassembler>(p);
  store<u32>(RESULT, r.nextSeq);
  store<u32>(RESULT, r.readable, 4);
  store<u32>(RESULT, r.window, 8);
  store<u32>(RESULT, r.held, 12);
  store<u32>(RESULT, <u32>r.count, 16);
  return 0;
}

/** Address of the first contiguous run of in-order bytes (0 for a bad handle). */
export function tcp_reasm_peek_ptr(h: i32): usize {
  const p = tcpAt(h);
  return p == 0 ? 0 : changetype<TcpReassembler>(p).peekPtr();
}

/** Length of that run. */
export function tcp_reasm_peek_len(h: i32): u32 {
  const p = tcpAt(h);
  return p == 0 ? 0 : changetype<TcpReassembler>(p).peekLen();
}

/** Marks up to `n` in-order bytes read; returns how many. */
export function tcp_reasm_consume(h: i32, n: u32): u32 {
  const p = tcpAt(h);
  return p == 0 ? 0 : changetype<TcpReassembler>(p).consume(n);
}

/** Writes up to `max` (at most 4) SACK blocks as u32 pairs to the result area; returns the count. */
export function tcp_reasm_sack(h: i32, max: i32): i32 {
  const p = tcpAt(h);
  if (p == 0) return -1;
  const r = changetype<TcpReassembler>(p);
  return r.sack(RESULT, min<i32>(max, 4));
}

// ---- IP fragment reassembly -------------------------------------------------

const fragmenters = new Array<FragmentReassembler | null>();

function fragAt(h: i32): FragmentReassembler | null {
  if (h <= 0 || h > fragmenters.length) return null;
  return unchecked(fragmenters[h - 1]);
}

/** A fragment reassembler with the given limits; returns its handle or 0. */
export function frag_new(maxDatagrams: i32, maxBytes: u32, timeoutMs: f64, maxFragments: i32): i32 {
  if (maxDatagrams <= 0 || maxDatagrams > 65536 || maxFragments <= 0 || maxFragments > 65536) {
    return 0;
  }
  if (!(timeoutMs > 0)) return 0;
  const f = new FragmentReassembler(maxDatagrams, maxBytes, timeoutMs, maxFragments);
  for (let k = 0, n = fragmenters.length; k < n; k++) {
    if (unchecked(fragmenters[k]) === null) {
      unchecked(fragmenters[k] = f);
      return k + 1;
    }
  }
  fragmenters.push(f);
  return fragmenters.length;
}

/** Frees a fragment reassembler and everything it holds. */
export function frag_free(h: i32): void {
  const f = fragAt(h);
  if (f === null) return;
  f.dispose();
  unchecked(fragmenters[h - 1] = null);
}

/**
 * Offers one IP packet at time `now` (ms); returns a FRAG_* code (-1 for a
 * bad handle). For FRAG_COMPLETE and FRAG_NOT_FRAGMENT the datagram is at
 * [frag_out_ptr, +frag_out_len) until the next call on this handle.
 */
export function frag_insert(h: i32, ptr: usize, len: u32, now: f64): i32 {
  const f = fragAt(h);
  if (f === null) return -1;
  return f.insert(ptr, len, now);
}

/** Address of the last output datagram. */
export function frag_out_ptr(h: i32): usize {
  const f = fragAt(h);
  return f === null ? 0 : f.outPtr;
}

/** Length of the last output datagram. */
export function frag_out_len(h: i32): u32 {
  const f = fragAt(h);
  return f === null ? 0 : f.outLen;
}

/** Drops timed-out datagrams; returns how many; writes [dropped, withFirstFragment] to the result area. */
export function frag_expire(h: i32, now: f64): i32 {
  const f = fragAt(h);
  if (f === null) return -1;
  const n = f.expire(now);
  store<u32>(RESULT, n);
  store<u32>(RESULT, f.expiredWithFirst, 4);
  return <i32>n;
}

/**
 * Writes [datagrams pending, bytes held, datagrams timed out, of those with
 * their first fragment] to the result area; the last two count since creation.
 */
export function frag_state(h: i32): i32 {
  const f = fragAt(h);
  if (f === null) return -1;
  store<u32>(RESULT, <u32>f.pending);
  store<u32>(RESULT, f.bytes, 4);
  store<u32>(RESULT, f.timedOutTotal, 8);
  store<u32>(RESULT, f.timeExceededTotal, 12);
  return 0;
}

/** The count of outcomes with FRAG_* code `code`. */
export function frag_counter(h: i32, code: i32): u32 {
  const f = fragAt(h);
  if (f === null || code < 0 || code >= f.counters.length) return 0;
  return unchecked(f.counters[code]);
}
