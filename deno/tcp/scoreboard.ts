/**
 * The sender's scoreboard (RFC 6675 §3, after Linux's retransmission queue):
 * one record per segment sent and not yet cumulatively acknowledged, in
 * sequence order, each in one of three states:
 *
 * ```
 *   SND.UNA                                                  SND.NXT
 *     |  flight  | lost |  flight  | sacked | flight | sacked |
 *     [----------)------)----------)--------)--------)--------)
 *                 ^ retransmitted next          ^ highest SACKed
 * ```
 *
 * - "flight": sent (or retransmitted) and neither acknowledged nor given up
 *   on: the network holds it;
 * - "sacked": the peer holds it (RFC 2018), so it is never sent again;
 * - "lost": the sender has decided the network dropped it (three duplicate
 *   ACKs, RFC 6675's IsLost, RACK, or a timeout) and will retransmit it,
 *   after which it is in flight again.
 *
 * So the bytes the network holds, RFC 6675's pipe, are the outstanding bytes
 * less the SACKed and the lost ones, kept as running counters.
 *
 * A record covers one segment as it was first sent and is retransmitted
 * whole, so a SACK block marks a record only when it covers all of it (a
 * receiver acknowledges the segments it got, and blocks fall on their
 * edges). A cumulative ACK inside a record trims it.
 *
 * @module
 */
import { seqAdd, seqGe, seqGt, seqLe, seqLt, seqSub } from "../wire/seq.ts";
import type { SackBlock } from "../wire/tcp.ts";

/**
 * DupThresh (RFC 5681 §3.2, RFC 6675 §2): three duplicate ACKs, or three
 * segments SACKed above a hole, mean it was lost; RACK defers to it until
 * it has seen reordering (RFC 8985 §6.2 Step 4).
 */
export const DUP_THRESH = 3;

/** Where a sent segment stands. */
export type SegmentState = "flight" | "sacked" | "lost";

/** One segment sent and not yet cumulatively acknowledged. */
export interface SentSegment {
  /** SEQ of its first byte. */
  start: number;
  /** SEQ after its last byte (a FIN counts as one). */
  end: number;
  /** Whether it carries the FIN (a record cut in two leaves it to the second piece). */
  fin: boolean;
  /** When it was last transmitted, ms. */
  sentAt: number;
  /** How many times it was retransmitted. */
  retransmits: number;
  /** In flight, SACKed or counted lost. */
  state: SegmentState;
}

/**
 * A sent segment's share of SND.UNA..SND.NXT, in bytes of sequence space.
 *
 * @param seg The segment.
 * @returns Its length (a FIN counts one).
 */
export function segmentLength(seg: SentSegment): number {
  return seqSub(seg.end, seg.start);
}

/** The data bytes of a segment record: its length less the FIN's one. */
export function dataLength(seg: SentSegment): number {
  return seqSub(seg.end, seg.start) - (seg.fin ? 1 : 0);
}

/**
 * What an acknowledgement delivered, as the scoreboard saw it.
 */
export interface Delivered {
  /**
   * Bytes newly acknowledged or SACKed, each byte once (RFC 6937's
   * DeliveredData): a byte SACKed earlier and now cumulatively acknowledged
   * is not counted again.
   */
  bytes: number;
  /** Bytes newly SACKed. */
  sacked: number;
  /** Segments newly SACKed. */
  sackedSegments: number;
}

/**
 * The scoreboard of one connection's sender.
 *
 * @example Two segments sent, the second SACKed: one byte range left in flight
 * ```ts
 * import { SendScoreboard } from "./scoreboard.ts";
 * import assert from "node:assert/strict";
 * const sb = new SendScoreboard();
 * sb.push(1000, 2000, 0, false);
 * sb.push(2000, 3000, 0, false);
 * const delivered = sb.sack([[2000, 3000]], 1000, () => {});
 * assert.equal(delivered.bytes, 1000);
 * assert.equal(sb.pipe, 1000);
 * ```
 */
