/**
 * The simulation grid: every congestion controller × loss-recovery mode
 * across loss rates, round-trip times and bottleneck queues, one seeded
 * {@link runTransfer} set per cell, reduced to the few numbers that show how
 * well a TCP recovers. Kept as a snapshot (one JSON line per cell) and
 * recomputed by a test, it catches a change that makes some cell markedly
 * worse, as smoltcp's netsim does. A benchmark or a page can run cells of it
 * too; nothing here prints or reads files.
 *
 * **The path.** A 100 Mbit/s bottleneck ({@link GRID_RATE}) with a 1500-byte
 * MTU in the data direction, client to server: random loss, the one-way
 * delay (half the RTT) and a drop-tail queue of 0.25, 1 or 4 bandwidth-delay
 * products (at least one packet). The ACK direction has the other half of
 * the delay and nothing else: no loss, no rate limit. Loss of ACKs matters
 * far less to a cumulative-ACK sender (a later ACK covers it) and would blur
 * the one ratio the targets are about, retransmitted data segments per lost
 * data packet; a separate axis can add it.
 *
 * **Buffers.** Both ends get 2 × (BDP + queue) of receive and send buffer
 * (at least 64 KiB, at most 1 GiB, the largest scaled window), so the
 * congestion window, not a buffer, limits the sender.
 *
 * **What a cell runs.** {@link GRID_RUNS} transfers of {@link GRID_BYTES}
 * bytes each, client to server, with the TCP's defaults otherwise (SACK,
 * timestamps, window scaling, pacing, delayed ACKs). The seeds come from
 * the cell's name ({@link cellSeeds}), so a cell keeps its seeds when the
 * grid gains or loses another, and each run replays from its seed with
 * {@link cellTransfer}. Several runs per cell, added up, smooth the luck of
 * one seed (when the first loss falls in slow start decides a short
 * transfer's goodput).
 *
 * **What a cell records** ({@link GridRow}): goodput (MB/s of virtual time,
 * every run's bytes over every run's time to the last byte read),
 * retransmitted segments per lost data packet (random loss plus queue drops
 * in the data direction), needless retransmissions as the sender found
 * them (D-SACK, timestamps) and as the receiver saw them (segments that
 * arrived wholly twice: the ground truth), queue drops, retransmission
 * timeouts, and whether every transfer delivered every byte and closed.
 *
 * **Markedly worse** is {@link compareGrid}'s business, with the margins of
 * {@link GRID_MARGINS} and why they are what they are.
 *
 * @example One cell: CUBIC with RACK at 1% loss, 20 ms, a queue of one BDP
 * ```ts
 * import { gridCells, runCell } from "./grid.ts";
 * import assert from "node:assert/strict";
 * const cell = gridCells().find((c) =>
 *   c.cc === "cubic" && c.recovery === "rack" && c.loss === 0.01 && c.rtt === 20 && c.queue === 1
 * )!;
 * const row = runCell(cell);
 * assert.ok(row.ok && row.goodput > 0 && row.lost > 0);
 * ```
 *
 * @module
 */
import { controllerFactory } from "../tcp/controllers.ts";
import { RECOVERY_MODES, type RecoveryMode } from "../tcp/recovery.ts";
import { runTransfer, type TransferOptions, type TransferResult } from "./transfer.ts";

/** The bottleneck's rate: 100 Mbit/s, in bytes per second. */
export const GRID_RATE = 12_500_000;
/** The MTU of both directions, bytes. */
export const GRID_MTU = 1500;
/** Transfers per cell, added up. */
export const GRID_RUNS = 4;
/** Bytes each transfer sends. */
export const GRID_BYTES = 2_000_000;
/** Bound on one transfer's virtual time, ms: a run still going then failed. */
export const GRID_MAX_TIME = 600_000;

/** The axes of the grid, in the order cells are listed. */
export const GRID_AXES: {
  /** Congestion controllers, by their name in `CONTROLLERS`. */
  readonly controllers: readonly string[];
  /** Loss-recovery modes. */
  readonly recoveries: readonly RecoveryMode[];
  /** Random loss in the data direction, a probability. */
  readonly losses: readonly number[];
  /** Round-trip times, ms (half of it each way). */
  readonly rtts: readonly number[];
  /** Bottleneck queues, in bandwidth-delay products. */
  readonly queues: readonly number[];
} = {
  controllers: ["reno", "cubic"],
  recoveries: RECOVERY_MODES,
  losses: [0, 0.001, 0.01, 0.05, 0.1],
  rtts: [2, 20, 100],
  queues: [0.25, 1, 4],
};

