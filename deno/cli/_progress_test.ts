import assert from "node:assert/strict";
import { Progress, withProgress } from "./_progress.ts";

function terminal(progressAfterMs?: number) {
  const chunks: string[] = [];
  const stderr = new WritableStream<Uint8Array>({
    write: (c) => void chunks.push(new TextDecoder().decode(c)),
  });
  const io = {
    stdin: new Response("").body!,
    stdout: new WritableStream<Uint8Array>(),
    stderr,
    stderrIsTerminal: true,
    progressAfterMs,
  };
  return { io, chunks };
}

Deno.test("Progress draws at most ten times a second, each draw replacing the last, and erases itself", async () => {
  const { io, chunks } = terminal(0);
  const progress = new Progress(io, "pcap");
  for (let i = 0; i < 1000; i++) progress.update(`frame ${i}`);
  await progress.done();
  assert.deepEqual(chunks, ["\r\x1b[Kpcap: frame 0 (0s)", "\r\x1b[K"]);
});

Deno.test("Progress stays quiet before progressAfterMs, and withProgress() erases it when the work throws", async () => {
  const quiet = terminal(60_000);
  await withProgress(quiet.io, "bench", (p) => Promise.resolve(p.update("x")));
  assert.deepEqual(quiet.chunks, []);
  const shown = terminal(0);
  await assert.rejects(
    withProgress(shown.io, "bench", (p) => {
      p.update("checksum");
      return Promise.reject(new Error("failed"));
    }),
    /failed/,
  );
  assert.deepEqual(shown.chunks, ["\r\x1b[Kbench: checksum (0s)", "\r\x1b[K"]);
  // Standard error is free again for the error message.
  assert.equal(shown.io.stderr.locked, false);
});
