// socklab playground: reads the form, asks /playground/run for a run of the
// real TCP on the simulated network, and draws what came back: a ladder
// diagram (SVG) and a chart of bytes in flight against the receive window.
// Plain browser JavaScript, no framework, no build step.

const SVG = "http://www.w3.org/2000/svg";

/** The presets: query fields, as `socklab sim` flags without the dashes. */
const PRESETS = {
  handshake: { bytes: "0" },
  lossy: { bytes: "20KB", loss: "20", seed: "3" },
  stall: { bytes: "10KB", stall: "3s", "recv-buffer": "4096" },
  simopen: { bytes: "0", "simultaneous-open": "on" },
  timewait: { bytes: "0", "simultaneous-open": "on", close: "simultaneous", msl: "500ms" },
};

const form = document.getElementById("run-form");
const statusLine = document.getElementById("status");
const errorBox = document.getElementById("error");
const detail = document.getElementById("detail");

/** Element builder for SVG: `el("line", { x1: 0 }, parent)`. */
function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

function text(content, attrs, parent) {
  const node = el("text", attrs, parent);
  node.textContent = content;
  return node;
}

/** The form as a query string, leaving out empty fields (they keep the defaults). */
function formQuery() {
  const query = new URLSearchParams();
  for (const input of form.querySelectorAll("input, select")) {
    if (input.type === "checkbox") {
      if (input.checked) query.set(input.name, "on");
    } else if (input.value.trim() !== "") {
      query.set(input.name, input.value.trim());
    }
  }
  return query;
}

/** Fills the form from a query: fields not in it are emptied. */
function fillForm(query) {
  for (const input of form.querySelectorAll("input, select")) {
    if (input.type === "checkbox") input.checked = query.has(input.name);
    else input.value = query.get(input.name) ?? "";
    input.removeAttribute("aria-invalid");
  }
}

/** Counts runs, so an answer that comes back after a newer run started is ignored. */
let latestRun = 0;

async function run(query) {
  const thisRun = ++latestRun;
  errorBox.hidden = true;
  statusLine.textContent = "running…";
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
  }
  let response, body;
  try {
    response = await fetch(`/playground/run?${query}`);
    body = await response.json();
  } catch (error) {
    if (thisRun === latestRun) showError(`The server did not answer: ${error.message}`);
    return;
  }
  if (thisRun !== latestRun) return;
  if (!response.ok) {
    showError(body.error, body.field);
    return;
  }
  history.replaceState(null, "", `/playground?${query}`);
  statusLine.textContent = `${body.eventCount} trace events` +
    (body.truncated ? ` (drawing the first ${body.events.length})` : "") +
    (body.budgetSpent
      ? "; the run hit the playground's packet budget, and the links dropped everything after it"
      : "");
  render(body, query);
}

function showError(message, field) {
  statusLine.textContent = "";
  errorBox.textContent = message; // the server's message names the field
  errorBox.hidden = false;
  const input = field && form.elements.namedItem(field);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function render(report, query) {
  document.getElementById("result").hidden = false;
  renderSummary(report);
  document.getElementById("command").textContent = report.command;
  document.getElementById("pcap-link").href = `/playground/run.pcap?${query}`;
  detail.textContent = "Hover or click a segment.";
  const ladder = document.getElementById("ladder");
  ladder.replaceChildren(drawLadder(report.ladder, report.events));
  const charts = document.getElementById("charts");
  charts.replaceChildren();
  const { clientToServer, serverToClient } = report.ladder.flight;
  const end = report.events.at(-1)?.time ?? 0;
  charts.appendChild(drawChart(`client → server`, clientToServer, end));
  if (report.settings.replyBytes > 0) {
    charts.appendChild(drawChart(`server → client`, serverToClient, end));
  }
}

function renderSummary(report) {
  const s = report.summary;
  const box = document.getElementById("summary");
  box.replaceChildren();
  const item = (html) => {
    const div = document.createElement("div");
    div.innerHTML = html;
    box.appendChild(div);
  };
  const match = (ok) =>
    ok ? `<span class="ok">SHA-256 match</span>` : `<span class="bad">SHA-256 MISMATCH</span>`;
  item(
    `Run: ${
      s.ok ? `<span class="ok">OK</span>` : `<span class="bad">FAILED</span>`
    }, ended “${s.end}” at ${s.time.toFixed(1)} ms virtual`,
  );
  item(`client → server: ${s.server.bytesReceived} bytes, ${match(s.clientToServerMatch)}`);
  item(`server → client: ${s.client.bytesReceived} bytes, ${match(s.serverToClientMatch)}`);
  for (const [name, end] of [["client", s.client], ["server", s.server]]) {
    item(
      `${name} ${end.addr}: final state <b>${end.state}</b>; ${end.segmentsSent} segments sent, ` +
        `${end.retransmissions} retransmitted, ${end.timeouts} RTO timeouts`,
    );
  }
  const l = s.link;
  item(
    `link: ${l.sent} packets, ${l.lost} lost, ${l.corrupted} corrupted, ${l.duplicated} duplicated, ${l.reordered} held back`,
  );
  for (const p of s.problems) item(`<span class="bad">problem:</span> ${escapeHtml(p)}`);
}

function escapeHtml(s) {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c],
  );
}

