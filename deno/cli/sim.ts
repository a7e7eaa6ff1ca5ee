// `socklab sim`: a transfer between two socklab TCP stacks on the simulated
// network, with impairments from flags; prints a ladder diagram, a summary,
// and optionally a pcap, plots and JSON. With --flows or --duration, several
// flows share the bottleneck and the summary gives each one's share. The
// settings, their flags and help come from the table in ../link/settings.ts,
// which the playground reads too.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CLIENT_ADDR, runTransfer, SERVER_ADDR, type TransferResult } from "../link/transfer.ts";
import { type FlowsResult, runFlows } from "../link/flows.ts";
import {
  field,
  FieldError,
  flagHelp,
  flagOptions,
  flowsOptions,
  readFlags,
  SIM_FIELDS,
  type SimSettings,
  text,
  toggle,
  transferOptions,
  whole,
} from "../link/settings.ts";
import type { CongestionController } from "../tcp/congestion.ts";
import { controllerFromModule, CONTROLLERS } from "../tcp/controllers.ts";
import type { TraceEvent } from "../trace/events.ts";
import { renderLadder } from "../trace/ladder.ts";
import { pcapOfTrace } from "../trace/pcap.ts";
import { traceJsonLine } from "../trace/json.ts";
import { congestionSvg, dataSenders, timeSequenceSvg } from "../trace/svg.ts";
import { parseFlags, type Subcommand, UsageError, write } from "./_args.ts";

/** How the run is shown: the CLI's own flags, never part of the settings or a replay. */
const OUTPUT_FIELDS = {
  lines: field({
    flag: "lines",
    group: "Output",
    arg: "N",
    help: "ladder lines to show, 0 for none (default 80; the middle is elided)",
    default: 80,
    kind: whole(0, 1e9),
    check: (n) => n > 0 && n < 4 ? "must be 0 or at least 4" : null,
  }),
  pcap: field({
    flag: "pcap",
    group: "Output",
    arg: "FILE",
    help: "write the packets as a pcap (open it in Wireshark)",
    default: undefined,
    kind: text,
  }),
  svg: field({
    flag: "svg",
    group: "Output",
    arg: "FILE",
    help: "write the time-sequence graph to FILE and cwnd/ssthresh/in flight to FILE-cwnd.svg",
    default: undefined,
    kind: text,
    check: (path) =>
      path !== undefined && !path.endsWith(".svg") ? `"${path}" should end in .svg` : null,
  }),
  trace: field({
    flag: "trace",
    group: "Output",
    arg: "FILE",
    help: "write every trace event as JSON lines",
    default: undefined,
    kind: text,
  }),
  json: field({
    flag: "json",
    group: "Output",
    help: "print one JSON object instead of the ladder and summary",
    default: false,
    kind: toggle,
  }),
};

const usage = `Usage: socklab sim [flags]

Runs a transfer between two socklab TCP stacks on a simulated network with a
virtual clock: the client ${CLIENT_ADDR} sends --bytes to the server ${SERVER_ADDR},
which answers with --reply-bytes; then both close. Prints a ladder diagram of
every segment and state change, and a summary. The same --seed gives the same
run, every time.

${flagHelp([SIM_FIELDS, OUTPUT_FIELDS]).join("\n")}
  -h, --help              this help

Congestion controllers (--cc):
${CONTROLLERS.map((c) => `  ${c.name.padEnd(9)} ${c.description}`).join("\n")}

Examples:
  socklab sim --bytes 0                         the handshake and teardown alone
  socklab sim --loss 20 --bytes 20KB --seed 3   retransmissions and RTO backoff
  socklab sim --stall 3s --recv-buffer 4096     a zero-window stall and recovery
  socklab sim --simultaneous-open --bytes 0     simultaneous open
  socklab sim --rate 100Mbit --queue 256KiB --bytes 10MB --loss 1 --cc reno --svg reno.svg --lines 0
                                                slow start, congestion avoidance, fast recovery
  socklab sim --rate 100Mbit --flows 2 --cc cubic,reno --duration 30s --lines 0
                                                two flows share a bottleneck
  socklab sim --cc examples/cc_aimd.ts --loss 1 --bytes 1MB --lines 0
                                                a congestion controller of your own
`;

/** Reads a table's flags, a bad value being a usage error. */
function read<F extends Parameters<typeof readFlags>[0]>(
  fields: F,
  values: Record<string, unknown>,
) {
  try {
    return readFlags(fields, values, "sim");
  } catch (error) {
    if (error instanceof FieldError) throw new UsageError(error.message);
    throw error;
  }
}

