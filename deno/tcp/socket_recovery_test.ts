// Segment-level tests of loss recovery and congestion control in
// ESTABLISHED: duplicate ACKs and fast retransmit (RFC 5681 §3.2), NewReno's
// partial ACKs (RFC 6582), SACK recovery (RFC 6675), RACK-TLP (RFC 8985),
// timestamps and PAWS (RFC 7323), D-SACK (RFC 2883), the retransmission
// timeout's loss window (RFC 5681 §3.1), and restart after idle (§4.1).
// Our data is numbered from 1 (relative to L_ISS), the peer's likewise.
import assert from "node:assert/strict";
import {
  L_ISS,
  LOCAL,
  recv,
  REMOTE,
  send,
  socket,
  socketEstablished,
  socketEstablishedSackTs,
} from "./_testing.ts";
import { Reno } from "./reno.ts";
import { Cubic } from "./cubic.ts";
import { FixedWindow } from "./congestion.ts";
import type { TcpConfig, TcpSocket } from "./socket.ts";
import type { TraceEvent } from "./events.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import { inetAddr } from "../wire/inet_addr.ts";

const MSS = 1460;
/** The payload of a segment when timestamps take 12 bytes of options. */
const TS_MSS = 1448;
/** Reno without HyStart++: its window follows RFC 5681 alone. */
const RENO: Partial<TcpConfig> = { congestion: () => new Reno({ hystart: false }) };

/** An ACK from the peer (newreno tests: no options). */
function ack(s: TcpSocket, n: number, now = 0, window = 65535): void {
  send(s, { seq: 1, ack: n, window }, now);
}

// --- duplicate ACKs and fast retransmit (RFC 5681 §3.2) ---------------------

Deno.test("ESTABLISHED (NewReno): the initial window is ten segments (RFC 6928)", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(20 * MSS));
  assert.equal(recv(s).length, 10);
  assert.equal(s.congestion.cwnd, 10 * MSS);
});

Deno.test("ESTABLISHED (NewReno): three duplicate ACKs retransmit the segment at SND.UNA and start fast recovery", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(10 * MSS));
  recv(s);
  ack(s, 1);
  ack(s, 1);
  assert.deepEqual(recv(s), []); // two duplicates are not enough
  assert.equal(s.recovery.phase, "open");
  ack(s, 1);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=1460"]);
  assert.equal(s.recovery.phase, "recovery");
  assert.equal(s.stats.recoveries, 1);
  // ssthresh = FlightSize / 2 (RFC 5681 eq. 4).
  assert.equal(s.congestion.ssthresh, 5 * MSS);
});

Deno.test("ESTABLISHED (NewReno): a window update is not a duplicate ACK", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(10 * MSS));
  recv(s);
  ack(s, 1, 0, 65000);
  ack(s, 1, 0, 64000);
  ack(s, 1, 0, 63000);
  assert.deepEqual(recv(s), []);
  assert.equal(s.recovery.phase, "open");
});

Deno.test("ESTABLISHED (NewReno): a segment carrying data is not a duplicate ACK", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(10 * MSS));
  recv(s);
  for (let i = 0; i < 3; i++) send(s, { seq: 1 + i, ack: 1, data: "x" });
  assert.deepEqual(recv(s), ["ACK seq=14601 ack=4"]);
  assert.equal(s.recovery.phase, "open");
});

Deno.test("ESTABLISHED (NewReno): re-sending the segment at SND.UNA restarts the retransmission timer, which then times that copy", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(10 * MSS));
  recv(s);
  assert.equal(s.pollAt(), 200); // the RTO of the first flight
  for (let i = 0; i < 3; i++) ack(s, 1, 150);
  assert.deepEqual(recv(s, 150), ["ACK seq=1 ack=1 len=1460"]);
  // Left at 200, the timer would fire 50 ms after the fast retransmit and send it again.
  assert.equal(s.pollAt(), 350);
  assert.deepEqual(recv(s, 200), []);
  assert.equal(s.stats.timeouts, 0);
});

// --- NewReno's recovery point and partial ACKs (RFC 6582) -------------------

