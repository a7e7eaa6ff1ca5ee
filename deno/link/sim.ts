/**
 * An in-memory simulated network between any number of {@link TcpStack}s,
 * with a virtual clock and a seeded random generator: every run is
 * reproducible from its seed and runs as fast as the CPU allows, jumping
 * straight from one event to the next.
 *
 * Each direction between two hosts has its own {@link Impairments}: loss,
 * delay and jitter, reordering, duplication, bit corruption (caught by the
 * IPv4 and TCP checksums, since segments travel as real packets), a rate
 * limit with a queue of bounded size, and an MTU.
 *
 * @module
 */
import type { TraceHook } from "../tcp/events.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import { type IpSegment, TcpStack } from "../tcp/stack.ts";
import type { TcpConfig } from "../tcp/socket.ts";
import { checkLinkAddress, decodeSegment, encodedLength, encodeSegment } from "./packet.ts";
import { Random } from "./random.ts";
import { type Impairments, impairments } from "./impairments.ts";
import {
  bufferOwner,
  type ImpairmentCounts,
  LinkImpairer,
  recordDrop,
  recordFate,
  zeroCounts,
} from "./_impair.ts";

export { type Impairments, impairments, PERFECT_LINK } from "./impairments.ts";

/** What the links did, summed over all directions. */
export interface LinkStats extends ImpairmentCounts {
  /** Packets hosts put on links. */
  sent: number;
  /** Packets handed to the receiving host intact. */
  delivered: number;
  /** Packets the receiving host rejected (checksum or malformed). */
  rejected: number;
  /**
   * Packets for an address no host on the network has, dropped as they
   * arrive. Until then such a packet travels like any other: it is counted in
   * `sent`, traced as "send" and put through the impairments of its direction
   * (which may lose, corrupt or duplicate it); each copy that arrives, a
   * duplicate too, is counted here and traced as a drop on that direction.
   */
  unroutable: number;
}

interface Pending {
  time: number;
  order: number;
  to: string;
  /** The direction it travels. */
  dir: Direction;
  /** The segment it carries (the object its "send" event traced). */
  repr: TcpRepr;
  packet: Uint8Array;
  /** The pooled buffer the packet lives in, returned to the pool once delivered. */
  pooled: Uint8Array | null;
}

// Data packets live in recycled buffers of two sizes (when no trace hook can
// hold on to them): writing each packet into fresh memory, page faults and
// zeroing included, was most of the simulator's time. Small packets (ACKs)
// stay on packet.ts's slabs. Each pool keeps at most 16 MiB.
const POOL_MIN = 256;
const SMALL = 2048;
const BIG = 65536;
const POOL_BYTES = 16 << 20;

interface Direction {
  /** "src>dst", for traces. */
  key: string;
  impairer: LinkImpairer;
  /** What happened on this direction. */
  stats: LinkStats;
}

function zeroLinkStats(): LinkStats {
  return { sent: 0, delivered: 0, ...zeroCounts(), rejected: 0, unroutable: 0 };
}

/** Options of a {@link SimNetwork}. */
export interface SimOptions {
  /** Seed of the random generator (default 1). */
  readonly seed?: number;
  /** Receives the events of the links and of every host's TCP. */
  readonly trace?: TraceHook | null;
  /** Impairments of every direction not set with {@link SimNetwork.impair}. */
  readonly link?: Partial<Impairments>;
  /**
   * A scripted fault: called for every packet sent; a string drops the packet
   * with that reason (for examples and tests that lose one chosen segment).
   */
  readonly fault?: ((segment: IpSegment, now: number) => string | null) | null;
}

/**
 * How {@link SimNetwork.run} ended: "done" (`until()` held), "idle" (nothing
 * left to happen), "timeout" (the next event lay past `maxTime`), or
 * "stuck": a host kept asking to be polled at an instant already reached
 * and polling it changed nothing, {@link STUCK_AFTER} times in a row. That
 * is a bug in the TCP (a deadline nobody clears) which would spin a real
 * driver's timer loop; the run ends instead of hanging, so a test fails.
 */