/** Imports the controller modules `--cc` names, by the text given. */
async function loadControllers(
  s: SimSettings,
): Promise<Record<string, () => CongestionController>> {
  const loaded: Record<string, () => CongestionController> = {};
  const names = CONTROLLERS.map((c) => c.name as string);
  for (const entry of s.cc.split(",")) {
    if (names.includes(entry) || entry in loaded) continue;
    let module: { default?: unknown };
    try {
      module = await import(pathToFileURL(resolve(entry)).href);
    } catch (error) {
      throw new UsageError(
        `sim --cc: cannot load the controller module ${entry}: ${(error as Error).message}`,
      );
    }
    try {
      loaded[entry] = controllerFromModule(module.default, entry);
    } catch (error) {
      throw new UsageError(`sim --cc: ${(error as Error).message}`);
    }
  }
  return loaded;
}

async function writeOut(path: string, what: string, data: string | Uint8Array): Promise<void> {
  try {
    if (typeof data === "string") await Deno.writeTextFile(path, data);
    else await Deno.writeFile(path, data);
  } catch (error) {
    throw new Error(`sim: cannot write the ${what} to ${path}: ${(error as Error).message}`);
  }
}

export const command: Subcommand = {
  summary: "TCP between two socklab stacks on a simulated lossy network",
  usage,
  async main(args, io) {
    const { values } = parseFlags("sim", args, {
      ...flagOptions(SIM_FIELDS),
      ...flagOptions(OUTPUT_FIELDS),
    }, 0);
    const settings = read(SIM_FIELDS, values);
    const output = read(OUTPUT_FIELDS, values);
    const loaded = await loadControllers(settings);
    const several = settings.flows > 1 || settings.duration > 0;

    const events: TraceEvent[] = [];
    const trace = (e: TraceEvent) => events.push(e);
    const wall = performance.now();
    const result = several
      ? runFlows({ ...flowsOptions(settings, loaded), trace })
      : runTransfer({ ...transferOptions(settings, loaded), trace });
    const wallMs = performance.now() - wall;
    if (output.pcap !== undefined) await writeOut(output.pcap, "pcap", pcapOfTrace(events));
    if (output.svg !== undefined) {
      for (const [path, svg] of plots(events, output.svg)) await writeOut(path, "plot", svg);
    }
    if (output.trace !== undefined) {
      await writeOut(output.trace, "trace", events.map(traceJsonLine).join(""));
    }
    if (output.json) {
      const { seed: _, ...rest } = result;
      await write(
        io.stdout,
        JSON.stringify({ seed: settings.seed, flags: args, ...rest, wallMs: Math.round(wallMs) }) +
          "\n",
      );
      return result.ok ? 0 : 1;
    }
    if (output.lines > 0 && !several) {
      await write(
        io.stdout,
        renderLadder(events, { left: CLIENT_ADDR, right: SERVER_ADDR, maxLines: output.lines }) +
          "\n",
      );
    }
    const text = several
      ? flowsSummary(result as FlowsResult, settings, wallMs)
      : summary(result as TransferResult, wallMs);
    const files = [output.pcap, ...(output.svg ? plots([], output.svg).map(([p]) => p) : [])]
      .filter((f) => f !== undefined);
    await write(io.stdout, text + files.map((f) => `  wrote ${f}\n`).join(""));
    return result.ok ? 0 : 1;
  },
};

/**
 * The SVG files `--svg FILE` writes: the time-sequence graph to FILE and
 * the cwnd plot beside it; with several flows, one pair per flow (FILE-1...).
 */
function plots(events: readonly TraceEvent[], path: string): [string, string][] {
  const base = path.slice(0, -".svg".length);
  const senders = events.length ? dataSenders(events) : [];
  if (senders.length <= 1) {
    return [
      [path, events.length ? timeSequenceSvg(events) : ""],
      [`${base}-cwnd.svg`, events.length ? congestionSvg(events) : ""],
    ];
  }
  return senders.flatMap((endpoint, i): [string, string][] => [
    [`${base}-${i + 1}.svg`, timeSequenceSvg(events, { endpoint })],
    [`${base}-${i + 1}-cwnd.svg`, congestionSvg(events, { endpoint })],
  ]);
}