Deno.test("ESTABLISHED (NewReno): a partial ACK retransmits the next hole at once; the recovery point's ACK ends recovery at ssthresh", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(10 * MSS));
  recv(s);
  // Segments 1 and 3 are lost: eight duplicate ACKs for the other eight.
  for (let i = 0; i < 8; i++) ack(s, 1);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=1460"]);
  // The retransmission fills the first hole: the ACK stops at the second.
  ack(s, 1 + 2 * MSS);
  assert.deepEqual(recv(s), ["ACK seq=2921 ack=1 len=1460"]);
  assert.equal(s.recovery.phase, "recovery");
  // Everything sent before the loss is acknowledged: recovery ends.
  ack(s, 1 + 10 * MSS);
  assert.equal(s.recovery.phase, "open");
  assert.equal(s.congestion.cwnd, 5 * MSS);
  assert.equal(s.stats.recoveries, 1);
  assert.equal(s.stats.retransmissions, 2);
});

// --- SACK: pipe, IsLost and NextSeg (RFC 6675) ------------------------------

/** A SACK-and-timestamps connection in "sack" recovery, and the peer's stamp. */
function sackSocket(config: Partial<TcpConfig> = {}) {
  const s = socketEstablishedSackTs({ ...RENO, recovery: "sack", ...config });
  let tsval = 1000;
  const peerAck = (n: number, sack: [number, number][] = [], now = 0) =>
    send(s, { seq: 1, ack: n, sack, ts: [++tsval, 0] }, now);
  return { s, peerAck };
}

Deno.test("ESTABLISHED (SACK): pipe counts neither SACKed nor lost bytes; a segment with three SACKed above is lost", () => {
  const { s, peerAck } = sackSocket();
  s.send(new Uint8Array(10 * TS_MSS));
  assert.equal(recv(s).length, 10);
  assert.equal(s.recovery.pipe, 10 * TS_MSS);
  // Segments 2 and 3 SACKed: segment 1 has only two above it.
  peerAck(1, [[1 + TS_MSS, 1 + 3 * TS_MSS]]);
  assert.deepEqual(recv(s), []);
  assert.equal(s.recovery.pipe, 8 * TS_MSS);
  assert.equal(s.recovery.phase, "open");
  // Segment 4 too: three SACKed segments above segment 1 (IsLost).
  peerAck(1, [[1 + TS_MSS, 1 + 4 * TS_MSS]]);
  assert.equal(s.recovery.phase, "recovery");
  assert.equal(s.recovery.scoreboard.lostBytes, TS_MSS);
  assert.equal(s.recovery.pipe, 10 * TS_MSS - 3 * TS_MSS - TS_MSS);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 len=1448 TS"]);
  assert.equal(s.recovery.scoreboard.lostBytes, 0);
  assert.equal(s.recovery.pipe, 10 * TS_MSS - 3 * TS_MSS); // the retransmission is in flight
});

Deno.test("ESTABLISHED (SACK): NextSeg sends the lost segment first, then new data as PRR allows", () => {
  const { s, peerAck } = sackSocket();
  s.send(new Uint8Array(20 * TS_MSS));
  recv(s);
  peerAck(1, [[1 + TS_MSS, 1 + 4 * TS_MSS]]);
  // PRR: 3 segments delivered × ssthresh/RecoverFS (1/2), rounded up: 2 may go.
  assert.deepEqual(recv(s), [
    "ACK seq=1 ack=1 len=1448 TS",
    "ACK seq=14481 ack=1 len=1448 TS",
  ]);
});

Deno.test("ESTABLISHED (SACK): a duplicate ACK that SACKs nothing new is not a DupAck (RFC 6675 §2): D-SACKs of duplicates start no recovery", () => {
  const { s, peerAck } = sackSocket();
  s.send(new Uint8Array(10 * TS_MSS));
  recv(s);
  peerAck(1 + 5 * TS_MSS);
  recv(s);
  // The network delivered segment 3 three more times: three D-SACKs at the same ACK.
  for (let i = 0; i < 3; i++) peerAck(1 + 5 * TS_MSS, [[1 + 2 * TS_MSS, 1 + 3 * TS_MSS]]);
  assert.equal(s.stats.dsacksReceived, 3);
  assert.equal(s.recovery.phase, "open");
  assert.deepEqual(recv(s), []);
  // A SACK of new data counts: three of them are a loss.
  for (let i = 6; i <= 8; i++) peerAck(1 + 5 * TS_MSS, [[1 + i * TS_MSS, 1 + (i + 1) * TS_MSS]]);
  assert.equal(s.recovery.phase, "recovery");
});

