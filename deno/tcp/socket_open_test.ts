// Segment-level tests of opening a connection, grouped by state: given this
// state, this arriving segment at this time -> exactly this reply and this
// new state (RFC 9293 §3.10.7.1 to §3.10.7.3, RFC 5961).
import assert from "node:assert/strict";
import {
  L_ISS,
  LOCAL,
  recv,
  REMOTE,
  send,
  socket,
  socketEstablished,
  socketListen,
  socketSynReceived,
  socketSynSent,
} from "./_testing.ts";
import { resetFor, TcpError, TcpSocket } from "./socket.ts";
import { tcpRepr } from "../wire/tcp.ts";

// --- CLOSED ---------------------------------------------------------------

Deno.test("CLOSED: an ACK is answered <SEQ=SEG.ACK><CTL=RST>", () => {
  const s = socket();
  send(s, { seq: 5, ack: 7 });
  assert.deepEqual(recv(s), ["RST seq=7"]);
  assert.equal(s.state, "CLOSED");
});

Deno.test("CLOSED: a SYN is answered <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>", () => {
  const s = socket();
  send(s, { seq: 0, control: "syn" });
  const [rst] = s.poll(0);
  assert.equal(rst.control, "rst");
  assert.equal(rst.seq, 0);
  assert.equal(rst.ack, (0xffff_ffd0 + 1) >>> 0);
});

Deno.test("CLOSED: data without ACK is answered with ACK=SEG.SEQ+SEG.LEN", () => {
  const s = socket();
  send(s, { seq: 10, data: "hello" });
  assert.deepEqual(recv(s).map((t) => t.replace(/seq=-?\d+/, "")), ["RST,ACK  ack=15"]);
});

Deno.test("CLOSED: a FIN without ACK counts one in ACK=SEG.SEQ+SEG.LEN", () => {
  const s = socket();
  send(s, { seq: 3, control: "fin" });
  assert.match(recv(s)[0], /^RST,ACK .*ack=4$/);
});

Deno.test("CLOSED: a RST is never answered", () => {
  const s = socket();
  send(s, { seq: 1, ack: 1, control: "rst" });
  assert.deepEqual(recv(s), []);
});

Deno.test("resetFor() swaps the ports and answers an ACK with its ACK number", () => {
  const rst = resetFor(tcpRepr({ srcPort: 1, dstPort: 2, seq: 9, ack: 77 }))!;
  assert.deepEqual([rst.srcPort, rst.dstPort, rst.seq, rst.ack, rst.control], [
    2,
    1,
    77,
    null,
    "rst",
  ]);
  assert.equal(resetFor(tcpRepr({ seq: 1, control: "rst" })), null);
});

Deno.test("CLOSED: send() throws a TcpError naming the state", () => {
  assert.throws(() => socket().send(new Uint8Array(1)), (e: Error) => {
    return e instanceof TcpError && /CLOSED/.test(e.message);
  });
});

Deno.test("CLOSED: a socket that was open and closed cannot be opened again", () => {
  const s = socketSynSent();
  s.close(0);
  assert.throws(() => s.connect(0, LOCAL, REMOTE), /opens only once/);
  assert.throws(() => s.listen(0, LOCAL), /opens only once/);
});

Deno.test("CLOSED: close() and abort() do nothing and send nothing", () => {
  const s = socket();
  s.close(0);
  s.abort(0);
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "CLOSED");
});

Deno.test("TcpSocket() rejects impossible settings with RangeError and TypeError", () => {
  assert.throws(() => new TcpSocket({ mss: 0 }), RangeError);
  assert.throws(() => new TcpSocket({ recvBufferSize: 2 ** 31 }), /RFC 7323/);
  assert.throws(() => new TcpSocket({ msl: -1 }), RangeError);
  assert.throws(() => new TcpSocket({ rtt: { initialRto: 1, minRto: 10, maxRto: 5 } }), RangeError);
  assert.throws(() => new TcpSocket({ isn: 5 as never }), TypeError);
  assert.throws(() => new TcpSocket({ keepAlive: { idle: 0, interval: 1, count: 1 } }), RangeError);
});

// --- LISTEN ---------------------------------------------------------------

Deno.test("LISTEN: a SYN gets a SYN,ACK with our MSS and moves to SYN-RECEIVED", () => {
  const s = socketListen();
  send(s, { seq: 0, control: "syn", mss: 1400 });
  assert.deepEqual(recv(s), ["SYN,ACK seq=0 ack=1 mss=1460"]);
  assert.equal(s.state, "SYN-RECEIVED");
});

Deno.test("LISTEN: the peer's MSS option caps our segments", () => {
  const s = socketListen();
  send(s, { seq: 0, control: "syn", mss: 500 });
  assert.equal(s.tcb.peerMss, 500);
});

