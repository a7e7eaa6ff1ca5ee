// Draws the two plots of one simulated transfer as SVG files: the
// time-sequence graph (Stevens, tcptrace) and cwnd, ssthresh and bytes in
// flight over time, with the recovery episodes shaded.
//
//   deno run -A examples/tcp_sim_plots.ts [DIR] [CONTROLLER] [SEED]
//
// docs/img/time-sequence.svg and docs/img/cwnd.svg are its output for
// `docs/img cubic 4`.
import { runTransfer } from "../deno/link/transfer.ts";
import { controllerFactory } from "../deno/tcp/controllers.ts";
import { congestionSvg, timeSequenceSvg } from "../deno/trace/svg.ts";
import type { TraceEvent } from "../deno/trace/events.ts";

const [dir = ".", controller = "cubic", seed = "4"] = Deno.args;
const events: TraceEvent[] = [];
const r = runTransfer({
  seed: Number(seed),
  bytes: 300_000,
  // 100 Mbit/s, 20 ms round trips, a 256 KiB queue, 2% random loss on the way out.
  forward: { loss: 0.02, delay: 10, rate: 12_500_000, queue: 256 * 1024, mtu: 1500 },
  reverse: { delay: 10, mtu: 1500 },
  config: { congestion: controllerFactory(controller) },
  trace: (e) => events.push(e),
});
const plots = { "time-sequence.svg": timeSequenceSvg(events), "cwnd.svg": congestionSvg(events) };
for (const [name, svg] of Object.entries(plots)) {
  Deno.writeTextFileSync(`${dir}/${name}`, svg);
  console.log(`wrote ${dir}/${name} (${svg.length} bytes)`);
}
console.log(
  `${r.ok ? "OK" : "FAILED"}: ${r.client.controller}, ${r.client.retransmissions} ` +
    `retransmissions for ${r.forward.lost} packets lost, data done at ${
      r.dataDoneTime.toFixed(0)
    } ms`,
);
