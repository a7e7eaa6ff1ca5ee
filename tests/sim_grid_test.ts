// The simulation grid against its snapshot (issue 11, "Proof"): every
// controller × recovery mode × loss × RTT × queue cell of deno/link/grid.ts
// is recomputed from its seeds and compared with tests/testdata/sim_grid.jsonl.
// A cell markedly worse (compareGrid's margins, GRID_MARGINS) fails the test,
// which prints the worst cells with before and after. A change meant to move
// the grid rewrites the snapshot on purpose:
//
//   deno task grid            what this test does, with a summary of what moved
//   deno task grid --update   rewrite the snapshot; commit it with the reason
import assert from "node:assert/strict";
import { cellName, compareGrid, formatGrid, gridCells, parseGrid } from "../deno/link/grid.ts";
import { runCells, SNAPSHOT } from "./_sim_grid.ts";

Deno.test("the simulation grid: no cell is markedly worse than its snapshot", async () => {
  const snapshot = parseGrid(await Deno.readTextFile(SNAPSHOT));
  const rows = await runCells(gridCells());
  const regressions = compareGrid(snapshot, rows);
  const shown = regressions.slice(0, 30);
  assert.equal(
    regressions.length,
    0,
    [
      `${regressions.length} markedly worse than tests/testdata/sim_grid.jsonl, worst first:`,
      ...shown.map((r) => `  ${r.message}`),
      ...(regressions.length > shown.length
        ? [`  ... and ${regressions.length - shown.length} more (deno task grid lists all)`]
        : []),
      "A cell's runs replay with runTransfer(cellTransfer(cell, seed)) (deno/link/grid.ts).",
      "If the change is meant to move the grid: deno task grid --update, and commit the " +
      "snapshot with the reason in the commit message.",
    ].join("\n"),
  );
  // Cells that moved within their margins are worth a look, not a failure.
  const byName = new Map(snapshot.map((r) => [cellName(r), formatGrid([r])]));
  const moved = rows.filter((r) => byName.get(cellName(r)) !== formatGrid([r])).length;
  if (moved > 0) console.log(`grid: ${moved} cells moved within their margins`);
});
