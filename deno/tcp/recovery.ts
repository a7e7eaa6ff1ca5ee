/**
 * The sender's loss recovery: everything between an ACK arriving and the
 * choice of what to send next, for one connection. It keeps the scoreboard
 * of segments sent ({@link SendScoreboard}), finds losses, tells the
 * congestion controller, and paces the recovery, in one of three modes a
 * learner can compare (`recovery` in the TCP settings):
 *
 * - **"newreno"** (RFC 5681 §3.2, RFC 6582): three duplicate ACKs mean the
 *   segment at SND.UNA was lost; during fast recovery each partial ACK
 *   (one that acknowledges some but not all data sent before the loss)
 *   means the next one was lost too. Each duplicate ACK counts one segment
 *   delivered (RFC 6937 §3's estimate without SACK, as Linux does).
 * - **"sack"** (RFC 6675): SACK blocks mark what the peer holds; a segment
 *   with three SACKed segments (or more than 2·SMSS SACKed bytes) above it
 *   is lost (IsLost); lost segments go first, then new data (NextSeg).
 * - **"rack"** (RFC 8985, the default, as in Linux): SACK plus time-based
 *   detection (RACK), a reordering window that D-SACK reports widen, and
 *   tail-loss probes (TLP) instead of waiting for the retransmission timer.
 *
 * Without SACK agreed in the handshake, every mode works as "newreno".
 *
 * In every mode the sending rate during fast recovery follows Proportional
 * Rate Reduction (RFC 6937, {@link Prr}), and a retransmission timeout starts
 * again from one segment in slow start ("loss" phase, RFC 5681 §3.1), sending
 * the segments counted lost in order as the window opens, never in a burst.
 * D-SACK (RFC 2883) and timestamps (RFC 7323) reveal needless
 * retransmissions, which are counted and traced.
 *
 * Like the socket, it never reads a clock: `now` is an argument.
 *
 * @module
 */
import type { CongestionController } from "./congestion.ts";
import type { RttEstimator } from "./rtt.ts";
import { Prr } from "./prr.ts";
import { Rack, WC_DEL_ACK_T } from "./rack.ts";
import { DUP_THRESH, segmentLength, SendScoreboard, type SentSegment } from "./scoreboard.ts";
import type { LossSignal, RecoveryPhase, TraceHook } from "./events.ts";
import type { SackBlock } from "../wire/tcp.ts";
import { seqGe, seqGt, seqLe, seqLt, seqSub } from "../wire/seq.ts";

/** How the sender finds and repairs losses. */
export type RecoveryMode = "newreno" | "sack" | "rack";

/** Every recovery mode, in the order of the RFCs that brought them. */
export const RECOVERY_MODES: readonly RecoveryMode[] = ["newreno", "sack", "rack"];

/** Counters of a sender's loss recovery (part of a socket's `stats`). */
export interface RecoveryStats {
  /** Fast-recovery episodes entered. */
  recoveries: number;
  /** Tail-loss probes sent. */
  tlpProbes: number;
  /** Losses a tail-loss probe repaired (a window reduction without an RTO). */
  tlpRecoveries: number;
  /** Retransmissions found needless, by D-SACK or timestamps. */
  spuriousRetransmissions: number;
  /** ACKs that carried a D-SACK block. */
  dsacksReceived: number;
}

/** Zeroed {@link RecoveryStats}. */
export function zeroRecoveryStats(): RecoveryStats {
  return {
    recoveries: 0,
    tlpProbes: 0,
    tlpRecoveries: 0,
    spuriousRetransmissions: 0,
    dsacksReceived: 0,
  };
}

