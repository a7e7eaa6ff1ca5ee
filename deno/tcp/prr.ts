/**
 * Proportional Rate Reduction (RFC 6937): how fast a sender sends while it
 * recovers from a loss. The congestion controller picks the new window
 * (ssthresh); PRR gets there over one round trip, sending about
 * ssthresh/RecoverFS segments for every segment the peer reports delivered,
 * instead of stopping dead for half a round trip (Reno's fast recovery) or
 * bursting. When the flight has fallen below ssthresh (more was lost than
 * the reduction), it grows back no faster than slow start (PRR-SSRB).
 *
 * @module
 */

/**
 * The PRR state of one recovery episode.
 *
 * @example Halving a 10-segment flight: one segment out per two delivered
 * ```ts
 * import { Prr } from "./prr.ts";
 * import assert from "node:assert/strict";
 * const prr = new Prr();
 * prr.start(10_000);
 * // The first ACK reports 1000 bytes delivered, 8000 still in flight; ssthresh 5000.
 * assert.equal(prr.onAck(1000, 8000, 5000, 1000), 8000 + 1000); // the fast retransmit
 * prr.onSend(1000);
 * assert.equal(prr.onAck(1000, 8000, 5000, 1000), 8000); // 2000 delivered: 1000 may go, sent already
 * ```
 */
export class Prr {
  /** Bytes delivered to the peer since recovery began (prr_delivered). */
  delivered: number = 0;
  /** Bytes sent since recovery began (prr_out). */
  out: number = 0;
  /** The flight when recovery began (RecoverFS). */
  recoverFs: number = 0;

  /** Recovery begins with `flight` bytes outstanding (RFC 6937 §3: RecoverFS = snd.nxt − snd.una). */
  start(flight: number): void {
    this.delivered = 0;
    this.out = 0;
    this.recoverFs = Math.max(flight, 1);
  }

  /**
   * An ACK during recovery (RFC 6937 §3, with RFC 6937bis's guarantee of
   * the first retransmission).
   *
   * @param deliveredData Bytes this ACK newly acknowledged or SACKed.
   * @param pipe Bytes in flight after the ACK.
   * @param ssthresh The controller's target window.
   * @param mss The sender's segment size.
   * @returns The window the sender obeys until the next ACK: pipe + sndcnt.
   */
  onAck(deliveredData: number, pipe: number, ssthresh: number, mss: number): number {
    this.delivered += deliveredData;
    let sndcnt: number;
    if (pipe > ssthresh) {
      // Proportional rate reduction, in whole segments (as Linux counts it), so
      // a fraction of a segment rounds up rather than stalling the sender.
      const target = this.delivered * ssthresh / this.recoverFs;
      sndcnt = Math.ceil(target / mss) * mss - this.out;
    } else {
      // Slow-start reduction bound (PRR-SSRB): no faster than slow start.
      const limit = Math.max(this.delivered - this.out, deliveredData) + mss;
      sndcnt = Math.min(ssthresh - pipe, limit);
    }
    sndcnt = Math.max(sndcnt, 0);
    // The fast retransmit always goes out on entering recovery.
    if (this.out === 0 && sndcnt === 0) sndcnt = mss;
    return pipe + sndcnt;
  }

  /** `bytes` were sent (new or retransmitted) during recovery. */
  onSend(bytes: number): void {
    this.out += bytes;
  }
}
