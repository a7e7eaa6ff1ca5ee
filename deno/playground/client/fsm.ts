/// <reference lib="dom" />
// The TCP state machine diagram after RFC 9293's Figure 5: each end's current
// state is ringed (client and server apart), and the transition each end took
// last is drawn bold and labelled with what caused it.
import { svg, svgText } from "./dom.ts";

/** A transition as the replay knows it. */
export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly time: number;
}

/** Where each end is. */
export interface EndPosition {
  /** The current state. */
  readonly state: string;
  /** The transition that led there, or null before any. */
  readonly last: Transition | null;
}

const W = 620, H = 482, NODE_W = 118, NODE_H = 28;

// Node centres. CLOSED appears twice, as in the RFC's figure: where a
// connection starts (top) and where it ends (bottom).
const NODES: Record<string, [number, number]> = {
  "CLOSED": [310, 24],
  "LISTEN": [150, 96],
  "SYN-RECEIVED": [80, 170],
  "SYN-SENT": [540, 170],
  "ESTABLISHED": [310, 236],
  "FIN-WAIT-1": [80, 306],
  "CLOSE-WAIT": [540, 306],
  "FIN-WAIT-2": [80, 382],
  "CLOSING": [310, 382],
  "LAST-ACK": [540, 382],
  "TIME-WAIT": [80, 456],
  "CLOSED-END": [540, 456],
};

// The figure's edges, with the RFC's event / action text.
const EDGES: [string, string, string][] = [
  ["CLOSED", "LISTEN", "passive OPEN"],
  ["CLOSED", "SYN-SENT", "active OPEN / snd SYN"],
  ["LISTEN", "SYN-RECEIVED", "rcv SYN / snd SYN,ACK"],
  ["LISTEN", "SYN-SENT", "SEND / snd SYN"],
  ["SYN-SENT", "SYN-RECEIVED", "rcv SYN / snd SYN,ACK (simultaneous open)"],
  ["SYN-RECEIVED", "ESTABLISHED", "rcv ACK of SYN"],
  ["SYN-SENT", "ESTABLISHED", "rcv SYN,ACK / snd ACK"],
  ["SYN-RECEIVED", "FIN-WAIT-1", "CLOSE / snd FIN"],
  ["ESTABLISHED", "FIN-WAIT-1", "CLOSE / snd FIN"],
  ["ESTABLISHED", "CLOSE-WAIT", "rcv FIN / snd ACK"],
  ["FIN-WAIT-1", "FIN-WAIT-2", "rcv ACK of FIN"],
  ["FIN-WAIT-1", "CLOSING", "rcv FIN / snd ACK"],
  ["FIN-WAIT-2", "TIME-WAIT", "rcv FIN / snd ACK"],
  ["CLOSING", "TIME-WAIT", "rcv ACK of FIN"],
  ["CLOSE-WAIT", "LAST-ACK", "CLOSE / snd FIN"],
  ["LAST-ACK", "CLOSED-END", "rcv ACK of FIN"],
  ["TIME-WAIT", "CLOSED-END", "timeout = 2MSL"],
];

/** The diagram node a state is drawn at, given where it came from. */
function nodeOf(state: string, from: string | null): string {
  if (state !== "CLOSED") return state;
  return from === null || from === "LISTEN" || from === "SYN-SENT" || from === "CLOSED"
    ? "CLOSED"
    : "CLOSED-END";
}

/** The point where the segment from a node's centre towards (tx, ty) leaves its box. */
function border(node: string, tx: number, ty: number): [number, number] {
  const [x, y] = NODES[node];
  const dx = tx - x, dy = ty - y;
  const scale = 1 / Math.max(Math.abs(dx) / (NODE_W / 2 + 3), Math.abs(dy) / (NODE_H / 2 + 3));
  return [x + dx * scale, y + dy * scale];
}

export class StateDiagram {
  readonly element: SVGSVGElement;
  readonly #edges = new Map<string, SVGGElement>();
  readonly #nodes = new Map<string, SVGGElement>();
  readonly #marks: SVGGElement;

