// `deno task grid`: recomputes the simulation grid (deno/link/grid.ts),
// compares it with its committed snapshot as the grid test does, and, with
// --update, rewrites the snapshot. Run with --help for the flags.
import { parseArgs } from "node:util";
import {
  cellName,
  compareGrid,
  formatGrid,
  GRID_AXES,
  GRID_BYTES,
  GRID_RUNS,
  gridCells,
  type GridRow,
  parseGrid,
} from "../deno/link/grid.ts";
import { defaultWorkers, runCells, SNAPSHOT } from "./_sim_grid.ts";

const HELP = `Usage: deno task grid [--update] [--filter TEXT] [--table] [--workers N]

Recomputes the simulation grid (controller x recovery x loss x RTT x queue,
deno/link/grid.ts) and compares it with its snapshot, tests/testdata/sim_grid.jsonl,
as tests/sim_grid_test.ts does: prints every cell markedly worse, worst first,
and how the grid moved overall. Exits 1 when a cell is markedly worse.

  --update        rewrite the snapshot with the grid as it is now. Only on purpose:
                  commit the snapshot on its own or with the change that moved it,
                  and say in the commit message why the cells moved (which change,
                  and why the new numbers are right), e.g.
                    grid: snapshot after PRR's slow-start reduction bound (RFC 6937
                    §3.1): 5% loss cells lose fewer packets in recovery
  --filter TEXT   only the cells whose name contains TEXT ("cubic rack", "rtt=100ms")
  --table         print the goodput of every cell as tables
  --workers N     cells in N workers at once (default: the CPUs, at most 4)
  --help          this text
`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    update: { type: "boolean" },
    filter: { type: "string" },
    table: { type: "boolean" },
    workers: { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
if (values.update && values.filter !== undefined) {
  console.error("grid: --update rewrites the whole snapshot; leave out --filter");
  Deno.exit(2);
}
const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`grid --workers: expected a whole number >= 1, got "${values.workers}"`);
  Deno.exit(2);
}

let before: GridRow[] = [];
try {
  before = parseGrid(await Deno.readTextFile(SNAPSHOT));
} catch (error) {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
  console.error(`grid: no snapshot yet at ${SNAPSHOT.pathname}`);
}
const cells = gridCells().filter((c) => cellName(c).includes(values.filter ?? ""));
console.error(
  `grid: ${cells.length} cells, ${GRID_RUNS} runs of ${
    GRID_BYTES / 1e6
  } MB each, ${workers} workers`,
);
const start = performance.now();
const rows = await runCells(cells, workers, (_, done) => {
  if (done % 30 === 0) console.error(`  ${done}/${cells.length}`);
});
const seconds = (performance.now() - start) / 1000;
console.error(`grid: ran in ${seconds.toFixed(1)} s`);

if (values.table) console.log(tables(rows));
const names = new Set(rows.map(cellName));
const compared = before.filter((r) => names.has(cellName(r)));
const regressions = compareGrid(compared, rows);
console.log(summary(compared, rows));
if (values.update) {
  await Deno.writeTextFile(SNAPSHOT, formatGrid(rows));
  console.log(
    `grid: wrote ${rows.length} cells to ${SNAPSHOT.pathname}` +
      (compared.length && regressions.length
        ? ` (${regressions.length} markedly worse than before)`
        : "") +
      "\n  commit it with the reason the cells moved in the message (see --help)",
  );
  Deno.exit(0);
}
if (regressions.length) {
  console.log(`\n${regressions.length} markedly worse than the snapshot, worst first:`);
  for (const r of regressions) console.log(`  ${r.message}`);
  Deno.exit(1);
}
console.log("\nno cell is markedly worse than the snapshot");

/** How the grid moved: cells changed, and goodput by controller and recovery. */
function summary(old: readonly GridRow[], now: readonly GridRow[]): string {
  const byName = new Map(old.map((r) => [cellName(r), r]));
  let changed = 0, same = 0;
  const groups = new Map<string, { log: number; n: number }>();
  for (const row of now) {
    const b = byName.get(cellName(row));
    if (!b) continue;
    if (formatGrid([b]) === formatGrid([row])) same++;
    else changed++;
    if (b.goodput > 0 && row.goodput > 0) {
      const key = `${row.cc} ${row.recovery}`;
      const g = groups.get(key) ?? { log: 0, n: 0 };
      g.log += Math.log(row.goodput / b.goodput);
      g.n++;
      groups.set(key, g);
    }
  }
  const lines = [`grid: ${same} cells as in the snapshot, ${changed} changed`];
  for (const [key, g] of groups) {
    const ratio = Math.exp(g.log / g.n);
    lines.push(`  ${key.padEnd(14)} goodput x${ratio.toFixed(3)} (geometric mean over ${g.n})`);
  }
  return lines.join("\n");
}

/** The goodput of every cell, MB/s: a table per controller and recovery. */
function tables(all: readonly GridRow[]): string {
  const out: string[] = [];
  for (const cc of GRID_AXES.controllers) {
    for (const recovery of GRID_AXES.recoveries) {
      const mine = all.filter((r) => r.cc === cc && r.recovery === recovery);
      if (mine.length === 0) continue;
      const columns = GRID_AXES.rtts.flatMap((rtt) => GRID_AXES.queues.map((q) => [rtt, q]));
      out.push(`\n${cc} ${recovery}: goodput MB/s (retransmissions per loss)`);
      out.push(
        "loss% " + columns.map(([rtt, q]) => `${rtt}ms/${q}bdp`.padStart(14)).join(""),
      );
      for (const loss of GRID_AXES.losses) {
        const cellsOf = columns.map(([rtt, q]) =>
          mine.find((r) => r.loss === loss && r.rtt === rtt && r.queue === q)
        );
        if (cellsOf.every((r) => !r)) continue;
        out.push(
          `${(loss * 100).toString().padEnd(5)} ` +
            cellsOf.map((r) =>
              (r ? `${r.goodput.toFixed(2)} (${r.rtxPerLoss?.toFixed(2) ?? "-"})` : "").padStart(14)
            ).join(""),
        );
      }
    }
  }
  return out.join("\n");
}
