import assert from "node:assert/strict";
import {
  missingCommand,
  missingRoot,
  requires,
  runUnprivileged,
  withTempDir,
} from "../_testing.ts";
import { openRaw, openUnixDatagram } from "./fd_socket.ts";
import { Pinger } from "./ping.ts";
import { AddrInUse, SocketClosed, TimedOut } from "./errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("openUnixDatagram() sends while a receive waits on the same socket", async () => {
  await withTempDir("socklab-fd-", async (dir) => {
    await using a = openUnixDatagram(`${dir}/a.sock`);
    await using b = openUnixDatagram(`${dir}/b.sock`);
    const waiting = a.receive();
    assert.equal(await a.send(enc.encode("ping"), b.addr), 4);
    const got = await b.receive();
    assert.deepEqual(got.from, a.addr);
    await b.send(enc.encode("pong!"), got.from);
    const back = await waiting;
    assert.equal(dec.decode(back.data), "pong!");
  });
});

Deno.test("closing an FdSocket wakes its pending receive with SocketClosed", async () => {
  const s = openUnixDatagram();
  const pending = s.receive();
  s.close();
  await assert.rejects(pending, SocketClosed);
  await assert.rejects(s.send(new Uint8Array(1), { family: "unix", path: "/tmp/x" }), SocketClosed);
  s.close(); // idempotent
});

Deno.test("an FdSocket receive times out and keeps the late datagram", async () => {
  await withTempDir("socklab-fd-", async (dir) => {
    await using a = openUnixDatagram(`${dir}/a.sock`);
    await using b = openUnixDatagram();
    await assert.rejects(a.receive({ timeout: 10 }), TimedOut);
    await b.send(enc.encode("late"), a.addr);
    assert.equal(dec.decode((await a.receive()).data), "late");
  });
});

Deno.test("openUnixDatagram() on a taken path throws AddrInUse and leaks nothing", async () => {
  await withTempDir("socklab-fd-", async (dir) => {
    await using _a = openUnixDatagram(`${dir}/a.sock`);
    assert.throws(() => openUnixDatagram(`${dir}/a.sock`), AddrInUse);
    assert.throws(() => openUnixDatagram(`${dir}/${"n".repeat(120)}`), RangeError);
  });
});

Deno.test("openRaw() rejects malformed options", () => {
  assert.throws(() => openRaw({ family: "unix" as never, protocol: 1 }), TypeError);
  assert.throws(() => openRaw({ family: "inet", protocol: 0 }), RangeError);
  assert.throws(() => openRaw({ family: "inet", protocol: 256 }), RangeError);
  assert.throws(() => openRaw({ family: "inet", protocol: 1, hostname: "::1" }), TypeError);
});

for (const [family, host] of [["inet", "127.0.0.1"], ["inet6", "::1"]] as const) {
  Deno.test(requires(missingRoot(), {
    name: `a raw ${family} socket pings ${host} with ICMP echo`,
    async fn() {
      await using pinger = new Pinger(family, 0x5eed);
      const data = enc.encode("socklab ping payload");
      for (const seq of [1, 2]) {
        await pinger.send(host, seq, data);
        const reply = await pinger.reply(seq, 5000);
        assert.equal(reply.from.hostname, host);
        assert.equal(reply.ident, 0x5eed);
        assert.equal(dec.decode(reply.data), "socklab ping payload");
        if (family === "inet") assert.ok(reply.ttl! > 0);
      }
    },
  }));
}

Deno.test(requires([missingRoot(), missingCommand("setpriv")], {
  name: "a raw socket without CAP_NET_RAW fails with PermissionDenied",
  async fn() {
    const module = new URL("./fd_socket.ts", import.meta.url).href;
    const script = `import { openRaw } from ${JSON.stringify(module)};
try { openRaw({ family: "inet", protocol: 1 }); console.log("opened"); }
catch (e) { console.log(e.name + ": " + e.message); }`;
    const out = await runUnprivileged(["eval", "--no-config", script]);
    assert.equal(
      out.stdout,
      "PermissionDenied: socket on 0.0.0.0:0: permission denied (operation not permitted)\n",
      out.stderr,
    );
  },
}));

Deno.test("a unix datagram sender waits for room when the receiver's queue is full", async () => {
  await withTempDir("socklab-fd-", async (dir) => {
    await using a = openUnixDatagram(`${dir}/a.sock`);
    await using b = openUnixDatagram(`${dir}/b.sock`);
    // Far more than the receive queue holds (net.unix.max_dgram_qlen, often 10).
    const count = 300;
    const sending = (async () => {
      for (let i = 0; i < count; i++) await a.send(new Uint8Array([i & 0xff]), b.addr);
    })();
    for (let i = 0; i < count; i++) assert.equal((await b.receive()).data[0], i & 0xff);
    await sending;
  });
});

Deno.test("closing a socket whose send waits for room ends the send with SocketClosed", async () => {
  await withTempDir("socklab-fd-", async (dir) => {
    const a = openUnixDatagram(`${dir}/a.sock`);
    await using b = openUnixDatagram(`${dir}/b.sock`);
    const sending = (async () => {
      for (let i = 0; i < 10_000; i++) await a.send(new Uint8Array(1), b.addr);
    })();
    // Nobody reads b: the queue fills and a's send waits; then a closes.
    await new Promise((r) => setTimeout(r, 50));
    a.close();
    await assert.rejects(sending, SocketClosed);
    await a[Symbol.asyncDispose]();
  });
});
