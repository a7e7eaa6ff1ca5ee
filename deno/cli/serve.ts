// `socklab serve`: socklab's own HTTP/1.1 server (deno/http/) with a demo
// page, an echo endpoint and the static file handler, on TCP, a unix socket
// or HTTPS, or on socklab's own TCP/IP over a TUN link (--tun). Ctrl-C shuts
// it down gracefully.
import { formatAddr } from "../net/addr.ts";
import type { InetAddr } from "../net/types.ts";
import type { TunLink } from "../link/tun.ts";
import { serve } from "../http/server.ts";
import { serveDir } from "../http/static.ts";
import { playgroundHandler } from "../playground/mod.ts";
import { benchPageHandler } from "./_bench_page.ts";
import {
  bytesValue,
  durationValue,
  intValue,
  parseFlags,
  portValue,
  type Subcommand,
  UsageError,
} from "./_args.ts";
import {
  type Capture,
  linkLines,
  linkSummary,
  openTun,
  TUN_FLAGS,
  TUN_USAGE,
  tunOptions,
} from "./_tun.ts";

const usage = `Usage: socklab serve [flags]

Serves HTTP/1.1 with socklab's own server (not Deno.serve):

  /          a demo page
  /playground  socklab's own TCP running in your browser: ladder, state diagram, plots
  /bench     the core's checksum benchmark, run in your browser
  /echo      answers with the request it received (method, target, headers, body)
  /files/    the files under --root, with listings, ranges and validators

Flags:
  -p, --port N            TCP port (default 8000; 0 picks a free one)
      --hostname ADDR     address to bind (default 127.0.0.1)
      --unix PATH         listen on a unix socket instead of TCP
      --cert FILE         PEM certificate: serve HTTPS (with --key)
      --key FILE          PEM private key
      --root DIR          folder served under /files/ (default .)
      --io MODE           how TCP sockets are driven: io_uring, epoll or runtime
                          (default: the fastest this machine allows)
      --max-connections N most open connections (default 10000)
      --header-timeout T  time to send a request head (default 10s)
      --idle-timeout T    keep-alive idle time (default 5s)
      --max-body SIZE     largest request body (default 16MiB)
  -q, --quiet             no access log
      --json              with --tun: print the link as JSON lines, not text
  -h, --help              this help

With --tun, the server runs on socklab's own TCP/IP instead of the kernel's
(port 80 unless --port says otherwise), and the kernel reaches it through the
interface; at the end it says what the link did.

${TUN_USAGE}
Examples:
  $ socklab serve --port 8080 --root ./examples
  listening on http://127.0.0.1:8080/
  io: io_uring

  $ sudo ip netns exec demo socklab serve --tun tun0 --address 10.0.0.2/24
  tun0: socklab 10.0.0.2/24, kernel 10.0.0.1
  listening on http://10.0.0.2/
`;

