import assert from "node:assert/strict";
import { type IpSegment, STACK_DROP, TcpStack } from "./stack.ts";
import type { TraceEvent } from "./events.ts";
import { TcpError } from "./socket.ts";
import { tcpRepr } from "../wire/tcp.ts";
import { inetAddr } from "../wire/inet_addr.ts";

const A = "10.1.0.1";
const B = "10.1.0.2";

function exchange(a: TcpStack, b: TcpStack, now = 0, rounds = 4): void {
  for (let i = 0; i < rounds; i++) {
    for (const s of a.poll(now)) b.receive(now, s);
    for (const s of b.poll(now)) a.receive(now, s);
  }
}

function syn(srcPort: number, dstPort = 80): IpSegment {
  return {
    src: A,
    dst: B,
    repr: tcpRepr({ srcPort, dstPort, seq: 1000, control: "syn", window: 1000 }),
  };
}

Deno.test("TcpStack: a SYN to a closed port is answered with RST,ACK", () => {
  const b = new TcpStack(B);
  b.receive(0, syn(5000, 81));
  const [rst] = b.poll(0);
  assert.deepEqual([rst.dst, rst.repr.control, rst.repr.ack, rst.repr.dstPort], [
    A,
    "rst",
    1001,
    5000,
  ]);
  assert.equal(b.resets, 1);
});

Deno.test("TcpStack: an ACK to a listening port without a connection is answered with RST", () => {
  const b = new TcpStack(B);
  b.listen(80);
  b.receive(0, { src: A, dst: B, repr: tcpRepr({ srcPort: 7, dstPort: 80, seq: 1, ack: 99 }) });
  const [rst] = b.poll(0);
  assert.deepEqual([rst.repr.control, rst.repr.seq, rst.repr.ack], ["rst", 99, null]);
});

Deno.test("TcpStack: a SYN to a listening port creates a connection in SYN-RECEIVED", () => {
  const b = new TcpStack(B);
  b.listen(80);
  b.receive(0, syn(5000));
  assert.equal(b.connections.length, 1);
  assert.equal(b.connections[0].state, "SYN-RECEIVED");
  assert.deepEqual(b.connections[0].remote, inetAddr(A, 5000));
  assert.equal(b.accept(80), null); // not yet past the handshake
});

Deno.test("TcpStack: the listen backlog bounds connections not yet accepted", () => {
  const b = new TcpStack(B);
  b.listen(80, 2);
  for (const port of [5000, 5001, 5002]) b.receive(0, syn(port));
  assert.equal(b.connections.length, 2);
  assert.equal(b.backlogDrops, 1);
});

Deno.test("TcpStack: connect(), listen() and accept() complete a handshake between stacks", () => {
  const a = new TcpStack(A), b = new TcpStack(B);
  b.listen(80);
  const c1 = a.connect(0, inetAddr(B, 80));
  const c2 = a.connect(0, inetAddr(B, 80));
  assert.notEqual(c1.local!.port, c2.local!.port);
  exchange(a, b);
  assert.equal(b.acceptQueue(80), 2);
  const s1 = b.accept(80)!, s2 = b.accept(80)!;
  assert.equal(s1.state, "ESTABLISHED");
  assert.deepEqual([s1.remote!.port, s2.remote!.port], [c1.local!.port, c2.local!.port]);
});

Deno.test("TcpStack: segments reach the right one of two connections", () => {
  const a = new TcpStack(A), b = new TcpStack(B);
  b.listen(80);
  const c1 = a.connect(0, inetAddr(B, 80));
  const c2 = a.connect(0, inetAddr(B, 80));
  exchange(a, b);
  const s1 = b.accept(80)!, s2 = b.accept(80)!;
  c1.send(new TextEncoder().encode("one"));
  c2.send(new TextEncoder().encode("two"));
  exchange(a, b);
  assert.equal(new TextDecoder().decode(s1.recv()), "one");
  assert.equal(new TextDecoder().decode(s2.recv()), "two");
});

Deno.test("TcpStack: closed connections are forgotten; their port answers RST again", () => {
  const a = new TcpStack(A), b = new TcpStack(B);
  b.listen(80);
  const c = a.connect(0, inetAddr(B, 80));
  exchange(a, b);
  c.abort(0);
  exchange(a, b);
  assert.equal(a.connections.length, 0);
  assert.equal(b.connections.length, 0);
  assert.equal(b.accept(80)?.state, "CLOSED");
});

Deno.test("TcpStack: listen() rejects bad ports and backlogs, and a second listen", () => {
  const b = new TcpStack(B);
  assert.throws(() => b.listen(0), RangeError);
  assert.throws(() => b.listen(80, 0), RangeError);
  b.listen(80);
  assert.throws(() => b.listen(80), TcpError);
  assert.throws(() => new TcpStack(""), TypeError);
});

