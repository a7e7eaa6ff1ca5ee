// A zero-window stall and its recovery: the server's application reads
// nothing for 2 seconds, its 4 KiB receive buffer fills and it advertises a
// window of 0. The client's persist timer fires and probes (RFC 9293
// §3.8.6.1) until the server reads and sends a window update.
//
//   deno run -A examples/tcp_sim_zero_window.ts
import { show } from "./_sim_show.ts";

show("a zero-window stall and recovery", {
  seed: 1,
  bytes: 12_000,
  forward: { delay: 10 },
  config: { recvBufferSize: 4096 },
  serverReadsFrom: 2000,
}, 80);
