import assert from "node:assert/strict";
import { presetById, PRESETS } from "./presets.ts";
import { Session } from "./session.ts";
import { ROW } from "./replay.ts";

function run(id: string) {
  const preset = presetById(id);
  assert.ok(preset, id);
  const s = Session.run(preset.query);
  const outcome = s.result.summary ?? s.result.flows!;
  assert.equal(outcome.ok, true, `${id}: ${outcome.problems.join("; ")}`);
  return s.result.replay;
}

/** Each side's states in order. */
function states(id: string, side: "client" | "server"): string[] {
  return run(id).states.filter((s) => s.side === side).map((s) => s.to);
}

Deno.test("PRESETS have unique ids, a title, a query the browser reads and an explanation", () => {
  assert.equal(new Set(PRESETS.map((p) => p.id)).size, PRESETS.length);
  for (const p of PRESETS) {
    assert.ok(p.title && p.explanation.length > 80, p.id);
    assert.doesNotThrow(() => new URLSearchParams(p.query), p.id);
  }
});

Deno.test("the handshake preset: SYN, SYN-ACK, ACK, and each end's states in the RFC's order", () => {
  const r = run("handshake");
  assert.deepEqual(r.arrows.slice(0, 3).map((a) => [a.from, a.flags]), [
    ["client", "SYN"],
    ["server", "SYN,ACK"],
    ["client", "FIN,ACK"], // with no data, the client's ACK of the SYN,ACK carries its FIN
  ]);
  assert.deepEqual(states("handshake", "client").slice(0, 2), ["SYN-SENT", "ESTABLISHED"]);
  assert.deepEqual(states("handshake", "server").slice(0, 3), [
    "LISTEN",
    "SYN-RECEIVED",
    "ESTABLISHED",
  ]);
});

Deno.test("the teardown presets go through each close order's states", () => {
  assert.deepEqual(states("close-client", "client").slice(2), [
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "TIME-WAIT",
    "CLOSED",
  ]);
  assert.deepEqual(states("close-client", "server").slice(3), ["CLOSE-WAIT", "LAST-ACK", "CLOSED"]);
  assert.deepEqual(states("close-server", "server").slice(3), [
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "TIME-WAIT",
    "CLOSED",
  ]);
  assert.deepEqual(states("close-server", "client").slice(2), ["CLOSE-WAIT", "LAST-ACK", "CLOSED"]);
  for (const side of ["client", "server"] as const) {
    assert.deepEqual(states("close-simultaneous", side).slice(-4), [
      "FIN-WAIT-1",
      "CLOSING",
      "TIME-WAIT",
      "CLOSED",
    ]);
  }
});

Deno.test("the TIME-WAIT preset holds TIME-WAIT for 2×MSL", () => {
  const r = run("time-wait");
  const tw = r.states.find((s) => s.to === "TIME-WAIT")!;
  const closed = r.states.find((s) => s.side === tw.side && s.from === "TIME-WAIT")!;
  assert.equal(closed.time - tw.time, 4000);
});

Deno.test("the RTO preset doubles the RTO at each timeout", () => {
  const rto = run("rto").timers.filter((t) => t.timer === "retransmit").map((t) => t.text);
  assert.ok(rto.length >= 3, rto.join("; "));
  assert.match(rto[0], /\(x2\)/);
  assert.match(rto[1], /\(x4\)/);
});

Deno.test("the fast-retransmit preset resends after three duplicate ACKs, without a timeout", () => {
  const r = run("fast-retransmit");
  const episodes = r.series.client.recovery;
  assert.deepEqual(episodes.map((e) => [e.phase, e.reason]), [["recovery", "dupacks"]]);
  assert.ok(!r.timers.some((t) => t.timer === "retransmit"));
  // The retransmission leaves after three ACKs with the same ack=, arrived at the client.
  const rtx = r.arrows.find((a) => a.retransmission && a.from === "client")!;
  const acks = r.arrows.filter((a) =>
    a.from === "server" && a.arriveRow >= 0 && a.arriveRow < rtx.sendRow
  ).map((a) => /ack=(\d+)/.exec(a.label)![1]);
  const last = acks.at(-1)!;
  assert.ok(acks.filter((a) => a === last).length >= 4, acks.join(" ")); // the ACK and 3 duplicates
});

Deno.test("the sliding-window preset never has more in flight than the receive window", () => {
  const f = run("sliding-window").series.client.flight;
  assert.ok(f.inFlight.some((v) => v > 4096));
  f.inFlight.forEach((v, i) => assert.ok(!(v > f.window[i] + 1), `${v} > ${f.window[i]}`));
});

Deno.test("the zero-window preset advertises win=0 and probes on the persist timer", () => {
  const r = run("zero-window");
  assert.ok(r.arrows.some((a) => a.from === "server" && /win=0\b/.test(a.label)));
  assert.ok(r.timers.filter((t) => t.timer === "persist").length >= 2);
});

Deno.test("the simultaneous-open preset takes both ends through SYN-SENT and SYN-RECEIVED", () => {
  for (const side of ["client", "server"] as const) {
    assert.deepEqual(states("simultaneous-open", side).slice(0, 3), [
      "SYN-SENT",
      "SYN-RECEIVED",
      "ESTABLISHED",
    ]);
  }
});

Deno.test("the RST preset answers a late duplicate with an RST after the client has closed", () => {
  const r = run("rst");
  const rst = r.arrows.find((a) => a.flags === "RST")!;
  assert.equal(rst.from, "client");
  const closed = r.states.filter((s) => s.side === "client" && s.to === "CLOSED").at(-1)!;
  assert.ok(rst.sendRow > closed.row);
  assert.equal(r.rows.kind[rst.sendRow], ROW.send);
});

Deno.test("the flows preset shares one bottleneck among three flows, each with its window", () => {
  const s = Session.run(presetById("flows")!.query);
  const flows = s.result.flows!;
  assert.equal(s.result.summary, null);
  assert.deepEqual(flows.flows.map((f) => f.controller), ["reno", "cubic", "cubic"]);
  const shares = flows.flows.map((f) => f.share);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b) - 1) < 1e-9);
  assert.ok(flows.jain > 0.8 && flows.jain <= 1);
  // One window per flow, from its own "cc" events.
  const windows = s.result.replay.flows;
  assert.deepEqual(windows.map((w) => w.controller), ["reno", "cubic", "cubic"]);
  assert.equal(new Set(windows.map((w) => w.endpoint)).size, 3);
  assert.ok(windows.every((w) => w.cwnd.length > 10));
});
