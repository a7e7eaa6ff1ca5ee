/// <reference lib="dom" />
// The playground page: presets and settings, a Web Worker that runs the
// simulation, and a replay that moves the ladder, the state machine and the
// plots together, one event at a time or playing.
import { type Preset, PRESETS } from "../presets.ts";
import { type Replay, ROW } from "../replay_model.ts";
import type { SessionResult } from "../session.ts";
import { byId, formatBytes, formatMs, html, lastAtOrBefore } from "./dom.ts";
import { type EndPosition, StateDiagram } from "./fsm.ts";
import { LadderView } from "./ladder.ts";
import { TimePlot } from "./plots.ts";
import { KernelView } from "./kernel.ts";
import type { FromWorker, ToWorker, WorkerRequest } from "./protocol.ts";
import type { FormField } from "../form.ts";

// ---- the worker -------------------------------------------------------------

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
let nextId = 1;
const pending = new Map<number, (message: FromWorker) => void>();
/** Requests made before the worker said it was ready. */
let early: ToWorker[] | null = [];
worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
  if (data.type === "ready") {
    for (const request of early ?? []) worker.postMessage(request);
    early = null;
    return;
  }
  pending.get(data.id)?.(data);
};
worker.onerror = (e) => showError(`The simulation worker failed: ${e.message}`);

/** Sends a request; `onMessage` sees every answer until it returns true. */
function ask(request: WorkerRequest, onMessage: (m: FromWorker) => boolean): number {
  const id = nextId++;
  pending.set(id, (m) => {
    if (onMessage(m)) pending.delete(id);
  });
  const message = { ...request, id } as ToWorker;
  if (early) early.push(message);
  else worker.postMessage(message);
  return id;
}

function request(request: WorkerRequest): Promise<FromWorker> {
  return new Promise((resolve) => ask(request, (m) => (resolve(m), true)));
}

// ---- the form -----------------------------------------------------------------

const form = byId<HTMLFormElement>("run-form");
const statusLine = byId("status");
const errorBox = byId("error");

/** The form's fields, as the worker describes them from the settings table. */
let formFieldList: readonly FormField[] = [];

function buildForm(fields: readonly FormField[]): void {
  formFieldList = fields;
  const box = byId("fields");
  box.replaceChildren();
  const groups = new Map<string, HTMLFieldSetElement>();
  for (const f of fields) {
    let set = groups.get(f.group);
    if (!set) {
      set = html("fieldset", {}, undefined, box);
      html("legend", {}, f.group, set);
      groups.set(f.group, set);
    }
    const id = `field-${f.name}`;
    const row = html("div", { class: f.toggle ? "field check" : "field" }, undefined, set);
    const label = html("label", { for: id }, f.name, row);
    const help = html("span", { class: "help", id: `${id}-help` }, f.help, row);
    let control: HTMLInputElement | HTMLSelectElement;
    if (f.toggle) {
      control = html("input", { type: "checkbox", name: f.name, id }, undefined, row);
      control.checked = f.defaultOn;
      row.insertBefore(control, label);
    } else if (f.values && !f.values.some((v) => v.includes(","))) {
      control = html("select", { name: f.name, id }, undefined, row);
      html("option", { value: "" }, f.placeholder, control);
      for (const v of f.values) if (v !== f.placeholder) html("option", { value: v }, v, control);
    } else {
      control = html(
        "input",
        {
          name: f.name,
          id,
          placeholder: f.placeholder,
          spellcheck: "false",
          autocomplete: "off",
        },
        undefined,
        row,
      );
      if (f.values) {
        const list = html("datalist", { id: `${id}-values` }, undefined, row);
        for (const v of f.values) html("option", { value: v }, undefined, list);
        control.setAttribute("list", `${id}-values`);
      }
    }
    control.setAttribute("aria-describedby", help.id);
    label.title = f.help;
  }
}

/** The form as a query: empty fields and toggles at their default are left out, the seed is always in. */
function formQuery(): URLSearchParams {
  const query = new URLSearchParams();
  for (const f of formFieldList) {
    const control = form.elements.namedItem(f.name);
    if (control instanceof HTMLInputElement && control.type === "checkbox") {
      if (control.checked !== f.defaultOn) query.set(f.name, control.checked ? "on" : "off");
    } else if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement) {
      if (control.value.trim() !== "") query.set(f.name, control.value.trim());
    }
  }
  if (!query.has("seed")) query.set("seed", "1");
  return query;
}

