// Wire decoding: IPv4 + TCP packets parsed and checksum-verified per second
// by socklab's wire layer (checksums in the WASM core), beside the same
// work in plain TypeScript, measured in this run. Two packet sizes: full
// 1500-byte data segments and 52-byte ACKs with timestamps.
import { inetChecksum } from "../deno/checksum.ts";
import { Ipv4Packet } from "../deno/wire/ipv4.ts";
import { bufferLen as ipv4Len, emit as emitIpv4 } from "../deno/wire/ipv4.ts";
import {
  bufferLen as tcpLen,
  emit as emitTcp,
  parse as parseTcp,
  tcpRepr,
} from "../deno/wire/tcp.ts";
import { analyze } from "../deno/pcap/analyze.ts";
import { readCapture } from "../deno/pcap/reader.ts";
import { PcapWriter } from "../deno/pcap/writer.ts";
import { inetChecksumJs } from "./_plain_js.js";
import { table } from "./_harness.ts";

const SRC = new Uint8Array([10, 0, 0, 1]);
const DST = new Uint8Array([10, 0, 0, 2]);

function packet(payload: number, seq: number): Uint8Array {
  const tcp = tcpRepr({
    srcPort: 80,
    dstPort: 40000,
    seq,
    ack: 12345,
    window: 502,
    timestamp: { value: seq, echo: 7 },
    payload: new Uint8Array(payload).map((_, i) => (i * 31 + seq) & 0xff),
  });

  const ip = {
    src: SRC,
    dst: DST,
    protocol: 6,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    ident: seq & 0xffff,
    dontFrag: true,
    moreFrags: false,
    fragOffset: 0,
    options: new Uint8Array(),
    payloadLen: tcpLen(tcp),
  };
  const out = new Uint8Array(ipv4Len(ip) + tcpLen(tcp));
  const n = emitIpv4(ip, out);
  emitTcp(tcp, out.subarray(n), { src: SRC, dst: DST });
  return out;
}

/** socklab: view, header checksum, TCP parse with the pseudo-header checksum. */
function socklab(bytes: Uint8Array): number {
  const ip = Ipv4Packet.checked(bytes);
  if (!ip.verifyChecksum()) throw new Error("bad IP checksum");
  return parseTcp(ip.payload, { src: ip.src, dst: ip.dst }).payload.length;
}

/** socklab without checksums: the cost of parsing alone. */
function socklabParseOnly(bytes: Uint8Array): number {
  return parseTcp(Ipv4Packet.checked(bytes).payload).payload.length;
}

const pseudo = new Uint8Array(12);
/** Plain TypeScript: the same checks and fields, checksums summed in JS. */
function plain(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 20 || bytes[0] >> 4 !== 4) throw new Error("not IPv4");
  const ihl = (bytes[0] & 15) * 4;
  const total = view.getUint16(2);
  if (ihl < 20 || total > bytes.length || total < ihl + 20) throw new Error("bad lengths");
  if (inetChecksumJs(bytes.subarray(0, ihl)) !== 0) throw new Error("bad IP checksum");
  const seg = bytes.subarray(ihl, total);
  pseudo.set(bytes.subarray(12, 20), 0);
  pseudo[8] = 0;
  pseudo[9] = 6;
  pseudo[10] = seg.length >> 8;
  pseudo[11] = seg.length & 0xff;
  // Sum the pseudo-header and segment as one: fold both partial sums.
  const a = ~inetChecksumJs(pseudo) & 0xffff, b = ~inetChecksumJs(seg) & 0xffff;
  let s = a + b;
  s = (s & 0xffff) + (s >>> 16);
  if ((~s & 0xffff) !== 0) throw new Error("bad TCP checksum");
  const off = (seg[12] >> 4) * 4;
  if (off < 20 || off > seg.length) throw new Error("bad data offset");
  let timestamp = 0;
  for (let i = 20; i < off;) {
    const kind = seg[i];
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = seg[i + 1];
    if (len < 2 || i + len > off) throw new Error("bad option");
    if (kind === 8) timestamp = view.getUint32(ihl + i + 2);
    i += len;
  }
  return seg.length - off + (timestamp & 0);
}

/** Best packets per second of `fn` over `packets` across interleaved rounds. */
function measure(
  fns: ((b: Uint8Array) => number)[],
  packets: Uint8Array[],
  budgetMs: number,
  rounds: number,
) {
  const best = fns.map(() => 0);
  let sink = 0;
  for (const fn of fns) for (const p of packets) sink += fn(p); // warm up, and check all agree
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      let count = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < budgetMs) {
        for (const p of packets) sink += fn(p);
        count += packets.length;
        elapsed = performance.now() - start;
      }
      best[k] = Math.max(best[k], (count / elapsed) * 1000);
    });
  }
  if (sink === -1) console.log(sink);
  return best;
}