/** One cell of the grid: a TCP and a path. */
export interface GridCell {
  /** The congestion controller's name (`CONTROLLERS`). */
  readonly cc: string;
  /** The loss-recovery mode. */
  readonly recovery: RecoveryMode;
  /** Random loss in the data direction, 0 to 1. */
  readonly loss: number;
  /** Round-trip time, ms. */
  readonly rtt: number;
  /** The bottleneck queue, in bandwidth-delay products. */
  readonly queue: number;
}

/** What one cell measured: the runs of the cell added up. */
export interface GridRow extends GridCell {
  /** Bytes each run sent. */
  readonly bytes: number;
  /** The seed of each run. */
  readonly seeds: readonly number[];
  /** Every run delivered every byte exactly, and both ends closed. */
  readonly ok: boolean;
  /** Goodput, MB/s of virtual time: all bytes over all runs' time to the last byte read. */
  readonly goodput: number;
  /** Segments the sender retransmitted. */
  readonly retransmissions: number;
  /** Data-direction packets lost: random loss plus queue drops. */
  readonly lost: number;
  /** `retransmissions / lost`, or null when nothing was lost. */
  readonly rtxPerLoss: number | null;
  /** Retransmissions the sender found needless (D-SACK, timestamps). */
  readonly spurious: number;
  /** Data segments that reached the receiver wholly twice (needless for certain). */
  readonly duplicates: number;
  /** Packets the bottleneck queue dropped. */
  readonly queueDrops: number;
  /** Retransmission timeouts. */
  readonly rtos: number;
  /** What went wrong, when not ok (the first problem of each failed run). */
  readonly problems?: readonly string[];
}

/**
 * Every cell, controllers outermost, then recovery, loss, RTT and queue.
 *
 * @param axes The axes (default {@link GRID_AXES}).
 * @returns The cells.
 *
 * @example
 * ```ts
 * import { gridCells } from "./grid.ts";
 * import assert from "node:assert/strict";
 * assert.equal(gridCells().length, 2 * 3 * 5 * 3 * 3);
 * ```
 */
export function gridCells(axes: typeof GRID_AXES = GRID_AXES): GridCell[] {
  const cells: GridCell[] = [];
  for (const cc of axes.controllers) {
    for (const recovery of axes.recoveries) {
      for (const loss of axes.losses) {
        for (const rtt of axes.rtts) {
          for (const queue of axes.queues) cells.push({ cc, recovery, loss, rtt, queue });
        }
      }
    }
  }
  return cells;
}

/**
 * A cell's name: "cubic rack loss=1% rtt=20ms queue=1bdp".
 *
 * @example
 * ```ts
 * import { cellName } from "./grid.ts";
 * import assert from "node:assert/strict";
 * const name = cellName({ cc: "reno", recovery: "sack", loss: 0.001, rtt: 2, queue: 0.25 });
 * assert.equal(name, "reno sack loss=0.1% rtt=2ms queue=0.25bdp");
 * ```
 */
export function cellName(cell: GridCell): string {
  const loss = Math.round(cell.loss * 1e6) / 1e4;
  return `${cell.cc} ${cell.recovery} loss=${loss}% rtt=${cell.rtt}ms queue=${cell.queue}bdp`;
}

/**
 * The seeds of a cell's runs: an FNV-1a hash of its name, then the next
 * numbers. A cell's seeds do not depend on which other cells the grid has.
 *
 * @param cell The cell.
 * @param runs How many (default {@link GRID_RUNS}).
 * @returns Seeds, each a 32-bit unsigned integer.
 *
 * @example
 * ```ts
 * import { cellSeeds } from "./grid.ts";
 * import assert from "node:assert/strict";
 * const cell = { cc: "cubic", recovery: "rack" as const, loss: 0.01, rtt: 20, queue: 1 };
 * assert.deepEqual(cellSeeds(cell), cellSeeds({ ...cell }));
 * assert.notDeepEqual(cellSeeds(cell), cellSeeds({ ...cell, rtt: 2 }));
 * ```
 */