function fillForm(query: URLSearchParams): void {
  for (const f of formFieldList) {
    const control = form.elements.namedItem(f.name);
    if (control instanceof HTMLInputElement && control.type === "checkbox") {
      const given = query.get(f.name);
      control.checked = given === null ? f.defaultOn : !["0", "off", "false"].includes(given);
    } else if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement) {
      const given = query.get(f.name) ?? "";
      // A value the list does not hold (a list of controllers, a typo in a shared URL) is
      // added to it, so the form shows what runs; the worker says if it is wrong.
      if (
        control instanceof HTMLSelectElement &&
        ![...control.options].some((o) => o.value === given)
      ) {
        html("option", { value: given }, given, control);
      }
      control.value = given;
    }
    (control as HTMLElement | null)?.removeAttribute("aria-invalid");
  }
}

// ---- presets --------------------------------------------------------------------

const explanation = byId("explanation");

function presetOf(query: URLSearchParams): Preset | undefined {
  const key = (q: URLSearchParams) => {
    const copy = new URLSearchParams(q);
    if (!copy.has("seed")) copy.set("seed", "1");
    copy.sort();
    return copy.toString();
  };
  const want = key(query);
  return PRESETS.find((p) => key(new URLSearchParams(p.query)) === want);
}

function buildPresets(): void {
  const list = byId("presets");
  for (const p of PRESETS) {
    const item = html("li", {}, undefined, list);
    const button = html("button", { type: "button", "data-preset": p.id }, p.title, item);
    button.addEventListener("click", () => {
      const query = new URLSearchParams(p.query);
      if (!query.has("seed")) query.set("seed", "1");
      fillForm(query);
      run(query);
    });
  }
}

// ---- running --------------------------------------------------------------------

let current: SessionResult | null = null;
let latestRun = 0;

function run(query: URLSearchParams): void {
  const thisRun = ++latestRun;
  errorBox.hidden = true;
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
  }
  statusLine.textContent = "running in the worker…";
  pause();
  ask({ type: "run", query: query.toString() }, (m) => {
    if (thisRun !== latestRun) return m.type !== "progress";
    if (m.type === "progress") {
      statusLine.textContent = `running: ${formatMs(m.progress.time)} ms of virtual time, ` +
        `${m.progress.events.toLocaleString("en")} events so far…`;
      return false;
    }
    if (m.type === "error") showError(m.message, m.field);
    else if (m.type === "result") {
      history.replaceState(null, "", `/playground?${query}`);
      statusLine.textContent = `${m.result.replay.eventCount.toLocaleString("en")} trace events, ` +
        `run in ${Math.round(m.elapsed)} ms in your browser` +
        (m.result.budgetSpent
          ? "; the run hit the packet budget, and the links dropped the rest"
          : "");
      show(m.result, presetOf(query));
    }
    return true;
  });
}

