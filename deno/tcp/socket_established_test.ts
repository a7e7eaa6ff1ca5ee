// Segment-level tests of ESTABLISHED: data, acknowledgements, windows,
// retransmission, probes and the RFC 5961 checks (RFC 9293 §3.10.7.4,
// RFC 6298, RFC 5961).
import assert from "node:assert/strict";
import {
  bytes,
  recv,
  send,
  socketEstablished,
  socketEstablishedSackTs,
  text,
  windowOf,
} from "./_testing.ts";
import { type CongestionController, FixedWindow } from "./congestion.ts";
import { TcpError } from "./socket.ts";

// --- receiving ------------------------------------------------------------

Deno.test("ESTABLISHED: in-order data is ACKed and readable", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, data: "hello" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=6"]);
  assert.equal(text(s.recv()), "hello");
});

Deno.test("ESTABLISHED: unread data shrinks the advertised window", () => {
  const s = socketEstablished({ recvBufferSize: 1000 });
  send(s, { seq: 1, ack: 1, data: "hello" });
  assert.equal(windowOf(s), 995);
});

Deno.test("ESTABLISHED: out-of-order data gets an immediate duplicate ACK", () => {
  const s = socketEstablished();
  send(s, { seq: 4, ack: 1, data: "def" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.recvQueue, 0);
});

Deno.test("ESTABLISHED: filling the gap ACKs everything held", () => {
  const s = socketEstablished();
  send(s, { seq: 4, ack: 1, data: "def" });
  recv(s);
  send(s, { seq: 1, ack: 1, data: "abc" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=7"]);
  assert.equal(text(s.recv()), "abcdef");
});

Deno.test("ESTABLISHED: a duplicate of old data is answered with an ACK of RCV.NXT", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, data: "abc" });
  recv(s);
  send(s, { seq: 1, ack: 1, data: "abc" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=4"]);
  assert.equal(text(s.recv()), "abc");
});

Deno.test("ESTABLISHED: a segment straddling RCV.NXT gives only its new bytes", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, data: "abc" });
  send(s, { seq: 2, ack: 1, data: "bcdef" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=7"]);
  assert.equal(text(s.recv()), "abcdef");
});

Deno.test("ESTABLISHED: data past the window's right edge is cut off", () => {
  const s = socketEstablished({ recvBufferSize: 4 });
  send(s, { seq: 1, ack: 1, data: "abcdef" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=5"]);
  assert.equal(text(s.recv()), "abcd");
});

Deno.test("ESTABLISHED: a segment wholly beyond the window is answered with an ACK", () => {
  const s = socketEstablished({ recvBufferSize: 100 });
  send(s, { seq: 500, ack: 1, data: "zz" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.recvQueue, 0);
});

Deno.test("ESTABLISHED: with a zero window, data at RCV.NXT is refused but its ACK is used", () => {
  const s = socketEstablished({ recvBufferSize: 3 });
  s.send(bytes("x"));
  recv(s);
  send(s, { seq: 1, ack: 1, data: "abc" });
  recv(s);
  send(s, { seq: 4, ack: 2, data: "d" });
  assert.deepEqual(recv(s), ["ACK seq=2 ack=4"]);
  assert.equal(s.sendQueue, 0); // the ACK of "x" was taken
  assert.equal(text(s.recv()), "abc");
});

Deno.test("ESTABLISHED: a segment without ACK is dropped", () => {
  const s = socketEstablished();
  send(s, { seq: 1, data: "abc" });
  assert.deepEqual(recv(s), []);
  assert.equal(s.recvQueue, 0);
});

Deno.test("ESTABLISHED: a FIN is ACKed; -> CLOSE-WAIT and the stream ends", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, data: "end", control: "fin" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=5"]);
  assert.equal(s.state, "CLOSE-WAIT");
  assert.equal(s.recvFinished, false);
  assert.equal(text(s.recv()), "end");
  assert.equal(s.recvFinished, true);
});

Deno.test("ESTABLISHED: a FIN after a gap waits for the gap to fill", () => {
  const s = socketEstablished();
  send(s, { seq: 4, ack: 1, data: "def", control: "fin" });
  assert.equal(s.state, "ESTABLISHED");
  recv(s);
  send(s, { seq: 1, ack: 1, data: "abc" });
  assert.equal(s.state, "CLOSE-WAIT");
  assert.deepEqual(recv(s), ["ACK seq=1 ack=8"]);
});

Deno.test("ESTABLISHED: delayed ACK waits for the timeout for a single segment", () => {
  const s = socketEstablished({ delayedAck: 40 });
  send(s, { seq: 1, ack: 1, data: "a" }, 100);
  assert.deepEqual(recv(s, 100), []);
  assert.equal(s.pollAt(), 140);
  assert.deepEqual(recv(s, 140), ["ACK seq=1 ack=2"]);
});

Deno.test("ESTABLISHED: delayed ACK acknowledges every second segment at once", () => {
  const s = socketEstablished({ delayedAck: 40 });
  send(s, { seq: 1, ack: 1, data: "a" });
  send(s, { seq: 2, ack: 1, data: "b" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=3"]);
  assert.equal(s.pollAt(), null);
});

Deno.test("ESTABLISHED: delayed ACK rides on outgoing data", () => {
  const s = socketEstablished({ delayedAck: 40 });
  send(s, { seq: 1, ack: 1, data: "q" });
  s.send(bytes("r"));
  assert.deepEqual(recv(s), ["PSH,ACK seq=1 ack=2 len=1"]);
});

Deno.test("ESTABLISHED: receiver SWS avoidance keeps a small opening unannounced", () => {
  const s = socketEstablished({ recvBufferSize: 2000, mss: 1000 });
  send(s, { seq: 1, ack: 1, data: "x".repeat(2000) });
  assert.equal(windowOf(s), 0);
  s.recv(10);
  assert.deepEqual(recv(s), []); // 10 bytes free: not worth a window update
  s.recv(990);
  assert.equal(windowOf(s), 1000); // half the buffer: announced
});

Deno.test("ESTABLISHED: reading from a zero window sends a window update", () => {
  const s = socketEstablished({ recvBufferSize: 100, mss: 50 });
  send(s, { seq: 1, ack: 1, data: "y".repeat(100) });
  recv(s);
  s.recv();
  assert.deepEqual(recv(s), ["ACK seq=1 ack=101"]);
});

// --- sending --------------------------------------------------------------

Deno.test("ESTABLISHED: send() goes out as one PSH segment", () => {
  const s = socketEstablished();
  assert.equal(s.send(bytes("hello")), 5);
  assert.deepEqual(recv(s), ["PSH,ACK seq=1 ack=1 len=5"]);
  assert.equal(s.pollAt(), s.rtt.rto); // 200: the handshake's sample of 0 ms, raised to the minimum
});

Deno.test("ESTABLISHED: data longer than the peer's MSS is split into segments", () => {
  const s = socketEstablished();
  s.send(new Uint8Array(3000));
  assert.deepEqual(recv(s), [
    "ACK seq=1 ack=1 len=1460",
    "ACK seq=1461 ack=1 len=1460",
    "PSH,ACK seq=2921 ack=1 len=80",
  ]);
});

Deno.test("ESTABLISHED: the peer's window limits what is in flight", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, window: 100 });
  s.send(new Uint8Array(300));
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=100"]);
  send(s, { seq: 1, ack: 101, window: 100 });
  assert.deepEqual(recv(s), ["ACK seq=101 ack=1 len=100"]);
});

Deno.test("ESTABLISHED: send() takes only what fits the send buffer", () => {
  const s = socketEstablished({ sendBufferSize: 10 });
  assert.equal(s.send(new Uint8Array(25)), 10);
  assert.equal(s.sendCapacity, 0);
});

Deno.test("ESTABLISHED: a full ACK stops the retransmission timer", () => {
  const s = socketEstablished();
  s.send(bytes("abc"));
  recv(s);
  send(s, { seq: 1, ack: 4 }, 30);
  assert.equal(s.pollAt(), null);
  assert.equal(s.sendQueue, 0);
});

Deno.test("ESTABLISHED: a partial ACK restarts the retransmission timer", () => {
  const s = socketEstablished();
  s.send(new Uint8Array(3000));
  recv(s);
  send(s, { seq: 1, ack: 1461 }, 500);
  assert.equal(s.pollAt(), 500 + s.rtt.rto);
  assert.equal(s.sendQueue, 1540);
});

Deno.test("ESTABLISHED: an ACK gives an RTT sample (RFC 6298 §2.3)", () => {
  const s = socketEstablished(); // the handshake sampled 0 ms
  s.send(bytes("abc"));
  recv(s, 100);
  send(s, { seq: 1, ack: 4 }, 300);
  assert.equal(s.rtt.rttvar, 50); // 3/4 * 0 + 1/4 * |0 - 200|
  assert.equal(s.rtt.srtt, 25); // 7/8 * 0 + 1/8 * 200
  assert.equal(s.rtt.rto, 225); // 25 + 4 * 50
});

Deno.test("ESTABLISHED: on timeout one segment is re-sent from SND.UNA and the RTO doubles", () => {
  // RFC 5681 §3.1: after a retransmission timeout the window is one segment
  // (the loss window); the rest follows in slow start, not in a burst.
  const s = socketEstablished();
  s.send(new Uint8Array(2000));
  recv(s);
  assert.deepEqual(recv(s, 199), []);
  assert.deepEqual(recv(s, 200), ["ACK seq=1 ack=1 len=1460"]);
  assert.equal(s.rtt.rto, 400);
  assert.equal(s.pollAt(), 600);
  assert.equal(s.stats.retransmissions, 1);
  assert.equal(s.congestion.cwnd, 1460);
  send(s, { seq: 1, ack: 1461 }, 250);
  assert.deepEqual(recv(s, 250), ["PSH,ACK seq=1461 ack=1 len=540"]);
  assert.equal(s.stats.retransmissions, 2);
});

Deno.test("ESTABLISHED: Karn's rule: the ACK of a retransmission gives no sample", () => {
  const s = socketEstablished();
  s.send(bytes("abc"));
  recv(s);
  const before = s.rtt.srtt;
  recv(s, 200);
  send(s, { seq: 1, ack: 4 }, 1010);
  assert.equal(s.rtt.srtt, before);
});

Deno.test("ESTABLISHED: an ACK of new data clears the RTO backoff", () => {
  const s = socketEstablished();
  s.send(new Uint8Array(3000));
  recv(s);
  recv(s, 200);
  assert.equal(s.rtt.backoffs, 1);
  send(s, { seq: 1, ack: 1461 }, 300);
  assert.equal(s.rtt.backoffs, 0);
});

Deno.test("ESTABLISHED: after go-back-N an ACK beyond SND.NXT but sent before is taken", () => {
  const s = socketEstablished();
  s.send(new Uint8Array(3000));
  recv(s);
  s.poll(200); // go back to SND.UNA and re-send
  send(s, { seq: 1, ack: 3001 }, 201);
  assert.equal(s.sendQueue, 0);
  assert.equal(s.pollAt(), null);
});

Deno.test("ESTABLISHED: the user timeout aborts with a RST; -> CLOSED, timed out", () => {
  const s = socketEstablished({ userTimeout: 2500 });
  s.send(bytes("abc"));
  recv(s);
  assert.deepEqual(recv(s, 200), ["PSH,ACK seq=1 ack=1 len=3"]);
  assert.deepEqual(recv(s, 600), ["PSH,ACK seq=1 ack=1 len=3"]);
  assert.deepEqual(recv(s, 1400), ["PSH,ACK seq=1 ack=1 len=3"]);
  assert.deepEqual(recv(s, 3000), ["RST seq=4"]); // 3000 ms without progress > 2500
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "timed out");
});

Deno.test("ESTABLISHED: an ACK of unsent data is answered with an ACK and dropped", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 50, data: "zz" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.recvQueue, 0);
});

