import assert from "node:assert/strict";
import { impairments, SimNetwork, STUCK_AFTER } from "./sim.ts";
import { Random } from "./random.ts";
import { decodeSegment, encodedLength, encodeSegment } from "./packet.ts";
import { runTransfer } from "./transfer.ts";
import { tcpRepr } from "../wire/tcp.ts";
import type { TraceEvent } from "../tcp/events.ts";
import type { IpSegment } from "../tcp/stack.ts";
import { inetAddr } from "../wire/inet_addr.ts";

Deno.test("Random: the same seed gives the same sequence, another seed another", () => {
  const a = new Random(42), b = new Random(42), c = new Random(43);
  const xs = [a.u32(), a.u32(), a.u32()];
  assert.deepEqual(xs, [b.u32(), b.u32(), b.u32()]);
  assert.notDeepEqual(xs, [c.u32(), c.u32(), c.u32()]);
  assert.throws(() => new Random(1.5), RangeError);
});

Deno.test("Random: next() stays in [0, 1) and int(n) in [0, n)", () => {
  const r = new Random(1);
  for (let i = 0; i < 1000; i++) {
    const x = r.next(), k = r.int(7);
    assert.ok(x >= 0 && x < 1 && k >= 0 && k < 7);
  }
});

Deno.test("encodeSegment()/decodeSegment(): a segment round-trips as an IPv4 packet", () => {
  const seg = {
    src: "10.0.0.1",
    dst: "10.0.0.2",
    repr: tcpRepr({
      srcPort: 1,
      dstPort: 2,
      seq: 7,
      ack: 9,
      window: 100,
      payload: new Uint8Array([1, 2]),
    }),
  };
  const back = decodeSegment(encodeSegment(seg));
  assert.equal(back.src, seg.src);
  assert.deepEqual({ ...back.repr, payload: [...back.repr.payload] }, {
    ...seg.repr,
    payload: [1, 2],
  });
});

Deno.test("decodeSegment(): every single flipped bit is rejected by a checksum", () => {
  const packet = encodeSegment({
    src: "10.0.0.1",
    dst: "10.0.0.2",
    repr: tcpRepr({
      srcPort: 1,
      dstPort: 2,
      seq: 7,
      ack: 9,
      window: 100,
      payload: new Uint8Array(8),
    }),
  });
  for (let bit = 0; bit < packet.length * 8; bit++) {
    const bad = packet.slice();
    bad[bit >> 3] ^= 1 << (bit & 7);
    assert.throws(() => decodeSegment(bad), SyntaxError, `bit ${bit} went unnoticed`);
  }
});

Deno.test("impairments(): impossible settings are RangeErrors that name the setting", () => {
  assert.throws(() => impairments({ loss: 1.5 }), /loss/);
  assert.throws(() => impairments({ loss: 1 }), /never deliver/);
  assert.throws(() => impairments({ delay: -1 }), /delay/);
  assert.throws(() => impairments({ mtu: 40 }), /mtu/);
  assert.throws(() => impairments({ rate: 1000, queue: 10, mtu: 1500 }), /queue/);
  assert.throws(() => impairments({ jitter: "5" as never }), TypeError);
});

Deno.test("SimNetwork: virtual time advances by the link delay only", () => {
  const net = new SimNetwork({ link: { delay: 25 } });
  const a = net.addHost("10.0.0.1"), b = net.addHost("10.0.0.2");
  b.listen(80);
  const c = a.connect(0, inetAddr("10.0.0.2", 80));
  assert.equal(net.run({ until: () => c.state === "ESTABLISHED", maxTime: 10_000 }), "done");
  assert.equal(net.now, 50);
  assert.throws(() => net.addHost("10.0.0.1"), RangeError);
});

