import assert from "node:assert/strict";
import { readToEnd, withTempDir } from "../_testing.ts";
import { connect, type KernelConn, listen, type ListenOptions } from "./stream.ts";
import type { Listener } from "./types.ts";
import {
  AddrInUse,
  ConnectionRefused,
  ConnectionReset,
  NetError,
  SocketClosed,
  TimedOut,
} from "./errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Accepts one connection and echoes it until FIN, then half-closes back. */
async function echoOnce(listener: Listener): Promise<void> {
  await using conn = await listener.accept();
  const buf = new Uint8Array(4096);
  for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
  await conn.closeWrite();
}

const families: [string, (dir: string) => ListenOptions][] = [
  ["TCP over IPv4", () => ({ hostname: "127.0.0.1", port: 0 })],
  ["TCP over IPv6", () => ({ hostname: "::1", port: 0 })],
  ["unix stream", (dir) => ({ path: `${dir}/s.sock` })],
];

for (const [name, where] of families) {
  Deno.test(`connect() and listen() echo bytes and half-close over ${name}`, async () => {
    await withTempDir("socklab-net-", async (dir) => {
      await using server = listen(where(dir));
      const served = echoOnce(server);
      await using client = await connect(server.addr);
      assert.equal(client.remoteAddr.family, server.addr.family);
      await client.writeAll(enc.encode("hello, "));
      await client.writeAll(enc.encode("socket"));
      await client.closeWrite();
      assert.equal(dec.decode(await readToEnd(client)), "hello, socket");
      await served;
    });
  });

  Deno.test(`Conn streams end at FIN without closing the socket over ${name}`, async () => {
    await withTempDir("socklab-net-", async (dir) => {
      await using server = listen(where(dir));
      const served = (async () => {
        await using conn = await server.accept();
        // Reads to the end through the stream, then still answers.
        const chunks = await Array.fromAsync(conn.readable);
        await conn.writeAll(enc.encode(`got ${chunks.reduce((s, c) => s + c.length, 0)}`));
      })();
      await using client = await connect(server.addr);
      const writer = client.writable.getWriter();
      await writer.write(enc.encode("abc"));
      await writer.write(enc.encode("defg"));
      await writer.close(); // half-close
      const reply = await new Response(client.readable).text();
      assert.equal(reply, "got 7");
      await served;
    });
  });
}

Deno.test("Listener iterates accepted connections until closed", async () => {
  const server = listen({ hostname: "127.0.0.1", port: 0 });
  const seen: number[] = [];
  const loop = (async () => {
    for await (const conn of server) {
      seen.push(conn.remoteAddr.family === "inet" ? conn.remoteAddr.port : -1);
      conn.close();
      if (seen.length === 2) server.close();
    }
  })();
  for (let i = 0; i < 2; i++) {
    await using c = await connect(server.addr);
    assert.equal(await c.read(new Uint8Array(1)), null);
  }
  await loop;
  assert.equal(seen.length, 2);
  await assert.rejects(server.accept(), SocketClosed);
});

Deno.test("connect() to a closed port throws ConnectionRefused naming the endpoint", async () => {
  const closed = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as { port: number }).port;
  closed.close();
  const error = await connect({ hostname: "127.0.0.1", port }).catch((e) => e);
  assert.ok(error instanceof ConnectionRefused, String(error));
  assert.equal(error.message, `connect to 127.0.0.1:${port}: connection refused`);
  assert.equal(error.op, "connect");
});

Deno.test("connect() to a missing unix path throws ConnectionRefused", async () => {
  await withTempDir("socklab-net-", async (dir) => {
    await assert.rejects(connect({ path: `${dir}/nobody.sock` }), ConnectionRefused);
  });
});

Deno.test("listen() on a taken port throws AddrInUse naming the address", async () => {
  await using first = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (first.addr as { port: number }).port;
  assert.throws(() => listen({ hostname: "127.0.0.1", port }), (e: unknown) => {
    assert.ok(e instanceof AddrInUse);
    assert.match(
      e.message,
      new RegExp(`^listen on 127\\.0\\.0\\.1:${port}: address already in use`),
    );
    return true;
  });
});

Deno.test("listen() with reusePort lets two listeners share a port", async () => {
  await using a = listen({ hostname: "127.0.0.1", port: 0, reusePort: true });
  await using b = listen({
    hostname: "127.0.0.1",
    port: (a.addr as { port: number }).port,
    reusePort: true,
  });
  assert.deepEqual(a.addr, b.addr);
});

Deno.test("listen() on a taken unix path throws AddrInUse", async () => {
  await withTempDir("socklab-net-", async (dir) => {
    await using _first = listen({ path: `${dir}/s.sock` });
    assert.throws(() => listen({ path: `${dir}/s.sock` }), AddrInUse);
  });
});

