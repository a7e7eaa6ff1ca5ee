// Why TIME-WAIT exists (RFC 9293 §3.6.1): the client's last ACK is lost, so
// the server in LAST-ACK retransmits its FIN. The client, still in
// TIME-WAIT, ACKs it again and restarts its 2*MSL timer; had it gone
// straight to CLOSED it would have answered with a RST. MSL is 500 ms here.
//
//   deno run -A examples/tcp_sim_time_wait.ts
import { show } from "./_sim_show.ts";

let serverFinSent = false;
let dropped = false;
show("TIME-WAIT re-acknowledges a retransmitted FIN", {
  seed: 1,
  bytes: 0,
  forward: { delay: 10 },
  config: { msl: 500 },
  fault(segment) {
    const { repr } = segment;
    if (segment.src === "10.0.0.2" && repr.control === "fin") serverFinSent = true;
    // Lose the client's first pure ACK after the server's FIN: the last ACK.
    const pureAck = repr.control === null && repr.payload.length === 0;
    if (segment.src === "10.0.0.1" && serverFinSent && pureAck && !dropped) {
      dropped = true;
      return "scripted loss of the last ACK";
    }
    return null;
  },
});
