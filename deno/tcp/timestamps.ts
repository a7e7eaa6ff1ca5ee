/**
 * The TCP timestamps option on one connection (RFC 7323 §3-5): the clock
 * this end stamps its segments with (TSval), the peer's most recent stamp
 * it echoes back (TS.Recent, in TSecr), and PAWS, which rejects a segment
 * whose stamp is older than one already accepted: an old duplicate from a
 * previous wrap of the sequence space.
 *
 * The clock ticks once a millisecond from a per-connection offset (RFC 7323
 * §7.1 recommends not revealing a host-wide clock). Times are the sans-IO
 * `now` the socket is handed, so a simulation stamps virtual time.
 *
 * @module
 */
import { seqGe, seqLe, seqLt, seqSub } from "../wire/seq.ts";

/** RFC 7323 §5.5: TS.Recent older than 24 days is no longer trusted by PAWS. */
export const PAWS_IDLE_LIMIT = 24 * 24 * 3_600_000;

/**
 * Timestamps state: the clock, TS.Recent and the PAWS test.
 *
 * @example Stamping, echoing and rejecting an old duplicate
 * ```ts
 * import { Timestamps } from "./timestamps.ts";
 * import assert from "node:assert/strict";
 * const ts = new Timestamps(1000);
 * assert.equal(ts.value(5.7), 1005);
 * ts.update(500, 1, 1, 0); // the peer's TSval 500 on a segment at Last.ACK.sent
 * assert.equal(ts.recent, 500);
 * assert.equal(ts.isStale(499, 10), true);
 * assert.equal(ts.echoedAt(1005, 30), 5); // an echo of our stamp at 5 ms
 * ```
 */
export class Timestamps {
  /** The offset added to the clock. */
  readonly offset: number;
  /** TS.Recent: the TSval to echo, or null before the peer's first. */
  recent: number | null = null;
  /** When TS.Recent was last set, ms. */
  #recentAt = 0;

  /**
   * Makes the state of one connection, with no TS.Recent yet.
   *
   * @param offset The connection's clock offset (any 32-bit value).
   */
  constructor(offset: number) {
    this.offset = offset >>> 0;
  }

  /** This end's TSval at `now` ms. */
  value(now: number): number {
    return (Math.floor(now) + this.offset) >>> 0;
  }

  /**
   * When a TSecr says the segment it answers was sent, in the socket's ms,
   * or null if it cannot be one of this end's stamps (zero, which RFC 7323
   * §3.2 lets a peer send before it has one, or a stamp from the future).
   */
  echoedAt(tsecr: number, now: number): number | null {
    if (tsecr === 0) return null;
    const ago = seqSub(this.value(now), tsecr);
    return ago < 0 ? null : Math.floor(now) - ago;
  }

  /**
   * RFC 7323 §5.3 R1 (PAWS): whether a segment stamped `tsval` is older than
   * TS.Recent, while TS.Recent is still valid.
   */
  isStale(tsval: number, now: number): boolean {
    if (this.recent === null || now - this.#recentAt > PAWS_IDLE_LIMIT) return false;
    return seqLt(tsval, this.recent);
  }

  /**
   * RFC 7323 §4.3: TS.Recent takes a segment's TSval when it is not older
   * than TS.Recent and the segment starts at or before Last.ACK.sent, the
   * ACK this end last sent (so delayed ACKs echo the earliest segment they
   * answer, and the peer's RTT includes the delay).
   *
   * @param tsval The segment's TSval.
   * @param seq The segment's SEQ.
   * @param lastAckSent The ACK field of the last segment this end sent.
   * @param now When the segment arrived, ms.
   */
  update(tsval: number, seq: number, lastAckSent: number, now: number): void {
    if (this.recent !== null && !seqGe(tsval, this.recent)) return;
    if (!seqLe(seq, lastAckSent)) return;
    this.recent = tsval;
    this.#recentAt = now;
  }

  /** Takes the TSval of the peer's SYN or SYN-ACK as TS.Recent. */
  fromSyn(tsval: number, now: number): void {
    this.recent = tsval;
    this.#recentAt = now;
  }
}