function showError(message: string, field?: string | null): void {
  statusLine.textContent = "";
  errorBox.textContent = message;
  errorBox.hidden = false;
  const input = field ? form.elements.namedItem(field) : null;
  if (input instanceof HTMLElement) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

// ---- the views -------------------------------------------------------------------

const detail = byId("detail");
const ladder = new LadderView(byId("ladder"), { select: (i) => selectArrow(i) });
const fsm = new StateDiagram(byId("fsm"));
const plotsBox = byId("plots");
const windowPlot = new TimePlot(
  plotsBox,
  "Windows: cwnd, ssthresh, bytes in flight, receive window",
  "bytes",
);
const rttPlot = new TimePlot(plotsBox, "Round-trip time: samples, SRTT and RTO", "ms", 160);
const seqPlot = new TimePlot(
  plotsBox,
  "Time-sequence graph (Stevens): segments, ACKs, window edge, SACK blocks, retransmissions, losses",
  "seq",
  240,
);
const flowsPlot = new TimePlot(plotsBox, "Each flow's congestion window", "bytes");
const direction = byId<HTMLSelectElement>("direction");

/** Per side, the rows of its state changes (ascending) and their indexes in replay.states. */
let stateRows: [Float64Array, Int32Array][] = [];

let shown = 0;

function show(result: SessionResult, preset: Preset | undefined): void {
  current = result;
  cursor = -1;
  // Which run the page shows: tests and scripts wait for it to change.
  document.body.dataset.run = String(++shown);
  const replay = result.replay;
  byId("result").hidden = false;
  renderSummary(result);
  byId("command").textContent = result.command;
  const share = byId<HTMLAnchorElement>("share");
  share.href = location.href;
  share.textContent = location.href;
  if (preset) {
    const noCc = preset.needsCongestionControl &&
      replay.series.client.cc.time.length + replay.series.server.cc.time.length === 0;
    explanation.replaceChildren(
      html("strong", {}, `${preset.title}. `),
      preset.explanation,
      ...(noCc
        ? [html(
          "em",
          { class: "note" },
          " This build's TCP traces no congestion control yet: " +
            "what the plots show is a fixed window, and losses wait for the RTO.",
        )]
        : []),
    );
    explanation.hidden = false;
  } else explanation.hidden = true;
  stateRows = [0, 1].map((side) => {
    const list = replay.states.map((s, i) => [s, i] as const).filter(([s]) =>
      (s.side === "client" ? 0 : 1) === side
    );
    return [Float64Array.from(list, ([s]) => s.row), Int32Array.from(list, ([, i]) => i)];
  }) as [Float64Array, Int32Array][];
  // With several flows the server's connections share one address and port in the trace:
  // the diagram follows the ends of the first state changes it sees, which mix flows.
  byId("fsm-note").hidden = replay.flows.length < 2;
  const rows = replay.rows.kind.length;
  const timeline = byId<HTMLInputElement>("timeline");
  timeline.max = String(rows - 1);
  direction.value = result.settings.bytes === 0 && result.settings.replyBytes > 0
    ? "server"
    : "client";
  ladder.load(replay);
  drawPlots();
  // Speed: a run plays through in about fifteen seconds, at five events a second or more.
  const speed = byId<HTMLSelectElement>("speed");
  const want = Math.max(5, rows / 15);
  const options = [...speed.options].map((o) => +o.value);
  speed.value = String(options.find((v) => v >= want) ?? options.at(-1));
  setCursor(-1);
  play();
}

function drawPlots(): void {
  if (!current) return;
  const replay = current.replay;
  const side = direction.value === "server" ? "server" : "client";
  const s = replay.series[side];
  const end = replay.end;
  if (s.cc.time.length > 0) {
    windowPlot.draw(
      [
        { label: "cwnd", cls: "cwnd", time: s.cc.time, value: s.cc.cwnd, kind: "step", fit: true },
        { label: "ssthresh", cls: "ssthresh", time: s.cc.time, value: s.cc.ssthresh, kind: "step" },
        {
          label: "in flight",
          cls: "flight",
          time: s.cc.time,
          value: s.cc.inFlight,
          kind: "step",
          fit: true,
        },
        {
          label: "receive window",
          cls: "window",
          time: s.cc.time,
          value: s.cc.sndWnd,
          kind: "step",
        },
      ],
      [],
      end,
      "no data",
    );
  } else {
    windowPlot.draw(
      [
        {
          label: "in flight",
          cls: "flight",
          time: s.flight.time,
          value: s.flight.inFlight,
          kind: "step",
        },
        {
          label: "receive window",
          cls: "window",
          time: s.flight.time,
          value: s.flight.window,
          kind: "step",
        },
      ],
      [],
      end,
      "no data sent in this direction",
    );
  }
  rttPlot.draw(
    [
      { label: "RTT sample", cls: "sample", time: s.rtt.time, value: s.rtt.sample, kind: "dots" },
      { label: "SRTT", cls: "srtt", time: s.rtt.time, value: s.rtt.srtt, kind: "line" },
      { label: "RTO", cls: "rto", time: s.rtt.time, value: s.rtt.rto, kind: "step" },
    ],
    [],
    end,
    "no RTT samples in this direction",
  );
  flowsPlot.element.hidden = replay.flows.length < 2;
  if (replay.flows.length >= 2) {
    flowsPlot.draw(
      replay.flows.map((f, i) => ({
        label: `flow ${i + 1} (${f.controller})`,
        cls: `flow-${i % 6}`,
        time: f.time,
        value: f.cwnd,
        kind: "step" as const,
      })),
      [],
      end,
      "no congestion-control events",
    );
  }
  const q = s.seq;
  seqPlot.draw(
    [
      { label: "ACK", cls: "ack", time: q.acks.time, value: q.acks.value, kind: "step" },
      {
        label: "window edge",
        cls: "window",
        time: q.window.time,
        value: q.window.value,
        kind: "step",
      },
    ],
    [
      { label: "segment", cls: "segment", ...q.sent },
      { label: "retransmission", cls: "rtx", ...q.retransmitted },
      { label: "SACK block", cls: "sack", ...q.sacks },
      { label: "lost", cls: "lost", cross: true, ...q.lost },
    ],
    end,
    "no data sent in this direction",
  );
  moveCursorMarks();
}

direction.addEventListener("change", drawPlots);
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(drawPlots, 100);
}).observe(plotsBox);

