// IP fragment reassembly: IPv4 (RFC 791 §3.2, RFC 815) and IPv6 (RFC 8200
// §4.5), bounded so a flood of fragments cannot exhaust memory.
//
// Datagrams in reassembly are keyed by (source, destination, identification,
// protocol) for IPv4 and (source, destination, identification) for IPv6.
// Each keeps its fragments' data in a list sorted by offset, and the header of
// the first fragment (for IPv6, the unfragmentable part before the Fragment
// header), from which the datagram is rebuilt.
//
// Policy:
// - Overlapping fragments discard the whole datagram, for IPv6 as RFC 5722 §4
//   requires and for IPv4 too (RFC 791 allowed overlaps, but they only serve
//   evasion and teardrop-style attacks; Linux does the same since 4.19). The
//   datagram's key is remembered until its timeout so later fragments of it
//   are dropped as well ("including those not yet received").
// - An exact duplicate of a fragment already held is ignored (RFC 8200 §4.5
//   allows this).
// - Limits: datagrams in reassembly, fragments per datagram, and bytes held
//   across all of them. A fragment that would exceed one is refused (timed-out
//   datagrams are first expired); nothing already held is evicted.
// - A datagram not complete `timeoutMs` after its first fragment arrived is
//   dropped. Time is an argument: this code reads no clock.

import { inetSumLE } from "../checksum/inet";

// Outcomes (FRAG_*), shared with core/js/packet_api.js.
export const FRAG_HELD: i32 = 0; // stored; the datagram is not complete yet
export const FRAG_COMPLETE: i32 = 1; // the datagram is complete: see outPtr/outLen
export const FRAG_NOT_FRAGMENT: i32 = 2; // a whole datagram: passed through
export const FRAG_DUPLICATE: i32 = 3; // an exact duplicate, ignored
// Rejections.
export const FRAG_TRUNCATED: i32 = 4;
export const FRAG_BAD_VERSION: i32 = 5;
export const FRAG_BAD_HEADER_LENGTH: i32 = 6;
export const FRAG_BAD_TOTAL_LENGTH: i32 = 7;
export const FRAG_BAD_CHECKSUM: i32 = 8;
export const FRAG_RESERVED_FLAG: i32 = 9;
export const FRAG_EMPTY: i32 = 10;
export const FRAG_MISALIGNED: i32 = 11;
export const FRAG_TOO_BIG: i32 = 12;
export const FRAG_BAD_EXTENSION: i32 = 13;
export const FRAG_JUMBOGRAM: i32 = 14;
export const FRAG_OVERLAP: i32 = 15;
export const FRAG_INCONSISTENT: i32 = 16;
export const FRAG_DISCARDED: i32 = 17;
export const FRAG_TOO_MANY_FRAGMENTS: i32 = 18;
export const FRAG_TOO_MANY_DATAGRAMS: i32 = 19;
export const FRAG_OUT_OF_MEMORY: i32 = 20;
export const FRAG_INCOMPLETE_CHAIN: i32 = 21;
export const FRAG_OUTCOMES: i32 = 22;

const KEY_BYTES: usize = 40;
const MAX_V4_PAYLOAD: u32 = 65535 - 20;

class Fragment {
  constructor(public offset: u32, public len: u32, public ptr: usize) {}
  @inline get end(): u32 {
    return this.offset + this.len;
  }
}

class Datagram {
  key: usize = heap.alloc(KEY_BYTES);
  hash: u32 = 0;
  created: f64 = 0;
  /** Discarded for overlap: remembered only to drop its later fragments. */
  dead: bool = false;
  fragments: Array<Fragment> = new Array<Fragment>();
  /** Payload length, known once the last fragment arrived; -1 before. */
  total: i32 = -1;
  /** Payload bytes held. */
  held: u32 = 0;
  /** The first fragment's header (IPv4) or unfragmentable part (IPv6). */
  header: usize = 0;
  headerLen: u32 = 0;
  /** IPv6: offset in `header` of the Next Header byte that named the Fragment header. */
  nextHeaderAt: u32 = 0;
  /** IPv6: the Next Header value of the first fragment's Fragment header. */
  nextHeader: u8 = 0;

