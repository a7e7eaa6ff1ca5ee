// CUBIC (RFC 9438), driven ACK by ACK the way the sender drives it.
import assert from "node:assert/strict";
import { Cubic, cubicK, type CubicOptions, cubicWindow } from "./cubic.ts";
import type { AckSample } from "./congestion.ts";

const MSS = 1000;

/** An ACK of `delivered` bytes at `now`, with a 100 ms smoothed RTT unless told. */
function ack(now: number, fields: Partial<AckSample> = {}): AckSample {
  return {
    now,
    delivered: MSS,
    inFlight: 0,
    rtt: null,
    minRtt: null,
    srtt: 100,
    appLimited: false,
    round: 0,
    mss: MSS,
    superSegment: MSS,
    paced: false,
    clockJitter: 0,
    ...fields,
  };
}

/** A started controller, slow-started to `segments` segments (with HyStart++ off). */
function grown(segments: number, options: CubicOptions = {}): Cubic {
  const cubic = new Cubic({ hystart: false, ...options });
  cubic.start(MSS, 0);
  while (cubic.cwnd < segments * MSS) {
    cubic.onAck(ack(0, { delivered: Math.min(2 * MSS, segments * MSS - cubic.cwnd) }));
  }
  assert.equal(cubic.cwnd, segments * MSS);
  return cubic;
}

/** A loss at `segments` segments (all in flight), with recovery over by `now`. */
function afterLoss(segments: number, now: number, options: CubicOptions = {}): Cubic {
  const cubic = grown(segments, options);
  cubic.onCongestion("fast", segments * MSS, now);
  cubic.onRecoveryEnd(now);
  return cubic;
}

/**
 * ACKs one window's worth of MSS-sized segments per `rtt` ms, spread evenly
 * over each round trip, in whole round trips from `from` until `to` (ms).
 * Returns when the next round trip would begin, and the last ACK's time.
 */
function ackFor(cubic: Cubic, from: number, to: number, rtt: number): [number, number] {
  let now = from, last = from;
  while (now < to) {
    const segments = Math.max(1, Math.floor(cubic.cwnd / MSS));
    for (let i = 0; i < segments; i++) {
      last = now + i * rtt / segments;
      cubic.onAck(ack(last, { srtt: rtt }));
    }
    now += rtt;
  }
  return [now, last];
}

Deno.test("cubicK() and cubicWindow() are RFC 9438 eq. 2 and eq. 1", () => {
  // K = ∛((W_max − cwnd_epoch)/C): from 70 back to 100 segments takes ∛(30/0.4) = ∛75 s.
  assert.equal(cubicK(100, 70), Math.cbrt(75));
  // W_cubic(0) = cwnd_epoch, W_cubic(K) = W_max; C scales the curve.
  assert.ok(Math.abs(cubicWindow(0, cubicK(100, 70), 100) - 70) < 1e-9);
  assert.equal(cubicWindow(2, 0, 10, 1), 18); // 1·2³ + 10
  // A stage that begins above W_max has a negative K and still starts at cwnd_epoch.
  assert.ok(cubicK(100, 120) < 0);
  assert.ok(Math.abs(cubicWindow(0, cubicK(100, 120), 100) - 120) < 1e-9);
});

Deno.test("Cubic.start() sets RFC 6928's initial window; ssthresh is infinite", () => {
  const cubic = new Cubic();
  cubic.start(1460, 0);
  assert.equal(cubic.cwnd, 14600);
  assert.equal(cubic.ssthresh, Infinity);
  assert.equal(cubic.name, "cubic");
  assert.throws(() => new Cubic().start(0, 0), RangeError);
});

Deno.test("Cubic: a loss sets ssthresh = 0.7·FlightSize, at least 2·SMSS (RFC 9438 §4.6)", () => {
  const cubic = grown(100);
  cubic.onCongestion("fast", 80 * MSS, 1000);
  assert.equal(cubic.ssthresh, 56 * MSS); // 0.7 · 80
  // PRR (the sender's) runs the window through recovery; CUBIC takes over at its end.
  assert.equal(cubic.cwnd, 100 * MSS);
  cubic.onRecoveryEnd(1100);
  assert.equal(cubic.cwnd, 56 * MSS);

  const small = grown(10);
  small.onCongestion("fast", 2 * MSS, 0);
  assert.equal(small.ssthresh, 2 * MSS); // 0.7 · 2 = 1.4, raised to 2
});

