/// <reference lib="dom" />
// The ladder diagram, drawn for the rows in view only (a run of a million
// rows scrolls as lightly as one of twenty), up to the replay's cursor.
//
// Legibility by construction:
// - every row of the replay has a line of its own, and every label sits on
//   its own row's line: an arrow's label in its sender's lane, at the row it
//   leaves on; state changes and timers beside their timeline;
// - a label is drawn only when the last label drawn in its column is at least
//   a line of text above it, so zooming out thins labels instead of stacking
//   them (a focused or selected arrow's label is shown in the detail pane);
// - a burst (four or more rows at one instant on one side) collapses into one
//   line with a summary label; Enter or a click on it expands it.
import { type Replay, type ReplayArrow, ROW } from "../replay_model.ts";
import { formatMs, lastAtOrBefore, svg, svgText } from "./dom.ts";

const TEXT = 13; // px a line of label text needs
const BURST = 4;
const TOP = 8;

interface Layout {
  rowLine: Int32Array;
  lineY: Float64Array;
  lineFirstRow: Int32Array;
  lineCount: number;
  /** For a collapsed line, the number of rows in it (else 1). */
  lineRows: Int32Array;
  gaps: { y: number; ms: number }[];
  height: number;
}

export interface LadderEvents {
  /** An arrow was picked (click, Enter). */
  select(arrow: number): void;
}

export class LadderView {
  readonly #scroll: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #svg: SVGSVGElement;
  readonly #head: HTMLElement;
  readonly #events: LadderEvents;
  #replay: Replay | null = null;
  #layout: Layout | null = null;
  #bySend = new Int32Array(0);
  #sendRows = new Float64Array(0);
  #endRow = new Int32Array(0);
  #maxSpan = 0;
  #cursor = -1;
  #zoom = 1;
  #collapse = true;
  readonly #expanded = new Set<number>();
  #selected = -1;
  #frame = 0;

  constructor(parent: HTMLElement, events: LadderEvents) {
    this.#events = events;
    this.#head = document.createElement("div");
    this.#head.className = "ladder-head";
    this.#scroll = document.createElement("div");
    this.#scroll.className = "ladder-scroll";
    this.#scroll.tabIndex = 0;
    this.#scroll.setAttribute("role", "region");
    this.#scroll.setAttribute("aria-label", "Ladder diagram (scrolls)");
    this.#spacer = document.createElement("div");
    this.#spacer.className = "ladder-spacer";
    this.#svg = svg("svg", { class: "ladder", role: "group" });
    this.#spacer.append(this.#svg);
    this.#scroll.append(this.#spacer);
    parent.append(this.#head, this.#scroll);
    this.#scroll.addEventListener("scroll", () => this.#schedule());
    new ResizeObserver(() => this.#schedule()).observe(this.#scroll);
  }

  /** The row height at this zoom, px. */
  get rowHeight(): number {
    return 20 * this.#zoom;
  }

  load(replay: Replay): void {
    this.#replay = replay;
    this.#expanded.clear();
    this.#selected = -1;
    const arrows = replay.arrows;
    const order = Int32Array.from(arrows.keys()).sort((a, b) =>
      arrows[a].sendRow - arrows[b].sendRow
    );
    this.#bySend = order;
    this.#sendRows = Float64Array.from(order, (i) => arrows[i].sendRow);
    // Where an arrow that never arrived is drawn to: one typical transit later.
    const transit: number[][] = [[], []];
    for (const a of arrows) {
      if (a.arriveTime !== null) {
        transit[a.from === "client" ? 0 : 1].push(a.arriveTime - a.sendTime);
      }
    }
    const typical = transit.map((list) => list.sort((x, y) => x - y)[list.length >> 1] ?? 0);
    const rowCount = replay.rows.kind.length;
    this.#endRow = Int32Array.from(arrows, (a) => {
      if (a.arriveRow >= 0) return a.arriveRow;
      const t = a.sendTime + typical[a.from === "client" ? 0 : 1];
      return Math.min(rowCount, Math.max(a.sendRow + 1, lastAtOrBefore(replay.rows.time, t)));
    });
    this.#maxSpan = arrows.reduce((m, a, i) => Math.max(m, this.#endRow[i] - a.sendRow), 0);
    this.#head.replaceChildren();
    for (
      const [cls, text] of [["client", `${replay.client} client`], [
        "server",
        `server ${replay.server}`,
      ]]
    ) {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      this.#head.append(span);
    }
    this.#relayout();
    this.#scroll.scrollTop = 0;
  }

