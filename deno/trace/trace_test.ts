import assert from "node:assert/strict";
import { renderLadder } from "./ladder.ts";
import { pcapOfTrace } from "./pcap.ts";
import type { TraceEvent } from "./events.ts";
import { runTransfer } from "../link/transfer.ts";
import { decodeSegment } from "../link/packet.ts";

function trace(options: Parameters<typeof runTransfer>[0]): TraceEvent[] {
  const events: TraceEvent[] = [];
  runTransfer({ ...options, trace: (e) => events.push(e) });
  return events;
}

const LR = { left: "10.0.0.1", right: "10.0.0.2" };

Deno.test("renderLadder() draws one arrow per packet, rightward from the left host", () => {
  const events = trace({ seed: 1, bytes: 0, forward: { delay: 10 } });
  const ladder = renderLadder(events, LR);
  const arrows = ladder.split("\n").filter((l) => /\|(<-|-).*(->|-)\|/.test(l));
  const packets = events.filter((e) => e.kind === "link" && e.action === "send").length;
  assert.equal(arrows.length, packets);
  assert.match(arrows[0], /\|-+ SYN seq=0 win=65535 mss=1460 ws=5 sackOK TS -+>\|$/);
  assert.match(arrows[1], /\|<-+ SYN,ACK seq=0 ack=1 /);
});

Deno.test("renderLadder() puts each end's state changes on its own side", () => {
  const ladder = renderLadder(trace({ seed: 1, bytes: 0, forward: { delay: 10 } }), LR);
  const line = (text: string) => ladder.split("\n").find((l) => l.includes(text))!;
  assert.ok(line("CLOSED -> SYN-SENT").indexOf("CLOSED") < line("CLOSED -> SYN-SENT").indexOf("|"));
  assert.ok(
    line("LISTEN -> SYN-RECEIVED").indexOf("LISTEN") >
      line("LISTEN -> SYN-RECEIVED").lastIndexOf("|"),
  );
});

Deno.test("renderLadder() marks lost packets with X and the reason, retransmissions with RTX", () => {
  const ladder = renderLadder(
    trace({ seed: 3, bytes: 20_000, forward: { loss: 0.3, delay: 10 } }),
    LR,
  );
  assert.match(ladder, /-X {2}\| loss$/m);
  assert.match(ladder, /RTX /);
  assert.match(ladder, /RTO fired, now \d+ ms \(x2\)/);
});

Deno.test("renderLadder() elides the middle of a long diagram to maxLines", () => {
  const events = trace({ seed: 1, bytes: 200_000, forward: { delay: 10 } });
  const lines = renderLadder(events, { ...LR, maxLines: 20 }).trimEnd().split("\n");
  assert.equal(lines.length, 20);
  assert.match(lines.join("\n"), /\.\.\. \d+ lines omitted \.\.\./);
  assert.throws(() => renderLadder(events, { ...LR, maxLines: 2 }), RangeError);
  assert.throws(() => renderLadder(events, { ...LR, laneWidth: 5 }), RangeError);
});

Deno.test("pcapOfTrace() writes a raw-IP pcap whose records are the packets sent, in order", () => {
  // Jitter gives fractional virtual times: each record holds the microsecond nearest.
  const events = trace({ seed: 2, bytes: 5000, forward: { delay: 3, jitter: 1.7, loss: 0.1 } });
  const file = pcapOfTrace(events);
  const view = new DataView(file.buffer);
  assert.equal(view.getUint32(0, true), 0xa1b2c3d4);
  assert.equal(view.getUint32(20, true), 101);
  const sent = events.flatMap((e) => e.kind === "link" && e.action === "send" ? [e] : []);
  let at = 24;
  for (const e of sent) {
    const micros = view.getUint32(at, true) * 1e6 + view.getUint32(at + 4, true);
    const len = view.getUint32(at + 8, true);
    assert.equal(micros, Math.round(e.time * 1000));
    assert.deepEqual(file.subarray(at + 16, at + 16 + len), e.packet);
    decodeSegment(file.subarray(at + 16, at + 16 + len)); // checksums valid
    at += 16 + len;
  }
  assert.equal(at, file.length);
});