Deno.test("LISTEN: a SYN without an MSS option means 536 bytes (RFC 9293 §3.7.1)", () => {
  const s = socketListen();
  send(s, { seq: 0, control: "syn" });
  assert.equal(s.tcb.peerMss, 536);
});

Deno.test("LISTEN: a RST is ignored", () => {
  const s = socketListen();
  send(s, { seq: 0, control: "rst" });
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "LISTEN");
});

Deno.test("LISTEN: an ACK is answered <SEQ=SEG.ACK><CTL=RST>", () => {
  const s = socketListen();
  send(s, { seq: 0, ack: 55 });
  assert.deepEqual(recv(s), ["RST seq=55"]);
  assert.equal(s.state, "LISTEN");
});

Deno.test("LISTEN: a SYN,ACK is answered with a RST, not accepted", () => {
  const s = socketListen();
  send(s, { seq: 0, ack: 3, control: "syn" });
  assert.deepEqual(recv(s), ["RST seq=3"]);
  assert.equal(s.state, "LISTEN");
});

Deno.test("LISTEN: a FIN without ACK is dropped silently", () => {
  const s = socketListen();
  send(s, { seq: 0, control: "fin" });
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "LISTEN");
});

Deno.test("LISTEN: plain data without ACK is dropped silently", () => {
  const s = socketListen();
  send(s, { seq: 0, data: "x" });
  assert.deepEqual(recv(s), []);
});

Deno.test("LISTEN: close() goes to CLOSED without sending", () => {
  const s = socketListen();
  s.close(0);
  assert.equal(s.state, "CLOSED");
  assert.deepEqual(recv(s), []);
});

Deno.test("LISTEN: listen() again throws a TcpError", () => {
  assert.throws(() => socketListen().listen(0, LOCAL), TcpError);
});

Deno.test("LISTEN: the ISS comes from the generator with the 4-tuple and the time", () => {
  const seen: unknown[] = [];
  const s = socketListen({
    isn: (l, r, now) => {
      seen.push([l.port, r.port, now]);
      return L_ISS;
    },
  });
  send(s, { seq: 0, control: "syn" }, 42);
  assert.deepEqual(seen, [[LOCAL.port, REMOTE.port, 42]]);
});

Deno.test("LISTEN: no timer is armed", () => {
  assert.equal(socketListen().pollAt(), null);
});

// --- SYN-SENT -------------------------------------------------------------

Deno.test("SYN-SENT: connect() sends one SYN offering MSS, window scale, SACK and timestamps, and no ACK", () => {
  const s = socket();
  s.connect(0, LOCAL, REMOTE);
  assert.deepEqual(recv(s), ["SYN seq=0 mss=1460 ws=0 sackOK TS"]);
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "SYN-SENT");
});

Deno.test("SYN-SENT: connect() rejects port 0 and a non-CLOSED socket", () => {
  assert.throws(() => socket().connect(0, LOCAL, { ...REMOTE, port: 0 }), RangeError);
  assert.throws(() => socket().connect(0, LOCAL, { ...REMOTE, port: 70000 }), RangeError);
  assert.throws(() => socketSynSent().connect(0, LOCAL, REMOTE), TcpError);
});

Deno.test("SYN-SENT: a SYN,ACK acknowledging the SYN is ACKed; -> ESTABLISHED", () => {
  const s = socketSynSent();
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1200, window: 5000 });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.state, "ESTABLISHED");
  assert.equal(s.tcb.peerMss, 1200);
  assert.equal(s.tcb.sndWnd, 5000);
});

Deno.test("SYN-SENT: a SYN,ACK with ACK = ISS is answered with RST", () => {
  const s = socketSynSent();
  send(s, { seq: 0, ack: 0, control: "syn" });
  assert.deepEqual(recv(s), ["RST seq=0"]);
  assert.equal(s.state, "SYN-SENT");
});

Deno.test("SYN-SENT: an ACK beyond SND.NXT is answered with RST", () => {
  const s = socketSynSent();
  send(s, { seq: 0, ack: 2 });
  assert.deepEqual(recv(s), ["RST seq=2"]);
  assert.equal(s.state, "SYN-SENT");
});

