/// <reference lib="dom" />
// Plots over virtual time, drawn as SVG: step lines, lines and dots,
// decimated to at most a few points per pixel column (a million samples
// draw as fast as a thousand), with a cursor that follows the replay. What
// lies after the cursor is veiled, not hidden, so the run's shape stays in view.
import { formatBytes, formatMs, svg, svgText } from "./dom.ts";

/** One thing a plot draws. */
export interface Series {
  /** The legend's text. */
  readonly label: string;
  /** The CSS class (colour, dash). */
  readonly cls: string;
  /** Sample times, ms, ascending. */
  readonly time: ArrayLike<number>;
  /** Sample values; NaN breaks a line. */
  readonly value: ArrayLike<number>;
  /** "step" holds each value until the next, "line" joins them, "dots" marks them. */
  readonly kind: "step" | "line" | "dots";
  /**
   * Whether the vertical scale is set by this series. When some series say so,
   * the others (a receive window far above a small cwnd) count only up to twice
   * their top, and what lies higher runs off the frame; when none does, every
   * series counts.
   */
  readonly fit?: boolean;
}

/** Sequence ranges at instants (the time-sequence graph's segments, SACK blocks). */
export interface Bars {
  readonly label: string;
  readonly cls: string;
  readonly time: ArrayLike<number>;
  readonly from: ArrayLike<number>;
  readonly to: ArrayLike<number>;
  /** Draw a × at each bar's start instead of the bar. */
  readonly cross?: boolean;
}

/** A stretch of time to shade (a loss-recovery episode). */
export interface Span {
  readonly from: number;
  readonly to: number;
  /** The CSS class. */
  readonly cls: string;
  /** What it was, for the tooltip. */
  readonly reason: string;
}

const PAD = { left: 62, right: 12, top: 10, bottom: 26 };

/** Round steps for axis ticks: 1, 2, 5 times a power of ten. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

export type Unit = "bytes" | "ms" | "seq";

/** Numbers the plots' clip paths, whose ids must be unique in the page. */
let clips = 0;

function formatValue(v: number, unit: Unit): string {
  if (unit === "ms") return `${formatMs(v)} ms`;
  return formatBytes(v);
}

export class TimePlot {
  readonly element: HTMLElement;
  readonly #svg: SVGSVGElement;
  readonly #legend: HTMLElement;
  readonly #unit: Unit;
  readonly #title: string;
  #x = (t: number) => t;
  #end = 1;
  #veil: SVGRectElement | null = null;
  #cursor: SVGLineElement | null = null;
  #height: number;

