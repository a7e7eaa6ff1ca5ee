/**
 * Pacing: a sender that spreads its window over the round trip instead of
 * sending each ACK's allowance back to back. Unpaced slow start sends at
 * twice the bottleneck's rate in bursts, so the queue swings from empty to
 * full within every round and the delay that HyStart++ watches for (RFC
 * 9406 §4.2 recommends pacing) hides among the bursts until the queue
 * overflows. Paced, the queue grows only once the window passes the path's
 * capacity, and slow start ends before it drops packets.
 *
 * The rate follows Linux: ratio × cwnd / SRTT, with a ratio of 2 in slow
 * start and 1.2 after (`tcp_pacing_ss_ratio`, `tcp_pacing_ca_ratio`), and a
 * burst of about a millisecond's worth (at least two segments) may leave at
 * once, as Linux's TSO sizing allows.
 *
 * Linux wakes a paced sender with a high-resolution timer; an event loop's
 * timers come late (Deno's, on the machine measured, fire 2.2 ms after they
 * are set at the soonest). A sender that forgot the time it was kept waiting
 * would send a millisecond's worth per wake-up and lose the rest, pacing at
 * half its rate or less. So a late wake-up keeps the schedule: what fell due
 * while the sender waited may go at once, up to {@link MAX_LAG_MS} of it.
 * Linux makes the same allowance for its own jitter, on a smaller scale
 * (`tcp_update_skb_after_send`). Only a wake-up the pacer asked for, and
 * the sender still awaited ({@link Pacer.cancel}), earns this; idle time
 * does not.
 *
 * @module
 */

/** The pacing rate's multiple of cwnd/SRTT in slow start (Linux's tcp_pacing_ss_ratio). */
export const PACING_SS_RATIO = 2;
/** The multiple after slow start (Linux's tcp_pacing_ca_ratio). */
export const PACING_CA_RATIO = 1.2;
/** The burst allowed at once, in ms of the pacing rate. */
const BURST_MS = 1;
/** How far behind its schedule a late wake-up may find the sender and still let it catch up, ms. */
export const MAX_LAG_MS = 4;

/**
 * When the next segment may leave.
 *
 * @example 1000 bytes per ms: after a 3-segment burst the fourth waits
 * ```ts
 * import { Pacer } from "./pacing.ts";
 * import assert from "node:assert/strict";
 * const p = new Pacer();
 * const rate = 1000; // bytes per ms
 * let sent = 0;
 * while (p.waitUntil(0, rate, 1000) === null) p.sent(0, 1000, rate), sent++;
 * assert.equal(sent, 3); // a millisecond's worth and the 2-segment minimum
 * assert.equal(p.waitUntil(0, rate, 1000), 1);
 * ```
 */
export class Pacer {
  /** When everything sent so far has left at the pacing rate, ms. */
  #doneAt = -Infinity;
  /** When {@link Pacer.waitUntil} last asked to be woken, while it waits; else null. */
  #wakeAt: number | null = null;
  /** The time of the last late wake-up: what is sent then keeps the schedule. */
  #lateAt = NaN;

  /**
   * Whether a segment may leave at `now`: null if so, else when it may.
   *
   * @param now The time, ms.
   * @param rate The pacing rate, bytes per ms (Infinity: no pacing).
   * @param mss The segment size, for the smallest burst (two segments).
   */
  waitUntil(now: number, rate: number, mss: number): number | null {
    if (!(rate > 0) || rate === Infinity) return null;
    if (this.#wakeAt !== null && now > this.#wakeAt) this.#lateAt = now;
    const at = this.#doneAt - Math.max(BURST_MS, (2 * mss) / rate);
    this.#wakeAt = at <= now ? null : at;
    return this.#wakeAt;
  }

  /**
   * The sender is not waiting for the pacer any more (something else holds
   * it back, or it has nothing to send): a wake-up asked for is forgotten, so
   * a later send is not taken for it, come late.
   */
  cancel(): void {
    this.#wakeAt = null;
  }

  /** `bytes` left at `now`: they take bytes/rate of the sender's time. */
  sent(now: number, bytes: number, rate: number): void {
    if (!(rate > 0) || rate === Infinity) return;
    // After a late wake-up the schedule holds, up to MAX_LAG_MS behind; else
    // the time since the last segment left earns nothing beyond the burst.
    const from = now === this.#lateAt ? now - MAX_LAG_MS : now;
    this.#doneAt = Math.max(this.#doneAt, from) + bytes / rate;
  }
}