/** One acceptable ACK, as the socket hands it to {@link LossRecovery.onAck}. */
export interface AckInfo {
  /** When it arrived, ms. */
  readonly now: number;
  /** SEG.ACK. */
  readonly ack: number;
  /** Whether it advanced SND.UNA. */
  readonly advanced: boolean;
  /**
   * Whether it is a duplicate ACK by RFC 5681 §2: no data, no SYN or FIN,
   * SEG.ACK = SND.UNA with data outstanding, and the same window.
   */
  readonly duplicate: boolean;
  /** Its SACK blocks (empty without SACK). */
  readonly sack: readonly SackBlock[];
  /** When the transmission its timestamp echo answers was sent, ms, or null. */
  readonly echoedAt: number | null;
  /** SND.NXT now. */
  readonly sndNxt: number;
  /** The peer's window, bytes (for traces). */
  readonly sndWnd: number;
}

/** What a timer of the loss recovery asks of the sender. */
export type RecoveryTimer = "tail-loss-probe" | "reorder";

/** Settings of a {@link LossRecovery}. */
export interface LossRecoveryOptions {
  /** The congestion controller. */
  readonly cc: CongestionController;
  /** The connection's RTT estimator (for SRTT). */
  readonly rtt: RttEstimator;
  /** The mode asked for (the effective one is "newreno" without SACK). */
  readonly mode: RecoveryMode;
  /** Where the counters go. */
  readonly stats: RecoveryStats;
  /** The trace hook, or null. */
  readonly trace: TraceHook | null;
  /** The connection's trace name ("addr:port"). */
  readonly name: () => string;
  /** The ISS, for sequence numbers relative to it in traces. */
  readonly iss: () => number;
  /** Whether the sender paces (told to the controller). */
  readonly paced?: boolean;
  /** How late the connection's timers may fire, ms (told to the controller; default 0). */
  readonly clockJitter?: number;
  /** The sender's segment offload (TSO) size, bytes, or 0 (told to the controller). */
  readonly segmentOffload?: number;
}

/** How many retransmissions are remembered for matching D-SACK reports. */
const RTX_LOG = 512;

/**
 * A sender's loss recovery.
 *
 * @example Three duplicate ACKs: fast retransmit of the segment at SND.UNA
 * ```ts
 * import { LossRecovery, zeroRecoveryStats } from "./recovery.ts";
 * import { Reno } from "./reno.ts";
 * import { RttEstimator } from "./rtt.ts";
 * import assert from "node:assert/strict";
 * const r = new LossRecovery({ cc: new Reno(), rtt: new RttEstimator(), mode: "newreno",
 *   stats: zeroRecoveryStats(), trace: null, name: () => "a", iss: () => 0 });
 * r.start(1000, 0, false, 0);
 * for (let s = 0; s < 5000; s += 1000) r.onSent(s, s + 1000, false, 0);
 * const dup = { now: 10, ack: 0, advanced: false, duplicate: true, sack: [], echoedAt: null,
 *   sndNxt: 5000, sndWnd: 65535 };
 * for (let i = 0; i < 3; i++) r.onAck(dup);
 * assert.equal(r.phase, "recovery");
 * assert.equal(r.nextRetransmission()?.start, 0);
 * ```
 */
export class LossRecovery {
  /** The segments sent and not yet acknowledged. */
  readonly scoreboard: SendScoreboard = new SendScoreboard();
  /** RACK's state (used in "rack" mode). */
  readonly rack: Rack = new Rack();
  /** The congestion controller. */
  readonly cc: CongestionController;
  readonly #rtt: RttEstimator;
  readonly #wanted: RecoveryMode;
  #mode: RecoveryMode;
  readonly #stats: RecoveryStats;
  readonly #trace: TraceHook | null;
  readonly #name: () => string;
  readonly #iss: () => number;
  readonly #paced: boolean;
  readonly #clockJitter: number;
  readonly #segmentOffload: number;
  readonly #prr = new Prr();

  #phase: RecoveryPhase = "open";
  #recoveryPoint = 0;
  /** SND.UNA when the last timeout struck, to hold ssthresh on a repeated one. */
  #lossUna: number | null = null;
  #dupAcks = 0;
  /** "newreno": bytes duplicate ACKs reported delivered since SND.UNA last moved. */
  #dupDelivered = 0;
  /** The window PRR allows during fast recovery, or null to follow cwnd. */
  #prrWindow: number | null = null;
  #mss = 536;
  #superSegment = 536;
  #round = 0;
  #roundEnd = 0;
  #appLimitedUntil: number | null = null;
  #lastSendAt: number | null = null;
  /** The peer's window as the last ACK gave it, for traces. */
  #sndWnd = 0;

