// examples/cc_aimd.ts: loaded as `--cc FILE` loads it, its rules, and a transfer under it.
import assert from "node:assert/strict";
import { controllerFromModule } from "../deno/tcp/controllers.ts";
import type { AckSample } from "../deno/tcp/congestion.ts";
import { runTransfer } from "../deno/link/transfer.ts";
import type { CongestionEvent, TraceEvent } from "../deno/trace/events.ts";
import aimd, { Aimd } from "../examples/cc_aimd.ts";

const MSS = 1000;
const ack = (delivered: number, appLimited = false): AckSample => ({
  now: 0,
  delivered,
  inFlight: 0,
  rtt: null,
  minRtt: null,
  srtt: null,
  appLimited,
  round: 0,
  mss: MSS,
  superSegment: MSS,
  paced: false,
  clockJitter: 0,
});

Deno.test("examples/cc_aimd.ts: its default export passes the --cc FILE check", async () => {
  const module = await import("../examples/cc_aimd.ts");
  const create = controllerFromModule(module.default, "examples/cc_aimd.ts");
  const a = create(), b = create();
  assert.equal(a.name, "aimd");
  assert.notEqual(a, b);
  assert.equal(module.default, aimd);
});

Deno.test("Aimd: slow start adds one segment per ACK, then INCREASE per window", () => {
  const cc = new Aimd(2, 0.5);
  cc.start(MSS, 0);
  assert.equal(cc.cwnd, 10 * MSS);
  cc.onAck(ack(3 * MSS)); // a stretch ACK still adds one segment (RFC 5681 §3.1)
  assert.equal(cc.cwnd, 11 * MSS);
  cc.onAck(ack(MSS, true)); // application-limited: nothing learned
  assert.equal(cc.cwnd, 11 * MSS);
  cc.onCongestion("fast", 20 * MSS, 0);
  cc.onRecoveryEnd(0);
  assert.equal(cc.cwnd, 10 * MSS); // half of the 20 segments in flight
  // A whole window acknowledged, a segment at a time: + 2·MSS²/cwnd each, so a
  // little under 2 segments (each step divides by the window grown so far).
  for (let i = 0; i < 10; i++) cc.onAck(ack(MSS));
  assert.ok(cc.cwnd / MSS > 11.8 && cc.cwnd / MSS < 12, `${cc.cwnd / MSS}`);
});

Deno.test("Aimd: a timeout leaves one segment; idle restarts from at most IW; bad tuning is refused", () => {
  const cc = new Aimd(1, 0.8);
  cc.start(MSS, 0);
  for (let i = 0; i < 30; i++) cc.onAck(ack(MSS));
  cc.onCongestion("rto", 40 * MSS, 0);
  assert.deepEqual([cc.cwnd, cc.ssthresh], [MSS, 32 * MSS]);
  cc.onCongestion("fast", MSS, 0);
  assert.equal(cc.ssthresh, 2 * MSS);
  cc.onRecoveryEnd(0);
  for (let i = 0; i < 200; i++) cc.onAck(ack(MSS));
  cc.onIdle(0);
  assert.equal(cc.cwnd, 10 * MSS);
  assert.throws(() => new Aimd(0), RangeError);
  assert.throws(() => new Aimd(1, 1), RangeError);
});

/** Aimd that counts the sender's calls. */
class Counted extends Aimd {
  static calls = { start: 0, onAck: 0, onCongestion: 0 };
  override start(mss: number, now: number): void {
    Counted.calls.start++;
    super.start(mss, now);
  }
  override onAck(sample: AckSample): void {
    Counted.calls.onAck++;
    super.onAck(sample);
  }
  override onCongestion(...args: Parameters<Aimd["onCongestion"]>): void {
    Counted.calls.onCongestion++;
    super.onCongestion(...args);
  }
}

Deno.test("examples/cc_aimd.ts carries a lossy transfer end to end, driven by the sender", () => {
  const events: TraceEvent[] = [];
  const create = controllerFromModule(() => new Counted(), "examples/cc_aimd.ts");
  const r = runTransfer({
    seed: 7,
    bytes: 300_000,
    forward: { delay: 10, rate: 1_250_000, queue: 32 * 1024, loss: 0.01, mtu: 1500 },
    config: { congestion: create },
    trace: (e) => events.push(e),
  });
  assert.ok(r.ok, r.problems.join("; "));
  assert.ok(r.link.lost > 0, "the seed loses packets");
  // Both ends start a controller; the client's grows on ACKs and backs off on loss.
  assert.equal(Counted.calls.start, 2);
  assert.ok(Counted.calls.onAck > 30, `${Counted.calls.onAck} ACKs`);
  assert.ok(Counted.calls.onCongestion >= 1);
  const cc = events.filter((e): e is CongestionEvent => e.kind === "cc");
  assert.ok(cc.length > 0 && cc.every((e) => e.controller === "aimd"));
  assert.ok(Math.max(...cc.map((e) => e.cwnd)) > 10 * 1460, "the window grew past IW");
  assert.ok(cc.some((e) => e.ssthresh !== null), "a loss set ssthresh");
});