  setZoom(zoom: number): void {
    const anchor = this.#anchorRow();
    this.#zoom = zoom;
    this.#relayout();
    this.#reveal(anchor, 0.3);
  }

  get zoom(): number {
    return this.#zoom;
  }

  setCollapse(on: boolean): void {
    this.#collapse = on;
    this.#expanded.clear();
    this.#relayout();
  }

  /** Shows rows up to `row` (-1 for none) and keeps it in view. */
  setCursor(row: number): void {
    this.#cursor = row;
    if (row < 0) this.#scroll.scrollTop = 0;
    if (this.#layout && row >= 0) {
      const y = this.#layout.lineY[this.#layout.rowLine[row]];
      const top = this.#scroll.scrollTop, h = this.#scroll.clientHeight;
      if (y < top + 10 || y > top + h - 30) this.#scroll.scrollTop = Math.max(0, y - h * 0.6);
    }
    this.#schedule();
  }

  select(arrow: number): void {
    this.#selected = arrow;
    this.#schedule();
  }

  #anchorRow(): number {
    const l = this.#layout;
    if (!l || l.lineCount === 0) return 0;
    const line = Math.max(0, lastAtOrBefore(l.lineY, this.#scroll.scrollTop));
    return l.lineFirstRow[line];
  }

  #reveal(row: number, at: number): void {
    const l = this.#layout;
    if (!l || l.lineCount === 0) return;
    const y = l.lineY[l.rowLine[Math.min(row, l.rowLine.length - 1)]];
    this.#scroll.scrollTop = Math.max(0, y - this.#scroll.clientHeight * at);
  }

