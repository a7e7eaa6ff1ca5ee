// Unit tests of the pieces of loss recovery, each against its RFC: the
// scoreboard (RFC 6675 §3-4), RACK (RFC 8985 §6), PRR (RFC 6937 §3), the
// timestamps clock and PAWS (RFC 7323 §4-5), and pacing.
import assert from "node:assert/strict";
import { SendScoreboard, type SentSegment } from "./scoreboard.ts";
import { Rack, sentAfter } from "./rack.ts";
import { Prr } from "./prr.ts";
import { PAWS_IDLE_LIMIT, Timestamps } from "./timestamps.ts";
import { MAX_LAG_MS, Pacer } from "./pacing.ts";
import { LossRecovery, zeroRecoveryStats } from "./recovery.ts";
import { Reno } from "./reno.ts";
import { RttEstimator } from "./rtt.ts";

/** A scoreboard with `n` segments of `len` bytes from `start`, sent at 0, 1, 2... ms. */
function board(n: number, len = 1000, start = 0): SendScoreboard {
  const sb = new SendScoreboard();
  for (let i = 0; i < n; i++) {
    sb.push((start + i * len) >>> 0, (start + (i + 1) * len) >>> 0, i, false);
  }
  return sb;
}

const none = () => {};

// --- the scoreboard (RFC 6675) ------------------------------------------------

Deno.test("SendScoreboard: a cumulative ACK drops whole segments and trims the one it ends inside", () => {
  const sb = board(3);
  const seen: number[] = [];
  const d = sb.acknowledge(1500, (s) => seen.push(s.start));
  assert.equal(d.bytes, 1500);
  assert.deepEqual(seen, [0]); // only a whole segment is visited
  assert.equal(sb.length, 2);
  assert.equal(sb.at(0).start, 1500);
  assert.equal(sb.outstanding, 1500);
});

Deno.test("SendScoreboard: a SACK block marks only the segments it covers whole", () => {
  const sb = board(4);
  const d = sb.sack([[500, 2500]], 0, none);
  assert.equal(d.sackedSegments, 1); // only 1000..2000 lies wholly inside
  assert.equal(sb.sackedBytes, 1000);
  assert.equal(sb.highSacked, 2000);
  assert.deepEqual(sb.sackedRanges(), [[1000, 2000]]);
});

Deno.test("SendScoreboard: bytes SACKed and then acknowledged are delivered once", () => {
  const sb = board(3);
  assert.equal(sb.sack([[1000, 2000]], 0, none).bytes, 1000);
  assert.equal(sb.acknowledge(3000, none).bytes, 2000);
  assert.equal(sb.sackedBytes, 0);
  assert.equal(sb.outstanding, 0);
});

Deno.test("SendScoreboard: split() cuts a lost super-segment in two lost pieces, nothing counted twice", () => {
  const sb = board(2, 8000);
  sb.markAllLost();
  const [first] = [sb.at(0)];
  assert.equal(sb.split(first, 1000), true);
  assert.deepEqual([sb.length, sb.at(0).end, sb.at(1).start, sb.at(1).end], [3, 1000, 1000, 8000]);
  assert.equal(sb.at(1).state, "lost");
  assert.deepEqual([sb.outstanding, sb.lostBytes, sb.pipe], [16000, 16000, 0]);
  // The first piece goes again; the rest waits, still lost.
  sb.retransmitted(sb.firstLost()!, 5);
  assert.deepEqual([sb.lostBytes, sb.pipe, sb.firstLost()!.start], [15000, 1000, 1000]);
  // An ACK of the piece delivers it alone.
  assert.equal(sb.acknowledge(1000, none).bytes, 1000);
  assert.equal(sb.at(0).start, 1000);
  // Not cut: outside the segment, at its edge, a SACKed one.
  assert.equal(sb.split(sb.at(0), 1000), false);
  assert.equal(sb.split(sb.at(0), 9000), false);
  sb.sack([[8000, 16000]], 1000, none);
  assert.equal(sb.split(sb.at(1), 9000), false);
  // The FIN goes with the second piece, which keeps at least one byte of data.
  const fin = new SendScoreboard();
  fin.push(0, 3001, 0, true);
  assert.equal(fin.split(fin.at(0), 3000), false);
  assert.equal(fin.split(fin.at(0), 1000), true);
  assert.deepEqual([fin.at(0).fin, fin.at(1).fin, fin.at(1).end], [false, true, 3001]);
  // A retransmitted segment in flight cut in two: both pieces count as retransmissions in flight.
  const rtx = board(1, 4000);
  rtx.markAllLost();
  rtx.retransmitted(rtx.at(0), 1);
  assert.equal(rtx.retransmittedInFlight, 1);
  assert.equal(rtx.split(rtx.at(0), 1000), true);
  assert.equal(rtx.retransmittedInFlight, 2);
  assert.equal(rtx.firstLost(), null);
  rtx.acknowledge(4000, none);
  assert.equal(rtx.retransmittedInFlight, 0);
});

