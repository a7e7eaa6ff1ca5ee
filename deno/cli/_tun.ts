// The settings every command that runs on a TUN link shares (`serve --tun`,
// `fetch --tun`), as one table in the shape of ../link/settings.ts: the link,
// the impairments of both directions and the TCP settings (sim's own fields,
// with the defaults of a real wire: no delay added), and the capture.
// `tunOptions()` turns the flags given into TunLink's options.
import {
  PER_PACKET_IMPAIRMENTS,
  planTunAddresses,
  TunLink,
  type TunLinkOptions,
} from "../link/tun.ts";
import {
  choice,
  duration,
  field,
  FieldError,
  flagHelp,
  flagOptions,
  readFlags,
  SIM_FIELDS,
  text,
  toggle,
} from "../link/settings.ts";
import { controllerFactory, CONTROLLERS } from "../tcp/controllers.ts";
import { DEFAULT_TCP_CONFIG, type TcpConfig } from "../tcp/socket.ts";
import { pcapHeader, pcapRecord } from "../pcap/writer.ts";
import { fileErrorReason, UsageError } from "./_args.ts";

const TUN = "TUN link (Linux, root; try it in a network namespace: docs/tun.md)";
const LINK = "Impairments (each direction)";
const TCP = "socklab's TCP";

/** The settings of a TUN link, in the order `--help` lists them. */
export const TUN_FIELDS = {
  tun: field({
    flag: "tun",
    group: TUN,
    arg: "NAME",
    help: "run socklab's own TCP/IP on a new TUN interface NAME",
    default: undefined,
    kind: text,
  }),
  address: field({
    flag: "address",
    group: TUN,
    arg: "CIDR",
    help: "socklab's address/prefix: 10.0.0.2/24, and ,fd00::2/64 for IPv6 too",
    default: undefined,
    kind: text,
  }),
  peer: field({
    flag: "peer",
    group: TUN,
    arg: "ADDR",
    help: "the kernel's address (default: the prefix's first free one)",
    default: undefined,
    kind: text,
  }),
  pcap: field({
    flag: "pcap",
    group: TUN,
    arg: "FILE",
    help: "write every packet that crosses the interface to FILE",
    default: undefined,
    kind: text,
  }),
  offload: field({
    flag: "offload",
    group: TUN,
    help: "move TCP in 64 KB super-packets, as a virtual NIC does (TSO/GRO; no impairments)",
    default: false,
    kind: toggle,
  }),
  loss: { ...SIM_FIELDS.loss, group: LINK },
  reorder: { ...SIM_FIELDS.reorder, group: LINK },
  duplicate: { ...SIM_FIELDS.duplicate, group: LINK },
  corrupt: { ...SIM_FIELDS.corrupt, group: LINK },
  delay: { ...SIM_FIELDS.delay, group: LINK, help: "one-way delay added (default 0)", default: 0 },
  jitter: { ...SIM_FIELDS.jitter, group: LINK },
  rate: { ...SIM_FIELDS.rate, group: LINK },
  queue: { ...SIM_FIELDS.queue, group: LINK },
  mtu: {
    ...SIM_FIELDS.mtu,
    group: LINK,
    help: "the interface MTU (default 1500; 1280 or more with IPv6)",
  },
  seed: { ...SIM_FIELDS.seed, group: LINK, help: "seed of the impairments (default 1)" },
  cc: field({
    flag: "cc",
    group: TCP,
    arg: "NAME",
    help: `congestion control: ${CONTROLLERS.map((c) => c.name).join(", ")} (default cubic)`,
    default: "cubic",
    kind: choice(CONTROLLERS.map((c) => c.name)),
  }),
  recovery: { ...SIM_FIELDS.recovery, group: TCP },
  sack: { ...SIM_FIELDS.sack, group: TCP },
  timestamps: { ...SIM_FIELDS.timestamps, group: TCP },
  windowScaling: { ...SIM_FIELDS.windowScaling, group: TCP },
  recvBuffer: { ...SIM_FIELDS.recvBuffer, group: TCP },
  delayedAck: { ...SIM_FIELDS.delayedAck, group: TCP },
  nagle: { ...SIM_FIELDS.nagle, group: TCP },
  pacing: { ...SIM_FIELDS.pacing, group: TCP },
  userTimeout: field({
    flag: "user-timeout",
    group: TCP,
    arg: "TIME",
    help: `abort when data goes unacknowledged this long (default ${
      DEFAULT_TCP_CONFIG.userTimeout / 60_000
    }m, as socklab's TCP)`,
    default: DEFAULT_TCP_CONFIG.userTimeout,
    kind: duration(),
    check: (ms) => ms < 1 ? "must be at least 1ms" : null,
  }),
};

