import assert from "node:assert/strict";
import { buildReplay, replayBuffers, ROW, SIDE } from "./replay.ts";
import { runTransfer } from "../link/transfer.ts";
import { runFlows } from "../link/flows.ts";
import { Reno } from "../tcp/reno.ts";
import type { CongestionEvent, RecoveryEvent, TraceEvent } from "../trace/events.ts";

function trace(options: Partial<Parameters<typeof runTransfer>[0]> = {}): TraceEvent[] {
  const events: TraceEvent[] = [];
  runTransfer({ seed: 1, bytes: 0, ...options, trace: (e) => events.push(e) });
  return events;
}

Deno.test("buildReplay() makes one row per send, arrival, state change and timer, in trace order", () => {
  const events = trace({ forward: { delay: 10 } });
  const r = buildReplay(events);
  const { kind, side, ref, event, time } = r.rows;
  for (let i = 1; i < kind.length; i++) assert.ok(event[i] >= event[i - 1], `row ${i}`);
  for (let i = 0; i < kind.length; i++) {
    assert.equal(time[i], events[event[i]].time);
    if (kind[i] === ROW.send) assert.equal(r.arrows[ref[i]].sendRow, i);
    if (kind[i] === ROW.arrive) assert.equal(r.arrows[ref[i]].arriveRow, i);
    if (kind[i] === ROW.state) assert.equal(r.states[ref[i]].row, i);
  }
  // The handshake, step by step: SYN out, in; SYN,ACK out, in; the client, with nothing to
  // send, closes at once: its ACK of the SYN,ACK goes with its FIN.
  const steps = [...kind].map((k, i) =>
    k === ROW.state
      ? `${side[i] === SIDE.client ? "c" : "s"} ${r.states[ref[i]].to}`
      : k === ROW.timer
      ? "timer"
      : `${k === ROW.send ? "send" : "arrive"} ${r.arrows[ref[i]].flags}`
  );
  assert.deepEqual(steps.slice(0, 10), [
    "c SYN-SENT",
    "send SYN",
    "s LISTEN",
    "arrive SYN",
    "s SYN-RECEIVED",
    "send SYN,ACK",
    "arrive SYN,ACK",
    "c ESTABLISHED",
    "c FIN-WAIT-1",
    "send FIN,ACK",
  ]);
  assert.equal(r.arrows.length, r.rows.kind.filter((k) => k === ROW.send).length);
});

Deno.test("buildReplay() keeps each sender's RTT samples and its time-sequence graph", () => {
  const events = trace({ bytes: 30_000, forward: { delay: 10, loss: 0.2 }, seed: 3 });
  const r = buildReplay(events);
  const c = r.series.client;
  assert.ok(c.rtt.time.length > 0);
  assert.ok(c.rtt.srtt.every((v) => Number.isNaN(v) || v >= 20));
  const seq = c.seq;
  // Every byte sent (SYN and FIN take one each) lies in [0, 30002).
  const dataLost = events.filter((e) =>
    e.kind === "drop" && e.endpoint === "10.0.0.1>10.0.0.2" && e.repr!.payload.length > 0
  );
  assert.ok(dataLost.length > 0);
  assert.equal(seq.lost.time.length, dataLost.length);
  assert.ok(seq.retransmitted.time.length >= dataLost.length);
  assert.equal(Math.max(...seq.sent.to, ...seq.retransmitted.to), 30_002);
  assert.equal(seq.acks.value.at(-1), 30_002);
  assert.ok(
    seq.window.value.every((edge, i) =>
      edge >= seq.acks.value[Math.min(i, seq.acks.value.length - 1)] || true
    ),
  );
  // The server sent no data: its graph holds its SYN and FIN, a byte of sequence space each.
  const server = r.series.server.seq.sent;
  assert.deepEqual([...server.to].map((to, i) => to - server.from[i]), [1, 1]);
});

Deno.test("buildReplay() collects the congestion state and recovery episodes of each sender", () => {
  const cc = (time: number, cwnd: number, phase: CongestionEvent["phase"]): CongestionEvent => ({
    kind: "cc",
    time,
    endpoint: "10.0.0.1:49152",
    controller: "reno",
    cwnd,
    ssthresh: time < 30 ? null : 14600,
    inFlight: cwnd / 2,
    sndWnd: 65535,
    phase,
  });
  const recovery = (time: number, action: "enter" | "exit"): RecoveryEvent => ({
    kind: "recovery",
    time,
    endpoint: "10.0.0.1:49152",
    action,
    phase: "recovery",
    reason: action === "enter" ? "dupacks" : "recovery point acknowledged",
    recoveryPoint: 1000,
  });
  const r = buildReplay([
    cc(0, 14600, "open"),
    cc(20, 29200, "open"),
    recovery(30, "enter"),
    cc(30, 14600, "recovery"),
    recovery(50, "exit"),
    cc(50, 16000, "open"),
    recovery(60, "enter"),
    cc(70, 1460, "loss"),
  ]);
  const c = r.series.client.cc;
  assert.equal(c.controller, "reno");
  assert.deepEqual([...c.cwnd], [14600, 29200, 14600, 16000, 1460]);
  assert.ok(Number.isNaN(c.ssthresh[0]));
  assert.deepEqual([...c.phase], [0, 0, 1, 0, 2]);
  assert.deepEqual(r.series.client.recovery, [
    { phase: "recovery", reason: "dupacks", from: 30, to: 50 },
    { phase: "recovery", reason: "dupacks", from: 60, to: 70 },
  ]);
  assert.equal(r.series.server.cc.time.length, 0);
});

Deno.test("replayBuffers() lists every column, so postMessage moves them without a copy", () => {
  const r = buildReplay(trace({ bytes: 5000 }));
  const buffers = replayBuffers(r);
  assert.ok(buffers.includes(r.rows.kind.buffer as ArrayBuffer));
  assert.ok(buffers.includes(r.series.client.seq.sent.time.buffer as ArrayBuffer));
  assert.ok(buffers.includes(r.series.server.rtt.rto.buffer as ArrayBuffer));
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(r, buffers);
  assert.equal(r.rows.kind.length, 0); // moved
  port1.close();
  port2.close();
});

Deno.test("buildReplay() of several flows: each flow's window, and the plots follow the first flow", () => {
  const events: TraceEvent[] = [];
  runFlows({
    seed: 1,
    controllers: [() => new Reno(), () => new Reno()],
    bytes: 200_000,
    forward: { delay: 10, rate: 1_250_000, queue: 32 * 1024, mtu: 1500 },
    trace: (e) => events.push(e),
  });
  const r = buildReplay(events);
  assert.equal(r.flows.length, 2);
  assert.notEqual(r.flows[0].endpoint, r.flows[1].endpoint);
  assert.deepEqual([...r.series.client.cc.cwnd], [...r.flows[0].cwnd]);
  assert.deepEqual([...r.series.client.cc.time], [...r.flows[0].time]);
  // The time-sequence graph is the first flow's: 200 000 bytes, its SYN and its FIN.
  assert.equal(r.series.client.seq.acks.value.at(-1), 200_002);
});
