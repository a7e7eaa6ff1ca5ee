import assert from "node:assert/strict";
import {
  cellName,
  cellPath,
  cellSeeds,
  cellTransfer,
  compareGrid,
  formatGrid,
  GRID_AXES,
  GRID_BYTES,
  GRID_MARGINS,
  GRID_MTU,
  GRID_RATE,
  GRID_RUNS,
  type GridCell,
  gridCells,
  type GridRow,
  parseGrid,
  runCell,
} from "./grid.ts";

/** A row of `cell` with plausible numbers, changed by `over`. */
function row(cell: Partial<GridCell>, over: Partial<GridRow> = {}): GridRow {
  const c: GridCell = { cc: "cubic", recovery: "rack", loss: 0.01, rtt: 20, queue: 1, ...cell };
  return {
    ...c,
    bytes: GRID_BYTES,
    seeds: cellSeeds(c),
    ok: true,
    goodput: 2,
    retransmissions: 60,
    lost: 60,
    rtxPerLoss: 1,
    spurious: 0,
    duplicates: 0,
    queueDrops: 5,
    rtos: 1,
    ...over,
  };
}

Deno.test("gridCells() lists controller × recovery × loss × RTT × queue, each cell named once", () => {
  const cells = gridCells();
  assert.equal(cells.length, 2 * 3 * 5 * 3 * 3);
  assert.equal(new Set(cells.map(cellName)).size, cells.length);
  assert.deepEqual(GRID_AXES.losses, [0, 0.001, 0.01, 0.05, 0.1]);
  assert.deepEqual(GRID_AXES.rtts, [2, 20, 100]);
  assert.deepEqual(GRID_AXES.queues, [0.25, 1, 4]);
});

Deno.test("cellSeeds() gives every run of every cell its own seed, the same each time", () => {
  const seeds = gridCells().flatMap((c) => cellSeeds(c));
  assert.equal(seeds.length, gridCells().length * GRID_RUNS);
  assert.equal(new Set(seeds).size, seeds.length);
  assert.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32));
  assert.deepEqual(gridCells().flatMap((c) => cellSeeds(c)), seeds);
});

Deno.test("cellTransfer(): loss and the queue in the data direction only, half the RTT each way, buffers of 2 × (BDP + queue)", () => {
  const cell: GridCell = { cc: "reno", recovery: "sack", loss: 0.05, rtt: 100, queue: 4 };
  const t = cellTransfer(cell, 7);
  const bdp = GRID_RATE * 0.1;
  assert.deepEqual(t.forward, {
    rate: GRID_RATE,
    queue: 4 * bdp,
    delay: 50,
    loss: 0.05,
    mtu: GRID_MTU,
  });
  assert.deepEqual(t.reverse, { delay: 50, mtu: GRID_MTU });
  assert.equal(t.config?.recvBufferSize, 2 * 5 * bdp);
  assert.equal(t.config?.sendBufferSize, 2 * 5 * bdp);
  assert.equal(t.config?.recovery, "sack");
  assert.equal(t.config?.congestion?.().name, "reno");
  assert.equal(t.bytes, GRID_BYTES);
  // A quarter BDP at 2 ms is 6250 bytes; the smallest buffer is 64 KiB.
  assert.deepEqual(cellPath({ ...cell, rtt: 2, queue: 0.25 }), {
    bdp: 25_000,
    queue: 6250,
    buffer: 65536,
  });
  // No queue below one packet, no buffer above 1 GiB (the largest scaled window).
  assert.equal(cellPath({ ...cell, rtt: 0.1, queue: 0.25 }).queue, GRID_MTU);
  assert.equal(cellPath({ ...cell, rtt: 100_000 }).buffer, 2 ** 30);
  assert.throws(() => cellTransfer({ ...cell, cc: "bbr" }, 1), RangeError);
});

Deno.test("runCell() replays a cell exactly from its seeds and adds up its runs", () => {
  const cell: GridCell = { cc: "cubic", recovery: "rack", loss: 0.01, rtt: 20, queue: 1 };
  const a = runCell(cell);
  assert.deepEqual(runCell(cell), a);
  assert.equal(a.ok, true);
  assert.deepEqual(a.seeds, cellSeeds(cell));
  assert.ok(a.lost > 0 && a.retransmissions >= a.lost, `${a.retransmissions} for ${a.lost}`);
  assert.equal(a.rtxPerLoss, Number((a.retransmissions / a.lost).toPrecision(3)));
  // The link is 12.5 MB/s; the runs, slow start and losses included, stay below it.
  assert.ok(a.goodput > 0.1 && a.goodput < 12.5, `${a.goodput} MB/s`);
});

