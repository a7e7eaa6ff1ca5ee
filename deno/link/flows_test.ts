// Several flows through one bottleneck (runFlows) and Jain's index.
import assert from "node:assert/strict";
import { jainIndex, runFlows } from "./flows.ts";
import { Reno } from "../tcp/reno.ts";
import { Cubic } from "../tcp/cubic.ts";

/** 10 Mbit/s, 20 ms RTT, a 64 KiB queue. */
const PATH = { delay: 10, rate: 1_250_000, queue: 64 * 1024 };

Deno.test("jainIndex() is 1 for equal shares, 1/n when one flow takes all, 1 for none", () => {
  assert.equal(jainIndex([3, 3, 3]), 1);
  assert.equal(jainIndex([9, 0, 0]), 1 / 3);
  assert.equal(jainIndex([0, 0]), 1);
  assert.ok(Math.abs(jainIndex([1, 3]) - 16 / 20) < 1e-12);
});

Deno.test("runFlows() with bytes: every flow delivers them, and a later flow's goodput counts from its own start", () => {
  // The second flow starts after the first has finished, so each has the path
  // to itself: the same transfer, the same goodput.
  const r = runFlows({
    seed: 3,
    controllers: [() => new Reno(), () => new Reno()],
    bytes: 200_000,
    stagger: 2000,
    forward: PATH,
  });
  assert.equal(r.ok, true, r.problems.join("; "));
  assert.deepEqual(r.flows.map((f) => f.bytes), [200_000, 200_000]);
  const [a, b] = r.flows;
  assert.ok(a.doneTime! < 2000 && b.doneTime! > 2000);
  assert.ok(Math.abs(a.goodput - b.goodput) / a.goodput < 0.02, `${a.goodput} vs ${b.goodput}`);
  assert.ok(r.jain > 0.999);
});

Deno.test("runFlows() with a duration measures what each flow delivered after the warmup", () => {
  const r = runFlows({
    seed: 1,
    controllers: [() => new Cubic(), () => new Reno()],
    duration: 3000,
    warmup: 1000,
    forward: PATH,
  });
  assert.equal(r.ok, true, r.problems.join("; "));
  assert.deepEqual(r.flows.map((f) => f.controller), ["cubic", "reno"]);
  const total = r.flows.reduce((sum, f) => sum + f.goodput, 0);
  // Together they fill the 1.25 MB/s link over the two measured seconds.
  assert.ok(total > 0.9 * 1_250_000 && total <= 1_250_000, `${total}`);
  for (const f of r.flows) assert.ok(Math.abs(f.goodput - f.bytes / 2) < 1e-6);
  assert.ok(Math.abs(r.flows[0].share + r.flows[1].share - 1) < 1e-12);
  assert.equal(r.jain, jainIndex(r.flows.map((f) => f.goodput)));
});

Deno.test("runFlows() rejects no flows, nothing to send, and a warmup past the duration", () => {
  const reno = () => new Reno();
  assert.throws(() => runFlows({ seed: 1, controllers: [], bytes: 1 }), RangeError);
  assert.throws(() => runFlows({ seed: 1, controllers: [reno] }), RangeError);
  assert.throws(
    () => runFlows({ seed: 1, controllers: [reno], duration: 1000, warmup: 1000 }),
    RangeError,
  );
  assert.throws(() => runFlows({ seed: 1, controllers: [reno], bytes: 1.5 }), RangeError);
});
