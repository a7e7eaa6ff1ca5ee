// The static file handler: listings, ranges and validators for a folder.
//
//   deno run -A examples/http_static.ts [FOLDER] [PORT]
//   curl -r 0-99 -i http://127.0.0.1:8000/README.md
import { serve, serveDir } from "../deno/http/mod.ts";

const root = Deno.args[0] ?? ".";
const controller = new AbortController();
Deno.addSignalListener("SIGINT", () => controller.abort());
const server = serve({
  port: Number(Deno.args[1] ?? 8000),
  signal: controller.signal,
  onListen: (addr) => console.log(`serving ${root} on`, addr),
}, (request) => serveDir(request, { root }));
await server.finished;