Deno.test("formatGrid() writes one line per cell that parseGrid() reads back", () => {
  const rows = [row({}), row({ loss: 0 }, { ok: false, problems: ["seed 1: run ended"] })];
  const text = formatGrid(rows);
  assert.equal(text.split("\n").length, 3);
  assert.deepEqual(parseGrid(text), rows);
  assert.equal(formatGrid(parseGrid(text)), text);
  assert.throws(() => parseGrid(text + "{oops\n"), { name: "SyntaxError", message: /line 3/ });
  assert.throws(() => parseGrid('{"cc":"reno"}\n'), {
    name: "SyntaxError",
    message: /line 1: not a grid row \(missing recovery, /,
  });
});

Deno.test("compareGrid() passes an unchanged grid and a lossy cell's luck", () => {
  const before = [row({}), row({ recovery: "newreno" }, { rtxPerLoss: 1.2, retransmissions: 72 })];
  assert.deepEqual(compareGrid(before, before), []);
  // Half the goodput, twice the needless retransmissions of NewReno: within what seeds do.
  assert.deepEqual(
    compareGrid(before, [
      row({}, { goodput: 1, rtos: 30 }),
      row({ recovery: "newreno" }, { rtxPerLoss: 3, retransmissions: 180, duplicates: 100 }),
    ]),
    [],
  );
});

Deno.test("compareGrid() fails a cell that failed, one whose goodput collapsed, and one whose retransmissions per loss rose", () => {
  const before = [row({}), row({ rtt: 2 }), row({ rtt: 100 })];
  const after = [
    row({}, { ok: false, problems: ['seed 1: run ended "stuck"'] }),
    row({ rtt: 2 }, { goodput: 0.2 }),
    row({ rtt: 100 }, { rtxPerLoss: 1.5, retransmissions: 90 }),
  ];
  const found = compareGrid(before, after).map((r) => `${r.metric} ${r.cell}`);
  assert.deepEqual(found, [
    "ok cubic rack loss=1% rtt=20ms queue=1bdp",
    "rtxPerLoss cubic rack loss=1% rtt=100ms queue=1bdp",
    "goodput cubic rack loss=1% rtt=2ms queue=1bdp",
  ]);
  // A cell that lost too few packets moves in big steps: its ratio is not compared.
  const few = row({}, { lost: 5, retransmissions: 5 });
  assert.deepEqual(compareGrid([few], [{ ...few, retransmissions: 10, rtxPerLoss: 2 }]), []);
});

Deno.test("compareGrid() holds lossless cells, which no seed moves, to tight margins", () => {
  const lossless = row({ loss: 0 }, {
    goodput: 7.7,
    lost: 12,
    retransmissions: 12,
    queueDrops: 12,
    rtos: 0,
  });
  const worse = (over: Partial<GridRow>) => compareGrid([lossless], [{ ...lossless, ...over }]);
  assert.deepEqual(worse({ goodput: 7.2 }), []);
  assert.equal(worse({ goodput: 6.8 })[0].metric, "goodput");
  assert.equal(worse({ queueDrops: 30 })[0].metric, "queueDrops");
  assert.equal(worse({ rtos: 3 })[0].metric, "rtos");
  assert.equal(worse({ duplicates: 6 })[0].metric, "duplicates");
  assert.equal(worse({ spurious: 6 })[0].metric, "spurious");
  // NewReno's recovery of a small queue's overflow moves with any change of timing.
  const newReno = { ...lossless, recovery: "newreno" as const };
  assert.deepEqual(compareGrid([newReno], [{ ...newReno, goodput: 6.5, rtxPerLoss: 1.4 }]), []);
  assert.equal(compareGrid([newReno], [{ ...newReno, goodput: 6 }])[0].metric, "goodput");
  assert.match(
    worse({ goodput: 6.8 })[0].message,
    /goodput 7\.7 -> 6\.8 MB\/s \(-11\.7%; margin -10\.0%\)/,
  );
});

Deno.test("compareGrid() fails an RTO storm and a group of cells that all lost a little", () => {
  const cells = gridCells().filter((c) => c.cc === "reno" && c.recovery === "sack" && c.loss > 0);
  const before = cells.map((c) => row(c, { rtos: 5 }));
  // Every cell 30% slower: no cell past its margin, the group past its own.
  const slower = compareGrid(before, before.map((r) => ({ ...r, goodput: r.goodput * 0.7 })));
  assert.deepEqual(slower.map((r) => [r.cell, r.metric]), [
    ["reno sack, 36 lossy cells", "goodput"],
  ]);
  const storm = compareGrid(before, before.map((r, i) => i === 0 ? { ...r, rtos: 80 } : r));
  assert.deepEqual(storm.map((r) => r.metric), ["rtos"]);
  assert.match(storm[0].message, /retransmission timeouts 5 -> 80 \(margin 2× \+ 40\)/);
});

Deno.test("compareGrid() fails a stale snapshot: a cell missing either way, or other seeds", () => {
  const a = row({}), b = row({ rtt: 2 });
  assert.deepEqual(compareGrid([a], [a, b]).map((r) => [r.metric, r.after]), [
    ["missing", "computed"],
  ]);
  assert.deepEqual(compareGrid([a, b], [a]).map((r) => [r.metric, r.before]), [
    ["missing", "in the snapshot"],
  ]);
  assert.equal(compareGrid([a], [{ ...a, seeds: [1, 2] }])[0].metric, "settings");
  assert.equal(GRID_MARGINS.lossless.goodputShare, 0.1);
});
