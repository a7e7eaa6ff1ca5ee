import assert from "node:assert/strict";
import { TcpDriver } from "./driver.ts";
import { TcpStack } from "../tcp/stack.ts";
import {
  ConnectionRefused,
  ConnectionReset,
  NetError,
  SocketClosed,
  TimedOut,
} from "../net/errors.ts";
import { connect as connectKernel, listen as listenKernel } from "../net/stream.ts";

/** Two drivers wired back to back through microtasks (no I/O). */
function wired() {
  const a: TcpDriver = new TcpDriver(
    new TcpStack("10.0.0.1"),
    (s) => queueMicrotask(() => b.receive(s)),
  );
  const b: TcpDriver = new TcpDriver(
    new TcpStack("10.0.0.2"),
    (s) => queueMicrotask(() => a.receive(s)),
  );
  return {
    a,
    b,
    [Symbol.dispose]() {
      a.close();
      b.close();
    },
  };
}

const enc = (t: string) => new TextEncoder().encode(t);

/** b listening on port 80, a connected to it: the listener and both ends. */
async function connected(w: ReturnType<typeof wired>) {
  const listener = w.b.listen(80);
  const client = await w.a.connect("10.0.0.2", 80);
  const server = await listener.accept();
  return { listener, client, server };
}

Deno.test("TcpConn: read() resolves null after the peer's FIN (half-close), writes still go", async () => {
  using w = wired();
  const { listener, client, server } = await connected(w);
  await client.writeAll(enc("question"));
  await client.closeWrite();
  const buf = new Uint8Array(100);
  assert.equal(await server.read(buf), 8);
  assert.equal(await server.read(buf), null);
  await server.writeAll(enc("answer"));
  assert.equal(await client.read(buf), 6);
  assert.deepEqual(server.remoteAddr, client.localAddr);
  client.close();
  server.close();
  listener.close();
});

Deno.test("TcpConn: a reset surfaces as a ConnectionReset naming both endpoints", async () => {
  using w = wired();
  const { listener, client, server } = await connected(w);
  client.socket.abort(0);
  w.a.pump();
  await assert.rejects(server.read(new Uint8Array(4)), (e: Error) => {
    return e instanceof ConnectionReset &&
      /read 10\.0\.0\.2:80 -> 10\.0\.0\.1:\d+: connection reset/.test(e.message);
  });
  await assert.rejects(server.write(enc("x")), (e: Error) => {
    return e instanceof ConnectionReset && /write .*reset/.test(e.message);
  });
  server.close();
  listener.close();
});

Deno.test("TcpDriver: connect() to a port nobody listens on rejects with ConnectionRefused", async () => {
  using w = wired();
  await assert.rejects(w.a.connect("10.0.0.2", 9), (e: Error) => {
    return e instanceof ConnectionRefused && e instanceof NetError && e.op === "connect" &&
      /connect 10\.0\.0\.1:\d+ -> 10\.0\.0\.2:9: refused/.test(e.message);
  });
});

Deno.test("TcpDriver: connect() to a peer that never answers rejects with TimedOut", async () => {
  // Segments go nowhere; the SYN's retransmissions run out within maxRto-bounded backoff.
  const fast = { rtt: { initialRto: 5, minRto: 5, maxRto: 20 }, userTimeout: 100 };
  const a = new TcpDriver(new TcpStack("10.0.0.1", fast), () => {});
  try {
    await assert.rejects(a.connect("10.0.0.2", 80), (e: Error) => {
      return e instanceof TimedOut && /connect 10\.0\.0\.1:\d+ -> 10\.0\.0\.2:80/.test(e.message);
    });
  } finally {
    a.close();
  }
});

Deno.test("TcpConn: read() after close() and write() after closeWrite() reject with SocketClosed", async () => {
  using w = wired();
  const { listener, client, server } = await connected(w);
  await client.closeWrite();
  await assert.rejects(client.write(enc("late")), (e: Error) => {
    return e instanceof SocketClosed && /write .*: connection is FIN-WAIT-/.test(e.message);
  });
  client.close();
  await assert.rejects(client.read(new Uint8Array(4)), (e: Error) => {
    return e instanceof SocketClosed && /read .*: closed locally/.test(e.message);
  });
  server.close();
  listener.close();
});

