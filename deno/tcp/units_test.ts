// RFC 6298 estimator, RFC 6528 ISNs, the buffers and the fixed window.
import assert from "node:assert/strict";
import { RttEstimator } from "./rtt.ts";
import { rfc6528Isn } from "./isn.ts";
import { ByteRing, RingReceiveBuffer } from "./buffers.ts";
import { CoreReceiveBuffer, MAX_CORE_BUFFER } from "./core_buffer.ts";
import { type AckSample, FixedWindow } from "./congestion.ts";
import { HyStart } from "./hystart.ts";
import { inetAddr } from "../wire/inet_addr.ts";

Deno.test("RttEstimator: the first sample sets SRTT = R, RTTVAR = R/2 (RFC 6298 §2.2)", () => {
  const r = new RttEstimator({ initialRto: 1000, minRto: 1, maxRto: 60_000 });
  assert.equal(r.rto, 1000);
  r.sample(400);
  assert.deepEqual([r.srtt, r.rttvar, r.rto], [400, 200, 1200]);
});

Deno.test("RttEstimator: later samples use alpha 1/8 and beta 1/4 (RFC 6298 §2.3)", () => {
  const r = new RttEstimator({ initialRto: 1000, minRto: 1, maxRto: 60_000 });
  r.sample(400);
  r.sample(200);
  assert.equal(r.rttvar, 0.75 * 200 + 0.25 * 200);
  assert.equal(r.srtt, 0.875 * 400 + 0.125 * 200);
  assert.equal(r.rto, r.srtt! + 4 * r.rttvar!);
});

Deno.test("RttEstimator: the RTO is clamped to the minimum and the maximum", () => {
  const r = new RttEstimator({ initialRto: 1000, minRto: 200, maxRto: 3000 });
  r.sample(1);
  assert.equal(r.rto, 200);
  r.sample(5000);
  assert.equal(r.rto, 3000);
});

Deno.test("RttEstimator: backoff() doubles up to the maximum; a sample clears it", () => {
  const r = new RttEstimator({ initialRto: 1000, minRto: 200, maxRto: 5000 });
  r.backoff();
  r.backoff();
  assert.equal(r.rto, 4000);
  r.backoff();
  assert.equal(r.rto, 5000);
  r.sample(100);
  assert.equal(r.backoffs, 0);
});

Deno.test("RttEstimator: bad samples and limits are RangeErrors", () => {
  assert.throws(() => new RttEstimator().sample(-1), RangeError);
  assert.throws(() => new RttEstimator().sample(NaN), RangeError);
  assert.throws(() => new RttEstimator({ initialRto: 0, minRto: 1, maxRto: 2 }), RangeError);
});

Deno.test("rfc6528Isn(): the key changes the ISN, the 4-tuple changes the ISN", () => {
  const a = inetAddr("10.0.0.1", 1), b = inetAddr("10.0.0.2", 2);
  const k1 = rfc6528Isn(new Uint8Array(16).fill(1)), k2 = rfc6528Isn(new Uint8Array(16).fill(2));
  assert.notEqual(k1(a, b, 0), k2(a, b, 0));
  assert.notEqual(k1(a, b, 0), k1(a, { ...b, port: 3 }, 0));
  assert.equal(k1(a, b, 0), k1(a, b, 0));
});

Deno.test("rfc6528Isn(): the clock ticks every 4 microseconds and wraps", () => {
  const isn = rfc6528Isn(new Uint8Array(16));
  const a = inetAddr("1.1.1.1", 1), b = inetAddr("2.2.2.2", 2);
  assert.equal((isn(a, b, 4) - isn(a, b, 0)) >>> 0, 1000);
  assert.ok(isn(a, b, 2 ** 40) <= 0xffffffff);
});

Deno.test("rfc6528Isn(): a short or non-byte key is rejected", () => {
  assert.throws(() => rfc6528Isn(new Uint8Array(8)), RangeError);
  assert.throws(() => rfc6528Isn("secret" as never), TypeError);
});

Deno.test("ByteRing: push, copy across the wrap, drop", () => {
  const r = new ByteRing(5);
  assert.equal(r.push(new Uint8Array([1, 2, 3, 4])), 4);
  r.drop(3);
  assert.equal(r.push(new Uint8Array([5, 6, 7, 8])), 4);
  assert.deepEqual(r.copy(0, 5), new Uint8Array([4, 5, 6, 7, 8]));
  assert.equal(r.push(new Uint8Array([9])), 0);
  assert.throws(() => new ByteRing(0), RangeError);
});

