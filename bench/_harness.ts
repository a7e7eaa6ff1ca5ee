// A small throughput harness: run a function over a buffer until a time
// budget passes, several rounds, keep the best. Peers are always measured in
// the same run as socklab, so only ratios are compared.

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

/** Human size label. */
export function sizeLabel(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} B`;
}