function renderSummary(result: SessionResult): void {
  const s = result.summary;
  const box = byId("summary");
  box.replaceChildren();
  const line = (...parts: (string | Node)[]) => html("div", {}, undefined, box).append(...parts);
  const ok = (good: boolean, yes: string, no: string) =>
    html("span", { class: good ? "ok" : "bad" }, good ? yes : no);
  if (!s) {
    renderFlows(result, line, ok);
    return;
  }
  line("Run: ", ok(s.ok, "OK", "FAILED"), `, ended “${s.end}” at ${formatMs(s.time)} ms virtual`);
  line(
    `client → server: ${formatBytes(s.server.bytesReceived)}, `,
    ok(s.clientToServerMatch, "SHA-256 match", "SHA-256 MISMATCH"),
  );
  line(
    `server → client: ${formatBytes(s.client.bytesReceived)}, `,
    ok(s.serverToClientMatch, "SHA-256 match", "SHA-256 MISMATCH"),
  );
  for (const [name, end] of [["client", s.client], ["server", s.server]] as const) {
    line(
      `${name} ${end.addr}: final state `,
      html("b", {}, end.state),
      `; ${end.segmentsSent} segments sent, ${end.retransmissions} retransmitted, ` +
        `${end.timeouts} RTO timeouts`,
    );
  }
  const l = s.link;
  line(
    `link: ${l.sent} packets, ${l.lost} lost, ${l.corrupted} corrupted, ${l.duplicated} ` +
      `duplicated, ${l.reordered} held back`,
  );
  line("trace SHA-256: ", html("code", { id: "trace-hash" }, result.traceSha256));
  for (const p of s.problems) line(html("span", { class: "bad" }, "problem: "), p);
}

/** The summary of several flows: each one's goodput and share, and Jain's index. */
function renderFlows(
  result: SessionResult,
  line: (...parts: (string | Node)[]) => void,
  ok: (good: boolean, yes: string, no: string) => HTMLElement,
): void {
  const f = result.flows!;
  line(
    "Run: ",
    ok(f.ok, "OK", "FAILED"),
    `, ${f.flows.length} flows through one bottleneck, ${formatMs(f.time)} ms virtual`,
  );
  const table = html("table", { class: "flows-table" });
  const head = html("tr", {}, undefined, html("thead", {}, undefined, table));
  for (const h of ["flow", "controller", "goodput", "share", "retransmitted", "RTOs"]) {
    html("th", { scope: "col" }, h, head);
  }
  const body = html("tbody", {}, undefined, table);
  for (const [i, flow] of f.flows.entries()) {
    const row = html("tr", { class: `flow-${i % 6}` }, undefined, body);
    for (
      const cell of [
        `${i + 1} (port ${flow.port})`,
        flow.controller,
        `${formatBytes(flow.goodput)}/s`,
        `${(flow.share * 100).toFixed(1)}%`,
        String(flow.retransmissions),
        String(flow.timeouts),
      ]
    ) html("td", {}, cell, row);
  }
  line(table);
  line(
    `Jain's fairness index ${f.jain.toFixed(3)} (1: equal shares; ` +
      `${(1 / f.flows.length).toFixed(2)}: one flow takes all)`,
  );
  const l = f.forward;
  line(`bottleneck: ${l.sent} packets, ${l.lost} lost, ${l.queueDrops} queue drops`);
  line("trace SHA-256: ", html("code", { id: "trace-hash" }, result.traceSha256));
  for (const p of f.problems) line(html("span", { class: "bad" }, "problem: "), p);
}

// ---- the replay -------------------------------------------------------------------

let cursor = -1;
let playing = false;
let frame = 0;
let lastFrame = 0;
let carry = 0;
const playButton = byId<HTMLButtonElement>("play");

function rowCount(): number {
  return current?.replay.rows.kind.length ?? 0;
}

function positionOf(replay: Replay, side: 0 | 1, row: number): EndPosition {
  const [rows, refs] = stateRows[side];
  const k = lastAtOrBefore(rows, row);
  if (k < 0) return { state: "CLOSED", last: null };
  const s = replay.states[refs[k]];
  return { state: s.to, last: { from: s.from, to: s.to, reason: s.reason, time: s.time } };
}