Deno.test('SimNetwork.run() ends "stuck" when a host keeps asking for a poll it then ignores', () => {
  // A deadline already reached that polling never clears would spin the loop
  // at one virtual instant forever; the run must end and say so.
  const net = new SimNetwork({ seed: 1, link: { delay: 10 } });
  const a = net.addHost("10.0.0.1"), b = net.addHost("10.0.0.2");
  b.listen(80);
  const c = a.connect(net.now, inetAddr("10.0.0.2", 80));
  assert.equal(net.run({ until: () => c.state === "ESTABLISHED", maxTime: 1000 }), "done");
  let polls = 0;
  const poll = a.poll.bind(a);
  a.pollAt = () => 25;
  a.poll = (now) => (polls++, poll(now));
  assert.equal(net.run({ maxTime: 1000 }), "stuck");
  assert.equal(net.now, 25);
  assert.ok(polls >= STUCK_AFTER, `${polls} polls`);
});

Deno.test("SimNetwork.addHost() refuses an address a link cannot carry, saying why", () => {
  const net = new SimNetwork();
  for (const addr of ["::1", "10.0.0", "host.example", "10.0.0.256", "10.0.0.01", "010.0.0.1"]) {
    assert.throws(() => net.addHost(addr), /must be an IPv4 address such as 10\.0\.0\.1/, addr);
  }
  // Decoded packets say "10.0.0.1": a host at "10.0.0.01" would receive nothing.
  assert.throws(() => net.addHost("10.0.0.01"), /canonical dotted-quad form \(.*no leading zeros/);
});

Deno.test("SimNetwork: a packet larger than the MTU is dropped with a trace event", () => {
  const events: TraceEvent[] = [];
  const r = runTransfer({
    seed: 3,
    bytes: 3000,
    forward: { mtu: 576 },
    config: { mss: 1460 }, // ignoring the MTU: every data segment is too big
    maxTime: 5_000,
    trace: (e) => events.push(e),
  });
  assert.equal(r.ok, false);
  assert.ok(r.link.mtuDrops > 0);
  assert.ok(events.some((e) => e.kind === "drop" && /exceed the MTU/.test(e.reason)));
});

Deno.test("SimNetwork: the rate limit paces packets and a full queue drops them", () => {
  const r = runTransfer({
    seed: 4,
    bytes: 200_000,
    forward: { rate: 1_000_000, queue: 3000, mtu: 1500 },
  });
  assert.ok(r.ok, r.problems.join("; "));
  assert.ok(r.link.queueDrops > 0);
  assert.ok(r.dataDoneTime >= 200, `200 kB at 1 MB/s cannot finish in ${r.dataDoneTime} ms`);
});

Deno.test("runTransfer(): the same seed replays the same run exactly", () => {
  const opts = {
    seed: 77,
    bytes: 50_000,
    replyBytes: 999,
    forward: { loss: 0.2, delay: 7, jitter: 3 },
  };
  const a = runTransfer(opts), b = runTransfer(opts);
  assert.deepEqual(a, b);
  assert.ok(a.ok, a.problems.join("; "));
  assert.ok(a.client.retransmissions > 0);
});

Deno.test("runTransfer(): corrupted packets are rejected and the data still arrives intact", () => {
  const r = runTransfer({ seed: 5, bytes: 100_000, forward: { corrupt: 0.2, delay: 3 } });
  assert.ok(r.ok, r.problems.join("; "));
  assert.ok(r.link.corrupted > 0);
  assert.equal(r.link.rejected, r.link.corrupted);
});

Deno.test("runTransfer(): a receiver that does not read stalls the sender, then it recovers", () => {
  const events: TraceEvent[] = [];
  const r = runTransfer({
    seed: 6,
    bytes: 100_000,
    forward: { delay: 5 },
    serverReadsFrom: 3000,
    config: { recvBufferSize: 10_000 },
    trace: (e) => events.push(e),
  });
  assert.ok(r.ok, r.problems.join("; "));
  assert.ok(events.some((e) => e.kind === "timer" && e.timer === "persist"));
  assert.ok(
    events.some((e) => e.kind === "segment" && e.direction === "send" && e.repr.window === 0),
  );
});

Deno.test("runTransfer(): simultaneous open and every close order end CLOSED", () => {
  for (const closeOrder of ["client-first", "server-first", "simultaneous"] as const) {
    const r = runTransfer({
      seed: 8,
      bytes: 5000,
      replyBytes: 5000,
      closeOrder,
      simultaneousOpen: true,
      forward: { delay: 10 },
    });
    assert.ok(r.ok, `${closeOrder}: ${r.problems.join("; ")}`);
  }
});

Deno.test("runTransfer(): negative sizes are rejected", () => {
  assert.throws(() => runTransfer({ seed: 1, bytes: -1 }), RangeError);
});

Deno.test("runTransfer(): a 1 MiB receive buffer scales the window and delivers intact", () => {
  const events: TraceEvent[] = [];
  const r = runTransfer({
    seed: 12,
    bytes: 3_000_000,
    forward: { delay: 20, loss: 0.01 },
    config: { recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 },
    trace: (e) => events.push(e),
  });
  assert.ok(r.ok, r.problems.join("; "));
  const syns = events.flatMap((e) =>
    e.kind === "segment" && e.direction === "send" && e.repr.control === "syn" ? [e.repr] : []
  );
  assert.ok(syns.length >= 2 && syns.every((s) => s.windowScale === 5));
  // The server's ACKs carry shifted windows: 16 bits now stand for more than 64 KiB.
  const windows = events.flatMap((e) =>
    e.kind === "segment" && e.direction === "send" && e.endpoint.startsWith("10.0.0.2") &&
      e.repr.control !== "syn"
      ? [e.repr.window * 2 ** 5]
      : []
  );
  assert.ok(Math.max(...windows) > 65535);
});

Deno.test("runTransfer(): when the network dies, the user timeout and keep-alive end both sides", () => {
  const events: TraceEvent[] = [];
  const r = runTransfer({
    seed: 21,
    bytes: 500_000,
    forward: { delay: 10 },
    config: { userTimeout: 5_000, keepAlive: { idle: 1_000, interval: 500, count: 3 } },
    fault: (_segment, now) => now >= 100 ? "the cable was cut" : null,
    trace: (e) => events.push(e),
  });
  assert.equal(r.end, "done"); // nothing hangs: both ends gave up
  assert.equal(r.client.state, "CLOSED");
  assert.equal(r.server.state, "CLOSED");
  assert.equal(r.client.error, "timed out");
  assert.equal(r.server.error, "timed out");
  assert.ok(events.some((e) => e.kind === "timer" && e.timer === "user-timeout"));
  assert.ok(events.some((e) => e.kind === "timer" && e.timer === "keep-alive"));
  assert.ok(r.time < 10_000);
});

Deno.test("encodeSegment() writes into a given buffer and rejects one too short", () => {
  const seg = {
    src: "10.0.0.1",
    dst: "10.0.0.2",
    repr: tcpRepr({ srcPort: 1, dstPort: 2, seq: 7, payload: new Uint8Array(100) }),
  };
  assert.equal(encodedLength(seg), 20 + 20 + 100);
  const into = new Uint8Array(200);
  const packet = encodeSegment(seg, 1, into);
  assert.equal(packet.buffer, into.buffer);
  assert.equal(packet.length, 140);
  assert.equal(decodeSegment(packet).repr.seq, 7);
  assert.throws(() => encodeSegment(seg, 1, new Uint8Array(139)), /needs 140 bytes/);
});

Deno.test("SimNetwork: recycled 64 KiB packet buffers survive duplicates and reordering", () => {
  // Without a trace hook big packets reuse buffers once delivered; a
  // duplicate shares its buffer, which must not be reused while one copy waits.
  const r = runTransfer({
    seed: 7,
    bytes: 3_000_000,
    replyBytes: 300_000,
    forward: { mtu: 65535, duplicate: 0.3, reorder: 0.2, jitter: 2, delay: 1 },
    config: { mss: 65495, recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 },
  });
  assert.ok(r.ok, r.problems.join("; "));
  assert.ok(r.link.duplicated > 0 && r.link.reordered > 0);
  // No packet was overwritten in flight: everything arrived intact (or is still
  // on its way: a late duplicate can outlive the connections it belonged to).
  assert.equal(r.link.rejected, 0);
  assert.equal(r.link.delivered + r.inFlight, r.link.sent + r.link.duplicated);
});

Deno.test("SimNetwork: a long rate-limited transfer, packets always in flight, delivers every byte in order", () => {
  // The rate limit keeps thousands of packets queued back to back in the
  // in-flight FIFO, which must drop its delivered front without losing order.
  const bytes = 5_000_000, rate = 5e6;
  const r = runTransfer({
    seed: 3,
    bytes,
    forward: { delay: 5, rate, queue: 4 << 20 },
    config: { recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 },
  });
  assert.ok(r.ok, r.problems.join("; "));
  assert.equal(r.link.sent, r.link.delivered);
  assert.ok(r.dataDoneTime >= bytes / rate * 1000, `done at ${r.dataDoneTime} ms`);
});

Deno.test("SimNetwork: a packet for an address no host has is counted as unroutable and traced as a drop", () => {
  const events: TraceEvent[] = [];
  const net = new SimNetwork({ link: { delay: 10 }, trace: (e) => events.push(e) });
  const a = net.addHost("10.0.0.1");
  a.connect(net.now, inetAddr("10.0.0.9", 80));
  assert.equal(net.run({ maxTime: 15 }), "timeout");
  assert.deepEqual(net.stats, { ...net.stats, sent: 1, delivered: 0, unroutable: 1 });
  const [send, drop] = events.filter((e) => e.kind === "link" || e.kind === "drop");
  assert.ok(send.kind === "link" && drop.kind === "drop");
  assert.deepEqual([drop.time, drop.endpoint, drop.reason], [
    10,
    "10.0.0.1>10.0.0.9",
    "no host 10.0.0.9 on this network",
  ]);
  assert.equal(drop.repr, send.repr); // how a ladder finds the arrow to mark
});

Deno.test("SimNetwork: an unroutable packet and its duplicate are each counted and traced", () => {
  const events: TraceEvent[] = [];
  const net = new SimNetwork({ link: { duplicate: 1 }, trace: (e) => events.push(e) });
  net.addHost("10.0.0.1").connect(net.now, inetAddr("10.0.0.9", 80));
  net.run({ maxTime: 5 });
  assert.equal(net.stats.duplicated, 1);
  assert.equal(net.stats.unroutable, 2);
  assert.equal(events.filter((e) => e.kind === "drop" && /no host/.test(e.reason)).length, 2);
});

/**
 * A host on `net` that sends exactly the segments pushed to its outbox and
 * records the SEQ of each segment it receives and the buffer its payload
 * lives in (a view of the packet).
 */
function scripted(net: SimNetwork, addr: string) {
  const host = net.addHost(addr);
  const outbox: IpSegment[] = [];
  const buffers: ArrayBufferLike[] = [], seqs: number[] = [];
  host.poll = () => outbox.splice(0);
  host.receive = (_now, seg) => {
    buffers.push(seg.repr.payload.buffer);
    seqs.push(seg.repr.seq);
  };
  return { outbox, buffers, seqs };
}

/** A 1040-byte packet from 10.0.0.1 to 10.0.0.2: big enough for a pooled buffer. */
function bigSegment(seq: number): IpSegment {
  const repr = tcpRepr({ srcPort: 1, dstPort: 2, seq, payload: new Uint8Array(1000) });
  return { src: "10.0.0.1", dst: "10.0.0.2", repr };
}

Deno.test("SimNetwork: the recycled buffer of a dropped packet carries the next packet", () => {
  // The first packet's buffer returns to the pool once delivered; the second
  // takes it and is dropped; the third must find it back in the pool.
  const net = new SimNetwork({ fault: (s) => s.repr.seq === 2 ? "chosen" : null });
  const a = scripted(net, "10.0.0.1"), b = scripted(net, "10.0.0.2");
  for (const seq of [1, 2, 3]) {
    a.outbox.push(bigSegment(seq));
    net.run({ maxTime: 0 });
  }
  assert.equal(net.stats.lost, 1);
  assert.equal(b.buffers.length, 2);
  assert.equal(b.buffers[1], b.buffers[0]);
});

Deno.test("SimNetwork: the recycled buffer of a corrupted packet carries the next packet", () => {
  // A corrupted packet travels as a copy, so its own buffer is free at once.
  const net = new SimNetwork();
  const a = scripted(net, "10.0.0.1"), b = scripted(net, "10.0.0.2");
  for (const seq of [1, 2, 3]) {
    net.impair("10.0.0.1", "10.0.0.2", { corrupt: seq === 2 ? 1 : 0 });
    a.outbox.push(bigSegment(seq));
    net.run({ maxTime: 0 });
  }
  assert.equal(net.stats.rejected, 1);
  assert.equal(b.buffers.length, 2);
  assert.equal(b.buffers[1], b.buffers[0]);
});

Deno.test("SimNetwork: the intact duplicate of a corrupted packet keeps its buffer until it arrives", () => {
  // The corrupted copy arrives at once; the duplicate, up to 2 ms later, is
  // the packet's only carrier, and a packet sent meanwhile must not reuse its buffer.
  const net = new SimNetwork();
  const a = scripted(net, "10.0.0.1"), b = scripted(net, "10.0.0.2");
  a.outbox.push(bigSegment(1));
  net.run({ maxTime: 0 });
  net.impair("10.0.0.1", "10.0.0.2", { corrupt: 1, duplicate: 1 });
  a.outbox.push(bigSegment(2));
  net.run({ maxTime: 0 });
  net.impair("10.0.0.1", "10.0.0.2", {});
  a.outbox.push(bigSegment(3));
  net.run({ maxTime: 0 });
  assert.deepEqual(b.seqs, [1, 3]); // the duplicate is still on its way
  net.run({ maxTime: 10 });
  assert.deepEqual(b.seqs, [1, 3, 2]);
  assert.equal(net.stats.rejected, 1);
});

Deno.test("SimNetwork: the intact duplicate of a corrupted packet returns its buffer once it arrives", () => {
  const net = new SimNetwork();
  const a = scripted(net, "10.0.0.1"), b = scripted(net, "10.0.0.2");
  net.impair("10.0.0.1", "10.0.0.2", { corrupt: 1, duplicate: 1 });
  a.outbox.push(bigSegment(1));
  net.run({ maxTime: 10 });
  net.impair("10.0.0.1", "10.0.0.2", {});
  a.outbox.push(bigSegment(2));
  net.run({ maxTime: 10 });
  assert.deepEqual(b.seqs, [1, 2]); // the duplicate of 1 (its corrupted copy was rejected), then 2
  assert.ok(b.buffers[1] === b.buffers[0], "the duplicate did not return the buffer");
});

Deno.test("SimNetwork: a packet and its intact duplicate share a buffer that never returns to the pool", () => {
  // Returned by either delivery (or both), it would carry two later packets
  // at once, and the second would overwrite the first.
  const net = new SimNetwork();
  const a = scripted(net, "10.0.0.1"), b = scripted(net, "10.0.0.2");
  net.impair("10.0.0.1", "10.0.0.2", { duplicate: 1 });
  a.outbox.push(bigSegment(1));
  net.run({ maxTime: 10 });
  net.impair("10.0.0.1", "10.0.0.2", {});
  a.outbox.push(bigSegment(2), bigSegment(3)); // both in flight at once
  net.run({ maxTime: 10 });
  assert.deepEqual(b.seqs, [1, 1, 2, 3]);
  assert.ok(b.buffers[1] === b.buffers[0]);
  assert.equal(new Set(b.buffers).size, 3, "a later packet reused the shared buffer");
});