export function cellSeeds(cell: GridCell, runs: number = GRID_RUNS): number[] {
  let h = 0x811c9dc5;
  for (const ch of new TextEncoder().encode(cellName(cell))) h = Math.imul(h ^ ch, 0x01000193);
  return Array.from({ length: runs }, (_, i) => (h + i) >>> 0);
}

/**
 * The bandwidth-delay product and queue of a cell, bytes, and the buffer each
 * end gets: 2 × (BDP + queue), from 64 KiB to 1 GiB.
 */
export function cellPath(cell: GridCell): { bdp: number; queue: number; buffer: number } {
  const bdp = GRID_RATE * cell.rtt / 1000;
  const queue = Math.max(GRID_MTU, Math.round(cell.queue * bdp));
  const buffer = Math.min(2 ** 30, Math.max(64 * 1024, Math.ceil(2 * (bdp + queue))));
  return { bdp, queue, buffer };
}

/**
 * The options of one run of a cell, for {@link runTransfer}: replay any run
 * of the grid with them.
 *
 * @param cell The cell.
 * @param seed One of its seeds ({@link cellSeeds}).
 * @returns The transfer's options.
 * @throws {RangeError} For a controller name `CONTROLLERS` does not have.
 */
export function cellTransfer(cell: GridCell, seed: number): TransferOptions {
  const { queue, buffer } = cellPath(cell);
  return {
    seed,
    bytes: GRID_BYTES,
    maxTime: GRID_MAX_TIME,
    forward: {
      rate: GRID_RATE,
      queue,
      delay: cell.rtt / 2,
      loss: cell.loss,
      mtu: GRID_MTU,
    },
    reverse: { delay: cell.rtt / 2, mtu: GRID_MTU },
    config: {
      congestion: controllerFactory(cell.cc),
      recovery: cell.recovery,
      recvBufferSize: buffer,
      sendBufferSize: buffer,
    },
  };
}

/**
 * Adds up a cell's runs into its row.
 *
 * @param cell The cell.
 * @param seeds The seed of each run.
 * @param results The runs, in the order of `seeds`.
 * @returns The row.
 */
export function gridRow(
  cell: GridCell,
  seeds: readonly number[],
  results: readonly TransferResult[],
): GridRow {
  const sum = (f: (r: TransferResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const bytes = GRID_BYTES;
  const time = sum((r) => r.dataDoneTime > 0 ? r.dataDoneTime : r.time);
  const delivered = sum((r) => r.server.bytesReceived);
  const retransmissions = sum((r) => r.client.retransmissions);
  const lost = sum((r) => r.forward.lost + r.forward.queueDrops);
  const ok = results.every((r) => r.ok);
  return {
    cc: cell.cc,
    recovery: cell.recovery,
    loss: cell.loss,
    rtt: cell.rtt,
    queue: cell.queue,
    bytes,
    seeds: [...seeds],
    ok,
    goodput: round(time > 0 ? delivered / time / 1000 : 0, 4),
    retransmissions,
    lost,
    rtxPerLoss: lost > 0 ? round(retransmissions / lost, 3) : null,
    spurious: sum((r) => r.client.spuriousRetransmissions),
    duplicates: sum((r) => r.server.duplicateSegments),
    queueDrops: sum((r) => r.forward.queueDrops),
    rtos: sum((r) => r.client.timeouts),
    ...(ok ? {} : {
      problems: results.filter((r) => !r.ok).map((r) => `seed ${r.seed}: ${r.problems[0]}`),
    }),
  };
}

/**
 * Runs one cell: {@link GRID_RUNS} seeded transfers, added up.
 *
 * @param cell The cell.
 * @returns Its row.
 */
export function runCell(cell: GridCell): GridRow {
  const seeds = cellSeeds(cell);
  return gridRow(cell, seeds, seeds.map((seed) => runTransfer(cellTransfer(cell, seed))));
}

/** `x` to `digits` significant digits. */
function round(x: number, digits: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}

// -- The snapshot -----------------------------------------------------------

const KEYS: readonly (keyof GridRow)[] = [
  "cc",
  "recovery",
  "loss",
  "rtt",
  "queue",
  "bytes",
  "seeds",
  "ok",
  "goodput",
  "retransmissions",
  "lost",
  "rtxPerLoss",
  "spurious",
  "duplicates",
  "queueDrops",
  "rtos",
  "problems",
];

/**
 * Writes rows as a snapshot: one JSON object per line, keys in one order,
 * so that a diff shows which cells changed and how.
 *
 * @param rows The rows.
 * @returns The text, ending with a newline.
 *
 * @example
 * ```ts
 * import { formatGrid, parseGrid, gridRow } from "./grid.ts";
 * import assert from "node:assert/strict";
 * const text = '{"cc":"reno","recovery":"sack","loss":0,"rtt":2,"queue":1,"bytes":1,' +
 *   '"seeds":[1],"ok":true,"goodput":1,"retransmissions":0,"lost":0,"rtxPerLoss":null,' +
 *   '"spurious":0,"duplicates":0,"queueDrops":0,"rtos":0}\n';
 * assert.equal(formatGrid(parseGrid(text)), text);
 * ```
 */
export function formatGrid(rows: readonly GridRow[]): string {
  return rows.map((row) => JSON.stringify(row, KEYS as string[]) + "\n").join("");
}

/**
 * Reads a snapshot that {@link formatGrid} wrote.
 *
 * @param text The snapshot.
 * @returns Its rows.
 * @throws {SyntaxError} Naming the line, for a line that is not JSON or lacks a field.
 */
export function parseGrid(text: string): GridRow[] {
  const rows: GridRow[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new SyntaxError(`grid snapshot line ${i + 1}: ${(error as Error).message}`);
    }
    const missing = KEYS.filter((k) => k !== "problems" && !(k in row));
    if (typeof row !== "object" || row === null || missing.length) {
      throw new SyntaxError(
        `grid snapshot line ${i + 1}: not a grid row (missing ${missing.join(", ")})`,
      );
    }
    rows.push(row as unknown as GridRow);
  });
  return rows;
}