  /** Bytes this datagram holds, as charged against the budget. */
  @inline get cost(): u32 {
    return this.held + this.headerLen;
  }

  release(): void {
    const fragments = this.fragments;
    for (let k = 0, n = fragments.length; k < n; k++) heap.free(unchecked(fragments[k]).ptr);
    this.fragments = new Array<Fragment>();
    if (this.header) heap.free(this.header);
    this.header = 0;
    this.headerLen = 0;
    this.held = 0;
  }
}

/** One parsed fragment, handed from the parsers to `add`. */
class Parsed {
  v4: bool = true;
  offset: u32 = 0;
  len: u32 = 0;
  more: bool = false;
  data: usize = 0; // the fragment's payload
  headerLen: u32 = 0; // bytes of header to keep from a first fragment
  nextHeaderAt: u32 = 0;
  nextHeader: u8 = 0;
}

@inline function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

function hashKey(key: usize): u32 {
  // FNV-1a over the key's 40 bytes; only a filter before memory.compare.
  let h: u32 = 0x811c9dc5;
  for (let k: usize = 0; k < KEY_BYTES; k++) h = (h ^ load<u8>(key + k)) * 0x01000193;
  return h;
}

export class FragmentReassembler {
  datagrams: Array<Datagram | null>;
  /** Bytes held by all datagrams. */
  bytes: u32 = 0;
  /** Rejections and outcomes by FRAG_* code. */
  counters: StaticArray<u32> = new StaticArray<u32>(FRAG_OUTCOMES);
  /** The last completed datagram, owned until the next insert. */
  outPtr: usize = 0;
  outLen: u32 = 0;
  /** From the last expire: datagrams dropped, and of those, how many had their first fragment. */
  expiredCount: u32 = 0;
  expiredWithFirst: u32 = 0;
  /** Since creation, by any call: datagrams timed out, and of those, with their first fragment. */
  timedOutTotal: u32 = 0;
  timeExceededTotal: u32 = 0;
  key: usize = heap.alloc(KEY_BYTES);
  parsed: Parsed = new Parsed();

  constructor(
    public maxDatagrams: i32,
    public maxBytes: u32,
    public timeoutMs: f64,
    public maxFragments: i32,
  ) {
    this.datagrams = new Array<Datagram | null>(maxDatagrams);
  }

  /** Datagrams in reassembly (including discarded ones remembered). */
  get pending(): i32 {
    let n = 0;
    const all = this.datagrams;
    for (let k = 0, m = all.length; k < m; k++) if (unchecked(all[k]) !== null) n++;
    return n;
  }

  private count(outcome: i32): i32 {
    unchecked(this.counters[outcome]++);
    return outcome;
  }

  private releaseOutput(): void {
    if (this.outPtr) heap.free(this.outPtr);
    this.outPtr = 0;
    this.outLen = 0;
  }

  private drop(slot: i32): void {
    const d = unchecked(this.datagrams[slot])!;
    this.bytes -= d.cost;
    d.release();
    heap.free(d.key);
    unchecked(this.datagrams[slot] = null);
  }

  /** Drops datagrams older than the timeout; returns how many were incomplete. */
  expire(now: f64): u32 {
    let dropped: u32 = 0;
    let withFirst: u32 = 0;
    const all = this.datagrams;
    for (let k = 0, n = all.length; k < n; k++) {
      const d = unchecked(all[k]);
      if (d === null || !(now - d.created >= this.timeoutMs)) continue;
      if (!d.dead) {
        dropped++;
        if (d.header) withFirst++; // RFC 792 / RFC 8200 §4.5: ICMP Time Exceeded
      }
      this.drop(k);
    }
    this.expiredCount = dropped;
    this.expiredWithFirst = withFirst;
    this.timedOutTotal += dropped;
    this.timeExceededTotal += withFirst;
    return dropped;
  }