Deno.test("ESTABLISHED: an ACK older than SND.UNA - MAX.SND.WND gets a challenge ACK", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: -100_000, data: "zz" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.recvQueue, 0);
});

Deno.test("ESTABLISHED: an old duplicate ACK does not shrink the window (SND.WL1/WL2)", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, data: "a", window: 5000 });
  send(s, { seq: 2, ack: 1, window: 10 }); // newer: SND.WL1 < SEG.SEQ
  assert.equal(s.tcb.sndWnd, 10);
  send(s, { seq: 1, ack: 1, data: "ab", window: 7 }); // starts before SND.WL1: ignored
  assert.equal(s.tcb.sndWnd, 10);
});

Deno.test("ESTABLISHED: Nagle holds a small segment while data is unacknowledged", () => {
  const s = socketEstablished({ nagle: true });
  s.send(bytes("a"));
  assert.deepEqual(recv(s), ["PSH,ACK seq=1 ack=1 len=1"]);
  s.send(bytes("b"));
  assert.deepEqual(recv(s), []);
  send(s, { seq: 1, ack: 2 });
  assert.deepEqual(recv(s), ["PSH,ACK seq=2 ack=1 len=1"]);
});

Deno.test("ESTABLISHED: without Nagle small segments go out at once", () => {
  const s = socketEstablished({ nagle: false });
  s.send(bytes("a"));
  recv(s);
  s.send(bytes("b"));
  assert.deepEqual(recv(s), ["PSH,ACK seq=2 ack=1 len=1"]);
});

