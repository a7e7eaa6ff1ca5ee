import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { UdpLink, type UdpLinkOptions } from "./udp.ts";
import { REAL_TIME_CLOCK_JITTER } from "./driver.ts";
import { Random } from "./random.ts";
import type { Impairments } from "./impairments.ts";
import { ConnectionRefused, SocketClosed } from "../net/errors.ts";
import { readToEnd } from "../_testing.ts";
import type { DropEvent, TraceEvent } from "../tcp/events.ts";
import { decodeSegment, encodeSegment } from "./packet.ts";
import { tcpRepr } from "../wire/tcp.ts";
import type { IpSegment } from "../tcp/stack.ts";

const FAST = { rtt: { initialRto: 100, minRto: 20, maxRto: 2000 }, msl: 50 };

/** Two ends of a link on loopback, routed to each other. */
function pair(imp: Partial<Impairments> = {}, extra: Partial<UdpLinkOptions> = {}) {
  const a = UdpLink.open({ addr: "10.0.0.1", impairments: imp, seed: 1, config: FAST, ...extra });
  const b = UdpLink.open({ addr: "10.0.0.2", impairments: imp, seed: 2, config: FAST, ...extra });
  a.addPeer("10.0.0.2", b.udpAddr);
  b.addPeer("10.0.0.1", a.udpAddr);
  return {
    a,
    b,
    async [Symbol.asyncDispose]() {
      await a.close();
      await b.close();
    },
  };
}

const sha = (d: Uint8Array) => createHash("sha256").update(d).digest("hex");

async function transfer(imp: Partial<Impairments>, size: number) {
  await using link = pair(imp);
  const listener = link.b.listen(80);
  const data = new Random(9).fill(new Uint8Array(size));
  const client = await link.a.connect("10.0.0.2", 80);
  const server = await listener.accept();
  const [, received] = await Promise.all([
    client.writeAll(data).then(() => client.closeWrite()),
    readToEnd(server),
  ]);
  // Half-close: the server answers after the client's FIN, the client reads it.
  await server.writeAll(new TextEncoder().encode(`got ${received.length}`));
  await server.closeWrite();
  const reply = new TextDecoder().decode(await readToEnd(client));
  client.close();
  server.close();
  listener.close();
  return { data, received, reply, link };
}

/**
 * Opens one end of a link to a UDP socket that never answers, starts a
 * connect (its SYN is the link's first packet, transmitted before connect()
 * returns), and closes. Returns the counters and the link's events (sends,
 * drops, reorder, corrupt, duplicate) as they were right after the SYN, before
 * closing drops what is still waiting.
 */
async function firstSyn(imp: Partial<Impairments>, seed: number) {
  const events: TraceEvent[] = [];
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const a = UdpLink.open({
    addr: "10.0.0.1",
    impairments: imp,
    seed,
    config: FAST,
    trace: (e) => events.push(e),
    peers: { "10.0.0.2": silent.addr as Deno.NetAddr },
  });
  const aborted = assert.rejects(a.connect("10.0.0.2", 80), SocketClosed);
  const stats = { ...a.stats };
  const seen = events.filter((e) => e.kind === "link" || e.kind === "drop");
  await a.close();
  silent.close();
  await aborted;
  return { stats, events: seen };
}

Deno.test("UdpLink: 1 MB arrives intact over loopback UDP, and the half-closed reply too", async () => {
  const { data, received, reply } = await transfer({}, 1 << 20);
  assert.equal(sha(received), sha(data));
  assert.equal(reply, `got ${1 << 20}`);
});

Deno.test("UdpLink: loss, corruption, duplication and reordering on send are survived", async () => {
  const { data, received, link } = await transfer(
    { loss: 0.1, corrupt: 0.05, duplicate: 0.05, reorder: 0.05, delay: 1, jitter: 1 },
    100_000,
  );
  assert.equal(sha(received), sha(data));
  assert.ok(link.a.stats.lost > 0);
  assert.ok(link.b.stats.rejected + link.a.stats.rejected > 0);
});

