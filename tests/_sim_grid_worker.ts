// A worker of _sim_grid.ts: says it is ready once loaded, then runs each
// cell it is sent and posts its row back. (A message posted to a worker
// whose modules are still loading can be lost, so the worker speaks first.)
/// <reference lib="deno.worker" />
import { type GridCell, runCell } from "../deno/link/grid.ts";

self.onmessage = (e: MessageEvent<{ i: number; cell: GridCell }>) => {
  self.postMessage({ i: e.data.i, row: runCell(e.data.cell) });
};
self.postMessage({ ready: true });
