/**
 * The impairment pipeline both links run on every packet they send: the
 * simulated network (`sim.ts`) on its virtual clock, the UDP link (`udp.ts`)
 * on the real one. {@link LinkImpairer.decide} works out what happens to one
 * packet; {@link recordDrop} counts and traces it if it was dropped, and
 * {@link recordFate} what was done to it if not, and {@link bufferOwner}
 * says which of its deliveries hands back the pooled buffer it was written
 * into. Each link keeps only what is its own: when the packet is handed over
 * (an event queue, a timer) and how (to a host, to a UDP socket).
 *
 * The steps, in the order the random numbers are drawn:
 *
 * 1. MTU: a packet larger than the MTU is dropped (no random number).
 * 2. Loss: dropped with probability `loss`.
 * 3. A scripted fault, if the link has one, may drop it.
 * 4. Rate limit: the packet waits until the ones before it have left; if
 *    more than `queue` bytes would be waiting, it is dropped. It departs
 *    once its own bytes have gone out.
 * 5. Delay and jitter: it arrives `delay` ± `jitter` ms after it departs,
 *    never before it departs.
 * 6. Reordering: with probability `reorder` it is held back a further 1 to
 *    `delay` + 6 ms, behind packets sent after it.
 * 7. Corruption: with probability `corrupt` one bit is flipped.
 * 8. Duplication: with probability `duplicate` an intact copy arrives up to
 *    2 ms after it.
 *
 * Whatever else drops a packet on either link (no host or peer for its
 * address, a failed check on arrival) goes through {@link recordDrop}, so
 * every lost packet has a counter and a trace event of the same shape.
 *
 * @module
 */
import type { TraceHook } from "../tcp/events.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import type { Random } from "./random.ts";
import type { Impairments } from "./impairments.ts";

/** The counters a link keeps of what its impairments did. */
export interface ImpairmentCounts {
  /** Packets lost (random loss, and scripted faults on the simulated network). */
  lost: number;
  /** Packets with a bit flipped. */
  corrupted: number;
  /** Packets delivered twice. */
  duplicated: number;
  /** Packets held back behind later ones. */
  reordered: number;
  /** Packets larger than the MTU, dropped. */
  mtuDrops: number;
  /** Packets dropped because the rate limiter's queue was full. */
  queueDrops: number;
}

/** Every counter of {@link ImpairmentCounts} at 0, for a link's stats to start from. */
export function zeroCounts(): ImpairmentCounts {
  return { lost: 0, corrupted: 0, duplicated: 0, reordered: 0, mtuDrops: 0, queueDrops: 0 };
}

/** A packet the impairments dropped. */
export interface Dropped {
  /** Discriminant. */
  readonly drop: true;
  /** The counter of {@link ImpairmentCounts} the drop adds to. */
  readonly counter: "mtuDrops" | "lost" | "queueDrops";
  /** Why, for the trace ("loss", "queue full", ...). */
  readonly reason: string;
}

/** A packet the impairments let through, and what they did to it. */
export interface Passed {
  /** Discriminant. */
  readonly drop: false;
  /** When it leaves the rate limiter (the time it was sent, without one). */
  readonly depart: number;
  /** When it arrives: never before `depart`. */
  readonly arrive: number;
  /** Whether it was held back behind later packets. */
  readonly reordered: boolean;
  /** The bit flipped (bit `b & 7` of byte `b >> 3`), or -1 if none was. */
  readonly corruptBit: number;
  /** When its intact duplicate arrives, or null if there is none. */
  readonly duplicateArrive: number | null;
}

/** What the impairments did to one packet. */
export type Fate = Dropped | Passed;

