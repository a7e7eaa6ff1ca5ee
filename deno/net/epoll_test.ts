import assert from "node:assert/strict";
import {
  type EpollConn,
  type EpollListenOptions,
  ioUringAvailable,
  listenEpoll,
  listenEpoll as listen,
} from "./epoll.ts";
import { AddrInUse, ConnectionReset, SocketClosed } from "./errors.ts";
import { readToEnd, requires } from "../_testing.ts";

const enc = new TextEncoder();

/** Null when the kernel lets this process set up an io_uring, else why not. */
function missingUring(): string | null {
  try {
    const disabled = Deno.readTextFileSync("/proc/sys/kernel/io_uring_disabled").trim();
    if (disabled !== "0") return `io_uring is disabled here (io_uring_disabled = ${disabled})`;
  } catch {
    // Older kernels have no such switch: io_uring is on.
  }
  return ioUringAvailable() ? null : "the kernel refused io_uring (too old, or a seccomp filter)";
}

async function writeAll(conn: Deno.Conn, data: Uint8Array) {
  for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
}

/** Echoes until the peer's FIN, then half-closes back. */
async function echo(conn: EpollConn): Promise<void> {
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
  await conn.closeWrite();
  conn.close();
}

/** `promise`, or a rejection naming `what` after `ms` (a hang becomes a failure). */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >>> 11)) & 0xff;
  return out;
}

for (const uring of [true, false]) {
  // The second pass also turns off the coalescing sleep, so both settings run every test.
  const how = uring ? "through io_uring" : "with plain syscalls, without coalescing";
  const listenEpoll = (o: EpollListenOptions) => listen({ ...o, coalesce: uring ? 20 : 0 });

  Deno.test(`epoll listener echoes 8 MB and half-closes, ${how}`, async () => {
    const listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring });
    const served = listener.accept().then(echo);
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const data = pattern(8 * 1024 * 1024);
    const sent = writeAll(client, data).then(() => client.closeWrite());
    const got = await readToEnd(client);
    await sent;
    await served;
    client.close();
    assert.equal(got.length, data.length);
    assert.ok(got.every((b, i) => b === data[i]), "the echo differs from what was sent");
    listener.close();
    await listener.stopped;
  });

  Deno.test(`a FIN that arrives with the last data is still read as the end, ${how}`, async () => {
    // The FIN's edge comes once, with the data: a short read must not be taken
    // to mean "wait for the next edge", or this read would wait forever.
    await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring });
    for (const size of [1, 100, 4096, 70_000, 200_000, 300_000]) {
      const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
      const conn = await listener.accept();
      const reading = readToEnd(conn); // waiting before the bytes come
      await writeAll(client, pattern(size));
      await client.closeWrite();
      const got = await within(5000, `reading ${size} bytes and the FIN`, reading).finally(
        () => conn.close(),
      );
      assert.equal(got.length, size);
      client.close();
    }
  });

  Deno.test(`writes to a slow reader wait for room and arrive whole, ${how}`, async () => {
    await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring });
    const data = pattern(6 * 1024 * 1024);
    const served = (async () => {
      await using conn = await listener.accept();
      await conn.writeAll(data); // far more than the socket buffers hold
      await conn.closeWrite();
    })();
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const parts: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    let total = 0;
    for (let n, i = 0; (n = await client.read(buf)) !== null; i++) {
      parts.push(buf.slice(0, n));
      total += n;
      if (i % 64 === 0) await new Promise((r) => setTimeout(r, 5)); // read slowly
    }
    client.close();
    await served;
    assert.equal(total, data.length);
    let off = 0;
    for (const p of parts) {
      assert.ok(p.every((b, i) => b === data[off + i]), `bytes differ near offset ${off}`);
      off += p.length;
    }
  });

  Deno.test(`300 clients at once are all accepted and echoed, ${how}`, async () => {
    await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring });
    const echoes: Promise<void>[] = [];
    const accepting = (async () => {
      for (let i = 0; i < 300; i++) echoes.push(echo(await listener.accept()));
    })();
    const clients = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
        const message = enc.encode(`client ${i} `.repeat(i + 1));
        await writeAll(c, message);
        await c.closeWrite();
        const got = await readToEnd(c);
        c.close();
        return new TextDecoder().decode(got) === new TextDecoder().decode(message);
      }),
    );
    await accepting;
    await Promise.all(echoes);
    assert.equal(clients.filter((ok) => ok).length, 300);
  });

  Deno.test(`a write to a peer that has gone rejects with ConnectionReset, ${how}`, async () => {
    await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    await using conn = await listener.accept();
    client.close();
    // The first write may be taken (the peer answers it with RST); a later one fails.
    await assert.rejects(async () => {
      for (let i = 0; i < 100; i++) {
        await conn.write(enc.encode("anyone there?"));
        await new Promise((r) => setTimeout(r, 10));
      }
    }, ConnectionReset);
  });

  Deno.test(`close() rejects a waiting read and stops the loop, ${how}`, async () => {
    const listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const conn = await listener.accept();
    const reading = conn.read(new Uint8Array(100));
    listener.close();
    await assert.rejects(listener.accept(), SocketClosed);
    conn.close();
    await assert.rejects(reading, SocketClosed);
    await assert.rejects(conn.write(enc.encode("x")), SocketClosed);
    await listener.stopped;
    client.close();
  });
}

