// Checksum throughput: socklab's WASM core (SIMD and scalar builds) beside
// node:zlib (native, with carry-less multiply), hash-wasm, SheetJS crc-32 and
// plain JavaScript (_plain_js.js, which the browser page /bench runs too),
// all measured side by side in this run. Ratios, not the absolute numbers,
// are what carries from one machine to another.
import { crc32 as zlibCrc32 } from "node:zlib";
import { createCRC32 } from "hash-wasm";
import CRC32 from "crc-32";
import CRC32C from "crc-32/crc32c.js";
import { instantiate, type SocklabCore } from "../core/build/socklab.js";
import { crc32 as denoCrc32 } from "../deno/checksum.ts";
import { crc32cJs, crc32Js, inetChecksumJs } from "./_plain_js.js";
import { loadCeiling } from "./_ceiling.ts";
import {
  type Contender,
  measureAll,
  type MeasureProgress,
  ratios,
  sizeLabel,
  table,
} from "./_harness.ts";

/** A minimum-size frame, an Ethernet MTU, a TCP window, a large file. */
const SIZES = [64, 1500, 64 * 1024, 16 * 1024 * 1024];

/** Prepares a copy of the data in core memory, checksummed in place. */
function inMemory(core: SocklabCore): (data: Uint8Array) => Uint8Array {
  return (data) => {
    const buf = core.alloc(data.length);
    buf.bytes.set(data);
    return buf.bytes;
  };
}

/** One ratio row: `ours` over the fastest of `peers`. */
interface Ratio {
  ours: string;
  peers: string[];
}

function render(title: string, results: Map<string, number[]>, rows: Ratio[]): string {
  const header = ["GB/s", ...SIZES.map(sizeLabel)];
  const body = [...results].map(([name, v]) => [name, ...v.map((x) => x.toFixed(2))]);
  for (const { ours, peers } of rows) {
    const label = `ratio ${ours} / ${peers.length > 1 ? `best of ${peers.join(", ")}` : peers[0]}`;
    body.push([label, ...ratios(results.get(ours)!, ...peers.map((p) => results.get(p)!))]);
  }
  return `${title}\n${table(header, body)}\n`;
}

/** Options of {@link benchChecksum}. */
export interface ChecksumBenchOptions {
  /** Time per round and contender, ms (default 20). */
  budgetMs?: number;
  /** Rounds per size (default 8). */
  rounds?: number;
  /** Told what is being measured, a few times a second. */
  progress?: (text: string) => void;
}

/** Runs the checksum benchmark and returns its report. */
export async function benchChecksum(options: ChecksumBenchOptions = {}): Promise<string> {
  // Many short rounds: on a shared machine each contender gets quiet moments.
  const where = (table: number, title: string) => (p: MeasureProgress) =>
    options.progress?.(
      `${title} (${table} of 3): ${sizeLabel(p.size)}, round ${p.round + 1} of ${p.rounds}`,
    );
  const measure = (table: number, title: string) => ({
    budgetMs: options.budgetMs ?? 20,
    rounds: options.rounds ?? 8,
    onProgress: where(table, title),
  });
  const simd = await instantiate({ engine: "simd" });
  const scalar = await instantiate({ engine: "scalar" });
  const ceiling = await loadCeiling();
  const hashCrc32 = await createCRC32();
  const hashCrc32c = await createCRC32(0x82f63b78);
  const out: string[] = [];

  const inet: Contender[] = [
    { name: "simd, in core memory", run: simd.inetChecksum, prepare: inMemory(simd) },
    { name: "simd, from Uint8Array", run: simd.inetChecksum },
    { name: "scalar, in core memory", run: scalar.inetChecksum, prepare: inMemory(scalar) },
    { name: "scalar, from Uint8Array", run: scalar.inetChecksum },
    { name: "plain JavaScript", run: inetChecksumJs },
    { name: "ceiling: load only", run: ceiling.run, prepare: ceiling.inMemory },
    { name: "ceiling: copy in + load only", run: ceiling.run },
  ];
  out.push(
    render(
      "Internet checksum (RFC 1071), socklab",
      await measureAll(inet, SIZES, measure(1, "Internet checksum")),
      [
        { ours: "simd, in core memory", peers: ["ceiling: load only"] },
        { ours: "simd, from Uint8Array", peers: ["ceiling: copy in + load only"] },
        { ours: "simd, from Uint8Array", peers: ["plain JavaScript"] },
      ],
    ),
  );

  const crc32: Contender[] = [
    { name: "socklab simd", run: (d) => simd.crc32(d) },
    { name: "socklab simd, in core memory", run: (d) => simd.crc32(d), prepare: inMemory(simd) },
    { name: "socklab scalar", run: (d) => scalar.crc32(d) },
    { name: "socklab for Deno (dispatch)", run: (d) => denoCrc32(d) },
    { name: "node:zlib (native)", run: (d) => zlibCrc32(d) },
    { name: "hash-wasm", run: (d) => hashCrc32.init().update(d).digest("binary") },
    { name: "SheetJS crc-32", run: (d) => CRC32.buf(d) },
    { name: "plain JavaScript", run: (d) => crc32Js(d) },
  ];
  const portable = ["hash-wasm", "SheetJS crc-32", "plain JavaScript"];
  out.push(render("CRC-32 (IEEE)", await measureAll(crc32, SIZES, measure(2, "CRC-32")), [
    { ours: "socklab simd", peers: portable },
    { ours: "socklab scalar", peers: portable },
    { ours: "socklab simd", peers: ["node:zlib (native)"] },
  ]));

  const crc32c: Contender[] = [
    { name: "socklab simd", run: (d) => simd.crc32c(d) },
    { name: "socklab simd, in core memory", run: (d) => simd.crc32c(d), prepare: inMemory(simd) },
    { name: "socklab scalar", run: (d) => scalar.crc32c(d) },
    { name: "hash-wasm", run: (d) => hashCrc32c.init().update(d).digest("binary") },
    { name: "SheetJS crc-32/crc32c", run: (d) => CRC32C.buf(d) },
    { name: "plain JavaScript", run: (d) => crc32cJs(d) },
  ];
  const portableC = ["hash-wasm", "SheetJS crc-32/crc32c", "plain JavaScript"];
  out.push(
    render(
      "CRC-32C (Castagnoli); node:zlib has none",
      await measureAll(crc32c, SIZES, measure(3, "CRC-32C")),
      [
        { ours: "socklab simd", peers: portableC },
        { ours: "socklab scalar", peers: portableC },
      ],
    ),
  );
  return out.join("\n");
}

if (import.meta.main) console.log(await benchChecksum());