  constructor(parent: HTMLElement, title: string, unit: Unit, height = 190) {
    this.#unit = unit;
    this.#title = title;
    this.#height = height;
    this.element = document.createElement("figure");
    this.element.className = "plot";
    const caption = document.createElement("figcaption");
    caption.textContent = title;
    this.#legend = document.createElement("span");
    this.#legend.className = "legend";
    caption.append(" ", this.#legend);
    this.element.append(caption);
    this.#svg = svg("svg", { role: "img", "aria-label": title }, this.element);
    parent.append(this.element);
  }

  /**
   * Draws the series over [0, end] ms.
   *
   * @param note Shown instead of the plot when nothing has data.
   */
  draw(series: Series[], bars: Bars[], end: number, note: string, spans: Span[] = []): void {
    const width = Math.max(280, Math.round(this.element.clientWidth || 600));
    const height = this.#height;
    const root = this.#svg;
    root.replaceChildren();
    root.setAttribute("viewBox", `0 0 ${width} ${height}`);
    root.setAttribute("width", String(width));
    root.setAttribute("height", String(height));
    this.#legend.replaceChildren();
    const hasData = series.some((s) => s.time.length > 0) || bars.some((b) => b.time.length > 0);
    if (!hasData) {
      svgText(note, { x: PAD.left, y: height / 2, class: "note" }, root);
      this.#veil = this.#cursor = null;
      root.setAttribute("aria-label", `${this.#title}: ${note}`);
      return;
    }
    let yMax = 0;
    const grow = (v: number) => {
      if (Number.isFinite(v) && v > yMax) yMax = v;
    };
    const fitted = series.some((s) => s.fit) ? series.filter((s) => s.fit) : series;
    for (const s of fitted) for (let i = 0; i < s.value.length; i++) grow(s.value[i]);
    for (const b of bars) for (let i = 0; i < b.to.length; i++) grow(b.to[i]);
    if (fitted !== series) {
      const top = yMax;
      for (const s of series) {
        if (s.fit) continue;
        for (let i = 0; i < s.value.length; i++) if (s.value[i] <= 2 * top) grow(s.value[i]);
      }
    }
    yMax = Math.max(1, yMax * 1.05);
    this.#end = Math.max(1e-3, end);
    const plotW = width - PAD.left - PAD.right, plotH = height - PAD.top - PAD.bottom;
    const x = (t: number) => PAD.left + (t / this.#end) * plotW;
    const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
    this.#x = x;

    const axes = svg("g", { class: "axes" }, root);
    const yStep = niceStep(yMax, 4);
    for (let v = 0; v <= yMax; v += yStep) {
      svg("line", { x1: PAD.left, x2: width - PAD.right, y1: y(v), y2: y(v), class: "grid" }, axes);
      svgText(formatValue(v, this.#unit), {
        x: PAD.left - 5,
        y: y(v) + 4,
        "text-anchor": "end",
      }, axes);
    }
    // Time ticks, spaced so their labels never touch (about 70 px each).
    const tStep = niceStep(this.#end, Math.max(2, Math.floor(plotW / 70)));
    for (let t = 0; t <= this.#end + 1e-9; t += tStep) {
      svg("line", { x1: x(t), x2: x(t), y1: PAD.top + plotH, y2: PAD.top + plotH + 4 }, axes);
      svgText(`${formatMs(t)} ms`, {
        x: x(t),
        y: height - 8,
        "text-anchor": t === 0 ? "start" : "middle",
      }, axes);
    }
    svg("rect", { x: PAD.left, y: PAD.top, width: plotW, height: plotH, class: "frame" }, axes);

    const shade = svg("g", { class: "spans" }, root);
    for (const p of spans) {
      const g = svg("g", { class: `span ${p.cls}` }, shade);
      svg("title", {}, g).textContent =
        `${p.cls === "loss" ? "after a timeout" : "fast recovery"} ` +
        `(${p.reason}), ${formatMs(p.from)} to ${formatMs(p.to)} ms`;
      svg("rect", {
        x: x(p.from),
        y: PAD.top,
        width: Math.max(1, x(p.to) - x(p.from)),
        height: plotH,
      }, g);
    }
    if (spans.some((p) => p.cls === "recovery")) this.#key("fast recovery", "recovery", "area");
    if (spans.some((p) => p.cls === "loss")) this.#key("after a timeout", "loss", "area");
    // What runs off the scale is cut at the frame.
    const clipId = `plot-clip-${++clips}`;
    const clip = svg("clipPath", { id: clipId }, svg("defs", {}, root));
    svg("rect", { x: PAD.left, y: PAD.top - 2, width: plotW, height: plotH + 2 }, clip);
    const data = svg("g", { class: "data", "clip-path": `url(#${clipId})` }, root);
    for (const b of bars) {
      if (b.time.length === 0) continue;
      svg("path", { d: barsPath(b, x, y), class: `bars ${b.cls}` }, data);
      this.#key(b.label, b.cls, b.cross ? "cross" : "bar");
    }
    for (const s of series) {
      if (s.time.length === 0) continue;
      const d = s.kind === "dots" ? dotsPath(s, x, y) : linePath(s, x, y, this.#end);
      svg("path", { d, class: `${s.kind} ${s.cls}` }, data);
      this.#key(s.label, s.cls, s.kind);
    }
    this.#veil = svg("rect", {
      x: width - PAD.right,
      y: PAD.top,
      width: 0,
      height: plotH,
      class: "veil",
    }, root);
    this.#cursor = svg("line", {
      x1: PAD.left,
      x2: PAD.left,
      y1: PAD.top,
      y2: PAD.top + plotH,
      class: "cursor",
    }, root);
  }

