// socklab's TCP bulk throughput, measured in one run beside its peers:
// - on the lossless simulated network (virtual time: only CPU counts),
// - over the UDP link on loopback, beside Deno's raw UDP datagram rate at the
//   same datagram size (awaiting each send) and the kernel's TCP over
//   loopback (256 KiB writes).
// Every number comes from this run; the ratios are what carry to other machines.
import { SimNetwork } from "../deno/link/sim.ts";
import { UdpLink } from "../deno/link/udp.ts";
import { table } from "./_harness.ts";
import { inetAddr } from "../deno/wire/inet_addr.ts";

const MB = 1e6;

/** Goodput of a one-way bulk transfer on the simulated network, bytes/s of wall time. */
export function simBulk(mtu: number, bytes: number): number {
  const net = new SimNetwork({ seed: 1, link: { mtu } });
  const mss = mtu - 40;
  const config = { mss, delayedAck: 0, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 };
  const a = net.addHost("10.0.0.1", config);
  const b = net.addHost("10.0.0.2", config);
  b.listen(80);
  const data = new Uint8Array(1 << 20).map((_, i) => i);
  const client = a.connect(0, inetAddr("10.0.0.2", 80));
  let server = null as ReturnType<typeof b.accept>;
  const sink = new Uint8Array(256 * 1024);
  let sent = 0, received = 0;
  const start = performance.now();
  net.run({
    maxTime: 1e9,
    onStep() {
      server ??= b.accept(80);
      while (sent < bytes && client.canSend && client.sendCapacity > 0) {
        sent += client.send(data.subarray(0, Math.min(data.length, bytes - sent)));
      }
      if (server) { for (let n; (n = server.recvInto(sink)) > 0;) received += n; }
    },
    until: () => received >= bytes,
  });
  const seconds = (performance.now() - start) / 1000;
  if (received !== bytes) throw new Error(`sim bench: ${received} of ${bytes} bytes arrived`);
  return bytes / seconds;
}

/** Bulk goodput over the UDP link on loopback, bytes/s, and datagrams/s sent. */
/** Reads until `bytes` have come (or the stream ends), into one reused buffer; returns the count. */
async function drain(
  conn: { read(p: Uint8Array): Promise<number | null> },
  bytes: number,
): Promise<number> {
  const buf = new Uint8Array(256 * 1024);
  let got = 0;
  while (got < bytes) {
    const n = await conn.read(buf);
    if (n === null) break;
    got += n;
  }
  return got;
}

async function udpLinkBulk(mtu: number, bytes: number): Promise<{ rate: number; dgrams: number }> {
  // A window that fits in 4 MiB kernel socket buffers (without congestion
  // control, a later issue, every overflow of the UDP receive queue would
  // cost an RTO). At 1500 B delayed ACKs (every second segment) halve the
  // datagrams spent on ACKs; at 64 KiB an ACK is cheap beside its segments
  // and immediate ones keep the few segments of a window flowing.
  const big = mtu > 9000;
  const config = {
    recvBufferSize: big ? 2 << 20 : 1 << 20,
    sendBufferSize: big ? 4 << 20 : 2 << 20,
    delayedAck: big ? 0 : 40,
    rtt: { initialRto: 200, minRto: 50, maxRto: 5000 },
  };
  const a = UdpLink.open({ addr: "10.0.0.1", impairments: { mtu }, config });
  const b = UdpLink.open({ addr: "10.0.0.2", impairments: { mtu }, config });
  a.addPeer("10.0.0.2", b.udpAddr);
  b.addPeer("10.0.0.1", a.udpAddr);
  try {
    await a.setBufferSize(4 << 20);
    await b.setBufferSize(4 << 20);
    const listener = b.listen(80);
    const client = await a.connect("10.0.0.2", 80);
    const server = await listener.accept();
    const chunk = new Uint8Array(256 * 1024);
    const start = performance.now();
    const sentBefore = a.stats.sent;
    const writer = (async () => {
      for (let sent = 0; sent < bytes; sent += chunk.length) await client.writeAll(chunk);
    })();
    const got = await drain(server, bytes);
    await writer;
    const seconds = (performance.now() - start) / 1000;
    const dgrams = (a.stats.sent - sentBefore) / seconds;
    client.close();
    server.close();
    listener.close();
    return { rate: got / seconds, dgrams };
  } finally {
    await a.close();
    await b.close();
  }
}

