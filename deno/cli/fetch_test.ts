import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { withTempDir } from "../_testing.ts";
import { runCli } from "./_testing.ts";
import { serve } from "../http/server.ts";

Deno.test("socklab fetch refuses what it cannot do, with exit code 2 and the reason", async () => {
  const cases: [string[], RegExp][] = [
    [[], /fetch: give one URL/],
    [["https://127.0.0.1/"], /only http:\/\/ URLs/],
    [["not a url"], /is not a URL/],
    [["--json", "http://127.0.0.1/"], /--json needs -o FILE/],
    [["--loss", "5", "http://127.0.0.1/"], /fetch: --loss needs --tun/],
    [["--tun", "tun0", "http://10.0.0.1/"], /--tun needs --address/],
    [["--tun", "tun0", "--address", "10.0.0.2", "http://10.0.0.1/"], /such as 10\.0\.0\.2\/24/],
    [
      ["--tun", "tun0", "--address", "10.0.0.2/24", "http://example.com/"],
      /must be an address \(no DNS\)/,
    ],
    [
      ["--tun", "tun0", "--address", "fd00::2/64", "--mtu", "1000", "http://[fd00::1]/"],
      /below IPv6's minimum of 1280/,
    ],
    [
      ["--tun", "tun0", "--address", "10.0.0.2/24", "--loss", "100", "http://10.0.0.1/"],
      /fetch --loss: 100% would never deliver/,
    ],
    [
      ["--tun", "tun0", "--address", "10.0.0.2/24", "--cc", "bbr", "http://10.0.0.1/"],
      /fetch --cc: must be one of fixed, reno, newreno, cubic/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(["fetch", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message, args.join(" "));
  }
});

Deno.test("socklab fetch downloads over the kernel's TCP without --tun: the body to -o, a summary and its SHA-256", async () => {
  const body = new Uint8Array(300_000).map((_, i) => i * 7);
  const server = serve(
    { port: 0, hostname: "127.0.0.1" },
    (req) =>
      new URL(req.url).pathname === "/missing"
        ? new Response("no", { status: 404 })
        : new Response(body),
  );
  const { port } = server.addr as { port: number };
  try {
    await withTempDir("socklab-fetch-", async (dir) => {
      const r = await runCli(["fetch", `http://127.0.0.1:${port}/data`, "-o", `${dir}/out.bin`]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await Deno.readFile(`${dir}/out.bin`), body);
      const sha = createHash("sha256").update(body).digest("hex");
      assert.match(
        r.stderr,
        new RegExp(`^200 OK: 300000 bytes to .*out\\.bin in [\\d.]+ s.*SHA-256 ${sha}\\n$`),
      );
      const json = await runCli([
        "fetch",
        `http://127.0.0.1:${port}/data`,
        "-o",
        `${dir}/j.bin`,
        "--json",
      ]);
      assert.equal(json.code, 0);
      const summary = JSON.parse(json.stdout);
      assert.deepEqual([summary.status, summary.bytes, summary.sha256], [200, 300000, sha]);
      // No -o: the body on standard output. A 404 still writes it, and exits 1.
      const missing = await runCli(["fetch", `http://127.0.0.1:${port}/missing`]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stdout, "no");
      assert.match(missing.stderr, /the server answered 404 Not Found/);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("socklab fetch -o draws a progress line on a terminal's standard error, erased at the end", async () => {
  const { run } = await import("../cli.ts");
  const server = serve({ port: 0, hostname: "127.0.0.1" }, () => new Response(new Uint8Array(2e6)));
  const { port } = server.addr as { port: number };
  try {
    await withTempDir("socklab-fetch-", async (dir) => {
      const err: Uint8Array[] = [];
      const code = await run(["fetch", `http://127.0.0.1:${port}/`, "-o", `${dir}/x`], {
        stdin: new Response("").body!,
        stdout: new WritableStream(),
        stderr: new WritableStream({ write: (c) => void err.push(c) }),
        stderrIsTerminal: true,
        progressAfterMs: 0,
      });
      assert.equal(code, 0);
      // "\r" and erase-line open each draw; shown here as "<erase>".
      const text = err.map((c) => new TextDecoder().decode(c)).join("").replaceAll(
        "\r\x1b[K",
        "<erase>",
      );
      assert.match(text, /<erase>fetch: [\d.]+ MB of 2\.0 MB \(\d+%\), [\d.]+ MB\/s \(0s\)/);
      assert.match(text, /<erase>200 OK: 2000000 bytes to /);
    });
  } finally {
    await server.shutdown();
  }
});