Deno.test("ESTABLISHED (SACK): SACK blocks of our data across the 2^32 wrap mark the right segments", () => {
  // Our ISS sits just below 2^32, so our sequence numbers wrap mid-window.
  const iss = 0xffff_f000;
  const s = socket({ ...RENO, recovery: "sack", isn: () => iss });
  s.connect(0, LOCAL, REMOTE);
  s.poll(0);
  // The fixture numbers our side from L_ISS: `rel` turns a byte of ours into that.
  const rel = (n: number) => (iss + n - L_ISS) >>> 0;
  send(s, { seq: 0, ack: rel(1), control: "syn", mss: 1460, sackPermitted: true, ts: [1000, 0] });
  s.send(new Uint8Array(5 * TS_MSS));
  assert.equal(s.poll(0).length, 5);
  assert.ok(iss + 1 + 5 * TS_MSS > 2 ** 32); // the flight crosses the wrap
  send(s, {
    seq: 1,
    ack: rel(1),
    sack: [[rel(1 + 2 * TS_MSS), rel(1 + 5 * TS_MSS)]],
    ts: [1001, 0],
  });
  assert.equal(s.recovery.scoreboard.sackedBytes, 3 * TS_MSS);
  assert.equal(s.recovery.phase, "recovery");
  const [rtx] = s.poll(0);
  assert.equal(rtx.seq, (iss + 1) >>> 0);
  // The cumulative ACK past the wrap leaves the second segment alone outstanding... then none.
  send(s, {
    seq: 1,
    ack: rel(1 + TS_MSS),
    sack: [[rel(1 + 2 * TS_MSS), rel(1 + 5 * TS_MSS)]],
    ts: [1002, 0],
  });
  assert.equal(s.recovery.scoreboard.outstanding, 4 * TS_MSS);
  send(s, { seq: 1, ack: rel(1 + 5 * TS_MSS), ts: [1003, 0] });
  assert.equal(s.recovery.scoreboard.outstanding, 0);
  assert.equal(s.tcb.sndUna, (iss + 1 + 5 * TS_MSS) >>> 0);
});

// --- our SACK blocks and D-SACK (RFC 2018 §4, RFC 2883) ---------------------

Deno.test("ESTABLISHED (SACK): out-of-order data is SACKed most recent first, with edges across the 2^32 wrap", () => {
  // The peer's ISS is 0xffffffd0: its bytes 48 and on lie past 2^32.
  const s = socketEstablishedSackTs();
  const data = (seq: number, n: number, tsval: number) =>
    send(s, { seq, ack: 1, data: "x".repeat(n), ts: [tsval, 0] });
  data(40, 30, 1001); // bytes 40..69, straddling the wrap
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 TS sack=40-70"]);
  data(80, 10, 1002);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 TS sack=80-90,40-70"]);
  data(70, 10, 1003); // joins both: one block
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 TS sack=40-90"]);
  data(1, 39, 1004); // fills the hole
  assert.deepEqual(recv(s), ["ACK seq=1 ack=90 TS"]);
  assert.equal(s.recv().length, 89);
});

Deno.test("ESTABLISHED (SACK): a duplicate is reported once as a D-SACK block, first", () => {
  const s = socketEstablishedSackTs();
  send(s, { seq: 1, ack: 1, data: "0123456789", ts: [1001, 0] });
  recv(s);
  send(s, { seq: 1, ack: 1, data: "0123456789", ts: [1002, 0] });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=11 TS sack=1-11"]);
  assert.equal(s.stats.duplicateSegments, 1);
  send(s, { seq: 11, ack: 1, data: "ab", ts: [1003, 0] });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=13 TS"]);
});

Deno.test("ESTABLISHED (SACK): a duplicate above a hole is reported as a D-SACK block followed by the block that holds it (RFC 2883 §4)", () => {
  const s = socketEstablishedSackTs();
  const data = (seq: number, tsval: number) =>
    send(s, { seq, ack: 1, data: "x".repeat(10), ts: [tsval, 0] });
  data(11, 1001);
  data(31, 1002);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 TS sack=31-41,11-21"]);
  // 11..20 again: the D-SACK block, then the block holding it, so the sender
  // can tell it from a new SACK block (its first block lies within the second).
  data(11, 1003);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 TS sack=11-21,11-21,31-41"]);
  assert.equal(s.stats.duplicateSegments, 1);
  // Reported once.
  data(41, 1004);
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1 TS sack=31-51,11-21"]);
});