  #relayout(): void {
    const r = this.#replay;
    if (!r) return;
    const rows = r.rows, n = rows.kind.length, rowH = this.rowHeight;
    const rowLine = new Int32Array(n);
    const lineY: number[] = [], lineFirst: number[] = [], lineRows: number[] = [];
    const gaps: { y: number; ms: number }[] = [];
    let y = TOP + rowH / 2 - rowH;
    let lastTime: number | null = null;
    for (let i = 0; i < n;) {
      let j = i + 1;
      if (this.#collapse && !this.#expanded.has(i) && rows.kind[i] <= ROW.arrive) {
        while (
          j < n && rows.kind[j] <= ROW.arrive && rows.side[j] === rows.side[i] &&
          rows.time[j] === rows.time[i]
        ) j++;
        if (j - i < BURST) j = i + 1;
      }
      y += rowH;
      const t = rows.time[i];
      if (lastTime !== null && t - lastTime >= 50) {
        const extra = Math.max(TEXT + 4, Math.min(60, 12 * Math.log2(1 + (t - lastTime) / 50)));
        gaps.push({ y: y + extra / 2 - rowH / 2 + 4, ms: t - lastTime });
        y += extra;
      }
      lastTime = t;
      const line = lineY.length;
      lineY.push(y);
      lineFirst.push(i);
      lineRows.push(j - i);
      for (let k = i; k < j; k++) rowLine[k] = line;
      i = j;
    }
    lineFirst.push(n);
    this.#layout = {
      rowLine,
      lineY: Float64Array.from(lineY),
      lineFirstRow: Int32Array.from(lineFirst),
      lineCount: lineY.length,
      lineRows: Int32Array.from(lineRows),
      gaps,
      height: y + rowH * 2,
    };
    this.#spacer.style.height = `${Math.ceil(this.#layout.height)}px`;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#render();
    });
  }

  /** Draws now (tests and screenshots need not wait for a frame). */
  flush(): void {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#render();
  }

  #render(): void {
    const r = this.#replay, l = this.#layout;
    const root = this.#svg;
    if (!r || !l) return;
    const width = Math.max(300, this.#scroll.clientWidth);
    const narrow = width < 640;
    const timeCol = narrow ? 42 : 58;
    // Wide enough for "SYN-RECEIVED" beside its timeline.
    const sideCol = narrow ? 100 : Math.min(170, Math.max(110, width * 0.16));
    const xL = timeCol + sideCol, xR = width - sideCol;
    const xOf = (side: number) => side === 0 ? xL : xR;
    const viewTop = this.#scroll.scrollTop, viewH = this.#scroll.clientHeight || 600;
    const top = Math.max(0, viewTop - 40), bottom = viewTop + viewH + 40;
    root.replaceChildren();
    root.setAttribute("width", String(width));
    root.setAttribute("height", String(bottom - top));
    root.setAttribute("viewBox", `0 ${top} ${width} ${bottom - top}`);
    root.style.top = `${top}px`;
    root.setAttribute(
      "aria-label",
      `Ladder diagram: ${r.arrows.length} segments between ${r.client} and ${r.server}`,
    );
    const rows = r.rows, cursor = this.#cursor, rowH = this.rowHeight;
    const firstLine = Math.max(0, lastAtOrBefore(l.lineY, top));
    let lastLine = Math.min(l.lineCount - 1, lastAtOrBefore(l.lineY, bottom) + 1);
    if (l.lineCount === 0) lastLine = -1;
    const firstRow = l.lineCount ? l.lineFirstRow[firstLine] : 0;
    const endRow = lastLine >= 0 ? l.lineFirstRow[lastLine + 1] : 0;
    const lineYOf = (row: number) => l.lineY[l.rowLine[row]];

    svg(
      "line",
      { x1: xL, y1: top, x2: xL, y2: Math.min(bottom, l.height), class: "timeline" },
      root,
    );
    svg(
      "line",
      { x1: xR, y1: top, x2: xR, y2: Math.min(bottom, l.height), class: "timeline" },
      root,
    );
    if (cursor >= 0 && cursor < rows.kind.length) {
      const cy = lineYOf(cursor);
      svg("rect", { x: 0, y: cy - rowH / 2, width, height: rowH, class: "now" }, root);
    }
    // Idle stretches: a break in both timelines, and the time that passed in the time column.
    for (const g of l.gaps) {
      if (g.y < top || g.y > bottom) continue;
      if (l.lineFirstRow[Math.max(0, lastAtOrBefore(l.lineY, g.y))] > cursor) continue;
      for (const x of [xL, xR]) {
        svg(
          "path",
          { d: `M${x - 6} ${g.y - 2}l12 -4M${x - 6} ${g.y + 4}l12 -4`, class: "break" },
          root,
        );
      }
      svgText(`+${formatMs(g.ms)}`, {
        x: timeCol - 6,
        y: g.y + 4,
        "text-anchor": "end",
        class: "gap",
      }, root);
    }

    // Arrows (below the labels).
    const arrowLayer = svg("g", {}, root);
    const labelLayer = svg("g", {}, root);
    const from = Math.max(0, lastAtOrBefore(this.#sendRows, firstRow - this.#maxSpan - 1) + 1);
    for (let k = from; k < this.#bySend.length && this.#sendRows[k] < endRow; k++) {
      const i = this.#bySend[k];
      const a = r.arrows[i];
      if (a.sendRow > cursor) break;
      const endRowOf = this.#endRow[i];
      if (endRowOf < firstRow && lineYOf(Math.min(endRowOf, rows.kind.length - 1)) < top) continue;
      this.#arrow(arrowLayer, i, a, xOf, lineYOf, endRowOf, cursor);
    }

    // Labels, each on its own line, thinned where lines are tighter than text.
    let lastLabel = -Infinity;
    const lastSide = [-Infinity, -Infinity];
    let lastTick = "";
    let lastTickY = -Infinity;
    const maxChars = Math.max(8, Math.floor((xR - xL - 20) / CHAR));
    const sideChars = Math.max(6, Math.floor((sideCol - 14) / CHAR));
    for (let line = firstLine; line <= lastLine; line++) {
      const row = l.lineFirstRow[line];
      if (row > cursor) break;
      const y = l.lineY[line];
      const t = formatMs(rows.time[row]);
      if (t !== lastTick && y - lastTickY >= TEXT) {
        svgText(t, { x: timeCol - 6, y: y + 4, "text-anchor": "end", class: "tick" }, root);
        lastTick = t;
        lastTickY = y;
      }
      const kind = rows.kind[row], side = rows.side[row], ref = rows.ref[row];
      const count = l.lineRows[line];
      if (count > 1) {
        if (y - lastLabel < TEXT) continue;
        lastLabel = y;
        this.#burstLabel(labelLayer, row, count, y, xOf(side), side, maxChars);
        continue;
      }
      if (kind === ROW.state || kind === ROW.timer) {
        const x = xOf(side);
        const text = kind === ROW.state
          ? r.states[ref].to
          : shortTimer(r.timers[ref].timer, r.timers[ref].text);
        if (kind === ROW.state) svg("circle", { cx: x, cy: y, r: 4, class: "state-dot" }, root);
        if (y - lastSide[side] < TEXT) continue;
        lastSide[side] = y;
        const g = svg("g", { class: kind === ROW.state ? "state-change" : "timer" }, labelLayer);
        svg("title", {}, g).textContent = kind === ROW.state
          ? `${r.states[ref].from} → ${r.states[ref].to}: ${r.states[ref].reason} (${t} ms)`
          : `${r.timers[ref].text} (${t} ms)`;
        svgText(clip(text, sideChars), {
          x: side === 0 ? x - 9 : x + 9,
          y: y + 4,
          "text-anchor": side === 0 ? "end" : "start",
          class: kind === ROW.state ? "state" : "timer",
        }, g);
        continue;
      }
      if (kind !== ROW.send) continue;
      if (y - lastLabel < TEXT) continue;
      lastLabel = y;
      const a = r.arrows[ref];
      const extra = a.notes.length ? ` [${a.notes.join(", ")}]` : "";
      const label = `${a.retransmission ? "RTX " : ""}${a.label}${extra}`;
      laneLabel(
        labelLayer,
        clip(label, maxChars),
        side === 0 ? xL + 10 : xR - 10,
        y - 3,
        side === 0 ? "start" : "end",
        {
          class: `label${a.retransmission ? " rtx" : ""}${
            this.#selected === ref ? " selected" : ""
          }`,
          "data-arrow": ref,
        },
      );
    }
  }

  #arrow(
    layer: SVGGElement,
    i: number,
    a: ReplayArrow,
    xOf: (side: number) => number,
    lineYOf: (row: number) => number,
    endRow: number,
    cursor: number,
  ): void {
    const rows = this.#replay!.rows;
    const fromSide = a.from === "client" ? 0 : 1;
    const x1 = xOf(fromSide), xTo = xOf(1 - fromSide);
    const y1 = lineYOf(a.sendRow);
    const lastRow = rows.kind.length - 1;
    const y2 = endRow > lastRow ? lineYOf(lastRow) + this.rowHeight : lineYOf(endRow);
    const arrived = a.arriveRow >= 0;
    const reach = a.fate === "corrupted" ? 0.92 : a.fate === "lost" ? 0.5 : 1;
    let progress = reach;
    // Still in flight at the cursor: drawn as far as it has come.
    if (endRow > cursor) {
      const cy = lineYOf(Math.min(cursor, lastRow));
      progress = Math.min(reach, y2 > y1 ? Math.max(0.04, (cy - y1) / (y2 - y1)) : reach);
    }
    const x2 = x1 + (xTo - x1) * progress, ye = y1 + (y2 - y1) * progress;
    const classes = ["seg"];
    if (a.retransmission) classes.push("rtx");
    if (!arrived && a.fate !== "unseen") classes.push("lost");
    if (a.fate === "duplicate") classes.push("dup");
    if (a.fate === "unseen") classes.push("unseen");
    if (progress < reach) classes.push("flying");
    if (this.#selected === i) classes.push("selected");
    const g = svg("g", {
      class: classes.join(" "),
      "data-arrow": i,
      "aria-label": `${a.from} sends ${a.label}`,
    }, layer);
    svg("line", { x1, y1, x2, y2: ye, class: "hit" }, g);
    svg("line", { x1, y1, x2, y2: ye }, g);
    if (progress < reach) return;
    if (a.fate === "unseen") {
      svgText("?", { x: x2 + (xTo > x1 ? 4 : -10), y: ye + 4, class: "unknown" }, g);
    } else if (!arrived) {
      svg(
        "path",
        { d: `M${x2 - 5} ${ye - 5}l10 10M${x2 - 5} ${ye + 5}l10 -10`, class: "cross" },
        g,
      );
    } else {
      const angle = Math.atan2(ye - y1, x2 - x1);
      const head = (da: number) =>
        `${x2 - 8 * Math.cos(angle + da)} ${ye - 8 * Math.sin(angle + da)}`;
      svg("path", { d: `M${head(0.45)}L${x2} ${ye}L${head(-0.45)}`, class: "head" }, g);
    }
    g.addEventListener("click", () => this.#events.select(i));
  }

  #burstLabel(
    layer: SVGGElement,
    row: number,
    count: number,
    y: number,
    x: number,
    side: number,
    maxChars: number,
  ): void {
    const r = this.#replay!;
    let sends = 0, arrivals = 0;
    let seqFrom = Infinity, seqTo = -Infinity;
    for (let k = row; k < row + count; k++) {
      if (r.rows.kind[k] === ROW.send) {
        sends++;
        const a = r.arrows[r.rows.ref[k]];
        const m = /seq=(\d+)(?::(\d+))?/.exec(a.label);
        if (m) {
          seqFrom = Math.min(seqFrom, +m[1]);
          seqTo = Math.max(seqTo, +(m[2] ?? m[1]));
        }
      } else arrivals++;
    }
    const parts = [];
    if (sends) parts.push(`${sends} sent`);
    if (arrivals) parts.push(`${arrivals} arrived`);
    const range = sends && seqTo > seqFrom ? ` seq=${seqFrom}:${seqTo}` : "";
    const text = `▸ burst: ${parts.join(", ")}${range}`;
    const g = svg("g", {
      class: "burst",
      tabindex: 0,
      role: "button",
      "aria-expanded": "false",
      "aria-label": `${text}; press Enter to expand`,
    }, layer);
    laneLabel(
      g,
      clip(text, maxChars),
      side === 0 ? x + 10 : x - 10,
      y - 3,
      side === 0 ? "start" : "end",
      { class: "label" },
    );
    const expand = () => {
      this.#expanded.add(row);
      this.#relayout();
    };
    g.addEventListener("click", expand);
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        expand();
      }
    });
  }
}

