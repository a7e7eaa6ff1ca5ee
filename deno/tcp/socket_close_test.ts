// Segment-level tests of closing, grouped by state: FIN-WAIT-1, FIN-WAIT-2,
// CLOSING, TIME-WAIT, CLOSE-WAIT, LAST-ACK (RFC 9293 §3.6, §3.10.7.4).
import assert from "node:assert/strict";
import {
  bytes,
  recv,
  send,
  socketCloseWait,
  socketClosing,
  socketEstablished,
  socketFinWait1,
  socketFinWait2,
  socketLastAck,
  socketTimeWait,
  text,
} from "./_testing.ts";
import { TcpError } from "./socket.ts";
import type { TraceEvent } from "./events.ts";
import { LOCAL, REMOTE, socket } from "./_testing.ts";

// --- FIN-WAIT-1 -----------------------------------------------------------

Deno.test("FIN-WAIT-1: the ACK of our FIN -> FIN-WAIT-2", () => {
  const s = socketFinWait1();
  send(s, { seq: 1, ack: 2 });
  assert.equal(s.state, "FIN-WAIT-2");
  assert.deepEqual(recv(s), []);
  assert.equal(s.pollAt(), null);
});

Deno.test("FIN-WAIT-1: an ACK short of the FIN keeps FIN-WAIT-1", () => {
  const s = socketEstablished();
  s.send(bytes("abc"));
  s.close(0);
  recv(s);
  send(s, { seq: 1, ack: 4 });
  assert.equal(s.state, "FIN-WAIT-1");
});

