// The table of built-in controllers, and the check of a controller of one's own.
import assert from "node:assert/strict";
import {
  checkController,
  controllerFactory,
  controllerFromModule,
  CONTROLLERS,
} from "./controllers.ts";
import type { AckSample, CongestionController } from "./congestion.ts";

const MSS = 1000;
const sample = (now: number, delivered: number): AckSample => ({
  now,
  delivered,
  inFlight: 0,
  rtt: 20,
  minRtt: 20,
  srtt: 20,
  appLimited: false,
  round: Math.floor(now / 20),
  mss: MSS,
  superSegment: MSS,
  paced: false,
  clockJitter: 0,
});

/** A connection's life in calls: slow start, a loss, recovery, growth, a timeout. */
function exercise(cc: CongestionController): number[] {
  const seen: number[] = [];
  cc.start(MSS, 0);
  for (let t = 1; t <= 40; t++) cc.onAck(sample(t, 2 * MSS));
  seen.push(cc.cwnd);
  cc.onCongestion("fast", cc.cwnd, 50);
  seen.push(cc.ssthresh);
  cc.onRecoveryEnd(70);
  for (let t = 71; t <= 400; t++) cc.onAck(sample(t, MSS));
  seen.push(cc.cwnd);
  cc.onCongestion("rto", cc.cwnd, 500);
  seen.push(cc.cwnd, cc.ssthresh);
  cc.onIdle(5000);
  return seen;
}

Deno.test("CONTROLLERS lists fixed, reno, newreno and cubic, each with one line and its own name", () => {
  assert.deepEqual(CONTROLLERS.map((c) => c.name), ["fixed", "reno", "newreno", "cubic"]);
  for (const entry of CONTROLLERS) {
    assert.match(entry.description, /^[^\n]{20,100}$/);
    const made = entry.create();
    assert.equal(checkController(made, entry.name), made);
    assert.equal(made.name, entry.name);
    // A fresh controller per connection.
    assert.notEqual(entry.create(), made);
    assert.ok(!exercise(made).some(Number.isNaN), `${entry.name} never computes NaN`);
  }
});

Deno.test("controllerFactory(): newreno has reno's window, cubic a different one, fixed none", () => {
  const reno = exercise(controllerFactory("reno")());
  assert.deepEqual(exercise(controllerFactory("newreno")()), reno);
  assert.notDeepEqual(exercise(controllerFactory("cubic")()), reno);
  const fixed = controllerFactory("fixed")();
  exercise(fixed);
  assert.equal(fixed.cwnd, Infinity);
});

Deno.test("reno and cubic: HyStart++ leaves a slow start after a loss or an idle restart alone (RFC 9406 §4.3)", () => {
  for (const name of ["reno", "cubic"]) {
    const cc = controllerFactory(name)(); // HyStart++ on, as built in
    cc.start(MSS, 0);
    cc.onCongestion("fast", 40 * MSS, 10);
    cc.onRecoveryEnd(20);
    const ssthresh = cc.ssthresh;
    assert.ok(ssthresh > 10 * MSS);
    cc.onIdle(5000);
    assert.equal(cc.cwnd, 10 * MSS);
    // Below ssthresh: slow start, RFC 5681's, up to ssthresh.
    cc.onAck(sample(5020, 2 * MSS));
    assert.equal(cc.cwnd, 12 * MSS, name);
    assert.equal(cc.ssthresh, ssthresh, name);
    cc.onCongestion("rto", 20 * MSS, 6000);
    const afterRto = cc.ssthresh;
    cc.onAck(sample(6020, MSS));
    assert.deepEqual([cc.cwnd, cc.ssthresh], [2 * MSS, afterRto], name);
  }
});

