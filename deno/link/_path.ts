// One direction of a real-time link that carries whole IP packets (the TUN
// link's two, the relay's two): each packet goes through the seeded
// impairments of `_impair.ts` and is handed on at once, or later by a timer
// (delay, reordering, a duplicate), or never (lost, queue full, over the MTU,
// or still waiting when the path closes).
import type { TraceHook } from "../tcp/events.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import type { Impairments } from "./impairments.ts";
import { Random } from "./random.ts";
import {
  type Fate,
  type ImpairmentCounts,
  LinkImpairer,
  recordDrop,
  recordFate,
  zeroCounts,
} from "./_impair.ts";

/** A packet on a path. */
export interface PathPacket {
  /** The packet, IP header first. */
  readonly packet: Uint8Array;
  /** The TCP segment it carries, for traces; null when there is none or no trace. */
  readonly repr: TcpRepr | null;
  /** "src>dst", for traces ("" without a trace hook). */
  readonly link: string;
  /** For a super-segment, the payload of each packet it stands for (IpSegment.segmentSize). */
  readonly segmentSize?: number;
  /** With offloads: the transport checksum is partial, for the kernel (out) or as the kernel left it (in). */
  readonly checksumPartial?: boolean;
}

/** Options of an {@link ImpairedPath}. */
export interface PathOptions {
  /** What the path does to packets. */
  readonly settings: Impairments;
  /** Seed of its own generator. */
  readonly seed: number;
  /** The clock, ms (the same one as the timers'). */
  readonly clock: () => number;
  /** Hands a packet on, when its time comes. */
  readonly deliver: (p: PathPacket) => void;
  /**
   * Whether a packet kept for later must be copied first (the caller
   * reuses the buffer it was read into).
   */
  readonly copyKept: boolean;
  /** Receives the link's trace events. */
  readonly trace: TraceHook | null;
}

/** One direction of a link: the impairments, and the timers of delayed packets. */
export class ImpairedPath {
  /** What the impairments did. */
  readonly counts: ImpairmentCounts = zeroCounts();
  readonly #impairer: LinkImpairer;
  readonly #random: Random;
  readonly #options: PathOptions;
  readonly #timers = new Map<ReturnType<typeof setTimeout>, PathPacket>();

  /** Makes a path with an idle rate limiter. */
  constructor(options: PathOptions) {
    this.#options = options;
    this.#impairer = new LinkImpairer(options.settings);
    this.#random = new Random(options.seed >>> 0);
  }

  /** Decides the fate of a packet of `length` bytes sent now (drawing its random numbers). */
  decide(length: number): Fate {
    return this.#impairer.decide(length, this.#options.clock(), this.#random);
  }

  /** Sends a packet: its fate, then what that says. */
  send(p: PathPacket): void {
    this.carry(this.decide(p.packet.length), p);
  }

  /** Carries out `fate` (from {@link decide}) for `p`. */
  carry(fate: Fate, p: PathPacket): void {
    const { trace, clock } = this.#options;
    const now = clock();
    if (fate.drop) {
      recordDrop(this.counts, fate.counter, trace, now, p.link, fate.reason, p.repr);
      return;
    }
    const wire = recordFate(fate, p.packet, p.repr, this.counts, trace, now, p.link);
    // A corrupted copy has a checksum to check, whatever the original had.
    this.#later(
      fate.arrive - now,
      wire === p.packet ? p : { ...p, packet: wire, checksumPartial: false },
    );
    if (fate.duplicateArrive !== null) this.#later(fate.duplicateArrive - now, p);
  }

  #later(delay: number, p: PathPacket): void {
    if (delay < 0.5) return this.#options.deliver(p);
    const kept = this.#options.copyKept ? { ...p, packet: p.packet.slice() } : p;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#options.deliver(kept);
    }, delay);
    this.#timers.set(timer, kept);
  }

  /** Cancels every delayed packet; returns them, never delivered. */
  close(): PathPacket[] {
    const cancelled = [...this.#timers.values()];
    for (const timer of this.#timers.keys()) clearTimeout(timer);
    this.#timers.clear();
    return cancelled;
  }
}