Deno.test("ESTABLISHED: Nagle still sends full-sized segments", () => {
  const s = socketEstablished({ nagle: true });
  s.send(bytes("a"));
  recv(s);
  s.send(new Uint8Array(1460));
  assert.deepEqual(recv(s), ["PSH,ACK seq=2 ack=1 len=1460"]);
});

Deno.test("ESTABLISHED: sender SWS avoidance holds a sliver of window while data is in flight", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, window: 1000 });
  s.send(new Uint8Array(1100));
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=1000"]);
  send(s, { seq: 1, ack: 991, window: 20 }); // 10 bytes usable, 100 waiting
  assert.deepEqual(recv(s), []);
});

Deno.test("ESTABLISHED: a zero window arms the persist timer and probes with SND.UNA-1", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, window: 0 });
  s.send(bytes("wait"));
  assert.deepEqual(recv(s), []);
  assert.equal(s.pollAt(), 200);
  assert.deepEqual(recv(s, 200), ["ACK seq=0 ack=1"]);
  assert.equal(s.pollAt(), 600); // backed off to twice the RTO
});

Deno.test("ESTABLISHED: a window update after a zero window releases the data", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, window: 0 });
  s.send(bytes("wait"));
  recv(s);
  send(s, { seq: 1, ack: 1, window: 100 }, 10);
  assert.deepEqual(recv(s, 10), ["PSH,ACK seq=1 ack=1 len=4"]);
  assert.equal(s.pollAt(), 210);
});

