// socklab's TCP between two processes, carried in UDP datagrams on loopback
// (no root needed). One process serves an echo on virtual 10.0.0.2 port 7;
// the other connects from 10.0.0.1.
//
//   deno run -A examples/tcp_udp_echo.ts serve            # prints its UDP port
//   deno run -A examples/tcp_udp_echo.ts connect PORT "hello"
//
// `serve --peer HOST:PORT` knows the client's UDP address up front (the test
// uses this); without it the server learns nothing and the client must be
// started with the server's port, so the server routes 10.0.0.1 to the UDP
// port given by --client-port (default 47001, which connect binds).
import { UdpLink } from "../deno/link/udp.ts";

const [mode, ...rest] = Deno.args;
const CLIENT_PORT = 47001;

if (mode === "serve") {
  const i = rest.indexOf("--peer");
  const peer = i >= 0 ? rest[i + 1] : `127.0.0.1:${CLIENT_PORT}`;
  const [hostname, port] = peer.split(":");
  const link = UdpLink.open({
    addr: "10.0.0.2",
    peers: { "10.0.0.1": { hostname, port: Number(port) } },
  });
  const listener = link.listen(7);
  console.log(`echo on 10.0.0.2:7, udp port ${link.udpAddr.port}`);
  // Serve one connection: echo until the peer's FIN, then close.
  const conn = await listener.accept();
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) await conn.writeAll(buf.subarray(0, n));
  await conn.closeWrite();
  // Linger for the peer's FIN-ACK exchange, bounded.
  const until = performance.now() + 2000;
  while (
    conn.socket.state !== "CLOSED" && conn.socket.state !== "TIME-WAIT" && performance.now() < until
  ) {
    await new Promise((r) => setTimeout(r, 10));
  }
  conn.close();
  listener.close();
  await link.close();
} else if (mode === "connect") {
  const [port, message = "hello over socklab TCP"] = rest;
  if (!port) {
    console.error("usage: tcp_udp_echo.ts connect SERVER_UDP_PORT [MESSAGE]");
    Deno.exit(2);
  }
  const link = UdpLink.open({
    addr: "10.0.0.1",
    bind: { port: CLIENT_PORT },
    peers: { "10.0.0.2": { hostname: "127.0.0.1", port: Number(port) } },
  });
  const conn = await link.connect("10.0.0.2", 7);
  await conn.writeAll(new TextEncoder().encode(message));
  await conn.closeWrite();
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) {
    await Deno.stdout.write(buf.subarray(0, n));
  }
  console.log();
  conn.close();
  await link.close();
} else {
  console.error(
    "usage: tcp_udp_echo.ts serve [--peer HOST:PORT] | connect SERVER_UDP_PORT [MESSAGE]",
  );
  Deno.exit(2);
}