Deno.test("SendScoreboard: a D-SACK block below SND.UNA marks nothing", () => {
  const sb = board(2, 1000, 1000);
  assert.equal(sb.sack([[0, 1000]], 1000, none).bytes, 0);
  assert.equal(sb.sackedBytes, 0);
});

Deno.test("SendScoreboard: IsLost by three SACKed segments, or by more than 2·SMSS SACKed bytes above", () => {
  const sb = board(5);
  sb.sack([[1000, 3000]], 0, none);
  assert.equal(sb.markLostByDupThresh(3, 1000), 0); // two above: not yet
  sb.sack([[3000, 4000]], 0, none);
  assert.equal(sb.markLostByDupThresh(3, 1000), 1000);
  assert.equal(sb.firstLost()?.start, 0);
  // Bytes count too: one SACKed segment of 2.5 segments' size is enough.
  const big = new SendScoreboard();
  big.push(0, 1000, 0, false);
  big.push(1000, 3500, 0, false);
  big.sack([[1000, 3500]], 0, none);
  assert.equal(big.markLostByDupThresh(3, 1000), 1000);
});

Deno.test("SendScoreboard: a retransmitted segment is not counted lost again by IsLost", () => {
  const sb = board(5);
  sb.sack([[1000, 5000]], 0, none);
  sb.markLostByDupThresh(3, 1000);
  const lost = sb.firstLost()!;
  sb.retransmitted(lost, 10);
  assert.equal(sb.retransmittedInFlight, 1);
  assert.equal(sb.markLostByDupThresh(3, 1000), 0);
  assert.equal(sb.lostBytes, 0);
  assert.equal(sb.pipe, 1000); // the retransmission is in flight
});

Deno.test("SendScoreboard: after a timeout every segment not SACKed is lost, and goes again in order", () => {
  const sb = board(4);
  sb.sack([[2000, 3000]], 0, none);
  assert.equal(sb.markAllLost(), 3000);
  assert.equal(sb.pipe, 0);
  const order: number[] = [];
  for (let s = sb.firstLost(); s !== null; s = sb.firstLost()) {
    order.push(s.start);
    sb.retransmitted(s, 5);
  }
  assert.deepEqual(order, [0, 1000, 3000]);
});

Deno.test("SendScoreboard: NextSeg rule 3 offers the lowest segment in flight below the highest SACKed", () => {
  const sb = board(4);
  assert.equal(sb.rescueCandidate(), null);
  sb.sack([[2000, 3000]], 0, none);
  assert.equal(sb.rescueCandidate()?.start, 0);
});

Deno.test("SendScoreboard: sequence numbers across the 2^32 wrap compare as the RFCs say", () => {
  const sb = board(4, 1000, 0xffff_f000); // the second segment wraps
  assert.equal(
    sb.sack([[(0xffff_f000 + 2000) >>> 0, (0xffff_f000 + 4000) >>> 0]], 0xffff_f000, none)
      .sackedSegments,
    2,
  );
  assert.equal(sb.acknowledge((0xffff_f000 + 1000) >>> 0, none).bytes, 1000);
  assert.equal(sb.outstanding, 3000);
});

Deno.test("LossRecovery: a first SACK block within the second is a D-SACK (RFC 2883 §4), naming a needless retransmission; one that only overlaps it is not", () => {
  const stats = zeroRecoveryStats();
  const r = new LossRecovery({
    cc: new Reno(),
    rtt: new RttEstimator(),
    mode: "sack",
    stats,
    trace: null,
    name: () => "a",
    iss: () => 0,
  });
  r.start(1000, 0, true, 0);
  for (let s = 0; s < 5000; s += 1000) r.onSent(s, s + 1000, false, 0);
  r.onRetransmit(r.scoreboard.at(2), 5); // 2000-3000 sent again
  const ack = (sack: [number, number][]) =>
    r.onAck({
      now: 10,
      ack: 0,
      advanced: false,
      duplicate: true,
      sack,
      echoedAt: null,
      sndNxt: 5000,
      sndWnd: 65535,
    });
  ack([[2000, 3000], [1000, 4000]]);
  assert.equal(stats.dsacksReceived, 1);
  assert.equal(stats.spuriousRetransmissions, 1);
  assert.equal(r.scoreboard.sackedBytes, 3000); // the second block SACKs 1000-4000
  ack([[4000, 5000], [3500, 4500]]);
  assert.equal(stats.dsacksReceived, 1);
  assert.equal(r.scoreboard.sackedBytes, 4000);
});