Deno.test("ESTABLISHED: a probe (old sequence number) is answered with an ACK and our window", () => {
  const s = socketEstablished();
  send(s, { seq: 0, ack: 1 });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
});

Deno.test("ESTABLISHED: keep-alive probes an idle peer, then aborts after `count` probes", () => {
  const s = socketEstablished({ keepAlive: { idle: 1000, interval: 100, count: 2 } });
  assert.equal(s.pollAt(), 1000);
  assert.deepEqual(recv(s, 1000), ["ACK seq=0 ack=1"]);
  assert.deepEqual(recv(s, 1100), ["ACK seq=0 ack=1"]);
  assert.deepEqual(recv(s, 1200), ["RST seq=1"]);
  assert.equal(s.error, "timed out");
});

Deno.test("ESTABLISHED: an answered keep-alive keeps the connection", () => {
  const s = socketEstablished({ keepAlive: { idle: 1000, interval: 100, count: 1 } });
  recv(s, 1000);
  send(s, { seq: 1, ack: 1 }, 1050);
  assert.deepEqual(recv(s, 1100), []);
  assert.equal(s.state, "ESTABLISHED");
  assert.equal(s.pollAt(), 2050);
});

Deno.test("ESTABLISHED: timeouts and ACKs of new data reach the congestion controller", () => {
  const calls: string[] = [];
  const cc: CongestionController = {
    name: "spy",
    cwnd: 1460,
    ssthresh: Infinity,
    start: () => {},
    onAck: (sample) => calls.push(`ack ${sample.delivered}`),
    onCongestion: (signal) => calls.push(signal),
    onRecoveryEnd: () => calls.push("recovery end"),
    onIdle: () => calls.push("idle"),
  };
  const s = socketEstablished({ congestion: () => cc });
  s.send(new Uint8Array(3000));
  assert.equal(recv(s).length, 1); // the congestion window allows one segment
  send(s, { seq: 1, ack: 1 });
  recv(s, 200);
  send(s, { seq: 1, ack: 1461 }, 201);
  assert.deepEqual(calls, ["rto", "ack 1460"]);
});

