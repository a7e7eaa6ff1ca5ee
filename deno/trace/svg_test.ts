// The SVG plots: counted from real transfers, and from events written by hand.
import assert from "node:assert/strict";
import { congestionSvg, dataSenders, timeSequenceData, timeSequenceSvg } from "./svg.ts";
import type { CongestionEvent, RecoveryEvent, SegmentEvent, TraceEvent } from "./events.ts";
import { runTransfer, type TransferOptions } from "../link/transfer.ts";
import { type TcpRepr, tcpRepr } from "../wire/tcp.ts";
import { seqAdd } from "../wire/seq.ts";
import { Cubic } from "../tcp/cubic.ts";

function trace(options: Omit<TransferOptions, "trace">): TraceEvent[] {
  const events: TraceEvent[] = [];
  runTransfer({ ...options, trace: (e) => events.push(e) });
  return events;
}

/**
 * Checks that `svg` is one well-formed <svg> element: every tag closes in
 * order, attribute values are quoted, and text holds no bare < or &.
 */
function assertWellFormed(svg: string): void {
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  let rootClosed = false;
  for (const [, close, name, , selfClosing] of svg.matchAll(tag)) {
    assert.ok(!rootClosed, `<${close}${name}> after the root closed`);
    if (close) {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
      if (stack.length === 0) rootClosed = true;
    } else if (!selfClosing) stack.push(name);
  }
  assert.deepEqual(stack, [], "unclosed elements");
  assert.ok(svg.startsWith("<svg ") && rootClosed);
  const text = svg.replace(tag, "");
  assert.doesNotMatch(text, /[<>]/, "a stray < or > outside a tag");
  assert.doesNotMatch(text, /&(?!amp;|lt;|gt;|quot;)/, "a bare &");
}

function assertFinite(svg: string): void {
  assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
}

const count = (svg: string, marker: string) => svg.split(marker).length - 1;

/** The d attribute of the element with this class. */
function pathOf(svg: string, cls: string): string {
  const m = svg.match(new RegExp(`class="${cls}"[^>]* d="([^"]*)"`));
  assert.ok(m, `no ${cls} path`);
  return m[1];
}

/** A path's commands as [letter, numbers]. */
function commands(d: string): [string, number[]][] {
  return [...d.matchAll(/([MHVhl])([^MHVhlz]*)/g)].map(([, c, args]) => [
    c,
    args.trim().split(/[\s,]+/).filter(Boolean).map(Number),
  ]);
}

const LOSSY = {
  seed: 3,
  bytes: 200_000,
  forward: { loss: 0.03, delay: 10, rate: 1_250_000, queue: 65_536 },
} as const;

Deno.test("timeSequenceSvg() marks every retransmission and every loss on the link, once", () => {
  const events = trace(LOSSY);
  const sender = "10.0.0.1:49152";
  const rtx =
    events.filter((e) =>
      e.kind === "segment" && e.direction === "send" && e.endpoint === sender &&
      e.retransmission && (e.repr.payload.length > 0 || e.repr.control !== null)
    ).length;
  // Packets the forward link dropped that carried sequence space (not bare ACKs).
  const lost =
    events.filter((e) =>
      e.kind === "drop" && e.endpoint === "10.0.0.1>10.0.0.2" && e.repr !== null &&
      (e.repr.payload.length > 0 || e.repr.control === "syn" || e.repr.control === "fin")
    ).length;
  assert.ok(rtx > 10 && lost > 10, `the seed retransmits (${rtx}) and loses (${lost})`);

  const svg = timeSequenceSvg(events);
  assertWellFormed(svg);
  assertFinite(svg);
  assert.equal(count(svg, `<g class="rtx">`), rtx);
  assert.equal(count(svg, `<g class="loss">`), lost);
  assert.match(svg, new RegExp(`retransmission \\(${rtx}\\)</text>`));
  assert.match(svg, new RegExp(`lost on the link \\(${lost}\\)</text>`));
  assert.match(svg, /<title>Time-sequence graph: 10\.0\.0\.1:49152 → 10\.0\.0\.2:80<\/title>/);
  assert.match(svg, /width="800" height="500"/);
  assert.match(svg, />time \(ms\)<\/text>/);
  assert.match(svg, />bytes \(relative sequence number\)<\/text>/);
});

