// The server on a unix stream socket, and socklab's client asking it three
// questions over one kept-alive connection.
//
//   deno run -A examples/http_unix.ts
//   (or, while it runs: curl --unix-socket /tmp/socklab-http.sock http://x/)
import { HttpClient, serve } from "../deno/http/mod.ts";

const path = `/tmp/socklab-http-${Deno.pid}.sock`;
const server = serve({ transport: "unix", path }, async (req) => {
  const body = req.body ? await req.text() : "";
  return new Response(`${req.method} ${new URL(req.url).pathname} ${body}`.trim() + "\n");
});

const client = new HttpClient(await Deno.connect({ transport: "unix", path }));
for (const [method, target, body] of [["GET", "/a"], ["POST", "/b", "some body"], ["GET", "/c"]]) {
  const res = await client.fetch(`http://localhost${target}`, { method, body });
  console.log(res.status, (await res.text()).trim());
}
client.close();
await server.shutdown();
