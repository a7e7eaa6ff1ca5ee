// The server under awkward delivery and hostile input: bytes one at a time,
// unread bodies, slow readers of streamed responses, and random garbage.
import assert from "node:assert/strict";
import { exchange, statuses, withServer } from "./_testing.ts";

const enc = new TextEncoder();

Deno.test("serve() parses pipelined requests delivered one byte per write", async () => {
  await withServer(
    {},
    async (req) => new Response(`${req.method}:${await req.text()}`),
    async (port) => {
      const raw = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" +
        "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
        "POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n";
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.setNoDelay(true);
      for (const byte of enc.encode(raw)) await conn.write(Uint8Array.of(byte));
      await conn.closeWrite();
      const text = new TextDecoder().decode(await new Response(conn.readable).bytes());
      assert.deepEqual(statuses(text), [200, 200, 200]);
      assert.match(text, /GET:[^]*POST:abc[^]*POST:de$/);
    },
  );
});

Deno.test("serve() skips a body the handler did not read and keeps the connection", async () => {
  await withServer({}, (req) => new Response(new URL(req.url).pathname), async (port) => {
    const answer = await exchange(
      port,
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
        "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
        "GET /c HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert.deepEqual(statuses(answer), [200, 200, 200]);
    assert.match(answer, /\/a[^]*\/b[^]*\/c$/);
  });
});

Deno.test("serve() pulls a streamed body only as fast as the client reads it", async () => {
  let pulls = 0;
  let cancelled!: () => void;
  const gone = new Promise<void>((r) => (cancelled = r));
  const chunk = new Uint8Array(65536);
  const handler = () =>
    new Response(
      new ReadableStream({
        pull(c) {
          pulls++;
          c.enqueue(chunk);
        },
        cancel() {
          cancelled();
        },
      }, { highWaterMark: 0 }),
    );
  await withServer({}, handler, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(65536);
    let got = 0;
    while (got < 1 << 20) got += (await conn.read(buf)) ?? 0;
    // Let the server fill the socket buffers, then count: it must be stuck, not racing on.
    await new Promise((r) => setTimeout(r, 200));
    const stalled = pulls;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(pulls, stalled, "the server kept pulling while nobody read");
    assert.ok(
      stalled * 65536 < got + 64 * (1 << 20),
      `pulled ${stalled} chunks for ${got} bytes read`,
    );
    conn.close();
    await gone; // the producer is cancelled when the client goes away
  });
});

// A seeded generator, so a failure can be replayed.
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

Deno.test("serve() survives random and mutated requests and still answers afterwards", async () => {
  const rand = random(9112);
  const valid = "POST /x?y=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nX-A: b\r\n\r\nbody" +
    "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n";
  await withServer(
    { headerTimeout: 1000 },
    async (req) => new Response(await req.text()),
    async (port) => {
      for (let i = 0; i < 150; i++) {
        let bytes: Uint8Array;
        if (i % 3 === 0) {
          bytes = Uint8Array.from(
            { length: 1 + Math.floor(rand() * 300) },
            () => Math.floor(rand() * 256),
          );
        } else {
          const b = [...enc.encode(valid)];
          for (let m = 1 + Math.floor(rand() * 6); m > 0; m--) {
            const at = Math.floor(rand() * b.length);
            const op = rand();
            if (op < 0.4) b[at] = Math.floor(rand() * 256);
            else if (op < 0.7) b.splice(at, 0, "\r\n :;,0\t"[Math.floor(rand() * 8)].charCodeAt(0));
            else b.splice(at, 1);
          }
          bytes = Uint8Array.from(b);
        }
        const answer = await exchange(port, bytes);
        for (const status of statuses(answer)) {
          assert.ok(
            [200, 400, 408, 413, 417, 431, 501, 505].includes(status),
            `status ${status} for ${JSON.stringify(String.fromCharCode(...bytes))}: ${answer}`,
          );
        }
      }
      assert.match(await exchange(port, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"), /^HTTP\/1\.1 200 /);
    },
  );
});

Deno.test("serve() keeps answering while slow clients hold connections, then drops them", async () => {
  await withServer({ headerTimeout: 200 }, () => new Response("ok"), async (port) => {
    const slow = await Promise.all(
      Array.from({ length: 50 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    await Promise.all(slow.map((c) => c.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\nX-"))));
    // A well-behaved client is served at once, whatever the slow ones do.
    assert.match(await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), /^HTTP\/1\.1 200 /);
    // And every slow one is told 408 and closed once its head is overdue.
    const answers = await Promise.all(slow.map((c) => new Response(c.readable).text()));
    for (const a of answers) assert.match(a, /^HTTP\/1\.1 408 /);
  });
});
