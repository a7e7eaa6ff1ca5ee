import assert from "node:assert/strict";
import {
  type EpollConn,
  type EpollListenOptions,
  ioUringAvailable,
  listenEpoll,
  listenEpoll as listen,
} from "./epoll.ts";
import { AddrInUse, ConnectionReset, SocketClosed } from "./errors.ts";
import {
  cpuShare,
  FILE_LIMIT,
  FILL_DESCRIPTORS,
  jsonLines,
  missingCommand,
  readToEnd,
  requires,
  spawnAtFileLimit,
  within,
  withTempDir,
} from "../_testing.ts";

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

function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >>> 11)) & 0xff;
  return out;
}

for (const uring of [true, false]) {
  // The second pass also turns off the coalescing sleep, so both settings run every test.
  const how = uring ? "through io_uring" : "with plain syscalls, without coalescing";
  const listenEpoll = (o: EpollListenOptions) => listen({ ...o, coalesce: uring ? 20 : 0 });

  Deno.test(`epoll listener echoes 8 MB and half-closes, ${how}`, () =>
    within(
      30_000,
      "the 8 MB echo",
      (async () => {
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
      })(),
    ));

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

  Deno.test(`a write to a peer that has gone rejects with ConnectionReset, ${how}`, () =>
    within(
      10_000,
      "writing to a peer that has gone",
      (async () => {
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
      })(),
    ));

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

/**
 * A plain blocking TCP socket made through libc, so that it connects and
 * sends before the call returns: no turn of the event loop (and of the
 * listener's loop) comes in between.
 */
function plainSocket() {
  const libc = Deno.dlopen("libc.so.6", {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
    recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
    close: { parameters: ["i32"], result: "i32" },
  });
  const fd = libc.symbols.socket(2, 1, 0); // AF_INET, SOCK_STREAM
  if (fd < 0) throw new Error("socket failed");
  return {
    /** Connects to 127.0.0.1:`port` and sends `request`. */
    connectAndSend(port: number, request: Uint8Array): void {
      const sa = new Uint8Array(16);
      const view = new DataView(sa.buffer);
      view.setUint16(0, 2, true); // AF_INET
      view.setUint16(2, port); // network order
      sa.set([127, 0, 0, 1], 4);
      if (libc.symbols.connect(fd, sa, 16) !== 0) throw new Error("connect failed");
      libc.symbols.send(fd, request as Uint8Array<ArrayBuffer>, BigInt(request.length), 0);
    },
    /** What has arrived, read without waiting (MSG_DONTWAIT). */
    arrived(): string {
      const buf = new Uint8Array(100);
      const n = Number(libc.symbols.recv(fd, buf, 100n, 0x40));
      return n > 0 ? new TextDecoder().decode(buf.subarray(0, n)) : "";
    },
    [Symbol.dispose]() {
      libc.symbols.close(fd);
      libc.close();
    },
  };
}

/**
 * Opens /dev/null into every free descriptor number below the highest in
 * use, so that the next descriptor closed is the one the next opened gets
 * (the kernel hands out the lowest free number). Close the files after.
 */
function fillDescriptorHoles(): Deno.FsFile[] {
  // The listing includes the descriptor that reads it, closed again after: one more to fill.
  const used = new Set([...Deno.readDirSync("/proc/self/fd")].map((e) => Number(e.name)));
  let free = 1;
  for (let fd = 0, highest = Math.max(...used); fd < highest; fd++) if (!used.has(fd)) free++;
  return Array.from({ length: free }, () => Deno.openSync("/dev/null"));
}

for (const op of ["write", "read"] as const) {
  Deno.test(
    requires(missingUring(), {
      name:
        `a ${op} queued on the ring by a connection closed at once never acts on the next connection`,
      fn: async () => {
        // A queues an operation and closes in the turn that accepted it (the listener's loop is
        // not waiting then, so nothing is submitted); B connects at once and is accepted in the
        // loop's next turn, on A's old descriptor number, before the loop submits the ring.
        await using listener = listenEpoll({ hostname: "127.0.0.1", port: 0 });
        const port = listener.addr.port;
        // B's client socket exists first, and no other number is free, so that A's is the one
        // the listener's accept() gets for B.
        using b = plainSocket();
        let fillers: Deno.FsFile[] = [];
        let connB: EpollConn;
        try {
          const tricked = listener.accept().then((connA) => {
            fillers = fillDescriptorHoles();
            if (op === "write") connA.write(enc.encode("FOR A ONLY")).catch(() => {});
            else connA.read(new Uint8Array(100)).catch(() => {});
            connA.close();
            b.connectAndSend(port, enc.encode("from B"));
          });
          using _a = await Deno.connect({ hostname: "127.0.0.1", port });
          await within(5000, "accepting A", tricked);
          connB = await within(5000, "accepting B", listener.accept());
        } finally {
          for (const file of fillers) file.close();
        }
        await using _ = connB;
        const buf = new Uint8Array(100);
        const n = await within(5000, "B's request", connB.read(buf));
        assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), "from B");
        assert.equal(b.arrived(), "", "B received bytes written to A");
      },
    }),
  );
}

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

