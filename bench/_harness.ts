// A small throughput harness: the measuring loop of _measure.js (shared with
// the browser page of `socklab serve`), and how results are shown: ratios
// beside peers measured in the same run, and plain-text tables.

export {
  type Contender,
  keep,
  measureAll,
  type MeasureOptions,
  type MeasureProgress,
  testData,
  throughput,
} from "./_measure.js";

/** `ours[i] / max(peers[*][i])` at every size, formatted as "1.23x". */
export function ratios(ours: number[], ...peers: number[][]): string[] {
  return ours.map((x, i) => `${(x / Math.max(...peers.map((p) => p[i]))).toFixed(2)}x`);
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

/**
 * The machine a run measured: the CPU model and its count of logical CPUs,
 * the kernel, the runtime. Printed with a benchmark's numbers, which mean
 * little without it.
 */
export function machine(): string {
  let cpu = "unknown CPU";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    const model = /^(?:model name|Hardware|Processor|cpu model)\s*:\s*(.+)$/m.exec(info);
    if (model) cpu = model[1].trim();
  } catch {
    // Not Linux: the model stays unknown.
  }
  const kernel = `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`;
  return `machine: ${cpu}, ${navigator.hardwareConcurrency} CPUs; kernel ${kernel}; ` +
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`;
}