Deno.test("timeSequenceSvg(): the ACK line only climbs, and ends at the last byte acknowledged", () => {
  const events = trace(LOSSY);
  const svg = timeSequenceSvg(events);
  let x = -Infinity, y = Infinity, steps = 0;
  for (const [c, args] of commands(pathOf(svg, "ack-line"))) {
    if (c === "M") [x, y] = args;
    if (c === "H") {
      assert.ok(args[0] >= x, `the ACK line goes back in time at x = ${args[0]}`);
      x = args[0];
    }
    if (c === "V") {
      assert.ok(args[0] <= y, `the ACK line drops at x = ${x}`); // SVG y grows downward
      y = args[0];
      steps++;
    }
  }
  assert.ok(steps > 10);
  // The data's ACKs, in the graph's own units: SYN + 200 000 bytes + FIN = 200 002.
  const data = timeSequenceData(events)!;
  assert.equal(data.acks.at(-1)![1], 200_002);
  for (let i = 1; i < data.acks.length; i++) assert.ok(data.acks[i][1] > data.acks[i - 1][1]);
});

Deno.test("timeSequenceSvg() of a large trace draws segments per pixel column but keeps every mark", () => {
  const events = trace({ ...LOSSY, seed: 5, bytes: 2_000_000 });
  const full = timeSequenceSvg(events);
  const capped = timeSequenceSvg(events, { maxMarks: 100 });
  for (const svg of [full, capped]) {
    assertWellFormed(svg);
    assertFinite(svg);
  }
  const data = timeSequenceData(events)!;
  assert.ok(data.sent.length > 100, `${data.sent.length} segments`);
  // Merged: at most a few bars per pixel column of an 800-pixel plot.
  const bars = count(pathOf(capped, "segments"), "M");
  assert.ok(bars < 2000 && bars < data.sent.length * 3, `${bars} bars`);
  assert.ok(capped.length < full.length);
  for (const mark of [`<g class="rtx">`, `<g class="loss">`]) {
    assert.equal(count(capped, mark), count(full, mark));
  }
  assert.equal(count(capped, `<g class="rtx">`), data.retransmitted.length);
  assert.equal(count(capped, `<g class="loss">`), data.lost.length);
  // The ACK line has a few commands per pixel column, however many ACKs there were.
  assert.ok(commands(pathOf(full, "ack-line")).length < 4 * 800);
});

Deno.test("timeSequenceSvg() and congestionSvg() of an empty trace say there is no data", () => {
  for (const svg of [timeSequenceSvg([]), congestionSvg([])]) {
    assertWellFormed(svg);
    assertFinite(svg);
    assert.match(svg, /<text class="no-data"[^>]*>no data: [^<]+<\/text>/);
  }
  const events = trace({ seed: 1, bytes: 1000 });
  const other = timeSequenceSvg(events, { endpoint: "10.9.9.9:1" });
  assert.match(other, />no data: 10\.9\.9\.9:1 sent no segments in this trace</);
  // Today's sender traces no "cc" events without a controller that reports: no data either.
  assertWellFormed(congestionSvg(events.filter((e) => e.kind !== "cc")));
  assert.equal(timeSequenceData([]), null);
});

Deno.test("dataSenders() lists the endpoints that sent data, most bytes first", () => {
  const events = trace({ seed: 2, bytes: 300, replyBytes: 5000 });
  assert.deepEqual(dataSenders(events), ["10.0.0.2:80", "10.0.0.1:49152"]);
  // The default plot is of the larger sender.
  assert.match(timeSequenceSvg(events), /<title>Time-sequence graph: 10\.0\.0\.2:80 → /);
  assert.match(
    timeSequenceSvg(events, { endpoint: "10.0.0.1:49152" }),
    /<title>Time-sequence graph: 10\.0\.0\.1:49152 → 10\.0\.0\.2:80/,
  );
});

// A connection written by hand: the sender's ISS is 2^32 − 4096, so its data
// crosses the 32-bit wrap; the peer offers window scaling.
const ME = "10.0.0.1:40000";
const ISS = 0x1_0000_0000 - 4096;

function segment(
  time: number,
  direction: "send" | "recv",
  fields: Partial<TcpRepr>,
  extra: Partial<SegmentEvent> = {},
): SegmentEvent {
  const ports = direction === "send"
    ? { srcPort: 40000, dstPort: 80 }
    : { srcPort: 80, dstPort: 40000 };
  const repr = tcpRepr({ ...ports, window: 1000, ...fields });
  return {
    kind: "segment",
    time,
    endpoint: ME,
    direction,
    repr,
    relSeq: direction === "send" ? (repr.seq - ISS) >>> 0 : 0,
    relAck: null,
    state: "ESTABLISHED",
    retransmission: false,
    ...extra,
  };
}