// --- RACK (RFC 8985 §6) ------------------------------------------------------

Deno.test("sentAfter() orders by send time and breaks ties by sequence", () => {
  assert.equal(sentAfter(2, 0, 1, 5000), true);
  assert.equal(sentAfter(1, 2000, 1, 1000), true);
  assert.equal(sentAfter(1, 1000, 1, 2000), false);
});

Deno.test("Rack: the reordering window is zero without reordering once three segments are SACKed", () => {
  const rack = new Rack();
  rack.onRttSample(40);
  assert.equal(rack.reorderingWindow(false, 1, 40), 10); // min_RTT / 4
  assert.equal(rack.reorderingWindow(false, 3, 40), 0); // like three duplicate ACKs
  assert.equal(rack.reorderingWindow(true, 1, 40), 0); // in recovery
});

Deno.test("Rack: a segment never retransmitted delivered below the highest delivered is reordering", () => {
  const rack = new Rack();
  rack.onRttSample(10);
  const seg = (start: number, sentAt: number): SentSegment => ({
    start,
    end: start + 1000,
    fin: false,
    sentAt,
    retransmits: 0,
    state: "flight",
  });
  rack.delivered(seg(1000, 1), 20, null);
  assert.equal(rack.reorderingSeen, false);
  rack.delivered(seg(0, 0), 21, null);
  assert.equal(rack.reorderingSeen, true);
  // Now the window stays open however many are SACKed.
  assert.equal(rack.reorderingWindow(false, 5, 10), 2.5);
});

Deno.test("Rack: a D-SACK widens the window by a quarter of min_RTT once per round, for 16 recoveries", () => {
  const rack = new Rack();
  rack.onRttSample(40);
  rack.reorderingSeen = true;
  rack.onDsack(5000);
  rack.onDsack(5000); // the same round: no more
  assert.equal(rack.reorderingWindow(false, 0, 100), 20); // 2 × 40 / 4
  rack.onAckAdvanced(5000);
  rack.onDsack(9000);
  assert.equal(rack.reorderingWindow(false, 0, 100), 30);
  assert.equal(rack.reorderingWindow(false, 0, 25), 25); // bounded by SRTT
  for (let i = 0; i < 16; i++) rack.onRecoveryExit();
  assert.equal(rack.reorderingWindow(false, 0, 100), 10);
});

Deno.test("Rack: an ACK of a retransmission faster than min_RTT is taken for the original's and ignored", () => {
  const rack = new Rack();
  rack.onRttSample(20);
  const seg: SentSegment = {
    start: 0,
    end: 1000,
    fin: false,
    sentAt: 100,
    retransmits: 1,
    state: "flight",
  };
  rack.delivered(seg, 105, null); // 5 ms after the retransmission: too soon
  assert.equal(rack.xmitTs, -Infinity);
  rack.delivered({ ...seg, start: 1000, end: 2000 }, 125, null);
  assert.equal(rack.xmitTs, 100);
  assert.equal(rack.rtt, 25);
});

Deno.test("Rack: on a timeout the segment at SND.UNA and those older than RACK.rtt + window are lost", () => {
  const sb = board(3); // sent at 0, 1, 2 ms
  const rack = new Rack();
  rack.rtt = 10;
  assert.equal(rack.markLossesOnRto(sb, 11.5), 2000); // 0 (SND.UNA) and 1 (1 + 10 <= 11.5)
  assert.equal(sb.at(2).state, "flight");
});

// --- PRR (RFC 6937 §3) --------------------------------------------------------

Deno.test("Prr: with the flight above ssthresh, sends ssthresh/RecoverFS of what is delivered", () => {
  const prr = new Prr();
  prr.start(20_000);
  let sent = 0;
  // Ten ACKs of one segment each; ssthresh is half the flight.
  for (let i = 0; i < 10; i++) {
    const pipe = 18_000 - i * 1000 + sent;
    const cwnd = prr.onAck(1000, pipe, 10_000, 1000);
    const go = Math.floor((cwnd - pipe) / 1000) * 1000;
    prr.onSend(go);
    sent += go;
  }
  assert.equal(sent, 5000); // half of 10 segments delivered
});