Deno.test("ESTABLISHED (SACK): a D-SACK of a retransmission counts it needless and traces it", () => {
  const events: TraceEvent[] = [];
  const s = socket({ ...RENO, recovery: "sack" }, events);
  s.connect(0, LOCAL, REMOTE);
  const [syn] = s.poll(0);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460, sackPermitted: true, ts: [1000, 0] });
  assert.equal(syn.sackPermitted, true);
  s.send(new Uint8Array(TS_MSS));
  recv(s);
  recv(s, 1000); // the RTO (1 s before any RTT sample) sends it again
  assert.equal(s.stats.retransmissions, 1);
  // The original arrives, then the retransmission: the peer reports the duplicate.
  send(s, { seq: 1, ack: 1 + TS_MSS, ts: [1001, 0] }, 1010);
  send(s, { seq: 1, ack: 1 + TS_MSS, sack: [[1, 1 + TS_MSS]], ts: [1002, 0] }, 1020);
  assert.equal(s.stats.dsacksReceived, 1);
  assert.equal(s.stats.spuriousRetransmissions, 1);
  const spurious = events.find((e) => e.kind === "spurious");
  assert.ok(spurious?.kind === "spurious");
  assert.deepEqual(spurious.range, [1, 1 + TS_MSS]);
  assert.equal(spurious.detectedBy, "D-SACK");
});

// --- timestamps and PAWS (RFC 7323) -----------------------------------------

Deno.test("ESTABLISHED (TS): every segment echoes TS.Recent, which out-of-order segments do not change", () => {
  const s = socketEstablishedSackTs();
  send(s, { seq: 1, ack: 1, data: "ab", ts: [2000, 0] });
  assert.equal(s.poll(0)[0].timestamp?.echo, 2000);
  send(s, { seq: 10, ack: 1, data: "zz", ts: [2001, 0] }); // out of order: SEG.SEQ > Last.ACK.sent
  assert.equal(s.poll(0)[0].timestamp?.echo, 2000);
  send(s, { seq: 3, ack: 1, data: "c", ts: [2002, 0] });
  assert.equal(s.poll(0)[0].timestamp?.echo, 2002);
});

Deno.test("ESTABLISHED (TS): PAWS drops a segment stamped older than TS.Recent and answers with an ACK", () => {
  const s = socketEstablishedSackTs();
  send(s, { seq: 1, ack: 1, data: "ab", ts: [2000, 0] });
  recv(s);
  send(s, { seq: 3, ack: 1, data: "cd", ts: [1999, 0] }); // an old duplicate's stamp
  assert.deepEqual(recv(s), ["ACK seq=1 ack=3 TS"]);
  assert.equal(new TextDecoder().decode(s.recv()), "ab");
});

Deno.test("ESTABLISHED (TS): PAWS spares a RST: one at RCV.NXT resets the connection whatever its stamp (RFC 7323 §5.3 R1)", () => {
  const s = socketEstablishedSackTs();
  send(s, { seq: 1, ack: 1, data: "ab", ts: [2000, 0] });
  recv(s);
  send(s, { seq: 3, control: "rst", ts: [1999, 0] });
  assert.equal(s.state, "CLOSED");
  assert.equal(s.error, "reset");
});

Deno.test("ESTABLISHED (TS): a segment without the option is dropped once timestamps are agreed", () => {
  const s = socketEstablishedSackTs();
  send(s, { seq: 1, ack: 1, data: "ab" });
  assert.deepEqual(recv(s), []);
  assert.equal(s.recvQueue, 0);
});

Deno.test("ESTABLISHED (TS): the echo of a retransmission's stamp gives an RTT sample, where Karn's rule could not", () => {
  const s = socketEstablishedSackTs();
  s.send(new Uint8Array(100));
  recv(s);
  const [rtx] = s.poll(1000); // the RTO of 1 s fires
  assert.equal(s.stats.retransmissions, 1);
  const srttBefore = s.rtt.srtt;
  send(s, { seq: 1, ack: 101, ts: [1001, rtx.timestamp!.value] }, 1030);
  assert.notEqual(s.rtt.srtt, srttBefore);
  // RFC 6298 §2.3 with the sample of 30 ms: SRTT = 7/8·0 + 1/8·30.
  assert.equal(s.rtt.srtt, 3.75);
});

Deno.test("SYN-SENT: a SYN-ACK without timestamps or SACK-permitted turns both off", () => {
  const s = socket();
  s.connect(0, LOCAL, REMOTE);
  s.poll(0);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460 });
  assert.deepEqual(s.options, { sack: false, timestamps: false, windowScale: null });
  assert.deepEqual(recv(s), ["ACK seq=1 ack=1"]);
});

// --- RACK and the tail-loss probe (RFC 8985) --------------------------------