/** Average width of a character of the ladder's 12 px labels, px. */
const CHAR = 6.8;

/**
 * A label in a lane on a backing that hides the arrows passing under it: text
 * anchored at x (start or end), its box estimated from its length.
 */
function laneLabel(
  parent: SVGElement,
  text: string,
  x: number,
  y: number,
  anchor: "start" | "end",
  attrs: Record<string, string | number>,
): SVGTextElement {
  const width = text.length * CHAR + 4;
  svg("rect", {
    x: anchor === "start" ? x - 2 : x - width + 2,
    y: y - 11,
    width,
    height: 14,
    rx: 3,
    class: "label-bg",
  }, parent);
  return svgText(text, { x, y, "text-anchor": anchor, ...attrs }, parent);
}

function clip(text: string, chars: number): string {
  return text.length <= chars ? text : text.slice(0, Math.max(1, chars - 1)) + "…";
}

function shortTimer(timer: string, text: string): string {
  const m = /now ([\d.]+) ms/.exec(text);
  if (m) return `RTO ${m[1]} ms`;
  const names: Record<string, string> = {
    "time-wait": "2MSL timer",
    "delayed-ack": "delayed ACK",
    "persist": "persist timer",
    "keep-alive": "keep-alive",
    "user-timeout": "user timeout",
    "tail-loss-probe": "TLP timer",
    "reorder": "RACK timer",
  };
  return names[timer] ?? timer;
}