Deno.test("TcpStack: connect() from a port in use for that peer throws", () => {
  const a = new TcpStack(A);
  a.connect(0, inetAddr(B, 80), 4000);
  assert.throws(() => a.connect(0, inetAddr(B, 80), 4000), /address in use/);
});

Deno.test("TcpStack: segments for another address are ignored", () => {
  const b = new TcpStack(B);
  b.receive(0, { ...syn(1), dst: "10.9.9.9" });
  assert.deepEqual(b.poll(0), []);
});

Deno.test("TcpStack: unlisten() aborts connections waiting to be accepted", () => {
  const a = new TcpStack(A), b = new TcpStack(B);
  b.listen(80);
  const c = a.connect(0, inetAddr(B, 80));
  exchange(a, b);
  b.unlisten(0, 80);
  exchange(a, b);
  assert.equal(c.state, "CLOSED");
  assert.equal(c.error, "reset");
});

Deno.test("TcpStack: interleaved segments of two connections each reach their own", () => {
  const a = new TcpStack(A), b = new TcpStack(B);
  b.listen(80);
  const c1 = a.connect(0, inetAddr(B, 80), 5000);
  const c2 = a.connect(0, inetAddr(B, 80), 5001);
  exchange(a, b);
  const s1 = b.accept(80)!, s2 = b.accept(80)!;
  c1.send(new TextEncoder().encode("one"));
  c2.send(new TextEncoder().encode("two"));
  c1.send(new TextEncoder().encode("ONE"));
  exchange(a, b);
  const byPort = new Map([[s1.remote!.port, s1], [s2.remote!.port, s2]]);
  assert.equal(new TextDecoder().decode(byPort.get(5000)!.recv()), "oneONE");
  assert.equal(new TextDecoder().decode(byPort.get(5001)!.recv()), "two");
  // After a connection is gone, a segment for it is answered with RST, not delivered.
  c1.abort(0);
  exchange(a, b);
  assert.equal(byPort.get(5000)!.state, "CLOSED");
  b.poll(0); // forgets the closed connection
  b.receive(0, { src: A, dst: B, repr: tcpRepr({ srcPort: 5000, dstPort: 80, seq: 5, ack: 9 }) });
  const out = b.poll(0);
  assert.deepEqual(out.map((o) => [o.repr.control, o.repr.dstPort]), [["rst", 5000]]);
});

Deno.test("TcpStack: arrivals no connection saw are traced as stack drops with the reason", () => {
  const events: TraceEvent[] = [];
  const b = new TcpStack(B, {}, (e) => events.push(e));
  b.listen(80, 1);
  b.receive(1, syn(5000, 81)); // closed port
  b.receive(2, { src: A, dst: B, repr: tcpRepr({ srcPort: 7, dstPort: 80, seq: 1, ack: 99 }) });
  b.receive(3, {
    src: A,
    dst: B,
    repr: tcpRepr({ srcPort: 8, dstPort: 81, seq: 1, control: "rst" }),
  });
  b.receive(4, syn(5001));
  b.receive(5, syn(5002)); // the backlog of 1 is full
  const drops = events.filter((e) => e.kind === "drop").map((e) =>
    e.kind === "drop" ? [e.time, e.endpoint, e.reason] : []
  );
  assert.deepEqual(drops, [
    [1, `${B}:81`, STACK_DROP.noConnection],
    [2, `${B}:80`, STACK_DROP.listenerStray],
    [3, `${B}:81`, STACK_DROP.noConnectionRst],
    [5, `${B}:80`, STACK_DROP.backlogFull],
  ]);
});

const A6 = "fd00::1";
const B6 = "fd00::2";

/** Two hosts with an IPv4 and an IPv6 address each; IPv6 connections with a smaller MSS. */
function dualStacks(): [TcpStack, TcpStack] {
  const a = new TcpStack(A), b = new TcpStack(B);
  a.addAddress(A6, { mss: 1440 });
  b.addAddress(B6, { mss: 1440 });
  return [a, b];
}

Deno.test("TcpStack.addAddress(): one listening port accepts over IPv4 and IPv6", () => {
  const [a, b] = dualStacks();
  assert.deepEqual(b.addresses, [B, B6]);
  b.listen(80);
  const c4 = a.connect(0, inetAddr(B, 80));
  const c6 = a.connect(0, inetAddr(B6, 80));
  // Each goes out from the client's address of the server's family.
  assert.deepEqual([c4.local!.hostname, c6.local!.hostname], [A, A6]);
  exchange(a, b);
  const s4 = b.accept(80)!, s6 = b.accept(80)!;
  assert.deepEqual([s4.local, s4.remote], [inetAddr(B, 80), c4.local]);
  assert.deepEqual([s6.local, s6.remote], [inetAddr(B6, 80), c6.local]);
  assert.deepEqual([c4.state, c6.state, s4.state, s6.state], Array(4).fill("ESTABLISHED"));
});