/** A SACK-and-timestamps connection whose handshake took 20 ms (SRTT 20). */
function rackSocket(events?: TraceEvent[], config: Partial<TcpConfig> = {}) {
  return socketEstablishedSackTs({ ...RENO, ...config }, { rtt: 20, events });
}

Deno.test("ESTABLISHED (RACK): a segment sent before one delivered is lost only after RACK.rtt plus the reordering window", () => {
  const s = rackSocket();
  assert.equal(s.rtt.srtt, 20);
  s.send(new Uint8Array(2 * TS_MSS));
  assert.equal(recv(s, 20).length, 2);
  // Segment 2 SACKed 20 ms after it left: RACK.rtt = 20, min_RTT/4 = 5 ms to wait.
  send(s, { seq: 1, ack: 1, sack: [[1 + TS_MSS, 1 + 2 * TS_MSS]], ts: [1001, 0] }, 40);
  assert.deepEqual(recv(s, 40), []);
  assert.equal(s.pollAt(), 45);
  assert.deepEqual(recv(s, 45), ["ACK seq=1 ack=1 len=1448 TS"]);
  assert.equal(s.recovery.phase, "recovery");
});

Deno.test("ESTABLISHED (RACK): with no ACK for two SRTTs, a tail-loss probe re-sends the last segment", () => {
  const s = rackSocket();
  s.send(new Uint8Array(2 * TS_MSS));
  recv(s, 20);
  assert.equal(s.pollAt(), 60); // PTO = 2·SRTT, before the RTO at 220
  assert.deepEqual(recv(s, 60), ["PSH,ACK seq=1449 ack=1 len=1448 TS"]);
  assert.equal(s.stats.tlpProbes, 1);
  assert.equal(s.stats.timeouts, 0);
  assert.equal(s.pollAt(), 60 + s.rtt.rto); // the RTO restarts from the probe
});

/** A RACK connection that sent ten segments at 20 ms and re-sent the last as a probe at 60 ms. */
function probed() {
  const s = rackSocket(undefined, { pacing: false });
  s.send(new Uint8Array(10 * TS_MSS));
  assert.equal(recv(s, 20).length, 10);
  const [probe] = s.poll(60);
  assert.equal(probe.seq, L_ISS + 1 + 9 * TS_MSS);
  // The ACK of everything up to the probe's end: the probe or the original arrived.
  send(s, { seq: 1, ack: 1 + 10 * TS_MSS, ts: [1001, probe.timestamp!.value] }, 80);
  assert.equal(s.congestion.ssthresh, Infinity);
  return s;
}

Deno.test("ESTABLISHED (RACK): a probe that repaired a loss reduces the window once, from the flight it probed (RFC 8985 §7.4)", () => {
  const s = probed();
  s.send(new Uint8Array(TS_MSS));
  const [next] = s.poll(80);
  // An ACK past the probe with no D-SACK of it: only the probe arrived.
  send(s, { seq: 1, ack: 1 + 11 * TS_MSS, ts: [1002, next.timestamp!.value] }, 100);
  assert.equal(s.stats.tlpRecoveries, 1);
  assert.equal(s.stats.recoveries, 0);
  // Reno halves the ten segments that were in flight, not what is left after the ACK.
  assert.equal(s.congestion.ssthresh, 5 * TS_MSS);
  assert.equal(s.congestion.cwnd, 5 * TS_MSS);
});

Deno.test("ESTABLISHED (RACK): a probe whose original arrived too (a D-SACK of it) reduces nothing", () => {
  const s = probed();
  const dsack: [number, number] = [1 + 9 * TS_MSS, 1 + 10 * TS_MSS];
  send(s, { seq: 1, ack: 1 + 10 * TS_MSS, sack: [dsack], ts: [1002, 0] }, 81);
  assert.equal(s.stats.spuriousRetransmissions, 1);
  s.send(new Uint8Array(TS_MSS));
  const [next] = s.poll(81);
  send(s, { seq: 1, ack: 1 + 11 * TS_MSS, ts: [1003, next.timestamp!.value] }, 100);
  assert.equal(s.stats.tlpRecoveries, 0);
  assert.equal(s.congestion.ssthresh, Infinity);
});

Deno.test("ESTABLISHED (RACK): a probe sends new data when there is some, whatever the congestion window", () => {
  const s = rackSocket(undefined, { congestion: () => new FixedWindow(2 * TS_MSS) });
  s.send(new Uint8Array(3 * TS_MSS));
  assert.equal(recv(s, 20).length, 2); // the window holds two segments
  assert.deepEqual(recv(s, 60), ["PSH,ACK seq=2897 ack=1 len=1448 TS"]);
  assert.equal(s.stats.tlpProbes, 1);
  assert.equal(s.stats.retransmissions, 0);
});

