// UDP echo, server and client in one program. Datagrams keep their
// boundaries: three sends are three receives, never merged or split.
//
//   deno run -A examples/udp_echo.ts
import { formatAddr, listenDatagram } from "../deno/net/mod.ts";

// The server: bind a port and answer each datagram to whoever sent it.
const server = listenDatagram({ hostname: "127.0.0.1", port: 0 });
const serving = (async () => {
  for await (const { data, from } of server) { // ends when the server closes
    console.log(`server: ${data.length} bytes from ${formatAddr(from)}`);
    await server.send(data, from);
  }
})();

// The client: its own socket (port 0: the kernel picks one).
await using client = listenDatagram({ hostname: "127.0.0.1", port: 0 });
for (const text of ["one", "two, a bit longer", "three"]) {
  await client.send(new TextEncoder().encode(text), server.addr);
  // UDP may lose datagrams: never wait forever for an answer.
  const { data } = await client.receive({ timeout: 2000 });
  console.log(`client: echo "${new TextDecoder().decode(data)}"`);
}

server.close();
await serving;