export class SendScoreboard {
  // A deque: live records are #segs[#head..]; the front is compacted lazily.
  #segs: SentSegment[] = [];
  #head = 0;
  #outstanding = 0;
  #sacked = 0;
  #lost = 0;
  #sackedSegments = 0;
  /** Segments in flight that were retransmitted (their send times break sequence order). */
  #retransInFlight = 0;
  /** The index (from #head) below which no record is lost: where to look for the next. */
  #lostHint = 0;
  /** The end of the highest SACKed record, or null. */
  #highSacked: number | null = null;
  readonly #delivered: Delivered = { bytes: 0, sacked: 0, sackedSegments: 0 };

  /** Bytes sent and not cumulatively acknowledged (SND.NXT − SND.UNA, the SYN excluded). */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Bytes the peer has SACKed above SND.UNA. */
  get sackedBytes(): number {
    return this.#sacked;
  }

  /** Segments the peer has SACKed above SND.UNA. */
  get sackedSegments(): number {
    return this.#sackedSegments;
  }

  /**
   * Segments in flight that were retransmitted. While there are none, the
   * segments in flight were sent in sequence order, oldest first.
   */
  get retransmittedInFlight(): number {
    return this.#retransInFlight;
  }

  /** Bytes counted lost and not yet retransmitted. */
  get lostBytes(): number {
    return this.#lost;
  }

  /** Bytes the network holds: RFC 6675's pipe. */
  get pipe(): number {
    return this.#outstanding - this.#sacked - this.#lost;
  }

  /** The end of the highest SACKed segment (RFC 6675's highest SACKed octet + 1), or null. */
  get highSacked(): number | null {
    return this.#highSacked;
  }

  /** How many segments are outstanding. */
  get length(): number {
    return this.#segs.length - this.#head;
  }

  /**
   * The `i`-th outstanding segment from SND.UNA.
   *
   * @param i From 0 to {@link length} − 1.
   * @returns The segment record (live: the scoreboard changes it).
   */
  at(i: number): SentSegment {
    return this.#segs[this.#head + i];
  }

  /** The last segment sent (highest sequence), or null. */
  get last(): SentSegment | null {
    return this.length > 0 ? this.#segs[this.#segs.length - 1] : null;
  }

  /**
   * Records a segment sent for the first time, [start, end).
   *
   * @param start SEQ of its first byte: the previous segment's end.
   * @param end SEQ after its last byte.
   * @param now When it was sent, ms.
   * @param fin Whether it carries the FIN.
   */
  push(start: number, end: number, now: number, fin: boolean): void {
    this.#segs.push({ start, end, fin, sentAt: now, retransmits: 0, state: "flight" });
    this.#outstanding += seqSub(end, start);
  }