Deno.test("ESTABLISHED (RACK): a single segment in flight probes no later than the RTO would fire", () => {
  const s = rackSocket();
  s.send(new Uint8Array(100));
  recv(s, 20);
  // 2·SRTT + 200 ms (worst-case delayed ACK) would pass the RTO at 220: the probe takes its place.
  assert.equal(s.pollAt(), 220);
  assert.deepEqual(recv(s, 220), ["PSH,ACK seq=1 ack=1 len=100 TS"]);
  assert.equal(s.stats.tlpProbes, 1);
  assert.equal(s.stats.timeouts, 0);
  assert.equal(s.congestion.cwnd, 10 * TS_MSS); // no timeout, no loss window
});

Deno.test("ESTABLISHED (RACK): a timeout re-sends the segment at SND.UNA at once, though newer segments RACK leaves in flight fill the loss window (RFC 6298 §5.4)", () => {
  const s = rackSocket(undefined, { pacing: false });
  s.send(new Uint8Array(100));
  const [first] = s.poll(20);
  send(s, { seq: 1, ack: 101, ts: [1001, first.timestamp!.value] }, 40); // RACK.rtt = 20
  s.send(new Uint8Array(100));
  assert.deepEqual(recv(s, 40), ["PSH,ACK seq=101 ack=1 len=100 TS"]);
  // No ACK: the probe goes out when the RTO would (240), and the RTO restarts from it.
  assert.deepEqual(recv(s, 240), ["PSH,ACK seq=101 ack=1 len=100 TS"]);
  assert.equal(s.pollAt(), 440);
  // Two new segments just before the timeout: younger than RACK.rtt + reo_wnd.
  s.send(new Uint8Array(2 * TS_MSS));
  assert.equal(recv(s, 430).length, 2);
  assert.deepEqual(recv(s, 440), ["ACK seq=101 ack=1 len=100 TS"]);
  assert.equal(s.stats.timeouts, 1);
  assert.equal(s.congestion.cwnd, TS_MSS);
  assert.equal(s.recovery.pipe, 100 + 2 * TS_MSS); // the two new ones, not lost (RFC 8985 §6.3)
});

// --- the retransmission timeout (RFC 5681 §3.1, RFC 6298) -------------------

Deno.test("ESTABLISHED (RTO): one segment goes again, then slow start, and a large ACK sends no burst", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(20 * MSS));
  assert.equal(recv(s).length, 10);
  assert.deepEqual(recv(s, 200), ["ACK seq=1 ack=1 len=1460"]);
  assert.equal(s.congestion.cwnd, MSS); // the loss window
  assert.equal(s.congestion.ssthresh, 5 * MSS);
  assert.equal(s.recovery.phase, "loss");
  // The retransmission is acknowledged: slow start sends two.
  ack(s, 1 + MSS, 210);
  assert.deepEqual(recv(s, 210), ["ACK seq=1461 ack=1 len=1460", "ACK seq=2921 ack=1 len=1460"]);
  // The originals had arrived after all: one ACK covers all ten. Slow start
  // adds at most two segments per ACK (RFC 3465), so four new segments go,
  // not the ten queued.
  ack(s, 1 + 10 * MSS, 220);
  assert.equal(s.congestion.cwnd, 4 * MSS);
  assert.equal(recv(s, 220).length, 4);
  assert.equal(s.recovery.phase, "open");
});

Deno.test("ESTABLISHED (RTO): a repeated timeout of the same data holds ssthresh (RFC 5681 §3.1)", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(10 * MSS));
  recv(s);
  recv(s, 200);
  assert.equal(s.congestion.ssthresh, 5 * MSS);
  recv(s, 600);
  assert.equal(s.stats.timeouts, 2);
  assert.equal(s.congestion.ssthresh, 5 * MSS);
  assert.equal(s.congestion.cwnd, MSS);
});

Deno.test("ESTABLISHED (RTO): with HyStart++ on, slow start after a timeout still runs to ssthresh (RFC 9406 §4.3)", () => {
  // HyStart++ is for the first slow start; the one after a loss is RFC 5681's.
  for (const congestion of [() => new Reno(), () => new Cubic()]) {
    const s = socketEstablished({ congestion });
    s.send(new Uint8Array(20 * MSS));
    recv(s);
    recv(s, 200);
    assert.equal(s.congestion.cwnd, MSS);
    const ssthresh = s.congestion.ssthresh;
    assert.ok(ssthresh >= 5 * MSS);
    ack(s, 1 + MSS, 210);
    assert.equal(s.congestion.cwnd, 2 * MSS, s.congestion.name);
    assert.equal(s.congestion.ssthresh, ssthresh, s.congestion.name);
    assert.equal(recv(s, 210).length, 2);
  }
});

