// The flags every command that runs on a TUN link shares (`serve --tun`,
// `fetch --tun`): the link, the impairments of both directions (the units
// `sim` takes, with the defaults of a real wire: no delay, MTU 1500), the
// capture; in one place, so that they move into the settings table as one.
import type { TunLink, TunLinkOptions } from "../link/tun.ts";
import { planTunAddresses } from "../link/tun.ts";
import type { Impairments } from "../link/impairments.ts";
import { pcapHeader, pcapRecord } from "../pcap/writer.ts";
import {
  bytesValue,
  durationValue,
  fileErrorReason,
  intValue,
  percentValue,
  rateValue,
  UsageError,
} from "./_args.ts";

/** The flag definitions, for `parseFlags`. */
export const TUN_FLAGS = {
  tun: { type: "string" },
  address: { type: "string", multiple: true },
  peer: { type: "string", multiple: true },
  loss: { type: "string" },
  reorder: { type: "string" },
  duplicate: { type: "string" },
  corrupt: { type: "string" },
  delay: { type: "string" },
  jitter: { type: "string" },
  rate: { type: "string" },
  queue: { type: "string" },
  mtu: { type: "string" },
  seed: { type: "string" },
  pcap: { type: "string" },
} as const;

/** The help text of {@link TUN_FLAGS}. */
export const TUN_USAGE = `TUN link (Linux, root; try it in a network namespace: see docs/tun.md):
      --tun NAME          run socklab's own TCP/IP on a new TUN interface NAME
      --address CIDR      socklab's address and prefix on it, e.g. 10.0.0.2/24 or
                          fd00::2/64 (give one of each for both families)
      --peer ADDR         the kernel's address on it (default: the first free
                          host address in the prefix)
      --loss PCT          packets lost, percent, each direction (default 0)
      --reorder PCT       packets held back behind later ones, percent
      --duplicate PCT     packets delivered twice, percent
      --corrupt PCT       packets with one bit flipped, percent
      --delay TIME        one-way delay added (default 0)
      --jitter TIME       uniform jitter, plus or minus (default 0)
      --rate RATE         bandwidth each way, e.g. 10Mbit (default unlimited)
      --queue SIZE        bytes queued behind the rate limit (default 64KiB)
      --mtu BYTES         the interface MTU (default 1500; 1280 or more for IPv6)
      --seed N            seed of the impairments (default 1)
      --pcap FILE         write every packet crossing the interface to FILE
`;

type Values = Partial<Record<keyof typeof TUN_FLAGS, string | string[] | boolean | boolean[]>>;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * The TUN link the flags ask for, or null without `--tun` (then any other
 * link flag is a usage error).
 */
export function tunOptions(command: string, values: Values): TunLinkOptions | null {
  const name = str(values.tun);
  if (name === undefined) {
    const stray = (Object.keys(TUN_FLAGS) as (keyof typeof TUN_FLAGS)[])
      .filter((k) => k !== "tun" && values[k] !== undefined);
    if (stray.length) {
      throw new UsageError(`${command}: --${stray[0]} needs --tun (it sets up the TUN link)`);
    }
    return null;
  }
  const address = (values.address ?? []) as string[];
  if (address.length === 0) {
    throw new UsageError(`${command}: --tun needs --address, socklab's own, e.g. 10.0.0.2/24`);
  }
  const peer = (values.peer ?? []) as string[];
  try {
    planTunAddresses(address, peer);
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  const pct = (flag: "loss" | "reorder" | "duplicate" | "corrupt") => {
    const v = str(values[flag]);
    return v === undefined ? 0 : percentValue(flag, v);
  };
  const loss = pct("loss");
  if (loss >= 1) throw new UsageError(`${command}: --loss 100% would never deliver anything`);
  const mtu = values.mtu === undefined ? 1500 : intValue("mtu", str(values.mtu)!, 68, 65535);
  const impairments: Partial<Impairments> = {
    loss,
    reorder: pct("reorder"),
    duplicate: pct("duplicate"),
    corrupt: pct("corrupt"),
    delay: values.delay === undefined ? 0 : durationValue("delay", str(values.delay)!),
    jitter: values.jitter === undefined ? 0 : durationValue("jitter", str(values.jitter)!),
    rate: values.rate === undefined ? 0 : rateValue("rate", str(values.rate)!),
    queue: values.queue === undefined ? 65536 : bytesValue("queue", str(values.queue)!),
    mtu,
  };
  if (impairments.rate! > 0 && impairments.queue! < mtu) {
    throw new UsageError(
      `${command}: --queue ${impairments.queue} bytes cannot hold one --mtu ${mtu} packet`,
    );
  }
  if (address.some((a) => a.includes(":")) && mtu < 1280) {
    throw new UsageError(`${command}: --mtu ${mtu} is below IPv6's minimum of 1280`);
  }
  const seed = values.seed === undefined ? 1 : intValue("seed", str(values.seed)!, 0, 2 ** 32 - 1);
  return { name, address, peer, impairments, seed };
}

/** The path of `--pcap`, if given. */
export function pcapPath(values: Values): string | undefined {
  return str(values.pcap);
}

/** A pcap file written as packets cross the link; `close()` finishes it. */
export interface Capture {
  /** The hook for {@link TunLinkOptions.capture}. */
  readonly hook: NonNullable<TunLinkOptions["capture"]>;
  /** Packets written. */
  readonly packets: () => number;
  /** Closes the file. */
  close(): void;
}

/**
 * Opens `path` for a capture of raw IP packets (link type 101), stamped with
 * wall-clock time (the driver's clock is `performance.now()`).
 *
 * @throws {Error} If the file cannot be created.
 */
export function openCapture(command: string, path: string): Capture {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { write: true, create: true, truncate: true });
  } catch (error) {
    throw new Error(`${command}: cannot write the pcap to ${path}: ${fileErrorReason(error)}`);
  }
  file.writeSync(pcapHeader());
  let packets = 0;
  return {
    hook(packet, _direction, time) {
      writeAll(file, pcapRecord(packet, (performance.timeOrigin + time) / 1000));
      packets++;
    },
    packets: () => packets,
    close: () => file.close(),
  };
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
}

/** Lines saying where the link is: "tun0: socklab 10.0.0.2/24, kernel 10.0.0.1". */
export function linkLines(link: TunLink): string[] {
  return link.addresses.map((a) =>
    `${link.name}: socklab ${a.socklab}/${a.prefix}, kernel ${a.kernel}`
  );
}

/** What the link did, in a few lines (for a summary at the end). */
export function linkSummary(link: TunLink): string[] {
  const { written, read, outbound: o, inbound: i, host: h } = link.stats;
  return [
    `link ${link.name}: ${written} packets written, ${read} read; socklab->kernel ${o.lost} lost, ${o.corrupted} corrupted, ${o.duplicated} duplicated, ${o.reordered} held back, ${o.queueDrops} queue drops, ${o.mtuDrops} over MTU; kernel->socklab ${i.lost} lost, ${i.corrupted} corrupted, ${i.duplicated} duplicated, ${i.reordered} held back, ${i.queueDrops} queue drops`,
    `host: ${h.delivered} TCP segments in, ${h.echoReplies} echo replies, ${h.icmpErrors} ICMP errors sent (${h.rateLimited} rate-limited), ${h.rejected} rejected by a check, ${h.notForHost} not for this host, ${h.ignored} ignored, ${h.reassembled} datagrams reassembled`,
  ];
}