export type RunEnd = "done" | "idle" | "timeout" | "stuck";

/** How many quiet turns at one virtual instant {@link SimNetwork.run} takes before "stuck". */
export const STUCK_AFTER = 1000;

/**
 * A simulated network.
 *
 * @example Two hosts, a handshake
 * ```ts
 * import { SimNetwork } from "./sim.ts";
 * import { inetAddr } from "../wire/inet_addr.ts";
 * import assert from "node:assert/strict";
 * const net = new SimNetwork({ seed: 1, link: { delay: 10 } });
 * const a = net.addHost("10.0.0.1"), b = net.addHost("10.0.0.2");
 * b.listen(80);
 * const c = a.connect(net.now, inetAddr("10.0.0.2", 80));
 * assert.equal(net.run({ until: () => c.state === "ESTABLISHED", maxTime: 1000 }), "done");
 * assert.equal(net.now, 20);
 * ```
 */
export class SimNetwork {
  /** The generator every random choice comes from. */
  readonly random: Random;

  #now = 0;
  #order = 0;
  #ident = 0;
  readonly #hosts = new Map<string, TcpStack>();
  // By source, then destination (no key string built per packet).
  readonly #directions = new Map<string, Map<string, Direction>>();
  readonly #default: Impairments;
  // Packets in flight by (time, order): a FIFO for those scheduled no earlier
  // than the last one in it (a constant delay keeps them all there), a heap
  // for the rest (jitter, reordering, rate limits). Popping takes the earlier
  // head, so the order is exactly that of one heap.
  readonly #heap: Pending[] = [];
  #fifo: Pending[] = [];
  #fifoHead = 0;
  readonly #smallPool: Uint8Array[] = [];
  readonly #bigPool: Uint8Array[] = [];
  readonly #wakes: number[] = [];
  readonly #trace: TraceHook | null;
  readonly #fault: ((segment: IpSegment, now: number) => string | null) | null;

  /**
   * Makes an empty network at virtual time 0.
   *
   * @throws {RangeError} For bad default impairments or seed.
   */
  constructor(options: SimOptions = {}) {
    this.random = new Random(options.seed ?? 1);
    this.#trace = options.trace ?? null;
    this.#fault = options.fault ?? null;
    this.#default = impairments(options.link ?? {});
  }

  /** The virtual time in ms. */
  get now(): number {
    return this.#now;
  }

  /** Counters of what the links did, summed over every direction. */
  get stats(): LinkStats {
    const sum = zeroLinkStats();
    for (const from of this.#directions.values()) {
      for (const dir of from.values()) {
        for (const key of Object.keys(sum) as (keyof LinkStats)[]) sum[key] += dir.stats[key];
      }
    }
    return sum;
  }

  /**
   * Counters of the direction `from` -> `to` alone (zero if nothing was sent on it).
   *
   * @returns A copy.
   */
  directionStats(from: string, to: string): LinkStats {
    const dir = this.#directions.get(from)?.get(to);
    return dir ? { ...dir.stats } : zeroLinkStats();
  }

  /** Packets on their way (sent or duplicated, not yet delivered or dropped). */
  get inFlight(): number {
    return this.#heap.length + this.#fifo.length - this.#fifoHead;
  }

  /** The hosts by address. */
  get hosts(): ReadonlyMap<string, TcpStack> {
    return this.#hosts;
  }