// Ladder geometry, in px.
const ROW = 19;
const TOP = 46;
const TIME_COL = 60;
const SIDE_COL = 200;
const LANE = 520;

/**
 * One row per thing that happened, in trace order: a segment leaving, a
 * segment arriving, a state change, a timer. Idle stretches of virtual time
 * get extra space (growing with the log of their length) and a note.
 */
function layoutRows(ladder) {
  const items = [];
  for (const a of ladder.arrows) {
    items.push({ index: a.sendIndex, time: a.sendTime, kind: "send", arrow: a });
    if (a.arriveIndex !== null) {
      items.push({ index: a.arriveIndex, time: a.arriveTime, kind: "arrive", arrow: a });
    }
  }
  for (const s of ladder.states) {
    items.push({ index: s.index, time: s.time, kind: "state", state: s });
  }
  for (const t of ladder.timers) {
    items.push({ index: t.index, time: t.time, kind: "timer", timer: t });
  }
  items.sort((x, y) => x.index - y.index || (x.kind === "send") - (y.kind === "send"));
  let y = TOP - ROW;
  let lastTime = null;
  const gaps = [];
  for (const item of items) {
    y += ROW;
    if (lastTime !== null && item.time - lastTime >= 50) {
      const extra = Math.min(60, 12 * Math.log2(1 + (item.time - lastTime) / 50));
      gaps.push({ y: y + extra / 2, ms: item.time - lastTime });
      y += extra + ROW;
    }
    item.y = y;
    lastTime = item.time;
  }
  return { items, gaps, height: y + ROW * 2 };
}

function drawLadder(ladder, events) {
  const { items, gaps, height } = layoutRows(ladder);
  const xLeft = TIME_COL + SIDE_COL;
  const xRight = xLeft + LANE;
  const width = xRight + SIDE_COL;
  const svg = el("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label":
      `Ladder diagram of ${ladder.arrows.length} segments between ${ladder.client} and ${ladder.server}`,
  });
  text("time (ms)", { x: 4, y: 18, class: "tick" }, svg);
  text(
    `${ladder.client} (client)`,
    { x: xLeft, y: 18, "text-anchor": "middle", class: "host" },
    svg,
  );
  text(
    `${ladder.server} (server)`,
    { x: xRight, y: 18, "text-anchor": "middle", class: "host" },
    svg,
  );
  el("line", { x1: xLeft, y1: 28, x2: xLeft, y2: height - 8, class: "timeline" }, svg);
  el("line", { x1: xRight, y1: 28, x2: xRight, y2: height - 8, class: "timeline" }, svg);
  for (const g of gaps) {
    text(`⋯ ${formatMs(g.ms)} ms pass ⋯`, {
      x: (xLeft + xRight) / 2,
      y: g.y,
      "text-anchor": "middle",
      class: "gap",
    }, svg);
  }

  const xOf = (side) => side === "client" ? xLeft : xRight;
  const sendY = new Map();
  let lastTick = null;
  for (const item of items) {
    if (formatMs(item.time) !== lastTick) {
      text(formatMs(item.time), {
        x: TIME_COL - 8,
        y: item.y + 4,
        "text-anchor": "end",
        class: "tick",
      }, svg);
      lastTick = formatMs(item.time);
    }
    if (item.kind === "send") sendY.set(item.arrow, item.y);
    else if (item.kind === "state") drawState(svg, item, xOf(item.state.side));
    else if (item.kind === "timer") drawTimer(svg, item, xOf(item.timer.side));
  }
  // A packet that never arrived is drawn towards where it would have: one
  // typical transit time (the median of its direction's) after it left.
  const transit = { client: [], server: [] };
  for (const a of ladder.arrows) {
    if (a.arriveTime !== null) transit[a.from].push(a.arriveTime - a.sendTime);
  }
  const typical = (side) => {
    const list = transit[side].sort((x, y) => x - y);
    return list.length ? list[Math.floor(list.length / 2)] : 0;
  };
  const yAt = (time) => items.find((item) => item.time >= time)?.y ?? items.at(-1).y + ROW;
  for (const item of items) {
    const a = item.arrow;
    if (item.kind === "arrive") drawArrow(svg, a, sendY.get(a), item.y, true, xOf, events);
    else if (item.kind === "send" && a.arriveIndex === null) {
      const y = Math.max(item.y + ROW, yAt(a.sendTime + typical(a.from)));
      drawArrow(svg, a, item.y, y, false, xOf, events);
    }
  }
  return svg;
}