Deno.test("listen() and connect() reject malformed addresses with typed errors", () => {
  assert.throws(() => listen({ hostname: "127.0.0.1", port: 65536 }), RangeError);
  assert.throws(() => listen({ hostname: "127.0.0.1", port: -1 }), RangeError);
  assert.throws(() => listen({ hostname: "127.0.0.1", port: 1.5 }), RangeError);
  assert.throws(() => listen({ hostname: "300.1.1.1", port: 0 }), SyntaxError);
  assert.throws(() => listen({ hostname: "a b", port: 0 }), SyntaxError);
  assert.throws(() => listen({ path: "/tmp/" + "x".repeat(120) }), RangeError);
  assert.throws(() => listen(null as never), TypeError);
  assert.throws(() => listen({ hostname: "127.0.0.1", port: "80" as never }), TypeError);
});

Deno.test("connect() rejects malformed options before touching the network", async () => {
  await assert.rejects(connect({ hostname: "127.0.0.1", port: 0 }), RangeError);
  await assert.rejects(connect({ hostname: "1.2.3", port: 80 }), SyntaxError);
  await assert.rejects(connect({ path: "/tmp/" + "y".repeat(200) }), RangeError);
  await assert.rejects(connect({ hostname: "127.0.0.1", port: 80, timeout: -1 }), RangeError);
});

Deno.test("write() after close() throws SocketClosed naming both endpoints", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  const client = await connect(server.addr);
  await using _peer = await accepted;
  client.close();
  client.close(); // idempotent
  const error = await client.write(enc.encode("x")).catch((e) => e);
  assert.ok(error instanceof SocketClosed);
  assert.match(error.message, /^write 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+: connection is closed$/);
  await assert.rejects(client.read(new Uint8Array(1)), SocketClosed);
});

Deno.test("a peer reset mid-transfer surfaces as ConnectionReset", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using client = await connect(server.addr);
  const peer = await accepted;
  await client.writeAll(new Uint8Array(1000));
  await peer.read(new Uint8Array(1));
  peer.close();
  // The peer is gone: the kernel answers the next segment with RST, and a
  // later write fails (ECONNRESET or EPIPE, both a reset for the caller).
  const error = await (async () => {
    for (let i = 0; i < 1000; i++) await client.writeAll(new Uint8Array(65536));
  })().catch((e) => e);
  assert.ok(error instanceof ConnectionReset, `expected ConnectionReset, got ${error}`);
});

Deno.test("connect() gives up with TimedOut when SYNs go unanswered", async () => {
  // A listener that never accepts, with the accept queue full: Linux drops
  // further SYNs, so the next connect waits until our timeout fires.
  await using server = listen({ hostname: "127.0.0.1", port: 0, backlog: 0 });
  const filled: KernelConn[] = [];
  let error: unknown;
  try {
    for (let i = 0; i < 8 && error === undefined; i++) {
      try {
        filled.push(await connect({ ...(server.addr as { port: number }), timeout: 300 }));
      } catch (e) {
        error = e;
      }
    }
  } finally {
    for (const c of filled) c.close();
  }
  assert.ok(error instanceof TimedOut, `expected TimedOut, got ${error}`);
  assert.ok(error instanceof NetError);
  assert.match((error as Error).message, /^connect to 127\.0\.0\.1:\d+: no answer within 300 ms$/);
});

Deno.test("connect() rejects with the abort reason when its signal is aborted", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const controller = new AbortController();
  controller.abort(new Error("user gave up"));
  await assert.rejects(
    connect({ ...server.addr, signal: controller.signal } as never),
    /user gave up/,
  );
});

Deno.test("setNoDelay() works on TCP and is refused on a unix socket", async () => {
  await withTempDir("socklab-net-", async (dir) => {
    await using server = listen({ path: `${dir}/s.sock` });
    const accepted = server.accept();
    await using client = await connect(server.addr);
    await using _peer = await accepted;
    assert.throws(() => client.setNoDelay(true), NetError);
    await using tcp = listen({ hostname: "127.0.0.1", port: 0 });
    const a2 = tcp.accept();
    await using c2 = await connect({ ...(tcp.addr as { port: number }), keepAlive: true });
    await using _p2 = await a2;
    c2.setNoDelay(false);
    c2.setKeepAlive(false);
  });
});

Deno.test("close() ends a pending read() and a pending accept() with SocketClosed", async () => {
  const server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  const client = await connect(server.addr);
  await using _peer = await accepted;
  const reading = client.read(new Uint8Array(10));
  client.close();
  await assert.rejects(reading, SocketClosed);
  const accepting = server.accept();
  server.close();
  await assert.rejects(accepting, SocketClosed);
});
