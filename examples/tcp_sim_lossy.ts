// A transfer over a link that loses 30% of packets: retransmissions marked
// RTX, lost segments marked X, and the RTO doubling on each timeout (RFC 6298
// §5.5) until an ACK of new data arrives.
//
//   deno run -A examples/tcp_sim_lossy.ts [SEED]
import { show } from "./_sim_show.ts";

const seed = Number(Deno.args[0] ?? 3);
show(`20 kB over a 30% lossy link (seed ${seed})`, {
  seed,
  bytes: 20_000,
  forward: { loss: 0.3, delay: 10 },
}, 120);
