/**
 * A scripted transfer between two hosts on a {@link SimNetwork}: the client
 * sends `bytes` seeded random bytes, the server answers with `replyBytes`,
 * and both close in the chosen order. The result says whether every byte
 * arrived exactly (SHA-256 of each direction), whether the run ended, and in
 * which state each end finished. `socklab sim`, the soak test, the examples
 * and the benchmark all run this.
 *
 * @module
 */
import { createSha256, type Sha256Hash } from "../sha256.ts";
import type { TraceHook } from "../tcp/events.ts";
import type { TcpConfig, TcpErrorKind, TcpSocket, TcpState } from "../tcp/socket.ts";
import { rfc6528Isn } from "../tcp/isn.ts";
import {
  type Impairments,
  type LinkStats,
  type RunEnd,
  SimNetwork,
  type SimOptions,
} from "./sim.ts";
import { Random } from "./random.ts";
import { inetAddr } from "../wire/inet_addr.ts";

/** Who closes first. */
export type CloseOrder = "client-first" | "server-first" | "simultaneous";

/** Every close order. */
export const CLOSE_ORDERS: readonly CloseOrder[] = ["client-first", "server-first", "simultaneous"];

/** The settings of one run. */
export interface TransferOptions {
  /** Seed of everything random: impairments, data, ISNs. */
  readonly seed: number;
  /** Bytes from client to server. */
  readonly bytes: number;
  /** Bytes from server to client (default 0). */
  readonly replyBytes?: number;
  /** Impairments of the client -> server direction. */
  readonly forward?: Partial<Impairments>;
  /** Impairments of the server -> client direction (default: as forward). */
  readonly reverse?: Partial<Impairments>;
  /** TCP settings of both ends (the MSS defaults to the MTU minus 40). */
  readonly config?: Partial<TcpConfig>;
  /** TCP settings of the server only, over `config`. */
  readonly serverConfig?: Partial<TcpConfig>;
  /** Who closes first (default "client-first"). */
  readonly closeOrder?: CloseOrder;
  /** The server reads nothing until this virtual time (a zero-window stall). */
  readonly serverReadsFrom?: number;
  /** Both ends connect to each other at once (simultaneous open). */
  readonly simultaneousOpen?: boolean;
  /** Bound on virtual time in ms (default 6 hours). */
  readonly maxTime?: number;
  /** The trace hook. */
  readonly trace?: TraceHook | null;
  /** A scripted fault (see {@link SimOptions.fault}). */
  readonly fault?: SimOptions["fault"];
}

/** How one end finished. */
export interface EndResult {
  /** The host's address. */
  readonly addr: string;
  /** The connection's final state. */
  readonly state: TcpState;
  /** Why the connection failed, or null. */
  readonly error: TcpErrorKind | null;
  /** SHA-256 (hex) of what this end's application wrote. */
  readonly sentSha256: string;
  /** SHA-256 (hex) of what this end's application read. */
  readonly receivedSha256: string;
  /** Bytes this end's application read. */
  readonly bytesReceived: number;
  /** Segments this end sent. */
  readonly segmentsSent: number;
  /** Segments that re-sent sequence space. */
  readonly retransmissions: number;
  /** Retransmission timeouts. */
  readonly timeouts: number;
  /** Fast-recovery episodes. */
  readonly recoveries: number;
  /** Tail-loss probes sent. */
  readonly tlpProbes: number;
  /** Retransmissions this end found needless (D-SACK or timestamps). */
  readonly spuriousRetransmissions: number;
  /** Data segments that reached this end wholly already received. */
  readonly duplicateSegments: number;
  /** The congestion controller's name. */
  readonly controller: string;
  /** The loss-recovery mode in effect ("newreno" without SACK). */
  readonly recovery: string;
  /** The options both ends agreed on. */
  readonly options: { sack: boolean; timestamps: boolean; windowScale: boolean };
  /** The final smoothed RTT in ms, or null without a sample. */
  readonly srtt: number | null;
  /** The final RTO in ms. */
  readonly rto: number;
}

