// A TCP echo server: bind a well-known port, listen, accept connections and
// send every byte back, one task per connection.
//
//   deno run -A examples/tcp_echo_server.ts [port]      (default 7, as RFC 862 says;
//                                                         ports below 1024 need root)
//   deno run -A examples/tcp_echo_client.ts 127.0.0.1 7 "hello"
import { listen } from "../deno/net/mod.ts";
import { formatAddr } from "../deno/net/addr.ts";

const port = Number(Deno.args[0] ?? 7);

// socket() + bind() + listen(): "::" accepts IPv6 and, on Linux, IPv4 too.
const server = listen({ hostname: "::", port });
console.log(`echo server listening on ${formatAddr(server.addr)}`);

// accept() in a loop; each connection gets its own task so one slow client
// does not hold up the others.
for await (const conn of server) {
  (async () => {
    await using c = conn; // closed when this task ends
    console.log(`${formatAddr(c.remoteAddr)} connected`);
    const buf = new Uint8Array(16 * 1024);
    let total = 0;
    // read() returns null at the client's FIN: it has nothing more to send.
    for (let n; (n = await c.read(buf)) !== null;) {
      await c.writeAll(buf.subarray(0, n));
      total += n;
    }
    // Our FIN: half-close back, so the client's read() ends too.
    await c.closeWrite();
    console.log(`${formatAddr(c.remoteAddr)} done after ${total} bytes`);
  })().catch((error) => console.error(`connection failed: ${error.message}`));
}
