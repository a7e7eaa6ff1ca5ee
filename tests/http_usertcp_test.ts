// socklab's HTTP server and client on socklab's own user-space TCP, through
// deno/link's real-time driver (TcpDriver, TcpListener, TcpConn): no kernel TCP
// between them. Two links carry the segments: two drivers handing segments
// to each other in memory, and deno/link's UDP link on loopback (IPv4
// packets with real checksums in UDP datagrams).
import assert from "node:assert/strict";
import { TcpStack } from "../deno/tcp/stack.ts";
import { TcpDriver } from "../deno/link/driver.ts";
import { UdpLink } from "../deno/link/udp.ts";
import { serve } from "../deno/http/server.ts";
import { fetchOver, HttpClient } from "../deno/http/client.ts";

const FAST = { rtt: { initialRto: 100, minRto: 20, maxRto: 2000 }, msl: 50 };

/** Two drivers joined back to back: every segment one sends, the other receives. */
function memoryPair() {
  let segments = 0;
  const server: TcpDriver = new TcpDriver(new TcpStack("10.0.0.1", FAST), (s) => {
    segments++;
    queueMicrotask(() => client.receive(s));
  });
  const client: TcpDriver = new TcpDriver(new TcpStack("10.0.0.2", FAST), (s) => {
    segments++;
    queueMicrotask(() => server.receive(s));
  });
  return {
    server,
    client,
    get segments() {
      return segments;
    },
    [Symbol.dispose]() {
      server.close();
      client.close();
    },
  };
}

/** Answers with what it saw: method, path, body length, the client's address. */
async function echo(req: Request, info: Deno.ServeHandlerInfo | { remoteAddr: unknown }) {
  const body = req.body ? new Uint8Array(await req.arrayBuffer()) : new Uint8Array();
  const from = (info.remoteAddr as { hostname?: string }).hostname ?? "?";
  return new Response(`${req.method} ${new URL(req.url).pathname} ${body.length} from ${from}`);
}

Deno.test("serve() on TcpListener answers HttpClient on TcpConn: keep-alive, a 300 kB upload", async () => {
  using pair = memoryPair();
  const http = serve({ listener: pair.server.listen(80) }, echo);
  try {
    const conn = await pair.client.connect("10.0.0.1", 80);
    const client = new HttpClient(conn);
    const first = await client.fetch("http://10.0.0.1/hello");
    assert.equal(await first.text(), "GET /hello 0 from 10.0.0.2");
    // A body larger than the receive window, so flow control and window updates take part.
    const big = new Uint8Array(300_000).fill(7);
    const second = await client.fetch("http://10.0.0.1/upload", { method: "POST", body: big });
    assert.equal(await second.text(), "POST /upload 300000 from 10.0.0.2");
    assert.equal(conn.socket.state, "ESTABLISHED"); // one connection carried both
    assert.ok(pair.segments > 10);
    client.close();
  } finally {
    await http.shutdown();
  }
});

Deno.test("serve() on TcpListener streams a chunked response and answers pipelined requests in order", async () => {
  using pair = memoryPair();
  const http = serve({ listener: pair.server.listen(80) }, (req) => {
    const path = new URL(req.url).pathname;
    if (path !== "/stream") return new Response(path);
    let i = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (i === 3) return c.close();
          c.enqueue(new TextEncoder().encode(`part${i++};`));
        },
      }),
    );
  });
  try {
    const streamed = await fetchOver(
      await pair.client.connect("10.0.0.1", 80),
      "http://10.0.0.1/stream",
    );
    assert.equal(streamed.headers.get("transfer-encoding"), "chunked");
    assert.equal(await streamed.text(), "part0;part1;part2;");

    // Three requests in one write; the answers come back in order on the same connection.
    const conn = await pair.client.connect("10.0.0.1", 80);
    const req = (p: string, last = false) =>
      `GET ${p} HTTP/1.1\r\nhost: 10.0.0.1\r\n${last ? "connection: close\r\n" : ""}\r\n`;
    await conn.writeAll(new TextEncoder().encode(req("/a") + req("/b") + req("/c", true)));
    const chunks: string[] = [];
    const buf = new Uint8Array(4096);
    const decoder = new TextDecoder();
    for (let n; (n = await conn.read(buf)) !== null;) {
      chunks.push(decoder.decode(buf.subarray(0, n)));
    }
    const bodies = chunks.join("").split("\r\n\r\n").slice(1).map((s) => s.slice(0, 2));
    assert.deepEqual(bodies, ["/a", "/b", "/c"]);
    conn.close();
  } finally {
    await http.shutdown();
  }
});

Deno.test("serve() on TcpListener shuts down gracefully: the request in flight finishes", async () => {
  using pair = memoryPair();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const http = serve({ listener: pair.server.listen(80) }, async () => {
    entered();
    await gate;
    return new Response("finished");
  });
  const conn = await pair.client.connect("10.0.0.1", 80);
  const pending = fetchOver(conn, "http://10.0.0.1/slow");
  await inHandler;
  const stopped = http.shutdown();
  release();
  const res = await pending;
  assert.equal(await res.text(), "finished");
  assert.equal(res.headers.get("connection"), "close");
  await stopped;
  // The listener is gone: a new connection is refused.
  await assert.rejects(pair.client.connect("10.0.0.1", 80));
});

Deno.test("serve() and fetchOver() run over socklab's TCP on the UDP link (loopback)", async () => {
  const a = UdpLink.open({ addr: "10.0.0.1", config: FAST });
  const b = UdpLink.open({ addr: "10.0.0.2", config: FAST, peers: { "10.0.0.1": a.udpAddr } });
  a.addPeer("10.0.0.2", b.udpAddr);
  const http = serve({ listener: b.listen(8080) }, echo);
  try {
    const conn = await a.connect("10.0.0.2", 8080);
    const client = new HttpClient(conn);
    const body = new Uint8Array(200_000).fill(1);
    const res = await client.fetch("http://10.0.0.2:8080/up", { method: "PUT", body });
    assert.equal(await res.text(), "PUT /up 200000 from 10.0.0.1");
    const again = await client.fetch("http://10.0.0.2:8080/again");
    assert.equal(await again.text(), "GET /again 0 from 10.0.0.1");
    assert.ok(a.stats.sent > 10 && b.stats.received > 10);
    assert.equal(a.stats.rejected + b.stats.rejected, 0);
    client.close();
  } finally {
    await http.shutdown();
    await a.close();
    await b.close();
  }
});
