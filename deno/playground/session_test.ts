import assert from "node:assert/strict";
import { Session } from "./session.ts";
import { FieldError } from "./run.ts";
import { readCapture } from "../pcap/reader.ts";

Deno.test("Session.run() gives the same trace hash for the same query and another for another seed", () => {
  const a = Session.run("bytes=8KB&loss=20&seed=4").result.traceSha256;
  assert.equal(Session.run("bytes=8KB&loss=20&seed=4").result.traceSha256, a);
  assert.notEqual(Session.run("bytes=8KB&loss=20&seed=5").result.traceSha256, a);
});

Deno.test("Session.run() takes a browser's sizes, beyond what the server's /playground/run takes", () => {
  // 100 MB is refused by the server's limits and parsed by the browser's.
  assert.throws(
    () =>
      Session.run("bytes=100MB", undefined, { bounds: "query", maxSegments: 1e6, maxPackets: 1e6 }),
    FieldError,
  );
  const progress: number[] = [];
  const s = Session.run("bytes=12MB&delay=5ms", (p) => progress.push(p.events));
  assert.equal(s.result.summary!.ok, true);
  assert.equal(s.result.summary!.server.bytesReceived, 12_000_000);
  // Nothing is cut: the replay has a row per arrow end, and the trace every event.
  const r = s.result.replay;
  assert.equal(
    r.rows.kind.length,
    r.arrows.length * 2 - r.arrows.filter((a) => a.arriveRow < 0).length + r.states.length +
      r.timers.length,
  );
  assert.equal(s.jsonLines().join("").split("\n").length - 1, r.eventCount);
  assert.ok(progress.every((n, i) => i === 0 || n > progress[i - 1]));
});

Deno.test("Session.run() names the bad field", () => {
  assert.throws(
    () => Session.run("loss=lots"),
    (e) => e instanceof FieldError && e.field === "loss",
  );
  assert.throws(
    () => Session.run("bogus=1"),
    (e) => e instanceof FieldError && e.field === "bogus",
  );
});

Deno.test("Session.pcap() and Session.events() give the run's packets and events", () => {
  const s = Session.run("bytes=3000&loss=10&seed=2");
  const capture = readCapture(s.pcap());
  assert.equal(capture.packets.length, s.result.summary!.link.sent);
  const [first, missing] = s.events([0, 1e9]);
  assert.deepEqual(missing, null);
  assert.equal((first as Record<string, unknown>).kind, "state");
  assert.deepEqual(s.events([-1, 0.5]), [null, null]);
});