function setCursor(row: number, announce = false): void {
  const n = rowCount();
  const before = cursor;
  cursor = Math.max(-1, Math.min(n - 1, row));
  const replay = current?.replay;
  if (!replay) return;
  ladder.setCursor(cursor);
  const client = positionOf(replay, 0, cursor), server = positionOf(replay, 1, cursor);
  fsm.show(client, server);
  moveCursorMarks();
  byId<HTMLInputElement>("timeline").value = String(cursor);
  const time = cursor >= 0 ? replay.rows.time[cursor] : 0;
  byId("position").textContent = `event ${cursor + 1} of ${n} · ${formatMs(time)} ms · ` +
    `client ${client.state} · server ${server.state}`;
  if (announce && before !== cursor) {
    byId("announce").textContent = describeRow(replay, cursor);
  }
  if (!playing) showRowDetail();
}

function moveCursorMarks(): void {
  const replay = current?.replay;
  if (!replay) return;
  const time = cursor >= 0 ? replay.rows.time[cursor] : 0;
  windowPlot.cursor(time);
  rttPlot.cursor(time);
  seqPlot.cursor(time);
  flowsPlot.cursor(time);
}

function describeRow(replay: Replay, row: number): string {
  if (row < 0) return "the start";
  const kind = replay.rows.kind[row], ref = replay.rows.ref[row];
  const t = `${formatMs(replay.rows.time[row])} ms`;
  if (kind === ROW.state) {
    const s = replay.states[ref];
    return `${t}: ${s.side} ${s.from} → ${s.to} (${s.reason})`;
  }
  if (kind === ROW.timer) return `${t}: ${replay.timers[ref].side} ${replay.timers[ref].text}`;
  const a = replay.arrows[ref];
  return kind === ROW.send
    ? `${t}: ${a.from} sends ${a.retransmission ? "RTX " : ""}${a.label}`
    : `${t}: ${a.from === "client" ? "server" : "client"} receives ${a.label}`;
}

let detailRequest = 0;
async function showRowDetail(): Promise<void> {
  const replay = current?.replay;
  if (!replay || cursor < 0) {
    detail.textContent = "Step forward (→) or play (Space).";
    return;
  }
  const mine = ++detailRequest;
  const m = await request({ type: "events", indexes: [replay.rows.event[cursor]] });
  if (mine !== detailRequest || m.type !== "events") return;
  detail.textContent = `${describeRow(replay, cursor)}\n\n${JSON.stringify(m.events[0], null, 2)}`;
}

async function selectArrow(i: number): Promise<void> {
  const replay = current?.replay;
  if (!replay) return;
  const a = replay.arrows[i];
  ladder.select(i);
  const indexes = [a.sendIndex, ...(a.arriveIndex === null ? [] : [a.arriveIndex])];
  const mine = ++detailRequest;
  const m = await request({ type: "events", indexes });
  if (mine !== detailRequest || m.type !== "events") return;
  detail.textContent = JSON.stringify(
    {
      sent: `${formatMs(a.sendTime)} ms`,
      arrived: a.arriveTime === null ? null : `${formatMs(a.arriveTime)} ms`,
      fate: a.fate,
      notes: a.notes,
      event: m.events[0],
      arrival: m.events[1] ?? null,
    },
    null,
    2,
  );
}

function play(): void {
  if (!current) return;
  if (cursor >= rowCount() - 1) setCursor(-1);
  playing = true;
  playButton.textContent = "❚❚";
  playButton.setAttribute("aria-label", "Pause (Space)");
  lastFrame = performance.now();
  carry = 0;
  frame = requestAnimationFrame(tick);
}

function pause(): void {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  if (!playing) return;
  playing = false;
  playButton.textContent = "▶";
  playButton.setAttribute("aria-label", "Play (Space)");
  showRowDetail();
}

function tick(now: number): void {
  const speed = +byId<HTMLSelectElement>("speed").value;
  carry += ((now - lastFrame) / 1000) * speed;
  lastFrame = now;
  const steps = Math.floor(carry);
  if (steps > 0) {
    carry -= steps;
    setCursor(cursor + steps);
  }
  if (cursor >= rowCount() - 1) {
    pause();
    return;
  }
  frame = requestAnimationFrame(tick);
}