Deno.test("UdpLink.setBufferSize() grows the kernel buffers; a 2 MiB window of 64 KiB segments arrives intact", async () => {
  const config = { ...FAST, recvBufferSize: 2 << 20, sendBufferSize: 2 << 20, delayedAck: 0 };
  await using link = pair({ mtu: 65507 }, { config });
  const max = Number(await Deno.readTextFile("/proc/sys/net/core/rmem_max"));
  // Linux reports twice the size set, capped at net.core.rmem_max.
  assert.equal(await link.a.setBufferSize(4 << 20), 2 * Math.min(4 << 20, max));
  await link.b.setBufferSize(4 << 20);
  await assert.rejects(link.a.setBufferSize(0), RangeError);
  const listener = link.b.listen(80);
  const data = new Random(3).fill(new Uint8Array(8 << 20));
  const client = await link.a.connect("10.0.0.2", 80);
  const server = await listener.accept();
  const [, received] = await Promise.all([
    client.writeAll(data).then(() => client.closeWrite()),
    readToEnd(server),
  ]);
  assert.equal(sha(received), sha(data));
  client.close();
  server.close();
  listener.close();
});

Deno.test("UdpLink: 64 KiB packets from recycled buffers arrive intact, duplicates included", async () => {
  const { data, received, link } = await transfer(
    { mtu: 65507, duplicate: 0.3, delay: 1 },
    3_000_000,
  );
  assert.equal(sha(received), sha(data));
  assert.ok(link.a.stats.duplicated > 0);
  assert.equal(link.a.stats.rejected + link.b.stats.rejected, 0);
});

Deno.test("UdpLink: connecting to a port nobody listens on is refused", async () => {
  await using link = pair();
  await assert.rejects(link.a.connect("10.0.0.2", 9), (e: Error) => {
    return e instanceof ConnectionRefused &&
      /10\.0\.0\.1:\d+ -> 10\.0\.0\.2:9: refused/.test(e.message);
  });
});

Deno.test("UdpLink.open() rejects an MTU UDP cannot carry and bad impairments", () => {
  assert.throws(() => UdpLink.open({ addr: "10.0.0.1", impairments: { mtu: 65535 } }), /65507/);
  assert.throws(() => UdpLink.open({ addr: "10.0.0.1", impairments: { loss: 2 } }), RangeError);
  assert.throws(() => UdpLink.open({} as never), TypeError);
});

Deno.test("UdpLink refuses a virtual address that is not IPv4, before binding", async () => {
  assert.throws(() => UdpLink.open({ addr: "::1" }), /options\.addr must be an IPv4 address/);
  // Decoded packets say "10.0.0.1": an end at "10.0.0.01" would receive nothing.
  assert.throws(() => UdpLink.open({ addr: "10.0.0.01" }), /no leading zeros/);
  assert.throws(
    () =>
      UdpLink.open({ addr: "10.0.0.1", peers: { "10.0.0": { hostname: "127.0.0.1", port: 9 } } }),
    /UdpLink\.open: a key of options\.peers must be an IPv4 address/,
  );
  const link = UdpLink.open({ addr: "10.0.0.1" });
  try {
    assert.throws(
      () => link.addPeer("fe80::1", { hostname: "127.0.0.1", port: 9 }),
      /^RangeError: UdpLink\.addPeer: addr must be an IPv4 address/,
    );
    assert.throws(
      () => link.addPeer("10.0.0.2", { hostname: "127.0.0.1", port: 0 }),
      /^RangeError: UdpLink\.addPeer: peer\.port must be 1 to 65535, got 0/,
    );
    assert.throws(
      () => link.addPeer("10.0.0.02", { hostname: "127.0.0.1", port: 9 }),
      /no leading zeros/,
    );
  } finally {
    await link.close();
  }
});

