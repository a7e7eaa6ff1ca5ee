// `socklab pcap`: the capture analyzer. Lists each TCP connection in a pcap
// or pcapng file, and writes reassembled streams to files.
import { join } from "node:path";
import {
  type CaptureAnalysisWithStreams,
  CaptureAnalyzer,
  type CapturedConnection,
  type StreamStats,
  type SynOptions,
} from "../pcap/analyze.ts";
import { readCapture } from "../pcap/reader.ts";
import { WireError } from "../wire/error.ts";
import {
  type CommandIo,
  fileErrorReason,
  intValue,
  parseFlags,
  type Subcommand,
  UsageError,
  write,
} from "./_args.ts";
import { type Progress, withProgress } from "./_progress.ts";

const usage = `Usage: socklab pcap [flags] FILE

Lists each TCP connection in a capture (pcap or pcapng; Ethernet, raw IP,
Linux cooked v1/v2 and loopback links): its endpoints, the handshake seen
and the options negotiated, who closed first and how (FIN/FIN or RST), data
bytes each way, retransmissions, out-of-order segments and bad checksums.
Connections are numbered as tshark's tcp.stream; frames as Wireshark's.
"Retransmitted" counts data segments repeating bytes this capture already
showed; "out of order" counts segments of bytes never shown before that
arrive after later bytes (reordered, or lost before the capture point and
sent again). tshark's expert info splits the two by timing instead, so its
counts can differ; the reassembled bytes do not.

Flags:
      --json        the whole analysis as one JSON document
      --follow N    write stream N's reassembled bytes, one file per direction,
                    as tshark -z follow,tcp,raw,N has them (repeatable; "all")
      --out DIR     where --follow writes: DIR/stream-N-client.bin (what the
                    client sent) and DIR/stream-N-server.bin
  -h, --help        this help

Example:
  $ socklab pcap tests/testdata/rst.pcap
  rst.pcap: pcap, 42 frames: 42 TCP in 1 connection, 0 other, 0 malformed

  tcp.stream 0  10.99.1.1:38686 -> 10.99.2.2:8081  frames 1-42, 0.106 s
    handshake       SYN, SYN-ACK, ACK
    negotiated      MSS 1460, window scale 10/10, SACK, timestamps
    close           client FIN first, then RST from client
    client->server  78 bytes in 1 data segment, 0 retransmitted, 0 out of order, 0 bad checksums
    server->client  24576 bytes in 18 data segments, 0 retransmitted, 0 out of order, 0 bad checksums
  $ socklab pcap --follow 0 --out streams tests/testdata/rst.pcap
  ...
  wrote streams/stream-0-client.bin (78 bytes)
  wrote streams/stream-0-server.bin (24576 bytes)
`;

const side = (o: SynOptions | null) =>
  o === null ? "not captured" : [
    o.mss === null ? "no MSS" : `MSS ${o.mss}`,
    o.windowScale === null ? "no window scale" : `window scale ${o.windowScale}`,
    o.sackPermitted ? "SACK" : "no SACK",
    o.timestamps ? "timestamps" : "no timestamps",
  ].join(", ");

const addr = (e: { address: string; port: number }) =>
  e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;

function direction(d: StreamStats): string {
  const parts = [
    `${d.bytes} bytes in ${d.dataSegments} data segment${d.dataSegments === 1 ? "" : "s"}`,
    `${d.retransmissions} retransmitted`,
    `${d.outOfOrder} out of order`,
    `${d.badChecksums} bad checksum${d.badChecksums === 1 ? "" : "s"}`,
  ];
  if (d.unfilledBytes) parts.push(`${d.unfilledBytes} bytes past a gap never filled`);
  if (d.cutSegments) {
    parts.push(`${d.cutSegments} cut short by the snap length (data not followed)`);
  }
  return parts.join(", ");
}

function describe(c: CapturedConnection): string {
  const h = c.handshake;
  const seen = [h.syn && "SYN", h.synAck && "SYN-ACK", h.ack && "ACK"].filter(Boolean);
  const lines = [
    `tcp.stream ${c.stream}  ${addr(c.client)} -> ${addr(c.server)}  ` +
    `frames ${c.frames.first + 1}-${c.frames.last + 1}, ${c.duration.toFixed(3)} s`,
    `  handshake       ${seen.length ? seen.join(", ") : "not captured"}`,
  ];
  if (h.negotiated) {
    const n = h.negotiated;
    lines.push(
      `  negotiated      ${
        [
          n.mss === null ? "no MSS" : `MSS ${n.mss}`,
          n.windowScale
            ? `window scale ${n.windowScale.client}/${n.windowScale.server}`
            : "no window scaling",
          n.sack ? "SACK" : "no SACK",
          n.timestamps ? "timestamps" : "no timestamps",
        ].join(", ")
      }`,
    );
  } else {
    lines.push(`  client offered  ${side(h.syn)}`, `  server offered  ${side(h.synAck)}`);
  }
  const close = c.close;
  const who = (s: { client: boolean; server: boolean }) =>
    s.client && s.server ? "both" : s.client ? "client" : "server";
  lines.push(
    `  close           ${
      close.how === "open"
        ? "not seen (still open at the end of the capture)"
        : close.how === "rst"
        ? close.firstFlag === "rst"
          ? `RST from ${who(close.rst)}`
          : `${close.first} FIN first, then RST from ${who(close.rst)}`
        : close.how === "fin/fin"
        ? `${close.first} FIN first, FIN/FIN`
        : `${close.first} FIN only (half-closed)`
    }`,
    `  client->server  ${direction(c.toServer)}`,
    `  server->client  ${direction(c.toClient)}`,
  );
  return lines.join("\n");
}

