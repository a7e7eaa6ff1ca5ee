/**
 * Several TCP flows through one bottleneck on the simulated network: every
 * flow goes from the client host to the server host, so they share each
 * direction's rate limiter and queue, and compete as flows through one
 * router would. Each flow may have its own congestion controller, so a
 * learner can set CUBIC against Reno and watch the shares.
 *
 * A run either moves `bytes` per flow and ends when every flow has
 * delivered them, or, with `duration`, lets every flow send without end and
 * measures what each delivered within that much virtual time. Fairness is
 * Jain's index over the flows' goodputs (1 when equal, 1/n when one flow
 * takes everything).
 *
 * @module
 */
import type { TraceHook } from "../tcp/events.ts";
import type { CongestionController } from "../tcp/congestion.ts";
import type { TcpConfig, TcpSocket } from "../tcp/socket.ts";
import { rfc6528Isn } from "../tcp/isn.ts";
import { type Impairments, type LinkStats, SimNetwork } from "./sim.ts";
import { Random } from "./random.ts";
import { CLIENT_ADDR, SERVER_ADDR } from "./transfer.ts";
import { inetAddr } from "../wire/inet_addr.ts";

/** The settings of a run of several flows. */
export interface FlowsOptions {
  /** Seed of everything random. */
  readonly seed: number;
  /** The controller of each flow (one entry per flow). */
  readonly controllers: readonly (() => CongestionController)[];
  /** Bytes each flow sends (ignored with `duration`). */
  readonly bytes?: number;
  /** Virtual time to run for, ms: every flow sends without end until then. */
  readonly duration?: number;
  /** Virtual time from which goodput is measured, ms (default 0; `duration` only). */
  readonly warmup?: number;
  /** Impairments of the client -> server direction: the bottleneck. */
  readonly forward?: Partial<Impairments>;
  /** Impairments of the server -> client direction (default: as forward). */
  readonly reverse?: Partial<Impairments>;
  /** TCP settings of every connection. */
  readonly config?: Partial<TcpConfig>;
  /** Each flow starts this many ms after the previous one (default 0). */
  readonly stagger?: number;
  /** Bound on virtual time in ms (default 6 hours; ignored with `duration`). */
  readonly maxTime?: number;
  /** The trace hook. */
  readonly trace?: TraceHook | null;
}

/** How one flow did. */
export interface FlowResult {
  /** The client's port. */
  readonly port: number;
  /** The controller's name. */
  readonly controller: string;
  /** Bytes the server read of this flow (within the measured window with `duration`). */
  readonly bytes: number;
  /**
   * Goodput, bytes per second of virtual time: with `duration`, over the
   * measured window; with `bytes`, from the flow's start to its last byte.
   */
  readonly goodput: number;
  /** The share of all flows' goodput, 0 to 1. */
  readonly share: number;
  /** Segments the client retransmitted. */
  readonly retransmissions: number;
  /** Retransmission timeouts. */
  readonly timeouts: number;
  /** Fast-recovery episodes. */
  readonly recoveries: number;
  /** When the flow had delivered everything, ms (bytes mode), or null. */
  readonly doneTime: number | null;
}

/** The outcome of a run of several flows. */
export interface FlowsResult {
  /** The seed that replays this run. */
  readonly seed: number;
  /** Every flow delivered its bytes (bytes mode) or ran for the duration. */
  readonly ok: boolean;
  /** What went wrong, when not ok. */
  readonly problems: string[];
  /** Each flow, in the order they started. */
  readonly flows: FlowResult[];
  /** Jain's fairness index over the flows' goodputs. */
  readonly jain: number;
  /** The virtual time at the end, ms. */
  readonly time: number;
  /** What the bottleneck direction did. */
  readonly forward: LinkStats;
  /** What the reverse direction did. */
  readonly reverse: LinkStats;
}

/**
 * Jain's fairness index of some allocations: (Σx)² / (n·Σx²), 1 when all
 * are equal, 1/n when one takes everything.
 *
 * @param xs The allocations (goodputs).
 * @returns The index, or 1 for no allocation at all.
 *
 * @example
 * ```ts
 * import { jainIndex } from "./flows.ts";
 * import assert from "node:assert/strict";
 * assert.equal(jainIndex([5, 5]), 1);
 * assert.equal(jainIndex([10, 0]), 0.5);
 * ```
 */
export function jainIndex(xs: readonly number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (xs.length * squares);
}

const PORT = 80;
const sink = new Uint8Array(256 * 1024);

interface Flow {
  readonly controller: () => CongestionController;
  readonly startAt: number;
  client: TcpSocket | null;
  server: TcpSocket | null;
  sent: number;
  received: number;
  /** Bytes received before the measured window began. */
  receivedAtWarmup: number | null;
  doneTime: number | null;
}

/**
 * Runs several flows through one bottleneck.
 *
 * @throws {RangeError} For no flows, or neither bytes nor a duration.
 *
 * @example Two Reno flows share 10 Mbit/s
 * ```ts
 * import { runFlows } from "./flows.ts";
 * import { Reno } from "../tcp/reno.ts";
 * import assert from "node:assert/strict";
 * const r = runFlows({
 *   seed: 1,
 *   controllers: [() => new Reno(), () => new Reno()],
 *   duration: 3000,
 *   forward: { delay: 10, rate: 1_250_000, queue: 64 * 1024 },
 * });
 * assert.ok(r.ok && r.flows.every((f) => f.goodput > 0));
 * ```
 */