/** The row of the previous (-1) or next (+1) state change from the cursor. */
function nextStateRow(step: -1 | 1): number {
  const replay = current?.replay;
  if (!replay) return cursor;
  const rows = replay.states.map((s) => s.row).sort((a, b) => a - b);
  if (step > 0) return rows.find((r) => r > cursor) ?? rowCount() - 1;
  return rows.findLast((r) => r < cursor) ?? -1;
}

function step(by: number, states = false): void {
  pause();
  setCursor(states ? nextStateRow(by > 0 ? 1 : -1) : cursor + by, true);
}

byId("play").addEventListener("click", () => (playing ? pause() : play()));
byId("back").addEventListener("click", () => step(-1));
byId("forward").addEventListener("click", () => step(1));
byId("first").addEventListener("click", () => step(-Infinity));
byId("last").addEventListener("click", () => step(Infinity));
byId<HTMLInputElement>("timeline").addEventListener("input", (e) => {
  pause();
  setCursor(+(e.target as HTMLInputElement).value, true);
});

const ZOOMS = [0.35, 0.5, 0.7, 1, 1.4];
function zoom(by: number): void {
  const i = ZOOMS.indexOf(ladder.zoom);
  ladder.setZoom(ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, i + by))]);
}
byId("zoom-in").addEventListener("click", () => zoom(1));
byId("zoom-out").addEventListener("click", () => zoom(-1));
byId<HTMLInputElement>("collapse").addEventListener(
  "change",
  (e) => ladder.setCollapse((e.target as HTMLInputElement).checked),
);

function changeSpeed(by: number): void {
  const speed = byId<HTMLSelectElement>("speed");
  speed.selectedIndex = Math.max(0, Math.min(speed.options.length - 1, speed.selectedIndex + by));
}

document.addEventListener("keydown", (e) => {
  const target = e.target as HTMLElement;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (target.closest("input, select, textarea, [contenteditable]")) return;
  const onButton = target.closest("button, [role=button], summary, a") !== null;
  switch (e.key) {
    case " ":
      if (onButton) return;
      playing ? pause() : play();
      break;
    case "ArrowRight":
      step(1, e.shiftKey);
      break;
    case "ArrowLeft":
      step(-1, e.shiftKey);
      break;
    case "Home":
      step(-Infinity);
      break;
    case "End":
      step(Infinity);
      break;
    case "+":
    case "=":
      zoom(1);
      break;
    case "-":
      zoom(-1);
      break;
    case "[":
      changeSpeed(-1);
      break;
    case "]":
      changeSpeed(1);
      break;
    default:
      return;
  }
  e.preventDefault();
});

// ---- sharing and downloads ----------------------------------------------------------

async function download(type: "pcap" | "json", name: string): Promise<void> {
  const m = await request({ type });
  if (m.type !== "file") return;
  const url = URL.createObjectURL(m.blob);
  const a = html("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

byId("download-pcap").addEventListener(
  "click",
  () => download("pcap", `socklab-sim-seed${current?.settings.seed ?? 1}.pcap`),
);
byId("download-json").addEventListener(
  "click",
  () => download("json", `socklab-sim-seed${current?.settings.seed ?? 1}.jsonl`),
);

async function copy(text: string, button: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "copied";
  } catch {
    button.textContent = "select and copy by hand";
  }
  setTimeout(() => (button.textContent = "copy"), 2000);
}
byId("copy-command").addEventListener(
  "click",
  (e) => copy(byId("command").textContent ?? "", e.target as HTMLElement),
);
byId("copy-share").addEventListener(
  "click",
  (e) => copy(byId<HTMLAnchorElement>("share").href, e.target as HTMLElement),
);

form.addEventListener("submit", (event) => {
  event.preventDefault();
  run(formQuery());
});

// ---- start ---------------------------------------------------------------------------

buildPresets();
new KernelView(byId("kernel-button"), byId("kernel-status"), byId("kernel-view"));
fsm.show({ state: "CLOSED", last: null }, { state: "CLOSED", last: null });
request({ type: "fields" }).then((m) => {
  if (m.type !== "fields") return;
  buildForm(m.fields);
  // When the page could take a run, ms after navigation began.
  document.body.dataset.ready = String(Math.round(performance.now()));
  // A shared link (/playground?loss=5...) runs as soon as the page opens.
  const initial = new URLSearchParams(location.search);
  if ([...initial.keys()].length > 0) {
    if (!initial.has("seed")) initial.set("seed", "1");
    fillForm(initial);
    run(initial);
  }
});