// --- RST and SYN in ESTABLISHED (RFC 5961) ---------------------------------

Deno.test("ESTABLISHED: a RST at RCV.NXT resets; -> CLOSED, reset", () => {
  const s = socketEstablished();
  send(s, { seq: 1, control: "rst" });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "reset");
  assert.deepEqual(recv(s), []);
  assert.throws(() => s.send(bytes("x")), TcpError);
});

Deno.test("ESTABLISHED: a RST in the window but not at RCV.NXT gets a challenge ACK", () => {
  const s = socketEstablished();
  send(s, { seq: 10, control: "rst" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.state, "ESTABLISHED");
});

Deno.test("ESTABLISHED: a RST outside the window is dropped silently", () => {
  const s = socketEstablished();
  send(s, { seq: 1_000_000, control: "rst" });
  assert.deepEqual(recv(s), []);
  assert.equal(s.state, "ESTABLISHED");
});

Deno.test("ESTABLISHED: a SYN in the window gets a challenge ACK (RFC 5961 §4)", () => {
  const s = socketEstablished();
  send(s, { seq: 5, control: "syn" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
  assert.equal(s.state, "ESTABLISHED");
});

Deno.test("ESTABLISHED: a SYN outside the window also gets a challenge ACK", () => {
  const s = socketEstablished();
  send(s, { seq: 9_000_000, control: "syn" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
});

Deno.test("ESTABLISHED: challenge ACKs are limited per second, then allowed again", () => {
  const s = socketEstablished({ challengeAckLimit: 2 });
  const burst = (now: number) => {
    let n = 0;
    for (let i = 0; i < 5; i++) {
      send(s, { seq: 10, control: "rst" }, now);
      n += recv(s, now).length;
    }
    return n;
  };
  assert.equal(burst(0), 2);
  assert.equal(burst(500), 0);
  assert.equal(burst(1000), 2);
});

Deno.test("ESTABLISHED: abort() sends <SEQ=SND.NXT><CTL=RST> and drops queued data", () => {
  const s = socketEstablished();
  send(s, { seq: 1, ack: 1, window: 0 });
  s.send(bytes("never"));
  s.abort(0);
  assert.deepEqual(recv(s), ["RST seq=1"]);
  assert.equal(s.error, "aborted");
});

Deno.test("ESTABLISHED: close() sends a FIN; -> FIN-WAIT-1", () => {
  const s = socketEstablished();
  s.close(0);
  assert.deepEqual(recv(s), ["FIN,ACK seq=1 ack=1"]);
  assert.equal(s.state, "FIN-WAIT-1");
});

Deno.test("ESTABLISHED: close() after data puts the FIN on the last data segment", () => {
  const s = socketEstablished();
  s.send(new Uint8Array(1500));
  s.close(0);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=1460", "FIN,PSH,ACK seq=1461 ack=1 len=40"]);
});

Deno.test("ESTABLISHED: send() after close() throws a TcpError", () => {
  const s = socketEstablished();
  s.close(0);
  assert.throws(() => s.send(bytes("late")), /closing/);
});

Deno.test("ESTABLISHED: sequence numbers wrap around 2^32", () => {
  const s = socketEstablished();
  // R_ISS is 0xffffffd0: 48 bytes on, the peer's sequence numbers wrap.
  send(s, { seq: 1, ack: 1, data: "a".repeat(100) });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=101"]);
  send(s, { seq: 101, ack: 1, data: "b" });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=102"]);
});

Deno.test("recvInto() moves received bytes into the caller's buffer and opens the window", () => {
  const s = socketEstablished({ recvBufferSize: 8 });
  send(s, { seq: 1, ack: 1, data: "abcdefgh" });
  assert.equal(windowOf(s), 0);
  const into = new Uint8Array(5);
  assert.equal(s.recvInto(into), 5);
  assert.equal(text(into), "abcde");
  assert.equal(s.recvQueue, 3);
  // Five of eight bytes free: past min(buffer/2, MSS), so a window update goes out.
  assert.equal(windowOf(s), 5);
  assert.equal(s.recvInto(new Uint8Array(16)), 3);
  assert.equal(s.recvInto(new Uint8Array(16)), 0);
  assert.throws(() => s.recvInto([] as unknown as Uint8Array), TypeError);
});

// --- segmentation offload (TSO) ----------------------------------------------

Deno.test("ESTABLISHED (TSO): new data leaves in segments of whole MSSes up to the offload size, as the windows allow", () => {
  const s = socketEstablished({
    segmentOffload: 8 * 1460,
    congestion: () => new FixedWindow(20 * 1460),
  });
  s.send(new Uint8Array(30 * 1460));
  // Two super-segments fill 16 of the window's 20 MSSes. The 4 left are
  // under a third of the window while data is in flight: they wait for ACKs
  // to make a larger one (Linux's tcp_tso_should_defer).
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=11680", "ACK seq=11681 ack=1 len=11680"]);
  send(s, { seq: 1, ack: 11681 });
  assert.deepEqual(recv(s), ["ACK seq=23361 ack=1 len=11680"]);
  // The tail of the data goes as what is left, not cut to whole MSSes.
  send(s, { seq: 1, ack: 35041 });
  assert.deepEqual(recv(s), ["PSH,ACK seq=35041 ack=1 len=8760"]);
});

Deno.test("ESTABLISHED (TSO): in slow start, an ACK of a whole super-segment grows the window by all of it", () => {
  for (const offload of [0, 8 * 1460]) {
    const s = socketEstablished({ segmentOffload: offload, pacing: false });
    const before = s.congestion.cwnd;
    s.send(new Uint8Array(30 * 1460));
    recv(s);
    send(s, { seq: 1, ack: 1 + 8 * 1460 }); // one ACK for eight MSSes
    // RFC 3465's L is two segments: two MSSes, or two super-segments.
    assert.equal(s.congestion.cwnd - before, offload ? 8 * 1460 : 2 * 1460);
  }
});

Deno.test("ESTABLISHED (TSO): without offload every segment is at most an MSS", () => {
  const s = socketEstablished({ congestion: () => new FixedWindow(20 * 1460) });
  s.send(new Uint8Array(3 * 1460));
  assert.deepEqual(recv(s), [
    "ACK seq=1 ack=1 len=1460",
    "ACK seq=1461 ack=1 len=1460",
    "PSH,ACK seq=2921 ack=1 len=1460",
  ]);
  assert.throws(() => socketEstablished({ segmentOffload: -1 }), RangeError);
  assert.throws(() => socketEstablished({ segmentOffload: 65536 }), /exceeds 65455/);
});

Deno.test("ESTABLISHED (TSO): a super-segment carries the SACK blocks each of its packets has room for", () => {
  const s = socketEstablishedSackTs({ segmentOffload: 8 * 1460 });
  // Out-of-order data opens a gap: segments now carry SACK blocks (RFC 2018 §4).
  send(s, { seq: 4, ack: 1, data: "def", ts: [1001, 0] });
  recv(s);
  // Each packet gives 12 bytes to timestamps and 28 to three SACK blocks.
  assert.equal(s.segmentSize, 1460 - 12 - 28);
  s.send(new Uint8Array(20 * 1460));
  const [first] = s.poll(0);
  assert.equal(first.payload.length % s.segmentSize, 0);
  assert.ok(first.payload.length > s.segmentSize);
  assert.deepEqual(first.sack.length, 1);
});
