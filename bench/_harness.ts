// A small throughput harness: run a function over a buffer until a time
// budget passes, several rounds, keep the best. Peers are always measured in
// the same run as socklab, with their rounds interleaved so that load from
// other processes falls on all of them alike; only ratios are compared.

/** One measured implementation. */
export interface Contender {
  name: string;
  /** Processes one buffer; the return value is kept alive to defeat dead-code elimination. */
  run: (data: Uint8Array) => unknown;
  /** Prepares the buffer it will be handed (for example, a copy in WASM memory). */
  prepare?: (data: Uint8Array) => Uint8Array;
}

let sink: unknown;

/** Best throughput in GB/s of `fn` over `data` across `rounds` rounds of `budgetMs`. */
export function throughput(
  fn: (d: Uint8Array) => unknown,
  data: Uint8Array,
  budgetMs = 60,
  rounds = 3,
): number {
  for (let i = 0; i < 3; i++) sink = fn(data); // warm up
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    let batch = Math.max(1, Math.floor(65536 / Math.max(1, data.length)));
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < budgetMs) {
      for (let i = 0; i < batch; i++) sink = fn(data);
      calls += batch;
      elapsed = performance.now() - start;
      if (elapsed < budgetMs / 10) batch *= 2;
    }
    best = Math.max(best, (calls * data.length) / (elapsed * 1e6));
  }
  return best;
}

/** Options for {@link measureAll}. */
export interface MeasureOptions {
  /** Time per round and contender, in milliseconds (tripled from 1 MiB up). */
  budgetMs?: number;
  /** Rounds per size; each round runs every contender once, in turn. */
  rounds?: number;
  /** Deterministic test data of a given length. */
  data?: (size: number) => Uint8Array;
}

/** Deterministic bytes that no checksum shortcut can exploit. */
export function testData(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.imul(i, 2654435761) >>> 24;
  return data;
}

/**
 * Best GB/s of every contender at every size, by contender name. Rounds
 * alternate between contenders, so a burst of load elsewhere on the machine
 * cannot favour one of them.
 */
export function measureAll(
  contenders: Contender[],
  sizes: number[],
  options: MeasureOptions = {},
): Map<string, number[]> {
  const { budgetMs = 60, rounds = 3, data: make = testData } = options;
  const results = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const size of sizes) {
    const data = make(size);
    const inputs = contenders.map((c) => (c.prepare ? c.prepare(data) : data));
    const best = contenders.map(() => 0);
    const budget = size >= 1 << 20 ? budgetMs * 3 : budgetMs;
    // An untimed round first: engines compile hot code in the background
    // (WebAssembly starts in a baseline tier), which a loaded machine delays.
    // Growing core memory (another contender's prepare) detaches views.
    const input = (c: Contender, i: number) =>
      inputs[i].length === size ? inputs[i] : (inputs[i] = c.prepare!(data));
    contenders.forEach((c, i) => throughput(c.run, input(c, i), budget, 1));
    for (let r = 0; r < rounds; r++) {
      contenders.forEach((c, i) => {
        best[i] = Math.max(best[i], throughput(c.run, input(c, i), budget, 1));
      });
    }
    contenders.forEach((c, i) => results.get(c.name)!.push(best[i]));
  }
  return results;
}

/** `ours[i] / max(peers[*][i])` at every size, formatted as "1.23x". */
export function ratios(ours: number[], ...peers: number[][]): string[] {
  return ours.map((x, i) => `${(x / Math.max(...peers.map((p) => p[i]))).toFixed(2)}x`);
}

/** Keeps results observable. */
export function keep(): unknown {
  return sink;
}

/** Formats a table with right-aligned numeric columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Human size label; 1500 bytes, the Ethernet MTU, says so. */
export function sizeLabel(n: number): string {
  if (n === 1500) return "1500 B (MTU)";
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} B`;
}

/** "CPU: <model> (<n> cores), kernel <release>": the machine a run's ratios came from. */
export function machine(): string {
  let model = "unknown CPU";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? model;
  } catch {
    // Not Linux: the model stays unknown.
  }
  return `CPU: ${model} (${navigator.hardwareConcurrency} cores), kernel ${Deno.osRelease()}`;
}