  #key(label: string, cls: string, kind: string): void {
    const item = document.createElement("span");
    item.className = `key ${kind} ${cls}`;
    item.textContent = label;
    this.#legend.append(item);
  }

  /** Moves the cursor to `time` and veils what comes after it. */
  cursor(time: number): void {
    if (!this.#veil || !this.#cursor || !Number.isFinite(time)) return;
    const right = this.#x(this.#end);
    const cx = Math.min(right, Math.max(PAD.left, this.#x(time)));
    this.#cursor.setAttribute("x1", String(cx));
    this.#cursor.setAttribute("x2", String(cx));
    this.#veil.setAttribute("x", String(cx));
    this.#veil.setAttribute("width", String(Math.max(0, right - cx)));
  }
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * A step or straight line through the samples: per pixel column, the first,
 * lowest, highest and last value, so spikes survive decimation.
 */
function linePath(
  s: Series,
  x: (t: number) => number,
  y: (v: number) => number,
  end: number,
): string {
  const parts: string[] = [];
  let column = NaN, first = 0, lo = 0, hi = 0, last = 0;
  let prevY: number | null = null;
  const flush = () => {
    if (Number.isNaN(column)) return;
    const px = column;
    if (prevY === null) parts.push(`M${px} ${r1(y(first))}`);
    else if (s.kind === "step") parts.push(`L${px} ${prevY}L${px} ${r1(y(first))}`);
    else parts.push(`L${px} ${r1(y(first))}`);
    if (lo !== hi) parts.push(`L${px} ${r1(y(lo))}L${px} ${r1(y(hi))}`);
    parts.push(`L${px} ${r1(y(last))}`);
    prevY = r1(y(last));
    column = NaN;
  };
  for (let i = 0; i < s.time.length; i++) {
    const v = s.value[i];
    if (Number.isNaN(v)) {
      flush();
      if (s.kind === "step" && prevY !== null) parts.push(`L${Math.round(x(s.time[i]))} ${prevY}`);
      prevY = null;
      continue;
    }
    const px = Math.round(x(s.time[i]));
    if (px !== column) {
      flush();
      column = px;
      first =
        lo =
        hi =
        last =
          v;
    } else {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      last = v;
    }
  }
  flush();
  if (s.kind === "step" && prevY !== null) parts.push(`L${Math.round(x(end))} ${prevY}`);
  return parts.join("");
}

/** Small squares at the samples, one per pixel cell. */
function dotsPath(s: Series, x: (t: number) => number, y: (v: number) => number): string {
  const seen = new Set<number>();
  const parts: string[] = [];
  for (let i = 0; i < s.time.length; i++) {
    const v = s.value[i];
    if (Number.isNaN(v)) continue;
    const px = Math.round(x(s.time[i])), py = Math.round(y(v));
    const key = px * 4096 + py;
    if (seen.has(key)) continue;
    seen.add(key);
    parts.push(`M${px - 1.5} ${py - 1.5}h3v3h-3z`);
  }
  return parts.join("");
}

/** Vertical bars from `from` to `to` at each instant, merged per pixel column; or crosses. */
function barsPath(b: Bars, x: (t: number) => number, y: (v: number) => number): string {
  const parts: string[] = [];
  if (b.cross) {
    const seen = new Set<number>();
    for (let i = 0; i < b.time.length; i++) {
      const px = Math.round(x(b.time[i])), py = Math.round(y(b.from[i]));
      const key = px * 4096 + py;
      if (seen.has(key)) continue;
      seen.add(key);
      parts.push(`M${px - 3} ${py - 3}l6 6M${px - 3} ${py + 3}l6 -6`);
    }
    return parts.join("");
  }
  let column = NaN, lo = 0, hi = 0;
  const flush = () => {
    if (Number.isNaN(column)) return;
    // At least 2 px tall, so a one-segment bar stays visible when zoomed out.
    const top = Math.min(r1(y(hi)), r1(y(lo)) - 2);
    parts.push(`M${column} ${r1(y(lo))}V${top}`);
  };
  for (let i = 0; i < b.time.length; i++) {
    const px = Math.round(x(b.time[i]));
    if (px !== column) {
      flush();
      column = px;
      lo = b.from[i];
      hi = b.to[i];
    } else {
      if (b.from[i] < lo) lo = b.from[i];
      if (b.to[i] > hi) hi = b.to[i];
    }
  }
  flush();
  return parts.join("");
}