const buffers = [
  ["RingReceiveBuffer", (n: number) => new RingReceiveBuffer(n)],
  ["CoreReceiveBuffer", (n: number) => new CoreReceiveBuffer(n)],
] as const;

for (const [name, make] of buffers) {
  Deno.test(`${name}: overlapping and duplicate out-of-order pieces merge`, () => {
    const rx = make(10);
    assert.equal(rx.insert(5, new Uint8Array([6, 7])), 0);
    assert.equal(rx.insert(3, new Uint8Array([4, 5, 6])), 0);
    assert.equal(rx.insert(5, new Uint8Array([6, 7])), 0);
    assert.ok(rx.hasGaps);
    assert.equal(rx.insert(0, new Uint8Array([1, 2, 3])), 7);
    assert.ok(!rx.hasGaps);
    assert.deepEqual(rx.read(100), new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
  });

  Deno.test(`${name}: bytes beyond the capacity are cut off, reading makes room`, () => {
    const rx = make(4);
    assert.equal(rx.insert(0, new Uint8Array([1, 2, 3, 4, 5, 6])), 4);
    assert.equal(rx.insert(0, new Uint8Array([9])), 0);
    assert.deepEqual(rx.read(2), new Uint8Array([1, 2]));
    assert.equal(rx.insert(0, new Uint8Array([5, 6, 7])), 2);
    assert.deepEqual(rx.read(9), new Uint8Array([3, 4, 5, 6]));
  });

  Deno.test(`${name}: readInto() fills the caller's buffer, a short one takes a prefix`, () => {
    const rx = make(8);
    rx.insert(0, new Uint8Array([1, 2, 3, 4, 5]));
    const into = new Uint8Array(3);
    assert.equal(rx.readInto(into), 3);
    assert.deepEqual(into, new Uint8Array([1, 2, 3]));
    assert.equal(rx.readInto(new Uint8Array(0)), 0);
    const rest = new Uint8Array(10);
    assert.equal(rx.readInto(rest), 2);
    assert.deepEqual(rest.subarray(0, 2), new Uint8Array([4, 5]));
    assert.equal(rx.readable, 0);
    assert.equal(rx.readInto(rest), 0);
  });

  Deno.test(`${name}: a long stream wraps the buffer many times intact`, () => {
    const rx = make(1000);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      const piece = Array.from({ length: 300 }, (_, i) => (next + i) & 0xff);
      // the second half first, then the first half
      rx.insert(150, new Uint8Array(piece.slice(150)));
      assert.equal(rx.insert(0, new Uint8Array(piece.slice(0, 150))), 300);
      next += 300;
      out.push(...rx.read(1000));
    }
    assert.equal(out.length, 15_000);
    assert.ok(out.every((b, i) => b === (i & 0xff)));
  });
}

Deno.test("CoreReceiveBuffer: the capacity limit is the core's 2^28, named in the error", () => {
  assert.equal(MAX_CORE_BUFFER, 2 ** 28);
  for (const bad of [0, 1.5, MAX_CORE_BUFFER + 1, 2 ** 30]) {
    assert.throws(
      () => new CoreReceiveBuffer(bad),
      (e: unknown) =>
        e instanceof RangeError && /1 to 2\^28 \(268435456\)/.test(e.message) &&
        e.message.includes(String(bad)),
    );
  }
});

Deno.test("FixedWindow: a constant window, rejecting non-positive sizes", () => {
  const w = new FixedWindow(1000);
  w.start(1460, 0);
  w.onCongestion("rto", 1000, 0);
  w.onAck({
    now: 1,
    delivered: 500,
    inFlight: 0,
    rtt: 10,
    minRtt: 10,
    srtt: 10,
    appLimited: false,
    round: 1,
    mss: 1460,
    superSegment: 1460,
    paced: false,
    clockJitter: 0,
  });
  assert.equal(w.cwnd, 1000);
  assert.equal(new FixedWindow().cwnd, Infinity);
  assert.throws(() => new FixedWindow(0), RangeError);
});

