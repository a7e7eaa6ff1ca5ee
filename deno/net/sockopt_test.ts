import assert from "node:assert/strict";
import { getSocketOption, setSocketOption, socketFd, tcpInfo } from "./sockopt.ts";
import { connect, listen } from "./stream.ts";
import { listenDatagram } from "./datagram.ts";
import { openUnixDatagram } from "./fd_socket.ts";
import { NetError } from "./errors.ts";

/** A connected TCP pair on loopback. */
async function tcpPair(hostname = "127.0.0.1") {
  const server = listen({ hostname, port: 0 });
  const accepted = server.accept();
  const client = await connect(server.addr);
  const peer = await accepted;
  return {
    server,
    client,
    peer,
    [Symbol.asyncDispose]() {
      client.close();
      peer.close();
      server.close();
      return Promise.resolve();
    },
  };
}

Deno.test("socketFd() finds distinct descriptors for both ends and the listener", async () => {
  await using pair = await tcpPair();
  const fds = await Promise.all([pair.server, pair.client, pair.peer].map(socketFd));
  assert.equal(new Set(fds).size, 3);
});

Deno.test("getSocketOption() reads what Deno's own setters set on the found socket", async () => {
  await using pair = await tcpPair("::1");
  assert.equal(await getSocketOption(pair.client, "noDelay"), 1);
  pair.client.setNoDelay(false);
  assert.equal(await getSocketOption(pair.client, "noDelay"), 0);
  assert.equal(await getSocketOption(pair.peer, "noDelay"), 1); // the other end is untouched
  pair.client.setKeepAlive(true);
  assert.equal(await getSocketOption(pair.client, "keepAlive"), 1);
});

Deno.test("setSocketOption() sets buffer sizes, keepalive timing and TTL on TCP", async () => {
  await using pair = await tcpPair();
  await setSocketOption(pair.client, "sendBufferSize", 65536);
  assert.equal(await getSocketOption(pair.client, "sendBufferSize"), 131072); // Linux doubles it
  await setSocketOption(pair.client, "keepAliveIdle", 30);
  assert.equal(await getSocketOption(pair.client, "keepAliveIdle"), 30);
  await setSocketOption(pair.client, "ttl", 7);
  assert.equal(await getSocketOption(pair.client, "ttl"), 7);
  assert.ok((await getSocketOption(pair.client, "maxSegment")) > 0);
});

Deno.test("setSocketOption() turns broadcast off and on and sets TTL on UDP (IPv6: hop limit)", async () => {
  await using v4 = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  // Deno opens its UDP sockets with SO_BROADCAST already on.
  assert.equal(await getSocketOption(v4, "broadcast"), 1);
  await setSocketOption(v4, "broadcast", false);
  assert.equal(await getSocketOption(v4, "broadcast"), 0);
  await setSocketOption(v4, "broadcast", true);
  assert.equal(await getSocketOption(v4, "broadcast"), 1);
  await using v6 = listenDatagram({ hostname: "::1", port: 0 });
  await setSocketOption(v6, "ttl", 3);
  assert.equal(await getSocketOption(v6, "ttl"), 3);
});

Deno.test("setSocketOption() works on FFI sockets and refuses IP options on unix ones", async () => {
  await using s = openUnixDatagram();
  await setSocketOption(s, "receiveBufferSize", 4096);
  assert.equal(await getSocketOption(s, "receiveBufferSize"), 8192);
  await assert.rejects(setSocketOption(s, "ttl", 1), TypeError);
});

Deno.test("setSocketOption() rejects unknown options, bad values and lost sockets", async () => {
  await using pair = await tcpPair();
  await assert.rejects(setSocketOption(pair.client, "nagle" as never, 1), TypeError);
  await assert.rejects(setSocketOption(pair.client, "ttl", -1), RangeError);
  await assert.rejects(setSocketOption(pair.client, "ttl", 1.5), RangeError);
  await assert.rejects(setSocketOption(pair.client, "ttl", 256), NetError); // the kernel's EINVAL
  const dir = await Deno.makeTempDir();
  try {
    await using unix = listen({ path: `${dir}/s.sock` });
    const accepted = unix.accept();
    await using c = await connect(unix.addr);
    await using _p = await accepted;
    assert.ok((await socketFd(unix)) >= 0);
    await assert.rejects(socketFd(c), /cannot be found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  pair.client.close();
  await assert.rejects(getSocketOption(pair.client, "noDelay"), /closed/);
});

Deno.test("tcpInfo() reports what the kernel acknowledged, its window, RTT and MSS", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using conn = await connect(server.addr);
  await using peer = await accepted;
  const before = await tcpInfo(conn);
  assert.equal(before.state, "ESTABLISHED");
  assert.equal(before.caState, "open");
  const data = new Uint8Array(1 << 20);
  const reading = (async () => {
    const buf = new Uint8Array(65536);
    let total = 0;
    while (total < data.length) total += (await peer.read(buf)) ?? data.length;
  })();
  await conn.writeAll(data);
  await reading;
  const after = await tcpInfo(conn);
  assert.ok(after.bytesAcked! >= data.length, `${after.bytesAcked}`);
  assert.ok(after.sndCwnd >= 10 && after.sndMss > 0 && after.rto >= 200);
  assert.ok(after.rtt >= 0 && after.rtt < 1000);
  assert.equal((await tcpInfo(peer)).bytesReceived! >= data.length, true);
  await assert.rejects(async () => {
    conn.close();
    await tcpInfo(conn);
  });
});