/** "3.2 per lost packet" or "-" when nothing was lost. */
function perLoss(retransmissions: number, lost: number): string {
  return lost === 0 ? "-" : (retransmissions / lost).toFixed(2);
}

function summary(r: TransferResult, wallMs: number): string {
  const c = r.client, s = r.server, l = r.link;
  const goodput = r.dataDoneTime > 0
    ? ((c.bytesReceived + s.bytesReceived) / (r.dataDoneTime / 1000) / 1e6).toFixed(3)
    : "-";
  const end = (e: TransferResult["client"], role: string, lost: number) => {
    const rtx = e.retransmissions === 0
      ? "0 retransmitted"
      : `${e.retransmissions} retransmitted (${
        perLoss(e.retransmissions, lost)
      } per lost packet, ${e.spuriousRetransmissions} found needless), ${e.recoveries} fast recoveries, ${e.tlpProbes} tail-loss probes`;
    return `  ${e.addr} (${role}): ${e.state}, sent ${e.segmentsSent} segments, ${rtx}, ${e.timeouts} RTO timeouts, SRTT ${
      e.srtt?.toFixed(1) ?? "-"
    } ms, RTO ${e.rto.toFixed(0)} ms`;
  };
  const opts = c.options;
  const agreed = [
    opts.sack && "SACK",
    opts.timestamps && "timestamps",
    opts.windowScale && "window scaling",
  ].filter(Boolean).join(", ") || "none";
  const out = [
    `seed ${r.seed}: ${r.ok ? "OK" : "FAILED"}, ended "${r.end}" after ${
      r.time.toFixed(1)
    } ms virtual (${wallMs.toFixed(0)} ms real)`,
    `  data done at ${r.dataDoneTime.toFixed(1)} ms virtual; goodput ${goodput} MB/s`,
    `  TCP: ${c.controller}, ${c.recovery} recovery; options agreed: ${agreed}`,
    end(c, "client", r.forward.lost + r.forward.queueDrops),
    end(s, "server", r.reverse.lost + r.reverse.queueDrops),
    `  client -> server: ${s.bytesReceived} bytes, SHA-256 ${
      s.receivedSha256 === c.sentSha256 ? "match" : "MISMATCH"
    } ${s.receivedSha256.slice(0, 16)}...`,
    `  server -> client: ${c.bytesReceived} bytes, SHA-256 ${
      c.receivedSha256 === s.sentSha256 ? "match" : "MISMATCH"
    } ${c.receivedSha256.slice(0, 16)}...`,
    `  link: ${l.sent} packets sent, ${l.delivered} delivered, ${l.lost} lost (${r.forward.lost} client -> server), ${l.corrupted} corrupted (${l.rejected} rejected by checksum), ${l.duplicated} duplicated, ${l.reordered} held back, ${l.queueDrops} queue drops, ${l.mtuDrops} over MTU, ${l.unroutable} for no host`,
  ];
  for (const p of r.problems) out.push(`  problem: ${p}`);
  return out.join("\n") + "\n";
}

function flowsSummary(r: FlowsResult, s: SimSettings, wallMs: number): string {
  const f = r.forward;
  const over = s.duration > 0 ? `goodput over ${(s.duration / 1000).toFixed(1)} s` : "goodput";
  const rows = [
    ["flow", "controller", over, "share", "retransmitted", "RTOs", "fast recoveries"],
    ...r.flows.map((x, i) => [
      String(i + 1),
      x.controller,
      `${(x.goodput / 1e6).toFixed(3)} MB/s`,
      `${(x.share * 100).toFixed(1)}%`,
      String(x.retransmissions),
      String(x.timeouts),
      String(x.recoveries),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) =>
    "  " + row.map((cell, c) => c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  ");
  const out = [
    `seed ${r.seed}: ${r.ok ? "OK" : "FAILED"}, ${r.flows.length} flow${
      r.flows.length > 1 ? "s" : ""
    } through one bottleneck, ${r.time.toFixed(1)} ms virtual (${wallMs.toFixed(0)} ms real)`,
    ...rows.map(line),
    `  Jain's fairness index ${r.jain.toFixed(3)} (1: equal shares; ${
      (1 / r.flows.length).toFixed(2)
    }: one flow takes all)`,
    `  bottleneck (client -> server): ${f.sent} packets sent, ${f.lost} lost, ${f.queueDrops} queue drops`,
  ];
  for (const p of r.problems) out.push(`  problem: ${p}`);
  return out.join("\n") + "\n";
}
