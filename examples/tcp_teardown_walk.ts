// Watch the kernel walk both ends of a TCP connection through the four-way
// teardown (RFC 9293 §3.6), read live from /proc/net/tcp. Linux only.
//
//   deno run -A examples/tcp_teardown_walk.ts
//
// The client half-closes first (its FIN), so it is the "active closer":
//   client  ESTABLISHED → FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT
//   server  ESTABLISHED → CLOSE-WAIT → LAST-ACK → (gone)
// On loopback an ACK comes back in microseconds, so FIN-WAIT-1 would pass
// unseen. To make it visible the server reads slowly: the client's FIN
// queues behind unsent data, and the client sits in FIN-WAIT-1 until the
// server has read enough for the FIN to go out and be acknowledged.
import { connect, listen } from "../deno/net/mod.ts";
import { type KernelSocket, kernelState } from "../deno/net/procnet.ts";

const server = listen({ hostname: "127.0.0.1", port: 0 });
const accepted = server.accept();
const client = await connect(server.addr);
const peer = await accepted;
server.close(); // one connection is all we need
const clientPort = client.localAddr.family === "inet" ? client.localAddr.port : 0;

// Prints a line whenever either end's state changes.
const start = performance.now();
const last = { client: "", server: "" };
const seen = new Set<string>();
// One look at a time, in the order asked, so lines never come out of order.
let looking = Promise.resolve();
function look(note = ""): Promise<void> {
  looking = looking.then(() => lookNow(note));
  return looking;
}
async function lookNow(note: string): Promise<void> {
  const entries = await kernelState(client, { bothEnds: true });
  const portOf = (s: KernelSocket) => s.local.family === "inet" ? s.local.port : -1;
  const now = {
    client: entries.find((s) => portOf(s) === clientPort)?.state ?? "(gone)",
    server: entries.find((s) => portOf(s) !== clientPort)?.state ?? "(gone)",
  };
  if (now.client !== last.client || now.server !== last.server || note) {
    const queue = entries.find((s) => portOf(s) === clientPort)?.sendQueue ?? 0;
    const ms = (performance.now() - start).toFixed(1).padStart(7);
    console.log(
      `${ms} ms  client ${now.client.padEnd(12)} server ${now.server.padEnd(12)}` +
        ` client send-queue ${String(queue).padStart(7)}  ${note}`,
    );
    Object.assign(last, now);
    seen.add(now.server);
  }
}

await look("connected");

// 1. The server reads slowly, so unread data piles up in both kernels.
const buf = new Uint8Array(16 * 1024);
let total = 0;
const reading = (async () => {
  for (let n; (n = await peer.read(buf)) !== null;) {
    total += n;
    await new Promise((r) => setTimeout(r, 2));
  }
})();

// 2. The client sends 2 MB, then half-closes: its FIN waits in the send
//    queue behind the data the slow server has not taken yet.
const watching = (async () => {
  for (let i = 0; i < 20_000 && last.server !== "CLOSE-WAIT"; i++) {
    await look();
    await new Promise((r) => setTimeout(r, 1));
  }
})();
await client.writeAll(new Uint8Array(2 * 1024 * 1024));
await client.closeWrite();
await look("client: closeWrite() (FIN queued behind the data)");
await Promise.all([reading, watching]);
await look(`server: read ${total} bytes and the FIN (read() returned null)`);

// 3. The server closes: its FIN; the client ACKs it and enters TIME-WAIT.
peer.close();
for (let i = 0; i < 200 && last.client !== "TIME-WAIT"; i++) {
  await look(i === 0 ? "server: close() (its FIN)" : "");
  await new Promise((r) => setTimeout(r, 1));
}
client.close();
if (!seen.has("LAST-ACK")) {
  console.log(
    "\n(The server's LAST-ACK lasted one loopback round trip, too short to catch this time.)",
  );
}
const [timeWait] = (await kernelState(client)).filter((s) => s.state === "TIME-WAIT");
console.log(
  timeWait
    ? `\nThe client's kernel keeps the pair in TIME-WAIT for ${timeWait.timer?.ms} ms more ` +
      `(2×MSL on Linux is 60 s), so late segments of this connection cannot\n` +
      `be taken for a new one. Watch it with: deno task socklab ss -t -p ${clientPort}`
    : "\nThe TIME-WAIT entry is already gone.",
);
