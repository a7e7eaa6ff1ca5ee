/**
 * One TCP connection as a sans-IO state machine, after RFC 9293 and modelled
 * on smoltcp's TCP socket. It is handed segments and the current time
 * ({@link TcpSocket.process}), asked what to send ({@link TcpSocket.poll}),
 * and reports its next deadline ({@link TcpSocket.pollAt}). It never reads a
 * clock, sets a timer or touches I/O, so the same code runs under a virtual
 * clock in simulation and under real time on a link.
 *
 * Supported: the eleven RFC states; active, passive and simultaneous open;
 * active, passive and simultaneous close; half-close; abort with RST; RST
 * processing in every state with RFC 5961 challenge ACKs (rate-limited);
 * RFC 6528 initial sequence numbers; the MSS option; cumulative ACKs;
 * RFC 6298 retransmission timeouts with Karn's rule and backoff; sliding
 * receive window with silly-window avoidance on both sides; window updates;
 * zero-window probing with a persist timer; delayed ACK; Nagle; keep-alive;
 * a user timeout; TIME-WAIT for 2·MSL; RFC 7323 window scaling and
 * timestamps (RTT measurement on every ACK, PAWS); SACK and D-SACK both ways
 * (RFC 2018, RFC 2883); congestion control behind the
 * {@link CongestionController} seam (Reno, CUBIC) with the loss recovery of
 * `recovery.ts`: fast retransmit and NewReno (RFC 5681, RFC 6582), SACK
 * recovery (RFC 6675), RACK-TLP (RFC 8985), Proportional Rate Reduction
 * (RFC 6937), and slow start from one segment after a timeout.
 *
 * **Not supported:** urgent data, ECN, data on SYN segments (it is ignored
 * and must be re-sent), path MTU discovery.
 *
 * @module
 */
import { type TcpRepr, tcpRepr } from "../wire/tcp.ts";
import type { TcpTimer, TraceHook } from "./events.ts";
import type { TcpState } from "./state.ts";
import { ByteRing, type ReceiveBuffer } from "./buffers.ts";
import { CoreReceiveBuffer } from "./core_buffer.ts";
import type { CongestionController } from "./congestion.ts";
import { Cubic } from "./cubic.ts";
import {
  LossRecovery,
  RECOVERY_MODES,
  type RecoveryMode,
  type RecoveryStats,
  zeroRecoveryStats,
} from "./recovery.ts";
import { dataLength, segmentLength, type SentSegment } from "./scoreboard.ts";
import { Timestamps } from "./timestamps.ts";
import { Pacer, PACING_CA_RATIO, PACING_SS_RATIO } from "./pacing.ts";
import type { SackBlock } from "../wire/tcp.ts";
import { type IsnGenerator, rfc6528Isn } from "./isn.ts";
import type { InetAddr } from "../wire/inet_addr.ts";
import { DEFAULT_RTT_CONFIG, type RttConfig, RttEstimator } from "./rtt.ts";
import { seqAdd, seqGe, seqGt, seqInRange, seqLe, seqLt, seqSub } from "../wire/seq.ts";

export type { TcpState } from "./state.ts";

/** Keep-alive probing (RFC 9293 §3.8.4): off unless configured. */
export interface KeepAliveConfig {
  /** Idle time before the first probe, ms. */
  readonly idle: number;
  /** Time between unanswered probes, ms. */
  readonly interval: number;
  /** Unanswered probes before the connection is aborted. */
  readonly count: number;
}

/** The settings of one connection. Every field has a default. */
export interface TcpConfig {
  /** The MSS this end advertises and the largest segment it sends (default 1460). */
  readonly mss: number;
  /**
   * Receive buffer, the largest window advertised (default 1 MiB, enough
   * for 100 Mbit/s over 40 ms). The SYN offers window scaling (RFC 7323)
   * with the smallest shift that fits; up to 1 GiB. Without scaling agreed,
   * the window is at most 65535 bytes.
   */
  readonly recvBufferSize: number;
  /** Send buffer: the most data written and not yet acknowledged (default 4 MiB; its memory grows as it fills). */
  readonly sendBufferSize: number;
  /** Maximum segment lifetime, ms; TIME-WAIT lasts 2·MSL (default 30 s). */
  readonly msl: number;
  /** RFC 6298 limits. */
  readonly rtt: RttConfig;
  /** Delayed-ACK timeout in ms; 0 acknowledges every segment at once (default 40). */
  readonly delayedAck: number;
  /** Nagle's algorithm (RFC 9293 §3.7.4; default on). */
  readonly nagle: boolean;
  /** Keep-alive probing, or null (default). */
  readonly keepAlive: KeepAliveConfig | null;
  /**
   * Abort when sent data stays unacknowledged this long, ms (default 15
   * minutes, about Linux's tcp_retries2 = 15; RFC 1122 §4.2.3.5 asks for at
   * least 100 s).
   */
  readonly userTimeout: number;
  /** Challenge ACKs allowed per second (RFC 5961 §7; default 10). */
  readonly challengeAckLimit: number;
  /** The ISN generator (default: RFC 6528 with a random key). */
  readonly isn: IsnGenerator;
  /** Makes the congestion controller (default: CUBIC, `cubic.ts`, as in Linux). */
  readonly congestion: () => CongestionController;
  /** How losses are found and repaired (default "rack"; see `recovery.ts`). */
  readonly recovery: RecoveryMode;
  /** Offer and accept SACK-permitted (RFC 2018; default on). */
  readonly sack: boolean;
  /** Offer and accept timestamps (RFC 7323; default on). */
  readonly timestamps: boolean;
  /** Offer and accept window scaling (RFC 7323; default on). */
  readonly windowScaling: boolean;
  /** Spread data over the round trip at 2 (slow start) or 1.2 × cwnd/SRTT (default on; `pacing.ts`). */
  readonly pacing: boolean;
  /**
   * How much later than asked the timers that drive this connection may
   * fire, ms (default 0: virtual time, where they fire on time). A real-time
   * link's timers run late (`link/driver.ts`), and every round trip the
   * connection measures carries that lateness; rules that read a rise in the
   * round trip as a filling queue allow for it (HyStart's ACK train for a
   * paced sender, `hystart.ts`).
   */
  readonly clockJitter: number;
  /**
   * Segmentation offload (TSO): the largest segment payload the link takes
   * and cuts into MSS-sized packets itself, bytes (default 0: none, every
   * segment is at most an MSS). New data then goes in segments of whole
   * MSSes up to this size, as much as the windows have room for, as Linux
   * sends TSO super-packets. Only a link that cuts them (`TunLink` with
   * `offload`) should set it: elsewhere they exceed the MTU. At most
   * {@link MAX_SEGMENT_OFFLOAD}. A super-segment sent again is cut to what the
   * window takes.
   */
  readonly segmentOffload: number;
  /**
   * Makes the receive buffer of `capacity` bytes (default: the WASM core's
   * reassembler, {@link CoreReceiveBuffer}).
   */
  readonly receiveBuffer: (capacity: number) => ReceiveBuffer;
}

/** Default settings. */
export const DEFAULT_TCP_CONFIG: TcpConfig = {
  mss: 1460,
  recvBufferSize: 1 << 20,
  sendBufferSize: 4 << 20,
  msl: 30_000,
  rtt: DEFAULT_RTT_CONFIG,
  delayedAck: 40,
  nagle: true,
  keepAlive: null,
  userTimeout: 900_000,
  challengeAckLimit: 10,
  isn: rfc6528Isn(),
  congestion: () => new Cubic(),
  recovery: "rack",
  sack: true,
  timestamps: true,
  windowScaling: true,
  pacing: true,
  clockJitter: 0,
  segmentOffload: 0,
  receiveBuffer: (capacity) => new CoreReceiveBuffer(capacity),
};

/** An operation on a connection in a state that does not allow it. */
export class TcpError extends Error {
  /** Always "TcpError". */
  override name = "TcpError";
}

/** Why a connection ended abnormally. */
export type TcpErrorKind = "reset" | "refused" | "timed out" | "aborted";

const SYNCHRONIZED_ACK_STATES = new Set<TcpState>([
  "ESTABLISHED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "CLOSE-WAIT",
  "CLOSING",
  "LAST-ACK",
]);

/**
 * Checks settings (missing fields take the defaults) without making a socket.
 *
 * @throws {RangeError} For out-of-range settings.
 * @throws {TypeError} For settings of the wrong type.
 */
export function checkTcpConfig(config: Partial<TcpConfig>): void {
  validate({ ...DEFAULT_TCP_CONFIG, ...config });
}

function validate(config: TcpConfig): void {
  const positive = (name: string, v: number, min = 1) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
      throw new RangeError(`TCP ${name} must be a number >= ${min}, got ${v}`);
    }
  };
  positive("mss", config.mss, 1);
  if (config.mss > 65495) throw new RangeError(`TCP mss ${config.mss} exceeds 65495`);
  positive("recvBufferSize", config.recvBufferSize, 1);
  if (config.recvBufferSize > 2 ** 30) {
    throw new RangeError(
      `TCP recvBufferSize ${config.recvBufferSize} exceeds 2^30, the largest scaled window (RFC 7323)`,
    );
  }
  positive("sendBufferSize", config.sendBufferSize, 1);
  positive("msl", config.msl, 0);
  positive("delayedAck", config.delayedAck, 0);
  positive("userTimeout", config.userTimeout, 1);
  positive("challengeAckLimit", config.challengeAckLimit, 0);
  positive("clockJitter", config.clockJitter, 0);
  positive("segmentOffload", config.segmentOffload, 0);
  if (config.segmentOffload > MAX_SEGMENT_OFFLOAD) {
    throw new RangeError(
      `TCP segmentOffload ${config.segmentOffload} exceeds ${MAX_SEGMENT_OFFLOAD}, the most an IPv4 packet holds beside the largest headers`,
    );
  }
  if (config.keepAlive) {
    positive("keepAlive.idle", config.keepAlive.idle);
    positive("keepAlive.interval", config.keepAlive.interval);
    positive("keepAlive.count", config.keepAlive.count);
  }
  if (typeof config.isn !== "function") throw new TypeError("TCP isn must be a function");
  if (typeof config.receiveBuffer !== "function") {
    throw new TypeError("TCP receiveBuffer must be a function returning a buffer");
  }
  if (typeof config.congestion !== "function") {
    throw new TypeError("TCP congestion must be a function returning a controller");
  }
  if (!RECOVERY_MODES.includes(config.recovery)) {
    throw new RangeError(
      `TCP recovery must be one of ${RECOVERY_MODES.join(", ")}, got ${config.recovery}`,
    );
  }
  for (const name of ["sack", "timestamps", "windowScaling", "nagle", "pacing"] as const) {
    if (typeof config[name] !== "boolean") {
      throw new TypeError(`TCP ${name} must be a boolean, got ${typeof config[name]}`);
    }
  }
}