/** The `parseArgs` options of {@link TUN_FIELDS}. */
export const TUN_FLAGS: Record<string, { type: "string" | "boolean" }> = flagOptions(TUN_FIELDS);

/** The help text of {@link TUN_FIELDS}. */
export const TUN_USAGE: string = flagHelp([TUN_FIELDS]).join("\n") + "\n";

/** What the flags ask for: the link's options, and where to write the capture. */
export interface TunPlan {
  /** For {@link TunLink.open} (add the capture hook). */
  readonly options: TunLinkOptions;
  /** The `--pcap` file, if any. */
  readonly pcap: string | undefined;
}

/**
 * The TUN link the flags ask for, or null without `--tun` (then any other
 * link flag is a usage error).
 *
 * @throws {UsageError} For a bad or misplaced flag.
 */
export function tunOptions(
  command: string,
  values: Readonly<Record<string, unknown>>,
): TunPlan | null {
  let s;
  try {
    s = readFlags(TUN_FIELDS, values, command);
  } catch (error) {
    if (error instanceof FieldError) throw new UsageError(error.message);
    throw error;
  }
  if (s.tun === undefined) {
    const stray = Object.values(TUN_FIELDS).find((f) => values[f.flag!] !== undefined);
    if (stray) {
      throw new UsageError(`${command}: --${stray.flag} needs --tun (it sets up the TUN link)`);
    }
    return null;
  }
  if (s.address === undefined) {
    throw new UsageError(`${command}: --tun needs --address, socklab's own, e.g. 10.0.0.2/24`);
  }
  const address = s.address.split(",");
  const peer = s.peer === undefined ? [] : s.peer.split(",");
  try {
    planTunAddresses(address, peer);
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  if (address.some((a) => a.includes(":")) && s.mtu < 1280) {
    throw new UsageError(`${command} --mtu: ${s.mtu} is below IPv6's minimum of 1280`);
  }
  const config: Partial<TcpConfig> = {
    congestion: controllerFactory(s.cc),
    recovery: s.recovery,
    sack: s.sack,
    timestamps: s.timestamps,
    windowScaling: s.windowScaling,
    recvBufferSize: s.recvBuffer,
    delayedAck: s.delayedAck,
    nagle: s.nagle,
    pacing: s.pacing,
    userTimeout: s.userTimeout,
  };
  const { loss, reorder, duplicate, corrupt, delay, jitter, rate, queue, mtu } = s;
  if (s.offload) {
    // The flags compared with their defaults, so a queue given alone counts too.
    const impaired = [...PER_PACKET_IMPAIRMENTS, "queue" as const]
      .filter((k) => s[k] !== TUN_FIELDS[k].default);
    if (impaired.length > 0) {
      throw new UsageError(
        `${command} --offload: super-packets of up to 64 KB cannot be impaired per packet on the wire; drop ${
          impaired.map((k) => `--${TUN_FIELDS[k].flag}`).join(", ")
        } or --offload`,
      );
    }
  }
  return {
    options: {
      name: s.tun,
      address,
      peer,
      impairments: { loss, reorder, duplicate, corrupt, delay, jitter, rate, queue, mtu },
      seed: s.seed,
      config,
      offload: s.offload,
    },
    pcap: s.pcap,
  };
}

/** A pcap file written as packets cross the link; `close()` finishes it. */
export interface Capture {
  /** The hook for {@link TunLinkOptions.capture}. */
  readonly hook: NonNullable<TunLinkOptions["capture"]>;
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
  writeAll(file, pcapHeader());
  return {
    hook(packet, _direction, time) {
      writeAll(file, pcapRecord(packet, (performance.timeOrigin + time) / 1000));
    },
    close: () => file.close(),
  };
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
}

/** Opens the link a {@link TunPlan} describes, with its capture; both close on failure. */
export async function openTun(
  command: string,
  plan: TunPlan,
): Promise<{ link: TunLink; capture: Capture | null }> {
  const capture = plan.pcap === undefined ? null : openCapture(command, plan.pcap);
  try {
    return { link: await TunLink.open({ ...plan.options, capture: capture?.hook }), capture };
  } catch (error) {
    capture?.close();
    throw error;
  }
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
