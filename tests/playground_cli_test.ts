// The playground and \`socklab sim\` agree: the playground's replay command
// runs the same transfer in the CLI, and the CLI's trace file hashes to the
// playground's trace hash. (Here rather than beside the playground: the
// playground sits below the CLI and does not import it.)
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { playgroundHandler } from "../deno/playground/mod.ts";
import type { RunReport } from "../deno/playground/run.ts";
import { Session } from "../deno/playground/session.ts";
import { run as runCli } from "../deno/cli.ts";

async function cli(args: string[]): Promise<number> {
  const sink = () => new WritableStream<Uint8Array>();
  return await runCli(args, { stdin: new Response("").body!, stdout: sink(), stderr: sink() });
}

async function runQuery(query: string): Promise<RunReport> {
  const res = await playgroundHandler(new Request(`http://play.test/playground/run?${query}`));
  assert.ok(res);
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

Deno.test("the replay command line makes `socklab sim` run exactly the same transfer", async () => {
  const query = "bytes=30KB&reply-bytes=3KB&loss=10&duplicate=5&delay=25ms&jitter=5ms" +
    "&close=server-first&msl=300ms&recv-buffer=16KiB&mtu=900&seed=7";
  const r = await runQuery(query);
  const args = r.command.split(" ").slice(2);
  const out: Uint8Array[] = [];
  const sink = () => new WritableStream<Uint8Array>({ write: (c) => void out.push(c) });
  const stdin = new Response("").body!;
  const code = await runCli(["sim", "--json", ...args], { stdin, stdout: sink(), stderr: sink() });
  assert.equal(code, 0);
  const text = new TextDecoder().decode(new Uint8Array(out.flatMap((c) => [...c])));
  const sim = JSON.parse(text);
  const { clientToServerMatch: _, serverToClientMatch: __, seed: ___, ...summary } = r.summary;
  for (const [key, value] of Object.entries(summary)) assert.deepEqual(sim[key], value, key);
});

Deno.test("Session.run() hashes the trace exactly as `socklab sim --trace` writes it", async () => {
  const query = "bytes=20KB&reply-bytes=2KB&loss=10&duplicate=5&jitter=3ms&seed=9";
  const session = Session.run(query);
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const args = session.result.command.split(" ").slice(2);
    assert.equal(await cli(["sim", "--lines", "0", "--trace", file, ...args]), 0);
    const written = await Deno.readFile(file);
    assert.equal(createHash("sha256").update(written).digest("hex"), session.result.traceSha256);
    const lines = session.jsonLines().join("");
    assert.equal(lines, new TextDecoder().decode(written));
  } finally {
    await Deno.remove(file);
  }
});
