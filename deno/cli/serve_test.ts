import assert from "node:assert/strict";
import { HttpClient } from "../http/client.ts";

/** Starts `socklab serve` with `args`, resolves once it prints where it listens. */
async function start(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../cli.ts", import.meta.url).pathname, "serve", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on (\S+)\n/.test(text)) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`serve exited early: ${text}`);
    text += value;
  }
  return { child, lines, where: /listening on (\S+)\n/.exec(text)![1] };
}

Deno.test("socklab serve serves the demo page, echo and files, and stops on SIGTERM", async () => {
  const { child, lines, where } = await start(["--port", "0", "--root", "deno/http/testdata"]);
  const url = new URL(where);
  const client = new HttpClient(
    await Deno.connect({ hostname: url.hostname, port: Number(url.port) }),
  );
  try {
    assert.match(await (await client.fetch(url)).text(), /socklab serve/);
    const echo = await client.fetch(new URL("/echo?x=1", url), { method: "POST", body: "ping" });
    assert.match(await echo.text(), /^POST \/echo\?x=1\n[^]*\n\nping$/);
    const listing = await client.fetch(new URL("/files/", url));
    assert.match(await listing.text(), /requests\.json/);
    const file = await client.fetch(new URL("/files/requests.json", url), {
      headers: { range: "bytes=0-0" },
    });
    assert.equal(file.status, 206);
    assert.equal(await file.text(), "{");
    // The /files/ prefix is matched decoded, like the rest of the path; elsewhere, 404.
    const encoded = await client.fetch(new URL("/fil%65s/requests.json", url));
    assert.equal(encoded.status, 200);
    assert.match(await encoded.text(), /^\{/);
    const missing = await client.fetch(new URL("/nothing-here", url));
    assert.equal(missing.status, 404);
    await missing.text();
    const page = await client.fetch(new URL("/playground", url));
    assert.match(await page.text(), /socklab playground/);
    const run = await client.fetch(new URL("/playground/run?bytes=0&seed=1", url));
    const result = await run.json();
    assert.equal(run.status, 200);
    assert.ok(JSON.stringify(result).includes("TIME-WAIT"));
    const bench = await client.fetch(new URL("/bench", url));
    assert.match(await bench.text(), /Checksum benchmark, in your browser/);
  } finally {
    client.close();
    child.kill("SIGTERM");
  }
  let rest = "";
  for (let r = await lines.read(); !r.done; r = await lines.read()) rest += r.value;
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 0);
  assert.match(rest, /200 POST \/echo\?x=1[^]*stopped/);
});

Deno.test("socklab serve rejects a lone --cert and a missing root with exit code 2", async () => {
  for (const args of [["--cert", "x.pem"], ["--root", "/nonexistent/socklab"]]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../cli.ts", import.meta.url).pathname, "serve", ...args],
    }).output();
    assert.equal(out.code, 2);
    assert.match(new TextDecoder().decode(out.stderr), /socklab serve: /);
  }
});

Deno.test("socklab serve refuses link flags without --tun and kernel flags with it, exit code 2", async () => {
  const { runCli } = await import("./_testing.ts");
  const cases: [string[], RegExp][] = [
    [["--loss", "5"], /serve: --loss needs --tun/],
    [["--json"], /--json describes the TUN link: it needs --tun/],
    [
      ["--tun", "tun0", "--address", "10.0.0.2/24", "--unix", "/tmp/x.sock"],
      /--unix does not go with --tun/,
    ],
    [["--tun", "tun0", "--address", "10.0.0.2/32"], /leaves no address for the kernel/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(["serve", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message);
  }
});