function demoPage(root: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>socklab serve</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42em;margin:2em auto;padding:0 1em}
code{background:#f3f3f3;padding:0 .2em}</style></head>
<body><h1>socklab serve</h1>
<p>This page came from socklab's own HTTP/1.1 server: a parser in the style of
picohttpparser and a connection loop written on socklab's stream sockets, not on
<code>Deno.serve</code>. Every byte of it can be read in <code>deno/http/</code>.</p>
<ul>
<li><a href="/playground"><strong>/playground</strong></a>: socklab's own TCP runs on a
simulated network (loss, reordering, corruption, zero windows) and draws every segment and
state change: the handshake, the teardown, retransmissions, TIME-WAIT.</li>
<li><a href="/bench"><strong>/bench</strong></a>: the WASM core's checksums measured in
your browser beside plain JavaScript, with the ratios.</li>
<li><a href="/echo">/echo</a> shows the request exactly as the server parsed it.</li>
<li><a href="/files/">/files/</a> lists <code>${root.replace(/[&<>"]/g, "")}</code>
(ranges, ETag, If-None-Match all work: try <code>curl -r 0-99</code>).</li>
</ul>
<p>Try it with <code>curl -v</code>, <code>ab</code>, <code>wrk</code> or
<code>h2load --h1</code>.</p>
</body></html>
`;
}

export const command: Subcommand = {
  summary: "HTTP/1.1 server on socklab's sockets: demo page, echo, static files",
  usage,
  async main(args, io) {
    const { values } = parseFlags("serve", args, {
      port: { type: "string", short: "p" },
      hostname: { type: "string" },
      unix: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      root: { type: "string" },
      "max-connections": { type: "string" },
      "header-timeout": { type: "string" },
      "idle-timeout": { type: "string" },
      "max-body": { type: "string" },
      io: { type: "string" },
      quiet: { type: "boolean", short: "q" },
      json: { type: "boolean" },
      ...TUN_FLAGS,
    }, 0);
    const tun = tunOptions("serve", values);
    if (tun) {
      for (const flag of ["hostname", "unix", "cert", "io"] as const) {
        if (values[flag] !== undefined) {
          throw new UsageError(`serve: --${flag} does not go with --tun (socklab's TCP serves it)`);
        }
      }
    } else if (values.json) {
      throw new UsageError("serve: --json describes the TUN link: it needs --tun");
    }
    if ((values.cert === undefined) !== (values.key === undefined)) {
      throw new UsageError("serve: --cert and --key go together");
    }
    if (values.unix !== undefined && values.cert !== undefined) {
      throw new UsageError("serve: HTTPS is served on TCP only; drop --unix or --cert");
    }
    const port = values.port === undefined
      ? (tun ? 80 : 8000)
      : portValue("port", values.port as string);
    const ioMode = values.io as string | undefined;
    if (ioMode !== undefined && !["io_uring", "epoll", "runtime"].includes(ioMode)) {
      throw new UsageError(`serve: --io ${ioMode} is not one of io_uring, epoll, runtime`);
    }
    const root = (values.root as string | undefined) ?? ".";
    try {
      if (!(await Deno.stat(root)).isDirectory) throw new Error();
    } catch {
      throw new UsageError(`serve: --root ${root} is not a folder`);
    }
    const [cert, key] = values.cert === undefined ? [undefined, undefined] : await Promise.all([
      Deno.readTextFile(values.cert as string),
      Deno.readTextFile(values.key as string),
    ]);
    const json = values.json === true;
    const quiet = values.quiet === true || json;
    const encoder = new TextEncoder();
    const log = io.stdout.getWriter();
    const say = (line: string) => log.write(encoder.encode(line + "\n")).catch(() => {});

    const controller = new AbortController();
    const stop = () => controller.abort();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    const scheme = cert ? "https" : "http";
    let link: TunLink | null = null;
    let capture: Capture | null = null;
    try {
      if (tun) {
        ({ link, capture } = await openTun("serve", tun));
        if (json) {
          await say(JSON.stringify({ tun: link.name, addresses: link.addresses, port }));
        } else for (const line of linkLines(link)) await say(line);
      }
      const server = serve({
        ...(link ? { listener: link.listen(port) } : {}),
        port,
        hostname: (values.hostname as string | undefined) ?? "127.0.0.1",
        ...(values.unix !== undefined
          ? { transport: "unix" as const, path: values.unix as string }
          : {}),
        cert,
        key,
        io: ioMode as "io_uring" | "epoll" | "runtime" | undefined,
        signal: controller.signal,
        maxConnections: values["max-connections"] === undefined
          ? undefined
          : intValue("max-connections", values["max-connections"] as string, 1, 1e6),
        headerTimeout: values["header-timeout"] === undefined
          ? undefined
          : durationValue("header-timeout", values["header-timeout"] as string),
        idleTimeout: values["idle-timeout"] === undefined
          ? undefined
          : durationValue("idle-timeout", values["idle-timeout"] as string),
        maxBodySize: values["max-body"] === undefined
          ? undefined
          : bytesValue("max-body", values["max-body"] as string),
        onListen: (addr) => {
          if (link) {
            // socklab's TCP listens on every address of the link.
            for (const { socklab } of link.addresses) {
              const at: InetAddr = {
                family: socklab.includes(":") ? "inet6" : "inet",
                hostname: socklab,
                port,
              };
              if (!json) say(`listening on ${urlOf(at)}`);
            }
            return;
          }
          const where = addr.family === "unix"
            ? `unix:${addr.path}`
            : `${scheme}://${formatAddr(addr)}/`;
          say(`listening on ${where}`);
        },
        trace: quiet ? undefined : (e) => {
          if (e.type === "request") say(`${e.status} ${e.method} ${e.target}`);
          else if (e.type === "reject") say(`${e.status} rejected: ${e.reason}`);
          else if (e.type === "error") say(`error: ${(e.error as Error)?.message ?? e.error}`);
        },
      }, async (request, info) => {
        const url = new URL(request.url);
        const page = await playgroundHandler(request) ?? await benchPageHandler(request);
        if (page) return page;
        if (url.pathname === "/") {
          return new Response(demoPage(root), {
            headers: { "content-type": "text/html; charset=utf-8" },
          });
        }
        if (url.pathname === "/echo") {
          const lines = [`${request.method} ${url.pathname}${url.search}`];
          for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
          const from = info.remoteAddr;
          lines.push(`(from ${from.family === "unix" ? "unix socket" : formatAddr(from)})`);
          const body = request.body ? await request.text() : "";
          return new Response(lines.join("\n") + "\n\n" + body);
        }
        // The folder under /files/ (the prefix compared decoded, as the rest of the path);
        // anything else is a 404 from serveDir too.
        return serveDir(request, { root, urlRoot: "files" });
      });
      if (!link) say(`io: ${server.io}`);
      await server.finished;
      if (link) {
        await link.close();
        if (json) await say(JSON.stringify({ stopped: true, stats: link.stats }));
        else for (const line of linkSummary(link)) await say(line);
      }
      if (!json) await say("stopped");
      return 0;
    } finally {
      await link?.close();
      capture?.close();
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      log.releaseLock();
    }
  },
};

/** "http://10.0.0.2/", "http://[fd00::2]:8080/": the URL of a server at `addr` (port 80 left out). */
function urlOf(addr: InetAddr): string {
  const host = addr.family === "inet6" ? `[${addr.hostname}]` : addr.hostname;
  return `http://${host}${addr.port === 80 ? "" : `:${addr.port}`}/`;
}