Deno.test("the listener's loop keeps serving accepted connections after the listener closes", async () => {
  const listener = listenEpoll({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const conn = await listener.accept();
  listener.close();
  const served = echo(conn);
  await writeAll(client, enc.encode("still here"));
  await client.closeWrite();
  assert.equal(new TextDecoder().decode(await readToEnd(client)), "still here");
  await served;
  await listener.stopped;
  client.close();
});

Deno.test("epoll connections know both endpoints, over IPv4 and IPv6", async () => {
  for (const hostname of ["127.0.0.1", "::1"]) {
    await using listener = listenEpoll({ hostname, port: 0 });
    assert.equal(listener.addr.hostname, hostname);
    assert.ok(listener.addr.port > 0);
    const client = await Deno.connect({ hostname, port: listener.addr.port });
    await using conn = await listener.accept();
    const local = client.localAddr as Deno.NetAddr;
    assert.deepEqual(conn.remoteAddr, {
      family: hostname === "::1" ? "inet6" : "inet",
      hostname,
      port: local.port,
    });
    assert.deepEqual(conn.localAddr, listener.addr);
    client.close();
  }
});

Deno.test("a wildcard listener reports the address each connection arrived on", async () => {
  await using listener = listenEpoll({ hostname: "0.0.0.0", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  await using conn = await listener.accept();
  assert.deepEqual(conn.localAddr, {
    family: "inet",
    hostname: "127.0.0.1",
    port: listener.addr.port,
  });
  client.close();
});

Deno.test("listenEpoll() on a port in use throws AddrInUse naming it", () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  assert.throws(
    () => listenEpoll({ hostname: "127.0.0.1", port }),
    (e: unknown) => e instanceof AddrInUse && e.message.includes(`127.0.0.1:${port}`),
  );
});

Deno.test("listenEpoll() rejects names and bad numbers with a clear error", () => {
  assert.throws(() => listenEpoll({ hostname: "localhost", port: 0 }), /hostname|address/i);
  assert.throws(() => listenEpoll({ hostname: "127.0.0.1", port: 70000 }), RangeError);
  assert.throws(() => listenEpoll({ hostname: "127.0.0.1", port: 0, backlog: 0 }), RangeError);
  assert.throws(
    () => listenEpoll({ hostname: "127.0.0.1", port: 0, coalesce: -1 }),
    /Invalid coalesce: -1 is not a whole number of microseconds from 0 to 1000/,
  );
  assert.throws(
    () => listenEpoll({ hostname: "127.0.0.1", port: 0, ringEntries: 3 }),
    /Invalid ringEntries: 3 is not a power of two from 1 to 32768/,
  );
  assert.throws(() => listenEpoll(null as never), TypeError);
});

Deno.test(
  requires(missingUring(), {
    name: "a full ring falls back to plain syscalls and loses nothing",
    fn: async () => {
      // Two slots for 40 connections echoing at once: most reads and writes find the ring full.
      await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0, ringEntries: 2 });
      assert.equal(listener.usesRing, true);
      const echoes: Promise<void>[] = [];
      const accepting = (async () => {
        for (let i = 0; i < 40; i++) echoes.push(echo(await listener.accept()));
      })();
      const sizes = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
        const data = pattern(50_000 + i * 1000);
        const sent = writeAll(c, data).then(() => c.closeWrite());
        const got = await readToEnd(c);
        await sent;
        c.close();
        assert.ok(got.every((b, k) => b === data[k]), `client ${i}: the echo differs`);
        return got.length - data.length;
      }));
      await accepting;
      await Promise.all(echoes);
      assert.deepEqual(sizes, new Array(40).fill(0));
    },
  }),
);

Deno.test("a second read while one waits is refused, not lost", async () => {
  await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  await using conn = await listener.accept();
  const first = conn.read(new Uint8Array(10));
  await assert.rejects(conn.read(new Uint8Array(10)), /another read/);
  await writeAll(client, enc.encode("hi"));
  assert.equal(await first, 2);
  client.close();
});

Deno.test(
  requires(missingUring(), {
    name: "the listener makes its recv and send calls through io_uring where the kernel allows",
    fn: async () => {
      await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0 });
      assert.equal(listener.usesRing, true);
      await using plain = listenEpoll({ hostname: "127.0.0.1", port: 0, uring: false });
      assert.equal(plain.usesRing, false);
    },
  }),
);

for (const uring of [true, false]) {
  Deno.test(`submitWrite() reports the count after it returns, and SocketClosed once closed (uring ${uring})`, async () => {
    await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const conn = await listener.accept();
    const results: (number | Error)[] = [];
    let returned = false;
    const done = new Promise<void>((resolve) =>
      conn.submitWrite(enc.encode("hello"), (r) => {
        assert.ok(returned, "done was called during submitWrite()");
        results.push(r);
        resolve();
      })
    );
    returned = true;
    await done;
    assert.deepEqual(results, [5]);
    const buf = new Uint8Array(16);
    assert.equal(new TextDecoder().decode(buf.subarray(0, (await client.read(buf))!)), "hello");
    conn.close();
    const after = await new Promise<number | Error>((resolve) =>
      conn.submitWrite(enc.encode("x"), resolve)
    );
    assert.ok(after instanceof SocketClosed);
    client.close();
  });
}
