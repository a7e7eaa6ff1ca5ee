import assert from "node:assert/strict";
import {
  type BufferOwner,
  bufferOwner,
  type Fate,
  LinkImpairer,
  type Passed,
  recordDrop,
  recordFate,
  zeroCounts,
} from "./_impair.ts";
import { type Impairments, impairments } from "./impairments.ts";
import { Random } from "./random.ts";
import { encodeSegment } from "./packet.ts";
import { ImpairedPath, type PathPacket } from "./_path.ts";
import { tcpRepr } from "../wire/tcp.ts";
import type { TraceEvent } from "../tcp/events.ts";

const impairer = (given: Partial<Impairments>) => new LinkImpairer(impairments(given));

const counts = zeroCounts;

function passed(fate: Fate) {
  assert.equal(fate.drop, false, "the packet was dropped");
  return fate as Passed;
}

const SEG = {
  src: "10.0.0.1",
  dst: "10.0.0.2",
  repr: tcpRepr({ srcPort: 1, dstPort: 2, seq: 7, payload: new Uint8Array(20) }),
};

Deno.test("LinkImpairer.decide(): with a rate limit and jitter, no packet arrives before it departs", () => {
  // 1000-byte packets at 1 MB/s leave 1 ms apart; ±5 ms of jitter around a
  // 1 ms delay would put many of them before their departure.
  const link = impairer({ rate: 1e6, queue: 100_000, delay: 1, jitter: 5 });
  const random = new Random(3);
  let early = 0;
  for (let i = 0; i < 50; i++) {
    const fate = passed(link.decide(1000, 0, random));
    assert.equal(fate.depart, i + 1, `packet ${i} departs when the ones before it have left`);
    assert.ok(
      fate.arrive >= fate.depart,
      `packet ${i} arrives at ${fate.arrive}, before it departs`,
    );
    if (fate.arrive === fate.depart) early++;
  }
  assert.ok(early > 0, "no jitter draw fell below the departure time: the test proves nothing");
});

Deno.test("LinkImpairer.decide(): a full rate queue drops the packet into queueDrops", () => {
  const link = impairer({ rate: 1000, queue: 2500, mtu: 1000 });
  const random = new Random(1);
  assert.equal(passed(link.decide(1000, 0, random)).depart, 1000);
  assert.equal(passed(link.decide(1000, 0, random)).depart, 2000);
  // 2000 bytes wait (2 s at 1000 bytes/s): 1000 more would exceed 2500.
  assert.deepEqual(link.decide(1000, 0, random), {
    drop: true,
    counter: "queueDrops",
    reason: "queue full",
  });
  // Once the queue has drained, packets pass again.
  assert.equal(passed(link.decide(1000, 1500, random)).depart, 3000);
});

Deno.test("LinkImpairer.decide(): a packet over the MTU is dropped without drawing a random number", () => {
  const random = new Random(5), twin = new Random(5);
  const fate = impairer({ mtu: 576, loss: 0.5 }).decide(577, 0, random);
  assert.deepEqual(fate, {
    drop: true,
    counter: "mtuDrops",
    reason: "577 bytes exceed the MTU of 576",
  });
  assert.equal(random.u32(), twin.u32());
});

Deno.test("LinkImpairer.decide(): the fault is asked only about packets loss spared, and drops into lost", () => {
  const link = impairer({ loss: 0.5 });
  const random = new Random(2);
  let asked = 0, lost = 0;
  for (let i = 0; i < 100; i++) {
    const fate = link.decide(100, i, random, () => (++asked % 2 ? "the cable was cut" : null));
    if (fate.drop && fate.reason === "loss") lost++;
    if (fate.drop) assert.equal(fate.counter, "lost");
  }
  assert.ok(lost > 0);
  assert.equal(asked, 100 - lost);
});

Deno.test("LinkImpairer.decide(): draws loss, jitter, reordering, corruption and duplication in that order", () => {
  // The simulated network's seeds replay runs only if this order never changes.
  const imp = { loss: 0.1, delay: 10, jitter: 4, reorder: 0.9, corrupt: 0.9, duplicate: 0.9 };
  const link = impairer(imp);
  const random = new Random(11), twin = new Random(11);
  let checked = 0;
  for (let now = 0; now < 40; now++) {
    const fate = link.decide(100, now, random);
    if (twin.next() < imp.loss) {
      assert.deepEqual(fate, { drop: true, counter: "lost", reason: "loss" });
      continue;
    }
    let arrive = Math.max(now, now + imp.delay + (twin.next() * 2 - 1) * imp.jitter);
    const reordered = twin.next() < imp.reorder;
    if (reordered) arrive += 1 + twin.next() * (imp.delay + 5);
    const corruptBit = twin.next() < imp.corrupt ? twin.int(800) : -1;
    const duplicateArrive = twin.next() < imp.duplicate ? arrive + twin.next() * 2 : null;
    assert.deepEqual(fate, {
      drop: false,
      depart: now,
      arrive,
      reordered,
      corruptBit,
      duplicateArrive,
    });
    checked++;
  }
  assert.ok(checked > 20);
});