  /** Offers one IP packet `[ptr, ptr + len)` at time `now`; returns a FRAG_* code. */
  insert(ptr: usize, len: u32, now: f64): i32 {
    this.releaseOutput();
    if (len < 1) return this.count(FRAG_TRUNCATED);
    const version = load<u8>(ptr) >> 4;
    let r: i32;
    if (version == 4) r = this.parse4(ptr, len);
    else if (version == 6) r = this.parse6(ptr, len);
    else return this.count(FRAG_BAD_VERSION);
    if (r != FRAG_HELD) return this.count(r);
    return this.count(this.add(ptr, now));
  }

  private parse4(ptr: usize, len: u32): i32 {
    if (len < 20) return FRAG_TRUNCATED;
    const ihl = <u32>(load<u8>(ptr) & 15) << 2;
    if (ihl < 20) return FRAG_BAD_HEADER_LENGTH;
    if (ihl > len) return FRAG_TRUNCATED;
    const totalLen = be16(ptr + 2);
    if (totalLen < ihl) return FRAG_BAD_TOTAL_LENGTH;
    if (totalLen > len) return FRAG_TRUNCATED;
    // RFC 1071: a correct header sums to 0xFFFF.
    if (inetSumLE(ptr, ihl) != 0xffff) return FRAG_BAD_CHECKSUM; // either byte order
    const word = be16(ptr + 6);
    if (word & 0x8000) return FRAG_RESERVED_FLAG;
    const more = (word & 0x2000) != 0;
    const offset = (word & 0x1fff) << 3;
    if (!more && offset == 0) {
      this.passThrough(ptr, totalLen);
      return FRAG_NOT_FRAGMENT;
    }
    const n = totalLen - ihl;
    if (n == 0) return FRAG_EMPTY;
    if (more && (n & 7) != 0) return FRAG_MISALIGNED;
    if (offset + n > MAX_V4_PAYLOAD) return FRAG_TOO_BIG;
    const key = this.key;
    memory.fill(key, 0, KEY_BYTES);
    store<u8>(key, 4);
    store<u8>(key + 1, load<u8>(ptr + 9)); // protocol
    store<u16>(key + 2, load<u16>(ptr + 4)); // identification
    memory.copy(key + 4, ptr + 12, 8); // source, destination
    const f = this.parsed;
    f.v4 = true;
    f.offset = offset;
    f.len = n;
    f.more = more;
    f.data = ptr + ihl;
    f.headerLen = ihl;
    return FRAG_HELD;
  }

  private parse6(ptr: usize, len: u32): i32 {
    if (len < 40) return FRAG_TRUNCATED;
    const payloadLen = be16(ptr + 4);
    if (payloadLen == 0) return FRAG_JUMBOGRAM; // RFC 2675: cannot be fragmented
    const end: u32 = 40 + payloadLen;
    if (end > len) return FRAG_TRUNCATED;
    // Walk the unfragmentable part: Hop-by-Hop, Routing, Destination Options.
    let nh = load<u8>(ptr + 6);
    let nhAt: u32 = 6;
    let p: u32 = 40;
    while (nh != 44) {
      if (nh != 0 && nh != 43 && nh != 60) {
        this.passThrough(ptr, end);
        return FRAG_NOT_FRAGMENT;
      }
      if (p + 2 > end) return FRAG_BAD_EXTENSION;
      const size = (<u32>load<u8>(ptr + p + 1) + 1) << 3;
      if (p + size > end) return FRAG_BAD_EXTENSION;
      nh = load<u8>(ptr + p);
      nhAt = p;
      p += size;
    }
    if (p + 8 > end) return FRAG_BAD_EXTENSION;
    const word = be16(ptr + p + 2);
    const offset = word & 0xfff8;
    const more = (word & 1) != 0;
    const n = end - (p + 8);
    const f = this.parsed;
    f.v4 = false;
    f.offset = offset;
    f.len = n;
    f.more = more;
    f.data = ptr + p + 8;
    f.headerLen = p;
    f.nextHeaderAt = nhAt;
    f.nextHeader = load<u8>(ptr + p);
    if (!more && offset == 0) {
      // An atomic fragment (RFC 6946): reassembled on its own, never mixed
      // with fragments of the same identification.
      this.outLen = p + n;
      this.outPtr = heap.alloc(this.outLen);
      memory.copy(this.outPtr, ptr, p);
      memory.copy(this.outPtr + p, f.data, n);
      this.finish6(this.outPtr, p, nhAt, f.nextHeader, n);
      return FRAG_COMPLETE;
    }
    if (n == 0) return FRAG_EMPTY;
    if (more && (n & 7) != 0) return FRAG_MISALIGNED;
    if (offset == 0 && !chainComplete(f.data, n, f.nextHeader)) return FRAG_INCOMPLETE_CHAIN;
    // RFC 8200 §4.5: the reassembled Payload Length must fit 16 bits.
    if (p - 40 + offset + n > 65535) return FRAG_TOO_BIG;
    const key = this.key;
    memory.fill(key, 0, KEY_BYTES);
    store<u8>(key, 6);
    memory.copy(key + 4, ptr + p + 4, 4); // identification
    memory.copy(key + 8, ptr + 8, 32); // source, destination
    return FRAG_HELD;
  }