  // Tail-loss probe (RFC 8985 §7).
  #tlpEnd: number | null = null;
  #tlpRetrans = false;
  /** The flight the probe went out into: the FlightSize of the loss it may repair. */
  #tlpFlight = 0;
  /** A probe waits for an RTT sample after the previous one (RFC 8985 §7.3). */
  #tlpAllowed = true;
  #ptoAt: number | null = null;
  #reorderAt: number | null = null;

  // Per-ACK scratch, set before the scoreboard visits delivered segments.
  #visitNow = 0;
  #visitEcho: number | null = null;
  #karnSentAt: number | null = null;
  #ackedRetransmission = false;
  #staleEcho = false;
  readonly #onDelivered = (seg: SentSegment) => this.#delivered(seg);

  // Recent retransmissions [start, end), to match D-SACK reports against.
  #rtxLog: Array<[number, number]> = [];

  /** Makes the recovery of one connection; nothing is sent until {@link start}. */
  constructor(options: LossRecoveryOptions) {
    this.cc = options.cc;
    this.#rtt = options.rtt;
    this.#wanted = this.#mode = options.mode;
    this.#stats = options.stats;
    this.#trace = options.trace;
    this.#name = options.name;
    this.#iss = options.iss;
    this.#paced = options.paced ?? false;
    this.#clockJitter = options.clockJitter ?? 0;
    this.#segmentOffload = options.segmentOffload ?? 0;
  }

  /** The phase: "open", "recovery" or "loss". */
  get phase(): RecoveryPhase {
    return this.#phase;
  }

  /** The mode in effect ("newreno" when SACK was not agreed). */
  get mode(): RecoveryMode {
    return this.#mode;
  }

  /** The window the sender obeys now, bytes: PRR's during fast recovery, else cwnd. */
  get window(): number {
    return this.#prrWindow ?? this.cc.cwnd;
  }

