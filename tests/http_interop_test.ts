// socklab's HTTP server against clients no one here wrote: curl, ab,
// h2load --h1, wrk, Deno's fetch and Node's fetch; and socklab's own client
// and kernel sockets (deno/net) in place of Deno's.
import assert from "node:assert/strict";
import { missingCommand, requires } from "../deno/_testing.ts";
import { serve, type ServeOptions } from "../deno/http/server.ts";
import { HttpClient } from "../deno/http/client.ts";
import { connect, listen } from "../deno/net/stream.ts";
import type { InetAddr } from "../deno/net/types.ts";

async function run(cmd: string, args: string[], stdin?: string) {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A handler with the routes the tests use. */
async function handler(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/upload") {
    const body = new Uint8Array(await req.arrayBuffer());
    let sum = 0;
    for (const b of body) sum = (sum + b) % 65521;
    return new Response(`${body.length} ${sum} ${req.headers.get("transfer-encoding") ?? "-"}\n`);
  }
  if (url.pathname === "/stream") {
    let i = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (i++ === 100) c.close();
          else c.enqueue(new TextEncoder().encode("x".repeat(1000)));
        },
      }),
    );
  }
  return new Response("hello world\n");
}

async function withServer(options: ServeOptions, fn: (base: string) => Promise<void>) {
  const server = serve({ port: 0, hostname: "127.0.0.1", ...options }, handler);
  const scheme = options.cert ? "https://localhost" : "http://127.0.0.1";
  try {
    await fn(`${scheme}:${(server.addr as InetAddr).port}`);
  } finally {
    await server.shutdown();
  }
}

Deno.test(requires(missingCommand("curl"), {
  name: "curl speaks HTTP/1.0, HTTP/1.1 with keep-alive, and uploads chunked",
  async fn() {
    await withServer({}, async (base) => {
      const old = await run("curl", ["-s", "-0", "-i", `${base}/`]);
      assert.match(old.stdout, /^HTTP\/1\.1 200 OK\r\n[^]*hello world\n$/);
      const kept = await run("curl", ["-sv", `${base}/a`, `${base}/b`]);
      assert.equal(kept.stdout, "hello world\nhello world\n");
      assert.match(kept.stderr, /Re-using existing connection/);
      const data = "abcdefghij".repeat(10000);
      const up = await run("curl", [
        "-s",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        "@-",
        `${base}/upload`,
      ], data);
      let sum = 0;
      for (const c of data) sum = (sum + c.charCodeAt(0)) % 65521;
      assert.equal(up.stdout, `100000 ${sum} chunked\n`);
      const streamed = await run("curl", ["-s", "--raw", "-i", `${base}/stream`]);
      assert.match(streamed.stdout, /transfer-encoding: chunked/);
      assert.equal((streamed.stdout.match(/x{1000}/g) ?? []).length, 100);
    });
  },
}));

Deno.test(requires([missingCommand("curl"), missingCommand("openssl")], {
  name: "curl speaks HTTPS to the server with a certificate made by openssl",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "socklab-tls-" });
    try {
      const made = await run("openssl", [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ]);
      assert.equal(made.code, 0, made.stderr);
      const cert = await Deno.readTextFile(`${dir}/cert.pem`);
      const key = await Deno.readTextFile(`${dir}/key.pem`);
      await withServer({ cert, key }, async (base) => {
        const port = new URL(base).port;
        const res = await run("curl", [
          "-s",
          "--cacert",
          `${dir}/cert.pem`,
          "--resolve",
          `localhost:${port}:127.0.0.1`,
          `${base}/a`,
          `${base}/b`,
        ]);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stdout, "hello world\nhello world\n");
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(requires(missingCommand("ab"), {
  name: "ab with keep-alive gets only 2xx and no failures",
  async fn() {
    await withServer({}, async (base) => {
      const ab = await run("ab", ["-q", "-k", "-n", "3000", "-c", "20", `${base}/`]);
      assert.equal(ab.code, 0, ab.stderr);
      assert.match(ab.stdout, /Complete requests:\s+3000/);
      assert.match(ab.stdout, /Failed requests:\s+0/);
      assert.match(ab.stdout, /Keep-Alive requests:\s+3000/);
      assert.doesNotMatch(ab.stdout, /Non-2xx/);
    });
  },
}));

Deno.test(requires(missingCommand("h2load"), {
  name: "h2load --h1 completes every request",
  async fn() {
    await withServer({}, async (base) => {
      const h = await run("h2load", ["--h1", "-n", "3000", "-c", "20", "-m", "4", `${base}/`]);
      assert.match(
        h.stdout,
        /requests: 3000 total, 3000 started, 3000 done, 3000 succeeded, 0 failed, 0 errored/,
      );
      assert.match(h.stdout, /status codes: 3000 2xx/);
    });
  },
}));

Deno.test(requires(missingCommand("wrk"), {
  name: "wrk at 100 connections for 10 seconds sees no errors and no non-2xx",
  async fn() {
    await withServer({}, async (base) => {
      const w = await run("wrk", ["-t", "1", "-c", "100", "-d", "10s", `${base}/`]);
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stdout, /requests in/);
      assert.doesNotMatch(w.stdout, /Socket errors|Non-2xx/);
    });
  },
}));

Deno.test("Deno's fetch and Node's fetch talk to the server", async () => {
  await withServer({}, async (base) => {
    const res = await fetch(`${base}/upload`, { method: "POST", body: "abc" });
    assert.equal(await res.text(), "3 294 -\n");
    const streamed = await fetch(`${base}/stream`);
    assert.equal((await streamed.text()).length, 100000);
    const node = await run("node", [
      "-e",
      `const r = await fetch(process.argv[1] + "/upload", { method: "POST", body: "abc" });
       const s = await fetch(process.argv[1] + "/stream");
       console.log(r.status, (await r.text()).trim(), (await s.text()).length);`,
      "--input-type=module",
      base,
    ]);
    assert.equal(node.stdout.trim(), "200 3 294 - 100000", node.stderr);
  });
});

Deno.test("the server runs on socklab's kernel listener and socklab's client talks to it", async () => {
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const server = serve({ listener }, handler);
  try {
    const conn = await connect(listener.addr);
    const client = new HttpClient(conn);
    const res = await client.fetch(`http://127.0.0.1/upload`, { method: "POST", body: "abc" });
    assert.equal(await res.text(), "3 294 -\n");
    const again = await client.fetch(`http://127.0.0.1/`);
    assert.equal(await again.text(), "hello world\n");
    client.close();
  } finally {
    await server.shutdown();
  }
});

Deno.test("socklab's HttpClient talks to Deno.serve (keep-alive, chunked both ways)", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    async (req) => {
      const body = req.body ? await req.text() : "";
      const parts = [`${req.method} `, `${body.length}`];
      return new Response(
        new ReadableStream({
          pull(c) {
            const p = parts.shift();
            if (p === undefined) c.close();
            else c.enqueue(new TextEncoder().encode(p));
          },
        }),
      );
    },
  );
  try {
    const client = new HttpClient(
      await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }),
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    assert.equal(await (await client.fetch(`${base}/`)).text(), "GET 0");
    const upload = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("x".repeat(5000)));
        c.close();
      },
    });
    const res = await client.fetch(`${base}/`, { method: "POST", body: upload });
    assert.equal(await res.text(), "POST 5000");
    assert.equal(client.reusable, true);
    client.close();
  } finally {
    await server.shutdown();
  }
});
