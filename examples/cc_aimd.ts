/**
 * A congestion controller to copy and change: plain AIMD (additive increase,
 * multiplicative decrease), the rule every TCP since 1988 builds on. Run it
 * and compare it with the built-in ones:
 *
 *     deno task socklab sim --cc examples/cc_aimd.ts --loss 1 --delay 10ms --svg aimd.svg
 *     deno task socklab sim --cc reno --loss 1 --delay 10ms --svg reno.svg
 *
 * The sender calls the five methods below (deno/tcp/congestion.ts says when)
 * and obeys `cwnd`; finding losses and retransmitting are the sender's. The
 * file's default export must make a fresh controller per connection.
 * Change INCREASE and DECREASE, or a rule, and look at the cwnd plot.
 *
 * @module
 */
import type { AckSample, CongestionController, CongestionSignal } from "../deno/tcp/congestion.ts";

/** Segments added per round trip in congestion avoidance (Reno: 1). */
const INCREASE = 1;
/** The share of the flight kept after a loss (Reno: 0.5, CUBIC: 0.7). */
const DECREASE = 0.5;

/** RFC 6928's initial window: min(10·MSS, max(2·MSS, 14600 bytes)). */
const initialWindow = (mss: number) => Math.min(10 * mss, Math.max(2 * mss, 14600));

/** AIMD with a tunable increase (segments per RTT) and decrease (share kept). */
export class Aimd implements CongestionController {
  readonly name = "aimd";
  cwnd = 0; // bytes; the sender never sends more than this unacknowledged
  ssthresh = Infinity; // bytes; below it, slow start
  #mss = 536;

  constructor(readonly increase = INCREASE, readonly decrease = DECREASE) {
    if (!(increase > 0)) throw new RangeError(`AIMD increase must be > 0, got ${increase}`);
    if (!(decrease > 0 && decrease < 1)) {
      throw new RangeError(`AIMD decrease must be between 0 and 1, got ${decrease}`);
    }
  }

  start(mss: number, _now: number): void {
    this.#mss = mss;
    this.cwnd = initialWindow(mss);
  }

  onAck(ack: AckSample): void {
    // RFC 7661: ACKs of a flight the application did not fill say nothing about the path.
    if (ack.appLimited) return;
    if (this.cwnd < this.ssthresh) {
      // Slow start (RFC 5681 §3.1): + up to one segment per ACK, doubling each round trip.
      this.cwnd += Math.min(ack.delivered, this.#mss);
    } else {
      // Congestion avoidance (RFC 5681 eq. 3, per byte): + INCREASE segments per window ACKed.
      this.cwnd += this.increase * this.#mss * ack.delivered / this.cwnd;
    }
  }

  onCongestion(signal: CongestionSignal, inFlight: number, _now: number): void {
    // Multiplicative decrease (RFC 5681 eq. 4): keep DECREASE of the flight, at least 2 segments.
    this.ssthresh = Math.max(inFlight * this.decrease, 2 * this.#mss);
    // A timeout means the ACK clock stopped: restart from one segment (RFC 5681 §3.1).
    // After duplicate ACKs, SACK or RACK, the sender's PRR (RFC 6937) eases cwnd down.
    if (signal === "rto") this.cwnd = this.#mss;
  }

  onRecoveryEnd(_now: number): void {
    this.cwnd = this.ssthresh; // RFC 6937 §3: continue from ssthresh
  }

  onIdle(_now: number): void {
    // RFC 5681 §4.1: after an idle spell the path may have changed; restart from at most IW.
    this.cwnd = Math.min(this.cwnd, initialWindow(this.#mss));
  }
}

/** What `--cc examples/cc_aimd.ts` loads: a fresh controller per connection. */
export default function aimd(): CongestionController {
  return new Aimd();
}