Deno.test("TcpConn: the readable and writable streams carry the bytes and the FIN", async () => {
  using w = wired();
  const { listener, client, server } = await connected(w);
  const sent = new Uint8Array(300_000).map((_, i) => i % 251);
  const [, got] = await Promise.all([
    new Response(sent).body!.pipeTo(client.writable),
    new Response(server.readable).arrayBuffer(),
  ]);
  assert.deepEqual(new Uint8Array(got), sent);
  client.close();
  server.close();
  listener.close();
});

Deno.test("TcpConn: the readable ends at the FIN without closing, so the answer still goes back", async () => {
  using w = wired();
  const { listener, client, server } = await connected(w);
  await client.writeAll(enc("question"));
  await client.closeWrite();
  // The server reads the whole request through its stream, then answers on the same connection.
  const asked = await new Response(server.readable).text();
  assert.equal(asked, "question");
  const writer = server.writable.getWriter();
  await writer.write(enc("answer"));
  await writer.close();
  assert.equal(await new Response(client.readable).text(), "answer");
  client.close();
  server.close();
  listener.close();
});

Deno.test("TcpListener: close() rejects a pending accept() and ends the iterator", async () => {
  using w = wired();
  const listener = w.b.listen(80);
  const pending = listener.accept();
  listener.close();
  await assert.rejects(pending, SocketClosed);
  for await (const _ of listener) assert.fail("no connection expected");
  await assert.rejects(listener.accept(), /listener closed/);
});

Deno.test("TcpDriver: close() fails pending operations instead of leaving them hanging", async () => {
  using w = wired();
  const listener = w.b.listen(80);
  const client = await w.a.connect("10.0.0.2", 80);
  const read = client.read(new Uint8Array(1));
  w.a.close();
  await assert.rejects(read, SocketClosed);
  listener.close();
});

Deno.test("TcpConn: read() and write() reject what is not a Uint8Array", async () => {
  using w = wired();
  const listener = w.b.listen(80);
  const client = await w.a.connect("10.0.0.2", 80);
  await assert.rejects(client.read("x" as never), TypeError);
  await assert.rejects(client.write([1] as never), TypeError);
  client.close();
  listener.close();
});

Deno.test("TcpConn and TcpListener name IPv6 ends with family inet6", async () => {
  using w = wired();
  w.a.stack.addAddress("fd00::1");
  w.b.stack.addAddress("fd00::2");
  const listener = w.b.listen(80);
  const client = await w.a.connect("fd00::2", 80);
  const server = await listener.accept();
  assert.deepEqual(client.localAddr, {
    family: "inet6",
    hostname: "fd00::1",
    port: client.localAddr.port,
  });
  assert.deepEqual(server.remoteAddr, client.localAddr);
  assert.deepEqual(server.localAddr, { family: "inet6", hostname: "fd00::2", port: 80 });
  assert.deepEqual(listener.addr, { family: "inet", hostname: "10.0.0.2", port: 80 });
  client.close();
  server.close();
  listener.close();
});

Deno.test("connect() refused is a ConnectionRefused on socklab's TCP as on the kernel's", async () => {
  // The same catch clause works on both transports.
  const refusedBy = async (connect: () => Promise<unknown>) => {
    try {
      await connect();
      return "connected";
    } catch (error) {
      return error instanceof ConnectionRefused ? "ConnectionRefused" : String(error);
    }
  };
  using w = wired();
  await using closed = listenKernel({ hostname: "127.0.0.1", port: 0 });
  const { port } = closed.addr as { port: number };
  closed.close(); // nobody listens there now
  assert.deepEqual(
    [
      await refusedBy(() => connectKernel({ hostname: "127.0.0.1", port })),
      await refusedBy(() => w.a.connect("10.0.0.2", port)),
    ],
    ["ConnectionRefused", "ConnectionRefused"],
  );
});