// At the open-file limit. The server side runs in a child process whose limit
// is low (prlimit), so this process keeps its own descriptors. The child calls
// back on a TCP connection made before it fills its table, and takes commands
// and answers on it as JSON lines (its stdin would not do: the runtime opens a
// descriptor of its own to read it, now and then).

/**
 * The children's shared code: the control connection (`commands`, `say`),
 * `bounded` (3 s), and {@link FILL_DESCRIPTORS}.
 */
const CHILD_PRELUDE = `
const control = await Deno.connect({ hostname: "127.0.0.1", port: Number(Deno.args[0]) });
const toParent = control.writable.getWriter();
const say = (message) => toParent.write(new TextEncoder().encode(JSON.stringify(message) + "\\n"));
async function* lines() {
  let buffer = "";
  for await (const chunk of control.readable.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    for (let end; (end = buffer.indexOf("\\n")) !== -1; buffer = buffer.slice(end + 1)) {
      yield JSON.parse(buffer.slice(0, end));
    }
  }
}
const commands = lines();
${FILL_DESCRIPTORS}
function bounded(promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer in 3 s")), 3000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
`;

/** An epoll listener with two descriptors to spare, driven by commands (child code). */
function atTheLimitChild(uring: boolean): string {
  const at = (file: string) => JSON.stringify(new URL(file, import.meta.url).href);
  return `import { listenEpoll } from ${at("./epoll.ts")};
import { NetError } from ${at("./errors.ts")};
${CHILD_PRELUDE}
const listener = listenEpoll({ hostname: "127.0.0.1", port: 0, uring: ${uring} });
const conns = [];
fillDescriptors(2);
say({ port: listener.addr.port });
for await (const command of commands) {
  if (command.do === "accept") {
    // Several accept() calls at once when asked: one answer each, in order.
    const accepts = Array.from({ length: command.count ?? 1 }, () => bounded(listener.accept()));
    for (const accepting of accepts) {
      try {
        const conn = await accepting;
        conns.push(conn);
        say({ accepted: conns.length - 1, port: conn.remoteAddr.port });
      } catch (e) {
        say({ rejected: e.name, netError: e instanceof NetError, op: e.op, message: e.message });
      }
    }
  } else if (command.do === "close") {
    conns[command.conn].close();
    say({ closed: command.conn });
  } else if (command.do === "echo") {
    const byte = new Uint8Array(1);
    const n = await bounded(conns[command.conn].read(byte));
    await conns[command.conn].writeAll(byte.subarray(0, n));
    say({ echoed: n });
  }
}
for (const conn of conns) conn.close();
await listener[Symbol.asyncDispose]();
`;
}

/** A child process spoken to in JSON lines. */
interface LineChild {
  /** Its process id (prlimit runs the runtime in its own place). */
  readonly pid: number;
  /** Sends one command. */
  send(command: unknown): Promise<void>;
  /** The next line it sent, parsed (a hang becomes a failure). */
  next(): Promise<unknown>;
}

/**
 * Runs `source` in a child runtime under {@link FILE_LIMIT}, with the port
 * to call back as its argument, and hands it to `fn`; then half-closes the
 * control connection and expects the child to exit cleanly. The child is
 * killed if it is still there at the end.
 */
