import assert from "node:assert/strict";
import {
  type KernelSocket,
  kernelSockets,
  kernelState,
  parseProcNetInet,
  parseProcNetUnix,
} from "./procnet.ts";
import { connect, listen } from "./stream.ts";
import { listenDatagram } from "./datagram.ts";

const TCP4 =
  `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:A1B2 06 00000000:00000000 03:00000BB8 00000000     0        0 0 3 0000000000000000
   2: 0100000A:0016 0200A8C0:D431 01 00000010:00000000 01:00000014 00000002     0        0 777 1 0000000000000000 20 4 30 10 -1
`;

const TCP6 =
  `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 92 1 0000000000000000 20 4 30 10 -1
   2: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 93 1 0000000000000000 100 0 0 10 0
`;

const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 5001 /run/echo.sock
0000000000000000: 00000003 00000000 00000000 0001 03 5002
0000000000000000: 00000002 00000000 00000000 0002 01 5003 /tmp/d.sock
`;

Deno.test("parseProcNetInet() decodes IPv4 addresses, states, queues and timers", () => {
  const [listener, timeWait, established] = parseProcNetInet(TCP4, "tcp", "inet");
  assert.deepEqual(listener.local, { family: "inet", hostname: "127.0.0.1", port: 8080 });
  assert.equal(listener.remote, null);
  assert.equal(listener.state, "LISTEN");
  assert.equal(listener.recvQueue, 2);
  assert.equal(listener.uid, 1000);
  assert.equal(listener.inode, 4242);
  assert.equal(timeWait.state, "TIME-WAIT");
  assert.deepEqual(timeWait.timer, { kind: "time-wait", ms: 30000 });
  assert.deepEqual(established.remote, { family: "inet", hostname: "192.168.0.2", port: 54321 });
  assert.equal(established.local.family === "inet" && established.local.hostname, "10.0.0.1");
  assert.equal(established.sendQueue, 16);
  assert.deepEqual(established.timer, { kind: "retransmit", ms: 200 });
  assert.equal(established.retransmits, 2);
});

Deno.test("parseProcNetInet() decodes IPv6, v4-mapped and documentation addresses", () => {
  const [loop, mapped, doc] = parseProcNetInet(TCP6, "tcp", "inet6");
  assert.deepEqual(loop.local, { family: "inet6", hostname: "::1", port: 8080 });
  assert.deepEqual(mapped.remote, { family: "inet6", hostname: "::ffff:127.0.0.1", port: 50000 });
  assert.equal(doc.local.family === "inet6" && doc.local.hostname, "2001:db8::1");
});

Deno.test("parseProcNetInet() calls UDP sockets ESTABLISHED only when connected", () => {
  const udp = TCP4.replace(" 0A ", " 07 ").replace(" 06 ", " 01 ");
  const [unconnected, connected] = parseProcNetInet(udp, "udp", "inet");
  assert.equal(unconnected.state, "CLOSED");
  assert.equal(unconnected.type, "dgram");
  assert.equal(connected.state, "ESTABLISHED");
});

Deno.test("parseProcNetUnix() tells listeners, connections and datagram sockets apart", () => {
  const [listener, conn, dgram] = parseProcNetUnix(UNIX);
  assert.equal(listener.state, "LISTEN");
  assert.deepEqual(listener.local, { family: "unix", path: "/run/echo.sock" });
  assert.equal(conn.state, "CONNECTED");
  assert.deepEqual(conn.local, { family: "unix", path: "" });
  assert.equal(dgram.type, "dgram");
  assert.equal(dgram.inode, 5003);
});

Deno.test("the parsers reject lines that lack columns", () => {
  assert.throws(
    () => parseProcNetInet("header\n  0: 0100007F:1F90 0A\n", "tcp", "inet"),
    SyntaxError,
  );
  assert.throws(() => parseProcNetUnix("header\ngarbage\n"), SyntaxError);
  assert.throws(
    () => parseProcNetInet(TCP4.replace("0100007F:1F90", "zz:1F90"), "tcp", "inet"),
    SyntaxError,
  );
});

/** Polls the kernel until `want` holds; bounded, never by wall time. */
async function until(
  read: () => Promise<KernelSocket[]>,
  want: (s: KernelSocket[]) => boolean,
): Promise<KernelSocket[]> {
  let seen: KernelSocket[] = [];
  for (let i = 0; i < 500; i++) {
    seen = await read();
    if (want(seen)) return seen;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`kernel state never matched; last: ${seen.map((s) => s.state).join(", ")}`);
}

Deno.test("kernelState() follows both ends through the four-way teardown", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const [listening] = await kernelState(server);
  assert.equal(listening.state, "LISTEN");
  const accepted = server.accept();
  await using client = await connect(server.addr);
  const peer = await accepted;
  const states = async () => {
    const both = await kernelState(client, { bothEnds: true });
    const mine = both.find((s) =>
      s.local.family === "inet" && client.localAddr.family === "inet" &&
      s.local.port === client.localAddr.port
    );
    const theirs = both.find((s) => s !== mine);
    return [mine?.state, theirs?.state].join("/");
  };
  assert.equal(await states(), "ESTABLISHED/ESTABLISHED");
  // The client's FIN: it waits for the server's; the server must close.
  await client.closeWrite();
  await until(
    async () => [{ state: await states() } as KernelSocket],
    ([s]) => s.state === "FIN-WAIT-2/CLOSE-WAIT",
  );
  assert.equal(await peer.read(new Uint8Array(1)), null);
  // The server's FIN: it is gone, the client holds the pair in TIME-WAIT.
  peer.close();
  const [timeWait] = await until(
    () => kernelState(client),
    (s) => s.length === 1 && s[0].state === "TIME-WAIT",
  );
  assert.equal(timeWait.timer?.kind, "time-wait");
});

Deno.test("kernelSockets() finds a UDP socket by port and a unix listener by path", async () => {
  await using udp = listenDatagram({ hostname: "::1", port: 0 });
  const port = (udp.addr as { port: number }).port;
  const found = await kernelSockets({ protocols: ["udp"], port });
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].local, udp.addr);
  const dir = await Deno.makeTempDir({ prefix: "socklab-proc-" });
  try {
    await using unix = listen({ path: `${dir}/l.sock` });
    const [entry] = await kernelState(unix);
    assert.equal(entry.state, "LISTEN");
    assert.equal(entry.type, "stream");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
