// The server's behaviour is the same whichever way its sockets are driven:
// these run the parts that touch the socket most (pipelining, half-close,
// large and slow bodies, shutdown) on each io mode. The rest of the HTTP
// tests run on the default mode.
import assert from "node:assert/strict";
import { serve, type ServeIo } from "./server.ts";
import { epollAvailable, ioUringAvailable } from "../net/epoll.ts";
import { exchange, statuses } from "./_test_util.ts";
import type { InetAddr } from "../net/types.ts";

/** The io modes this machine can run: "runtime" always, the others where FFI is allowed on Linux. */
function modes(): ("io_uring" | "epoll" | "runtime")[] {
  if (!epollAvailable()) return ["runtime"];
  return ioUringAvailable() ? ["io_uring", "epoll", "runtime"] : ["epoll", "runtime"];
}

async function withIo(
  io: "io_uring" | "epoll" | "runtime",
  handler: (request: Request) => Response | Promise<Response>,
  fn: (port: number) => Promise<void>,
) {
  const server = serve({ port: 0, hostname: "127.0.0.1", io }, handler);
  assert.equal(server.io, io);
  try {
    await fn((server.addr as InetAddr).port);
  } finally {
    await server.shutdown();
  }
}

for (const io of modes()) {
  Deno.test(`serve() with io "${io}" answers pipelined requests in order, then closes`, async () => {
    await withIo(io, (r) => new Response(new URL(r.url).pathname), async (port) => {
      const text = await exchange(
        port,
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /bb HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /ccc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      assert.deepEqual(statuses(text), [200, 200, 200]);
      const bodies = text.split("\r\n\r\n").slice(1).map((part) => part.split("HTTP/1.1")[0]);
      assert.deepEqual(bodies, ["/a", "/bb", "/ccc"]);
    });
  });

  Deno.test(`serve() with io "${io}" reads a chunked upload sent before a half-close`, async () => {
    await withIo(io, async (r) => new Response(`${(await r.text()).length}`), async (port) => {
      const chunk = "x".repeat(5000);
      const body = `1388\r\n${chunk}\r\n1388\r\n${chunk}\r\n0\r\n\r\n`;
      const text = await exchange(
        port,
        `POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      );
      assert.deepEqual(statuses(text), [200]);
      assert.ok(text.endsWith("\r\n\r\n10000"), text.slice(-40));
    });
  });

  Deno.test(`serve() with io "${io}" streams 8 MB to a slow reader intact`, async () => {
    const chunk = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
    const count = 128;
    await withIo(io, () => {
      let sent = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ === count) controller.close();
            else controller.enqueue(chunk);
          },
        }),
      );
    }, async (port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
      const buf = new Uint8Array(32 * 1024);
      let total = 0, reads = 0, head = "";
      for (let n; (n = await conn.read(buf)) !== null;) {
        if (head === "" || !head.includes("\r\n\r\n")) {
          head += String.fromCharCode(...buf.subarray(0, n));
        }
        total += n;
        if (++reads % 32 === 0) await new Promise((r) => setTimeout(r, 2)); // a slow reader
      }
      conn.close();
      const headLength = head.indexOf("\r\n\r\n") + 4;
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(total - headLength, count * chunk.length);
    });
  });

  Deno.test(`serve() with io "${io}" finishes the request in flight on shutdown`, async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const server = serve({ port: 0, hostname: "127.0.0.1", io }, async () => {
      await gate;
      return new Response("finished");
    });
    const port = (server.addr as InetAddr).port;
    const answer = exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((r) => setTimeout(r, 50)); // the request is in the handler now
    const stopped = server.shutdown();
    release();
    const text = await answer;
    await stopped;
    assert.deepEqual(statuses(text), [200]);
    assert.ok(text.endsWith("finished"));
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
  });
}

Deno.test("serve() picks the fastest io this machine allows, and says which", async () => {
  const server = serve({ port: 0, hostname: "127.0.0.1" }, () => new Response("ok"));
  const expected: ServeIo = !epollAvailable()
    ? "runtime"
    : ioUringAvailable()
    ? "io_uring"
    : "epoll";
  assert.equal(server.io, expected);
  await server.shutdown();
  // A name is resolved by the runtime: Deno's sockets serve it.
  const named = serve({ port: 0, hostname: "localhost" }, () => new Response("ok"));
  assert.equal(named.io, "runtime");
  await named.shutdown();
});

Deno.test("serve() refuses an io it does not know, or cannot run, with a TypeError", () => {
  assert.throws(
    () => serve({ port: 0, io: "kqueue" as never }, () => new Response()),
    /Invalid io "kqueue": expected "io_uring", "epoll" or "runtime"/,
  );
  assert.throws(
    () => serve({ port: 0, hostname: "localhost", io: "epoll" }, () => new Response()),
    /Invalid io "epoll": it needs Linux, --allow-ffi and a numeric hostname/,
  );
});

Deno.test("serve() falls back to Deno's sockets when FFI is not allowed", async () => {
  const server = new URL("./server.ts", import.meta.url).href;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { serve } from "${server}";
       const s = serve({ port: 0, hostname: "127.0.0.1" }, () => new Response("ok"));
       const r = await fetch("http://127.0.0.1:" + (s.addr as { port: number }).port + "/");
       console.log(s.io, r.status, await r.text());
       await s.shutdown();`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--allow-net", "--allow-read", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "runtime 200 ok");
  } finally {
    await Deno.remove(script);
  }
});
