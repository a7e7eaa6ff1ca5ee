// Checksum throughput: socklab's WASM core (SIMD and scalar) beside node:zlib,
// hash-wasm, SheetJS crc-32 and plain TypeScript, all measured in this run.
import { crc32 as zlibCrc32 } from "node:zlib";
import { createCRC32 } from "hash-wasm";
import CRC32 from "crc-32";
import { instantiate, type SocklabCore } from "../core/build/socklab.js";
import { crc32 as denoCrc32 } from "../deno/checksum.ts";
import { crc32cJs, crc32Js, inetChecksumJs } from "./_plain_js.ts";
import { type Contender, sizeLabel, table, throughput } from "./_harness.ts";

const SIZES = [64, 1500, 64 * 1024, 16 * 1024 * 1024];

function inMemory(core: SocklabCore): (data: Uint8Array) => Uint8Array {
  return (data) => {
    const buf = core.alloc(data.length);
    buf.bytes.set(data);
    return buf.bytes; // a view of core memory: used in place
  };
}

/** Measures every contender at every size; returns GB/s by name and size. */
function measure(contenders: Contender[], budgetMs: number): Map<string, number[]> {
  const results = new Map<string, number[]>();
  for (const c of contenders) results.set(c.name, []);
  for (const size of SIZES) {
    const data = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
    for (const c of contenders) {
      const input = c.prepare ? c.prepare(data) : data;
      results.get(c.name)!.push(
        throughput(c.run, input, size >= 1 << 20 ? budgetMs * 3 : budgetMs),
      );
    }
  }
  return results;
}

function render(
  title: string,
  results: Map<string, number[]>,
  ours: string,
  peers: string[],
): string {
  const header = ["GB/s", ...SIZES.map(sizeLabel)];
  const rows = [...results].map(([name, v]) => [name, ...v.map((x) => x.toFixed(2))]);
  const base = results.get(ours)!;
  for (const peer of peers) {
    const p = results.get(peer)!;
    rows.push([
      `ratio ${ours.split(" ")[0]}.. / ${peer}`,
      ...base.map((b, i) => `${(b / p[i]).toFixed(2)}x`),
    ]);
  }
  return `${title}\n${table(header, rows)}\n`;
}

/** Runs the checksum benchmark and returns its report. */
export async function benchChecksum(options: { budgetMs?: number } = {}): Promise<string> {
  const budget = options.budgetMs ?? 60;
  const simd = await instantiate({ engine: "simd" });
  const scalar = await instantiate({ engine: "scalar" });
  const hashCrc32 = await createCRC32();
  const hashCrc32c = await createCRC32(0x82f63b78);
  const out: string[] = [];

  out.push(render(
    "Internet checksum (RFC 1071)",
    measure([
      { name: "socklab simd, in core memory", run: simd.inetChecksum, prepare: inMemory(simd) },
      { name: "socklab simd, from Uint8Array", run: simd.inetChecksum },
      {
        name: "socklab scalar, in core memory",
        run: scalar.inetChecksum,
        prepare: inMemory(scalar),
      },
      { name: "plain TypeScript", run: inetChecksumJs },
      { name: "ceiling: simd load only", run: simd.loadOnly, prepare: inMemory(simd) },
    ], budget),
    "socklab simd, in core memory",
    ["plain TypeScript", "ceiling: simd load only"],
  ));

  out.push(render(
    "CRC-32 (IEEE)",
    measure([
      { name: "socklab wasm simd", run: (d) => simd.crc32(d) },
      { name: "socklab wasm scalar", run: (d) => scalar.crc32(d) },
      { name: "socklab for Deno (dispatch)", run: (d) => denoCrc32(d) },
      { name: "node:zlib (native)", run: (d) => zlibCrc32(d) },
      { name: "hash-wasm", run: (d) => hashCrc32.init().update(d).digest("binary") },
      { name: "SheetJS crc-32", run: (d) => CRC32.buf(d) },
      { name: "plain TypeScript", run: (d) => crc32Js(d) },
    ], budget),
    "socklab wasm simd",
    ["hash-wasm", "SheetJS crc-32", "plain TypeScript", "node:zlib (native)"],
  ));

  out.push(render(
    "CRC-32C (Castagnoli)",
    measure([
      { name: "socklab wasm simd", run: (d) => simd.crc32c(d) },
      { name: "socklab wasm scalar", run: (d) => scalar.crc32c(d) },
      { name: "hash-wasm", run: (d) => hashCrc32c.init().update(d).digest("binary") },
      { name: "plain TypeScript", run: (d) => crc32cJs(d) },
    ], budget),
    "socklab wasm simd",
    ["hash-wasm", "plain TypeScript"],
  ));
  return out.join("\n");
}

if (import.meta.main) console.log(await benchChecksum());