// -- Markedly worse ---------------------------------------------------------

/** How much worse one cell may get; each count may grow to `factor` × before + `extra`. */
export interface CellMargins {
  /** Goodput may fall by this share of before... */
  readonly goodputShare: number;
  /** ...or by this many MB/s, whichever is more. */
  readonly goodputFloor: number;
  /**
   * Retransmissions per loss may rise by this much, in a cell that lost at
   * least `minLost` packets (or null: not checked cell by cell).
   */
  readonly rtxPerLossRise: number | null;
  /** The losses a cell needs before its retransmissions per loss are compared. */
  readonly minLost: number;
  /** Retransmission timeouts (an RTO storm). */
  readonly rtos: readonly [factor: number, extra: number];
  /** Needless retransmissions, by either count (null: not checked cell by cell). */
  readonly needless: readonly [factor: number, extra: number] | null;
  /** Queue drops (a slow start or a recovery that overflows the queue). */
  readonly queueDrops: readonly [factor: number, extra: number];
}

/** How much worse one controller with one recovery mode may get over all its lossy cells. */
export interface GroupMargins {
  /** The geometric mean of goodput may fall by this share. */
  readonly goodputShare: number;
  /** All retransmissions over all losses may rise by this much. */
  readonly rtxPerLossRise: number;
  /** The sum of timeouts may grow this many times. */
  readonly rtos: number;
  /** The sum of segments received twice (needless retransmissions) may grow this many times. */
  readonly duplicates: number;
  /** The sum of queue drops may grow this many times. */
  readonly queueDrops: number;
  /** A count below this is taken as this much before growing (so 0 -> 3 is not "3 times"). */
  readonly base: number;
  /** Groups of fewer cells are not compared (the margins hold for many cells together). */
  readonly minCells: number;
}

/** The margins of {@link compareGrid}, by kind of cell. */
export interface GridMargins {
  /** Cells without random loss and SACK-based recovery: their runs do not depend on the seed. */
  readonly lossless: CellMargins;
  /** Cells without random loss and "newreno" recovery. */
  readonly losslessNewReno: CellMargins;
  /** Cells with random loss and SACK-based recovery ("sack", "rack"). */
  readonly lossy: CellMargins;
  /** Cells with random loss and "newreno" recovery. */
  readonly lossyNewReno: CellMargins;
  /** A controller with a recovery mode, over all its lossy cells. */
  readonly group: GroupMargins;
}

