// Shared by the tcp_sim_* examples: runs a transfer on the simulated network
// and prints its ladder diagram and a one-line outcome.
import {
  CLIENT_ADDR,
  runTransfer,
  SERVER_ADDR,
  type TransferOptions,
} from "../deno/link/transfer.ts";
import { renderLadder } from "../deno/trace/ladder.ts";
import type { TraceEvent } from "../deno/trace/events.ts";

/** Runs `options`, prints the ladder (at most `maxLines`) and the outcome. */
export function show(title: string, options: TransferOptions, maxLines = 60): void {
  const events: TraceEvent[] = [];
  const r = runTransfer({ ...options, trace: (e) => events.push(e) });
  console.log(`# ${title}\n`);
  console.log(renderLadder(events, { left: CLIENT_ADDR, right: SERVER_ADDR, maxLines }));
  console.log(
    `${
      r.ok ? "OK" : "FAILED"
    }: ${r.server.bytesReceived} bytes to the server, ${r.client.bytesReceived} back; ` +
      `${r.client.retransmissions + r.server.retransmissions} retransmissions; ` +
      `ends ${r.client.state}/${r.server.state} at ${r.time.toFixed(0)} ms virtual time`,
  );
  for (const p of r.problems) console.log(`problem: ${p}`);
}