Deno.test("UdpLink.open() leaves its UDP port free when a peer or the TCP settings are refused", async () => {
  const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const bind = { hostname: "127.0.0.1", port };
  assert.throws(
    () =>
      UdpLink.open({
        addr: "10.0.0.1",
        bind,
        peers: { "10.0.0.2": { hostname: "127.0.0.1", port: 0 } },
      }),
    /^RangeError: UdpLink\.open: options\.peers\["10\.0\.0\.2"\]\.port must be 1 to 65535, got 0/,
  );
  assert.throws(
    () => UdpLink.open({ addr: "10.0.0.1", bind, peers: { "10.0.0.2": { port: 9 } as never } }),
    /^TypeError: UdpLink\.open: options\.peers\["10\.0\.0\.2"\]\.hostname must be a string/,
  );
  assert.throws(
    () => UdpLink.open({ addr: "10.0.0.1", bind, config: { mss: 70_000 } }),
    /^RangeError: TCP mss 70000 exceeds 65495/,
  );
  // Each refusal closed what it had bound (or bound nothing): the port is free.
  const link = UdpLink.open({ addr: "10.0.0.1", bind });
  assert.equal(link.udpAddr.port, port);
  await link.close();
});

Deno.test("UdpLink.open() checks a rate queue against the MTU the link runs at (1500)", async () => {
  // A 2000-byte queue holds a 1500-byte packet; an earlier check used 65535 and refused it.
  const link = UdpLink.open({ addr: "10.0.0.1", impairments: { rate: 1e5, queue: 2000 } });
  assert.equal(link.addr, "10.0.0.1");
  await link.close();
  assert.throws(
    () => UdpLink.open({ addr: "10.0.0.1", impairments: { rate: 1e5, queue: 1000 } }),
    /at least one MTU \(1500 bytes\)/,
  );
});

Deno.test("UdpLink: two processes run socklab's TCP to each other over loopback", async () => {
  await using link = pair();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../examples/tcp_udp_echo.ts", import.meta.url).pathname,
      "serve",
      "--peer",
      `${link.a.udpAddr.hostname}:${link.a.udpAddr.port}`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const first = (await reader.read()).value ?? "";
    const port = Number(/udp port (\d+)/.exec(first)?.[1]);
    link.a.addPeer("10.0.0.2", { hostname: "127.0.0.1", port });
    const conn = await link.a.connect("10.0.0.2", 7);
    await conn.writeAll(new TextEncoder().encode("ping from the parent"));
    await conn.closeWrite();
    assert.equal(new TextDecoder().decode(await readToEnd(conn)), "ping from the parent");
    conn.close();
    await reader.cancel();
  } finally {
    const status = await child.status;
    assert.equal(status.code, 0);
  }
});

Deno.test("UdpLink: with a rate limit and jitter, no packet leaves before the rate limit lets it", async () => {
  // At 1 byte/s the 44-byte SYN departs 44 s after it is sent. Seed 4's
  // first draw puts the jitter 910 s early: that shortens the delay, but a
  // packet never leaves before it departs.
  const { stats, events } = await firstSyn({ rate: 1, jitter: 1_000_000 }, 4);
  assert.deepEqual(events.map((e) => e.kind === "link" && e.action), ["send"]);
  assert.equal(stats.sent, 0, "the SYN went out before the rate limiter let it leave");
});

Deno.test("UdpLink: a reordered packet is counted and traced, as on the simulated link", async () => {
  const { stats, events } = await firstSyn({ reorder: 1 }, 1);
  assert.equal(stats.reordered, 1);
  assert.deepEqual(events.map((e) => e.kind === "link" && e.action), ["send", "reorder"]);
  const [send, reorder] = events;
  assert.ok(send.kind === "link" && reorder.kind === "link");
  assert.equal(reorder.packet, send.packet);
  assert.equal(reorder.link, "10.0.0.1>10.0.0.2");
});

Deno.test("UdpLink: a corrupted and duplicated packet is counted and traced, the copy intact", async () => {
  const { stats, events } = await firstSyn({ corrupt: 1, duplicate: 1 }, 1);
  assert.equal(stats.corrupted, 1);
  assert.equal(stats.duplicated, 1);
  assert.deepEqual(events.map((e) => e.kind === "link" && e.action), [
    "send",
    "corrupt",
    "duplicate",
  ]);
  const [send, corrupt, duplicate] = events;
  assert.ok(send.kind === "link" && corrupt.kind === "link" && duplicate.kind === "link");
  const flipped = send.packet.reduce((n, byte, i) => n + popcount(byte ^ corrupt.packet[i]), 0);
  assert.equal(flipped, 1);
  assert.equal(duplicate.packet, send.packet);
});