/**
 * The margins of the grid test, set from the grid itself: it was run with
 * ten different sets of seeds, which is what any change of behaviour does
 * to a seeded run (one packet more or fewer early on shifts every later
 * random draw), and each margin lies above the largest change seen between
 * any two of those ten runs (90 ordered pairs). See `docs/congestion.md`,
 * "The simulation grid", for what each margin catches.
 *
 * - **Lossless cells** do not depend on their seeds at all (no change in
 *   any pair), so a change there is the code's doing, and they hold the
 *   tight margins: goodput −10%, retransmissions per loss +0.25, a few more
 *   timeouts, needless retransmissions or queue drops. Their trouble spots
 *   are the smallest queues (four packets at 2 ms), where any change of
 *   timing moves which packets overflow: of twelve small changes tried
 *   (delayed ACKs from 30 to 50 ms, MSS 1452 and 1456, pacing ratios ±5%),
 *   NewReno cells moved by up to 10% in goodput and +0.4 in
 *   retransmissions per loss, so NewReno gets 20% and +0.5; one change
 *   (pacing at 1.15 × cwnd/SRTT) gave a SACK cell two timeouts per run and
 *   a third of its goodput, which the margins report: worth a look before
 *   the snapshot is rewritten.
 * - **Lossy cells**, one by one, can only hold coarse margins. In a 2 MB
 *   transfer at 0.1 or 1% loss, where the first loss falls in slow start
 *   decides the goodput, and at 5 or 10% a rare chain of backed-off
 *   timeouts does: between two seed sets a cell's goodput moved by up to
 *   71% (SACK, RACK) and 77% (NewReno), its timeouts by 2× + 30, its queue
 *   drops by 2× + 69. With SACK, retransmissions per loss hardly move
 *   (+0.21 at most); NewReno, without the scoreboard, resends after a
 *   timeout what had arrived, so its retransmissions per loss (+6.4) and
 *   needless retransmissions (+378) are left to the group.
 * - **Groups** (one controller with one recovery mode, its 36 lossy cells)
 *   average the luck away: their goodput moved by 13% at most,
 *   retransmissions per loss by 0.06, timeouts, segments received twice
 *   and queue drops by 1.4 times at most.
 */
export const GRID_MARGINS: GridMargins = {
  lossless: {
    goodputShare: 0.1,
    goodputFloor: 0.01,
    rtxPerLossRise: 0.25,
    minLost: 10,
    rtos: [2, 2],
    needless: [2, 5],
    queueDrops: [1.5, 10],
  },
  losslessNewReno: {
    goodputShare: 0.2,
    goodputFloor: 0.01,
    rtxPerLossRise: 0.5,
    minLost: 10,
    rtos: [2, 2],
    needless: [2, 20],
    queueDrops: [1.5, 10],
  },
  lossy: {
    goodputShare: 0.8,
    goodputFloor: 0.01,
    rtxPerLossRise: 0.3,
    minLost: 20,
    rtos: [2, 40],
    needless: [2, 40],
    queueDrops: [2, 90],
  },
  lossyNewReno: {
    goodputShare: 0.85,
    goodputFloor: 0.01,
    rtxPerLossRise: null,
    minLost: 20,
    rtos: [2, 20],
    needless: null,
    queueDrops: [2, 60],
  },
  group: {
    goodputShare: 0.2,
    rtxPerLossRise: 0.15,
    rtos: 2,
    duplicates: 2,
    queueDrops: 2,
    base: 10,
    minCells: 30,
  },
};

/** One way a cell (or a group of cells) got markedly worse. */
export interface GridRegression {
  /** The cell's name ({@link cellName}), or "reno rack, 36 lossy cells" for a group. */
  readonly cell: string;
  /** What got worse. */
  readonly metric:
    | "ok"
    | "goodput"
    | "rtxPerLoss"
    | "rtos"
    | "spurious"
    | "duplicates"
    | "queueDrops"
    | "missing"
    | "settings";
  /** The snapshot's value. */
  readonly before: number | string | boolean | null;
  /** The value now. */
  readonly after: number | string | boolean | null;
  /** How far past its margin: the change over the change allowed (worst first). */
  readonly excess: number;
  /** One line: the cell, what, before, after, the margin. */
  readonly message: string;
}

