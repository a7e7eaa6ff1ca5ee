// What the grid test (sim_grid_test.ts) and the grid script (sim_grid.ts)
// share: where the snapshot lives, and running the cells of
// deno/link/grid.ts in a few workers, so the grid takes half the time on
// two cores. Each worker runs the cells it is handed (_sim_grid_worker.ts);
// the rows come back in the grid's order, exactly as one thread makes them.
import { type GridCell, type GridRow, runCell } from "../deno/link/grid.ts";

/** The committed snapshot: one JSON line per cell. */
export const SNAPSHOT: URL = new URL("./testdata/sim_grid.jsonl", import.meta.url);

/** Workers to use: SOCKLAB_GRID_WORKERS, else the CPUs, at most 4 (1 runs in this thread). */
export function defaultWorkers(): number {
  const given = Deno.env.get("SOCKLAB_GRID_WORKERS");
  if (given !== undefined) {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`SOCKLAB_GRID_WORKERS must be a whole number >= 1, got "${given}"`);
    }
    return n;
  }
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency));
}

/**
 * Runs `cells` in `workers` workers (in this thread with 1) and returns
 * their rows in the order of `cells`; `onRow` hears of each as it is done.
 */
export async function runCells(
  cells: readonly GridCell[],
  workers: number = defaultWorkers(),
  onRow?: (row: GridRow, done: number) => void,
): Promise<GridRow[]> {
  const rows: GridRow[] = new Array(cells.length);
  let done = 0;
  if (workers <= 1) {
    cells.forEach((cell, i) => {
      rows[i] = runCell(cell);
      onRow?.(rows[i], ++done);
    });
    return rows;
  }
  const url = new URL("./_sim_grid_worker.ts", import.meta.url);
  const pool = Array.from(
    { length: Math.min(workers, cells.length) },
    () => new Worker(url, { type: "module" }),
  );
  try {
    // Each worker takes the next cell when it finishes one, so a slow cell
    // does not hold up the others.
    let next = 0;
    await Promise.all(pool.map((worker) =>
      new Promise<void>((resolve, reject) => {
        const give = () => {
          if (next === cells.length) return resolve();
          const i = next++;
          worker.postMessage({ i, cell: cells[i] });
        };
        worker.onmessage = (e: MessageEvent<{ i: number; row: GridRow } | { ready: true }>) => {
          if ("row" in e.data) {
            rows[e.data.i] = e.data.row;
            onRow?.(e.data.row, ++done);
          }
          give();
        };
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`grid worker failed: ${e.message}`));
        };
      })
    ));
  } finally {
    for (const worker of pool) worker.terminate();
  }
  return rows;
}
