import assert from "node:assert/strict";
import { KERNEL_BYTES, kernelEvents, type KernelSample, kernelScript } from "./kernel.ts";

Deno.test("kernelScript() follows a real loopback connection from ESTABLISHED to TIME-WAIT", async () => {
  const samples: KernelSample[] = [];
  const summary = await kernelScript((s) => samples.push(s), new AbortController().signal);
  assert.match(summary, new RegExp(`^${KERNEL_BYTES} bytes over loopback`));
  const sending = samples.filter((s) => s.phase === "sending" && s.client && s.server);
  assert.ok(sending.length > 0, JSON.stringify(samples.slice(0, 3)));
  // While the client sends, the kernel reports it ESTABLISHED with a window and an RTT.
  for (const s of sending) {
    assert.equal(s.client!.state, "ESTABLISHED");
    assert.ok(s.client!.cwnd! >= 1);
    assert.ok(s.client!.rto! >= 200);
    assert.ok(s.client!.mss! > 0);
  }
  // The slow reader lets data pile up in a queue at some point.
  assert.ok(sending.some((s) => s.client!.sendQueue > 0 || s.server!.recvQueue > 0));
  // At the end only the client's end is left, in TIME-WAIT (the kernel keeps it 60 s).
  const last = samples.at(-1)!;
  assert.equal(last.phase, "TIME-WAIT");
  assert.equal(last.client?.state, "TIME-WAIT");
  assert.equal(last.server, null);
  for (let i = 1; i < samples.length; i++) assert.ok(samples[i].time >= samples[i - 1].time);
});

Deno.test("kernelEvents() streams samples as server-sent events, one view at a time", async () => {
  const res = kernelEvents(new Request("http://x/playground/kernel"));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
  const busy = kernelEvents(new Request("http://x/playground/kernel"));
  assert.equal(busy.status, 503);
  await busy.body?.cancel();
  const text = await res.text();
  const events = text.trim().split("\n\n").map((block) => {
    const [event, data] = block.split("\n");
    return [event.replace("event: ", ""), JSON.parse(data.replace("data: ", ""))];
  });
  assert.ok(events.length > 2);
  assert.ok(events.slice(0, -1).every(([name]) => name === "sample"));
  assert.equal(events.at(-1)![0], "done");
  // Once done, another view may start.
  const again = kernelEvents(new Request("http://x/playground/kernel"));
  assert.equal(again.status, 200);
  await again.body?.cancel();
});