Deno.test("reno and cubic: slow start counts at most two segments per ACK, and with segment offload two super-segments (RFC 3465 §2.2)", () => {
  for (const name of ["reno", "cubic"]) {
    const grown = (superSegment: number) => {
      const cc = controllerFactory(name)();
      cc.start(MSS, 0);
      // One ACK covering a whole 45-MSS super-segment.
      cc.onAck({ ...sample(20, 45 * MSS), superSegment });
      return cc.cwnd - 10 * MSS;
    };
    assert.equal(grown(MSS), 2 * MSS, `${name} without offload: L = 2·SMSS`);
    assert.equal(grown(45 * MSS), 45 * MSS, `${name} with 45-MSS super-segments: all of it`);
    assert.equal(grown(10 * MSS), 20 * MSS, `${name} with 10-MSS super-segments: two of them`);
    // After a timeout, one ACK of a super-segment takes the window to
    // ssthresh and no further (as Linux's tcp_slow_start): the cut stands.
    const cc = controllerFactory(name)();
    cc.start(MSS, 0);
    cc.onCongestion("rto", 40 * MSS, 10);
    assert.equal(cc.cwnd, MSS);
    const ssthresh = cc.ssthresh;
    assert.ok(ssthresh >= 20 * MSS && ssthresh < 40 * MSS, `${name}: ssthresh ${ssthresh}`);
    cc.onAck({ ...sample(20, 45 * MSS), superSegment: 45 * MSS });
    assert.equal(cc.cwnd, ssthresh, `${name} after a timeout`);
    // Just under ssthresh, an ACK still grows it by 2 SMSS (RFC 3465's L), as without offload.
    const near = controllerFactory(name)();
    near.start(MSS, 0);
    near.onCongestion("rto", 40 * MSS, 10);
    for (let t = 30; near.cwnd < near.ssthresh - MSS; t++) near.onAck(sample(t, MSS));
    const before = near.cwnd;
    near.onAck({ ...sample(100, 45 * MSS), superSegment: 45 * MSS });
    assert.equal(near.cwnd, before + 2 * MSS, `${name} just under ssthresh`);
  }
});

Deno.test("controllerFactory() of an unknown name is a RangeError listing the names", () => {
  assert.throws(
    () => controllerFactory("bbr"),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.includes(`unknown congestion controller "bbr"`) &&
      e.message.includes("fixed, reno, newreno, cubic"),
  );
  assert.throws(() => controllerFactory(""), RangeError);
});

class Mine implements CongestionController {
  readonly name = "mine";
  cwnd = 0;
  ssthresh = Infinity;
  start(mss: number): void {
    this.cwnd = 4 * mss;
  }
  onAck(): void {}
  onCongestion(): void {}
  onRecoveryEnd(): void {}
  onIdle(): void {}
}

Deno.test("controllerFromModule() takes a class or a factory, and makes one per call", () => {
  for (
    const exported of [Mine, () => new Mine(), function make() {
      return new Mine();
    }]
  ) {
    const create = controllerFromModule(exported, "mine.ts");
    const a = create(), b = create();
    assert.ok(a instanceof Mine);
    assert.notEqual(a, b);
    a.start(MSS);
    assert.equal(a.cwnd, 4 * MSS);
  }
});

Deno.test("controllerFromModule() rejects what is not a factory, saying why", () => {
  assert.throws(
    () => controllerFromModule(new Mine(), "mine.ts"),
    /^TypeError: mine\.ts: the default export must be a factory function or a class .* got a Mine object \(export a function that returns a new controller/,
  );
  assert.throws(() => controllerFromModule(undefined, "empty.ts"), /got undefined$/);
  assert.throws(
    () => controllerFromModule(() => 42, "n.ts"),
    /from n\.ts must be an object, got the number 42/,
  );
  const boom = new Error("no settings");
  assert.throws(
    () =>
      controllerFromModule(() => {
        throw boom;
      }, "b.ts"),
    (e: unknown) =>
      e instanceof TypeError && e.cause === boom && /b\.ts: .* threw: no settings/.test(e.message),
  );
});

Deno.test("checkController() names every missing method and every field of the wrong type", () => {
  const partial = { name: "", cwnd: NaN, ssthresh: "big", start() {}, onAck() {} };
  assert.throws(
    () => checkController(partial, "p.ts"),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      for (
        const part of [
          "congestion controller from p.ts does not fit the CongestionController interface",
          `its name is the string "", not a non-empty string`,
          "its cwnd is NaN, not a number of bytes",
          `its ssthresh is the string "big"`,
          "it has no onCongestion() method",
          "it has no onRecoveryEnd() method",
          "it has no onIdle() method",
        ]
      ) assert.ok(e.message.includes(part), `missing "${part}" in: ${e.message}`);
      assert.ok(!e.message.includes("start()") && !e.message.includes("onAck()"));
      return true;
    },
  );
  // Getters count as fields; Infinity is a fine ssthresh.
  const ok = new Mine();
  assert.equal(checkController(ok), ok);
  assert.throws(() => checkController(null), /must be an object, got null/);
});