  /** Bytes in flight (RFC 6675 pipe; without SACK, less what duplicate ACKs reported). */
  get pipe(): number {
    return Math.max(0, this.scoreboard.pipe - this.#dupDelivered);
  }

  /** Round trips completed (see {@link AckSample.round}). */
  get round(): number {
    return this.#round;
  }

  /**
   * The connection is established: sending starts with segments of `mss`
   * bytes and the controller's initial window.
   *
   * @param mss The effective send MSS (options already taken off).
   * @param now The time, ms.
   * @param sack Whether both ends agreed on SACK.
   * @param sndNxt SND.NXT (the first round ends when it is acknowledged).
   */
  start(mss: number, now: number, sack: boolean, sndNxt: number): void {
    this.#mss = mss;
    // The socket cuts super-segments of whole segment sizes up to this
    // (socket.ts, #sendData; SACK blocks make the size smaller).
    this.#superSegment = Math.max(mss, this.#segmentOffload);
    this.#mode = sack ? this.#wanted : "newreno";
    this.#roundEnd = sndNxt;
    this.cc.start(mss, now);
    this.#traceCc(now);
  }

  /**
   * Processes one acceptable ACK: the scoreboard, loss detection, recovery
   * entry and exit, the controller, and the tail-loss probe.
   *
   * @returns The RTT it measured, ms (timestamps, else Karn's rule on a
   *   segment never retransmitted), or null.
   */
  onAck(a: AckInfo): number | null {
    const sb = this.scoreboard;
    const now = a.now;
    this.#sndWnd = a.sndWnd;
    const beforeLost = sb.lostBytes, beforeSacked = sb.sackedBytes;
    this.#visitNow = now;
    this.#visitEcho = a.echoedAt;
    this.#karnSentAt = null;
    this.#ackedRetransmission = false;
    this.#staleEcho = false;

    const dsack = a.sack.length > 0 && this.#checkDsack(a, now);
    let delivered = 0;
    if (a.advanced) {
      delivered += sb.acknowledge(a.ack, this.#onDelivered).bytes;
      // Without SACK, what duplicate ACKs reported delivered was counted then.
      delivered = Math.max(0, delivered - this.#dupDelivered);
      this.#dupDelivered = 0;
      this.rack.onAckAdvanced(a.ack);
    }
    // Karn's rule (RFC 6298 §3): no sample from an ACK that covers a retransmission.
    const karnCumulative = this.#ackedRetransmission ? null : this.#karnSentAt;
    // An echo older than a retransmission this ACK covers answers an earlier
    // copy (whose own ACK was lost): as an RTT it would span the backoff.
    const staleEcho = this.#staleEcho;
    this.#karnSentAt = null;
    // A SACK-only ACK echoes the stamp of the last in-order segment, which
    // says nothing about the segments it SACKs.
    this.#visitEcho = null;
    let newlySacked = 0;
    if (this.#mode !== "newreno" && a.sack.length > 0) {
      const d = sb.sack(dsack ? a.sack.slice(1) : a.sack, a.ack, this.#onDelivered);
      delivered += d.bytes;
      newlySacked = d.sacked;
    }

    // An RTT sample: the timestamp echo of an ACK that advances SND.UNA (RFC
    // 7323 §4.1), else the newest segment it delivered that was sent once
    // (cumulatively, or by SACK as Linux also samples).
    let rtt: number | null = null;
    if (a.advanced && a.echoedAt !== null && !staleEcho) rtt = now - a.echoedAt;
    else if (karnCumulative !== null) rtt = now - karnCumulative;
    else if (this.#karnSentAt !== null) rtt = now - this.#karnSentAt;
    if (rtt !== null) {
      this.rack.onRttSample(rtt);
      this.#tlpAllowed = true;
    }
    if (a.advanced && seqGe(a.ack, this.#roundEnd)) {
      this.#round++;
      this.#roundEnd = a.sndNxt;
    }

    // Duplicate ACKs: without SACK, RFC 5681 §2's; with it, RFC 6675 §2's
    // DupAck, an ACK that SACKs something new (a D-SACK of a duplicate, say,
    // is not one).
    if (a.advanced) this.#dupAcks = 0;
    else if (this.#mode === "newreno" ? a.duplicate : newlySacked > 0) {
      this.#dupAcks++;
      if (this.#mode === "newreno") {
        // Each duplicate ACK means a segment left the network (RFC 6937 §3).
        const room = Math.max(0, sb.outstanding - this.#mss - this.#dupDelivered);
        const counted = Math.min(this.#mss, room);
        this.#dupDelivered += counted;
        delivered += counted;
      }
    }

    // Recovery ends once the recovery point is acknowledged (RFC 6582 §3.2
    // step 5, RFC 6675 §5 step 4; after a timeout, RFC 8985 §6.3).
    if (this.#phase !== "open" && a.advanced && seqGe(a.ack, this.#recoveryPoint)) {
      this.#exit(now, "recovery point acknowledged");
    }
    const signal = this.#detect(a, delivered, dsack);
    if (signal !== null && this.#phase === "open") this.#enter(now, signal, a.sndNxt);

    if (this.#phase === "recovery") {
      if (Number.isFinite(this.cc.ssthresh)) {
        this.#prrWindow = this.#prr.onAck(delivered, this.pipe, this.cc.ssthresh, this.#mss);
      }
    } else if (a.advanced && delivered > 0) {
      const appLimited = this.#appLimitedUntil !== null && seqLe(a.ack, this.#appLimitedUntil);
      if (!appLimited) this.#appLimitedUntil = null;
      this.cc.onAck({
        now,
        delivered,
        inFlight: this.pipe,
        rtt,
        minRtt: this.rack.minRtt === Infinity ? null : this.rack.minRtt,
        srtt: this.#rtt.srtt,
        appLimited,
        round: this.#round,
        mss: this.#mss,
        superSegment: this.#superSegment,
        paced: this.#paced,
        clockJitter: this.#clockJitter,
      });
    }

    this.#tlpOnAck(a, dsack, now);
    if (a.advanced) this.#armPto(now);
    if (sb.outstanding === 0) this.#ptoAt = this.#reorderAt = null;
    if (this.#trace) {
      if (sb.lostBytes !== beforeLost || sb.sackedBytes !== beforeSacked) {
        this.#traceScoreboard(now);
      }
      this.#traceCc(now);
    }
    return rtt;
  }

  // Finds losses by the mode's rules; returns what found a new episode's first, or null.
  #detect(a: AckInfo, delivered: number, dsack: boolean): LossSignal | null {
    const sb = this.scoreboard;
    if (sb.length === 0) return null;
    switch (this.#mode) {
      case "newreno":
        if (this.#phase === "open" && this.#dupAcks === DUP_THRESH) {
          // Fast retransmit (RFC 5681 §3.2 step 2).
          sb.markLost(sb.at(0));
          return "dupacks";
        }
        if (this.#phase === "recovery" && a.advanced) {
          // A partial ACK: the next hole is lost too (RFC 6582 §3.2 step 5).
          sb.markLost(sb.at(0));
        }
        return null;
      case "sack": {
        const marked = sb.markLostByDupThresh(DUP_THRESH, this.#mss);
        if (this.#phase !== "open") return null;
        if (this.#dupAcks >= DUP_THRESH && sb.lostBytes === 0) sb.markLost(sb.at(0));
        return marked > 0 || this.#dupAcks >= DUP_THRESH ? "sack" : null;
      }
      case "rack": {
        if (delivered === 0 && !dsack) return null;
        return this.#rackDetect(a.now) ? "rack" : null;
      }
    }
  }

  // RACK's loss detection and its reordering timer; true if something was marked lost.
  #rackDetect(now: number): boolean {
    const { lost, timeout } = this.rack.detectLoss(this.scoreboard, now, {
      inRecovery: this.#phase !== "open",
      srtt: this.#rtt.srtt,
    });
    this.#reorderAt = timeout === null ? null : now + timeout;
    return lost > 0;
  }

  /**
   * A D-SACK report (RFC 2883 §4): the first block lies below the
   * cumulative ACK, or inside the second block. It means the peer received
   * those bytes twice; if this sender had retransmitted them, the
   * retransmission was needless.
   */
  #checkDsack(a: AckInfo, now: number): boolean {
    const [left, right] = a.sack[0];
    const second = a.sack[1];
    const isDsack = seqLe(right, a.ack) ||
      (second !== undefined && seqGe(left, second[0]) && seqLe(right, second[1]));
    if (!isDsack) return false;
    this.#stats.dsacksReceived++;
    this.rack.onDsack(a.sndNxt);
    // One D-SACK block reports one duplicate arrival: one needless transmission.
    const i = this.#rtxLog.findIndex(([start, end]) => seqGe(start, left) && seqLe(end, right));
    if (i >= 0) {
      const [start, end] = this.#rtxLog[i];
      this.#rtxLog.splice(i, 1);
      this.#spurious(now, start, end, "D-SACK");
    }
    return true;
  }

  // A segment delivered for the first time by this ACK (cumulatively or by
  // SACK; the timestamp echo is set only for the cumulative part).
  #delivered(seg: SentSegment): void {
    if (seg.retransmits > 0) {
      this.#ackedRetransmission = true;
      // The echo predates the retransmission: the original arrived (Eifel, RFC 3522).
      if (this.#visitEcho !== null && this.#visitEcho < Math.floor(seg.sentAt)) {
        this.#staleEcho = true;
        this.#forgetRetransmission(seg.start, seg.end);
        this.#spurious(this.#visitNow, seg.start, seg.end, "timestamps");
      }
    } else if (this.#karnSentAt === null || seg.sentAt > this.#karnSentAt) {
      this.#karnSentAt = seg.sentAt;
    }
    if (this.#mode === "rack") this.rack.delivered(seg, this.#visitNow, this.#visitEcho);
  }

  #spurious(now: number, start: number, end: number, by: "D-SACK" | "timestamps"): void {
    this.#stats.spuriousRetransmissions++;
    const iss = this.#iss();
    this.#trace?.({
      kind: "spurious",
      time: now,
      endpoint: this.#name(),
      range: [seqSub(start, iss) >>> 0, seqSub(end, iss) >>> 0],
      detectedBy: by,
    });
  }

  // Counted already: a later D-SACK of these bytes is the same needless copy.
  #forgetRetransmission(start: number, end: number): void {
    this.#rtxLog = this.#rtxLog.filter(([s, e]) => s !== start || e !== end);
  }

  /**
   * FlightSize for a controller's multiplicative decrease: the data
   * outstanding (RFC 5681 §3.1), but never more than cwnd. After a
   * recovery with many losses, SACKed bytes above the remaining holes keep
   * SND.NXT − SND.UNA far above what the network holds, and halving that
   * would raise ssthresh instead of lowering it (Linux halves cwnd).
   */
  #flightSize(outstanding = this.scoreboard.outstanding): number {
    return Math.min(outstanding, this.cc.cwnd);
  }

  // Fast recovery begins: the controller reduces, PRR paces (RFC 6675 §5 step 4).
  #enter(now: number, signal: LossSignal, sndNxt: number): void {
    this.#phase = "recovery";
    this.#recoveryPoint = sndNxt;
    this.cc.onCongestion("fast", this.#flightSize(), now);
    this.#prr.start(this.scoreboard.outstanding);
    this.#prrWindow = null;
    this.#tlpEnd = null;
    this.#stats.recoveries++;
    this.#traceRecovery(now, "enter", "recovery", signal);
  }

  #exit(now: number, reason: "recovery point acknowledged"): void {
    const phase = this.#phase as "recovery" | "loss";
    if (phase === "recovery") this.cc.onRecoveryEnd(now);
    this.rack.onRecoveryExit();
    this.#phase = "open";
    this.#prrWindow = null;
    this.#dupAcks = 0;
    this.#lossUna = null;
    this.#traceRecovery(now, "exit", phase, reason);
  }

  /**
   * The retransmission timer fired (RFC 6298 §5.5, RFC 5681 §3.1): the
   * controller falls back to the loss window, segments in flight are
   * counted lost (in "rack" mode only those RACK deems old enough, RFC 8985
   * §6.3), and they go out again in order as slow start opens the window.
   *
   * @param sndUna SND.UNA.
   * @param sndNxt SND.NXT: the recovery point of the loss phase.
   */
  onRto(now: number, sndUna: number, sndNxt: number): void {
    const sb = this.scoreboard;
    // A repeated timeout of the same data holds ssthresh (RFC 5681 §3.1).
    const repeated = this.#phase === "loss" && this.#lossUna === sndUna;
    if (!repeated) this.cc.onCongestion("rto", this.#flightSize(), now);
    if (this.#mode === "rack") this.rack.markLossesOnRto(sb, now);
    else sb.markAllLost();
    if (this.#phase === "recovery") this.rack.onRecoveryExit();
    this.#phase = "loss";
    this.#lossUna = sndUna;
    this.#recoveryPoint = sndNxt;
    this.#dupAcks = 0;
    this.#dupDelivered = 0;
    this.#prrWindow = null;
    this.#tlpEnd = null;
    this.#ptoAt = this.#reorderAt = null;
    this.#traceRecovery(now, "enter", "loss", "rto");
    if (this.#trace) {
      this.#traceScoreboard(now);
      this.#traceCc(now);
    }
  }

  /** The connection is closing for good: no more timers, nothing to retransmit. */
  stop(): void {
    this.scoreboard.clear();
    this.#ptoAt = this.#reorderAt = null;
    this.#tlpEnd = null;
  }

  /** The lowest segment counted lost, to retransmit first (RFC 6675 NextSeg rule 1), or null. */
  nextRetransmission(): SentSegment | null {
    return this.scoreboard.firstLost();
  }

  /**
   * RFC 6675 NextSeg rule 3 during fast recovery with SACK: a segment in
   * flight below the highest SACKed one, never retransmitted, or null.
   */
  rescueRetransmission(): SentSegment | null {
    if (this.#phase !== "recovery" || this.#mode === "newreno") return null;
    return this.scoreboard.rescueCandidate();
  }

  /**
   * New data [start, end) left at `now`.
   *
   * @param fin Whether the segment carries the FIN.
   */
  onSent(start: number, end: number, fin: boolean, now: number): void {
    this.scoreboard.push(start, end, now, fin);
    this.#lastSendAt = now;
    if (this.#phase === "recovery") this.#prr.onSend(seqSub(end, start));
    this.#armPto(now);
  }

  /** A segment of the scoreboard was sent again at `now`. */
  onRetransmit(seg: SentSegment, now: number): void {
    this.scoreboard.retransmitted(seg, now);
    this.#lastSendAt = now;
    if (this.#phase === "recovery") this.#prr.onSend(segmentLength(seg));
    this.#rtxLog.push([seg.start, seg.end]);
    if (this.#rtxLog.length > RTX_LOG) this.#rtxLog.shift();
  }

  /**
   * The sender had less to send than the window allowed (RFC 7661): ACKs of
   * data up to `sndNxt` do not grow the window.
   */
  markAppLimited(sndNxt: number): void {
    this.#appLimitedUntil = sndNxt;
  }

  /**
   * Before new data leaves: after an idle period longer than the RTO, the
   * window restarts (RFC 5681 §4.1).
   */
  beforeNewData(now: number): void {
    const idle = this.#lastSendAt !== null && this.scoreboard.outstanding === 0 &&
      now - this.#lastSendAt > this.#rtt.rto;
    if (!idle) return;
    this.cc.onIdle(now);
    this.#lastSendAt = now;
    this.#traceCc(now);
  }

  /**
   * The earliest of the probe and reordering timers, or null. A probe never
   * waits past the retransmission timer (RFC 8985 §7.2): it goes out in the
   * timeout's place.
   *
   * @param rtoAt When the retransmission timer expires, or null.
   */
  pollAt(rtoAt: number | null): number | null {
    const a = this.#ptoDue(rtoAt), b = this.#reorderAt;
    return a === null ? b : b === null || a <= b ? a : b;
  }

  #ptoDue(rtoAt: number | null): number | null {
    const pto = this.#ptoAt;
    return pto === null || rtoAt === null || pto <= rtoAt ? pto : rtoAt;
  }

  /**
   * Fires the timers due at `now`: RACK's reordering timer (which may find
   * losses and start recovery) and the probe timeout.
   *
   * @param now The time, ms.
   * @param rtoAt When the retransmission timer expires, or null (see {@link pollAt}).
   * @returns "tail-loss-probe" when the sender should send a probe now,
   *   "reorder" when the reordering timer fired, else null.
   */
  onTimer(now: number, rtoAt: number | null): RecoveryTimer | null {
    if (this.#reorderAt !== null && now >= this.#reorderAt) {
      this.#reorderAt = null;
      const beforeLost = this.scoreboard.lostBytes;
      if (this.#rackDetect(now) && this.#phase === "open") {
        this.#enter(now, "rack", this.#sndNxt());
      }
      if (this.#trace && this.scoreboard.lostBytes !== beforeLost) this.#traceScoreboard(now);
      return "reorder";
    }
    const pto = this.#ptoDue(rtoAt);
    if (pto !== null && now >= pto) {
      this.#ptoAt = null;
      const may = this.#tlpEnd === null && this.#tlpAllowed && this.scoreboard.outstanding > 0 &&
        this.#phase === "open";
      return may ? "tail-loss-probe" : null;
    }
    return null;
  }

  /**
   * A tail-loss probe went out (RFC 8985 §7.3).
   *
   * @param sndNxt SND.NXT after the probe (TLP.end_seq).
   * @param retransmission Whether it re-sent the last segment rather than new data.
   */
  onProbeSent(sndNxt: number, retransmission: boolean): void {
    this.#ptoAt = null;
    this.#tlpEnd = sndNxt;
    this.#tlpRetrans = retransmission;
    this.#tlpFlight = this.scoreboard.outstanding;
    this.#tlpAllowed = false;
    this.#stats.tlpProbes++;
  }

  // RFC 8985 §7.4 (as Linux's tcp_process_tlp_ack): did the probe repair a loss?
  #tlpOnAck(a: AckInfo, dsack: boolean, now: number): void {
    const end = this.#tlpEnd;
    if (end === null || seqLt(a.ack, end)) return;
    if (!this.#tlpRetrans || dsack) {
      // New data delivered, or the original and the probe both arrived: no loss.
      this.#tlpEnd = null;
    } else if (seqGt(a.ack, end)) {
      // The probe repaired a loss: reduce the window once, as a recovery
      // would, from the flight the loss was in (this ACK has emptied it).
      this.#tlpEnd = null;
      this.#stats.tlpRecoveries++;
      this.cc.onCongestion("fast", this.#flightSize(this.#tlpFlight), now);
      this.cc.onRecoveryEnd(now);
      this.#traceRecovery(now, "enter", "recovery", "tlp");
      this.#traceRecovery(now, "exit", "recovery", "recovery point acknowledged");
    } else if (!a.advanced && a.sack.length === 0) {
      // A pure duplicate ACK: the original and the probe arrived.
      this.#tlpEnd = null;
    }
  }

  // RFC 8985 §7.2: (re)arms the probe timeout in the open phase with SACK.
  #armPto(now: number): void {
    if (this.#mode !== "rack" || this.#phase !== "open" || this.#tlpEnd !== null) return;
    if (this.scoreboard.outstanding === 0) {
      this.#ptoAt = null;
      return;
    }
    const srtt = this.#rtt.srtt;
    let pto = srtt === null ? 1000 : 2 * srtt;
    if (this.scoreboard.length === 1) pto += WC_DEL_ACK_T;
    this.#ptoAt = now + pto;
  }

  // SND.NXT: the end of the last segment sent, which the scoreboard holds while any is outstanding.
  #sndNxt(): number {
    const last = this.scoreboard.last;
    return last === null ? this.#recoveryPoint : last.end;
  }

  #traceRecovery(
    now: number,
    action: "enter" | "exit",
    phase: "recovery" | "loss",
    reason: LossSignal | "recovery point acknowledged",
  ): void {
    this.#trace?.({
      kind: "recovery",
      time: now,
      endpoint: this.#name(),
      action,
      phase,
      reason,
      recoveryPoint: seqSub(this.#recoveryPoint, this.#iss()) >>> 0,
    });
  }

  #traceScoreboard(now: number): void {
    const iss = this.#iss();
    const rel = (s: number) => seqSub(s, iss) >>> 0;
    this.#trace?.({
      kind: "scoreboard",
      time: now,
      endpoint: this.#name(),
      sacked: this.scoreboard.sackedRanges().map(([s, e]) => [rel(s), rel(e)] as const),
      sackedBytes: this.scoreboard.sackedBytes,
      lostBytes: this.scoreboard.lostBytes,
    });
  }

  #traceCc(now: number): void {
    this.#trace?.({
      kind: "cc",
      time: now,
      endpoint: this.#name(),
      controller: this.cc.name,
      cwnd: this.window,
      ssthresh: Number.isFinite(this.cc.ssthresh) ? this.cc.ssthresh : null,
      inFlight: this.pipe,
      sndWnd: this.#sndWnd,
      phase: this.#phase,
    });
  }
}
