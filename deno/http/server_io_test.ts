// The server's behaviour is the same whichever way its sockets are driven:
// these run the parts that touch the socket most (pipelining, half-close,
// large and slow bodies, shutdown) on each io mode. The rest of the HTTP
// tests run on the default mode.
import assert from "node:assert/strict";
import { serve, type ServeIo } from "./server.ts";
import { epollAvailable, ioUringAvailable } from "../net/epoll.ts";
import { exchange, statuses } from "./_testing.ts";
import type { InetAddr } from "../net/types.ts";
import {
  cpuShare,
  FILE_LIMIT,
  FILL_DESCRIPTORS,
  jsonLines,
  missingCommand,
  requires,
  spawnAtFileLimit,
  within,
  withTempDir,
} from "../_testing.ts";

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

// More clients than descriptors. The server runs in a child process whose
// open-file limit is low (prlimit); it fills its table with /dev/null until
// three descriptors are left, prints its port and what its trace hook reports
// as JSON lines, and shuts down on SIGTERM.

/** A server with three descriptors to spare (child code). */
function serverAtTheLimit(io: "io_uring" | "epoll"): string {
  const server = JSON.stringify(new URL("./server.ts", import.meta.url).href);
  return `import { serve } from ${server};
const say = (message) => console.log(JSON.stringify(message));
const server = serve({
  port: 0,
  hostname: "127.0.0.1",
  io: "${io}",
  idleTimeout: 30000,
  trace(event) {
    if (event.type === "error") say({ error: event.error.name, message: event.error.message });
  },
}, (request) => new Response(new URL(request.url).pathname));
// The runtime's signal handling takes a pipe when the first handler is set (it sets one
// itself a moment after start): set this one before the table is full, or Deno panics then.
Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  Deno.exit(0);
});
${FILL_DESCRIPTORS}
const files = fillDescriptors(3);
say({ port: server.addr.port, io: server.io });
`;
}

/** The child running {@link serverAtTheLimit}: its process, port, and printed lines. */
interface ChildServer {
  readonly pid: number;
  readonly port: number;
  /** The next line it printed, parsed (a hang becomes a failure). */
  next(): Promise<unknown>;
}

/** Runs {@link serverAtTheLimit} in a child, hands it to `fn`, then stops it with SIGTERM. */
async function withServerAtTheLimit(
  io: "io_uring" | "epoll",
  fn: (server: ChildServer) => Promise<void>,
) {
  await withTempDir("socklab-serve-limit-", async (dir) => {
    const script = `${dir}/server.ts`;
    await Deno.writeTextFile(script, serverAtTheLimit(io));
    await using child = spawnAtFileLimit(FILE_LIMIT, script, [], "piped");
    const output = child.process.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      const nextLine = jsonLines(
        output,
        async () => new Error(`the child ended early:\n${await child.stderr}`),
      );
      const next = () => within(5000, "the child's next line", nextLine());
      const { port, io: used } = await next() as { port: number; io: ServeIo };
      assert.equal(used, io);
      await fn({ pid: child.process.pid, port, next });
      child.process.kill("SIGTERM");
      const status = await child.exit(5000);
      assert.equal(status.code, 0, await child.stderr);
    } finally {
      await output.cancel();
    }
  });
}

/** Sends a GET for `path` on a kept-alive connection and reads one whole response. */
async function get(conn: Deno.Conn, path: string): Promise<string> {
  await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
  return await within(5000, `the answer to GET ${path}`, readResponse(conn));
}

/** Reads one response whose body has a Content-Length. */
async function readResponse(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  for (;;) {
    const end = text.indexOf("\r\n\r\n");
    if (end !== -1) {
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length >= end + 4 + length) return text;
    }
    const n = await conn.read(buf);
    if (n === null) {
      throw new Error(`the server closed the connection after ${JSON.stringify(text)}`);
    }
    text += String.fromCharCode(...buf.subarray(0, n));
  }
}

const ok = (path: string) => new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*\\r\\n\\r\\n${path}$`);

for (const io of modes().filter((m): m is "io_uring" | "epoll" => m !== "runtime")) {
  Deno.test(
    requires(missingCommand("prlimit"), {
      name: `serve() with io "${io}" past its open-file limit reports the failed accept, ` +
        `idles, answers the connections it has, and takes the waiting ones as others leave`,
      fn: async () => {
        await withServerAtTheLimit(io, async ({ pid, port, next }) => {
          const connect = () => Deno.connect({ hostname: "127.0.0.1", port });
          const early: Deno.TcpConn[] = [], late: Deno.TcpConn[] = [];
          try {
            // Three descriptors are free: three clients are served.
            for (let i = 0; i < 3; i++) {
              early.push(await connect());
              assert.match(await get(early[i], `/early${i}`), ok(`/early${i}`));
            }
            // Three more wait in the kernel's queue, their requests sent.
            for (let i = 0; i < 3; i++) {
              late.push(await connect());
              await late[i].write(
                new TextEncoder().encode(`GET /late${i} HTTP/1.1\r\nHost: x\r\n\r\n`),
              );
            }
            assert.deepEqual(await next(), {
              error: "NetError",
              message: `accept on 127.0.0.1:${port}: too many open files`,
            });
            // It retries after a pause, not at once: no spinning while the queue stays full.
            const share = await cpuShare(pid, 1000);
            assert.ok(share < 0.1, `the server used ${share.toFixed(2)} of a core at the limit`);
            for (let i = 0; i < 3; i++) {
              assert.match(await get(early[i], `/again${i}`), ok(`/again${i}`));
            }
            // The early clients leave: the server closes their sockets and takes the others.
            for (const conn of early.splice(0)) conn.close();
            for (let i = 0; i < 3; i++) {
              const answer = await within(5000, `the answer to /late${i}`, readResponse(late[i]));
              assert.match(answer, ok(`/late${i}`));
            }
          } finally {
            for (const conn of [...early, ...late]) conn.close();
          }
        });
      },
    }),
  );
}