function summary(name: string, a: CaptureAnalysisWithStreams): string {
  const n = a.connections.length;
  const lines = [
    `${name}: ${a.format}, ${a.frames} frames: ${a.tcpFrames} TCP in ${n} connection${
      n === 1 ? "" : "s"
    }, ` +
    `${a.otherFrames} other, ${a.malformed.length} malformed`,
  ];
  if (a.truncated) lines.push(`warning: the file is cut short: ${a.truncated}`);
  for (const m of a.malformed.slice(0, 5)) {
    lines.push(`malformed frame ${m.frame + 1}: ${m.reason}`);
  }
  if (a.malformed.length > 5) lines.push(`... and ${a.malformed.length - 5} more malformed frames`);
  for (const c of a.connections) lines.push("", describe(c));
  return lines.join("\n") + "\n";
}

/** The analysis as JSON, with Wireshark's 1-based frame numbers. */
function toJson(file: string, a: CaptureAnalysisWithStreams): string {
  return JSON.stringify(
    {
      file,
      format: a.format,
      frames: a.frames,
      tcpFrames: a.tcpFrames,
      otherFrames: a.otherFrames,
      truncated: a.truncated,
      malformed: a.malformed.map((m) => ({ frame: m.frame + 1, reason: m.reason })),
      connections: a.connections.map((c) => ({
        ...c,
        frames: { first: c.frames.first + 1, last: c.frames.last + 1 },
      })),
    },
    null,
    2,
  ) + "\n";
}

const MB = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;

/** Reads a whole file, saying how far it got; a pipe or FIFO is read in one go. */
async function readFile(name: string, progress: Progress): Promise<Uint8Array> {
  let file;
  try {
    file = await Deno.open(name);
  } catch (error) {
    throw new Error(`cannot read ${name}: ${fileErrorReason(error)}`);
  }
  try {
    const size = (await file.stat()).size;
    if (size === 0) return new Uint8Array(await new Response(file.readable).arrayBuffer());
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = await file.read(bytes.subarray(at, Math.min(size, at + (4 << 20))));
      if (n === null) break;
      at += n;
      progress.update(`reading ${MB(at)} of ${MB(size)}`);
    }
    return bytes.subarray(0, at);
  } catch (error) {
    throw new Error(`cannot read ${name}: ${fileErrorReason(error)}`);
  } finally {
    try {
      file.close();
    } catch {
      // Already closed by reading its stream to the end.
    }
  }
}

/** Reads and analyzes a capture, yielding now and then so the progress line is drawn. */
async function analyzeFile(file: string, progress: Progress): Promise<CaptureAnalysisWithStreams> {
  const capture = readCapture(await readFile(file, progress));
  const analyzer = new CaptureAnalyzer();
  const total = capture.packets.length;
  let pause = performance.now() + 50;
  for (const packet of capture.packets) {
    analyzer.add(packet);
    if ((analyzer.frames & 1023) === 0 && performance.now() > pause) {
      progress.update(`analyzing frame ${analyzer.frames} of ${total}`);
      await new Promise((resolve) => setTimeout(resolve, 0));
      pause = performance.now() + 50;
    }
  }
  return analyzer.result(capture);
}

export const command: Subcommand = {
  summary: "TCP connections in a pcap/pcapng capture; reassembled streams",
  usage,
  async main(args: string[], io: CommandIo) {
    const { values, positionals } = parseFlags("pcap", args, {
      json: { type: "boolean" },
      follow: { type: "string", multiple: true },
      out: { type: "string" },
    }, 1);
    const [file] = positionals;
    if (file === undefined) throw new UsageError("pcap: a capture FILE is required");
    const follow = (values.follow as string[] | undefined) ?? [];
    const out = values.out as string | undefined;
    if (follow.length && out === undefined) throw new UsageError("pcap: --follow needs --out DIR");
    if (out !== undefined && !follow.length) {
      throw new UsageError("pcap: --out is only used with --follow");
    }
    let analysis: CaptureAnalysisWithStreams;
    try {
      analysis = await withProgress(io, "pcap", (progress) => analyzeFile(file, progress));
    } catch (error) {
      if (error instanceof WireError) throw new Error(`${file}: ${error.message}`);
      throw error;
    }
    const streams = new Set<number>();
    for (const f of follow) {
      if (f === "all") analysis.connections.forEach((c) => streams.add(c.stream));
      else {
        const n = intValue("follow", f, 0, Number.MAX_SAFE_INTEGER);
        if (n >= analysis.connections.length) {
          throw new UsageError(
            `pcap: --follow ${n}: the capture has ${analysis.connections.length} TCP stream(s), numbered from 0`,
          );
        }
        streams.add(n);
      }
    }
    const name = file.split("/").pop()!;
    await write(io.stdout, values.json ? toJson(file, analysis) : summary(name, analysis));
    if (streams.size) {
      await Deno.mkdir(out!, { recursive: true });
      for (const n of [...streams].sort((a, b) => a - b)) {
        for (const [dir, who] of [["toServer", "client"], ["toClient", "server"]] as const) {
          const path = join(out!, `stream-${n}-${who}.bin`);
          const bytes = analysis.streamBytes(n, dir);
          await Deno.writeFile(path, bytes);
          if (!values.json) await write(io.stderr, `wrote ${path} (${bytes.length} bytes)\n`);
        }
      }
    }
    return 0;
  },
};