/** A dot on the timeline and the new state's name beside it; the tooltip says why. */
function drawState(svg, item, x) {
  const s = item.state;
  const left = x === TIME_COL + SIDE_COL;
  const g = el("g", { class: "state-change" }, svg);
  el("title", {}, g).textContent = `${s.from} → ${s.to}: ${s.reason} (at ${formatMs(s.time)} ms)`;
  el("circle", { cx: x, cy: item.y, r: 4, class: "state-dot" }, g);
  text(s.to, {
    x: left ? x - 10 : x + 10,
    y: item.y + 4,
    "text-anchor": left ? "end" : "start",
    class: "state",
  }, g);
}

function drawTimer(svg, item, x) {
  const left = x === TIME_COL + SIDE_COL;
  text(item.timer.text, {
    x: left ? x - 10 : x + 10,
    y: item.y + 4,
    "text-anchor": left ? "end" : "start",
    class: "timer",
  }, svg);
}

/**
 * An arrow from the sender's timeline at its send row to the receiver's at
 * its arrival row; a packet that never arrived stops midway with a ×.
 */
function drawArrow(svg, a, y1, y2, arrived, xOf, events) {
  const x1 = xOf(a.from);
  const xTo = xOf(a.from === "client" ? "server" : "client");
  const lost = !arrived;
  const classes = ["seg"];
  if (a.retransmission) classes.push("rtx");
  if (lost) classes.push("lost");
  if (a.fate === "duplicate") classes.push("dup");
  if (a.fate === "unseen") classes.push("unseen");
  const g = el("g", {
    class: classes.join(" "),
    tabindex: 0,
    role: "button",
    "aria-label": `${a.from} sends ${a.label}${a.retransmission ? " (retransmission)" : ""}: ${
      fateText(a)
    }`,
  }, svg);
  // A lost packet's arrow ends halfway across; a corrupted one reaches the
  // receiver's edge; one whose arrival went untraced reaches the receiver.
  const reach = a.fate === "corrupted" ? 0.92 : a.fate === "lost" ? 0.5 : 1;
  const x2 = x1 + (xTo - x1) * reach;
  const yEnd = y1 + (y2 - y1) * reach;
  el("line", { x1, y1, x2, y2: yEnd, class: "hit" }, g);
  el("line", { x1, y1, x2, y2: yEnd }, g);
  if (a.fate === "unseen") {
    // Reached a host with no connection for it: the stack answered or dropped it untraced.
    text("?", { x: x2 + (xTo > x1 ? 4 : -10), y: yEnd + 4, class: "unknown" }, g);
  } else if (lost) {
    el("path", {
      d: `M${x2 - 6} ${yEnd - 6} L${x2 + 6} ${yEnd + 6} M${x2 - 6} ${yEnd + 6} L${x2 + 6} ${
        yEnd - 6
      }`,
      class: "cross",
    }, g);
  } else {
    const angle = Math.atan2(yEnd - y1, x2 - x1);
    const head = (da) => `${x2 - 9 * Math.cos(angle + da)} ${yEnd - 9 * Math.sin(angle + da)}`;
    el("path", { d: `M${head(0.4)} L${x2} ${yEnd} L${head(-0.4)}` }, g);
  }
  // The label sits above the middle of the arrow, along its slope. Steep
  // arrows (a burst sent at once) lie too close together for that: their
  // labels go level beside the sender's timeline, one per send row.
  const extra = a.notes.length ? ` [${a.notes.join(", ")}]` : "";
  const label = `${a.retransmission ? "RTX " : ""}${a.label}${extra}`;
  let deg = Math.atan2(yEnd - y1, x2 - x1) * 180 / Math.PI;
  if (deg > 90) deg -= 180;
  if (deg < -90) deg += 180;
  if (Math.abs(deg) > 30) {
    const toRight = x2 > x1;
    text(label, {
      x: x1 + (toRight ? 12 : -12),
      y: y1 - 3,
      "text-anchor": toRight ? "start" : "end",
      class: "beside",
    }, g);
  } else {
    const mx = (x1 + x2) / 2, my = (y1 + yEnd) / 2;
    text(label, {
      x: mx,
      y: my - 4,
      "text-anchor": "middle",
      transform: `rotate(${deg.toFixed(2)} ${mx} ${my})`,
    }, g);
  }
  const show = () => {
    detail.textContent = JSON.stringify(
      {
        sent: formatMs(a.sendTime) + " ms",
        arrived: a.arriveTime === null ? null : formatMs(a.arriveTime) + " ms",
        fate: fateText(a),
        event: a.event,
        arrival: a.arriveIndex === null ? null : events[a.arriveIndex] ?? null,
      },
      null,
      2,
    );
  };
  g.addEventListener("mouseenter", show);
  g.addEventListener("focus", show);
  g.addEventListener("click", () => {
    for (const other of svg.querySelectorAll(".seg.selected")) other.classList.remove("selected");
    g.classList.add("selected");
    show();
  });
  g.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") g.dispatchEvent(new Event("click"));
  });
}