/** The smallest window scale shift that lets 16 bits express `buffer` bytes. */
function wantedShift(buffer: number): number {
  let shift = 0;
  while (shift < 14 && buffer / 2 ** shift > 65535) shift++;
  return shift;
}

/** The earlier of two deadlines, null meaning none. */
function earliest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null || a <= b ? a : b;
}

const EMPTY = new Uint8Array(0);
const NO_SACK: readonly SackBlock[] = [];

/** The receive buffer of a closed connection after its data was read. */
const RELEASED: ReceiveBuffer = {
  capacity: 0,
  readable: 0,
  hasGaps: false,
  insert: () => 0,
  read: () => EMPTY,
  readInto: () => 0,
  sackBlocks: () => [],
};

/** In-order segments ACKed at once after an out-of-order arrival (Linux's TCP_MAX_QUICKACKS). */
const QUICK_ACKS = 16;

/** Bytes the timestamps option takes in every segment once agreed: 10, padded to 12 (RFC 7323 Appendix A). */
const TS_OPTION = 12;

/** The largest `segmentOffload`: an IPv4 packet's 65535 bytes less the largest IPv4 and TCP headers. */
export const MAX_SEGMENT_OFFLOAD = 65535 - 20 - 60;

/** Bytes `n` SACK blocks take in a segment: two NOPs, kind, length, 8 per block (RFC 2018 §3). */
function sackOptionLength(n: number): number {
  return n === 0 ? 0 : 4 + 8 * n;
}

/**
 * The reply RFC 9293 §3.10.7.1 prescribes for a segment arriving where no
 * connection exists (CLOSED), or null for a RST (which is never answered).
 *
 * @param repr The arriving segment.
 * @returns The RST to send back, with the ports swapped.
 */
export function resetFor(repr: TcpRepr): TcpRepr | null {
  if (repr.control === "rst") return null;
  const ports = { srcPort: repr.dstPort, dstPort: repr.srcPort };
  // An ACK is answered <SEQ=SEG.ACK><CTL=RST>, anything else
  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  if (repr.ack !== null) return tcpRepr({ ...ports, seq: repr.ack, control: "rst" });
  return tcpRepr({ ...ports, seq: 0, ack: seqAdd(repr.seq, segLen(repr)), control: "rst" });
}

/** SEG.LEN: the payload plus one for SYN and one for FIN. */
export function segLen(repr: TcpRepr): number {
  return repr.payload.length + (repr.control === "syn" || repr.control === "fin" ? 1 : 0);
}

/**
 * One TCP connection (a transmission control block and its state machine).
 *
 * @example A socket sends its SYN when connected and polled
 * ```ts
 * import { TcpSocket } from "./socket.ts";
 * import { inetAddr } from "../wire/inet_addr.ts";
 * import assert from "node:assert/strict";
 * const s = new TcpSocket();
 * s.connect(0, inetAddr("10.0.0.1", 4000), inetAddr("10.0.0.2", 80));
 * const [syn] = s.poll(0);
 * assert.equal(syn.control, "syn");
 * assert.equal(s.state, "SYN-SENT");
 * ```
 */
export class TcpSocket {
  /** The settings in force. */
  readonly config: TcpConfig;
  #state: TcpState = "CLOSED";
  #local: InetAddr | null = null;
  #remote: InetAddr | null = null;
  #passive = false;
  /** A socket is opened once; a closed one is not reused. */
  #opened = false;
  #trace: TraceHook | null;
  #error: TcpErrorKind | null = null;

  // Send sequence space (RFC 9293 §3.3.1).
  #iss = 0;
  #sndUna = 0;
  #sndNxt = 0;
  /**
   * The highest SND.NXT reached. They differ only while a SYN is sent again:
   * retransmissions of data come from the scoreboard and leave SND.NXT alone.
   */
  #sndMax = 0;
  #sndWnd = 0;
  #sndWl1 = 0;
  #sndWl2 = 0;
  #maxSndWnd = 0;
  #peerMss = 536;
  /** Window scale shifts (RFC 7323): the peer's, applied to its windows, and ours. */
  #sndShift = 0;
  #rcvShift = 0;
  /** Whether the peer's SYN offered window scaling. */
  #peerScales = false;
  /** Whether the peer's SYN offered SACK-permitted, and whether both ends agreed (RFC 2018 §2). */
  #peerSack = false;
  #sackOk = false;
  /** The timestamps clock and TS.Recent; `#tsOk` once both SYNs carried the option (RFC 7323 §3.2). */
  #ts: Timestamps | null = null;
  #peerTs = false;
  #tsOk = false;
  /** The ACK field of the last segment sent (RFC 7323 Last.ACK.sent). */
  #lastAckSent = 0;
  #tx: ByteRing;
  #finQueued = false;
  /** The sequence number of our FIN once it has been sent. */
  #finSeq: number | null = null;

  // Receive sequence space.
  #irs = 0;
  #rcvNxt = 0;
  /** The right edge of the window last advertised (never moves left). */
  #rcvEdge = 0;
  #rx: ReceiveBuffer;
  /** The sequence number of the peer's FIN when it arrived ahead of data. */
  #rxFinSeq: number | null = null;
  #rxFinDone = false;
  /** Bytes that arrived twice, to report first in the next SACK option (D-SACK, RFC 2883). */
  #dsack: SackBlock | null = null;

  // Timers and their bookkeeping; null means not armed.
  #rtxAt: number | null = null;
  #persistAt: number | null = null;
  #persistBackoff = 0;
  #ackAt: number | null = null;
  #keepAliveAt: number | null = null;
  #keepAliveProbes = 0;
  #timeWaitAt: number | null = null;
  /** When the oldest unacknowledged data last made progress. */
  #progressAt = 0;
  #lastRecvAt = 0;
  #rtt: RttEstimator;
  /** When our SYN (or SYN-ACK) was first sent, for an RTT sample without timestamps. */
  #timing: { seq: number; time: number } | null = null;
  #recovery: LossRecovery;
  /** A tail-loss probe is due (RFC 8985 §7.3). */
  #probeDue = false;
  /** The retransmission timer fired: the segment at SND.UNA goes again at once (RFC 6298 §5.4). */
  #rtoDue = false;
  readonly #pacer = new Pacer();
  /** When pacing holds data back: the time it may go, or null. */
  #paceAt: number | null = null;

  // Pending output.
  #ackNow = false;
  #unackedSegments = 0;
  /** In-order segments still to be acknowledged at once after a gap (quick-ACK mode). */
  #quickAcks = 0;
  #replies: TcpRepr[] = [];
  #retransmitted = new WeakSet<TcpRepr>();
  #challengeWindowStart = -Infinity;
  #challengeCount = 0;

  /** Counters, for summaries and tests. */
  readonly stats: {
    segmentsSent: number;
    segmentsReceived: number;
    retransmissions: number;
    timeouts: number;
    challengeAcks: number;
    bytesSent: number;
    bytesReceived: number;
    /** Data segments that arrived wholly already received (each one a needless retransmission or a network duplicate). */
    duplicateSegments: number;
  } & RecoveryStats = {
    segmentsSent: 0,
    segmentsReceived: 0,
    retransmissions: 0,
    timeouts: 0,
    challengeAcks: 0,
    bytesSent: 0,
    bytesReceived: 0,
    duplicateSegments: 0,
    ...zeroRecoveryStats(),
  };

