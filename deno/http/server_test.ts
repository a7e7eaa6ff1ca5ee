import assert from "node:assert/strict";
import { serve, type ServeOptions } from "./server.ts";
import { exchange, statuses, withServer } from "./_testing.ts";
import type { InetAddr } from "../net/types.ts";
import { listen } from "../net/stream.ts";

const hello = () => new Response("hello world\n");

Deno.test("serve() answers pipelined requests in order on one connection", async () => {
  await withServer({}, (req) => new Response(new URL(req.url).pathname), async (port) => {
    const raw = ["/a", "/b", "/c"].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join("");
    const answer = await exchange(port, raw);
    assert.deepEqual(statuses(answer), [200, 200, 200]);
    assert.deepEqual([...answer.matchAll(/\r\n\r\n(\/\w)/g)].map((m) => m[1]), ["/a", "/b", "/c"]);
  });
});

Deno.test("serve() closes after Connection: close and after HTTP/1.0 requests", async () => {
  await withServer({}, hello, async (port) => {
    const closing = await exchange(
      port,
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert.deepEqual(statuses(closing), [200]);
    assert.match(closing, /connection: close/);
    const old = await exchange(port, "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n");
    assert.deepEqual(statuses(old), [200]);
    const kept = await exchange(
      port,
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
    );
    assert.deepEqual(statuses(kept), [200, 200]);
    assert.match(kept, /connection: keep-alive/);
  });
});

Deno.test("serve() sends HEAD responses without a body", async () => {
  await withServer({}, hello, async (port) => {
    const answer = await exchange(
      port,
      "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert.deepEqual(statuses(answer), [200, 200]);
    assert.equal(answer.split("hello world").length, 2);
  });
});

Deno.test("serve() streams a ReadableStream body chunked, and to HTTP/1.0 until close", async () => {
  const handler = () => {
    let i = 0;
    return new Response(
      new ReadableStream({
        async pull(c) {
          await new Promise((r) => setTimeout(r, 1));
          if (i === 3) c.close();
          else c.enqueue(new TextEncoder().encode(`part${i++};`));
        },
      }),
    );
  };
  await withServer({}, handler, async (port) => {
    const answer = await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(answer, /transfer-encoding: chunked/);
    assert.match(answer, /\r\n\r\n6\r\npart0;\r\n6\r\npart1;\r\n6\r\npart2;\r\n0\r\n\r\n$/);
    const old = await exchange(port, "GET / HTTP/1.0\r\n\r\n");
    assert.doesNotMatch(old, /chunked|content-length/);
    assert.match(old, /connection: close\r\n\r\npart0;part1;part2;$/);
  });
});

Deno.test("serve() reads chunked request bodies and echoes them as a stream", async () => {
  await withServer({}, (req) => new Response(req.body), async (port) => {
    const answer = await exchange(
      port,
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert.deepEqual(statuses(answer), [200, 200]);
    assert.match(answer, /abc[^]*de/);
  });
});

Deno.test("serve() sends 100 Continue only when the handler reads the body", async () => {
  await withServer({}, async (req) => new Response(await req.text()), async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const buf = new Uint8Array(4096);
    await conn.write(new TextEncoder().encode(
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    ));
    const n = await conn.read(buf);
    assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), "HTTP/1.1 100 Continue\r\n\r\n");
    await conn.write(new TextEncoder().encode("hello"));
    const m = await conn.read(buf);
    assert.match(new TextDecoder().decode(buf.subarray(0, m!)), /^HTTP\/1\.1 200 OK[^]*hello$/);
    conn.close();
  });
  await withServer({}, () => new Response("no thanks", { status: 403 }), async (port) => {
    const answer = await exchange(
      port,
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    );
    assert.deepEqual(statuses(answer), [403]);
    assert.match(answer, /connection: close/);
  });
});