Deno.test("Prr: with the flight below ssthresh, grows no faster than slow start (PRR-SSRB)", () => {
  const prr = new Prr();
  prr.start(10_000);
  // Heavy loss: the flight is 2000, ssthresh 5000. One segment delivered: send 2.
  assert.equal(prr.onAck(1000, 2000, 5000, 1000), 2000 + 2000);
  prr.onSend(2000);
  // Each ACK of one segment lets two go, as slow start would...
  assert.equal(prr.onAck(1000, 3000, 5000, 1000), 3000 + 2000);
  prr.onSend(2000);
  // ...but never past ssthresh.
  assert.equal(prr.onAck(1000, 4500, 5000, 1000), 4500 + 500);
});

// --- timestamps (RFC 7323) ----------------------------------------------------

Deno.test("Timestamps: TSval wraps at 2^32 and echoes map back across the wrap", () => {
  const ts = new Timestamps(0xffff_fff0);
  assert.equal(ts.value(0), 0xffff_fff0);
  assert.equal(ts.value(32), 0x10);
  assert.equal(ts.echoedAt(0xffff_fff8, 40), 8);
  assert.equal(ts.echoedAt(0x20, 40), null); // from the future: not ours
  assert.equal(ts.echoedAt(0, 40), null); // zero: no echo
});

Deno.test("Timestamps: PAWS compares across the wrap and forgets a TS.Recent idle for 24 days", () => {
  const ts = new Timestamps(0);
  ts.fromSyn(0xffff_fff0, 0);
  ts.update(0x10, 5, 5, 1); // newer across the wrap
  assert.equal(ts.recent, 0x10);
  assert.equal(ts.isStale(0xffff_ffff, 2), true);
  assert.equal(ts.isStale(0x11, 2), false);
  assert.equal(ts.isStale(0xffff_ffff, 1 + PAWS_IDLE_LIMIT + 1), false);
});

Deno.test("Timestamps: TS.Recent is not taken from a segment past Last.ACK.sent", () => {
  const ts = new Timestamps(0);
  ts.fromSyn(100, 0);
  ts.update(200, 5000, 1000, 1); // out of order
  assert.equal(ts.recent, 100);
  ts.update(150, 1000, 1000, 2);
  assert.equal(ts.recent, 150);
  ts.update(120, 1000, 1000, 3); // older: kept
  assert.equal(ts.recent, 150);
});

// --- pacing ---------------------------------------------------------------------

Deno.test("Pacer: no pacing before a rate is known; after a burst, one segment per interval", () => {
  const p = new Pacer();
  assert.equal(p.waitUntil(0, Infinity, 1000), null);
  const rate = 100; // bytes per ms: 10 ms per 1000-byte segment, a 20 ms (2-segment) burst
  p.sent(0, 1000, rate);
  p.sent(0, 1000, rate);
  assert.equal(p.waitUntil(0, rate, 1000), null);
  p.sent(0, 1000, rate);
  assert.equal(p.waitUntil(0, rate, 1000), 10);
  assert.equal(p.waitUntil(10, rate, 1000), null);
  // Idle time earns no credit beyond the burst.
  p.sent(1000, 1000, rate);
  p.sent(1000, 1000, rate);
  p.sent(1000, 1000, rate);
  assert.equal(p.waitUntil(1000, rate, 1000), 1010);
});

Deno.test("Pacer: a wake-up that comes late keeps the schedule, up to MAX_LAG_MS behind; idle time earns nothing", () => {
  const rate = 1000, mss = 1000; // 1 ms per segment; the burst is 2 segments
  // Segments that leave at `now` until the pacer says wait.
  const burst = (p: Pacer, now: number) => {
    let sent = 0;
    while (p.waitUntil(now, rate, mss) === null) p.sent(now, mss, rate), sent++;
    return sent;
  };
  const p = new Pacer();
  assert.equal(burst(p, 0), 3);
  assert.equal(p.waitUntil(0, rate, mss), 1);
  // The timer asked for t = 1 fires at t = 10, as an event loop's may: the
  // MAX_LAG_MS that fell due before now go too, beside the burst.
  assert.equal(MAX_LAG_MS, 4);
  assert.equal(burst(p, 10), MAX_LAG_MS + 3);
  // A sender the window held back after the pacer said wait (the socket
  // cancels the wake-up it no longer awaits) was not kept waiting by pacing:
  // when the window opens 1 s later, only the burst goes.
  const r = new Pacer();
  assert.equal(burst(r, 0), 3);
  r.cancel();
  assert.equal(burst(r, 1000), 3);
  // Nor was a sender that stopped because it had nothing to send.
  const q = new Pacer();
  q.sent(0, mss, rate);
  assert.equal(q.waitUntil(0, rate, mss), null);
  assert.equal(burst(q, 1000), 3);
});