  /**
   * Makes a CLOSED connection.
   *
   * @param config Settings; missing fields take {@link DEFAULT_TCP_CONFIG}.
   * @param trace The hook that receives {@link TraceEvent}s.
   * @throws {RangeError} For out-of-range settings.
   * @throws {TypeError} For settings of the wrong type.
   */
  constructor(config: Partial<TcpConfig> = {}, trace: TraceHook | null = null) {
    this.config = { ...DEFAULT_TCP_CONFIG, ...config };
    validate(this.config);
    this.#trace = trace;
    this.#tx = new ByteRing(this.config.sendBufferSize);
    this.#rx = this.config.receiveBuffer(this.config.recvBufferSize);
    this.#rtt = new RttEstimator(this.config.rtt);
    this.#recovery = new LossRecovery({
      cc: this.config.congestion(),
      rtt: this.#rtt,
      mode: this.config.recovery,
      stats: this.stats,
      trace,
      name: () => this.name,
      iss: () => this.#iss,
      paced: this.config.pacing,
      clockJitter: this.config.clockJitter,
      segmentOffload: this.config.segmentOffload,
    });
  }

  /** The RFC 9293 state. */
  get state(): TcpState {
    return this.#state;
  }

  /** Why the connection failed, or null. */
  get error(): TcpErrorKind | null {
    return this.#error;
  }

  /** This end, once bound. */
  get local(): InetAddr | null {
    return this.#local;
  }

  /** The peer, once known. */
  get remote(): InetAddr | null {
    return this.#remote;
  }

  /** The RTT estimator (SRTT, RTTVAR, RTO). */
  get rtt(): RttEstimator {
    return this.#rtt;
  }

  /** The sender's loss recovery: its phase, window, scoreboard and controller. */
  get recovery(): LossRecovery {
    return this.#recovery;
  }

  /** The congestion controller. */
  get congestion(): CongestionController {
    return this.#recovery.cc;
  }

  /**
   * The options both ends agreed on in the handshake: SACK, timestamps, and
   * the window scale shifts (null without scaling).
   */
  get options(): {
    sack: boolean;
    timestamps: boolean;
    windowScale: { send: number; receive: number } | null;
  } {
    const scaled = this.#peerScales && this.config.windowScaling;
    return {
      sack: this.#sackOk,
      timestamps: this.#tsOk,
      windowScale: scaled ? { send: this.#sndShift, receive: this.#rcvShift } : null,
    };
  }

  /** Sequence variables, for tests and traces. */
  get tcb(): {
    iss: number;
    irs: number;
    sndUna: number;
    sndNxt: number;
    sndWnd: number;
    rcvNxt: number;
    rcvWnd: number;
    peerMss: number;
  } {
    return {
      iss: this.#iss,
      irs: this.#irs,
      sndUna: this.#sndUna,
      sndNxt: this.#sndNxt,
      sndWnd: this.#sndWnd,
      rcvNxt: this.#rcvNxt,
      rcvWnd: this.#rcvWindow(),
      peerMss: this.#peerMss,
    };
  }

  /** A short name for traces: "addr:port". */
  get name(): string {
    return this.#local ? `${this.#local.hostname}:${this.#local.port}` : "unbound";
  }

  /** Bytes the application can read now. */
  get recvQueue(): number {
    return this.#rx.readable;
  }

  /** Bytes written but not yet acknowledged. */
  get sendQueue(): number {
    return this.#tx.length;
  }

  /** Free space in the send buffer. */
  get sendCapacity(): number {
    return this.#finQueued ? 0 : this.#tx.free;
  }

  /** Whether the peer has closed its direction and every byte has been read. */
  get recvFinished(): boolean {
    return this.#rxFinDone && this.#rx.readable === 0;
  }

  /** Whether this end may still queue data ({@link send}). */
  get canSend(): boolean {
    return !this.#finQueued &&
      (this.#state === "ESTABLISHED" || this.#state === "CLOSE-WAIT" ||
        this.#state === "SYN-SENT" || this.#state === "SYN-RECEIVED");
  }

  /** Whether a connection exists that may still exchange segments (not CLOSED, LISTEN or TIME-WAIT). */
  get isOpen(): boolean {
    return this.#state !== "CLOSED" && this.#state !== "LISTEN" &&
      this.#state !== "TIME-WAIT";
  }

  /**
   * Passive OPEN: waits for a SYN to `local` (RFC 9293 §3.10.1).
   *
   * @param now The time, ms (of the state change's trace event).
   * @param local This end.
   * @throws {TcpError} If the socket is not CLOSED.
   */
  listen(now: number, local: InetAddr): void {
    if (this.#state !== "CLOSED" || this.#opened) {
      throw new TcpError(
        `listen ${local.hostname}:${local.port}: socket is ${this.#state}${
          this.#opened ? " (a socket opens only once)" : ""
        }`,
      );
    }
    checkEndpoint(local, "local");
    this.#local = local;
    this.#passive = true;
    this.#opened = true;
    this.#setState(now, "LISTEN", "passive open");
  }

  /**
   * Active OPEN: picks the ISS and enters SYN-SENT; the SYN goes out on the
   * next {@link poll} (RFC 9293 §3.10.1).
   *
   * @param now The time, ms.
   * @param local This end.
   * @param remote The peer.
   * @throws {TcpError} If the socket is not CLOSED.
   * @throws {RangeError} If a port is out of range or the remote port is 0.
   */
  connect(now: number, local: InetAddr, remote: InetAddr): void {
    if (this.#state !== "CLOSED" || this.#opened) {
      throw new TcpError(
        `connect ${local.hostname}:${local.port} -> ${remote.hostname}:${remote.port}: socket is ${this.#state}${
          this.#opened ? " (a socket opens only once)" : ""
        }`,
      );
    }
    checkEndpoint(local, "local");
    checkEndpoint(remote, "remote");
    if (remote.port === 0) throw new RangeError("connect: remote port 0 is not allowed");
    this.#local = local;
    this.#remote = remote;
    this.#passive = false;
    this.#opened = true;
    this.#initSend(this.config.isn(local, remote, now) >>> 0);
    this.#progressAt = now;
    this.#lastRecvAt = now;
    this.#setState(now, "SYN-SENT", "active open");
  }

  /**
   * Queues bytes for sending (RFC 9293 SEND); returns how many fitted.
   *
   * @throws {TcpError} If the connection cannot send (closed, or after {@link close}).
   */
  send(data: Uint8Array): number {
    if (!this.canSend) {
      throw new TcpError(
        `send on ${this.name}: connection is ${this.#state}${
          this.#finQueued ? " and closing" : ""
        }${this.#error ? ` (${this.#error})` : ""}`,
      );
    }
    return this.#tx.push(data);
  }

  /**
   * Takes up to `max` received bytes (RFC 9293 RECEIVE). Opening the window
   * far enough schedules a window update.
   */
  recv(max = Infinity): Uint8Array {
    const data = this.#rx.read(Math.min(max, this.#rx.readable));
    this.#afterRead(data.length);
    return data;
  }

  /**
   * Like {@link recv}, but moves up to `into.length` received bytes into
   * `into` instead of allocating; returns how many.
   *
   * @throws {TypeError} If `into` is not a Uint8Array.
   */
  recvInto(into: Uint8Array): number {
    if (!(into instanceof Uint8Array)) {
      throw new TypeError(`recvInto on ${this.name}: the buffer must be a Uint8Array`);
    }
    const n = this.#rx.readInto(into);
    this.#afterRead(n);
    return n;
  }

  // After the application took `n` bytes: free the buffer, maybe update the window.
  #afterRead(n: number): void {
    this.#releaseReceiveBuffer();
    const open = this.#state === "ESTABLISHED" || this.#state === "FIN-WAIT-1" ||
      this.#state === "FIN-WAIT-2";
    if (n > 0 && open && !this.#rxFinDone) {
      // Window update, with receiver SWS avoidance (RFC 9293 §3.8.6.2.2): only
      // when a small advertised window can grow by min(buffer/2, MSS).
      const advertised = seqSub(this.#rcvEdge, this.#rcvNxt);
      const growth = seqSub(seqAdd(this.#rcvNxt, this.#rcvWindow()), this.#rcvEdge);
      if (advertised < this.#rx.capacity / 2 && growth >= this.#swsThreshold()) {
        this.#ackNow = true;
      }
    }
  }

  /**
   * CLOSE (RFC 9293 §3.10.4): no more data from this end; a FIN follows the
   * queued bytes. In LISTEN or SYN-SENT the socket simply closes.
   */
  close(now: number): void {
    switch (this.#state) {
      case "CLOSED":
        return;
      case "SYN-SENT":
        // With data queued the FIN follows it once ESTABLISHED (as SYN-RECEIVED
        // does in RFC 9293 §3.10.4); with nothing queued the TCB is deleted.
        if (this.#tx.length > 0) {
          this.#finQueued = true;
          return;
        }
        this.#reset();
        this.#setState(now, "CLOSED", "user close");
        return;
      case "LISTEN":
        // Nothing was promised to a peer yet.
        this.#reset();
        this.#setState(now, "CLOSED", "user close");
        return;
      case "SYN-RECEIVED":
      case "ESTABLISHED":
      case "CLOSE-WAIT":
        this.#finQueued = true;
        return;
      default:
        // FIN-WAIT-*, CLOSING, LAST-ACK, TIME-WAIT: already closing.
        return;
    }
  }

  /**
   * ABORT (RFC 9293 §3.10.5): sends a RST in synchronized states and goes to
   * CLOSED at once; queued data is discarded.
   */
  abort(now: number): void {
    if (this.#state === "CLOSED") return;
    if (
      this.#state !== "LISTEN" && this.#state !== "SYN-SENT" && this.#state !== "TIME-WAIT"
    ) {
      this.#replies.push(this.#make({ seq: this.#sndNxt, control: "rst", ack: null }));
    }
    this.#error ??= "aborted";
    this.#reset();
    this.#setState(now, "CLOSED", "user abort");
  }

  /**
   * The earliest time at which {@link poll} has timer work, or null when no
   * timer is armed. Segments that can go out at once are always returned by
   * the next `poll`, so a driver polls after every event.
   */
  pollAt(): number | null {
    // Called for every connection at every step of a driver: no array built per call.
    return earliest(
      earliest(earliest(this.#rtxAt, this.#persistAt), earliest(this.#ackAt, this.#keepAliveAt)),
      earliest(earliest(this.#timeWaitAt, this.#recovery.pollAt(this.#rtxAt)), this.#paceAt),
    );
  }

  /**
   * Fires the timers due at `now` and returns every segment to send now:
   * replies to arrived segments, the SYN, data, FIN, retransmissions, window
   * updates, ACKs, probes. A segment's payload is a view of the send buffer:
   * emit it (or copy it) before the next {@link send}.
   */
  poll(now: number): TcpRepr[] {
    const out = this.#replies;
    this.#replies = [];
    this.#timers(now, out);
    // Pacing holds back only what #sendData would send: a state that sends
    // nothing (TIME-WAIT after a paced FIN, say) keeps no pacing deadline.
    this.#paceAt = null;
    switch (this.#state) {
      case "CLOSED":
      case "LISTEN":
      case "TIME-WAIT":
        break;
      case "SYN-SENT":
      case "SYN-RECEIVED":
        if (this.#sndNxt === this.#iss) {
          // The SYN (or SYN-ACK) goes out first, then again on each RTO.
          const synAck = this.#state === "SYN-RECEIVED";
          // Window scaling, SACK-permitted and timestamps are offered in a SYN,
          // and in a SYN-ACK only to a peer that offered them (RFC 7323 §1.3,
          // §3.2; RFC 2018 §2); a SYN's own window is unscaled.
          const scale = this.config.windowScaling && (!synAck || this.#peerScales);
          const sack = this.config.sack && (!synAck || this.#peerSack);
          const ts = this.#ts !== null && (!synAck || this.#peerTs);
          out.push(this.#emit(now, {
            seq: this.#iss,
            control: "syn",
            ack: synAck ? this.#rcvNxt : null,
            mss: this.config.mss,
            windowScale: scale ? wantedShift(this.config.recvBufferSize) : null,
            sackPermitted: sack,
            timestamp: ts ? { value: this.#ts!.value(now), echo: this.#ts!.recent ?? 0 } : null,
            window: Math.min(this.#rcvWindow(), 65535),
          }, 1));
        }
        break;
      default:
        this.#sendData(now, out);
    }
    if (this.#ackNow && this.#state !== "CLOSED" && this.#state !== "LISTEN") {
      out.push(this.#emit(now, { seq: this.#sndNxt }, 0));
    }
    // Whatever held the sender back this time (the window, Nagle, no data),
    // it was not pacing: a wake-up asked for earlier is not awaited now, and
    // the next send must not count as that wake-up come late.
    if (this.#paceAt === null) this.#pacer.cancel();
    for (const repr of out) this.#traceSegment(now, "send", repr);
    return out;
  }

  /**
   * SEGMENT ARRIVES (RFC 9293 §3.10.7): processes one segment addressed to
   * this connection at time `now`. Replies are returned by the next
   * {@link poll}.
   */
  process(now: number, repr: TcpRepr): void {
    this.stats.segmentsReceived++;
    this.#traceSegment(now, "recv", repr);
    switch (this.#state) {
      case "CLOSED": {
        // §3.10.7.1: everything but a RST is answered with a RST.
        const rst = resetFor(repr);
        if (rst) this.#replies.push(rst);
        return;
      }
      case "LISTEN":
        return this.#processListen(now, repr);
      case "SYN-SENT":
        return this.#processSynSent(now, repr);
      default:
        return this.#processSynchronized(now, repr);
    }
  }

  // §3.10.7.2: LISTEN.
  #processListen(now: number, repr: TcpRepr): void {
    // LISTEN + RST: ignored.
    if (repr.control === "rst") return;
    // LISTEN + ACK: nothing was sent to acknowledge; <SEQ=SEG.ACK><CTL=RST>.
    if (repr.ack !== null) return this.#replyRst(repr.ack, null);
    // LISTEN + SYN: a passive open meets its peer; -> SYN-RECEIVED.
    if (repr.control === "syn") {
      this.#remote ??= { family: "inet", hostname: "0.0.0.0", port: repr.srcPort };
      if (this.#remote.port !== repr.srcPort) {
        this.#remote = { ...this.#remote, port: repr.srcPort };
      }
      this.#initSend(this.config.isn(this.#local!, this.#remote, now) >>> 0);
      this.#acceptSynOptions(now, repr);
      this.#irs = repr.seq;
      this.#rcvNxt = seqAdd(repr.seq, 1);
      this.#rcvEdge = seqAdd(this.#rcvNxt, this.#rcvWindow());
      this.#sndWnd = repr.window;
      this.#sndWl1 = repr.seq;
      this.#sndWl2 = this.#iss;
      this.#maxSndWnd = repr.window;
      this.#progressAt = now;
      this.#lastRecvAt = now;
      this.#setState(now, "SYN-RECEIVED", "SYN received");
    }
    // Anything else in LISTEN is dropped.
  }

  /** Sets where a listening socket's peer is (the stack knows the IP address). */
  setRemote(remote: InetAddr): void {
    checkEndpoint(remote, "remote");
    this.#remote = remote;
  }

  // §3.10.7.3: SYN-SENT.
  #processSynSent(now: number, repr: TcpRepr): void {
    let ackOk = false;
    if (repr.ack !== null) {
      // SYN-SENT + unacceptable ACK: <SEQ=SEG.ACK><CTL=RST> (unless it is a RST).
      if (seqLe(repr.ack, this.#iss) || seqGt(repr.ack, this.#sndNxt)) {
        if (repr.control !== "rst") this.#replyRst(repr.ack, null);
        return;
      }
      ackOk = true;
    }
    if (repr.control === "rst") {
      // SYN-SENT + RST with an acceptable ACK: the peer refused; -> CLOSED.
      // Without an ACK it is dropped (RFC 5961 §3.2 hardening).
      if (ackOk) {
        this.#error = "refused";
        this.#reset();
        this.#setState(now, "CLOSED", "connection refused (RST)");
      }
      return;
    }
    if (repr.control !== "syn") return; // neither SYN nor RST: dropped
    this.#acceptSynOptions(now, repr);
    this.#irs = repr.seq;
    this.#rcvNxt = seqAdd(repr.seq, 1);
    this.#rcvEdge = seqAdd(this.#rcvNxt, this.#rcvWindow());
    this.#lastRecvAt = now;
    if (ackOk) {
      // SYN-SENT + SYN,ACK: our SYN is acknowledged; -> ESTABLISHED.
      this.#ackSyn(now, repr);
      this.#sndWnd = repr.window;
      this.#sndWl1 = repr.seq;
      this.#sndWl2 = repr.ack!;
      this.#maxSndWnd = repr.window;
      this.#ackNow = true;
      this.#setState(now, "ESTABLISHED", "SYN-ACK received");
    } else {
      // SYN-SENT + SYN: simultaneous open; send SYN,ACK; -> SYN-RECEIVED.
      this.#sndWnd = repr.window;
      this.#sndWl1 = repr.seq;
      this.#sndWl2 = this.#iss;
      this.#maxSndWnd = repr.window;
      this.#sndNxt = this.#iss; // re-send our SYN, now with an ACK
      this.#timing = null;
      this.#setState(now, "SYN-RECEIVED", "simultaneous open (SYN received)");
    }
  }

  // §3.10.7.4: SYN-RECEIVED and the synchronized states.
  #processSynchronized(now: number, repr: TcpRepr): void {
    const state = this.#state;
    // Retransmitted SYN in SYN-RECEIVED (our SYN-ACK was lost): send it again.
    if (
      state === "SYN-RECEIVED" && repr.control === "syn" && repr.ack === null &&
      repr.seq === this.#irs
    ) {
      this.#sndNxt = this.#iss;
      return;
    }
    const wnd = this.#rcvWindow();
    if (repr.control === "rst") return this.#processRst(now, repr, wnd);
    if (repr.control === "syn" && state !== "SYN-RECEIVED") {
      // Synchronized + SYN, any sequence number: challenge ACK (RFC 5961 §4).
      return this.#challengeAck(now);
    }
    if (this.#tsOk) {
      // Once timestamps are agreed, every segment but a RST carries them
      // (RFC 7323 §3.2: one without SHOULD be dropped).
      if (repr.timestamp === null) return this.#drop(now, "no timestamp (RFC 7323 §3.2)", repr);
      // PAWS (RFC 7323 §5.3 R1): a stamp older than TS.Recent marks an old
      // duplicate; it is answered with an ACK and dropped.
      if (this.#ts!.isStale(repr.timestamp.value, now)) {
        this.#ackNow = true;
        return this.#drop(now, "PAWS: timestamp older than TS.Recent (RFC 7323 §5)", repr);
      }
    }

    // First: the sequence number check (the four cases of §3.10.7.4).
    let seq = repr.seq;
    let payload = repr.payload;
    let syn = repr.control === "syn";
    let fin = repr.control === "fin";
    const len = segLen(repr);
    let acceptable: boolean;
    if (len === 0) {
      acceptable = wnd === 0 ? seq === this.#rcvNxt : seqInRange(seq, this.#rcvNxt, wnd);
    } else {
      acceptable = wnd > 0 &&
        (seqInRange(seq, this.#rcvNxt, wnd) ||
          seqInRange(seqAdd(seq, len - 1), this.#rcvNxt, wnd));
    }
    if (!acceptable) {
      // A zero window still takes ACKs at RCV.NXT (§3.10.7.4 "special allowance").
      if (wnd === 0 && seq === this.#rcvNxt && repr.ack !== null) {
        payload = EMPTY;
        fin = false;
        this.#ackNow = true;
      } else {
        // Unacceptable: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, then drop.
        if (state === "TIME-WAIT" && fin) this.#armTimeWait(now); // retransmitted FIN
        if (payload.length > 0 && !syn && seqLe(seqAdd(seq, payload.length), this.#rcvNxt)) {
          // Data received before: the ACK reports it as a D-SACK (RFC 2883 §4).
          this.stats.duplicateSegments++;
          this.#reportDuplicate(seq, seqAdd(seq, payload.length));
        }
        this.#ackNow = true;
        this.#drop(now, "outside the receive window", repr);
        return;
      }
    }
    if (syn && state === "SYN-RECEIVED") {
      // SYN-RECEIVED + a new SYN in the window (§3.10.7.4 fourth): a passive
      // open returns to LISTEN; after simultaneous open, a challenge ACK.
      if (this.#passive) return this.#backToListen(now, "SYN received in the window");
      return this.#challengeAck(now);
    }
    // RFC 7323 §4.3: TS.Recent takes the stamp of an acceptable segment that
    // starts at or before the last ACK sent.
    if (this.#tsOk) this.#ts!.update(repr.timestamp!.value, repr.seq, this.#lastAckSent, now);
    // Trim to the window: what lies before RCV.NXT was received already.
    if (syn) {
      seq = seqAdd(seq, 1);
      syn = false;
    }
    const early = seqSub(this.#rcvNxt, seq);
    if (early > 0) {
      if (payload.length > 0) {
        this.#reportDuplicate(seq, seqAdd(seq, Math.min(early, payload.length)));
      }
      payload = payload.subarray(Math.min(early, payload.length));
      seq = this.#rcvNxt;
    }
    const room = seqSub(seqAdd(this.#rcvNxt, wnd), seq);
    if (payload.length > room) {
      payload = payload.subarray(0, Math.max(room, 0));
      fin = false; // the FIN lies beyond the window
    }
    this.#lastRecvAt = now;
    this.#keepAliveProbes = 0;

    // Fifth: the ACK field. Without ACK the segment is dropped.
    if (repr.ack === null) return this.#drop(now, "no ACK", repr);
    if (state === "SYN-RECEIVED") {
      // SYN-RECEIVED + acceptable ACK: -> ESTABLISHED; else <SEQ=SEG.ACK><CTL=RST>.
      if (seqLt(this.#sndUna, repr.ack) && seqLe(repr.ack, this.#sndNxt)) {
        this.#ackSyn(now, repr);
        this.#sndWnd = this.#peerWindow(repr);
        this.#sndWl1 = repr.seq;
        this.#sndWl2 = repr.ack;
        this.#maxSndWnd = Math.max(this.#maxSndWnd, this.#sndWnd);
        this.#setState(now, "ESTABLISHED", "ACK of SYN received");
      } else {
        return this.#replyRst(repr.ack, null);
      }
    } else if (SYNCHRONIZED_ACK_STATES.has(state)) {
      if (seqGt(repr.ack, this.#sndMax)) {
        // ACK of something not yet sent: ACK and drop.
        this.#ackNow = true;
        return this.#drop(now, "ACK of unsent data", repr);
      }
      if (seqLt(repr.ack, seqAdd(this.#sndUna, -this.#maxSndWnd))) {
        // Too old an ACK (RFC 5961 §5.2): challenge it and drop.
        this.#challengeAck(now);
        return this.#drop(now, "ACK too old", repr);
      }
      // A duplicate ACK (RFC 5681 §2) carries no data, no SYN or FIN, and
      // acknowledges SND.UNA with data outstanding, leaving the window as it
      // was: a window update is not one.
      const duplicate = repr.ack === this.#sndUna && repr.payload.length === 0 &&
        repr.control === null && this.#sndNxt !== this.#sndUna &&
        this.#peerWindow(repr) === this.#sndWnd;
      this.#onAck(now, repr, duplicate);
      this.#updateWindow(repr);
      const finAcked = this.#finSeq !== null && seqGt(this.#sndUna, this.#finSeq);
      if (state === "FIN-WAIT-1" && finAcked) {
        // FIN-WAIT-1 + ACK of FIN: -> FIN-WAIT-2.
        this.#setState(now, "FIN-WAIT-2", "ACK of FIN received");
      } else if (state === "CLOSING" && finAcked) {
        // CLOSING + ACK of FIN: -> TIME-WAIT.
        this.#enterTimeWait(now, "ACK of FIN received");
        return;
      } else if (state === "LAST-ACK" && finAcked) {
        // LAST-ACK + ACK of FIN: -> CLOSED.
        this.#reset();
        this.#setState(now, "CLOSED", "ACK of FIN received");
        return;
      }
    } else if (state === "TIME-WAIT") {
      // TIME-WAIT: only a retransmitted FIN is expected; ACK it, restart 2MSL.
      if (fin) {
        this.#ackNow = true;
        this.#armTimeWait(now);
      }
      return;
    }

    // Seventh: segment text, in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2.
    const cur = this.#state;
    const takesData = cur === "ESTABLISHED" || cur === "FIN-WAIT-1" || cur === "FIN-WAIT-2";
    if (takesData && (payload.length > 0 || fin)) {
      const offset = seqSub(seq, this.#rcvNxt);
      if (payload.length > 0) {
        if (offset > 0 && this.#sackOk && this.#heldAlready(offset, payload.length)) {
          // Out-of-order data held already: a duplicate, reported as a D-SACK.
          this.stats.duplicateSegments++;
          this.#reportDuplicate(seq, seqAdd(seq, payload.length));
        }
        const advance = this.#rx.insert(offset, payload);
        this.#rcvNxt = seqAdd(this.#rcvNxt, advance);
        this.stats.bytesReceived += advance;
        if (offset > 0 || this.#rx.hasGaps || advance !== payload.length) {
          // Out of order, or a gap filled (RFC 5681 §4.2): ACK at once, and
          // the next few in-order segments too, as Linux's quick-ACK mode
          // does, so the sender's recovery hears of every arrival.
          this.#ackNow = true;
          this.#quickAcks = QUICK_ACKS;
        } else if (this.#quickAcks > 0) {
          this.#quickAcks--;
          this.#ackNow = true;
        } else {
          this.#unackedSegments++;
          if (this.config.delayedAck === 0 || this.#unackedSegments >= 2) this.#ackNow = true;
          else this.#ackAt ??= now + this.config.delayedAck;
        }
      }
      if (fin) {
        this.#rxFinSeq = seqAdd(seq, payload.length);
        this.#ackNow = true;
      }
    }
    // Eighth: the FIN, once every byte before it has arrived.
    if (this.#rxFinSeq !== null && !this.#rxFinDone && this.#rxFinSeq === this.#rcvNxt) {
      this.#rxFinDone = true;
      this.#rcvNxt = seqAdd(this.#rcvNxt, 1);
      this.#ackNow = true;
      this.#ackAt = null;
      const finAcked = this.#finSeq !== null && seqGt(this.#sndUna, this.#finSeq);
      switch (this.#state) {
        case "ESTABLISHED":
          // ESTABLISHED + FIN: passive close; -> CLOSE-WAIT.
          this.#setState(now, "CLOSE-WAIT", "FIN received");
          break;
        case "FIN-WAIT-1":
          // FIN-WAIT-1 + FIN: -> TIME-WAIT if our FIN is acked, else simultaneous close -> CLOSING.
          if (finAcked) this.#enterTimeWait(now, "FIN received");
          else this.#setState(now, "CLOSING", "simultaneous close (FIN received)");
          break;
        case "FIN-WAIT-2":
          // FIN-WAIT-2 + FIN: -> TIME-WAIT.
          this.#enterTimeWait(now, "FIN received");
          break;
      }
    }
  }

  // RST in SYN-RECEIVED and the synchronized states (§3.10.7.4 second, RFC 5961 §3.2).
  #processRst(now: number, repr: TcpRepr, wnd: number): void {
    if (repr.seq !== this.#rcvNxt) {
      const inWindow = seqInRange(repr.seq, this.#rcvNxt, Math.max(wnd, 1));
      // In the window but not exact: challenge ACK (RFC 5961 §3.2); outside: drop.
      if (inWindow) this.#challengeAck(now);
      else this.#drop(now, "RST outside the window", repr);
      return;
    }
    const state = this.#state;
    if (state === "SYN-RECEIVED" && this.#passive) {
      // SYN-RECEIVED (from LISTEN) + RST: back to LISTEN.
      return this.#backToListen(now, "RST received");
    }
    if (state === "SYN-RECEIVED") this.#error = "refused";
    else if (state !== "CLOSING" && state !== "LAST-ACK" && state !== "TIME-WAIT") {
      this.#error = "reset";
    }
    this.#reset();
    this.#setState(now, "CLOSED", "RST received");
  }

  // A passive open that failed in SYN-RECEIVED listens again (RFC 9293 §3.10.7.4).
  #backToListen(now: number, reason: string): void {
    this.#reset();
    this.#tx.drop(this.#tx.length);
    this.#rxFinSeq = null;
    this.#rxFinDone = false;
    this.#finSeq = null;
    this.#setState(now, "LISTEN", reason);
  }

  // Bytes [start, end) arrived twice: with SACK agreed, the next ACK reports
  // them first, as a D-SACK block (RFC 2883 §4).
  #reportDuplicate(start: number, end: number): void {
    if (this.#sackOk) this.#dsack = [start, end];
  }

  // Whether the out-of-order bytes [offset, offset + length) past RCV.NXT are all held already.
  #heldAlready(offset: number, length: number): boolean {
    for (const [start, end] of this.#rx.sackBlocks(64)) {
      if (start <= offset && offset + length <= end) return true;
    }
    return false;
  }

  /**
   * The SACK blocks this end's next ACK carries (RFC 2018 §4): a pending
   * D-SACK block first (RFC 2883), then the out-of-order ranges held, the
   * most recently grown first, except that the range holding a duplicate
   * comes right after its D-SACK block (RFC 2883 §4: so the peer can tell a
   * D-SACK above its cumulative ACK from a new SACK block); at most `max`.
   */
  #sackBlocks(max: number): SackBlock[] {
    if (!this.#sackOk || max <= 0) return [];
    const dsack = this.#dsack;
    // Without a D-SACK the newest `max` ranges do; with one, the range
    // holding the duplicate may be further down.
    const held: SackBlock[] = this.#rx.hasGaps
      ? this.#rx.sackBlocks(dsack === null ? max : 64)
        .map(([s, e]) => [seqAdd(this.#rcvNxt, s), seqAdd(this.#rcvNxt, e)])
      : [];
    if (dsack === null) return held.slice(0, max);
    const i = held.findIndex(([s, e]) => seqLe(s, dsack[0]) && seqLe(dsack[1], e));
    if (i > 0) held.unshift(held.splice(i, 1)[0]);
    return [dsack, ...held].slice(0, max);
  }

  #challengeAck(now: number): void {
    if (now - this.#challengeWindowStart >= 1000) {
      this.#challengeWindowStart = now;
      this.#challengeCount = 0;
    }
    if (this.#challengeCount >= this.config.challengeAckLimit) return;
    this.#challengeCount++;
    this.stats.challengeAcks++;
    this.#ackNow = true;
  }

  #acceptSynOptions(now: number, repr: TcpRepr): void {
    // MSS option (RFC 9293 §3.7.1): when absent, 536 over IPv4 and 1220 over
    // IPv6 (the IPv6 minimum MTU of 1280 less 60 bytes of headers).
    const fallback = this.#local?.family === "inet6" ? 1220 : 536;
    this.#peerMss = Math.max(1, Math.min(repr.mss ?? fallback, this.config.mss));
    // Window scaling (RFC 7323 §2.2) holds only when both SYNs carry the option.
    this.#peerScales = repr.windowScale !== null;
    const both = this.#peerScales && this.config.windowScaling;
    this.#sndShift = both ? Math.min(repr.windowScale!, 14) : 0;
    this.#rcvShift = both ? wantedShift(this.config.recvBufferSize) : 0;
    // SACK (RFC 2018 §2) and timestamps (RFC 7323 §3.2) likewise need both SYNs.
    this.#peerSack = repr.sackPermitted;
    this.#sackOk = this.#peerSack && this.config.sack;
    this.#peerTs = repr.timestamp !== null;
    this.#tsOk = this.#peerTs && this.#ts !== null;
    if (this.#tsOk) this.#ts!.fromSyn(repr.timestamp!.value, now);
  }

  /**
   * The most payload one segment carries: the peer's MSS less the options
   * every segment carries (RFC 9293 §3.7.1: the MSS counts data only).
   */
  #sendMss(): number {
    return Math.max(1, this.#peerMss - (this.#tsOk ? TS_OPTION : 0));
  }

  // Room for the SACK blocks the data segments carry now (RFC 2018 §3).
  #sackRoom(): number {
    return this.#sackOk && (this.#dsack !== null || this.#rx.hasGaps)
      ? sackOptionLength(this.#tsOk ? 3 : 4)
      : 0;
  }

  /**
   * The most data one segment carries, bytes: the peer's MSS less the
   * timestamps option. A segment with more is a super-segment
   * (`segmentOffload`), for the link to cut into packets of
   * {@link segmentSize}.
   */
  get maxSegmentPayload(): number {
    return this.#sendMss();
  }

  /**
   * The data one packet on the wire carries now, bytes: the MSS less the
   * options beside it. A link that cuts super-segments (`segmentOffload`)
   * cuts them to this.
   */
  get segmentSize(): number {
    return Math.max(1, this.#sendMss() - this.#sackRoom());
  }

  // The peer's window in bytes: scaled, except in a SYN (RFC 7323 §2.2).
  #peerWindow(repr: TcpRepr): number {
    return repr.control === "syn" ? repr.window : repr.window * 2 ** this.#sndShift;
  }

  #initSend(iss: number): void {
    this.#iss = iss;
    this.#sndUna = iss;
    this.#sndNxt = iss;
    this.#sndMax = iss;
    // The timestamps clock starts from a per-connection offset (RFC 7323
    // §7.1); scrambling the ISS gives one that is random but replayable.
    if (this.config.timestamps) this.#ts = new Timestamps(Math.imul(iss ^ 0x5bd1e995, 0x9e3779b1));
  }

  // Our SYN is acknowledged (SYN-SENT or SYN-RECEIVED): SND.UNA moves past it,
  // and the handshake gives the first RTT sample: the timestamp echo, or the
  // SYN's own time if it was sent once (Karn's rule, RFC 6298 §3).
  #ackSyn(now: number, repr: TcpRepr): void {
    const ack = repr.ack!;
    this.#sndUna = ack;
    if (seqLt(this.#sndNxt, ack)) this.#sndNxt = ack;
    const echoedAt = this.#echoedAt(now, repr);
    if (echoedAt !== null) this.#takeRttSample(now, now - echoedAt);
    else if (this.#timing && seqGe(ack, this.#timing.seq)) {
      this.#takeRttSample(now, now - this.#timing.time);
    }
    this.#timing = null;
    this.#rtt.resetBackoff();
    this.#progressAt = now;
    this.#rtxAt = null;
  }

  // An acceptable ACK in a synchronized state (§3.10.7.4 fifth): SND.UNA
  // advances to SEG.ACK if it is newer, and everything the ACK says (SACK
  // blocks, whether it duplicates, its timestamp echo) goes to the loss
  // recovery, which measures the RTT and tells the congestion controller.
  #onAck(now: number, repr: TcpRepr, duplicate: boolean): void {
    const ack = repr.ack!;
    const advanced = seqGt(ack, this.#sndUna);
    if (advanced) {
      const data = Math.min(seqSub(ack, this.#sndUna), this.#tx.length);
      this.#tx.drop(data);
      this.stats.bytesSent += data;
      this.#sndUna = ack;
      // BSD and Linux clear the backoff on any ACK of new data (RFC 6298 §5, after rule 5.7, leaves it open).
      this.#rtt.resetBackoff();
      this.#progressAt = now;
    }
    const rtt = this.#recovery.onAck({
      now,
      ack,
      advanced,
      duplicate,
      sack: this.#sackOk ? repr.sack : NO_SACK,
      echoedAt: this.#echoedAt(now, repr),
      sndNxt: this.#sndNxt,
      sndWnd: this.#peerWindow(repr),
    });
    if (rtt !== null) this.#takeRttSample(now, rtt);
    // RFC 6298 §5.2/5.3: stop the timer when all is acked, else restart it.
    if (advanced) this.#rtxAt = this.#sndNxt === this.#sndUna ? null : now + this.#rtt.rto;
  }

  // When the transmission an arriving segment's TSecr answers was sent, or null.
  #echoedAt(now: number, repr: TcpRepr): number | null {
    if (!this.#tsOk || repr.timestamp === null || repr.ack === null) return null;
    return this.#ts!.echoedAt(repr.timestamp.echo, now);
  }

  #takeRttSample(now: number, sample: number): void {
    this.#rtt.sample(sample);
    this.#trace?.({
      kind: "rtt",
      time: now,
      endpoint: this.name,
      sample,
      srtt: this.#rtt.srtt!,
      rttvar: this.#rtt.rttvar!,
      rto: this.#rtt.rto,
    });
  }

  // Window update rule (§3.10.7.4 fifth): only from a newer segment.
  #updateWindow(repr: TcpRepr): void {
    const ack = repr.ack!;
    if (
      seqLt(this.#sndWl1, repr.seq) ||
      (this.#sndWl1 === repr.seq && seqLe(this.#sndWl2, ack))
    ) {
      this.#sndWnd = this.#peerWindow(repr);
      this.#sndWl1 = repr.seq;
      this.#sndWl2 = ack;
      this.#maxSndWnd = Math.max(this.#maxSndWnd, this.#sndWnd);
      if (this.#sndWnd > 0) {
        this.#persistAt = null;
        this.#persistBackoff = 0;
      }
    }
  }

  // What may go out in ESTABLISHED and the closing states, in RFC 6675
  // NextSeg's order: a tail-loss probe if one is due, retransmissions of
  // segments counted lost (rule 1), new data and the FIN as the congestion and
  // receive windows allow (rule 2), and in fast recovery with nothing else to
  // send, one segment below the highest SACKed (rule 3).
  #sendData(now: number, out: TcpRepr[]): void {
    const state = this.#state;
    const mayFin = this.#finQueued &&
      (state === "ESTABLISHED" || state === "CLOSE-WAIT" || state === "FIN-WAIT-1" ||
        state === "CLOSING" || state === "LAST-ACK");
    const sendsData = state === "ESTABLISHED" || state === "CLOSE-WAIT" ||
      ((state === "FIN-WAIT-1" || state === "CLOSING" || state === "LAST-ACK") &&
        this.#tx.length > 0);
    const rec = this.#recovery;
    if (this.#probeDue) {
      this.#probeDue = false;
      this.#sendProbe(now, out, sendsData);
    }
    if (this.#rtoDue) {
      // RFC 6298 §5.4: the earliest unacknowledged segment goes again now,
      // whatever the window: in "rack" mode, newer segments RACK does not yet
      // count lost (RFC 8985 §6.3) may fill the one-segment loss window.
      this.#rtoDue = false;
      const head = rec.nextRetransmission();
      if (head !== null) {
        this.#fitRetransmission(head, 0);
        out.push(this.#retransmit(now, head));
      }
    }
    for (let seg = rec.nextRetransmission(); seg !== null; seg = rec.nextRetransmission()) {
      const room = rec.window - rec.pipe;
      if (rec.pipe === 0 || room >= this.segmentSize) this.#fitRetransmission(seg, room);
      if (!this.#windowAllows(segmentLength(seg)) || !this.#paceAllows(now)) return;
      out.push(this.#retransmit(now, seg));
    }
    // Each segment leaves room for the SACK blocks it carries (RFC 2018 §3).
    const mss = this.segmentSize;
    let first = true;
    while (sendsData || mayFin) {
      const offset = seqSub(this.#sndNxt, this.#sndUna);
      const remaining = this.#tx.length - offset; // -1 once the FIN is in flight
      const finInFlight = remaining < 0;
      if (finInFlight) break;
      if (remaining === 0 && !mayFin) {
        // Everything written is sent: if the window had room, the
        // application, not the network, sets the pace (RFC 7661).
        if (rec.window > rec.pipe) rec.markAppLimited(this.#sndNxt);
        break;
      }
      const usable = this.#peerRoom();
      let len = Math.max(0, Math.min(mss, remaining, usable));
      if (len === mss && this.config.segmentOffload > mss) {
        // TSO: whole MSSes up to the offload size, as the windows allow (the
        // tail of the data may end it short).
        const room = Math.min(this.config.segmentOffload, usable, rec.window - rec.pipe);
        len = room >= remaining ? remaining : Math.max(mss, Math.floor(room / mss) * mss);
        // After Linux's tcp_tso_should_defer: outside recovery, while ACKs
        // are on their way, a window-limited super-segment under a third of
        // the window waits for them to make it larger.
        const window = Math.min(rec.window, this.#sndWnd);
        if (
          rec.phase === "open" && len < remaining && room < this.config.segmentOffload &&
          rec.pipe > 0 && len < window / 3
        ) break;
      }
      const fin = mayFin && len === remaining;
      if (len === 0 && !fin) {
        if (remaining > 0 && this.#sndWnd === 0 && offset === 0) this.#armPersist(now);
        break;
      }
      const inFlight = offset > 0;
      if (len < mss && len < remaining) {
        // Sender SWS avoidance (§3.8.6.2.1): a window-limited sliver waits
        // unless it is at least half the largest window seen.
        if (len < this.#maxSndWnd / 2 && inFlight) break;
      }
      if (this.config.nagle && len < mss && len === remaining && !fin && inFlight) {
        break; // Nagle: a small segment waits for the ACK of what is in flight
      }
      if (first) {
        rec.beforeNewData(now); // restart after idle (RFC 5681 §4.1)
        first = false;
      }
      // The congestion window (RFC 5681 §3.1): the whole segment must fit.
      if (!this.#windowAllows(len + (fin ? 1 : 0)) || !this.#paceAllows(now)) break;
      // A view into the send buffer: valid until the next send() (see poll()).
      const payload = len > 0 ? this.#tx.view(offset, len) : EMPTY;
      const repr = this.#emit(now, {
        seq: this.#sndNxt,
        control: fin ? "fin" : null,
        psh: len > 0 && len === remaining,
        payload,
      }, len + (fin ? 1 : 0));
      out.push(repr);
      if (fin) {
        this.#finSeq = seqAdd(this.#sndUna, this.#tx.length);
        if (state === "ESTABLISHED") this.#setState(now, "FIN-WAIT-1", "close (FIN sent)");
        else if (state === "CLOSE-WAIT") this.#setState(now, "LAST-ACK", "close (FIN sent)");
        break;
      }
    }
    const rescue = rec.rescueRetransmission();
    if (rescue === null) return;
    // RFC 6675 NextSeg rule 3 sends one segment: of a super-segment, its first.
    const len = this.#isSuperSegment(rescue) ? this.segmentSize : segmentLength(rescue);
    if (this.#windowAllows(len) && this.#paceAllows(now)) {
      this.#fitRetransmission(rescue, 0);
      out.push(this.#retransmit(now, rescue));
    }
  }

  // Bytes the peer's window takes past SND.NXT (RFC 9293 §3.8.6.2.1's usable
  // window; negative when the window shrank below what is in flight).
  #peerRoom(): number {
    return seqSub(seqAdd(this.#sndUna, Math.min(this.#sndWnd, 0x7fffffff)), this.#sndNxt);
  }

  // Whether the sender's window (cwnd, or PRR's during recovery) has room for
  // `len` more bytes; with nothing in flight one segment always may go.
  #windowAllows(len: number): boolean {
    const rec = this.#recovery;
    const pipe = rec.pipe;
    return pipe === 0 || rec.window - pipe >= len;
  }

  // Whether pacing lets a segment leave now; if not, when it may (pollAt).
  #paceAllows(now: number): boolean {
    if (!this.config.pacing) return true;
    this.#paceAt = this.#pacer.waitUntil(now, this.#pacingRate(), this.#sendMss());
    return this.#paceAt === null;
  }

  // Bytes per ms: 2 or 1.2 × the window per SRTT (pacing.ts); Infinity before an RTT sample.
  #pacingRate(): number {
    const srtt = this.#rtt.srtt;
    if (srtt === null || srtt <= 0) return Infinity;
    const rec = this.#recovery;
    const slowStart = rec.phase === "open" && rec.cc.cwnd < rec.cc.ssthresh;
    return (slowStart ? PACING_SS_RATIO : PACING_CA_RATIO) * rec.window / srtt;
  }

  // A super-segment about to go again is cut to what the window takes, in
  // whole segments and at least one (after a timeout, one: RFC 5681 §3.1's
  // loss window); the rest stays lost, for when the window allows.
  #fitRetransmission(seg: SentSegment, room: number): void {
    if (!this.#isSuperSegment(seg)) return;
    const size = this.segmentSize, len = dataLength(seg);
    const keep = Math.max(size, Math.floor(room / size) * size);
    if (keep < len) this.#recovery.scoreboard.split(seg, seqAdd(seg.start, keep));
  }

  // Whether a segment of the scoreboard carries more data than a packet (only with segment offload).
  #isSuperSegment(seg: SentSegment): boolean {
    const mss = this.#sendMss();
    return this.config.segmentOffload > mss && dataLength(seg) > mss;
  }

  // Sends a segment of the scoreboard again, whole.
  #retransmit(now: number, seg: SentSegment): TcpRepr {
    const offset = seqSub(seg.start, this.#sndUna);
    const dataLen = dataLength(seg);
    const payload = dataLen > 0 ? this.#tx.view(offset, dataLen) : EMPTY;
    return this.#emit(
      now,
      {
        seq: seg.start,
        control: seg.fin ? "fin" : null,
        psh: dataLen > 0 && offset + dataLen === this.#tx.length,
        payload,
      },
      0,
      seg,
    );
  }

  // A tail-loss probe (RFC 8985 §7.3): one segment of new data if the peer's
  // window takes it, whatever the congestion window says; else the last
  // segment again. The retransmission timer restarts from the probe.
  #sendProbe(now: number, out: TcpRepr[], sendsData: boolean): void {
    const rec = this.#recovery;
    const offset = seqSub(this.#sndNxt, this.#sndUna);
    const remaining = this.#tx.length - offset;
    const room = this.#peerRoom();
    if (sendsData && remaining > 0 && room > 0) {
      const len = Math.min(this.#sendMss(), remaining, room);
      out.push(this.#emit(now, {
        seq: this.#sndNxt,
        psh: len === remaining,
        payload: this.#tx.view(offset, len),
      }, len));
      rec.onProbeSent(this.#sndNxt, false);
    } else {
      let last = rec.scoreboard.last;
      if (last === null || last.state === "sacked") return;
      // Of a super-segment, only its last segment (with the FIN, if it has
      // it), as Linux's tcp_send_loss_probe cuts it.
      if (this.#isSuperSegment(last)) {
        const size = this.segmentSize, len = dataLength(last);
        const at = seqAdd(last.start, Math.floor((len - 1) / size) * size);
        if (rec.scoreboard.split(last, at)) last = rec.scoreboard.last!;
      }
      out.push(this.#retransmit(now, last));
      rec.onProbeSent(this.#sndNxt, true);
    }
    this.#rtxAt = now + this.#rtt.rto;
  }

  // Builds a segment from this connection. New sequence space advances
  // SND.NXT by `consumes`; `resent` is the scoreboard's segment when this
  // sends it again (SND.NXT stays).
  #emit(
    now: number,
    fields: Partial<TcpRepr> & { seq: number },
    consumes: number,
    resent: SentSegment | null = null,
  ): TcpRepr {
    const synchronized = this.#state !== "SYN-SENT";
    const ack = synchronized ? this.#rcvNxt : null;
    const repr = fields.control === "syn"
      ? this.#make({ ack, ...fields })
      : this.#make({ ack, ...this.#options(now, ack, fields.payload?.length ?? 0), ...fields });
    if (this.config.pacing && repr.payload.length > 0) {
      this.#pacer.sent(now, repr.payload.length, this.#pacingRate());
    }
    if (resent !== null) {
      this.#retransmitted.add(repr);
      this.stats.retransmissions++;
      this.#recovery.onRetransmit(resent, now);
      // The timer restarts when the segment at SND.UNA goes again (RFC 6675 §6
      // allows re-arming it on retransmissions in recovery; Linux does it for
      // this one), so it times that copy and does not fire on its heels.
      if (this.#rtxAt === null || resent.start === this.#sndUna) this.#rtxAt = now + this.#rtt.rto;
      this.#persistAt = null;
    } else if (consumes > 0) {
      // Only a SYN is ever sent again from SND.NXT (the handshake's retransmission).
      const isNew = seqGe(this.#sndNxt, this.#sndMax);
      if (!isNew) {
        this.#retransmitted.add(repr);
        this.stats.retransmissions++;
      }
      const start = this.#sndNxt;
      this.#sndNxt = seqAdd(this.#sndNxt, consumes);
      if (seqGt(this.#sndNxt, this.#sndMax)) {
        if (fields.control === "syn" && this.#timing === null) {
          this.#timing = { seq: this.#sndNxt, time: now };
        }
        this.#sndMax = this.#sndNxt;
      }
      if (fields.control !== "syn") {
        this.#recovery.onSent(start, this.#sndNxt, fields.control === "fin", now);
      }
      if (this.#rtxAt === null) {
        this.#rtxAt = now + this.#rtt.rto;
        if (seqSub(this.#sndNxt, this.#sndUna) === consumes) this.#progressAt = now;
      }
      this.#persistAt = null;
    }
    if (ack !== null) {
      // Every segment with an ACK carries the current window and settles pending ACKs.
      this.#lastAckSent = ack;
      this.#ackNow = false;
      this.#ackAt = null;
      this.#unackedSegments = 0;
    }
    this.stats.segmentsSent++;
    if (this.config.keepAlive && this.#state !== "SYN-SENT" && this.#state !== "SYN-RECEIVED") {
      this.#keepAliveAt ??= now + this.config.keepAlive.idle;
    }
    return repr;
  }

  // The options of a segment after the handshake: timestamps once agreed
  // (RFC 7323 §3.2: TSecr echoes TS.Recent), and with an ACK the SACK blocks
  // that fit beside `payloadLen` bytes of data (RFC 2018 §4). A D-SACK block
  // is reported once.
  #options(
    now: number,
    ack: number | null,
    payloadLen: number,
  ): { timestamp: TcpRepr["timestamp"]; sack: readonly SackBlock[] } {
    const timestamp = this.#tsOk
      ? { value: this.#ts!.value(now), echo: this.#ts!.recent ?? 0 }
      : null;
    let sack = NO_SACK;
    if (ack !== null && this.#sackRoom() > 0) {
      // A super-segment is cut into packets of segmentSize, each with the options.
      const perPacket = payloadLen > this.#sendMss() ? this.segmentSize : payloadLen;
      const fit = Math.floor((this.#sendMss() - perPacket - 4) / 8);
      sack = this.#sackBlocks(Math.min(this.#tsOk ? 3 : 4, fit));
      if (sack.length > 0 && this.#dsack !== null) this.#dsack = null;
    }
    return { timestamp, sack };
  }

  // A segment with this connection's ports and current window.
  #make(fields: Partial<TcpRepr> & { seq: number }): TcpRepr {
    return tcpRepr({
      srcPort: this.#local?.port ?? 0,
      dstPort: this.#remote?.port ?? 0,
      window: this.#advertise(),
      ...fields,
    });
  }

  // The window to advertise, with receiver SWS avoidance: the right edge moves
  // only in steps of min(buffer/2, MSS) and never moves left.
  #advertise(): number {
    const edge = seqAdd(this.#rcvNxt, this.#rcvWindow());
    if (seqSub(edge, this.#rcvEdge) >= this.#swsThreshold() || seqLt(this.#rcvEdge, this.#rcvNxt)) {
      this.#rcvEdge = edge;
    }
    const bytes = Math.max(0, seqSub(this.#rcvEdge, this.#rcvNxt));
    return Math.min(Math.floor(bytes / 2 ** this.#rcvShift), 65535);
  }

  #swsThreshold(): number {
    return Math.min(Math.floor(this.#rx.capacity / 2), this.config.mss);
  }

  #rcvWindow(): number {
    return this.#rx.capacity - this.#rx.readable;
  }

  #replyRst(seq: number, ack: number | null): void {
    this.#replies.push(this.#make({ seq, ack, control: "rst", window: 0 }));
  }

  /** A timer ran out of patience: the connection is aborted with "timed out", its RST queued. */
  #giveUp(now: number, timer: TcpTimer, out: TcpRepr[]): void {
    this.#timerEvent(now, timer);
    this.#error = "timed out";
    this.abort(now);
    out.push(...this.#replies.splice(0));
  }

  #timers(now: number, out: TcpRepr[]): void {
    if (this.#timeWaitAt !== null && now >= this.#timeWaitAt) {
      // TIME-WAIT + 2·MSL elapsed: -> CLOSED.
      this.#timerEvent(now, "time-wait");
      this.#reset();
      this.#setState(now, "CLOSED", "2MSL expired");
      return;
    }
    // RACK's reordering timer and the tail-loss probe (RFC 8985 §6.2, §7.2).
    const fired = this.#recovery.onTimer(now, this.#rtxAt);
    if (fired !== null) {
      this.#timerEvent(now, fired);
      if (fired === "tail-loss-probe") {
        // The probe goes out in the timeout's place; the timer restarts from it.
        this.#probeDue = true;
        this.#rtxAt = now + this.#rtt.rto;
      }
    }
    if (this.#rtxAt !== null && now >= this.#rtxAt) {
      if (now - this.#progressAt >= this.config.userTimeout) {
        this.#giveUp(now, "user-timeout", out);
        return;
      }
      // Retransmission timeout (RFC 6298 §5.4-5.6): back off; the handshake
      // sends its SYN again, data goes to the loss recovery (RFC 5681 §3.1).
      this.#rtt.backoff();
      this.#rtxAt = now + this.#rtt.rto;
      this.stats.timeouts++;
      this.#timerEvent(now, "retransmit");
      if (this.#state === "SYN-SENT" || this.#state === "SYN-RECEIVED") {
        this.#timing = null;
        this.#sndNxt = this.#sndUna;
      } else {
        this.#recovery.onRto(now, this.#sndUna, this.#sndNxt);
        this.#rtoDue = true;
      }
    }
    if (this.#persistAt !== null && now >= this.#persistAt) {
      if (now - this.#lastRecvAt >= this.config.userTimeout) {
        this.#giveUp(now, "user-timeout", out);
        return;
      }
      // Zero-window probe (§3.8.6.1): an old sequence number forces the peer's ACK.
      this.#timerEvent(now, "persist");
      out.push(this.#emit(now, { seq: seqAdd(this.#sndUna, -1 >>> 0) }, 0));
      this.#persistBackoff++;
      this.#persistAt = null;
      this.#armPersist(now);
    }
    if (this.#ackAt !== null && now >= this.#ackAt) {
      this.#timerEvent(now, "delayed-ack");
      this.#ackAt = null;
      this.#ackNow = true;
    }
    if (this.#keepAliveAt !== null && now >= this.#keepAliveAt) {
      const ka = this.config.keepAlive!;
      this.#keepAliveAt = null;
      if (now - this.#lastRecvAt >= ka.idle && this.#sndNxt === this.#sndUna) {
        if (this.#keepAliveProbes >= ka.count) {
          this.#giveUp(now, "keep-alive", out);
          return;
        }
        // Keep-alive probe: <SEQ=SND.UNA-1>, no data (§3.8.4).
        this.#timerEvent(now, "keep-alive");
        this.#keepAliveProbes++;
        out.push(this.#emit(now, { seq: seqAdd(this.#sndUna, -1 >>> 0) }, 0));
        this.#keepAliveAt = now + ka.interval;
      } else {
        const due = this.#lastRecvAt + ka.idle;
        this.#keepAliveAt = due > now ? due : now + ka.idle;
      }
    }
  }

  #armPersist(now: number): void {
    if (this.#persistAt !== null) return;
    const base = this.#rtt.rto * 2 ** this.#persistBackoff;
    this.#persistAt = now + Math.min(base, this.config.rtt.maxRto);
  }

  #armTimeWait(now: number): void {
    this.#timeWaitAt = now + 2 * this.config.msl;
  }

  #enterTimeWait(now: number, reason: string): void {
    this.#recovery.stop();
    this.#rtxAt = null;
    this.#persistAt = null;
    this.#keepAliveAt = null;
    this.#armTimeWait(now);
    this.#setState(now, "TIME-WAIT", reason);
  }

  // Drops every timer and pending output of a connection leaving for CLOSED.
  #reset(): void {
    this.#recovery.stop();
    this.#probeDue = false;
    this.#rtoDue = false;
    this.#paceAt = null;
    this.#rtxAt = null;
    this.#persistAt = null;
    this.#ackAt = null;
    this.#keepAliveAt = null;
    this.#timeWaitAt = null;
    this.#ackNow = false;
    this.#timing = null;
    this.#finQueued = false;
  }

  // A CLOSED connection whose data has all been read gives its buffer back
  // (the core's memory) at once rather than when it is garbage-collected.
  #releaseReceiveBuffer(): void {
    if (this.#state !== "CLOSED" || this.#rx.readable > 0 || this.#rx === RELEASED) return;
    (this.#rx as Partial<Disposable>)[Symbol.dispose]?.();
    this.#rx = RELEASED;
  }

  #drop(now: number, reason: string, repr: TcpRepr): void {
    this.#trace?.({ kind: "drop", time: now, endpoint: this.name, reason, repr });
  }

  #setState(now: number, to: TcpState, reason: string): void {
    const from = this.#state;
    this.#state = to;
    if (to === "CLOSED") this.#releaseReceiveBuffer();
    if (to === "ESTABLISHED") {
      if (this.config.keepAlive) this.#keepAliveAt = now + this.config.keepAlive.idle;
      this.#recovery.start(this.#sendMss(), now, this.#sackOk, this.#sndNxt);
    }
    if (from !== to) {
      this.#trace?.({ kind: "state", time: now, endpoint: this.name, from, to, reason });
    }
  }

  #timerEvent(now: number, timer: TcpTimer): void {
    this.#trace?.({
      kind: "timer",
      time: now,
      endpoint: this.name,
      timer,
      rto: this.#rtt.rto,
      srtt: this.#rtt.srtt,
      backoffs: this.#rtt.backoffs,
    });
  }

  #traceSegment(now: number, direction: "send" | "recv", repr: TcpRepr): void {
    if (!this.#trace) return;
    const mine = direction === "send";
    const seqBase = mine ? this.#iss : this.#irs;
    const ackBase = mine ? this.#irs : this.#iss;
    this.#trace({
      kind: "segment",
      time: now,
      endpoint: this.name,
      direction,
      repr,
      relSeq: seqSub(repr.seq, seqBase) >>> 0,
      relAck: repr.ack === null ? null : seqSub(repr.ack, ackBase) >>> 0,
      state: this.#state,
      retransmission: mine && this.#retransmitted.has(repr),
    });
  }
}

function checkEndpoint(ep: InetAddr, which: string): void {
  if (
    typeof ep !== "object" || ep === null || typeof ep.hostname !== "string" ||
    (ep.family !== "inet" && ep.family !== "inet6")
  ) {
    throw new TypeError(
      `${which} endpoint must be an InetAddr { family: "inet" | "inet6", hostname, port }`,
    );
  }
  if (!Number.isInteger(ep.port) || ep.port < 0 || ep.port > 65535) {
    throw new RangeError(`${which} port must be an integer from 0 to 65535, got ${ep.port}`);
  }
}
