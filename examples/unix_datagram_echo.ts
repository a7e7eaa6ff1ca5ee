// Unix datagram sockets: message boundaries like UDP, reliable and in order
// like a pipe, addressed by file path. A client must bind a path of its own
// to be answered. (Opened through libc: needs --allow-ffi, which -A gives.)
//
//   deno run -A examples/unix_datagram_echo.ts
import { listenDatagram } from "../deno/net/mod.ts";

const dir = await Deno.makeTempDir();

const server = listenDatagram({ path: `${dir}/server.sock` });
const serving = (async () => {
  for await (const { data, from } of server) {
    console.log(
      `server: "${new TextDecoder().decode(data)}" from ${
        from.family === "unix" ? from.path : "?"
      }`,
    );
    await server.send(data.reverse(), from);
  }
})();

{
  await using client = listenDatagram({ path: `${dir}/client.sock` });
  for (const word of ["stressed", "drawer", "live"]) {
    await client.send(new TextEncoder().encode(word), server.addr);
    console.log(`client: ${new TextDecoder().decode((await client.receive()).data)}`);
  }
}

server.close();
await serving;
await Deno.remove(dir, { recursive: true });
