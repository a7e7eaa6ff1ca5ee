// A TCP echo client: connect, send a message, half-close (our FIN says
// "that was everything"), then read the echo until the server's FIN.
//
//   deno run -A examples/tcp_echo_client.ts [host] [port] [message]
import { connect, ConnectionRefused, TimedOut } from "../deno/net/mod.ts";

const [host = "127.0.0.1", port = "7", message = "hello, echo"] = Deno.args;

try {
  // socket() + connect(), giving up after 3 seconds.
  await using conn = await connect({ hostname: host, port: Number(port), timeout: 3000 });
  console.log(`connected ${conn}`);
  await conn.writeAll(new TextEncoder().encode(message));
  await conn.closeWrite(); // shutdown(SHUT_WR): the first FIN of the teardown
  // Reading to the end: the stream ends at the server's FIN.
  console.log(`echoed: ${await new Response(conn.readable).text()}`);
} catch (error) {
  // Typed errors say what went wrong and where.
  if (error instanceof ConnectionRefused || error instanceof TimedOut) {
    console.error(error.message); // "connect to 127.0.0.1:7: connection refused"
    Deno.exit(1);
  }
  throw error;
}
