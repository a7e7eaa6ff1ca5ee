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

/** Writes `raw` (Latin-1) without half-closing and reads until the server closes, within `ms`. */
async function answerWithin(port: number, raw: string, ms: number): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), ms);
  try {
    await conn.write(Uint8Array.from(raw, (c) => c.charCodeAt(0)));
    const parts: string[] = [];
    const buf = new Uint8Array(4096);
    for (let n; (n = await conn.read(buf)) !== null;) {
      parts.push(String.fromCharCode(...buf.subarray(0, n)));
    }
    return parts.join("");
  } catch (error) {
    if (error instanceof Deno.errors.BadResource) return "(no answer in time)";
    throw error;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
}

Deno.test("serve() answers a head malformed so far with 400 at the bad byte, before its end", async () => {
  // The head timeout is long: an answer within the test's second comes from the bad byte.
  await withServer({ headerTimeout: 30_000 }, () => new Response("ok"), async (port) => {
    const cases: [string, RegExp][] = [
      ["GET /a\x01b", /invalid character in the request target/],
      ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999", /invalid Content-Length/],
      ["GET / HTTP/1.1\r\nHost: x\r\nBad Name", /whitespace between header name and colon/],
    ];
    for (const [raw, reason] of cases) {
      const answer = await answerWithin(port, raw, 1000);
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(raw));
      assert.match(answer, reason, JSON.stringify(raw));
      assert.match(answer, /connection: close\r\n/);
    }
  });
});

Deno.test("serve() answers HEAD without content, error responses included (RFC 9110 §9.3.2)", async () => {
  await withServer({ headerTimeout: 200 }, () => new Response("ok"), async (port) => {
    const bad = "HEAD / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n";
    const head = await exchange(port, bad);
    const get = await exchange(port, bad.replace("HEAD", "GET"));
    // The same head as a GET's 400, Content-Length and all, with nothing after it.
    const [getHead, getBody] = get.split("\r\n\r\n");
    assert.ok(getBody.length > 0);
    assert.match(getHead, new RegExp(`content-length: ${getBody.length}\\r\\n`));
    assert.equal(head, `${getHead}\r\n\r\n`);
    // An invalid Host, a refused framing, an overdue head: the same.
    for (
      const raw of [
        "HEAD / HTTP/1.1\r\nHost: a b\r\n\r\n",
        "HEAD / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HEAD / HTTP/1.1\r\nHost: x\r\nX-Slow: ",
      ]
    ) {
      const answer = await answerWithin(port, raw, 2000);
      assert.match(answer, /^HTTP\/1\.1 (400|408) /, JSON.stringify(raw));
      assert.ok(answer.endsWith("\r\n\r\n"), `content after the head: ${JSON.stringify(answer)}`);
    }
    // And the handler's own answer to HEAD, as before.
    const ok = await exchange(port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(ok, /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 2\r\n[^]*\r\n\r\n$/);
  });
});

Deno.test("serve() never answers 2xx to a body whose framing is invalid, read or not", async () => {
  const bodies: string[] = [];
  await withServer({}, async (req) => {
    if (new URL(req.url).pathname === "/read") bodies.push(await req.text());
    return new Response("ok");
  }, async (port) => {
    const malformed = "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
    for (
      const raw of [
        // A GET's body never reaches the handler; with Connection: close nothing would read it.
        `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${malformed}`,
        // A POST whose handler ignores its body, kept alive or not.
        `POST / HTTP/1.1\r\nHost: x\r\n${malformed}`,
        `POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${malformed}`,
        // A POST whose handler reads it: the body's error becomes the answer.
        `POST /read HTTP/1.1\r\nHost: x\r\n${malformed}`,
        // A body cut short by the client's close.
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort",
      ]
    ) {
      const answer = await exchange(port, raw);
      assert.deepEqual(statuses(answer), [400], `${JSON.stringify(raw)}: ${answer}`);
    }
    assert.deepEqual(bodies, []);
    // A well-framed body the handler ignores is read past, and the next request answered.
    const good = "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    const answer = await exchange(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\n${good}GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.deepEqual(statuses(answer), [200, 200]);
  });
});