/** A capture of one transfer: data segments from the server, an ACK for every other one. */
function transfer(segments: number): Uint8Array {
  const writer = new PcapWriter();
  const ack = (n: number) => {
    const p = packet(0, 12345);
    // The ACK goes the other way: swap addresses and ports, fix checksums.
    const out = p.slice();
    out.set(p.subarray(16, 20), 12);
    out.set(p.subarray(12, 16), 16);
    const tcp = parseTcp(out.subarray(20));
    emitTcp(
      { ...tcp, srcPort: tcp.dstPort, dstPort: tcp.srcPort, ack: (n * 1448) >>> 0 },
      out.subarray(20),
      {
        src: DST,
        dst: SRC,
      },
    );
    new Ipv4Packet(out).fillChecksum();
    return out;
  };
  for (let i = 0; i < segments; i++) {
    writer.write(packet(1448, (i * 1448) >>> 0), 1700000000 + i / 1e4);
    if (i % 2) writer.write(ack(i + 1), 1700000000 + i / 1e4);
  }
  return writer.bytes();
}

async function tsharkSeconds(path: string): Promise<number> {
  const start = performance.now();
  const { success } = await new Deno.Command("tshark", {
    args: [
      "-n",
      "-r",
      path,
      "-q",
      "-o",
      "tcp.check_checksum:TRUE",
      "-o",
      "ip.check_checksum:TRUE",
      "-z",
      "conv,tcp",
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!success) throw new Error("tshark failed");
  return (performance.now() - start) / 1000;
}

/** The analyzer beside tshark on one capture file, startup subtracted. */
async function versusTshark(quick: boolean): Promise<string> {
  const probe = await new Deno.Command("sh", { args: ["-c", "command -v tshark"], stdout: "null" })
    .output();
  if (!probe.success) return "tshark is not installed: analyzer comparison skipped.";
  const segments = quick ? 2000 : 20000;
  const bytes = transfer(segments);
  const packets = readCapture(bytes).packets.length;
  const file = await Deno.makeTempFile({ suffix: ".pcap" });
  const empty = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(file, bytes);
    await Deno.writeFile(empty, new PcapWriter().bytes());
    let ours = Infinity, theirs = Infinity;
    for (let r = 0; r < (quick ? 1 : 5); r++) {
      const start = performance.now();
      const analysis = analyze(readCapture(await Deno.readFile(file)));
      // No SYN: the sender of the first packet, here the data sender, is taken as the client.
      if (analysis.connections[0].toServer.bytes !== segments * 1448) {
        throw new Error("bench: bad reassembly");
      }
      ours = Math.min(ours, (performance.now() - start) / 1000);
      theirs = Math.min(theirs, (await tsharkSeconds(file)) - (await tsharkSeconds(empty)));
    }
    const kpps = (s: number) => (packets / s / 1000).toFixed(0);
    return table([
      "whole capture (kpps, best of rounds)",
      "socklab analyze()",
      "tshark -z conv,tcp",
      "socklab / tshark",
    ], [[
      `${packets} packets, ${(bytes.length / 1e6).toFixed(1)} MB`,
      kpps(ours),
      kpps(theirs),
      `${(theirs / ours).toFixed(2)}x`,
    ]]) + "\nBoth verify every checksum; tshark's startup (an empty file) is subtracted.";
  } finally {
    await Deno.remove(file);
    await Deno.remove(empty);
  }
}

/** Runs the benchmark; `quick` shortens it for tests. */
export async function benchWire(quick = false): Promise<string> {
  // Sanity: the baseline and socklab agree the packets are good.
  const sample = packet(1448, 1);
  if (inetChecksum(sample.subarray(0, 20)) !== 0 || plain(sample) !== socklab(sample)) {
    throw new Error("bench/wire: socklab and the baseline disagree");
  }
  const names = ["socklab (WASM checksums)", "plain TypeScript", "socklab, parse only"];
  const fns = [socklab, plain, socklabParseOnly];
  const rows: string[][] = [];
  for (const [label, size] of [["52-byte ACKs", 0], ["1500-byte data segments", 1448]] as const) {
    const packets = Array.from({ length: 64 }, (_, i) => packet(size, i * 1448));
    const pps = measure(fns, packets, quick ? 20 : 150, quick ? 1 : 3);
    const mpps = (n: number) => (n / 1e6).toFixed(2);
    rows.push([label, ...pps.map(mpps), `${(pps[0] / pps[1]).toFixed(2)}x`]);
  }
  return table(["packets (Mpps, best of rounds)", ...names, "socklab / plain"], rows) +
    "\nEach packet: IPv4 header checked and checksummed, TCP parsed (options included)\n" +
    "and checksummed with the pseudo-header. Ratios are from this run only.\n\n" +
    await versusTshark(quick);
}