Deno.test("ByteRing grows its memory as bytes arrive, keeping their order across the wrap", () => {
  const ring = new ByteRing(1 << 20);
  const data = new Uint8Array(200_000).map((_, i) => i * 7);
  // Fill part, drop from the head, fill again so the bytes wrap before the ring grows.
  assert.equal(ring.push(data.subarray(0, 60_000)), 60_000);
  ring.drop(50_000);
  assert.equal(ring.push(data.subarray(60_000, 200_000)), 140_000);
  assert.equal(ring.length, 150_000);
  assert.deepEqual(ring.copy(0, 150_000), data.subarray(50_000, 200_000));
  assert.equal(ring.free, (1 << 20) - 150_000);
  // It never holds more than its capacity.
  const small = new ByteRing(100);
  assert.equal(small.push(data), 100);
  assert.equal(small.free, 0);
});

Deno.test("HyStart: CSS falls back to slow start when a round's RTT drops below the baseline, and ends slow start after five rounds (RFC 9406 §4.2)", () => {
  const ack = (h: HyStart, round: number, rtt: number) =>
    h.onAck({
      now: 0,
      delivered: 1000,
      inFlight: 0,
      rtt,
      minRtt: 20,
      srtt: 20,
      appLimited: false,
      round,
      mss: 1000,
      superSegment: 1000,
      paced: false,
      clockJitter: 0,
    });
  // Round 2's RTT grew by 10 ms (more than max(4, 20/8)): CSS, growth divided by 4.
  const enter = (h: HyStart) => {
    for (let i = 0; i < 8; i++) ack(h, 1, 20);
    for (let i = 0; i < 8; i++) ack(h, 2, 30);
    assert.equal(h.phase, "css");
  };
  const falls = new HyStart({ ackTrain: false });
  enter(falls);
  // Round 3 measures 25 ms, below CSS's 30 ms baseline, once it has 8 samples.
  for (let i = 0; i < 7; i++) assert.equal(ack(falls, 3, 25), 4);
  assert.equal(ack(falls, 3, 25), 1);
  assert.equal(falls.phase, "slow start");
  const stays = new HyStart({ ackTrain: false });
  enter(stays);
  for (let round = 3; round <= 6; round++) {
    for (let i = 0; i < 8; i++) assert.equal(ack(stays, round, 30), 4);
  }
  // The fifth round after CSS began: slow start is over.
  assert.equal(ack(stays, 7, 30), 1);
  assert.equal(stays.done, true);
});

/** An ACK on a 20 ms path, for HyStart's ACK-train rule. */
function trainSample(now: number, round: number, paced = false, clockJitter = 0): AckSample {
  return {
    now,
    delivered: 1000,
    inFlight: 0,
    rtt: 20,
    minRtt: 20,
    srtt: 20,
    appLimited: false,
    round,
    mss: 1000,
    superSegment: 1000,
    paced,
    clockJitter,
  };
}

Deno.test("HyStart: an unpaced round whose ACKs come back to back for half an RTT ends slow start; a gap breaks the train", () => {
  const sample = trainSample;
  // Back to back every millisecond from the round's start: done after 10 ms.
  const train = new HyStart();
  for (let t = 0; t <= 10; t++) train.onAck(sample(100 + t, 1));
  assert.equal(train.phase, "slow start");
  train.onAck(sample(111, 1));
  assert.equal(train.done, true);
  // A 5 ms gap ends the train for the rest of the round.
  const broken = new HyStart();
  broken.onAck(sample(100, 1));
  for (let t = 105; t <= 130; t++) broken.onAck(sample(t, 1));
  assert.equal(broken.done, false);
  // A paced sender waits out half of every round: only a round still busy a
  // whole min RTT after it began ends slow start.
  const paced = new HyStart();
  paced.onAck(sample(100, 1, true));
  for (let t = 105; t <= 120; t++) paced.onAck(sample(t, 1, true));
  assert.equal(paced.done, false);
  paced.onAck(sample(121, 1, true));
  assert.equal(paced.done, true);
});

Deno.test("HyStart: a paced round must outlast the min RTT by the clock's jitter to end slow start", () => {
  // A real-time link's timers fire up to 6 ms late: a 20 ms path's round
  // lasting 24 ms is that lateness, not a queue; one lasting 27 ms is a queue.
  const sample = (now: number) => trainSample(now, 1, true, 6);
  const h = new HyStart();
  for (let t = 0; t <= 24; t++) h.onAck(sample(100 + t));
  assert.equal(h.done, false);
  for (let t = 25; t <= 27; t++) h.onAck(sample(100 + t));
  assert.equal(h.done, true);
});
