// `socklab fetch`: an HTTP/1.1 client (deno/http/client.ts) that downloads
// one URL, over socklab's own TCP/IP on a TUN link (--tun), or over the
// kernel's TCP without it. The body goes to standard output or -o FILE;
// with -o, a progress line goes to standard error when that is a terminal.
import { createHash } from "node:crypto";
import { HttpClient } from "../http/client.ts";
import type { TunLink } from "../link/tun.ts";
import { connect } from "../net/stream.ts";
import type { Conn } from "../net/types.ts";
import { TcpConn } from "../link/driver.ts";
import { withProgress } from "./_progress.ts";
import {
  durationValue,
  fileErrorReason,
  parseFlags,
  type Subcommand,
  UsageError,
  write,
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

const usage = `Usage: socklab fetch [flags] URL

Downloads URL (http:// with a numeric host, or any host name without --tun)
with socklab's HTTP/1.1 client: over socklab's own TCP/IP on a TUN link with
--tun, else over the kernel's TCP. The body goes to standard output, or to
FILE with -o; progress goes to standard error when it is a terminal. The exit
code is 0 for a 2xx answer, 1 otherwise.

Flags:
  -o, --output FILE       write the body to FILE (and a summary to standard error)
      --timeout TIME      give up if the download takes longer (default 5m)
      --json              with -o: print a JSON summary on standard output
  -h, --help              this help

${TUN_USAGE}
Examples:
  $ socklab fetch http://127.0.0.1:8000/ -o page.html
  $ sudo ip netns exec demo socklab fetch --tun tun0 --address 10.0.0.2/24 \\
        http://10.0.0.1:8000/big.bin -o big.bin
`;

export const command: Subcommand = {
  summary: "download a URL with socklab's HTTP client, over a TUN link with --tun",
  usage,
  async main(args, io) {
    const { values, positionals } = parseFlags("fetch", args, {
      output: { type: "string", short: "o" },
      timeout: { type: "string" },
      json: { type: "boolean" },
      ...TUN_FLAGS,
    }, 1);
    if (positionals.length !== 1) throw new UsageError("fetch: give one URL");
    let url: URL;
    try {
      url = new URL(positionals[0]);
    } catch {
      throw new UsageError(`fetch: "${positionals[0]}" is not a URL`);
    }
    if (url.protocol !== "http:") {
      throw new UsageError(`fetch: only http:// URLs (socklab's client has no TLS), got ${url}`);
    }
    const tun = tunOptions("fetch", values);
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    if (tun && !/^[\d.]+$|:/.test(host)) {
      throw new UsageError(
        `fetch: with --tun the URL's host must be an address (no DNS), got ${host}`,
      );
    }
    const output = typeof values.output === "string" ? values.output : undefined;
    const json = values.json === true;
    if (json && output === undefined) {
      throw new UsageError(
        "fetch: --json needs -o FILE (the body goes to standard output otherwise)",
      );
    }
    const timeout = typeof values.timeout === "string"
      ? durationValue("timeout", values.timeout)
      : 300_000;
    const port = Number(url.port || 80);

    let file: Deno.FsFile | null = null;
    if (output !== undefined) {
      try {
        file = await Deno.open(output, { write: true, create: true, truncate: true });
      } catch (error) {
        throw new Error(`cannot write ${output}: ${fileErrorReason(error)}`);
      }
    }
    const controller = new AbortController();
    const stop = () => controller.abort(new Error("interrupted"));
    const timer = setTimeout(
      () => controller.abort(new Error(`gave up after ${timeout} ms (--timeout)`)),
      timeout,
    );
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    let link: TunLink | null = null;
    let capture: Capture | null = null;
    let client: HttpClient | null = null;
    const say = (line: string) => write(io.stderr, line + "\n");
    try {
      let conn: Conn;
      if (tun) {
        ({ link, capture } = await openTun("fetch", tun));
        if (!json) { for (const line of linkLines(link)) await say(line); }
        conn = await untilAborted(link.connect(host, port), controller.signal);
      } else {
        conn = await connect({ hostname: host, port, signal: controller.signal });
      }
      client = new HttpClient(conn);
      const started = performance.now();
      const response = await client.fetch(url, { signal: controller.signal });
      const total = Number(response.headers.get("content-length") ?? NaN);
      const hash = createHash("sha256");
      let bytes = 0;
      const sink = file ? file.writable.getWriter() : io.stdout.getWriter();
      // A progress line on a terminal's standard error; with the body on
      // standard output it would be drawn through it, so only with -o.
      const progressIo = output !== undefined && !json ? io : { ...io, stderrIsTerminal: false };
      await withProgress(progressIo, "fetch", async (progress) => {
        try {
          for await (const chunk of response.body ?? new ReadableStream<Uint8Array>()) {
            hash.update(chunk);
            bytes += chunk.length;
            await sink.write(chunk);
            progress.update(progressText(bytes, total, started));
          }
        } finally {
          if (file) await sink.close().catch(() => {});
          else sink.releaseLock();
          file = null; // the writable closed it
        }
      });
      const seconds = (performance.now() - started) / 1000;
      const ok = response.status >= 200 && response.status < 300;
      const summary = {
        url: url.href,
        status: response.status,
        bytes,
        seconds: Number(seconds.toFixed(3)),
        sha256: hash.digest("hex"),
        ...(conn instanceof TcpConn ? { tcp: conn.socket.stats } : {}),
      };
      client.close();
      client = null;
      if (link) await link.close();
      if (json) {
        await write(
          io.stdout,
          JSON.stringify({ ...summary, ...(link ? { link: link.stats } : {}) }) + "\n",
        );
      } else if (output !== undefined) {
        const rate = seconds > 0 ? ` (${(bytes / seconds / 1e6).toFixed(2)} MB/s)` : "";
        await say(
          `${response.status} ${response.statusText}: ${bytes} bytes to ${output} in ${
            seconds.toFixed(2)
          } s${rate}, SHA-256 ${summary.sha256}`,
        );
        if (link) { for (const line of linkSummary(link)) await say(line); }
      }
      if (!ok) await say(`fetch: the server answered ${response.status} ${response.statusText}`);
      return ok ? 0 : 1;
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      client?.close();
      file?.close();
      await link?.close();
      capture?.close();
    }
  },
};

/** `promise`, or a rejection with the signal's reason once it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** "4.2 MB of 10.0 MB (42%), 12.3 MB/s": how far a download is. */
function progressText(bytes: number, total: number, started: number): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const rate = bytes / Math.max(1e-3, (performance.now() - started) / 1000);
  const of = Number.isFinite(total) && total > 0
    ? ` of ${mb(total)} (${Math.floor((bytes / total) * 100)}%)`
    : "";
  return `${mb(bytes)}${of}, ${mb(rate)}/s`;
}