Deno.test("LinkImpairer.decide(): a perfect link delivers at once and draws nothing", () => {
  const random = new Random(4), twin = new Random(4);
  assert.deepEqual(impairer({}).decide(1500, 12.5, random), {
    drop: false,
    depart: 12.5,
    arrive: 12.5,
    reordered: false,
    corruptBit: -1,
    duplicateArrive: null,
  });
  assert.equal(random.u32(), twin.u32());
});

Deno.test("recordFate(): reordering, corruption and duplication are counted and traced in that order", () => {
  const packet = encodeSegment(SEG);
  const original = packet.slice();
  const events: TraceEvent[] = [];
  const stats = counts();
  const fate: Passed = {
    drop: false,
    depart: 1,
    arrive: 9,
    reordered: true,
    corruptBit: 8 * 30 + 3,
    duplicateArrive: 10,
  };
  const wire = recordFate(fate, packet, SEG.repr, stats, (e) => events.push(e), 1, "a>b");
  assert.deepEqual(stats, { ...counts(), reordered: 1, corrupted: 1, duplicated: 1 });
  assert.deepEqual(events.map((e) => e.kind === "link" && e.action), [
    "reorder",
    "corrupt",
    "duplicate",
  ]);
  assert.ok(events.every((e) => e.time === 1 && e.kind === "link" && e.link === "a>b"));
  // The corrupted copy differs in that one bit; the packet (and its duplicate) stay intact.
  assert.ok(wire !== null && wire !== packet);
  assert.deepEqual(packet, original);
  assert.equal(wire[30] ^ packet[30], 1 << 3);
  assert.deepEqual(wire.filter((_, i) => i !== 30), packet.filter((_, i) => i !== 30));
  assert.equal(events[1].kind === "link" && events[1].packet, wire);
  assert.equal(events[2].kind === "link" && events[2].packet, packet);
});

Deno.test("recordFate(): an untouched packet is delivered as it is, with no count and no event", () => {
  const packet = encodeSegment(SEG);
  const events: TraceEvent[] = [];
  const stats = counts();
  const fate: Passed = {
    drop: false,
    depart: 0,
    arrive: 5,
    reordered: false,
    corruptBit: -1,
    duplicateArrive: null,
  };
  assert.equal(recordFate(fate, packet, SEG.repr, stats, (e) => events.push(e), 0, "a>b"), packet);
  assert.deepEqual(stats, counts());
  assert.deepEqual(events, []);
});

Deno.test("recordDrop(): a drop the impairments decided is counted in its counter and traced with its reason", () => {
  const events: TraceEvent[] = [];
  const stats = counts();
  const fate = { drop: true, counter: "queueDrops", reason: "queue full" } as const;
  recordDrop(stats, fate.counter, (e) => events.push(e), 7, "a>b", fate.reason, SEG.repr);
  assert.deepEqual(stats, { ...counts(), queueDrops: 1 });
  assert.deepEqual(events, [
    { kind: "drop", time: 7, endpoint: "a>b", reason: "queue full", repr: SEG.repr },
  ]);
  // Without a trace hook it still counts.
  recordDrop(stats, fate.counter, null, 7, "a>b", fate.reason, SEG.repr);
  assert.equal(stats.queueDrops, 2);
});

Deno.test("bufferOwner(): the one delivery that carries the pooled buffer returns it, or none", () => {
  // Both links hand a pooled buffer back through this: two deliveries that
  // both returned it would let two packets share it; none that did would
  // lose it from the pool.
  const fate = (corruptBit: number, duplicateArrive: number | null): Passed => ({
    drop: false,
    depart: 0,
    arrive: 5,
    reordered: false,
    corruptBit,
    duplicateArrive,
  });
  const table: [corruptBit: number, duplicateArrive: number | null, owner: BufferOwner][] = [
    [-1, null, "packet"], // the packet alone carries it
    [-1, 6, "never"], // the packet and its duplicate share it
    [0, null, "now"], // a corrupted copy travels instead: nothing carries it
    [17, 6, "duplicate"], // a corrupted copy and the intact duplicate, its only carrier
  ];
  for (const [corruptBit, duplicateArrive, owner] of table) {
    assert.equal(
      bufferOwner(fate(corruptBit, duplicateArrive)),
      owner,
      `corruptBit ${corruptBit}, duplicateArrive ${duplicateArrive}`,
    );
  }
});

Deno.test("ImpairedPath: a corrupted copy has a checksum to check, though the packet it was copied from had a partial one", () => {
  const delivered: PathPacket[] = [];
  const path = new ImpairedPath({
    settings: impairments({ corrupt: 1 }),
    seed: 1,
    clock: () => 0,
    deliver: (p) => delivered.push(p),
    copyKept: true,
    trace: null,
  });
  const packet = new Uint8Array(40);
  path.send({ packet, repr: null, link: "", checksumPartial: true });
  assert.equal(delivered.length, 1);
  assert.notDeepEqual(delivered[0].packet, packet);
  assert.equal(delivered[0].checksumPartial, false);
  path.close();
});