Deno.test("UdpLink: a queue-full drop is counted and traced with its reason", async () => {
  // At 2 bytes/s the first 44-byte SYN keeps the 80-byte queue busy for 22
  // seconds: the second finds it full.
  const events: TraceEvent[] = [];
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const a = UdpLink.open({
    addr: "10.0.0.1",
    impairments: { rate: 2, queue: 80, mtu: 68 },
    config: FAST,
    trace: (e) => events.push(e),
    peers: { "10.0.0.2": silent.addr as Deno.NetAddr },
  });
  const aborted = [80, 81].map((port) => assert.rejects(a.connect("10.0.0.2", port), SocketClosed));
  assert.equal(a.stats.queueDrops, 1);
  const drops = events.filter((e) => e.kind === "drop");
  await a.close();
  silent.close();
  await Promise.all(aborted);
  assert.deepEqual(drops.map((e) => e.kind === "drop" && [e.endpoint, e.reason]), [
    ["10.0.0.1>10.0.0.2", "queue full"],
  ]);
});

/** The drop events among `events`. */
function drops(events: TraceEvent[]): DropEvent[] {
  return events.filter((e): e is DropEvent => e.kind === "drop");
}

/** The first segment the TCP of `events` sent (what a link drop must point at). */
function firstSent(events: TraceEvent[]) {
  const syn = events.find((e) => e.kind === "segment" && e.direction === "send");
  assert.ok(syn?.kind === "segment");
  return syn.repr;
}

Deno.test("UdpLink: a segment for an address with no peer is counted as unroutable and traced as a drop", async () => {
  const events: TraceEvent[] = [];
  const a = UdpLink.open({ addr: "10.0.0.1", config: FAST, trace: (e) => events.push(e) });
  const aborted = assert.rejects(a.connect("10.0.0.9", 80), SocketClosed);
  assert.deepEqual([a.stats.unroutable, a.stats.sent], [1, 0]);
  await a.close();
  await aborted;
  assert.deepEqual(drops(events).map((e) => [e.endpoint, e.reason]), [
    ["10.0.0.1>10.0.0.9", "no peer for 10.0.0.9"],
  ]);
  assert.equal(drops(events)[0].repr, firstSent(events));
  // Dropped before it was sent: no "send" link event (unlike the simulated network).
  assert.deepEqual(events.filter((e) => e.kind === "link"), []);
});

Deno.test("UdpLink: a datagram for another virtual address is counted and traced, not ignored unseen", async () => {
  // A SYN for 10.0.0.3 reaches 10.0.0.2's socket, then a datagram that does
  // not decode: once that one is traced, the SYN has been dealt with.
  const events: TraceEvent[] = [];
  const rejected = Promise.withResolvers<void>();
  const b = UdpLink.open({
    addr: "10.0.0.2",
    config: FAST,
    trace: (e) => {
      events.push(e);
      if (e.kind === "drop" && e.reason.startsWith("rejected")) rejected.resolve();
    },
  });
  const raw = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to = { transport: "udp" as const, ...b.udpAddr };
  const syn = tcpRepr({ srcPort: 40000, dstPort: 80, seq: 1, control: "syn" });
  await raw.send(encodeSegment({ src: "10.0.0.1", dst: "10.0.0.3", repr: syn }), to);
  await raw.send(new Uint8Array(3), to);
  await rejected.promise;
  raw.close();
  await b.close();
  assert.deepEqual([b.stats.misaddressed, b.stats.rejected, b.stats.received], [1, 1, 0]);
  const [misaddressed] = drops(events);
  assert.deepEqual(
    [misaddressed.endpoint, misaddressed.reason, misaddressed.repr?.control],
    ["10.0.0.2", "addressed to 10.0.0.3, not to this end (10.0.0.2)", "syn"],
  );
});

