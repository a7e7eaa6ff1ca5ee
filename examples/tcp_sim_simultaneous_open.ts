// Simultaneous open (RFC 9293 §3.5, figure 8): both ends send a SYN at once,
// both go SYN-SENT -> SYN-RECEIVED, answer with SYN,ACK, and meet in
// ESTABLISHED. They then close at the same moment: simultaneous close,
// through CLOSING to TIME-WAIT on both sides.
//
//   deno run -A examples/tcp_sim_simultaneous_open.ts
import { show } from "./_sim_show.ts";

show("simultaneous open, then simultaneous close", {
  seed: 1,
  bytes: 0,
  simultaneousOpen: true,
  closeOrder: "simultaneous",
  forward: { delay: 10 },
});
