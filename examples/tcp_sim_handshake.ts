// The three-way handshake and the four-way teardown alone (RFC 9293 §3.5,
// §3.6): no data, 10 ms each way. The client closes first, so it passes
// through FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT; the server through
// CLOSE-WAIT and LAST-ACK.
//
//   deno run -A examples/tcp_sim_handshake.ts
import { show } from "./_sim_show.ts";

show("handshake and teardown", { seed: 1, bytes: 0, forward: { delay: 10 } });
