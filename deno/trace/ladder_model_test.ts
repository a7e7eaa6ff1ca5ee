import assert from "node:assert/strict";
import { buildLadder } from "./ladder_model.ts";
import type { TraceEvent } from "./events.ts";
import { CLIENT_ADDR, runTransfer, SERVER_ADDR } from "../link/transfer.ts";
import { STACK_DROP } from "../tcp/stack.ts";
import { tcpRepr } from "../wire/tcp.ts";

const ENDS = { client: CLIENT_ADDR, server: SERVER_ADDR };

Deno.test("buildLadder() draws a dropped FIN as lost and its retransmission as arriving", () => {
  const events: TraceEvent[] = [];
  let dropped = false;
  runTransfer({
    seed: 1,
    bytes: 0,
    forward: { delay: 10 },
    trace: (e) => events.push(e),
    fault: (seg) => {
      if (dropped || seg.repr.control !== "fin" || seg.src !== CLIENT_ADDR) return null;
      dropped = true;
      return "chosen by the test";
    },
  });
  const fins = buildLadder(events, ENDS).arrows.filter((a) =>
    a.from === "client" && /FIN/.test(a.flags)
  );
  assert.deepEqual(fins.map((a) => [a.fate, a.retransmission, a.notes]), [
    ["lost", false, ["chosen by the test"]],
    ["delivered", true, []],
  ]);
  assert.equal(fins[0].arriveTime, null);
  assert.equal(fins[1].arriveTime! - fins[1].sendTime, 10);
});

Deno.test("buildLadder() draws a segment that reached a host with no connection as arriving there, with why", () => {
  const ack = tcpRepr({ srcPort: 80, dstPort: 40000, seq: 5, ack: 9 });
  const events: TraceEvent[] = [
    {
      kind: "link",
      time: 0,
      link: `${SERVER_ADDR}>${CLIENT_ADDR}`,
      action: "send",
      packet: new Uint8Array(40),
      repr: ack,
    },
    // The client stack decodes its own copy: a different object with the same wire fields.
    {
      kind: "drop",
      time: 10,
      endpoint: `${CLIENT_ADDR}:40000`,
      reason: STACK_DROP.noConnection,
      repr: { ...ack },
    },
  ];
  const [arrow] = buildLadder(events, ENDS).arrows;
  assert.deepEqual([arrow.from, arrow.fate, arrow.arriveTime, arrow.notes], [
    "server",
    "delivered",
    10,
    [STACK_DROP.noConnection],
  ]);
});