  private passThrough(ptr: usize, len: u32): void {
    this.outLen = len;
    this.outPtr = heap.alloc(len);
    memory.copy(this.outPtr, ptr, len);
  }

  /** Finds the datagram for `this.key`, or creates it; -1 when full. */
  private lookup(now: f64, create: bool): i32 {
    const hash = hashKey(this.key);
    const all = this.datagrams;
    let free = -1;
    for (let k = 0, n = all.length; k < n; k++) {
      const d = unchecked(all[k]);
      if (d === null) {
        if (free < 0) free = k;
      } else if (d.hash == hash && memory.compare(d.key, this.key, KEY_BYTES) == 0) {
        return k;
      }
    }
    if (!create || free < 0) return -1;
    const d = new Datagram();
    memory.copy(d.key, this.key, KEY_BYTES);
    d.hash = hash;
    d.created = now;
    unchecked(all[free] = d);
    return free;
  }

  /** Discards a datagram's data but remembers its key until it times out. */
  private kill(d: Datagram): void {
    this.bytes -= d.cost;
    d.release();
    d.dead = true;
  }

  private add(packet: usize, now: f64): i32 {
    const f = this.parsed;
    let slot = this.lookup(now, false);
    if (slot < 0) {
      if (this.expire(now) == 0 && this.pending >= this.maxDatagrams) {
        return FRAG_TOO_MANY_DATAGRAMS;
      }
      slot = this.lookup(now, true);
      if (slot < 0) return FRAG_TOO_MANY_DATAGRAMS;
    }
    const d = unchecked(this.datagrams[slot])!;
    if (d.dead) return FRAG_DISCARDED;
    if (now - d.created >= this.timeoutMs) {
      // Timed out but not yet expired: start over with this fragment.
      this.drop(slot);
      return this.add(packet, now);
    }

    // Where it goes, and whether it overlaps its neighbours.
    const fragments = d.fragments;
    const count = fragments.length;
    let at = count;
    while (at > 0 && unchecked(fragments[at - 1]).offset > f.offset) at--;
    const end = f.offset + f.len;
    if (at > 0) {
      const prev = unchecked(fragments[at - 1]);
      if (prev.offset == f.offset && prev.len == f.len) return FRAG_DUPLICATE;
      if (prev.end > f.offset) {
        this.kill(d);
        return FRAG_OVERLAP;
      }
    }
    if (at < count && unchecked(fragments[at]).offset < end) {
      this.kill(d);
      return FRAG_OVERLAP;
    }
    // The last fragment fixes the length; nothing may lie beyond it.
    if (!f.more) {
      if ((d.total >= 0 && <u32>d.total != end) || (count > 0 && unchecked(fragments[count - 1]).end > end)) {
        this.kill(d);
        return FRAG_INCONSISTENT;
      }
    } else if (d.total >= 0 && end > <u32>d.total) {
      this.kill(d);
      return FRAG_INCONSISTENT;
    }
    if (count >= this.maxFragments) return FRAG_TOO_MANY_FRAGMENTS;
    const cost = f.len + (f.offset == 0 ? f.headerLen : 0);
    if (<u64>this.bytes + <u64>cost > <u64>this.maxBytes) {
      if (count == 0) this.drop(slot);
      return FRAG_OUT_OF_MEMORY;
    }

    const data = heap.alloc(f.len);
    memory.copy(data, f.data, f.len);
    fragments.push(new Fragment(0, 0, 0)); // grow by one, then shift right
    for (let k = count; k > at; k--) unchecked(fragments[k] = fragments[k - 1]);
    unchecked(fragments[at] = new Fragment(f.offset, f.len, data));
    d.held += f.len;
    this.bytes += cost;
    if (!f.more) d.total = <i32>end;
    if (f.offset == 0) {
      d.header = heap.alloc(f.headerLen);
      d.headerLen = f.headerLen;
      memory.copy(d.header, packet, f.headerLen);
      d.nextHeaderAt = f.nextHeaderAt;
      d.nextHeader = f.nextHeader;
    }
    if (d.total < 0 || d.header == 0 || d.held != <u32>d.total) return FRAG_HELD;
    return this.complete(slot, d, f.v4);
  }