/** The outcome of one run. */
export interface TransferResult {
  /** The seed that replays this run. */
  readonly seed: number;
  /** Every byte delivered exactly, and both ends CLOSED. */
  readonly ok: boolean;
  /** What went wrong, when not ok. */
  readonly problems: string[];
  /** How the simulation ended. */
  readonly end: RunEnd;
  /** Virtual time at the end, ms. */
  readonly time: number;
  /** Packets still on their way when the run ended (late duplicates, say). */
  readonly inFlight: number;
  /** Virtual time when the last data byte was acknowledged by the reader, ms. */
  readonly dataDoneTime: number;
  /** The client's outcome. */
  readonly client: EndResult;
  /** The server's outcome. */
  readonly server: EndResult;
  /** What the links did, both directions together. */
  readonly link: LinkStats;
  /** What the client -> server direction did. */
  readonly forward: LinkStats;
  /** What the server -> client direction did. */
  readonly reverse: LinkStats;
}

/** The client's address in every transfer. */
export const CLIENT_ADDR = "10.0.0.1";
/** The server's address in every transfer. */
export const SERVER_ADDR = "10.0.0.2";
const PORT = 80;
// Where each end's application reads into (the hash consumes it at once).
const scratch = new Uint8Array(256 * 1024);

class End {
  socket: TcpSocket | null = null;
  readonly sentHash: Sha256Hash = createSha256();
  readonly receivedHash: Sha256Hash = createSha256();
  sent = 0;
  received = 0;
  closed = false;
  constructor(readonly data: Uint8Array) {
    this.sentHash.update(data);
  }

  pump(canRead: boolean, canWrite: boolean): void {
    const s = this.socket;
    if (!s) return;
    if (canRead) {
      for (let n; (n = s.recvInto(scratch)) > 0;) {
        this.received += n;
        this.receivedHash.update(scratch.subarray(0, n));
      }
    }
    while (canWrite && this.sent < this.data.length && s.canSend && s.sendCapacity > 0) {
      this.sent += s.send(this.data.subarray(this.sent, this.sent + 65536));
    }
  }

  get allQueued(): boolean {
    return this.sent === this.data.length;
  }

  close(now: number): void {
    // An application closes once connected (closing in SYN-SENT would abandon the open).
    const opening = this.socket?.state === "SYN-SENT" || this.socket?.state === "SYN-RECEIVED";
    if (!this.closed && this.socket && !opening) {
      this.closed = true;
      this.socket.close(now);
    }
  }

  result(addr: string): EndResult {
    const s = this.socket;
    return {
      addr,
      state: s?.state ?? "CLOSED",
      error: s?.error ?? null,
      sentSha256: this.sentHash.hex(),
      receivedSha256: this.receivedHash.hex(),
      bytesReceived: this.received,
      segmentsSent: s?.stats.segmentsSent ?? 0,
      retransmissions: s?.stats.retransmissions ?? 0,
      timeouts: s?.stats.timeouts ?? 0,
      recoveries: s?.stats.recoveries ?? 0,
      tlpProbes: s?.stats.tlpProbes ?? 0,
      spuriousRetransmissions: s?.stats.spuriousRetransmissions ?? 0,
      duplicateSegments: s?.stats.duplicateSegments ?? 0,
      controller: s?.congestion.name ?? "",
      recovery: s?.recovery.mode ?? "",
      options: {
        sack: s?.options.sack ?? false,
        timestamps: s?.options.timestamps ?? false,
        windowScale: s?.options.windowScale != null,
      },
      srtt: s?.rtt.srtt ?? null,
      rto: s?.rtt.rto ?? 0,
    };
  }
}

/**
 * Runs one transfer.
 *
 * @throws {RangeError} For negative sizes or bad impairments.
 *
 * @example A clean 100 kB transfer
 * ```ts
 * import { runTransfer } from "./transfer.ts";
 * import assert from "node:assert/strict";
 * const r = runTransfer({ seed: 1, bytes: 100_000, forward: { delay: 5 } });
 * assert.ok(r.ok, r.problems.join("; "));
 * ```
 */