const at = (offset: number) => seqAdd(ISS, offset);
const data = (time: number, offset: number, retransmission = false) =>
  segment(time, "send", { seq: at(offset), ack: 1, payload: new Uint8Array(1000) }, {
    retransmission,
  });
const ackOf = (time: number, offset: number, window: number, sack: [number, number][] = []) =>
  segment(time, "recv", {
    seq: 1,
    ack: at(offset),
    window,
    sack: sack.map(([l, r]) => [at(l), at(r)] as const),
  });

function handshake(myScale: number | null): TraceEvent[] {
  return [
    segment(0, "send", { seq: ISS, control: "syn", windowScale: myScale, window: 65535 }),
    segment(10, "recv", { seq: 0, ack: at(1), control: "syn", windowScale: 7, window: 65535 }),
  ];
}

Deno.test("timeSequenceData(): offsets cross the 32-bit wrap; SACK blocks arrive with their ACK", () => {
  const events = [
    ...handshake(2),
    data(10, 1),
    data(10, 1001),
    data(10, 2001),
    data(10, 3001), // crosses 2^32
    data(10, 4001),
    ackOf(20, 1001, 100),
    ackOf(21, 1001, 100, [[2001, 3001]]),
    ackOf(22, 1001, 100, [[2001, 4001]]),
    data(22, 1001, true),
    ackOf(32, 5001, 100),
  ];
  const d = timeSequenceData(events, ME)!;
  assert.equal(d.peer, "port 80"); // no link events name the peer's address
  assert.deepEqual(d.sent.map((b) => [b.from, b.to]), [
    [0, 1],
    [1, 1001],
    [1001, 2001],
    [2001, 3001],
    [3001, 4001],
    [4001, 5001],
  ]);
  assert.deepEqual(d.retransmitted, [{ t: 22, from: 1001, to: 2001 }]);
  assert.deepEqual(d.sacks, [{ t: 21, from: 2001, to: 3001 }, { t: 22, from: 2001, to: 4001 }]);
  // Duplicate ACKs do not move the ACK line.
  assert.deepEqual(d.acks, [[10, 1], [20, 1001], [32, 5001]]);
  // The SYN-ACK's window is never scaled; later ones are shifted by the peer's 7.
  assert.deepEqual(d.rwnd, [
    [10, 1 + 65535],
    [20, 1001 + 100 * 128],
    [21, 1001 + 100 * 128],
    [22, 1001 + 100 * 128],
    [32, 5001 + 100 * 128],
  ]);

  const svg = timeSequenceSvg(events, { endpoint: ME });
  assertWellFormed(svg);
  assertFinite(svg);
  assert.equal(count(svg, `<g class="rtx">`), 1);
  // The two SACK ACKs came 1 ms apart: two bars, in separate pixel columns.
  assert.equal(count(pathOf(svg, "sack"), "M"), 2);
});

Deno.test("timeSequenceData(): without window scaling on both SYNs, windows are taken as they are", () => {
  const d = timeSequenceData([...handshake(null), data(10, 1), ackOf(20, 1001, 100)], ME)!;
  assert.deepEqual(d.rwnd.at(-1), [20, 1001 + 100]);
});

const cc = (
  time: number,
  cwnd: number,
  ssthresh: number | null,
  inFlight = cwnd,
): CongestionEvent => ({
  kind: "cc",
  time,
  endpoint: ME,
  controller: "cubic",
  cwnd,
  ssthresh,
  inFlight,
  sndWnd: 1 << 20,
  phase: "open",
});
const recovery = (
  time: number,
  action: "enter" | "exit",
  phase: "recovery" | "loss",
  reason: RecoveryEvent["reason"],
): RecoveryEvent => ({
  kind: "recovery",
  time,
  endpoint: ME,
  action,
  phase,
  reason,
  recoveryPoint: 0,
});