Deno.test("serve() answers a throwing handler with 500 and keeps serving", async () => {
  const errors: unknown[] = [];
  const handler = (req: Request) => {
    if (req.url.endsWith("/boom")) throw new Error("boom");
    return new Response("fine");
  };
  await withServer(
    { trace: (e) => e.type === "error" && errors.push(e.error) },
    handler,
    async (port) => {
      const answer = await exchange(
        port,
        "GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      assert.deepEqual(statuses(answer), [500, 200]);
      assert.equal((errors[0] as Error).message, "boom");
    },
  );
  await withServer(
    { onError: (e) => new Response(`sorry: ${(e as Error).message}`, { status: 503 }) },
    () => Promise.reject(new Error("later")),
    async (port) => {
      assert.match(
        await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        /^HTTP\/1\.1 503 [^]*sorry: later$/,
      );
    },
  );
});

Deno.test("serve() closes a connection that trickles its head past headerTimeout (slowloris)", async () => {
  const timeouts: string[] = [];
  await withServer(
    {
      headerTimeout: 150,
      trace: (e) => e.type === "timeout" && timeouts.push(e.phase),
    },
    hello,
    async (port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const buf = new Uint8Array(1024);
      const reading = conn.read(buf);
      const line = "GET / HTTP/1.1\r\nX-Slow: ";
      let closed = false;
      reading.then(() => (closed = true), () => (closed = true));
      for (let i = 0; i < 40 && !closed; i++) {
        await new Promise((r) => setTimeout(r, 20));
        await conn.write(new TextEncoder().encode(line[i % line.length])).catch(() => {});
      }
      const n = await reading;
      assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1\.1 408 /);
      conn.close();
    },
  );
  assert.deepEqual(timeouts, ["head"]);
});

Deno.test("serve() closes idle keep-alive connections after idleTimeout", async () => {
  await withServer({ idleTimeout: 100 }, hello, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(1024);
    assert.ok((await conn.read(buf))! > 0);
    assert.equal(await conn.read(buf), null);
    conn.close();
  });
});

Deno.test("serve() answers connections beyond maxConnections with 503", async () => {
  await withServer({ maxConnections: 1 }, hello, async (port) => {
    const first = await Deno.connect({ hostname: "127.0.0.1", port });
    await first.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await first.read(new Uint8Array(1024));
    assert.match(await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), /^HTTP\/1\.1 503 /);
    first.close();
  });
});

Deno.test("shutdown() finishes the request in flight and closes idle connections", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const server = serve({ port: 0, hostname: "127.0.0.1" }, async () => {
    entered();
    await gate;
    return new Response("done");
  });
  const port = (server.addr as InetAddr).port;
  const idle = await Deno.connect({ hostname: "127.0.0.1", port });
  const busy = exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await inHandler;
  const stopping = server.shutdown();
  release();
  const answer = await busy;
  assert.match(answer, /^HTTP\/1\.1 200 [^]*connection: close[^]*done$/);
  assert.equal(await idle.read(new Uint8Array(16)), null);
  idle.close();
  await stopping;
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
});

Deno.test("serve() stops when its signal aborts", async () => {
  const controller = new AbortController();
  let listened = false;
  const server = serve({
    port: 0,
    hostname: "127.0.0.1",
    signal: controller.signal,
    onListen: () => (listened = true),
  }, hello);
  assert.ok(listened);
  controller.abort();
  await server.finished;
});

Deno.test("serve() rejects bad options with TypeError and RangeError", () => {
  assert.throws(() => serve({}, "nope" as unknown as () => Response), TypeError);
  assert.throws(() => serve({ port: 70000 }, hello), RangeError);
  assert.throws(() => serve({ headerTimeout: -1 }, hello), RangeError);
  assert.throws(() => serve({ transport: "unix" }, hello), TypeError);
});