Deno.test("FIN-WAIT-1: the peer's FIN before our FIN's ACK -> CLOSING (simultaneous close)", () => {
  const s = socketFinWait1();
  send(s, { seq: 1, ack: 1, control: "fin" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=2"]);
  assert.equal(s.state, "CLOSING");
});

Deno.test("FIN-WAIT-1: a FIN that also ACKs our FIN -> TIME-WAIT", () => {
  const s = socketFinWait1();
  send(s, { seq: 1, ack: 2, control: "fin" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=2"]);
  assert.equal(s.state, "TIME-WAIT");
});

Deno.test("FIN-WAIT-1: data still arrives (half-close) and is ACKed", () => {
  const s = socketFinWait1();
  send(s, { seq: 1, ack: 1, data: "more" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=5"]);
  assert.equal(text(s.recv()), "more");
});

Deno.test("FIN-WAIT-1: the FIN is retransmitted after the RTO", () => {
  const s = socketFinWait1();
  assert.deepEqual(recv(s, s.pollAt()!), ["FIN,ACK seq=1 ack=1"]);
  assert.equal(s.state, "FIN-WAIT-1");
});

Deno.test("FIN-WAIT-1: a RST at RCV.NXT -> CLOSED, reset", () => {
  const s = socketFinWait1();
  send(s, { seq: 1, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "reset");
});

Deno.test("FIN-WAIT-1: a SYN gets a challenge ACK", () => {
  const s = socketFinWait1();
  send(s, { seq: 1, control: "syn" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=1"]);
});

Deno.test("FIN-WAIT-1: send() throws and close() again changes nothing", () => {
  const s = socketFinWait1();
  assert.throws(() => s.send(bytes("x")), TcpError);
  s.close(0);
  assert.equal(s.state, "FIN-WAIT-1");
  assert.deepEqual(recv(s), []);
});

Deno.test("FIN-WAIT-1: queued data goes out before the FIN, also into a reopened window", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, window: 2 });
  s.send(bytes("abcd"));
  s.close(0);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=2"]);
  assert.equal(s.state, "ESTABLISHED");
  send(s, { seq: 1, ack: 3, window: 10 });
  assert.deepEqual(recv(s), ["FIN,PSH,ACK seq=3 ack=1 len=2"]);
  assert.equal(s.state, "FIN-WAIT-1");
});

// --- FIN-WAIT-2 -----------------------------------------------------------

Deno.test("FIN-WAIT-2: the peer's FIN is ACKed; -> TIME-WAIT", () => {
  const s = socketFinWait2();
  send(s, { seq: 1, ack: 2, control: "fin" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=2"]);
  assert.equal(s.state, "TIME-WAIT");
});

Deno.test("FIN-WAIT-2: data from the peer is still received", () => {
  const s = socketFinWait2();
  send(s, { seq: 1, ack: 2, data: "reply" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=6"]);
  assert.equal(text(s.recv()), "reply");
  assert.equal(s.state, "FIN-WAIT-2");
});

Deno.test("FIN-WAIT-2: data and FIN in one segment -> TIME-WAIT, data readable", () => {
  const s = socketFinWait2();
  send(s, { seq: 1, ack: 2, data: "last", control: "fin" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=6"]);
  assert.equal(s.state, "TIME-WAIT");
  assert.equal(text(s.recv()), "last");
  assert.equal(s.recvFinished, true);
});

Deno.test("FIN-WAIT-2: a RST -> CLOSED, reset", () => {
  const s = socketFinWait2();
  send(s, { seq: 1, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "reset");
});

Deno.test("FIN-WAIT-2: a SYN gets a challenge ACK", () => {
  const s = socketFinWait2();
  send(s, { seq: 50, control: "syn" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=1"]);
  assert.equal(s.state, "FIN-WAIT-2");
});

Deno.test("FIN-WAIT-2: an out-of-window segment is answered with an ACK", () => {
  const s = socketFinWait2();
  send(s, { seq: 900_000, ack: 2, data: "x" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=1"]);
});

Deno.test("FIN-WAIT-2: no timer runs (this stack waits for the peer's FIN)", () => {
  assert.equal(socketFinWait2().pollAt(), null);
});

// --- CLOSING --------------------------------------------------------------

Deno.test("CLOSING: the ACK of our FIN -> TIME-WAIT", () => {
  const s = socketClosing();
  send(s, { seq: 2, ack: 2 }, 5);
  assert.equal(s.state, "TIME-WAIT");
  assert.equal(s.pollAt(), 2005);
});

Deno.test("CLOSING: a retransmitted FIN is ACKed again", () => {
  const s = socketClosing();
  send(s, { seq: 1, ack: 1, control: "fin" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=2"]);
  assert.equal(s.state, "CLOSING");
});

Deno.test("CLOSING: our FIN is retransmitted after the RTO", () => {
  const s = socketClosing();
  assert.deepEqual(recv(s, s.pollAt()!), ["FIN,ACK seq=1 ack=2"]);
});

Deno.test("CLOSING: a RST -> CLOSED without an error", () => {
  const s = socketClosing();
  send(s, { seq: 2, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, null);
});

Deno.test("CLOSING: an ACK short of the FIN keeps CLOSING", () => {
  const s = socketClosing();
  send(s, { seq: 2, ack: 1 });
  assert.equal(s.state, "CLOSING");
});

// --- TIME-WAIT ------------------------------------------------------------

Deno.test("TIME-WAIT: after 2·MSL -> CLOSED", () => {
  const s = socketTimeWait({ msl: 1000 });
  assert.equal(s.pollAt(), 2000);
  recv(s, 1999);
  assert.equal(s.state, "TIME-WAIT");
  recv(s, 2000);
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, null);
});

Deno.test("TIME-WAIT: a retransmitted FIN is ACKed and restarts the 2·MSL timer", () => {
  const s = socketTimeWait({ msl: 1000 });
  send(s, { seq: 1, ack: 2, control: "fin" }, 1500);
  assert.deepEqual(recv(s, 1500), ["ACK seq=2 ack=2"]);
  assert.equal(s.pollAt(), 3500);
});

Deno.test("TIME-WAIT: a RST -> CLOSED", () => {
  const s = socketTimeWait();
  send(s, { seq: 2, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, null);
});

Deno.test("TIME-WAIT: a SYN gets a challenge ACK, not a new connection", () => {
  const s = socketTimeWait();
  send(s, { seq: 100, control: "syn" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=2"]);
  assert.equal(s.state, "TIME-WAIT");
});

Deno.test("TIME-WAIT: an in-window ACK changes nothing", () => {
  const s = socketTimeWait();
  send(s, { seq: 2, ack: 2 });
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "TIME-WAIT");
});

Deno.test("TIME-WAIT: send() throws; abort() closes without a RST", () => {
  const s = socketTimeWait();
  assert.throws(() => s.send(bytes("x")), TcpError);
  s.abort(0);
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "CLOSED");
});

// --- CLOSE-WAIT -----------------------------------------------------------

Deno.test("CLOSE-WAIT: this end may still send (half-close)", () => {
  const s = socketCloseWait();
  s.send(bytes("answer"));
  assert.deepEqual(recv(s), ["PSH,ACK seq=1 ack=2 len=6"]);
});

Deno.test("CLOSE-WAIT: close() sends our FIN; -> LAST-ACK", () => {
  const s = socketCloseWait();
  s.close(0);
  assert.deepEqual(recv(s), ["FIN,ACK seq=1 ack=2"]);
  assert.equal(s.state, "LAST-ACK");
});

Deno.test("CLOSE-WAIT: a retransmitted FIN is ACKed again", () => {
  const s = socketCloseWait();
  send(s, { seq: 1, ack: 1, control: "fin" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=2"]);
});

Deno.test("CLOSE-WAIT: data past the FIN is ignored", () => {
  const s = socketCloseWait();
  send(s, { seq: 2, ack: 1, data: "late" });
  assert.equal(s.recvQueue, 0);
});

Deno.test("CLOSE-WAIT: a RST -> CLOSED, reset", () => {
  const s = socketCloseWait();
  send(s, { seq: 2, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "reset");
});

Deno.test("CLOSE-WAIT: the stream has ended for the reader", () => {
  const s = socketCloseWait();
  assert.equal(s.recvFinished, true);
  assert.equal(s.recv().length, 0);
});

// --- LAST-ACK -------------------------------------------------------------

Deno.test("LAST-ACK: the ACK of our FIN -> CLOSED without an error", () => {
  const s = socketLastAck();
  send(s, { seq: 2, ack: 2 });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, null);
  assert.equal(s.pollAt(), null);
});

Deno.test("LAST-ACK: an ACK short of the FIN keeps LAST-ACK", () => {
  const s = socketLastAck();
  send(s, { seq: 2, ack: 1 });
  assert.equal(s.state, "LAST-ACK");
});

Deno.test("LAST-ACK: our FIN is retransmitted after the RTO", () => {
  const s = socketLastAck();
  assert.deepEqual(recv(s, s.pollAt()!), ["FIN,ACK seq=1 ack=2"]);
});

Deno.test("LAST-ACK: a RST -> CLOSED without an error", () => {
  const s = socketLastAck();
  send(s, { seq: 2, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, null);
});

Deno.test("LAST-ACK: a SYN gets a challenge ACK", () => {
  const s = socketLastAck();
  send(s, { seq: 2, control: "syn" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=2"]);
});

// --- trace ----------------------------------------------------------------

Deno.test("trace: every state change is an event with its reason", () => {
  const events: TraceEvent[] = [];
  const s = socket({}, events);
  s.connect(0, LOCAL, REMOTE);
  s.poll(0);
  send(s, { seq: 0, ack: 1, control: "syn" }, 10);
  s.close(10);
  s.poll(10);
  const states = events.flatMap((e) => e.kind === "state" ? [`${e.from}->${e.to}`] : []);
  assert.deepEqual(states, [
    "CLOSED->SYN-SENT",
    "SYN-SENT->ESTABLISHED",
    "ESTABLISHED->FIN-WAIT-1",
  ]);
});

Deno.test("trace: segments carry relative numbers and the retransmission mark", () => {
  const events: TraceEvent[] = [];
  const s = socket({}, events);
  s.connect(0, LOCAL, REMOTE);
  s.poll(0);
  s.poll(1000);
  const sent = events.flatMap((e) => e.kind === "segment" ? [[e.relSeq, e.retransmission]] : []);
  assert.deepEqual(sent, [[0, false], [0, true]]);
  assert.ok(events.some((e) => e.kind === "timer" && e.timer === "retransmit" && e.rto === 2000));
});