export function runTransfer(options: TransferOptions): TransferResult {
  const { seed, bytes } = options;
  const replyBytes = options.replyBytes ?? 0;
  for (const [name, n] of [["bytes", bytes], ["replyBytes", replyBytes]] as const) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`transfer ${name} must be a whole number >= 0, got ${n}`);
    }
  }
  const forward = options.forward ?? {};
  const reverse = options.reverse ?? forward;
  const mtu = Math.min(forward.mtu ?? 65535, reverse.mtu ?? 65535);
  const rng = new Random((seed ^ 0x5eed) >>> 0);
  const key = rng.fill(new Uint8Array(16));
  const base: Partial<TcpConfig> = {
    mss: Math.min(1460, mtu - 40),
    msl: 1000,
    userTimeout: 3_600_000,
    isn: rfc6528Isn(key),
    ...options.config,
  };
  const net = new SimNetwork({ seed, trace: options.trace ?? null, fault: options.fault ?? null });
  const clientStack = net.addHost(CLIENT_ADDR, base);
  const serverStack = net.addHost(SERVER_ADDR, { ...base, ...options.serverConfig });
  net.impair(CLIENT_ADDR, SERVER_ADDR, forward);
  net.impair(SERVER_ADDR, CLIENT_ADDR, reverse);

  const client = new End(rng.fill(new Uint8Array(bytes)));
  const server = new End(rng.fill(new Uint8Array(replyBytes)));
  const order = options.closeOrder ?? "client-first";
  const readFrom = options.serverReadsFrom ?? 0;
  if (options.simultaneousOpen) {
    client.socket = clientStack.connect(0, inetAddr(SERVER_ADDR, PORT), PORT);
    server.socket = serverStack.connect(0, inetAddr(CLIENT_ADDR, PORT), PORT);
  } else {
    serverStack.listen(PORT, 8);
    client.socket = clientStack.connect(0, inetAddr(SERVER_ADDR, PORT));
  }
  if (readFrom > 0) net.wakeAt(readFrom);
  let dataDoneTime = 0;
  const end = net.run({
    maxTime: options.maxTime ?? 6 * 3_600_000,
    onStep(now) {
      server.socket ??= serverStack.accept(PORT);
      const c = client.socket!, s = server.socket;
      client.pump(true, true);
      server.pump(now >= readFrom, false);
      // With client-first the server answers only after the client's FIN (a
      // half-closed connection still carries the reply).
      const serverAnswers = order !== "client-first" || (s?.recvFinished ?? false);
      server.pump(false, serverAnswers);
      if (dataDoneTime === 0 && server.received === bytes && client.received === replyBytes) {
        dataDoneTime = now;
      }
      // Client: closes when its data is queued (client-first, simultaneous),
      // or after the server's FIN (server-first).
      if (client.allQueued && (order !== "server-first" || c.recvFinished)) client.close(now);
      if (s && serverAnswers && server.allQueued) server.close(now);
    },
    until: () =>
      client.socket!.state === "CLOSED" && server.socket?.state === "CLOSED" &&
      net.now >= readFrom,
  });
  const c = client.result(CLIENT_ADDR);
  const s = server.result(SERVER_ADDR);
  const problems: string[] = [];
  if (end !== "done") problems.push(`run ended "${end}" at ${net.now} ms virtual time`);
  if (s.receivedSha256 !== c.sentSha256) {
    problems.push(`server received ${s.bytesReceived} of ${bytes} bytes (SHA-256 differs)`);
  }
  if (c.receivedSha256 !== s.sentSha256) {
    problems.push(`client received ${c.bytesReceived} of ${replyBytes} bytes (SHA-256 differs)`);
  }
  for (const e of [c, s]) {
    if (e.state !== "CLOSED") problems.push(`${e.addr} ended in ${e.state}`);
    if (e.error) problems.push(`${e.addr} failed: ${e.error}`);
  }
  return {
    seed,
    ok: problems.length === 0,
    problems,
    end,
    time: net.now,
    inFlight: net.inFlight,
    dataDoneTime,
    client: c,
    server: s,
    link: net.stats,
    forward: net.directionStats(CLIENT_ADDR, SERVER_ADDR),
    reverse: net.directionStats(SERVER_ADDR, CLIENT_ADDR),
  };
}