Deno.test("SYN-SENT: a RST with an acceptable ACK refuses the connection; -> CLOSED", () => {
  const s = socketSynSent();
  send(s, { seq: 0, ack: 1, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "refused");
  assert.deepEqual(recv(s), []);
});

Deno.test("SYN-SENT: a RST without ACK is dropped (RFC 5961 §3.2)", () => {
  const s = socketSynSent();
  send(s, { seq: 0, control: "rst" });
  assert.equal(s.state, "SYN-SENT");
  assert.deepEqual(recv(s), []);
});

Deno.test("SYN-SENT: a RST with an unacceptable ACK is dropped, not answered", () => {
  const s = socketSynSent();
  send(s, { seq: 0, ack: 9, control: "rst" });
  assert.equal(s.state, "SYN-SENT");
  assert.deepEqual(recv(s), []);
});

Deno.test("SYN-SENT: a SYN without ACK is simultaneous open: SYN,ACK; -> SYN-RECEIVED", () => {
  const s = socketSynSent();
  send(s, { seq: 0, control: "syn", mss: 1460 });
  assert.deepEqual(recv(s), ["SYN,ACK seq=0 ack=1 mss=1460"]);
  assert.equal(s.state, "SYN-RECEIVED");
});

Deno.test("SYN-SENT: an acceptable ACK without SYN is dropped", () => {
  const s = socketSynSent();
  send(s, { seq: 0, ack: 1 });
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "SYN-SENT");
});

Deno.test("SYN-SENT: a segment with neither SYN nor RST nor ACK is dropped", () => {
  const s = socketSynSent();
  send(s, { seq: 0, data: "early" });
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "SYN-SENT");
});

Deno.test("SYN-SENT: the SYN is retransmitted after the RTO, then after twice it", () => {
  const s = socketSynSent();
  assert.equal(s.pollAt(), 1000);
  assert.deepEqual(recv(s, 999), []);
  assert.deepEqual(recv(s, 1000), ["SYN seq=0 mss=1460 ws=0 sackOK TS"]);
  assert.equal(s.pollAt(), 3000);
  assert.deepEqual(recv(s, 3000), ["SYN seq=0 mss=1460 ws=0 sackOK TS"]);
  assert.equal(s.rtt.rto, 4000);
});

Deno.test("SYN-SENT: the user timeout gives up without a RST; -> CLOSED, timed out", () => {
  const s = socketSynSent({ userTimeout: 2500 });
  recv(s, 1000);
  assert.deepEqual(recv(s, 3000), []);
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "timed out");
});

Deno.test("SYN-SENT: close() with nothing queued deletes the TCB; -> CLOSED", () => {
  const s = socketSynSent();
  s.close(0);
  assert.equal(s.state, "CLOSED");
  assert.equal(s.pollAt(), null);
});

Deno.test("SYN-SENT: data queued early goes out right after the handshake", () => {
  const s = socketSynSent();
  assert.equal(s.send(new TextEncoder().encode("hi")), 2);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460 });
  assert.deepEqual(recv(s), ["PSH,ACK seq=1 ack=1 len=2"]);
});

Deno.test("SYN-SENT: close() with data queued sends the FIN after the data", () => {
  const s = socketSynSent();
  s.send(new TextEncoder().encode("bye"));
  s.close(0);
  assert.equal(s.state, "SYN-SENT");
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460 });
  assert.deepEqual(recv(s), ["FIN,PSH,ACK seq=1 ack=1 len=3"]);
  assert.equal(s.state, "FIN-WAIT-1");
});

Deno.test("SYN-SENT: the handshake gives the first RTT sample", () => {
  const s = socketSynSent();
  send(s, { seq: 0, ack: 1, control: "syn" }, 50);
  assert.equal(s.rtt.srtt, 50);
  assert.equal(s.rtt.rto, 200); // 50 + 4 * 25 = 150, raised to the 200 ms minimum
});

Deno.test("SYN-SENT: Karn's rule: a SYN-ACK after a retransmitted SYN is not sampled", () => {
  const s = socketSynSent();
  recv(s, 1000);
  send(s, { seq: 0, ack: 1, control: "syn" }, 1100);
  assert.equal(s.rtt.srtt, null);
});

Deno.test("SYN-SENT: abort() sends nothing (no peer state to reset)", () => {
  const s = socketSynSent();
  s.abort(0);
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "CLOSED");
});

// --- SYN-RECEIVED ---------------------------------------------------------

Deno.test("SYN-RECEIVED: the ACK of our SYN -> ESTABLISHED, nothing sent", () => {
  const s = socketSynReceived();
  send(s, { seq: 1, ack: 1 });
  assert.equal(s.state, "ESTABLISHED");
  assert.deepEqual(recv(s), []);
  assert.equal(s.pollAt(), null);
});

Deno.test("SYN-RECEIVED: an unacceptable ACK is answered <SEQ=SEG.ACK><CTL=RST>", () => {
  const s = socketSynReceived();
  send(s, { seq: 1, ack: 5 });
  assert.deepEqual(recv(s), ["RST seq=5"]);
  assert.equal(s.state, "SYN-RECEIVED");
});

Deno.test("SYN-RECEIVED: a RST at RCV.NXT returns a passive open to LISTEN", () => {
  const s = socketSynReceived();
  send(s, { seq: 1, control: "rst" });
  assert.equal(s.state, "LISTEN");
  assert.deepEqual(recv(s), []);
});