  /**
   * A cumulative ACK up to `ack`: drops every segment below it (trimming one
   * it ends inside), calling `visit` for each segment it delivers for the
   * first time (not SACKed before), before it is dropped.
   *
   * @returns What it delivered (a record reused by the next call).
   */
  acknowledge(ack: number, visit: (seg: SentSegment) => void): Delivered {
    const d = this.#reset();
    const segs = this.#segs;
    let i = this.#head;
    for (; i < segs.length; i++) {
      const seg = segs[i];
      if (seqLe(seg.end, ack)) {
        const len = seqSub(seg.end, seg.start);
        this.#outstanding -= len;
        if (seg.state === "sacked") {
          this.#sacked -= len;
          this.#sackedSegments--;
        } else {
          if (seg.state === "lost") this.#lost -= len;
          else if (seg.retransmits > 0) this.#retransInFlight--;
          d.bytes += len;
          visit(seg);
        }
        continue;
      }
      if (seqGt(ack, seg.start)) {
        // The ACK ends inside this segment: the front of it was delivered.
        const len = seqSub(ack, seg.start);
        this.#outstanding -= len;
        if (seg.state === "sacked") this.#sacked -= len;
        else {
          if (seg.state === "lost") this.#lost -= len;
          d.bytes += len;
        }
        seg.start = ack;
      }
      break;
    }
    const dropped = i - this.#head;
    this.#head = i;
    this.#lostHint = Math.max(0, this.#lostHint - dropped);
    if (this.#head === segs.length) {
      this.#segs = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= segs.length) {
      this.#segs = segs.slice(this.#head);
      this.#head = 0;
    }
    if (this.#highSacked !== null && seqLe(this.#highSacked, ack)) this.#highSacked = null;
    return d;
  }

  /**
   * SACK blocks from an ACK (RFC 2018): marks every outstanding segment a
   * block covers whole, calling `visit` for each newly SACKed one. Blocks
   * at or below `una` (D-SACK reports, RFC 2883) mark nothing.
   *
   * @returns What the blocks newly delivered (a record reused by the next call).
   */
  sack(blocks: readonly SackBlock[], una: number, visit: (seg: SentSegment) => void): Delivered {
    const d = this.#reset();
    for (const [left, right] of blocks) {
      if (seqLe(right, una) || !seqLt(left, right)) continue;
      for (let i = this.#find(left); i < this.#segs.length; i++) {
        const seg = this.#segs[i];
        if (seqGt(seg.end, right)) break;
        if (seqLt(seg.start, left) || seg.state === "sacked") continue;
        const len = seqSub(seg.end, seg.start);
        if (seg.state === "lost") this.#lost -= len;
        else if (seg.retransmits > 0) this.#retransInFlight--;
        seg.state = "sacked";
        this.#sacked += len;
        this.#sackedSegments++;
        d.bytes += len;
        d.sacked += len;
        d.sackedSegments++;
        if (this.#highSacked === null || seqGt(seg.end, this.#highSacked)) {
          this.#highSacked = seg.end;
        }
        visit(seg);
      }
    }
    return d;
  }

  /**
   * Counts an in-flight segment lost (it will be retransmitted).
   *
   * @returns Whether it was in flight (a SACKed or already-lost segment is left alone).
   */
  markLost(seg: SentSegment): boolean {
    if (seg.state !== "flight") return false;
    if (seg.retransmits > 0) this.#retransInFlight--;
    seg.state = "lost";
    this.#lost += seqSub(seg.end, seg.start);
    this.#lostHint = 0;
    return true;
  }

  /**
   * RFC 6675's IsLost for every segment: counts lost each one never
   * retransmitted that has `dupThresh` SACKed segments above it, or more than
   * (dupThresh − 1)·`mss` SACKed bytes above it (RFC 6675 §4). A segment
   * already retransmitted is left to RACK or the retransmission timer: this
   * rule cannot tell a lost retransmission from one still in flight.
   *
   * @returns The bytes newly counted lost.
   */
  markLostByDupThresh(dupThresh: number, mss: number): number {
    if (this.#sackedSegments === 0) return 0;
    let segsAbove = 0, bytesAbove = 0, marked = 0;
    for (let i = this.#segs.length - 1; i >= this.#head; i--) {
      const seg = this.#segs[i];
      if (seg.state === "sacked") {
        segsAbove++;
        bytesAbove += seqSub(seg.end, seg.start);
        continue;
      }
      const lost = segsAbove >= dupThresh || bytesAbove > (dupThresh - 1) * mss;
      if (lost && seg.retransmits === 0 && this.markLost(seg)) {
        marked += seqSub(seg.end, seg.start);
      }
    }
    return marked;
  }

  /**
   * Counts lost every segment not SACKed (after a retransmission timeout,
   * RFC 6675 §5.1 and RFC 5681 §3.1: everything in flight is sent again, in
   * order, as the window allows).
   *
   * @returns The bytes newly counted lost.
   */
  markAllLost(): number {
    let marked = 0;
    for (let i = this.#head; i < this.#segs.length; i++) {
      const seg = this.#segs[i];
      if (this.markLost(seg)) marked += seqSub(seg.end, seg.start);
    }
    return marked;
  }

  /** The lowest segment counted lost (RFC 6675 NextSeg rule 1), or null. */
  firstLost(): SentSegment | null {
    if (this.#lost === 0) return null;
    for (let i = this.#head + this.#lostHint; i < this.#segs.length; i++) {
      if (this.#segs[i].state === "lost") {
        this.#lostHint = i - this.#head;
        return this.#segs[i];
      }
    }
    return null;
  }

  /**
   * A lost segment was sent again at `now`: it is in flight once more.
   *
   * @param seg A segment of this scoreboard.
   */
  retransmitted(seg: SentSegment, now: number): void {
    if (seg.state === "sacked") return;
    if (seg.state === "lost") this.#lost -= seqSub(seg.end, seg.start);
    else if (seg.retransmits > 0) this.#retransInFlight--;
    seg.state = "flight";
    this.#retransInFlight++;
    seg.retransmits++;
    seg.sentAt = now;
  }

  /**
   * Cuts a segment in two at `at`, strictly inside it: it keeps [start, at),
   * and a record of [at, end) follows it with the same state, send time and
   * retransmissions. A super-segment (segment offload) is cut so that the
   * window takes a part of it, as Linux's `tcp_fragment` cuts an skb before
   * a retransmission; the FIN, if it has one, goes with the second piece.
   * A SACKed segment is not cut.
   *
   * @param seg A segment of this scoreboard.
   * @param at A sequence number inside its data.
   * @returns Whether it was cut.
   */
  split(seg: SentSegment, at: number): boolean {
    const dataEnd = seqAdd(seg.start, dataLength(seg));
    if (seg.state === "sacked" || !seqGt(at, seg.start) || !seqLt(at, dataEnd)) return false;
    const i = this.#find(seg.start);
    if (this.#segs[i] !== seg) return false;
    const { end, fin, sentAt, retransmits, state } = seg;
    this.#segs.splice(i + 1, 0, { start: at, end, fin, sentAt, retransmits, state });
    seg.end = at;
    seg.fin = false;
    // Both pieces are in flight again after a retransmission: each counts.
    if (state === "flight" && retransmits > 0) this.#retransInFlight++;
    return true;
  }

  /**
   * RFC 6675 NextSeg rule 3: the lowest segment in flight, never
   * retransmitted, below the highest SACKed one; or null. Sending it again
   * when there is neither lost nor new data keeps the ACK clock going.
   */
  rescueCandidate(): SentSegment | null {
    const high = this.#highSacked;
    if (high === null) return null;
    for (let i = this.#head; i < this.#segs.length; i++) {
      const seg = this.#segs[i];
      if (seqGe(seg.start, high)) break;
      if (seg.state === "flight" && seg.retransmits === 0) return seg;
    }
    return null;
  }

  /**
   * The SACKed ranges, merged where they touch, for traces.
   *
   * @returns [start, end) pairs in sequence order.
   */
  sackedRanges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = this.#head; i < this.#segs.length; i++) {
      const seg = this.#segs[i];
      if (seg.state !== "sacked") continue;
      const last = out[out.length - 1];
      if (last && last[1] === seg.start) last[1] = seg.end;
      else out.push([seg.start, seg.end]);
    }
    return out;
  }

  /** Forgets every segment (the connection is closing for good). */
  clear(): void {
    this.#segs = [];
    this.#head = 0;
    this.#outstanding =
      this.#sacked =
      this.#lost =
      this.#sackedSegments =
        0;
    this.#retransInFlight = 0;
    this.#lostHint = 0;
    this.#highSacked = null;
  }

  // The index of the first record whose end lies past `seq` (binary search).
  #find(seq: number): number {
    let lo = this.#head, hi = this.#segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqLe(this.#segs[mid].end, seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #reset(): Delivered {
    const d = this.#delivered;
    d.bytes = d.sacked = d.sackedSegments = 0;
    return d;
  }
}