  constructor(parent: HTMLElement) {
    const root = svg("svg", {
      viewBox: `0 0 ${W} ${H}`,
      class: "fsm",
      role: "img",
      "aria-labelledby": "fsm-title",
    }, parent);
    this.element = root;
    const defs = svg("defs", {}, root);
    for (const [id, cls] of [["fsm-head", "edge"], ["fsm-head-on", "edge on"]]) {
      const marker = svg("marker", {
        id,
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: "auto-start-reverse",
      }, defs);
      svg("path", { d: "M0 0 L10 5 L0 10 z", class: cls }, marker);
    }
    const edges = svg("g", {}, root);
    for (const [from, to, text] of EDGES) this.#edge(edges, from, to, text, false);
    for (const [name, [x, y]] of Object.entries(NODES)) {
      const g = svg("g", { class: "node", "data-state": name.replace("-END", "") }, root);
      svg("rect", {
        x: x - NODE_W / 2,
        y: y - NODE_H / 2,
        width: NODE_W,
        height: NODE_H,
        rx: 6,
      }, g);
      svgText(name.replace("-END", ""), { x, y: y + 4.5, "text-anchor": "middle" }, g);
      this.#nodes.set(name, g);
    }
    this.#marks = svg("g", { class: "marks" }, root);
  }

  #edge(parent: SVGGElement, from: string, to: string, text: string, extra: boolean): SVGGElement {
    const [fx, fy] = NODES[from], [tx, ty] = NODES[to];
    const [x1, y1] = border(from, tx, ty);
    const [x2, y2] = border(to, fx, fy);
    const g = svg("g", { class: extra ? "edge extra" : "edge" }, parent);
    svg("title", {}, g).textContent = `${from.replace("-END", "")} → ${
      to.replace("-END", "")
    }: ${text}`;
    svg("line", { x1, y1, x2, y2, "marker-end": "url(#fsm-head)" }, g);
    this.#edges.set(`${from}>${to}`, g);
    return g;
  }

  /** Moves the rings and the marked transitions to where each end is. */
  show(client: EndPosition, server: EndPosition): void {
    for (const g of this.#nodes.values()) g.classList.remove("at-client", "at-server");
    for (const g of this.#edges.values()) g.classList.remove("on", "on-client", "on-server");
    this.#marks.replaceChildren();
    const ends: [string, EndPosition][] = [["client", client], ["server", server]];
    for (const [side, end] of ends) {
      const node = nodeOf(end.state, end.last?.from ?? null);
      this.#nodes.get(node)?.classList.add(`at-${side}`);
      if (!end.last) continue;
      const from = nodeOf(end.last.from, null);
      const key = `${from}>${node}`;
      let edge = this.#edges.get(key);
      // A transition the figure does not draw (an RST, an abort): drawn when it happens.
      if (!edge && NODES[from] && NODES[node]) {
        edge = this.#edge(
          this.#edges.values().next().value!.parentNode as SVGGElement,
          from,
          node,
          end.last.reason,
          true,
        );
      }
      if (!edge) continue;
      edge.classList.add("on", `on-${side}`);
      edge.querySelector("line")?.setAttribute("marker-end", "url(#fsm-head-on)");
      const [fx, fy] = NODES[from], [tx, ty] = NODES[node];
      const mx = (fx + tx) / 2, my = (fy + ty) / 2;
      // The client's label above the edge's middle, the server's below.
      const y = side === "client" ? my - 8 : my + 16;
      const label = svgText(`${side}: ${end.last.reason}`, {
        x: Math.min(W - 4, Math.max(4, mx)),
        y,
        "text-anchor": mx < 120 ? "start" : mx > W - 120 ? "end" : "middle",
        class: `mark ${side}`,
      }, this.#marks);
      label.setAttribute("paint-order", "stroke");
    }
    for (const edge of this.#edges.values()) {
      if (!edge.classList.contains("on")) {
        edge.querySelector("line")?.setAttribute("marker-end", "url(#fsm-head)");
      }
    }
    this.element.dataset.client = client.state;
    this.element.dataset.server = server.state;
  }
}