export function runFlows(options: FlowsOptions): FlowsResult {
  const { seed, controllers } = options;
  const duration = options.duration ?? 0;
  const bytes = options.bytes ?? 0;
  if (controllers.length === 0) throw new RangeError("flows: at least one flow is needed");
  if (!(duration > 0) && !(bytes > 0)) {
    throw new RangeError("flows: give each flow some bytes to send, or a duration");
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`flows: bytes must be a whole number >= 0, got ${bytes}`);
  }
  const warmup = options.warmup ?? 0;
  if (duration > 0 && !(warmup >= 0 && warmup < duration)) {
    throw new RangeError(`flows: warmup must be from 0 to below the duration, got ${warmup}`);
  }
  const forward = options.forward ?? {};
  const reverse = options.reverse ?? forward;
  const mtu = Math.min(forward.mtu ?? 65535, reverse.mtu ?? 65535);
  const rng = new Random((seed ^ 0xf10f) >>> 0);
  const base: Partial<TcpConfig> = {
    mss: Math.min(1460, mtu - 40),
    msl: 1000,
    userTimeout: 3_600_000,
    isn: rfc6528Isn(rng.fill(new Uint8Array(16))),
    ...options.config,
  };
  const net = new SimNetwork({ seed, trace: options.trace ?? null });
  const clientStack = net.addHost(CLIENT_ADDR, base);
  const serverStack = net.addHost(SERVER_ADDR, base);
  net.impair(CLIENT_ADDR, SERVER_ADDR, forward);
  net.impair(SERVER_ADDR, CLIENT_ADDR, reverse);
  serverStack.listen(PORT, controllers.length + 8);

  const data = rng.fill(new Uint8Array(64 * 1024));
  const stagger = options.stagger ?? 0;
  const flows: Flow[] = controllers.map((controller, i) => ({
    controller,
    startAt: i * stagger,
    client: null,
    server: null,
    sent: 0,
    received: 0,
    receivedAtWarmup: null,
    doneTime: null,
  }));
  for (const f of flows) if (f.startAt > 0) net.wakeAt(f.startAt);
  if (duration > 0 && warmup > 0) net.wakeAt(warmup);
  const byPort = new Map<number, Flow>();
  const endless = duration > 0;

  const end = net.run({
    maxTime: endless ? duration : options.maxTime ?? 6 * 3_600_000,
    onStep(now) {
      for (const f of flows) {
        if (f.client === null && now >= f.startAt) {
          f.client = clientStack.connect(now, inetAddr(SERVER_ADDR, PORT), undefined, {
            congestion: f.controller,
          });
          byPort.set(f.client.local!.port, f);
        }
      }
      for (let s; (s = serverStack.accept(PORT)) !== null;) {
        const f = byPort.get(s.remote!.port);
        if (f) f.server = s;
      }
      for (const f of flows) {
        const c = f.client, s = f.server;
        if (s) {
          for (let n; (n = s.recvInto(sink)) > 0;) f.received += n;
          if (f.receivedAtWarmup === null && now >= warmup) f.receivedAtWarmup = f.received;
          if (!endless && f.doneTime === null && f.received >= bytes) f.doneTime = now;
          if (s.recvFinished && s.canSend) s.close(now);
        }
        if (c === null || !c.canSend) continue;
        while (c.sendCapacity > 0 && (endless || f.sent < bytes)) {
          const want = endless ? data.length : Math.min(data.length, bytes - f.sent);
          const n = c.send(data.subarray(0, want));
          if (n === 0) break;
          f.sent += n;
        }
        if (!endless && f.sent >= bytes) c.close(now);
      }
    },
    until: () =>
      !endless && flows.every((f) => f.client?.state === "CLOSED" && f.server?.state === "CLOSED"),
  });

  const problems: string[] = [];
  if (end === "stuck" || (!endless && end !== "done")) {
    problems.push(`run ended "${end}" at ${net.now} ms virtual time`);
  }
  const window = endless ? duration - warmup : 0;
  const measured = flows.map((f) => {
    if (endless) return f.received - (f.receivedAtWarmup ?? 0);
    return f.received;
  });
  // With bytes, each flow's goodput runs from its own start to its last byte read.
  const goodputs = flows.map((f, i) =>
    endless
      ? measured[i] / (window / 1000)
      : f.doneTime !== null && f.doneTime > f.startAt
      ? measured[i] / ((f.doneTime - f.startAt) / 1000)
      : 0
  );
  const total = goodputs.reduce((a, b) => a + b, 0);
  flows.forEach((f, i) => {
    if (!endless && f.received !== bytes) {
      problems.push(`flow ${i + 1} delivered ${f.received} of ${bytes} bytes`);
    }
    if (f.client?.error) problems.push(`flow ${i + 1} failed: ${f.client.error}`);
  });
  return {
    seed,
    ok: problems.length === 0,
    problems,
    flows: flows.map((f, i) => ({
      port: f.client?.local?.port ?? 0,
      controller: f.client?.congestion.name ?? "",
      bytes: measured[i],
      goodput: goodputs[i],
      share: total > 0 ? goodputs[i] / total : 0,
      retransmissions: f.client?.stats.retransmissions ?? 0,
      timeouts: f.client?.stats.timeouts ?? 0,
      recoveries: f.client?.stats.recoveries ?? 0,
      doneTime: f.doneTime,
    })),
    jain: jainIndex(goodputs),
    time: net.now,
    forward: net.directionStats(CLIENT_ADDR, SERVER_ADDR),
    reverse: net.directionStats(SERVER_ADDR, CLIENT_ADDR),
  };
}