Deno.test("SYN-RECEIVED: a RST after simultaneous open -> CLOSED, refused", () => {
  const s = socketSynSent();
  send(s, { seq: 0, control: "syn" });
  recv(s);
  send(s, { seq: 1, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "refused");
});

Deno.test("SYN-RECEIVED: a RST in the window but not at RCV.NXT gets a challenge ACK", () => {
  const s = socketSynReceived();
  send(s, { seq: 100, control: "rst" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.state, "SYN-RECEIVED");
});

Deno.test("SYN-RECEIVED: a new SYN in the window returns a passive open to LISTEN", () => {
  const s = socketSynReceived();
  send(s, { seq: 50, control: "syn" });
  assert.equal(s.state, "LISTEN");
  assert.deepEqual(recv(s), []);
  send(s, { seq: 0, control: "syn", mss: 1460 }); // and it can accept again
  assert.deepEqual(recv(s), ["SYN,ACK seq=0 ack=1 mss=1460"]);
});

Deno.test("SYN-RECEIVED: a new SYN after simultaneous open gets a challenge ACK", () => {
  const s = socketSynSent();
  send(s, { seq: 0, control: "syn" });
  recv(s);
  send(s, { seq: 50, control: "syn" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.state, "SYN-RECEIVED");
});

Deno.test("LISTEN: data on a SYN is not acknowledged (it must be sent again)", () => {
  const s = socketListen();
  send(s, { seq: 0, control: "syn", data: "early" });
  assert.deepEqual(recv(s), ["SYN,ACK seq=0 ack=1 mss=1460"]);
  assert.equal(s.recvQueue, 0);
});

Deno.test("SYN-RECEIVED: a retransmitted SYN gets the SYN,ACK again", () => {
  const s = socketSynReceived();
  send(s, { seq: 0, control: "syn", mss: 1460 });
  assert.deepEqual(recv(s), ["SYN,ACK seq=0 ack=1 mss=1460"]);
});

Deno.test("SYN-RECEIVED: data with the ACK -> ESTABLISHED and the data is ACKed", () => {
  const s = socketSynReceived();
  send(s, { seq: 1, ack: 1, data: "GET" });
  assert.equal(s.state, "ESTABLISHED");
  assert.deepEqual(recv(s), ["ACK seq=1 ack=4"]);
  assert.equal(new TextDecoder().decode(s.recv()), "GET");
});

Deno.test("SYN-RECEIVED: a segment without ACK is dropped", () => {
  const s = socketSynReceived();
  send(s, { seq: 1, data: "x" });
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "SYN-RECEIVED");
});

Deno.test("SYN-RECEIVED: a segment outside the window is answered with an ACK", () => {
  const s = socketSynReceived();
  send(s, { seq: 200_000, ack: 1, data: "x" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.state, "SYN-RECEIVED");
});

Deno.test("SYN-RECEIVED: the SYN,ACK is retransmitted after the RTO", () => {
  const s = socketSynReceived();
  assert.deepEqual(recv(s, 1000), ["SYN,ACK seq=0 ack=1 mss=1460"]);
});

Deno.test("SYN-RECEIVED: a FIN with the ACK -> ESTABLISHED -> CLOSE-WAIT", () => {
  const s = socketSynReceived();
  send(s, { seq: 1, ack: 1, control: "fin" });
  assert.equal(s.state, "CLOSE-WAIT");
  assert.deepEqual(recv(s), ["ACK seq=1 ack=2"]);
});

Deno.test("SYN-RECEIVED: close() queues the FIN until the handshake completes", () => {
  const s = socketSynReceived();
  s.close(0);
  assert.deepEqual(recv(s), []);
  send(s, { seq: 1, ack: 1 });
  assert.deepEqual(recv(s), ["FIN,ACK seq=1 ack=1"]);
  assert.equal(s.state, "FIN-WAIT-1");
});

Deno.test("SYN-RECEIVED: a SYN-ACK crossing ours (simultaneous open) is ACKed, then ESTABLISHED", () => {
  const s = socketSynSent();
  send(s, { seq: 0, control: "syn", mss: 1460 });
  recv(s);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460 });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  send(s, { seq: 1, ack: 1 });
  assert.equal(s.state, "ESTABLISHED");
});

Deno.test("SYN-RECEIVED: abort() sends <SEQ=SND.NXT><CTL=RST>", () => {
  const s = socketSynReceived();
  s.abort(0);
  assert.deepEqual(recv(s), ["RST seq=1"]);
  assert.equal(s.state, "CLOSED");
});

Deno.test("ESTABLISHED via the fixtures has no timer and nothing to send", () => {
  const s = socketEstablished();
  assert.equal(s.pollAt(), null);
  assert.deepEqual(recv(s), []);
});