// --- the window between losses (RFC 5681 §3.1, §4.1; RFC 7661) --------------

Deno.test("ESTABLISHED: after an idle time longer than the RTO the window restarts from the initial window", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(10 * MSS));
  recv(s);
  for (let i = 1; i <= 10; i++) ack(s, 1 + i * MSS, 20);
  assert.ok(s.congestion.cwnd > 10 * MSS);
  s.send(new Uint8Array(20 * MSS));
  recv(s, 1000);
  assert.equal(s.congestion.cwnd, 10 * MSS);
});

Deno.test("ESTABLISHED: ACKs of data sent while application-limited do not grow the window", () => {
  const s = socketEstablished(RENO);
  s.send(new Uint8Array(MSS));
  recv(s);
  ack(s, 1 + MSS, 20);
  assert.equal(s.congestion.cwnd, 10 * MSS);
});

// --- quick ACKs (RFC 5681 §4.2) ---------------------------------------------

Deno.test("ESTABLISHED: after a gap, in-order segments are ACKed at once even with delayed ACKs", () => {
  const s = socketEstablished({ delayedAck: 40 });
  send(s, { seq: 1, ack: 1, data: "ab" });
  assert.deepEqual(recv(s), []); // delayed
  send(s, { seq: 5, ack: 1, data: "ef" }); // out of order
  assert.deepEqual(recv(s), ["ACK seq=1 ack=3"]);
  send(s, { seq: 3, ack: 1, data: "cd" }); // fills the gap
  assert.deepEqual(recv(s), ["ACK seq=1 ack=7"]);
  send(s, { seq: 7, ack: 1, data: "gh" }); // in order, but quick-ACK mode
  assert.deepEqual(recv(s), ["ACK seq=1 ack=9"]);
});

Deno.test("ESTABLISHED (TS): an echo older than the retransmission it acknowledges gives no RTT sample, and marks the retransmission needless", () => {
  const s = socketEstablishedSackTs();
  s.send(new Uint8Array(100));
  const [original] = s.poll(0);
  recv(s, 1000); // the RTO sends it again
  const srttBefore = s.rtt.srtt;
  // The ACK echoes the original's stamp: the original arrived, its ACK was late or lost.
  send(s, { seq: 1, ack: 101, ts: [1001, original.timestamp!.value] }, 1030);
  assert.equal(s.rtt.srtt, srttBefore);
  assert.equal(s.stats.spuriousRetransmissions, 1);
});

Deno.test("SYN-SENT: a SYN-ACK without the MSS option means 536 bytes over IPv4 and 1220 over IPv6", () => {
  for (
    const [local, remote, mss] of [
      [LOCAL, REMOTE, 536],
      [inetAddr("fd00::1", 80), inetAddr("fd00::2", 49500), 1220],
    ] as const
  ) {
    const s = socket();
    s.connect(0, local, remote);
    s.poll(0);
    send(s, { seq: 0, ack: 1, control: "syn" });
    assert.equal(s.tcb.peerMss, mss);
  }
});

Deno.test("ESTABLISHED (pacing): a sender the peer's window held back, not pacing, gets only the burst when the window opens", () => {
  // Twenty segments of window and an SRTT of 20 ms: two segments a millisecond.
  const s = rackSocket(undefined, { congestion: () => new FixedWindow(20 * TS_MSS) });
  s.send(new Uint8Array(40 * TS_MSS));
  const first = s.poll(20);
  assert.equal(first.length, 3); // a millisecond's worth, and the one that starts it
  assert.equal(s.pollAt(), 20.5); // pacing holds the fourth
  // Before then the peer shrinks its window to what is in flight: the
  // window, not pacing, holds the sender now.
  send(s, { seq: 1, ack: 1, window: 3 * TS_MSS, ts: [1001, first[0].timestamp!.value] }, 20.2);
  assert.deepEqual(recv(s, 20.2), []);
  // 20 ms later the window opens. The sender was not kept waiting by the
  // pacer all that time, so no time is owed: one burst, not a catch-up.
  send(s, { seq: 1, ack: 1 + 3 * TS_MSS, ts: [1002, first[2].timestamp!.value] }, 40);
  assert.equal(recv(s, 40).length, 3);
});