  /**
   * Adds a host with its own TCP stack.
   *
   * @throws {RangeError} If the address is not IPv4, or is taken.
   */
  addHost(addr: string, config: Partial<TcpConfig> = {}): TcpStack {
    checkLinkAddress(addr, "sim: a host's address");
    if (this.#hosts.has(addr)) throw new RangeError(`sim: host ${addr} exists already`);
    const stack = new TcpStack(addr, config, this.#trace);
    this.#hosts.set(addr, stack);
    return stack;
  }

  /**
   * Makes {@link run} stop at virtual time `time` and give the applications a
   * turn, even if no packet or timer is due then.
   */
  wakeAt(time: number): void {
    this.#wakes.push(time);
    this.#wakes.sort((a, b) => a - b);
  }

  /** Sets the impairments of the direction `from` -> `to`. */
  impair(from: string, to: string, given: Partial<Impairments>): void {
    const imp = impairments(given);
    // A fresh rate limiter, with nothing queued.
    this.#direction(from, to).impairer = new LinkImpairer(imp);
  }

  /**
   * Runs the network: delivers packets, fires timers, calls `onStep` after each
   * batch of events (the applications' turn), until `until()` holds, nothing is
   * left to happen, or the virtual clock would pass `maxTime` (see
   * {@link RunEnd}, "stuck" included).
   *
   * @throws {RangeError} If `maxTime` is not a finite number.
   */
  run(options: {
    until?: () => boolean;
    maxTime: number;
    onStep?: (now: number) => void;
  }): RunEnd {
    const { until, maxTime, onStep } = options;
    if (!Number.isFinite(maxTime)) {
      throw new RangeError(`sim: maxTime must be finite, got ${maxTime}`);
    }
    // Turns in a row at this instant in which nothing moved.
    let quiet = 0;
    for (;;) {
      // The applications act and the hosts answer until the instant is quiet.
      let moved = false;
      for (let i = 0; i < 1000; i++) {
        onStep?.(this.#now);
        if (!this.#flush()) break;
        moved = true;
      }
      if (until?.()) return "done";
      while (this.#wakes.length && this.#wakes[0] <= this.#now) this.#wakes.shift();
      let next = this.#peek()?.time ?? null;
      if (this.#wakes.length && (next === null || this.#wakes[0] < next)) next = this.#wakes[0];
      for (const host of this.#hosts.values()) {
        const at = host.pollAt();
        if (at !== null && (next === null || at < next)) next = at;
      }
      if (next === null) return "idle";
      if (next > maxTime) return "timeout";
      if (next > this.#now) {
        this.#now = next;
        quiet = 0;
      } else if (moved) quiet = 0;
      else if (++quiet >= STUCK_AFTER) return "stuck";
      this.#deliverDue();
    }
  }

  // The next packet to arrive, or undefined.
  #peek(): Pending | undefined {
    const f = this.#fifo[this.#fifoHead], h = this.#heap[0];
    if (f === undefined) return h;
    return h === undefined || before(f, h) ? f : h;
  }

  // Delivers every packet due now; true if there was one.
  #deliverDue(): boolean {
    let any = false;
    for (let p = this.#peek(); p !== undefined && p.time <= this.#now; p = this.#peek()) {
      if (p === this.#fifo[this.#fifoHead]) {
        this.#fifo[this.#fifoHead++] = undefined!;
        // Drop the delivered front once it is most of the array (amortized
        // O(1)), so a FIFO that never empties does not grow without bound.
        if (this.#fifoHead >= 1024 && this.#fifoHead * 2 >= this.#fifo.length) {
          this.#fifo = this.#fifo.slice(this.#fifoHead);
          this.#fifoHead = 0;
        } else if (this.#fifoHead === this.#fifo.length) {
          this.#fifo = [];
          this.#fifoHead = 0;
        }
      } else popHeap(this.#heap);
      this.#deliver(p);
      any = true;
    }
    return any;
  }

  // Every host sends what it has now; true if anything was sent or delivered.
  #flush(): boolean {
    let moved = false;
    for (let again = true; again;) {
      again = false;
      for (const host of this.#hosts.values()) {
        for (const seg of host.poll(this.#now)) {
          this.#transmit(seg);
          again = true;
        }
      }
      // A zero-delay link may have delivered; let hosts answer in the same instant.
      if (this.#deliverDue()) again = true;
      moved ||= again;
    }
    return moved;
  }

  #deliver(p: Pending): void {
    const host = this.#hosts.get(p.to);
    if (host) this.#receive(host, p);
    else {
      const reason = `no host ${p.to} on this network`;
      recordDrop(p.dir.stats, "unroutable", this.#trace, this.#now, p.dir.key, reason, p.repr);
    }
    // The host copied what it keeps (TCP never holds on to a segment's payload).
    this.#release(p.pooled);
  }

  #receive(host: TcpStack, p: Pending): void {
    let seg: IpSegment;
    try {
      seg = decodeSegment(p.packet);
    } catch (error) {
      const reason = `rejected: ${(error as Error).message}`;
      recordDrop(p.dir.stats, "rejected", this.#trace, this.#now, p.to, reason, null);
      return;
    }
    p.dir.stats.delivered++;
    host.receive(this.#now, seg);
  }

  // Puts a pooled buffer that no packet in flight uses back in its pool.
  #release(buf: Uint8Array | null): void {
    if (!buf) return;
    const pool = buf.length === BIG ? this.#bigPool : this.#smallPool;
    if (pool.length * buf.length < POOL_BYTES) pool.push(buf);
  }

  #direction(src: string, dst: string): Direction {
    let from = this.#directions.get(src);
    if (!from) this.#directions.set(src, from = new Map());
    let dir = from.get(dst);
    if (!dir) {
      dir = {
        key: `${src}>${dst}`,
        impairer: new LinkImpairer(this.#default),
        stats: zeroLinkStats(),
      };
      from.set(dst, dir);
    }
    return dir;
  }

  #transmit(seg: IpSegment): void {
    const dir = this.#direction(seg.src, seg.dst);
    const key = dir.key;
    // Without a trace hook nothing outlives delivery, so big packets reuse buffers.
    const length = this.#trace ? 0 : encodedLength(seg);
    const pooled = length < POOL_MIN
      ? null
      : length <= SMALL
      ? this.#smallPool.pop() ?? new Uint8Array(SMALL)
      : this.#bigPool.pop() ?? new Uint8Array(BIG);
    const packet = encodeSegment(seg, this.#ident++, pooled ?? undefined);
    const stats = dir.stats;
    stats.sent++;
    this.#trace?.({
      kind: "link",
      time: this.#now,
      link: key,
      action: "send",
      packet,
      repr: seg.repr,
    });
    const now = this.#now, fault = this.#fault;
    const fate = dir.impairer.decide(
      packet.length,
      now,
      this.random,
      fault && (() => fault(seg, now)),
    );
    if (fate.drop) {
      recordDrop(stats, fate.counter, this.#trace, now, key, fate.reason, seg.repr);
      return this.#release(pooled);
    }
    const wire = recordFate(fate, packet, seg.repr, stats, this.#trace, now, key);
    // The pooled buffer holds `packet`; one delivery at most hands it back.
    const owner = bufferOwner(fate);
    this.#schedule(fate.arrive, seg, dir, wire, owner === "packet" ? pooled : null);
    const dup = fate.duplicateArrive;
    if (dup !== null) this.#schedule(dup, seg, dir, packet, owner === "duplicate" ? pooled : null);
    if (owner === "now") this.#release(pooled);
  }

  #schedule(
    time: number,
    seg: IpSegment,
    dir: Direction,
    packet: Uint8Array,
    pooled: Uint8Array | null,
  ): void {
    const p: Pending = {
      time,
      order: this.#order++,
      to: seg.dst,
      dir,
      repr: seg.repr,
      packet,
      pooled,
    };
    const last = this.#fifo[this.#fifo.length - 1];
    if (last === undefined || time >= last.time) this.#fifo.push(p);
    else pushHeap(this.#heap, p);
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}

function pushHeap(heap: Pending[], item: Pending): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function popHeap(heap: Pending[]): Pending | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length && last) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
  return top;
}
