/**
 * RACK-TLP (RFC 8985), the time-based loss detection Linux uses by default.
 *
 * RACK ("recent acknowledgement") says a segment is lost when a segment
 * sent *after* it has been delivered and more than an RTT plus a
 * reordering window has passed since it was sent. Unlike counting three
 * duplicate ACKs, this finds a lost retransmission, a loss at the tail of a
 * short flight, and tolerates reordering by waiting a little (the reordering
 * window, which D-SACK reports of needless retransmissions widen).
 *
 * TLP ("tail loss probe") handles the case where nothing comes back at all:
 * two smoothed RTTs after the last send, one segment goes out (new data if
 * there is any, else the last segment again) to draw an ACK that RACK can
 * work with, instead of waiting for the retransmission timeout.
 *
 * This module keeps RACK's state and runs its steps over the sender's
 * {@link SendScoreboard}; the sender decides what to retransmit and tells the
 * congestion controller.
 *
 * @module
 */
import { seqGt, seqLt } from "../wire/seq.ts";
import { DUP_THRESH, segmentLength, type SendScoreboard, type SentSegment } from "./scoreboard.ts";

/** RFC 8985 §7.2: the worst-case delayed-ACK time added to a PTO for a single segment, ms. */
export const WC_DEL_ACK_T = 200;

/**
 * Whether a segment sent at `t1` ending at `seq1` was sent after one sent at
 * `t2` ending at `seq2` (RFC 8985 §6.2 RACK_sent_after: the sequence breaks ties).
 */
export function sentAfter(t1: number, seq1: number, t2: number, seq2: number): boolean {
  return t1 > t2 || (t1 === t2 && seqGt(seq1, seq2));
}

/**
 * RACK's state for one connection (RFC 8985 §6.1).
 *
 * @example A segment sent before a delivered one, and older than RTT + window, is lost
 * ```ts
 * import { Rack } from "./rack.ts";
 * import { SendScoreboard } from "./scoreboard.ts";
 * import assert from "node:assert/strict";
 * const sb = new SendScoreboard();
 * sb.push(0, 1000, 0, false);
 * sb.push(1000, 2000, 1, false);
 * const rack = new Rack();
 * rack.onRttSample(20);
 * sb.sack([[1000, 2000]], 0, (seg) => rack.delivered(seg, 21, null));
 * const { lost, timeout } = rack.detectLoss(sb, 40, { inRecovery: false, srtt: 20 });
 * assert.equal(lost, 1000);
 * assert.equal(timeout, null);
 * ```
 */
export class Rack {
  /** Send time of the most recently sent segment delivered (RACK.xmit_ts), ms. */
  xmitTs: number = -Infinity;
  /** End of that segment (RACK.end_seq). */
  endSeq: number = 0;
  /** The RTT measured on that segment (RACK.rtt), ms. */
  rtt: number = 0;
  /** The smallest RTT seen (RACK.min_RTT), ms. */
  minRtt: number = Infinity;
  /** The highest end delivered (RACK.fack), or null. */
  fack: number | null = null;
  /** Whether reordering has been observed (RACK.reordering_seen). */
  reorderingSeen: boolean = false;
  /** The reordering window, ms, as last computed (RACK.reo_wnd). */
  reoWnd: number = 0;
  #reoWndMult = 1;
  #reoWndPersist = 0;
  /** SND.NXT when a D-SACK last widened the window, or null (RACK.dsack_round). */
  #dsackRound: number | null = null;

  /** Takes an RTT sample for RACK.min_RTT. */
  onRttSample(rtt: number): void {
    if (rtt < this.minRtt) this.minRtt = rtt;
  }

  /**
   * RFC 8985 §6.2 Steps 2 and 3 for one newly delivered (acknowledged or
   * SACKed) segment: remembers the most recently sent one delivered, and
   * notes reordering when a segment never retransmitted is delivered below
   * the highest delivered sequence.
   *
   * @param seg The segment, before the scoreboard forgets it.
   * @param now When the ACK arrived, ms.
   * @param echoedAt When the ACK's timestamp echo says the acknowledged
   *   transmission was sent, ms, or null without timestamps.
   */
  delivered(seg: SentSegment, now: number, echoedAt: number | null): void {
    const rtt = now - seg.sentAt;
    // Step 2: an ACK of a retransmitted segment may be for the original: skip it
    // when the timestamp echo predates the retransmission, or the RTT is
    // implausibly short.
    const ambiguous = seg.retransmits > 0 &&
      ((echoedAt !== null && echoedAt < Math.floor(seg.sentAt)) || rtt < this.minRtt);
    if (!ambiguous && sentAfter(seg.sentAt, seg.end, this.xmitTs, this.endSeq)) {
      this.rtt = rtt;
      this.xmitTs = seg.sentAt;
      this.endSeq = seg.end;
    }
    // Step 3: detect reordering.
    if (this.fack === null || seqGt(seg.end, this.fack)) this.fack = seg.end;
    else if (seqLt(seg.end, this.fack) && seg.retransmits === 0) this.reorderingSeen = true;
  }