Deno.test("Cubic: the first ACKs after a loss follow W_cubic(t + RTT), by hand (RFC 9438 §4.2)", () => {
  const cubic = afterLoss(100, 0); // W_max = 100 segments, cwnd = 70
  assert.equal(cubic.wMax, 100 * MSS);
  // The stage begins at the first ACK in congestion avoidance, t_epoch = 1000 ms.
  cubic.onAck(ack(1000));
  // K = ∛((100 − 70)/0.4) = ∛75 = 4.21716 s.
  assert.ok(Math.abs(cubic.k - 4.21716) < 1e-5);
  // At t = 0 the curve is at cwnd_epoch and W_est = 70 + (0.52941·1000/70000) segments
  // is just above it: the Reno estimate leads for this one ACK (§4.3).
  const alpha = 3 * (1 - 0.7) / (1 + 0.7); // 0.52941
  const wEst0 = 70_000 + alpha * MSS * MSS / 70_000; // 70007.563 bytes
  assert.ok(Math.abs(cubic.cwnd - wEst0) < 1e-6);
  assert.equal(cubic.region, "reno-friendly");

  // One second later (t = 1 s, RTT = 0.1 s):
  //   W_cubic(1)   = 0.4·(1 − 4.21716)³ + 100   = 86.681 segments, ahead of W_est;
  //   target       = W_cubic(1.1) = 0.4·(1.1 − 4.21716)³ + 100 = 87.884 segments;
  //   cwnd        += (target − cwnd)/cwnd · 1000 bytes = 255.35 bytes.
  cubic.onAck(ack(2000));
  const k = Math.cbrt(75);
  const target = (0.4 * (1.1 - k) ** 3 + 100) * MSS;
  assert.ok(Math.abs(target - 87_884) < 1);
  const expected = wEst0 + (target - wEst0) / wEst0 * MSS;
  assert.ok(Math.abs(expected - 70_262.9) < 0.1);
  assert.ok(Math.abs(cubic.cwnd - expected) < 1e-6);
  assert.equal(cubic.region, "concave");
});

Deno.test("Cubic: the window tracks the curve through the concave and convex regions", () => {
  // A loss at W_max = 1000 segments: K = ∛((1000 − 700)/0.4) = ∛750 = 9.0856 s. With
  // 100 ms round trips the Reno estimate (+0.53 segments per RTT) stays far behind.
  const cubic = afterLoss(1000, 0);
  const rtt = 100;
  const k = Math.cbrt(750);
  const curve = (t: number) => 0.4 * (t - k) ** 3 + 1000; // segments
  // Hand values: W(3) = 909.85, W(6) = 988.25, W(K) = 1000, W(12) = 1009.90.
  const checkpoints: [number, number, string | null][] = [
    [3, 909.85, "concave"],
    [6, 988.25, "concave"],
    [k, 1000, null], // the plateau: the window meets W_max from below
    [12, 1009.9, "convex"],
  ];
  let now = 0;
  for (const [t, value, region] of checkpoints) {
    assert.ok(Math.abs(curve(t) - value) < 0.01, `W(${t}) = ${curve(t)}`);
    const [next, last] = ackFor(cubic, now, t * 1000, rtt);
    now = next;
    const w = cubic.cwnd / MSS, tl = last / 1000;
    // The window aims one RTT ahead and never passes its target, W(t + RTT);
    // ACK by ACK it stays within half a segment of the curve.
    assert.ok(w <= curve(tl + rtt / 1000), `t = ${tl} s: cwnd ${w} passed the target`);
    assert.ok(Math.abs(w - curve(tl)) < 0.5, `t = ${tl} s: cwnd ${w}, curve ${curve(tl)}`);
    assert.ok(Math.abs(w - value) < 0.5, `near t = ${t.toFixed(3)} s: ${w} vs ${value}`);
    if (region === null) assert.ok(Math.abs(w - 1000) < 0.01, `at K cwnd is ${w}`);
    else assert.equal(cubic.region, region, `region at t = ${t}`);
  }
  assert.ok(cubic.wEst / MSS < 800, `W_est ${cubic.wEst / MSS} stays behind`);
});

