/// <reference lib="dom" />
// Small DOM helpers shared by the page's views.

/** The SVG namespace. */
export const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes, appended to `parent` when given. */
export function svg<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

/** An SVG text element. */
export function svgText(
  content: string,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGTextElement {
  const node = svg("text", attrs, parent);
  node.textContent = content;
  return node;
}

/** An HTML element with attributes and text. */
export function html<K extends keyof HTMLElementTagNameMap>(
  name: K,
  attrs: Record<string, string> = {},
  content?: string,
  parent?: Element,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (content !== undefined) node.textContent = content;
  parent?.appendChild(node);
  return node;
}

/** The element with this id, or an error naming it. */
export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** Milliseconds as text, to a tenth at most ("20", "30.3"). */
export function formatMs(ms: number): string {
  return String(+ms.toFixed(1));
}

/** Bytes as short text ("1.5 MB", "64 KiB" style: decimal units). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return "∞";
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(2)} GB`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(2)} MB`;
  if (a >= 1e4) return `${+(n / 1e3).toFixed(1)} kB`;
  return `${Math.round(n)} B`;
}

/** Index of the last element of a sorted array that is <= x, or -1. */
export function lastAtOrBefore(sorted: ArrayLike<number>, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