  private complete(slot: i32, d: Datagram, v4: bool): i32 {
    const total = <u32>d.total;
    // IPv4 Total Length, or IPv6 Payload Length (RFC 8200 §4.5), must fit 16 bits.
    if (d.headerLen + total - (v4 ? 0 : 40) > 65535) {
      this.kill(d);
      return FRAG_TOO_BIG;
    }
    const out = heap.alloc(d.headerLen + total);
    memory.copy(out, d.header, d.headerLen);
    const fragments = d.fragments;
    for (let k = 0, n = fragments.length; k < n; k++) {
      const g = unchecked(fragments[k]);
      memory.copy(out + d.headerLen + g.offset, g.ptr, g.len);
    }
    if (v4) {
      store<u16>(out + 2, bswap<u16>(<u16>(d.headerLen + total)));
      store<u16>(out + 6, load<u16>(out + 6) & bswap<u16>(0x4000)); // keep DF only
      store<u16>(out + 10, 0);
      store<u16>(out + 10, <u16>(~inetSumLE(out, d.headerLen) & 0xffff));
    } else {
      this.finish6(out, d.headerLen, d.nextHeaderAt, d.nextHeader, total);
    }
    this.outPtr = out;
    this.outLen = d.headerLen + total;
    this.drop(slot);
    return FRAG_COMPLETE;
  }

  /** Rewrites an IPv6 packet rebuilt without its Fragment header. */
  private finish6(out: usize, headerLen: u32, nhAt: u32, nextHeader: u8, n: u32): void {
    store<u8>(out + nhAt, nextHeader);
    store<u16>(out + 4, bswap<u16>(<u16>(headerLen - 40 + n)));
  }

  /** Frees everything. */
  dispose(): void {
    this.releaseOutput();
    const all = this.datagrams;
    for (let k = 0, n = all.length; k < n; k++) if (unchecked(all[k]) !== null) this.drop(k);
    heap.free(this.key);
  }
}

/**
 * Whether the extension headers that open a first fragment's data all end
 * within it (RFC 7112 §5: the first fragment carries the whole header
 * chain). Extension header types per RFC 7045; ESP, No Next Header and
 * upper-layer protocols end the chain.
 */
function chainComplete(data: usize, n: u32, nextHeader: u8): bool {
  let nh = nextHeader;
  let p: u32 = 0;
  while (true) {
    let size: u32;
    if (nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140) {
      if (p + 2 > n) return false;
      size = (<u32>load<u8>(data + p + 1) + 1) << 3;
    } else if (nh == 51) {
      if (p + 2 > n) return false;
      size = (<u32>load<u8>(data + p + 1) + 2) << 2; // AH (RFC 4302)
    } else if (nh == 44) {
      size = 8;
    } else {
      return true;
    }
    if (p + size > n) return false;
    nh = load<u8>(data + p);
    p += size;
  }
  return true;
}