Deno.test("UdpLink: a datagram the UDP socket cannot send is counted and traced with the error", async () => {
  // An IPv4 socket cannot send to an IPv6 address (EAFNOSUPPORT): the send
  // fails at once, and nothing leaves the machine.
  const events: TraceEvent[] = [];
  const a = UdpLink.open({
    addr: "10.0.0.1",
    config: FAST,
    trace: (e) => events.push(e),
    peers: { "10.0.0.2": { hostname: "::1", port: 9 } },
  });
  const aborted = assert.rejects(a.connect("10.0.0.2", 80), SocketClosed);
  await a.close(); // waits for the send to end
  await aborted;
  assert.deepEqual([a.stats.sent, a.stats.sendErrors], [1, 1]);
  const [drop] = drops(events);
  assert.equal(drop.endpoint, "10.0.0.1>10.0.0.2");
  assert.match(
    drop.reason,
    /^send to ::1:9 failed: .*\(os error 97\)$/,
  );
  assert.equal(drop.repr, firstSent(events));
});

Deno.test("UdpLink: a packet still waiting out its delay when the link closes is counted and traced", async () => {
  const events: TraceEvent[] = [];
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const a = UdpLink.open({
    addr: "10.0.0.1",
    impairments: { delay: 60_000 },
    config: FAST,
    trace: (e) => events.push(e),
    peers: { "10.0.0.2": silent.addr as Deno.NetAddr },
  });
  const aborted = assert.rejects(a.connect("10.0.0.2", 80), SocketClosed);
  await a.close();
  silent.close();
  await aborted;
  assert.deepEqual([a.stats.sent, a.stats.closeDrops], [0, 1]);
  assert.deepEqual(drops(events).map((e) => [e.endpoint, e.reason]), [
    ["10.0.0.1>10.0.0.2", "the link closed before the packet left"],
  ]);
  assert.equal(drops(events)[0].repr, firstSent(events));
});

/**
 * One end of a UDP link whose recycled buffers can be watched. Only the UDP
 * socket sees them (a trace hook turns pooling off), so every packet handed
 * to it is kept, and the buffer of each recycled (64 KiB) one by the SEQ of
 * its segment as it was sent. The link's TCP sends exactly the segments
 * given to `emit()`, to a socket that never answers.
 */
function watchedLink(impairments: Partial<Impairments>) {
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const proto = Object.getPrototypeOf(silent) as Deno.DatagramConn;
  const send = proto.send;
  const packets: Uint8Array[] = [], sends: Promise<number>[] = [];
  const recycled = new Map<number, ArrayBufferLike>();
  let handed: (() => void) | null = null;
  proto.send = function (this: Deno.DatagramConn, p: Uint8Array, addr: Deno.Addr) {
    const sent = send.call(this, p, addr);
    packets.push(p);
    sends.push(sent);
    if (p.buffer.byteLength === 65536) recycled.set(decodeSegment(p).repr.seq, p.buffer);
    handed?.();
    return sent;
  };
  const link = UdpLink.open({
    addr: "10.0.0.1",
    impairments,
    peers: { "10.0.0.2": silent.addr as Deno.NetAddr },
  });
  const outbox: IpSegment[] = [];
  link.driver.stack.poll = () => outbox.splice(0);
  return {
    link,
    packets,
    /** Has the link's TCP send a segment with `bytes` bytes of payload. */
    emit(seq: number, bytes: number) {
      const repr = tcpRepr({ srcPort: 1, dstPort: 2, seq, payload: new Uint8Array(bytes) });
      outbox.push({ src: "10.0.0.1", dst: "10.0.0.2", repr });
      link.driver.pump();
    },
    /**
     * Waits until `count` packets have been handed to the socket (a delayed
     * duplicate waits for its timer) and every send has ended; the link's
     * own callback, which pools the buffer, runs before this returns.
     */
    async sent(count: number) {
      while (packets.length < count) await new Promise<void>((resolve) => handed = resolve);
      await Promise.all(sends);
    },
    recycled,
    async [Symbol.asyncDispose]() {
      proto.send = send;
      await link.close();
      silent.close();
    },
  };
}

