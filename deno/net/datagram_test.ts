import assert from "node:assert/strict";
import { withTempDir } from "../_testing.ts";
import { type DatagramOptions, listenDatagram } from "./datagram.ts";
import { AddrInUse, ConnectionRefused, SocketClosed, TimedOut } from "./errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const families: [string, (dir: string, name: string) => DatagramOptions][] = [
  ["UDP over IPv4", () => ({ hostname: "127.0.0.1", port: 0 })],
  ["UDP over IPv6", () => ({ hostname: "::1", port: 0 })],
  ["unix datagram", (dir, name) => ({ path: `${dir}/${name}.sock` })],
];

for (const [name, where] of families) {
  Deno.test(`send() and receive() keep datagram boundaries over ${name}`, async () => {
    await withTempDir("socklab-dgram-", async (dir) => {
      await using a = listenDatagram(where(dir, "a"));
      await using b = listenDatagram(where(dir, "b"));
      const sizes = [1, 0, 500, 3];
      for (const n of sizes) {
        assert.equal(await a.send(new Uint8Array(n).fill(n & 0xff), b.addr), n);
      }
      for (const n of sizes) {
        const { data, from } = await b.receive();
        assert.equal(data.length, n);
        assert.ok(data.every((x) => x === (n & 0xff)));
        assert.deepEqual(from, a.addr);
      }
      // The reply goes back to the sender's address.
      await b.send(enc.encode("pong"), a.addr);
      assert.equal(dec.decode((await a.receive()).data), "pong");
    });
  });

  Deno.test(`a datagram socket iterates datagrams until closed over ${name}`, async () => {
    await withTempDir("socklab-dgram-", async (dir) => {
      await using a = listenDatagram(where(dir, "a"));
      const b = listenDatagram(where(dir, "b"));
      for (const word of ["one", "two", "three"]) await a.send(enc.encode(word), b.addr);
      const seen: string[] = [];
      for await (const { data } of b) {
        seen.push(dec.decode(data));
        if (seen.length === 3) b.close();
      }
      assert.deepEqual(seen, ["one", "two", "three"]);
    });
  });
}

Deno.test("receive() times out with TimedOut and loses no later datagram", async () => {
  await using a = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  await using b = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  const error = await b.receive({ timeout: 20 }).catch((e) => e);
  assert.ok(error instanceof TimedOut);
  assert.match(error.message, /^receive on 127\.0\.0\.1:\d+: no datagram within 20 ms$/);
  await a.send(enc.encode("late"), b.addr);
  assert.equal(dec.decode((await b.receive({ timeout: 5000 })).data), "late");
});

Deno.test("receive() rejects with the abort reason", async () => {
  await using b = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  const controller = new AbortController();
  const pending = b.receive({ signal: controller.signal });
  controller.abort(new Error("stop waiting"));
  await assert.rejects(pending, /stop waiting/);
});

Deno.test("a pending receive() rejects with SocketClosed when the socket closes", async () => {
  const b = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  const pending = b.receive();
  b.close();
  await assert.rejects(pending, SocketClosed);
  await assert.rejects(b.send(new Uint8Array(1), b.addr), SocketClosed);
});

Deno.test("listenDatagram() on a taken port throws AddrInUse", async () => {
  await using a = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  assert.throws(() => listenDatagram(a.addr), AddrInUse);
});

Deno.test("send() to a unix path nobody binds throws ConnectionRefused", async () => {
  await withTempDir("socklab-dgram-", async (dir) => {
    await using a = listenDatagram({ path: `${dir}/a.sock` });
    const error = await a.send(enc.encode("x"), { family: "unix", path: `${dir}/none.sock` })
      .catch((e) => e);
    assert.ok(error instanceof ConnectionRefused, String(error));
    assert.match(error.message, /^send .*a\.sock -> .*none\.sock: /);
  });
});

Deno.test("an unnamed unix datagram socket can send but has no address", async () => {
  await withTempDir("socklab-dgram-", async (dir) => {
    await using server = listenDatagram({ path: `${dir}/s.sock` });
    await using client = listenDatagram({});
    assert.deepEqual(client.addr, { family: "unix", path: "" });
    await client.send(enc.encode("hi"), server.addr);
    const { data, from } = await server.receive();
    assert.equal(dec.decode(data), "hi");
    assert.deepEqual(from, { family: "unix", path: "" });
  });
});

Deno.test("send() refuses destinations of another family and malformed data", async () => {
  await using v4 = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  await assert.rejects(v4.send(new Uint8Array(1), { family: "unix", path: "/tmp/x" }), TypeError);
  await assert.rejects(
    v4.send(new Uint8Array(1), { family: "inet6", hostname: "::1", port: 9 }),
    TypeError,
  );
  await assert.rejects(
    v4.send(new Uint8Array(1), { family: "inet", hostname: "127.0.0.1", port: 70000 }),
    RangeError,
  );
  await assert.rejects(v4.send("text" as never, v4.addr), TypeError);
  assert.throws(() => listenDatagram({ path: "/tmp/" + "z".repeat(150) }), RangeError);
  assert.throws(() => listenDatagram({ hostname: "::1::", port: 0 }), SyntaxError);
});

Deno.test("a datagram that arrives after receive() gave up goes to the next receive()", async () => {
  await using a = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  await using b = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  const controller = new AbortController();
  const gaveUp = b.receive({ signal: controller.signal });
  controller.abort(new Error("gave up"));
  await assert.rejects(gaveUp, /gave up/);
  await a.send(enc.encode("kept"), b.addr);
  await new Promise((r) => setTimeout(r, 10)); // let it land with nobody waiting
  assert.equal(dec.decode((await b.receive()).data), "kept");
});