/** Deno's raw UDP datagram rate on loopback, awaiting each send. */
async function rawUdp(size: number, budgetMs: number): Promise<number> {
  const rx = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const tx = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const { hostname, port } = rx.addr as Deno.NetAddr;
  const to = { transport: "udp" as const, hostname, port };
  let received = 0, done = false;
  const reader = (async () => {
    try {
      while (!done) {
        await rx.receive();
        received++;
      }
    } catch { /* closed */ }
  })();
  const payload = new Uint8Array(size);
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < budgetMs) {
    await tx.send(payload, to);
    sent++;
  }
  const seconds = (performance.now() - start) / 1000;
  done = true;
  await new Promise((r) => setTimeout(r, 20));
  tx.close();
  rx.close();
  await reader;
  return Math.min(sent, received) / seconds;
}

/** The kernel's TCP over loopback with 256 KiB writes, bytes/s. */
async function kernelTcp(bytes: number): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const accepting = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port });
  const server = await accepting;
  const chunk = new Uint8Array(256 * 1024);
  const start = performance.now();
  const writer = (async () => {
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      for (let off = 0; off < chunk.length;) off += await client.write(chunk.subarray(off));
    }
  })();
  const got = await drain(server, bytes);
  await writer;
  const seconds = (performance.now() - start) / 1000;
  client.close();
  server.close();
  listener.close();
  return got / seconds;
}

/** Runs every measurement and formats the report. */
export async function benchTcp(): Promise<string> {
  const rows: string[][] = [];
  // Warm up the JIT, then take the median of three runs (the machine is shared).
  simBulk(65535, 32 * MB);
  simBulk(1500, 32 * MB);
  const median = (f: () => number) => [f(), f(), f()].sort((x, y) => x - y)[1];
  const simSmall = median(() => simBulk(1500, 32 * MB));
  const simBig = median(() => simBulk(65535, 64 * MB));
  rows.push(["sim, lossless, MTU 1500", `${(simSmall / MB).toFixed(0)} MB/s`, ""]);
  rows.push(["sim, lossless, MTU 65535", `${(simBig / MB).toFixed(0)} MB/s`, ""]);

  // Each peer runs right after socklab's run it is compared with; medians of three.
  const link1500s = [], raw1500s = [], link64ks = [], raw64ks = [], kernels = [];
  await udpLinkBulk(65507, 16 * MB); // warm up the JIT
  for (let i = 0; i < 3; i++) {
    link1500s.push(await udpLinkBulk(1500, 8 * MB));
    raw1500s.push(await rawUdp(1500, 300));
    link64ks.push(await udpLinkBulk(65507, 64 * MB));
    raw64ks.push(await rawUdp(65507, 300));
    kernels.push(await kernelTcp(256 * MB));
  }
  const mid = <T>(xs: T[], key: (x: T) => number) => xs.sort((x, y) => key(x) - key(y))[1];
  const link1500 = mid(link1500s, (r) => r.dgrams);
  const raw1500 = mid(raw1500s, (r) => r);
  const link64k = mid(link64ks, (r) => r.rate);
  const raw64k = mid(raw64ks, (r) => r);
  const kernel = mid(kernels, (r) => r);
  rows.push([
    "UDP link, MTU 1500",
    `${(link1500.rate / MB).toFixed(1)} MB/s`,
    `${link1500.dgrams.toFixed(0)} datagrams/s`,
  ]);
  rows.push(["Deno raw UDP, 1500 B, await each send", "", `${raw1500.toFixed(0)} datagrams/s`]);
  rows.push([
    "UDP link, MTU 65507",
    `${(link64k.rate / MB).toFixed(1)} MB/s`,
    `${link64k.dgrams.toFixed(0)} datagrams/s`,
  ]);
  rows.push([
    "Deno raw UDP, 65507 B, await each send",
    `${(raw64k * 65507 / MB).toFixed(1)} MB/s`,
    `${raw64k.toFixed(0)} datagrams/s`,
  ]);
  rows.push(["kernel TCP loopback, 256 KiB writes", `${(kernel / MB).toFixed(0)} MB/s`, ""]);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  return [
    table(["transfer", "goodput", "datagrams"], rows),
    "",
    `sim lossless (MTU 65535) vs target 1 GB/s:            ${ratio(simBig, 1e9)}`,
    `UDP link datagrams vs raw UDP datagrams, 1500 B:      ${
      ratio(link1500.dgrams, raw1500)
    } (target 0.8x)`,
    `UDP link datagrams vs raw UDP datagrams, 65507 B:     ${ratio(link64k.dgrams, raw64k)}`,
    `UDP link (MTU 65507) vs kernel TCP over loopback:     ${
      ratio(link64k.rate, kernel)
    } (target 0.25x)`,
  ].join("\n");
}

if (import.meta.main) console.log(await benchTcp());
