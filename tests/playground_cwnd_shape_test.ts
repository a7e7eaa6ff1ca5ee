import assert from "node:assert/strict";
import { type CcPoint, cwndShape } from "./playground_cwnd_shape.ts";

const MSS = 1000, RTT = 50;

/** cwnd every 5 ms: slow start up to `peak`, a halving, then one MSS per RTT for `avoidanceMs`. */
function reno(peak: number, avoidanceMs: number): CcPoint[] {
  const out: CcPoint[] = [];
  let t = 0, cwnd = 10 * MSS;
  for (; cwnd < peak; t += 5) {
    out.push({ time: t, cwnd, ssthresh: null, phase: "open" });
    cwnd *= 2 ** (5 / RTT); // doubles each round trip
  }
  const ssthresh = cwnd / 2;
  out.push({ time: t, cwnd: ssthresh, ssthresh, phase: "recovery" });
  for (const start = t; t <= start + avoidanceMs; t += 5) {
    out.push({ time: t, cwnd: ssthresh + ((t - start) / RTT) * MSS, ssthresh, phase: "open" });
  }
  return out;
}

Deno.test("cwndShape() sees slow start double each round trip, then avoidance grow a segment per round trip", () => {
  const shape = cwndShape(reno(200 * MSS, 1000), RTT, MSS);
  assert.equal(shape.doublings, 4);
  assert.ok(shape.rttsPerDoubling.every((r) => Math.abs(r - 1) < 0.15), `${shape.rttsPerDoubling}`);
  assert.ok(Math.abs(shape.avoidance!.segmentsPerRtt - 1) < 0.05);
  assert.ok(Math.abs(shape.avoidance!.halvesRatio - 1) < 0.05);
  assert.ok(Math.abs(shape.avoidance!.rtts - 20) < 0.5);
});

Deno.test("cwndShape() tells a window still growing exponentially after the loss from a line", () => {
  const points = reno(40 * MSS, 0);
  const from = points.at(-1)!;
  for (let t = from.time + 5, cwnd = from.cwnd; t < from.time + 500; t += 5) {
    cwnd *= 2 ** (5 / RTT);
    points.push({ time: t, cwnd, ssthresh: from.ssthresh, phase: "open" });
  }
  const shape = cwndShape(points, RTT, MSS);
  assert.ok(shape.avoidance!.halvesRatio > 10);
});

Deno.test("cwndShape() reports no avoidance without a loss", () => {
  const points: CcPoint[] = [0, 50, 100].map((time, i) => ({
    time,
    cwnd: 10 * MSS * 2 ** i,
    ssthresh: null,
    phase: "open",
  }));
  assert.deepEqual(cwndShape(points, RTT, MSS), {
    doublings: 2,
    rttsPerDoubling: [1, 1],
    avoidance: null,
  });
});