async function withLimitedChild(source: string, fn: (child: LineChild) => Promise<void>) {
  await withTempDir("socklab-epoll-limit-", async (dir) => {
    const script = `${dir}/child.ts`;
    await Deno.writeTextFile(script, source);
    using callBack = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await using child = spawnAtFileLimit(FILE_LIMIT, script, [String(callBack.addr.port)], "null");
    const ended = async (when: string) =>
      new Error(`the child ended ${when}:\n${await child.stderr}`);
    const control = await within(
      10_000,
      "the child's call",
      Promise.race([
        callBack.accept(),
        child.process.status.then(async () => {
          throw await ended("before calling");
        }),
      ]),
    );
    const reader = control.readable.pipeThrough(new TextDecoderStream()).getReader();
    try {
      const nextLine = jsonLines(reader, () => ended("early"));
      await fn({
        pid: child.process.pid,
        send: (command) => control.write(enc.encode(JSON.stringify(command) + "\n")).then(() => {}),
        next: () => within(5000, "the child's answer", nextLine()),
      });
      await control.closeWrite();
      const status = await child.exit(5000);
      assert.equal(status.code, 0, await child.stderr);
    } finally {
      await reader.cancel();
      try {
        control.close();
      } catch {
        // Closed with its stream.
      }
    }
  });
}

const localPort = (conn: Deno.TcpConn) => conn.localAddr.port;

/** What the child says of an accept() that met the open-file limit. */
function atTheLimit(port: number) {
  return {
    rejected: "NetError",
    netError: true,
    op: "accept",
    message: `accept on 127.0.0.1:${port}: too many open files`,
  };
}

/** Connects `count` clients to the child's listener, one after another. */
async function connectClients(port: number, count: number): Promise<Deno.TcpConn[]> {
  const clients: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < count; i++) {
      clients.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    }
  } catch (error) {
    for (const client of clients) client.close();
    throw error;
  }
  return clients;
}

for (const uring of [true, false]) {
  Deno.test(
    requires(missingCommand("prlimit"), {
      name: `accept() at the open-file limit rejects with NetError without spinning, and ` +
        `accepts again once a connection is closed (uring ${uring})`,
      fn: async () => {
        await withLimitedChild(atTheLimitChild(uring), async (child) => {
          const { port } = await child.next() as { port: number };
          const clients = await connectClients(port, 3);
          try {
            // Two descriptors are free: two connections are accepted, the third meets the limit.
            for (const i of [0, 1]) {
              await child.send({ do: "accept" });
              assert.deepEqual(await child.next(), { accepted: i, port: localPort(clients[i]) });
            }
            await child.send({ do: "accept" });
            assert.deepEqual(await child.next(), atTheLimit(port));
            // The third connection still waits in the kernel's queue, so the listening socket
            // stays ready: a loop that kept watching it would retry accept(2) every turn, and
            // use about a third of a core even with its coalescing sleeps between turns.
            const share = await cpuShare(child.pid, 1000);
            assert.ok(
              share < 0.1,
              `the child used ${share.toFixed(2)} of a core while at the limit`,
            );
            // A descriptor is freed: the next accept() tries again and takes the third
            // connection (an error met earlier says nothing about now).
            await child.send({ do: "close", conn: 0 });
            assert.deepEqual(await child.next(), { closed: 0 });
            await child.send({ do: "accept" });
            assert.deepEqual(await child.next(), { accepted: 2, port: localPort(clients[2]) });
            await clients[2].write(enc.encode("x"));
            await child.send({ do: "echo", conn: 2 });
            assert.deepEqual(await child.next(), { echoed: 1 });
            const byte = new Uint8Array(1);
            assert.equal(await within(5000, "reading the echo", clients[2].read(byte)), 1);
            assert.equal(String.fromCharCode(byte[0]), "x");
          } finally {
            for (const client of clients) client.close();
          }
        });
      },
    }),
  );
}

Deno.test(
  requires(missingCommand("prlimit"), {
    name: "accept() calls waiting together at the open-file limit are each rejected, every time",
    fn: async () => {
      await withLimitedChild(atTheLimitChild(true), async (child) => {
        const { port } = await child.next() as { port: number };
        const clients = await connectClients(port, 3);
        try {
          await child.send({ do: "accept", count: 2 });
          assert.equal((await child.next() as { accepted: number }).accepted, 0);
          assert.equal((await child.next() as { accepted: number }).accepted, 1);
          // The listener stops watching when accept(2) fails: a call left waiting then would
          // wait until some later accept() watched again.
          for (let round = 0; round < 3; round++) {
            await child.send({ do: "accept", count: 2 });
            const answers = [await child.next(), await child.next()];
            assert.deepEqual(answers, [atTheLimit(port), atTheLimit(port)], `round ${round}`);
          }
        } finally {
          for (const client of clients) client.close();
        }
      });
    },
  }),
);