Deno.test("serve() serves a unix socket", async () => {
  const path = `/tmp/socklab-http-${Deno.pid}.sock`;
  const server = serve({ transport: "unix", path }, (req) => new Response(req.url));
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(
      new TextEncoder().encode("GET /u HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n"),
    );
    const text = new TextDecoder().decode(await new Response(conn.readable).bytes());
    assert.match(text, /^HTTP\/1\.1 200 [^]*http:\/\/local\/u$/);
  } finally {
    await server.shutdown();
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("serve() sends large complete and large streamed bodies intact", async () => {
  const big = "0123456789".repeat(10000);
  const handler = (req: Request) => {
    if (req.url.endsWith("/static")) return new Response(big);
    const parts = [big.slice(0, 30000), big.slice(30000, 30010), big.slice(30010)];
    return new Response(
      new ReadableStream({
        pull(c) {
          const p = parts.shift();
          if (p === undefined) c.close();
          else c.enqueue(new TextEncoder().encode(p));
        },
      }),
    );
  };
  await withServer({}, handler, async (port) => {
    const answer = await exchange(
      port,
      "GET /static HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const [first, second] = answer.split(/(?=HTTP\/1\.1 200)/);
    assert.match(first, /content-length: 100000\r\n/);
    assert.equal(first.slice(first.indexOf("\r\n\r\n") + 4), big);
    const chunked = second.slice(second.indexOf("\r\n\r\n") + 4);
    assert.equal(
      chunked,
      `7530\r\n${big.slice(0, 30000)}\r\na\r\n${big.slice(30000, 30010)}\r\n` +
        `11166\r\n${big.slice(30010)}\r\n0\r\n\r\n`,
    );
  });
});

Deno.test("serve() closes a connection that trickles its body past headerTimeout", async () => {
  const timeouts: string[] = [];
  const trace = (e: { type: string; phase?: string }) =>
    e.type === "timeout" && timeouts.push(e.phase!);
  await withServer(
    { headerTimeout: 100, trace },
    async (req) => new Response(await req.text()),
    async (port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(
        new TextEncoder().encode("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"),
      );
      const answer = new TextDecoder().decode(await new Response(conn.readable).bytes());
      assert.doesNotMatch(answer, /200 OK/);
    },
  );
  assert.deepEqual(timeouts, ["body"]);
});

Deno.test("serve() stops by itself when its socklab listener is closed under it", async () => {
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  const server = serve({ listener }, hello);
  listener.close();
  await server.finished;
});

Deno.test("serve() keeps serving when its trace hook throws", async () => {
  const trace = () => {
    throw new Error("bad hook");
  };
  await withServer({ trace }, hello, async (port) => {
    assert.match(await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), /^HTTP\/1\.1 200 /);
    assert.match(await exchange(port, "BAD\r\n\r\n"), /^HTTP\/1\.1 400 /);
  });
});

Deno.test("serve() answers HEAD for a streamed body without a made-up length", async () => {
  const handler = () =>
    new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(10)) }));
  await withServer({}, handler, async (port) => {
    const answer = await exchange(port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(answer, /content-length|transfer-encoding/);
    assert.ok(answer.endsWith("\r\n\r\n"));
  });
});

Deno.test("serve() decodes each request's target, Host and fields afresh on a keep-alive connection", async () => {
  const handler = (req: Request) => {
    const seen = `${req.url} ${req.headers.get("x-a")}`;
    req.headers.set("x-a", "changed by the handler"); // must not leak into the next request
    return new Response(`[${seen}]`);
  };
  await withServer({}, handler, async (port) => {
    const req = (target: string, host: string, a: string) =>
      `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nX-A: ${a}\r\n\r\n`;
    const answer = await exchange(
      port,
      req("/p", "h1", "one") + req("/p", "h1", "one") + req("/q", "h2", "two") +
        req("/q", "h 2", "two"), // the same target and fields with a Host that is invalid
    );
    assert.deepEqual(statuses(answer), [200, 200, 200, 400]);
    assert.deepEqual([...answer.matchAll(/\[(.*?)\]/g)].map((m) => m[1]), [
      "http://h1/p one",
      "http://h1/p one",
      "http://h2/q two",
    ]);
  });
});

Deno.test("serve() writes response header values byte for byte (Latin-1), not re-encoded as UTF-8", async () => {
  const handler = () => new Response("ok", { headers: { "x-name": "caf\u00e9" } });
  await withServer({}, handler, async (port) => {
    const answer = await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(answer, /\r\nx-name: caf\xe9\r\n/);
  });
});