Deno.test("Cubic: the target is clamped to 1.5·cwnd, and one ACK never passes it (RFC 9438 §4.2)", () => {
  const cubic = afterLoss(100, 0);
  cubic.onAck(ack(0)); // the stage begins; cwnd ≈ 70 segments
  const before = cubic.cwnd;
  // 30 s later the curve is thousands of segments up: target = 1.5·cwnd.
  cubic.onAck(ack(30_000));
  assert.ok(Math.abs(cubic.cwnd - (before + 0.5 * before * MSS / before)) < 1e-6);
  // A stretch ACK of a whole window would add (target − cwnd): capped at target.
  const atStretch = cubic.cwnd;
  cubic.onAck(ack(30_001, { delivered: 200 * MSS }));
  assert.ok(Math.abs(cubic.cwnd - 1.5 * atStretch) < 1e-6);
});

Deno.test("Cubic: the Reno-friendly region dominates at a small RTT and window (RFC 9438 §4.3)", () => {
  // W_max = 20 segments, cwnd = 14, 10 ms round trips: K = ∛(6/0.4) = 2.466 s,
  // W_cubic(1 s) = 0.4·(1 − 2.466)³ + 20 = 18.74 segments. Reno, meanwhile,
  // gains 0.53 segments per RTT (α_cubic) until it passes cwnd_prior = 20,
  // then 1 per RTT: after 100 RTTs it is near 108.
  const cubic = afterLoss(20, 0);
  const rtt = 10;
  let [now] = ackFor(cubic, 0, rtt, rtt); // one round trip: 14 ACKs
  assert.ok(Math.abs(cubic.cwnd / MSS - 14.52) < 0.01, `first RTT: ${cubic.cwnd / MSS}`);
  assert.equal(cubic.region, "reno-friendly");
  [now] = ackFor(cubic, now, 900, rtt);
  const at900 = cubic.cwnd;
  ackFor(cubic, now, 1000, rtt);
  // α = 1 once W_est ≥ cwnd_prior: ten round trips add ten segments.
  assert.ok(Math.abs((cubic.cwnd - at900) / MSS - 10) < 0.5, `${(cubic.cwnd - at900) / MSS}`);
  const curve = 0.4 * (1 - Math.cbrt(15)) ** 3 + 20;
  assert.ok(Math.abs(curve - 18.74) < 0.01);
  assert.equal(cubic.region, "reno-friendly");
  assert.equal(cubic.cwnd, cubic.wEst);
  assert.ok(cubic.cwnd / MSS > 100 && cubic.cwnd / MSS < 112, `${cubic.cwnd / MSS}`);
});

Deno.test("Cubic: fast convergence lowers W_max when a loss comes below the last one (§4.7)", () => {
  for (const fastConvergence of [true, false]) {
    const cubic = afterLoss(100, 0, { fastConvergence });
    assert.equal(cubic.wMax, 100 * MSS);
    // The next loss at cwnd = 70 segments, below W_max = 100: the path's share shrank.
    cubic.onCongestion("fast", 70 * MSS, 1000);
    assert.equal(cubic.wMax, fastConvergence ? 70 * MSS * 1.7 / 2 : 70 * MSS); // 59.5 or 70
    assert.equal(cubic.ssthresh, 49 * MSS);
    // A loss above W_max remembers the window as it was.
    const above = afterLoss(100, 0, { fastConvergence });
    above.onCongestion("fast", 70 * MSS, 1000); // W_max now ≤ 70 segments
    above.onRecoveryEnd(1000);
    ackFor(above, 1000, 60_000, 100); // well past the plateau
    const cwnd = above.cwnd;
    above.onCongestion("fast", cwnd, 60_000);
    assert.equal(above.wMax, cwnd);
  }
});

Deno.test("Cubic: a timeout leaves one segment, ssthresh = 0.7·FlightSize, and a curve from K = 0 (§4.8)", () => {
  const cubic = grown(100);
  cubic.onCongestion("rto", 100 * MSS, 5000);
  assert.equal(cubic.cwnd, MSS); // RFC 5681's loss window
  assert.equal(cubic.ssthresh, 70 * MSS);
  // Slow start back to ssthresh.
  let now = 5000;
  while (cubic.cwnd < cubic.ssthresh) cubic.onAck(ack(now += 10, { delivered: 2 * MSS }));
  assert.equal(cubic.region, "slow start");
  const epochCwnd = cubic.cwnd;
  // The first congestion-avoidance stage after it: K = 0 and W_max = cwnd_epoch,
  // W_est = cwnd_epoch.
  cubic.onAck(ack(now, { delivered: 0 }));
  assert.equal(cubic.k, 0);
  assert.equal(cubic.wMax, epochCwnd);
  assert.equal(cubic.wEst, epochCwnd);
  // From there the curve is convex at once: W(1 s) = W_max + 0.4 segments.
  cubic.onAck(ack(now + 1000));
  assert.equal(cubic.region, "convex");
  assert.ok(cubic.cwnd > epochCwnd && cubic.cwnd <= epochCwnd + 0.4 * 1.1 ** 3 * MSS);
});