Deno.test("congestionSvg() draws cwnd, ssthresh from its first finite value, and shades each episode", () => {
  const events: TraceEvent[] = [
    cc(0, 14_600, null),
    cc(20, 29_200, null),
    cc(40, 58_400, null),
    recovery(50, "enter", "recovery", "dupacks"),
    cc(50, 58_400, 40_880, 58_400),
    cc(70, 40_880, 40_880, 30_000),
    recovery(70, "exit", "recovery", "recovery point acknowledged"),
    cc(90, 45_000, 40_880),
    recovery(300, "enter", "loss", "rto"),
    cc(300, 1460, 31_500, 0),
    cc(320, 2920, 31_500),
  ];
  const svg = congestionSvg(events);
  assertWellFormed(svg);
  assertFinite(svg);
  assert.match(svg, /<title>Congestion window: 10\.0\.0\.1:40000 \(cubic\)<\/title>/);
  assert.equal(count(svg, `<rect class="episode"`), 2);
  assert.equal(count(svg, `data-phase="recovery"`), 1);
  assert.equal(count(svg, `data-phase="loss"`), 1);
  assert.match(svg, /<title>fast recovery \(dupacks\) from 50 ms to 70 ms<\/title>/);
  // The RTO's loss phase never ended in this trace: shaded to the end.
  assert.match(svg, /<title>loss recovery after a timeout \(rto\) from 300 ms<\/title>/);
  // ssthresh is infinite (null) at first: its line starts at the first loss.
  const ssthresh = commands(pathOf(svg, "ssthresh-line"));
  const cwnd = commands(pathOf(svg, "cwnd-line"));
  assert.equal(ssthresh.filter(([c]) => c === "M").length, 1);
  assert.ok(ssthresh[0][1][0] > cwnd[0][1][0], "ssthresh starts right of cwnd");
  // cwnd is one unbroken line that rises, falls at the timeout, and rises again.
  assert.equal(cwnd.filter(([c]) => c === "M").length, 1);
  const ys = cwnd.flatMap(([c, a]) => c === "V" ? a : c === "M" ? [a[1]] : []);
  const top = ys.indexOf(Math.min(...ys)), bottom = ys.lastIndexOf(Math.max(...ys));
  assert.ok(top < bottom && bottom < ys.length - 1, `${ys}`);
});

Deno.test("congestionSvg() of a real CUBIC transfer: one shaded episode per recovery entered", () => {
  const events = trace({
    seed: 4,
    bytes: 500_000,
    forward: { loss: 0.02, delay: 10, rate: 12_500_000, queue: 256 * 1024, mtu: 1500 },
    reverse: { delay: 10, mtu: 1500 },
    config: { congestion: () => new Cubic() },
  });
  const sender = "10.0.0.1:49152";
  const entered =
    events.filter((e) => e.kind === "recovery" && e.endpoint === sender && e.action === "enter")
      .length;
  assert.ok(entered > 2, `${entered} recoveries`);
  const svg = congestionSvg(events);
  assertWellFormed(svg);
  assertFinite(svg);
  assert.match(svg, /<title>Congestion window: 10\.0\.0\.1:49152 \(cubic\)<\/title>/);
  assert.equal(count(svg, `<rect class="episode"`), entered);
  // SACK is negotiated: the time-sequence graph has SACK bars under the losses.
  const data = timeSequenceData(events)!;
  assert.ok(data.sacks.length > 0);
  assert.ok(count(pathOf(timeSequenceSvg(events), "sack"), "M") > 0);
});

Deno.test("congestionSvg() skips infinite windows, and a trace of only those has no data", () => {
  const fixed = [cc(0, Infinity, null, 1000), cc(10, Infinity, null, 5000)];
  const svg = congestionSvg(fixed);
  assertWellFormed(svg);
  assertFinite(svg);
  // In-flight bytes are finite, so they are drawn; cwnd has nothing to draw.
  assert.equal(pathOf(svg, "cwnd-line"), "");
  assert.notEqual(pathOf(svg, "inflight-line"), "");
  const none = congestionSvg([{ ...fixed[0], inFlight: Infinity }]);
  assert.match(none, /no data: 10\.0\.0\.1:40000 has no congestion-control \(cc\) events/);
});

Deno.test("timeSequenceSvg() and congestionSvg() check their options", () => {
  assert.throws(() => timeSequenceSvg([], { width: 100 }), RangeError);
  assert.throws(() => congestionSvg([], { height: NaN }), RangeError);
  assert.throws(() => timeSequenceSvg([], { maxMarks: 0 }), RangeError);
  assert.throws(() => timeSequenceSvg([], { endpoint: 7 as never }), TypeError);
  const svg = timeSequenceSvg(trace({ seed: 1, bytes: 5000 }), {
    width: 400,
    height: 300,
    title: `a <small> & "quoted" title`,
  });
  assertWellFormed(svg);
  assert.match(svg, /width="400" height="300"/);
  assert.match(svg, /<title>a &lt;small&gt; &amp; &quot;quoted&quot; title<\/title>/);
});