  /**
   * An ACK carried a D-SACK block (RFC 8985 §6.2 Step 4): the reordering
   * window grows by a quarter of min_RTT, once per round trip, and stays
   * wide for 16 recoveries.
   *
   * @param sndNxt SND.NXT now: the round ends when it is acknowledged.
   */
  onDsack(sndNxt: number): void {
    if (this.#dsackRound !== null) return;
    this.#dsackRound = sndNxt;
    this.#reoWndMult++;
    this.#reoWndPersist = 16;
  }

  /** SND.UNA advanced (ends a D-SACK round once past it). */
  onAckAdvanced(sndUna: number): void {
    if (this.#dsackRound !== null && !seqLt(sndUna, this.#dsackRound)) this.#dsackRound = null;
  }

  /** A recovery episode ended: after 16 without D-SACK, the window narrows again. */
  onRecoveryExit(): void {
    if (--this.#reoWndPersist <= 0) this.#reoWndMult = 1;
  }

  /**
   * RFC 8985 §6.2 Step 4: the reordering window, ms.
   *
   * @param inRecovery Whether the sender is in fast or RTO recovery.
   * @param sackedSegments Segments SACKed above SND.UNA.
   * @param srtt The smoothed RTT, ms, or null.
   */
  reorderingWindow(inRecovery: boolean, sackedSegments: number, srtt: number | null): number {
    // Before reordering is seen, RACK defers to the duplicate-ACK threshold.
    if (!this.reorderingSeen && (inRecovery || sackedSegments >= DUP_THRESH)) return 0;
    const minRtt = this.minRtt === Infinity ? 0 : this.minRtt;
    return Math.min(this.#reoWndMult * minRtt / 4, srtt ?? Infinity);
  }

  /**
   * RFC 8985 §6.2 Step 5: counts lost every segment in flight that was sent
   * before the most recently delivered one and is older than RACK.rtt plus
   * the reordering window.
   *
   * @returns The bytes newly counted lost, and in how many ms the next
   *   segment would be (the reordering timer), or null if none waits.
   */
  detectLoss(
    sb: SendScoreboard,
    now: number,
    ctx: { inRecovery: boolean; srtt: number | null },
  ): { lost: number; timeout: number | null } {
    this.reoWnd = this.reorderingWindow(ctx.inRecovery, sb.sackedSegments, ctx.srtt);
    if (this.xmitTs === -Infinity) return { lost: 0, timeout: null };
    const lostAfter = this.rtt + this.reoWnd;
    // Without retransmissions in flight, segments in flight were sent in
    // sequence order, so the scan stops at the first one sent after RACK.xmit_ts.
    const ordered = sb.retransmittedInFlight === 0;
    let lost = 0, timeout: number | null = null;
    for (let i = 0; i < sb.length; i++) {
      const seg = sb.at(i);
      if (seg.state !== "flight") continue;
      if (!sentAfter(this.xmitTs, this.endSeq, seg.sentAt, seg.end)) {
        if (ordered) break;
        continue;
      }
      const remaining = seg.sentAt + lostAfter - now;
      if (remaining <= 0) {
        if (sb.markLost(seg)) lost += segmentLength(seg);
      } else if (timeout === null || remaining > timeout) timeout = remaining;
    }
    return { lost, timeout };
  }

  /**
   * RFC 8985 §6.3: on a retransmission timeout, counts lost the segment at
   * SND.UNA and every segment in flight older than RACK.rtt plus the
   * reordering window (a segment sent just before the timeout may still
   * arrive).
   *
   * @returns The bytes newly counted lost.
   */
  markLossesOnRto(sb: SendScoreboard, now: number): number {
    const lostAfter = this.rtt + this.reoWnd;
    let lost = 0;
    for (let i = 0; i < sb.length; i++) {
      const seg = sb.at(i);
      if (seg.state !== "flight") continue;
      if ((i === 0 || seg.sentAt + lostAfter <= now) && sb.markLost(seg)) {
        lost += segmentLength(seg);
      }
    }
    return lost;
  }
}