Deno.test("serve() answers a handler that returns the same body string again with the right bytes each time", async () => {
  const bodies = ["same", "same", "other", "sam\u00e9"];
  let i = 0;
  await withServer({}, () => new Response(bodies[i++]), async (port) => {
    const raw = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(4);
    const answer = await exchange(port, raw);
    assert.deepEqual([...answer.matchAll(/content-length: (\d+)\r\n/g)].map((m) => m[1]), [
      "4",
      "4",
      "5",
      "5", // é is two bytes in UTF-8
    ]);
    assert.ok(answer.endsWith("sam\xc3\xa9"));
  });
});

Deno.test("serve() lets a connection whose read must wait get served while another never waits", async () => {
  // Connection "busy" always has its next request ready (its reads resolve at once, as when
  // the bytes are already in the socket); connection "waiting" has one request that arrives
  // on the event loop's next turn. Without yielding, "busy" would be served from the
  // microtask queue all the way to its end before "waiting" was ever read.
  const LIMIT = 20_000;
  const request = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const addr = { family: "inet", hostname: "127.0.0.1", port: 1 } as const;
  let busyServed = 0;
  let busyWhenWaitingAnswered = -1;
  const closed: Promise<void>[] = [];
  const memoryConn = (name: string, read: (p: Uint8Array) => Promise<number | null>) => {
    let done!: () => void;
    closed.push(new Promise((r) => (done = r)));
    return {
      localAddr: addr,
      remoteAddr: addr,
      read,
      write(p: Uint8Array) {
        if (name === "busy") busyServed++;
        else if (busyWhenWaitingAnswered < 0) busyWhenWaitingAnswered = busyServed;
        return Promise.resolve(p.length);
      },
      close: () => done(),
    };
  };
  let left = LIMIT;
  const busy = memoryConn("busy", (p) => {
    if (left-- <= 0) return Promise.resolve(null);
    p.set(request);
    return Promise.resolve(request.length);
  });
  let sent = false;
  const waiting = memoryConn("waiting", (p) =>
    new Promise((resolve) =>
      setTimeout(() => {
        if (sent) return resolve(null);
        sent = true;
        p.set(request);
        resolve(request.length);
      }, 0)
    ));
  const queue = [waiting, busy];
  let stop!: (e: Error) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  const listener = {
    addr,
    accept: () => queue.length > 0 ? Promise.resolve(queue.pop()!) : stopped,
    close: () => stop(new Deno.errors.BadResource("closed")),
  };
  const server = serve({ listener } as unknown as ServeOptions, hello);
  await Promise.all(closed);
  await server.shutdown();
  assert.equal(busyServed, LIMIT);
  assert.ok(
    busyWhenWaitingAnswered >= 0 && busyWhenWaitingAnswered < LIMIT,
    `the waiting connection was answered after ${busyWhenWaitingAnswered} of ${LIMIT}`,
  );
});

Deno.test("serve() closes a connection whose write fails instead of leaving it reading", async () => {
  const request = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const addr = { family: "inet", hostname: "127.0.0.1", port: 1 } as const;
  let reads = 0;
  let closed!: () => void;
  const gone = new Promise<void>((r) => (closed = r));
  const conn = {
    localAddr: addr,
    remoteAddr: addr,
    // One request, then reads that end only when the connection is closed.
    read(p: Uint8Array): Promise<number | null> {
      if (reads++ === 0) {
        p.set(request);
        return Promise.resolve(request.length);
      }
      return gone.then(() => null);
    },
    write: () => Promise.reject(new Deno.errors.BrokenPipe("the peer went away")),
    close: () => closed(),
  };
  let stop!: (e: Error) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  let accepted = false;
  const listener = {
    addr,
    accept: () => accepted ? stopped : (accepted = true, Promise.resolve(conn)),
    close: () => stop(new Deno.errors.BadResource("closed")),
  };
  const server = serve({ listener } as unknown as ServeOptions, hello);
  await gone; // the failed write closed the connection instead of leaving it reading
  await server.shutdown();
  assert.equal(reads, 2);
});

Deno.test("serve() on a port in use throws AddrInUse naming the address", () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  assert.throws(
    () => serve({ hostname: "127.0.0.1", port, onListen() {} }, () => new Response("x")),
    (error: Error) =>
      error.name === "AddrInUse" &&
      error.message === `listen on 127.0.0.1:${port}: address already in use`,
  );
});