Deno.test("TcpStack.addAddress(): an address's own settings apply to its connections (the MSS offered)", () => {
  const [a, b] = dualStacks();
  b.listen(80);
  a.connect(0, inetAddr(B, 80));
  a.connect(0, inetAddr(B6, 80));
  const syns = a.poll(0);
  assert.deepEqual(syns.map((s) => [s.src, s.dst, s.repr.mss]), [[A, B, 1460], [A6, B6, 1440]]);
  for (const s of syns) b.receive(0, s);
  const synAcks = b.poll(0);
  assert.deepEqual(synAcks.map((s) => [s.src, s.dst, s.repr.mss]), [[B, A, 1460], [B6, A6, 1440]]);
});

Deno.test("TcpStack: a RST for no connection comes from the address the segment was sent to", () => {
  const [, b] = dualStacks();
  b.receive(0, {
    src: A6,
    dst: B6,
    repr: tcpRepr({ srcPort: 5000, dstPort: 81, seq: 7, control: "syn", window: 1000 }),
  });
  const [rst] = b.poll(0);
  assert.deepEqual([rst.src, rst.dst, rst.repr.control, rst.repr.ack], [B6, A6, "rst", 8]);
});

Deno.test("TcpStack: a segment for an address the stack does not have is ignored", () => {
  const [, b] = dualStacks();
  b.receive(0, {
    src: A6,
    dst: "fd00::9",
    repr: tcpRepr({ srcPort: 5000, dstPort: 81, seq: 7, control: "syn", window: 1000 }),
  });
  assert.deepEqual(b.poll(0), []);
  assert.equal(b.resets, 0);
});

Deno.test("TcpStack: connect() to a family the host has no address of fails, naming it", () => {
  const a = new TcpStack(A);
  assert.throws(() => a.connect(0, inetAddr(B6, 80)), /this host has no IPv6 address/);
  const only6 = new TcpStack(A6);
  assert.throws(() => only6.connect(0, inetAddr(B, 80)), /this host has no IPv4 address/);
});

Deno.test("TcpStack.addAddress() refuses an address it has and settings that are out of range", () => {
  const a = new TcpStack(A);
  assert.throws(() => a.addAddress(A), /has address 10\.1\.0\.1 already/);
  assert.throws(() => a.addAddress(A6, { mss: 0 }), RangeError);
  assert.throws(() => a.addAddress(""), TypeError);
  assert.deepEqual(a.addresses, [A]);
});

Deno.test("TcpStack: a super-segment (segmentOffload) says how large a packet the link should cut it into", () => {
  const a = new TcpStack(A, { segmentOffload: 40_000 }), b = new TcpStack(B);
  b.listen(80);
  const client = a.connect(0, inetAddr(B, 80));
  exchange(a, b);
  client.send(new Uint8Array(100_000));
  const out = a.poll(0);
  const big = out.filter((s) => s.repr.payload.length > client.segmentSize);
  assert.ok(big.length > 0);
  for (const s of big) assert.equal(s.segmentSize, client.segmentSize);
  // Without offload no segment is larger than a packet, and none says so.
  const c = new TcpStack(A), d = new TcpStack(B);
  d.listen(80);
  const plain = c.connect(0, inetAddr(B, 80));
  exchange(c, d);
  plain.send(new Uint8Array(100_000));
  for (const s of c.poll(0)) {
    assert.ok(s.repr.payload.length <= plain.segmentSize);
    assert.equal(s.segmentSize, undefined);
  }
});

Deno.test("TcpStack: a segment no larger than one segment may carry is not a super-segment, though SACK blocks shrink its packets", () => {
  const a = new TcpStack(A, { segmentOffload: 40_000 }), b = new TcpStack(B, { nagle: false });
  b.listen(80);
  const client = a.connect(0, inetAddr(B, 80));
  exchange(a, b);
  const server = b.accept(80)!;
  // The server's first segment is lost: the client holds the second above a gap.
  server.send(new Uint8Array(2000));
  const [, second] = b.poll(0);
  a.receive(0, second);
  a.poll(0);
  assert.ok(client.segmentSize < client.maxSegmentPayload); // room for SACK blocks
  client.send(new Uint8Array(client.segmentSize + 10));
  const [data] = a.poll(0);
  assert.equal(data.repr.payload.length, client.segmentSize + 10);
  assert.equal(data.segmentSize, undefined);
  assert.equal(data.repr.sack.length, 1);
});
