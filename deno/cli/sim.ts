// `socklab sim`: a transfer between two socklab TCP stacks on the simulated
// network, with impairments from flags; prints a ladder diagram, a summary,
// and optionally a pcap and JSON.
import {
  CLIENT_ADDR,
  CLOSE_ORDERS,
  type CloseOrder,
  runTransfer,
  SERVER_ADDR,
} from "../link/transfer.ts";
// The playground's defaults are these flags' defaults: its replay commands leave them out.
import { DEFAULT_SETTINGS as D } from "../playground/run.ts";
import type { Impairments } from "../link/sim.ts";
import type { TraceEvent } from "../trace/events.ts";
import { renderLadder } from "../trace/ladder.ts";
import { pcapOfTrace } from "../trace/pcap.ts";
import { traceEventJson } from "../trace/json.ts";
import {
  bytesValue,
  durationValue,
  intValue,
  parseFlags,
  percentValue,
  rateValue,
  type Subcommand,
  UsageError,
  write,
} from "./_args.ts";

const usage = `Usage: socklab sim [flags]

Runs a transfer between two socklab TCP stacks on a simulated network with a
virtual clock: the client ${CLIENT_ADDR} sends --bytes to the server ${SERVER_ADDR},
which answers with --reply-bytes; then both close. Prints a ladder diagram of
every segment and state change, and a summary. The same --seed gives the same
run, every time.

Link (both directions):
      --loss PCT          packets lost, percent (default 0)
      --reorder PCT       packets held back behind later ones, percent
      --duplicate PCT     packets delivered twice, percent
      --corrupt PCT       packets with one bit flipped, percent (checksums catch them)
      --delay TIME        one-way delay (default 10ms)
      --jitter TIME       uniform jitter, plus or minus (default 0)
      --rate RATE         bandwidth, e.g. 10Mbit (default unlimited)
      --queue SIZE        bytes queued behind the rate limit (default 64KiB)
      --mtu BYTES         largest IP packet, 68 to 65535 (default 1500)
Transfer:
      --bytes SIZE        client to server (default 10KB)
      --reply-bytes SIZE  server to client (default 0)
      --close ORDER       client-first, server-first or simultaneous (default client-first)
      --simultaneous-open both ends connect at once
      --stall TIME        the server reads nothing until this time (zero window)
      --seed N            random seed (default 1)
      --max-time TIME     bound on virtual time (default 6h)
TCP:
      --msl TIME          maximum segment lifetime; TIME-WAIT is 2*MSL (default 1s)
      --recv-buffer SIZE  receive buffer (default 65535; above it the SYN offers window scaling)
      --delayed-ack TIME  delayed-ACK timeout, 0 for none (default 40ms)
      --no-nagle          turn off Nagle's algorithm
Output:
      --lines N           ladder lines to show, 0 for none (default 80; the middle is elided)
      --pcap FILE         write the packets as a pcap (open it in Wireshark)
      --trace FILE        write every trace event as JSON lines
      --json              print one JSON object instead of the ladder and summary
  -h, --help              this help

Examples:
  socklab sim --bytes 0                         the handshake and teardown alone
  socklab sim --loss 20 --bytes 20KB --seed 3   retransmissions and RTO backoff
  socklab sim --stall 3s --recv-buffer 4096     a zero-window stall and recovery
  socklab sim --simultaneous-open --bytes 0     simultaneous open
`;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export const command: Subcommand = {
  summary: "TCP between two socklab stacks on a simulated lossy network",
  usage,
  async main(args, io) {
    const { values } = parseFlags("sim", args, {
      loss: { type: "string" },
      reorder: { type: "string" },
      duplicate: { type: "string" },
      corrupt: { type: "string" },
      delay: { type: "string" },
      jitter: { type: "string" },
      rate: { type: "string" },
      queue: { type: "string" },
      mtu: { type: "string" },
      bytes: { type: "string" },
      "reply-bytes": { type: "string" },
      close: { type: "string" },
      "simultaneous-open": { type: "boolean" },
      stall: { type: "string" },
      seed: { type: "string" },
      "max-time": { type: "string" },
      msl: { type: "string" },
      "recv-buffer": { type: "string" },
      "delayed-ack": { type: "string" },
      "no-nagle": { type: "boolean" },
      lines: { type: "string" },
      pcap: { type: "string" },
      trace: { type: "string" },
      json: { type: "boolean" },
    }, 0);
    const pct = (name: "loss" | "reorder" | "duplicate" | "corrupt") => {
      const v = str(values[name]);
      return v === undefined ? 0 : percentValue(name, v);
    };
    const loss = pct("loss");
    if (loss >= 1) throw new UsageError("sim: --loss 100% would never deliver anything");
    const mtu = values.mtu === undefined ? D.mtu : intValue("mtu", str(values.mtu)!, 68, 65535);
    const link: Partial<Impairments> = {
      loss,
      reorder: pct("reorder"),
      duplicate: pct("duplicate"),
      corrupt: pct("corrupt"),
      delay: values.delay === undefined ? D.delay : durationValue("delay", str(values.delay)!),
      jitter: values.jitter === undefined ? 0 : durationValue("jitter", str(values.jitter)!),
      rate: values.rate === undefined ? 0 : rateValue("rate", str(values.rate)!),
      queue: values.queue === undefined ? 65536 : bytesValue("queue", str(values.queue)!),
      mtu,
    };
    if (link.rate! > 0 && link.queue! < mtu) {
      throw new UsageError(`sim: --queue ${link.queue} bytes cannot hold one --mtu ${mtu} packet`);
    }
    const limit = 256 * 1024 * 1024;
    const bytes = values.bytes === undefined
      ? D.bytes
      : bytesValue("bytes", str(values.bytes)!, limit);
    const replyBytes = values["reply-bytes"] === undefined
      ? D.replyBytes
      : bytesValue("reply-bytes", str(values["reply-bytes"])!, limit);
    const close = str(values.close) ?? D.close;
    if (!(CLOSE_ORDERS as readonly string[]).includes(close)) {
      throw new UsageError(
        `sim: --close must be one of ${CLOSE_ORDERS.join(", ")}, got "${close}"`,
      );
    }
    const seed = values.seed === undefined
      ? D.seed
      : intValue("seed", str(values.seed)!, 0, 2 ** 32 - 1);
    const maxTime = values["max-time"] === undefined
      ? 6 * 3_600_000
      : durationValue("max-time", str(values["max-time"])!);
    const msl = values.msl === undefined ? D.msl : durationValue("msl", str(values.msl)!);
    const recvBufferSize = values["recv-buffer"] === undefined
      ? D.recvBuffer
      : bytesValue("recv-buffer", str(values["recv-buffer"])!);
    if (recvBufferSize < 1 || recvBufferSize > 2 ** 30) {
      throw new UsageError(
        `sim: --recv-buffer must be 1 byte to 1GiB (the largest scaled window), got ${recvBufferSize}`,
      );
    }
    const delayedAck = values["delayed-ack"] === undefined
      ? 40
      : durationValue("delayed-ack", str(values["delayed-ack"])!);
    const stall = values.stall === undefined ? D.stall : durationValue("stall", str(values.stall)!);
    const lines = values.lines === undefined ? 80 : intValue("lines", str(values.lines)!, 0, 1e9);
    if (lines > 0 && lines < 4) throw new UsageError("sim: --lines must be 0 or at least 4");

    const events: TraceEvent[] = [];
    const wall = performance.now();
    const result = runTransfer({
      seed,
      bytes,
      replyBytes,
      forward: link,
      closeOrder: close as CloseOrder,
      simultaneousOpen: values["simultaneous-open"] === true,
      serverReadsFrom: stall,
      maxTime,
      config: { msl, recvBufferSize, delayedAck, nagle: values["no-nagle"] !== true },
      trace: (e) => events.push(e),
    });
    const wallMs = performance.now() - wall;
    const pcapPath = str(values.pcap);
    if (pcapPath !== undefined) {
      try {
        await Deno.writeFile(pcapPath, pcapOfTrace(events));
      } catch (error) {
        throw new Error(`sim: cannot write the pcap to ${pcapPath}: ${(error as Error).message}`);
      }
    }
    const tracePath = str(values.trace);
    if (tracePath !== undefined) {
      const text = events.map((e) => JSON.stringify(traceEventJson(e))).join("\n") + "\n";
      try {
        await Deno.writeTextFile(tracePath, text);
      } catch (error) {
        throw new Error(`sim: cannot write the trace to ${tracePath}: ${(error as Error).message}`);
      }
    }
    if (values.json) {
      const { seed: _, ...rest } = result;
      await write(
        io.stdout,
        JSON.stringify({ seed, flags: args, ...rest, wallMs: Math.round(wallMs) }) + "\n",
      );
      return result.ok ? 0 : 1;
    }
    if (lines > 0) {
      await write(
        io.stdout,
        renderLadder(events, { left: CLIENT_ADDR, right: SERVER_ADDR, maxLines: lines }) + "\n",
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
