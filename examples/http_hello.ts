// socklab's HTTP/1.1 server on kernel TCP: the same handler Deno.serve takes.
//
//   deno run -A examples/http_hello.ts [PORT]
//   curl -v http://127.0.0.1:8000/
//
// Ctrl-C shuts it down gracefully: requests in flight finish first.
import { serve } from "../deno/http/mod.ts";

const controller = new AbortController();
Deno.addSignalListener("SIGINT", () => controller.abort());

const server = serve({
  port: Number(Deno.args[0] ?? 8000),
  signal: controller.signal,
  onListen: (addr) => console.log("listening on", addr),
  trace: (e) => e.type === "request" && console.log(e.status, e.method, e.target),
}, (request, info) => {
  const from = info.remoteAddr.family === "unix" ? "a unix socket" : info.remoteAddr.hostname;
  return new Response(`hello ${from}, you asked for ${new URL(request.url).pathname}\n`);
});
await server.finished;
console.log("stopped");
