// Unix stream sockets: the TCP API over a file path instead of an IP
// address and port, for processes on one machine. Server and client in one
// program.
//
//   deno run -A examples/unix_stream_echo.ts
import { connect, listen } from "../deno/net/mod.ts";

const dir = await Deno.makeTempDir();
const path = `${dir}/echo.sock`; // at most 107 bytes: sockaddr_un's limit

// The server: the socket file appears on listen() and goes on close().
const server = listen({ path });
const serving = (async () => {
  await using conn = await server.accept();
  const text = await new Response(conn.readable).text(); // until the client's FIN
  await conn.writeAll(new TextEncoder().encode(text.toUpperCase()));
})();

await using conn = await connect({ path });
await conn.writeAll(new TextEncoder().encode("over a unix socket"));
await conn.closeWrite(); // half-close works on unix streams too
console.log(`reply: ${await new Response(conn.readable).text()}`);

await serving;
server.close(); // removes the socket file
await Deno.remove(dir, { recursive: true });