/**
 * The cells that got markedly worse from `before` (the snapshot) to
 * `after`, worst first. A cell fails when a run did not deliver every byte
 * and close (and all did before), when its row is missing or ran other
 * bytes or seeds (the snapshot is stale), or when past the margins of its
 * kind ({@link GridMargins}): goodput fell by more than the share and the
 * floor, retransmissions per loss rose (in a cell with enough losses), or
 * timeouts, needless retransmissions (found by the sender, or received
 * twice) or queue drops grew past factor × before + extra. A controller
 * with one recovery mode fails when, over all its lossy cells, the
 * geometric mean of goodput fell, all retransmissions over all losses
 * rose, or the sum of timeouts, of segments received twice or of queue
 * drops grew past the group's margins.
 *
 * @param before The snapshot's rows.
 * @param after The rows now.
 * @param margins The margins (default {@link GRID_MARGINS}).
 * @returns The regressions, worst first; empty when none.
 *
 * @example A lossless cell whose goodput fell by a fifth
 * ```ts
 * import { compareGrid, type GridRow } from "./grid.ts";
 * import assert from "node:assert/strict";
 * const row: GridRow = { cc: "reno", recovery: "sack", loss: 0, rtt: 20, queue: 1,
 *   bytes: 2e6, seeds: [1], ok: true, goodput: 7.5, retransmissions: 0, lost: 0,
 *   rtxPerLoss: null, spurious: 0, duplicates: 0, queueDrops: 0, rtos: 0 };
 * assert.deepEqual(compareGrid([row], [{ ...row, goodput: 7.2 }]), []);
 * const [worse] = compareGrid([row], [{ ...row, goodput: 6 }]);
 * assert.equal(worse.metric, "goodput");
 * ```
 */
export function compareGrid(
  before: readonly GridRow[],
  after: readonly GridRow[],
  margins: GridMargins = GRID_MARGINS,
): GridRegression[] {
  const out: GridRegression[] = [];
  const add = (
    cell: string,
    metric: GridRegression["metric"],
    b: GridRegression["before"],
    a: GridRegression["after"],
    excess: number,
    why: string,
  ) => out.push({ cell, metric, before: b, after: a, excess, message: `${cell}: ${why}` });
  const old = new Map(before.map((r) => [cellName(r), r]));
  const now = new Map(after.map((r) => [cellName(r), r]));
  const compared: [GridRow, GridRow][] = [];

  for (const [name, a] of now) {
    const b = old.get(name);
    if (!b) {
      add(name, "missing", null, "computed", Infinity, "not in the snapshot");
      continue;
    }
    if (a.bytes !== b.bytes || a.seeds.join() !== b.seeds.join()) {
      add(
        name,
        "settings",
        `${b.bytes} B, seeds ${b.seeds}`,
        `${a.bytes} B, seeds ${a.seeds}`,
        Infinity,
        `the snapshot ran ${b.bytes} bytes with seeds ${b.seeds}, the grid now ${a.bytes} with ${a.seeds}`,
      );
      continue;
    }
    compared.push([b, a]);
    if (b.ok && !a.ok) {
      add(name, "ok", true, false, Infinity, `failed: ${(a.problems ?? []).join("; ")}`);
    }
    const newReno = a.recovery === "newreno";
    const m = a.loss === 0
      ? (newReno ? margins.losslessNewReno : margins.lossless)
      : (newReno ? margins.lossyNewReno : margins.lossy);
    const drop = b.goodput - a.goodput;
    const allowed = Math.max(m.goodputShare * b.goodput, m.goodputFloor);
    if (drop > allowed) {
      add(
        name,
        "goodput",
        b.goodput,
        a.goodput,
        drop / allowed,
        `goodput ${b.goodput} -> ${a.goodput} MB/s (${pct(-drop / b.goodput)}; ` +
          `margin ${pct(-m.goodputShare)})`,
      );
    }
    if (m.rtxPerLossRise !== null && a.rtxPerLoss !== null && a.lost >= m.minLost) {
      const rise = a.rtxPerLoss - (b.rtxPerLoss ?? 1);
      if (rise > m.rtxPerLossRise) {
        add(
          name,
          "rtxPerLoss",
          b.rtxPerLoss,
          a.rtxPerLoss,
          rise / m.rtxPerLossRise,
          `retransmissions per loss ${b.rtxPerLoss ?? "-"} -> ${a.rtxPerLoss} ` +
            `(${a.retransmissions} for ${a.lost} lost; margin +${m.rtxPerLossRise})`,
        );
      }
    }
    const grew = (
      metric: "rtos" | "spurious" | "duplicates" | "queueDrops",
      margin: readonly [number, number] | null,
      what: string,
    ) => {
      if (margin === null) return;
      const limit = margin[0] * b[metric] + margin[1];
      if (a[metric] > limit) {
        add(
          name,
          metric,
          b[metric],
          a[metric],
          (a[metric] - b[metric]) / (limit - b[metric]),
          `${what} ${b[metric]} -> ${a[metric]} (margin ${margin[0]}× + ${margin[1]})`,
        );
      }
    };
    grew("rtos", m.rtos, "retransmission timeouts");
    grew("spurious", m.needless, "needless retransmissions found by the sender");
    grew("duplicates", m.needless, "segments received twice");
    grew("queueDrops", m.queueDrops, "queue drops");
  }
  for (const name of old.keys()) {
    if (!now.has(name)) add(name, "missing", "in the snapshot", null, Infinity, "not in the grid");
  }
  groupRegressions(compared, margins.group, add);
  return out.sort((x, y) => y.excess - x.excess);
}

