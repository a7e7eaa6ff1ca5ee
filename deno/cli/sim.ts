// `socklab sim`: a transfer between two socklab TCP stacks on the simulated
// network, with impairments from flags; prints a ladder diagram, a summary,
// and optionally a pcap and JSON. The settings, their flags and help come
// from the table in ../link/settings.ts, which the playground reads too.
import { CLIENT_ADDR, runTransfer, SERVER_ADDR } from "../link/transfer.ts";
import {
  field,
  FieldError,
  flagHelp,
  flagOptions,
  readFlags,
  SIM_FIELDS,
  text,
  toggle,
  transferOptions,
  whole,
} from "../link/settings.ts";
import type { TraceEvent } from "../trace/events.ts";
import { renderLadder } from "../trace/ladder.ts";
import { pcapOfTrace } from "../trace/pcap.ts";
import { traceEventJson } from "../trace/json.ts";
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

Examples:
  socklab sim --bytes 0                         the handshake and teardown alone
  socklab sim --loss 20 --bytes 20KB --seed 3   retransmissions and RTO backoff
  socklab sim --stall 3s --recv-buffer 4096     a zero-window stall and recovery
  socklab sim --simultaneous-open --bytes 0     simultaneous open
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

    const events: TraceEvent[] = [];
    const wall = performance.now();
    const result = runTransfer({ ...transferOptions(settings), trace: (e) => events.push(e) });
    const wallMs = performance.now() - wall;
    const pcapPath = output.pcap;
    if (pcapPath !== undefined) {
      try {
        await Deno.writeFile(pcapPath, pcapOfTrace(events));
      } catch (error) {
        throw new Error(`sim: cannot write the pcap to ${pcapPath}: ${(error as Error).message}`);
      }
    }
    const tracePath = output.trace;
    if (tracePath !== undefined) {
      const text = events.map((e) => JSON.stringify(traceEventJson(e))).join("\n") + "\n";
      try {
        await Deno.writeTextFile(tracePath, text);
      } catch (error) {
        throw new Error(`sim: cannot write the trace to ${tracePath}: ${(error as Error).message}`);
      }
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
    if (output.lines > 0) {
      await write(
        io.stdout,
        renderLadder(events, { left: CLIENT_ADDR, right: SERVER_ADDR, maxLines: output.lines }) +
          "\n",
      );
    }
    await write(io.stdout, summary(result, wallMs, pcapPath));
    return result.ok ? 0 : 1;
  },
};

function summary(r: ReturnType<typeof runTransfer>, wallMs: number, pcap?: string): string {
  const c = r.client, s = r.server, l = r.link;
  const goodput = r.dataDoneTime > 0
    ? ((c.bytesReceived + s.bytesReceived) / (r.dataDoneTime / 1000) / 1e6).toFixed(3)
    : "-";
  const out = [
    `seed ${r.seed}: ${r.ok ? "OK" : "FAILED"}, ended "${r.end}" after ${
      r.time.toFixed(1)
    } ms virtual (${wallMs.toFixed(0)} ms real)`,
    `  data done at ${r.dataDoneTime.toFixed(1)} ms virtual; goodput ${goodput} MB/s`,
    `  ${c.addr} (client): ${c.state}, sent ${c.segmentsSent} segments, ${c.retransmissions} retransmitted, ${c.timeouts} RTO timeouts, SRTT ${
      c.srtt?.toFixed(1) ?? "-"
    } ms, RTO ${c.rto.toFixed(0)} ms`,
    `  ${s.addr} (server): ${s.state}, sent ${s.segmentsSent} segments, ${s.retransmissions} retransmitted, ${s.timeouts} RTO timeouts, SRTT ${
      s.srtt?.toFixed(1) ?? "-"
    } ms, RTO ${s.rto.toFixed(0)} ms`,
    `  client -> server: ${s.bytesReceived} bytes, SHA-256 ${
      s.receivedSha256 === c.sentSha256 ? "match" : "MISMATCH"
    } ${s.receivedSha256.slice(0, 16)}...`,
    `  server -> client: ${c.bytesReceived} bytes, SHA-256 ${
      c.receivedSha256 === s.sentSha256 ? "match" : "MISMATCH"
    } ${c.receivedSha256.slice(0, 16)}...`,
    `  link: ${l.sent} packets sent, ${l.delivered} delivered, ${l.lost} lost, ${l.corrupted} corrupted (${l.rejected} rejected by checksum), ${l.duplicated} duplicated, ${l.reordered} held back, ${l.queueDrops} queue drops, ${l.mtuDrops} over MTU, ${l.unroutable} for no host`,
  ];
  if (pcap) out.push(`  pcap: ${pcap}`);
  for (const p of r.problems) out.push(`  problem: ${p}`);
  return out.join("\n") + "\n";
}
