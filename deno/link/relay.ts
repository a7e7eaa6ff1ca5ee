/**
 * Two TUN devices joined through the TUN link's impairments: the kernel on
 * one side talks to the kernel on the other, each in its own network
 * namespace, over exactly the impaired path that {@link TunLink} puts
 * between the kernel and socklab. It is the yardstick: the same loss, delay
 * and rate limit, with the kernel's TCP at both ends, so socklab's TCP can
 * be measured beside the kernel's on the same path (`bench/tun.ts`).
 *
 * Packets are relayed whole, without a look inside: no host answers here.
 * Each direction draws from its own generator (seeded `seed` and
 * `seed + 1`).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { TunDevice } from "../net/tun.ts";
import { type Impairments, impairments } from "./impairments.ts";
import type { ImpairmentCounts } from "./_impair.ts";
import { ImpairedPath } from "./_path.ts";

/** One side of a {@link TunRelay}: an interface in a namespace. */
export interface RelayEnd {
  /** The interface name (default "tun%d"). */
  readonly name?: string;
  /** The namespace the interface is moved into (an `ip netns` name). */
  readonly netns: string;
  /** The kernel's address on it, with the prefix routed through it ("10.1.0.1/24"). */
  readonly address: string;
  /** The other side's prefixes, routed through it too ("10.2.0.0/24"). */
  readonly routes: readonly string[];
}

/** Options of {@link TunRelay.open}. */
export interface TunRelayOptions {
  /** One side. */
  readonly a: RelayEnd;
  /** The other. */
  readonly b: RelayEnd;
  /** Impairments of both directions; `mtu` is both interfaces' (default 1500). */
  readonly impairments?: Partial<Impairments>;
  /** Seed of the generators (default 1). */
  readonly seed?: number;
}

/** Counters of a relay. */
export interface TunRelayStats {
  /** Packets relayed a to b (written), and what the impairments did on the way. */
  readonly aToB: ImpairmentCounts & { relayed: number };
  /** The same, b to a. */
  readonly bToA: ImpairmentCounts & { relayed: number };
}

const READ_BATCH = 64;

/**
 * A relay between two TUN devices in two namespaces.
 *
 * @example kernel ⇄ kernel through 1% loss (needs root; namespaces "a" and "b" exist)
 * ```ts ignore
 * import { TunRelay } from "./relay.ts";
 * const relay = await TunRelay.open({
 *   a: { netns: "a", address: "10.1.0.1/24", routes: ["10.2.0.0/24"] },
 *   b: { netns: "b", address: "10.2.0.1/24", routes: ["10.1.0.0/24"] },
 *   impairments: { loss: 0.01 },
 * });
 * // `ip netns exec a ping 10.2.0.1` crosses it.
 * await relay.close();
 * ```
 */
export class TunRelay {
  /** What the relay did. */
  readonly stats: TunRelayStats;
  readonly #a: TunDevice;
  readonly #b: TunDevice;
  readonly #paths: [ImpairedPath, ImpairedPath];
  readonly #loops: Promise<void>[];
  #closed = false;

  private constructor(a: TunDevice, b: TunDevice, imp: Impairments, seed: number) {
    this.#a = a;
    this.#b = b;
    const clock = () => performance.now();
    const relayed = { aToB: 0, bToA: 0 };
    const path = (to: TunDevice, key: "aToB" | "bToA", seed: number) =>
      new ImpairedPath({
        settings: imp,
        seed,
        clock,
        deliver: (p) => {
          if (this.#closed) return;
          if (to.write(p.packet)) relayed[key]++;
        },
        copyKept: true,
        trace: null,
      });
    this.#paths = [path(b, "aToB", seed), path(a, "bToA", seed + 1)];
    const [ab, ba] = this.#paths;
    this.stats = {
      get aToB() {
        return { ...ab.counts, relayed: relayed.aToB };
      },
      get bToA() {
        return { ...ba.counts, relayed: relayed.bToA };
      },
    };
    this.#loops = [this.#relay(a, ab), this.#relay(b, ba)];
  }

  /**
   * Opens both devices, moves them into their namespaces, gives each
   * kernel its address and routes, and starts relaying.
   *
   * @throws {RangeError} For bad impairments or an address that is no CIDR.
   * @throws {PermissionDenied} Without root or CAP_NET_ADMIN.
   * @throws {NetError} If a device cannot be opened or `ip` fails.
   */
  static async open(options: TunRelayOptions): Promise<TunRelay> {
    const imp = impairments({ mtu: 1500, ...options.impairments });
    const devices: TunDevice[] = [];
    try {
      for (const end of [options.a, options.b]) {
        const match = /^(.+)\/(\d+)$/.exec(end.address);
        if (!match) throw new RangeError(`relay address must be a CIDR, got ${end.address}`);
        const tun = TunDevice.open({ name: end.name });
        devices.push(tun);
        await tun.configure({
          netns: end.netns,
          mtu: imp.mtu,
          addresses: [{ address: match[1], prefix: Number(match[2]) }],
          routes: end.routes,
        });
      }
      return new TunRelay(devices[0], devices[1], imp, options.seed ?? 1);
    } catch (error) {
      for (const tun of devices) await tun.close();
      throw error;
    }
  }

  async #relay(from: TunDevice, path: ImpairedPath): Promise<void> {
    const buffer = new Uint8Array(65536);
    let batch = 0;
    while (!this.#closed) {
      const n = from.read(buffer);
      if (n === null) {
        batch = 0;
        if (!(await from.readable())) return;
        continue;
      }
      path.send({ packet: buffer.subarray(0, n), repr: null, link: "" });
      if (++batch === READ_BATCH) {
        batch = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Stops relaying and closes both devices (the interfaces go). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const path of this.#paths) path.close();
    await this.#a.close();
    await this.#b.close();
    await Promise.all(this.#loops);
  }
}