/** The group checks of {@link compareGrid}: one controller with one recovery mode, its lossy cells. */
function groupRegressions(
  pairs: readonly [GridRow, GridRow][],
  g: GroupMargins,
  add: (
    cell: string,
    metric: GridRegression["metric"],
    b: number,
    a: number,
    excess: number,
    why: string,
  ) => void,
): void {
  const groups = new Map<string, [GridRow, GridRow][]>();
  for (const pair of pairs) {
    const [, a] = pair;
    if (a.loss === 0 || !(a.goodput > 0) || !(pair[0].goodput > 0)) continue;
    const key = `${a.cc} ${a.recovery}`;
    groups.set(key, [...groups.get(key) ?? [], pair]);
  }
  for (const [key, members] of groups) {
    if (members.length < g.minCells) continue;
    const name = `${key}, ${members.length} lossy cells`;
    const sum = (side: 0 | 1, f: (r: GridRow) => number) =>
      members.reduce((t, p) => t + f(p[side]), 0);
    const logRatio = sum(1, (r) => Math.log(r.goodput)) - sum(0, (r) => Math.log(r.goodput));
    const drop = 1 - Math.exp(logRatio / members.length);
    if (drop > g.goodputShare) {
      const mean = (side: 0 | 1) =>
        round(Math.exp(sum(side, (r) => Math.log(r.goodput)) / members.length), 4);
      add(
        name,
        "goodput",
        mean(0),
        mean(1),
        drop / g.goodputShare,
        `geometric mean goodput ${mean(0)} -> ${mean(1)} MB/s (${pct(-drop)}; ` +
          `margin ${pct(-g.goodputShare)})`,
      );
    }
    const ratio = (side: 0 | 1) =>
      round(sum(side, (r) => r.retransmissions) / Math.max(1, sum(side, (r) => r.lost)), 3);
    const rise = ratio(1) - ratio(0);
    if (rise > g.rtxPerLossRise) {
      add(
        name,
        "rtxPerLoss",
        ratio(0),
        ratio(1),
        rise / g.rtxPerLossRise,
        `retransmissions per loss ${ratio(0)} -> ${ratio(1)} (margin +${g.rtxPerLossRise})`,
      );
    }
    for (
      const [metric, what] of [
        ["rtos", "retransmission timeouts"],
        ["duplicates", "segments received twice"],
        ["queueDrops", "queue drops"],
      ] as const
    ) {
      const b = sum(0, (r) => r[metric]), a = sum(1, (r) => r[metric]);
      const limit = g[metric] * Math.max(b, g.base);
      if (a > limit) {
        add(name, metric, b, a, a / limit, `${what} ${b} -> ${a} (margin ${g[metric]}×)`);
      }
    }
  }
}

function pct(x: number): string {
  return `${x > 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
}