function fateText(a) {
  switch (a.fate) {
    case "delivered":
      return `arrived at ${formatMs(a.arriveTime)} ms`;
    case "duplicate":
      return `a duplicate copy, arrived at ${formatMs(a.arriveTime)} ms`;
    case "lost":
      return `lost on the link (${a.notes.join(", ")})`;
    case "corrupted":
      return "corrupted on the link, rejected by the receiver's checksum";
    default:
      return "no arrival in the trace (it reached a host with no connection for it, which answers or drops it untraced)";
  }
}

/** Milliseconds as text, to a tenth at most ("20", "30.3"). */
function formatMs(ms) {
  return String(+ms.toFixed(1));
}

// Chart geometry.
const CHART_W = 900;
const CHART_H = 220;
const PAD = { left: 64, right: 16, top: 26, bottom: 30 };

/** Step lines of bytes in flight and the advertised window against virtual time. */
function drawChart(title, points, endTime) {
  const svg = el("svg", {
    width: CHART_W,
    height: CHART_H,
    viewBox: `0 0 ${CHART_W} ${CHART_H}`,
    class: "chart",
    role: "img",
    "aria-label": `${title}: bytes in flight and receive window over time`,
  });
  text(`${title}: bytes in flight (solid), receive window (dashed)`, {
    x: PAD.left,
    y: 16,
    class: "chart-title",
  }, svg);
  if (points.length === 0) {
    text("no data", { x: PAD.left, y: CHART_H / 2 }, svg);
    return svg;
  }
  const tMax = Math.max(1, endTime, points.at(-1).time);
  const yMax = Math.max(1, ...points.map((p) => Math.max(p.inFlight, p.window ?? 0)));
  const x = (t) => PAD.left + (t / tMax) * (CHART_W - PAD.left - PAD.right);
  const y = (v) => CHART_H - PAD.bottom - (v / yMax) * (CHART_H - PAD.top - PAD.bottom);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    el(
      "line",
      { x1: PAD.left, x2: CHART_W - PAD.right, y1: y(v), y2: y(v), class: "grid-line" },
      svg,
    );
    text(Math.round(v).toLocaleString("en"), {
      x: PAD.left - 6,
      y: y(v) + 4,
      "text-anchor": "end",
      class: "tick",
    }, svg);
  }
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    text(`${formatMs(Math.round(t))} ms`, {
      x: x(t),
      y: CHART_H - 10,
      "text-anchor": "middle",
      class: "tick",
    }, svg);
  }
  el(
    "line",
    { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: CHART_H - PAD.bottom, class: "axis" },
    svg,
  );
  el("line", {
    x1: PAD.left,
    x2: CHART_W - PAD.right,
    y1: CHART_H - PAD.bottom,
    y2: CHART_H - PAD.bottom,
    class: "axis",
  }, svg);
  el("path", { d: stepPath(points, (p) => p.inFlight, x, y, tMax), class: "flight" }, svg);
  const windowed = points.filter((p) => p.window !== null);
  if (windowed.length) {
    el("path", {
      d: stepPath(
        windowed,
        (p) => p.window,
        x,
        y,
      ),
      class: "window",
    }, svg);
  }
  return svg;
}

/** A step line through the points, held level to `endTime`. */
function stepPath(points, value, x, y, endTime) {
  let d = "";
  let prev = null;
  for (const p of points) {
    const v = value(p);
    d += prev === null
      ? `M${x(p.time)} ${y(v)}`
      : ` L${x(p.time)} ${y(prev)} L${x(p.time)} ${y(v)}`;
    prev = v;
  }
  return d + ` L${x(endTime)} ${y(prev)}`;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  run(formQuery());
});

for (const button of document.querySelectorAll("[data-preset]")) {
  button.addEventListener("click", () => {
    const query = new URLSearchParams(PRESETS[button.dataset.preset]);
    fillForm(query);
    run(query);
  });
}

// A shared link (/playground?loss=5...) runs as soon as the page opens.
const initial = new URLSearchParams(location.search);
if ([...initial.keys()].length > 0) {
  fillForm(initial);
  run(initial);
}
