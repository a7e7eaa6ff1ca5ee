import assert from "node:assert/strict";
import { fetchOver, HttpClient, HttpClientError } from "./client.ts";
import { withServer } from "./_testing.ts";

const connect = (port: number) => Deno.connect({ hostname: "127.0.0.1", port });

Deno.test("HttpClient reuses one connection for sequential requests", async () => {
  const peers = new Set<string>();
  await withServer({}, (req, info) => {
    peers.add(JSON.stringify(info.remoteAddr));
    return new Response(`${req.method} ${new URL(req.url).pathname}`);
  }, async (port) => {
    const client = new HttpClient(await connect(port));
    for (const path of ["/a", "/b", "/c"]) {
      const res = await client.fetch(`http://127.0.0.1:${port}${path}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), `GET ${path}`);
    }
    assert.equal(peers.size, 1);
    assert.equal(client.reusable, true);
    client.close();
  });
});

Deno.test("HttpClient sends bodies by length and chunked, and reads chunked answers", async () => {
  await withServer({}, (req) => new Response(req.body), async (port) => {
    const client = new HttpClient(await connect(port));
    const url = `http://127.0.0.1:${port}/echo`;
    const sized = await client.fetch(url, { method: "POST", body: "by length" });
    assert.equal(await sized.text(), "by length");
    const parts = ["one ", "two ", "three"];
    const stream = new ReadableStream({
      pull(c) {
        const p = parts.shift();
        if (p === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(p));
      },
    });
    const chunked = await client.fetch(url, { method: "PUT", body: stream });
    assert.equal(chunked.headers.get("transfer-encoding"), "chunked");
    assert.equal(await chunked.text(), "one two three");
    client.close();
  });
});

Deno.test("HttpClient handles HEAD, 204 and interim answers", async () => {
  await withServer({}, async (req) => {
    if (req.method === "HEAD") return new Response("ignored body");
    if (req.method === "DELETE") return new Response(null, { status: 204 });
    return new Response(`got ${(await req.text()).length}`);
  }, async (port) => {
    const client = new HttpClient(await connect(port));
    const url = `http://127.0.0.1:${port}/`;
    const head = await client.fetch(url, { method: "HEAD" });
    assert.equal(head.body, null);
    const gone = await client.fetch(url, { method: "DELETE" });
    assert.equal(gone.status, 204);
    const cont = await client.fetch(url, {
      method: "POST",
      body: "x".repeat(40000),
      headers: { expect: "100-continue" },
    });
    assert.equal(await cont.text(), "got 40000");
    client.close();
  });
});

Deno.test("fetchOver() closes the connection after the body", async () => {
  await withServer({}, () => new Response("once"), async (port) => {
    const res = await fetchOver(await connect(port), `http://127.0.0.1:${port}/`);
    assert.equal(await res.text(), "once");
  });
});

Deno.test("HttpClient rejects malformed responses and early closes", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const answers = [
    "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    "SSH-2.0-OpenSSH\r\n\r\n",
  ];
  const serving = (async () => {
    for (const answer of answers) {
      const conn = await listener.accept();
      await conn.read(new Uint8Array(1024));
      await conn.write(new TextEncoder().encode(answer));
      conn.close();
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  for (let i = 0; i < answers.length; i++) {
    await assert.rejects(async () => {
      const res = await fetchOver(await connect(port), `http://127.0.0.1:${port}/`);
      await res.text();
    }, HttpClientError);
  }
  await serving;
  listener.close();
  assert.throws(() => new HttpClient({} as Deno.Conn), TypeError);
});

Deno.test("HttpClient.fetch() rejects with the signal's reason and closes on abort", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await withServer({}, async () => {
    await gate;
    return new Response("late");
  }, async (port) => {
    const client = new HttpClient(await connect(port));
    const controller = new AbortController();
    const pending = client.fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("gave up")), 20);
    await assert.rejects(pending, /gave up/);
    assert.equal(client.reusable, false);
    await assert.rejects(
      client.fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.abort() }),
      (e: Error) => e.name === "AbortError",
    );
    release();
  });
});