Deno.test("ESTABLISHED (TSO): after a timeout a lost super-segment goes again one segment at a time, as the loss window allows (RFC 5681 §3.1)", () => {
  const s = rackSocket(undefined, { segmentOffload: 10 * TS_MSS, pacing: false });
  s.send(new Uint8Array(10 * TS_MSS));
  assert.deepEqual(s.poll(20).map((r) => r.payload.length / TS_MSS), [10]);
  // Nothing comes back: the probe (its last segment), then the retransmission timeout.
  let sent: number[] = [];
  for (let t = 20; s.stats.timeouts === 0 && t < 5000; t = s.pollAt() ?? 5000) {
    sent = s.poll(t).map((r) => r.payload.length / TS_MSS);
  }
  assert.equal(s.stats.timeouts, 1);
  assert.equal(s.congestion.cwnd, TS_MSS);
  assert.deepEqual(sent, [1]); // the loss window: one segment, not ten
  // Its ACK: slow start takes two segments more, cut from the rest.
  const now = s.pollAt() ?? 5000;
  send(s, { seq: 1, ack: 1 + TS_MSS, ts: [1002, 0] }, now);
  assert.deepEqual(s.poll(now).map((r) => r.payload.length / TS_MSS), [2]);
});

Deno.test("ESTABLISHED (TSO): a tail-loss probe sends the last segment of a super-segment, not all of it (RFC 8985 §7.3)", () => {
  const s = rackSocket(undefined, { segmentOffload: 10 * TS_MSS, pacing: false });
  s.send(new Uint8Array(10 * TS_MSS - 100));
  const [first] = s.poll(20);
  assert.equal(first.payload.length, 10 * TS_MSS - 100);
  const probeAt = s.pollAt()!;
  const [probe] = s.poll(probeAt);
  assert.equal(s.stats.tlpProbes, 1);
  assert.deepEqual([probe.seq - first.seq, probe.payload.length], [9 * TS_MSS, TS_MSS - 100]);
});

Deno.test("FIN-WAIT-1 (TSO): a super-segment with the FIN is cut too: the probe is its last segment and the FIN, the timeout's one segment its first", () => {
  const s = rackSocket(undefined, { segmentOffload: 10 * TS_MSS, pacing: false });
  s.send(new Uint8Array(10 * TS_MSS - 100));
  s.close(20);
  const [first] = s.poll(20);
  assert.deepEqual([first.payload.length, first.control], [10 * TS_MSS - 100, "fin"]);
  const [probe] = s.poll(s.pollAt()!);
  assert.deepEqual([probe.seq - first.seq, probe.payload.length, probe.control], [
    9 * TS_MSS,
    TS_MSS - 100,
    "fin",
  ]);
  let sent: TcpRepr[] = [];
  for (let t = s.pollAt()!; s.stats.timeouts === 0 && t < 5000; t = s.pollAt() ?? 5000) {
    sent = s.poll(t);
  }
  assert.deepEqual(sent.map((r) => [r.seq - first.seq, r.payload.length, r.control]), [
    [0, TS_MSS, null],
  ]);
});

Deno.test("ESTABLISHED (TSO): in recovery a small super-segment goes at once; only outside it does one wait for ACKs", () => {
  // Forty segments of window, super-segments of up to ten, sent at 20 ms.
  const s = rackSocket(undefined, {
    segmentOffload: 10 * TS_MSS,
    congestion: () => new FixedWindow(40 * TS_MSS),
    pacing: false,
  });
  s.send(new Uint8Array(100 * TS_MSS));
  const sent = s.poll(20);
  assert.deepEqual(sent.map((r) => r.payload.length / TS_MSS), [10, 10, 10, 10]);
  // The peer's 65535-byte window leaves room for five more: under a third
  // of the window, they wait for ACKs while nothing is lost.
  assert.deepEqual(s.poll(20), []);
  // The last three are SACKed, the first is lost: in recovery the five go
  // beside its retransmission rather than wait (as Linux defers only in Open).
  const sack: [number, number] = [1 + 10 * TS_MSS, 1 + 40 * TS_MSS];
  send(s, { seq: 1, ack: 1, sack: [sack], ts: [1001, sent[3].timestamp!.value] }, 40);
  assert.equal(s.recovery.phase, "recovery");
  assert.deepEqual(s.poll(40).map((r) => r.payload.length / TS_MSS), [10, 5]);
});