Deno.test("Cubic: application-limited ACKs grow nothing, and their time is not in t (§5.8)", () => {
  // Slow start: an app-limited ACK leaves the window alone.
  const starting = new Cubic({ hystart: false });
  starting.start(MSS, 0);
  starting.onAck(ack(10, { appLimited: true, delivered: 2 * MSS }));
  assert.equal(starting.cwnd, 10 * MSS);

  // Congestion avoidance: two twins, one of which spends 10 s application-limited.
  const busy = afterLoss(100, 0), idle = afterLoss(100, 0);
  busy.onAck(ack(0));
  idle.onAck(ack(0));
  const cwnd = idle.cwnd;
  for (let now = 100; now <= 10_000; now += 100) {
    idle.onAck(ack(now, { appLimited: true }));
  }
  assert.equal(idle.cwnd, cwnd);
  // Then both see the same ACK 100 ms into their own stage's curve: the busy
  // one at 100 ms, the other 100 ms plus the 10.9 s it had nothing to send.
  busy.onAck(ack(100));
  idle.onAck(ack(11_000));
  assert.ok(Math.abs(idle.cwnd - busy.cwnd) < 1e-6, `${idle.cwnd} vs ${busy.cwnd}`);
});

Deno.test("Cubic: restart after idle is min(IW, cwnd) (RFC 5681 §4.1) and a new stage", () => {
  const cubic = afterLoss(100, 0);
  ackFor(cubic, 0, 2000, 100);
  cubic.onIdle(60_000);
  assert.equal(cubic.cwnd, 10 * MSS);
  // Below ssthresh again: slow start.
  cubic.onAck(ack(60_100, { delivered: 2 * MSS }));
  assert.equal(cubic.cwnd, 12 * MSS);
  assert.equal(cubic.region, "slow start");
});

Deno.test("Cubic: leaving slow start by HyStart++ sets ssthresh = cwnd and K = 0 (§4.10)", () => {
  const cubic = new Cubic();
  cubic.start(MSS, 0);
  // RFC 9406: a round whose smallest RTT grew by more than max(4, min(20/8, 16)) ms
  // enters CSS; five CSS rounds later slow start is over.
  let now = 0;
  for (let round = 1; round <= 7 && cubic.ssthresh === Infinity; round++) {
    const rtt = round === 1 ? 20 : 30;
    for (let i = 0; i < 8 && cubic.ssthresh === Infinity; i++) {
      cubic.onAck(ack(now += 1, { round, rtt, srtt: rtt }));
    }
  }
  assert.equal(cubic.ssthresh, cubic.cwnd);
  const epochCwnd = cubic.cwnd;
  cubic.onAck(ack(now += 1, { round: 8, delivered: 0 }));
  assert.equal(cubic.k, 0);
  assert.equal(cubic.wMax, epochCwnd);
});

Deno.test("Cubic.undo() restores the state before a spurious loss (RFC 9438 §4.9.2)", () => {
  const cubic = afterLoss(100, 0);
  ackFor(cubic, 0, 3000, 100);
  const [cwnd, wMax, k] = [cubic.cwnd, cubic.wMax, cubic.k];
  cubic.onCongestion("fast", cwnd, 3000);
  cubic.onRecoveryEnd(3100);
  assert.ok(cubic.cwnd < cwnd);
  assert.equal(cubic.undo(3200), true);
  assert.deepEqual([cubic.cwnd, cubic.wMax, cubic.k, cubic.ssthresh], [cwnd, wMax, k, 70 * MSS]);
  // Only once, and never after a timeout.
  assert.equal(cubic.undo(3300), false);
  cubic.onCongestion("rto", cwnd, 4000);
  assert.equal(cubic.undo(4100), false);
  assert.equal(cubic.cwnd, MSS);
});

Deno.test("new Cubic() rejects a C or beta out of range", () => {
  assert.throws(() => new Cubic({ c: 0 }), RangeError);
  assert.throws(() => new Cubic({ beta: 1 }), RangeError);
  assert.throws(() => new Cubic({ beta: NaN }), /beta must be between 0 and 1/);
});