/**
 * The impairments of one direction of a link, with its rate limiter's state.
 *
 * @example A rate limit of 1000 bytes/s and a 10 ms delay
 * ```ts
 * import { LinkImpairer } from "./_impair.ts";
 * import { impairments } from "./impairments.ts";
 * import { Random } from "./random.ts";
 * import assert from "node:assert/strict";
 * const link = new LinkImpairer(impairments({ rate: 1000, queue: 2000, mtu: 1000, delay: 10 }));
 * const fate = link.decide(500, 0, new Random(1));
 * assert.ok(!fate.drop && fate.depart === 500 && fate.arrive === 510);
 * ```
 */
export class LinkImpairer {
  /** The settings (checked by `impairments()`). */
  readonly settings: Impairments;
  // When the rate limiter has sent everything queued so far, in ms.
  #busyUntil = 0;

  /** Makes the impairer of a direction with an idle rate limiter. */
  constructor(settings: Impairments) {
    this.settings = settings;
  }

  /**
   * Decides what happens to one packet sent at `now`, drawing from `random`
   * in the order the module documentation lists.
   *
   * @param length The packet's length in bytes, IP header included.
   * @param now The time it is sent, in ms.
   * @param random The generator the choices come from.
   * @param fault A scripted fault, asked only about packets that were not
   *   dropped before it: a string drops the packet with that reason.
   * @returns The packet's fate; times are on the clock of `now`.
   */
  decide(
    length: number,
    now: number,
    random: Random,
    fault: (() => string | null) | null = null,
  ): Fate {
    const imp = this.settings;
    if (length > imp.mtu) {
      return drop("mtuDrops", `${length} bytes exceed the MTU of ${imp.mtu}`);
    }
    if (random.chance(imp.loss)) return drop("lost", "loss");
    const reason = fault?.();
    if (reason) return drop("lost", reason);
    let depart = now;
    if (imp.rate > 0) {
      const start = Math.max(now, this.#busyUntil);
      const queued = (start - now) * imp.rate / 1000;
      if (queued + length > imp.queue) return drop("queueDrops", "queue full");
      this.#busyUntil = start + length * 1000 / imp.rate;
      depart = this.#busyUntil;
    }
    let arrive = depart + imp.delay;
    if (imp.jitter > 0) arrive = Math.max(depart, arrive + (random.next() * 2 - 1) * imp.jitter);
    const reordered = random.chance(imp.reorder);
    if (reordered) arrive += 1 + random.next() * (imp.delay + 5);
    const corruptBit = random.chance(imp.corrupt) ? random.int(length * 8) : -1;
    const duplicateArrive = random.chance(imp.duplicate) ? arrive + random.next() * 2 : null;
    return { drop: false, depart, arrive, reordered, corruptBit, duplicateArrive };
  }
}

function drop(counter: Dropped["counter"], reason: string): Dropped {
  return { drop: true, counter, reason };
}

/**
 * Counts and traces what the impairments did to a packet they let through,
 * the same way on every link: a "reorder", a "corrupt" (with the corrupted
 * bytes) and a "duplicate" link event for what applies, in that order. (A
 * dropped packet goes to {@link recordDrop} with its fate's counter and
 * reason.)
 *
 * @param fate What {@link LinkImpairer.decide} decided for a packet it passed.
 * @param packet The packet as the sender emitted it.
 * @param repr The segment it carries, or null for a packet that carries
 *   none (an ICMP message on the TUN link): counted, but not traced, as
 *   link events are about segments.
 * @param counts The link's counters.
 * @param trace The link's trace hook.
 * @param time The time the packet was sent.
 * @param link The direction, "src>dst".
 * @returns The bytes to deliver at `fate.arrive`: `packet` itself, or a
 *   corrupted copy (a duplicate is always `packet`).
 */
export function recordFate(
  fate: Passed,
  packet: Uint8Array,
  repr: TcpRepr | null,
  counts: ImpairmentCounts,
  trace: TraceHook | null,
  time: number,
  link: string,
): Uint8Array {
  const hook = repr === null ? null : trace;
  if (fate.reordered) {
    counts.reordered++;
    hook?.({ kind: "link", time, link, action: "reorder", packet, repr: repr! });
  }
  let wire = packet;
  if (fate.corruptBit >= 0) {
    counts.corrupted++;
    wire = packet.slice();
    wire[fate.corruptBit >> 3] ^= 1 << (fate.corruptBit & 7);
    hook?.({ kind: "link", time, link, action: "corrupt", packet: wire, repr: repr! });
  }
  if (fate.duplicateArrive !== null) {
    counts.duplicated++;
    hook?.({ kind: "link", time, link, action: "duplicate", packet, repr: repr! });
  }
  return wire;
}

/**
 * Which delivery of a packet a link let through puts the buffer the packet
 * was written into back in the link's pool: "packet" (the packet's own
 * delivery, when it is the buffer's only carrier), "duplicate" (its intact
 * duplicate, the only carrier when a corrupted copy was delivered instead
 * of the packet), "now" (no delivery carries it: a corrupted copy, no
 * duplicate), or "never" (the packet and its duplicate share it; the
 * garbage collector reclaims it once both are done).
 */
export type BufferOwner = "packet" | "duplicate" | "now" | "never";

/**
 * Decides which delivery returns a passed packet's pooled buffer, from
 * what {@link recordFate} delivers: the packet itself unless it was
 * corrupted (a corrupted copy travels instead), and the packet again as its
 * duplicate, if it has one.
 *
 * @param fate What {@link LinkImpairer.decide} decided for a packet it passed.
 * @returns See {@link BufferOwner}.
 *
 * @example A corrupted packet's intact duplicate carries its buffer
 * ```ts
 * import { bufferOwner } from "./_impair.ts";
 * import assert from "node:assert/strict";
 * const fate = {
 *   drop: false,
 *   depart: 0,
 *   arrive: 5,
 *   reordered: false,
 *   corruptBit: 9,
 *   duplicateArrive: 6,
 * } as const;
 * assert.equal(bufferOwner(fate), "duplicate");
 * ```
 */
export function bufferOwner(fate: Passed): BufferOwner {
  const corrupted = fate.corruptBit >= 0, duplicated = fate.duplicateArrive !== null;
  if (corrupted) return duplicated ? "duplicate" : "now";
  return duplicated ? "never" : "packet";
}

/**
 * Counts a packet a link dropped and traces a "drop" event for it: the one
 * shape every drop on a link has, whatever dropped it.
 *
 * @param counts The link's counters.
 * @param counter The counter the drop adds to.
 * @param trace The link's trace hook.
 * @param time When the packet was dropped.
 * @param endpoint Where, as trace events name it: the direction ("src>dst")
 *   for a packet the link lost (to its impairments, for want of a host or
 *   peer with its address, to a failed send, to the link closing), even one
 *   dropped as it arrives; the receiving end's address for one that end
 *   refused (it did not decode, or was addressed to another address).
 * @param reason Why, readable on its own ("no host 10.0.0.9 on this network").
 * @param repr The segment, when the packet could be parsed.
 *
 * @example
 * ```ts
 * import { recordDrop } from "./_impair.ts";
 * import type { TraceEvent } from "../tcp/events.ts";
 * import assert from "node:assert/strict";
 * const counts = { unroutable: 0 }, events: TraceEvent[] = [];
 * recordDrop(counts, "unroutable", (e) => events.push(e), 5, "10.0.0.1>10.0.0.9", "no peer for 10.0.0.9", null);
 * assert.equal(counts.unroutable, 1);
 * assert.equal(events[0].kind === "drop" && events[0].reason, "no peer for 10.0.0.9");
 * ```
 */
export function recordDrop<K extends string>(
  counts: Record<K, number>,
  counter: K,
  trace: TraceHook | null,
  time: number,
  endpoint: string,
  reason: string,
  repr: TcpRepr | null,
): void {
  counts[counter]++;
  trace?.({ kind: "drop", time, endpoint, reason, repr });
}
