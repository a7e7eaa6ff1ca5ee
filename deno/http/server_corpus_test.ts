// Every request of testdata/requests.json, sent over a real connection, gets
// exactly the status the corpus says.
import assert from "node:assert/strict";
import { exchange, withServer } from "./_testing.ts";

interface Case {
  name: string;
  raw: string;
  status: number;
}
const corpus: { cases: Case[] } = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/requests.json", import.meta.url)),
);

const echo = async (req: Request) => new Response(`${req.method} ${(await req.bytes()).length}`);

Deno.test("serve() answers every request of the corpus with its expected status", async () => {
  await withServer({}, echo, async (port) => {
    for (const c of corpus.cases) {
      const answer = await exchange(port, c.raw);
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1]);
      assert.equal(status, c.status, `${c.name}: got ${JSON.stringify(answer.slice(0, 120))}`);
    }
  });
});

Deno.test("serve() answers a head larger than maxHeadSize with 431", async () => {
  await withServer({ maxHeadSize: 1024 }, echo, async (port) => {
    const answer = await exchange(
      port,
      `GET / HTTP/1.1\r\nHost: a\r\nX: ${"a".repeat(2000)}\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 431 /);
    const partial = await exchange(port, `GET / HTTP/1.1\r\nX: ${"a".repeat(2000)}`);
    assert.match(partial, /^HTTP\/1\.1 431 /);
  });
});

Deno.test("serve() accepts a head just under maxHeadSize, larger than its first read buffer", async () => {
  await withServer(
    {},
    (req) => new Response(String(req.headers.get("x")?.length)),
    async (port) => {
      const answer = await exchange(
        port,
        `GET / HTTP/1.1\r\nHost: a\r\nX: ${"v".repeat(8000)}\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 200 [^]*8000$/);
    },
  );
});

Deno.test("serve() answers more than maxHeaders fields with 431", async () => {
  await withServer({ maxHeaders: 10 }, echo, async (port) => {
    const fields = Array.from({ length: 11 }, (_, i) => `X-${i}: ${i}\r\n`).join("");
    assert.match(
      await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`),
      /^HTTP\/1\.1 431 /,
    );
    const nine = Array.from({ length: 9 }, (_, i) => `X-${i}: ${i}\r\n`).join("");
    assert.match(
      await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\n${nine}\r\n`),
      /^HTTP\/1\.1 200 /,
    );
  });
});

Deno.test("serve() answers a body larger than maxBodySize with 413, by length or chunked", async () => {
  await withServer({ maxBodySize: 10 }, echo, async (port) => {
    const long = await exchange(
      port,
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
    );
    assert.match(long, /^HTTP\/1\.1 413 /);
    const chunked = await exchange(
      port,
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
    );
    assert.match(chunked, /^HTTP\/1\.1 413 /);
    const fits = await exchange(
      port,
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhelloworld",
    );
    assert.match(fits, /^HTTP\/1\.1 200 [^]*POST 10$/);
  });
});