Deno.test("UdpLink: the recycled buffer of a packet dropped over the MTU carries the next packet", async () => {
  // The first packet's buffer returns to the pool once sent; the second, too
  // big, takes it and is dropped; the third must find it back in the pool.
  await using w = watchedLink({ mtu: 4000 });
  w.emit(1, 3000);
  await w.sent(1);
  w.emit(2, 5000);
  w.emit(3, 3000);
  assert.equal(w.link.stats.mtuDrops, 1);
  assert.equal(w.packets.length, 2);
  assert.ok(w.recycled.get(3) === w.recycled.get(1));
});

Deno.test("UdpLink: a corrupted packet's recycled buffer goes back to the pool at once, a copy being sent", async () => {
  // Every send is waited for, so one buffer serves every packet: had a
  // corrupted packet kept its buffer from the pool, the next intact one would
  // take a new buffer.
  await using w = watchedLink({ mtu: 4000, corrupt: 0.5 });
  let corruptedBefore = false, intactAfterCorrupted = 0;
  for (let seq = 1; seq <= 10; seq++) {
    const corrupted = w.link.stats.corrupted;
    w.emit(seq, 3000);
    await w.sent(seq);
    const now = w.link.stats.corrupted > corrupted;
    if (corruptedBefore && !now) intactAfterCorrupted++;
    corruptedBefore = now;
  }
  assert.ok(
    intactAfterCorrupted > 0,
    "no intact packet followed a corrupted one: nothing was tested",
  );
  assert.equal(new Set(w.recycled.values()).size, 1);
});

Deno.test("UdpLink: a duplicated packet's recycled buffer, sent twice, never goes back to the pool", async () => {
  // Back in the pool after either send (or both), it would be written over
  // by a later packet while the other send may still use it.
  await using w = watchedLink({ mtu: 4000, duplicate: 1 });
  w.emit(1, 3000);
  await w.sent(2);
  assert.ok(w.packets[1].buffer === w.packets[0].buffer);
  w.emit(2, 3000);
  w.emit(3, 3000);
  const buffers = w.recycled;
  assert.deepEqual([...buffers.keys()], [1, 2, 3]);
  assert.ok(buffers.get(2) !== buffers.get(1), "packet 2 reused packet 1's buffer");
  assert.ok(buffers.get(3) !== buffers.get(1), "packet 3 reused packet 1's buffer");
  assert.ok(buffers.get(3) !== buffers.get(2), "packets 2 and 3 share a buffer");
});

Deno.test("UdpLink: a corrupted packet's intact duplicate carries its recycled buffer back to the pool, once", async () => {
  // A corrupted copy (not recycled) goes at once; the duplicate carries the
  // buffer and returns it once sent: the next packet takes it, and the one
  // after that, sent meanwhile, must not.
  await using w = watchedLink({ mtu: 4000, corrupt: 1, duplicate: 1 });
  w.emit(1, 3000);
  await w.sent(2);
  w.emit(2, 3000);
  w.emit(3, 3000);
  await w.sent(6);
  assert.equal(w.link.stats.corrupted, 3);
  const buffers = w.recycled;
  assert.deepEqual([...buffers.keys()].sort(), [1, 2, 3]);
  assert.ok(buffers.get(2) === buffers.get(1), "packet 1's buffer did not go back to the pool");
  assert.ok(buffers.get(3) !== buffers.get(1), "packet 1's buffer went back twice");
});

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

Deno.test("UdpLink: its TCP allows for real-time timers firing late (REAL_TIME_CLOCK_JITTER) unless its config says otherwise", async () => {
  for (
    const [config, expected] of [[FAST, REAL_TIME_CLOCK_JITTER], [
      { ...FAST, clockJitter: 0 },
      0,
    ]] as const
  ) {
    await using link = pair({}, { config });
    const listener = link.b.listen(80);
    const client = await link.a.connect("10.0.0.2", 80);
    const server = await listener.accept();
    assert.equal(client.socket.config.clockJitter, expected);
    assert.equal(server.socket.config.clockJitter, expected);
    client.close();
    server.close();
    listener.close();
  }
});
