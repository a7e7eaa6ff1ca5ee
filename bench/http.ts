/**
 * socklab's HTTP/1.1 server beside Deno.serve and Node's node:http, each
 * answering `new Response("hello world\n")` (node: `res.end("hello world\n")`)
 * in its own process, driven by wrk (keep-alive, 1 thread) at 32 and 256
 * connections. All servers run at once; each round gives each one a short
 * wrk run, in a rotating order, and the table shows medians over the rounds
 * and the median of the per-round ratios.
 *
 * socklab runs with serve()'s default io (on Linux with FFI: one epoll loop
 * through libc, each turn's socket calls batched through io_uring) and, as
 * "socklab runtime", on Deno's own sockets, which shows what the runtime's
 * per-call ops cost.
 *
 * Two reference points come with it: the "floor", a `Deno.listen` loop that
 * answers every read with a fixed response and parses nothing (what any
 * server on `Deno.Conn` pays for the runtime's read/write ops and the
 * kernel), and the CPU socklab's HTTP code itself takes per request, measured
 * in-process on an in-memory connection (no kernel, no runtime ops).
 *
 * SOCKLAB_BENCH_SECONDS sets the wrk duration per run (default 1),
 * SOCKLAB_BENCH_ROUNDS the number of rounds (default 10). Short runs in many
 * rounds pair the servers more tightly: the machine drifts within seconds.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { machine, table } from "./_harness.ts";
import { serve } from "../deno/http/server.ts";
import type { Conn, Listener } from "../deno/net/types.ts";
import { SocketClosed } from "../deno/net/errors.ts";

const SERVER = new URL("../deno/http/server.ts", import.meta.url).href;

/** serve() in a process of its own, with `io` (its default when omitted). */
function socklab(io?: "epoll" | "runtime"): { cmd: string; args: string[] } {
  const options = `{ port: 0, hostname: "127.0.0.1"${io ? `, io: "${io}"` : ""} }`;
  return {
    cmd: Deno.execPath(),
    args: [
      "eval",
      `import { serve } from "${SERVER}";
       const s = serve(${options}, () => new Response("hello world\\n"));
       console.log("ready", s.addr.port, s.io);`,
    ],
  };
}

// Each program listens on a free port and prints "ready PORT" (socklab's add their io).
const PROGRAMS: Record<string, { cmd: string; args: string[] }> = {
  // serve() with its default io: the fastest this machine allows.
  socklab: socklab(),
  // serve() on the epoll loop without io_uring: one syscall per read and per write.
  "socklab epoll": socklab("epoll"),
  // The same server on Deno's own sockets: one runtime op per read and per write.
  "socklab runtime": socklab("runtime"),
  "Deno.serve": {
    cmd: Deno.execPath(),
    args: [
      "eval",
      `Deno.serve({ port: 0, hostname: "127.0.0.1", onListen(a) { console.log("ready", a.port); } },
         () => new Response("hello world\\n"));`,
    ],
  },
  // No HTTP at all: what reading and writing through Deno.Conn costs.
  floor: {
    cmd: Deno.execPath(),
    args: [
      "eval",
      `const res = new TextEncoder().encode("HTTP/1.1 200 OK\\r\\ncontent-type: text/plain;charset=UTF-8\\r\\ncontent-length: 12\\r\\n\\r\\nhello world\\n");
       const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
       console.log("ready", l.addr.port);
       for await (const c of l) {
         (async () => {
           const buf = new Uint8Array(4096);
           try {
             while ((await c.read(buf)) !== null) await c.write(res);
           } catch { /* the client went away */ }
           try { c.close(); } catch { /* closed */ }
         })();
       }`,
    ],
  },
  "node:http": {
    cmd: "node",
    args: [
      "-e",
      `const s = require("node:http").createServer((req, res) => res.end("hello world\\n"))
         .listen(0, "127.0.0.1", () => console.log("ready", s.address().port));`,
    ],
  },
};

interface Result {
  rps: number;
  p99ms: number;
  errors: boolean;
  /** Server CPU time (user + system) per request, in microseconds. */
  cpuUs: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
  } catch {
    return NaN;
  }
}

/** Starts a server program, resolves once it prints "ready PORT". */
async function start(name: string) {
  const p = PROGRAMS[name];
  const child = new Deno.Command(p.cmd, { args: p.args, stdout: "piped", stderr: "piped" })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/ready \d+.*\n/.test(text)) {
    const { done, value } = await reader.read();
    if (done) {
      const why = await new Response(child.stderr).text();
      throw new Error(`bench http: the ${name} server exited before it was ready: ${why}`);
    }
    text += value;
  }
  reader.releaseLock();
  const [, port, io] = /ready (\d+) ?(\S*)/.exec(text)!;
  return {
    port: Number(port),
    io,
    pid: child.pid,
    async stop() {
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
    },
  };
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : n;
}

async function wrk(
  port: number,
  connections: number,
  seconds: number,
  pid: number,
): Promise<Result> {
  const cpu0 = await cpuSeconds(pid);
  const out = await new Deno.Command("wrk", {
    args: [
      "-t",
      "1",
      "-c",
      String(connections),
      "-d",
      `${seconds}s`,
      "--latency",
      `http://127.0.0.1:${port}/`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(text);
  const total = /(\d+) requests in/.exec(text);
  if (!rps || !p99 || !total) throw new Error(`bench http: cannot read wrk's output:\n${text}`);
  const cpu = (await cpuSeconds(pid)) - cpu0;
  return {
    cpuUs: (cpu * 1e6) / Number(total[1]),
    rps: Number(rps[1]),
    p99ms: toMs(p99[1], p99[2]),
    errors: /Socket errors|Non-2xx/.test(text),
  };
}

/**
 * Microseconds of CPU socklab's HTTP code spends per request, without the
 * kernel or the runtime's socket ops: `serve()` on an in-memory connection
 * whose every read hands over a wrk-like request and whose writes return at
 * once. CPU time, not wall time. Best of `rounds`.
 */
export async function httpCodeCostUs(requests = 200_000, rounds = 3): Promise<number> {
  const request = new TextEncoder().encode(
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n",
  );
  const addr = { family: "inet", hostname: "127.0.0.1", port: 8080 } as const;
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    let left = requests;
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const conn = {
      localAddr: addr,
      remoteAddr: addr,
      read(p: Uint8Array) {
        if (left-- <= 0) return Promise.resolve(null);
        p.set(request);
        return Promise.resolve(request.length);
      },
      write: (p: Uint8Array) => Promise.resolve(p.length),
      // As the epoll listener's connections do: a callback per write, no read rationing.
      submitWrite: (p: Uint8Array, done: (n: number) => void) =>
        queueMicrotask(() => done(p.length)),
      close: () => ended(),
      fair: true,
    } as unknown as Conn;
    let accepted = false;
    let closeListener!: () => void;
    const closed = new Promise<never>((_, reject) =>
      closeListener = () => reject(new SocketClosed("listener is closed", { op: "accept" }))
    );
    const listener = {
      addr,
      accept: () => accepted ? closed : (accepted = true, Promise.resolve(conn)),
      close: () => closeListener(),
    } as unknown as Listener;
    const t0 = cpuUsage();
    const server = serve({ listener }, () => new Response("hello world\n"));
    await done;
    const t = cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / requests);
    await server.shutdown();
  }
  return best;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs the comparison and returns the printable table. Every server runs
 * for the whole benchmark (an idle one costs nothing); each round gives
 * each of them one wrk run at each connection count, in a rotating order,
 * so that servers compared in a round ran seconds apart. The ratios are the
 * median of the rounds' ratios, with their lowest and highest: on a shared
 * machine whose speed drifts, a ratio taken within a round is what holds.
 */
export async function benchHttp(
  connectionCounts = [32, 256],
  rounds = Number(Deno.env.get("SOCKLAB_BENCH_ROUNDS") ?? 10),
  seconds = Number(Deno.env.get("SOCKLAB_BENCH_SECONDS") ?? 1),
): Promise<string> {
  // The epoll loop needs Linux; elsewhere its row stays empty.
  const names = Object.keys(PROGRAMS).filter((n) =>
    n !== "socklab epoll" || Deno.build.os === "linux"
  );
  const servers = new Map<string, Awaited<ReturnType<typeof start>>>();
  const runs = new Map<string, Result[]>(); // by "name/conns", one per round
  try {
    for (const name of names) servers.set(name, await start(name));
    for (const server of servers.values()) await wrk(server.port, 8, 1, server.pid); // warm up
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const c of connectionCounts) {
        for (const name of order) {
          const server = servers.get(name)!;
          const r = await wrk(server.port, c, seconds, server.pid);
          const key = `${name}/${c}`;
          runs.set(key, [...(runs.get(key) ?? []), r]);
        }
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  const rows: string[][] = [];
  for (const c of connectionCounts) {
    const of = (name: string) => runs.get(`${name}/${c}`)!;
    const [s, e, d, n, r, f] = [
      "socklab",
      "socklab epoll",
      "Deno.serve",
      "node:http",
      "socklab runtime",
      "floor",
    ].map(of);
    const rps = (x: Result[] | undefined) =>
      x ? `${Math.round(median(x.map((y) => y.rps)))}${x.some((y) => y.errors) ? "!" : ""}` : "-";
    const ms = (x: Result[]) => median(x.map((y) => y.p99ms)).toFixed(2);
    const us = (x: Result[] | undefined) => x ? median(x.map((y) => y.cpuUs)).toFixed(1) : "-";
    const ratio = (x: Result[] | undefined, y: Result[]) => {
      if (!x) return "-";
      const each = x.map((run, i) => run.rps / y[i].rps);
      return `${median(each).toFixed(2)}x (${Math.min(...each).toFixed(2)}-${
        Math.max(...each).toFixed(2)
      })`;
    };
    rows.push([
      String(c),
      rps(s),
      rps(d),
      rps(n),
      ratio(s, d),
      ratio(s, n),
      `${ms(s)} / ${ms(d)} / ${ms(n)}`,
      `${us(s)} / ${us(d)} / ${us(n)}`,
      `${rps(e)}, ${ratio(e, d)}, ${us(e)} us`,
      rps(r),
      rps(f),
    ]);
  }
  const codeUs = await httpCodeCostUs();
  return machine() + "\n" + table(
    [
      "conns",
      "socklab req/s",
      "Deno.serve req/s",
      "node:http req/s",
      "vs Deno",
      "vs node",
      "p99 ms socklab / Deno / node",
      "CPU us/req socklab / Deno / node",
      "socklab epoll: req/s, vs Deno, CPU",
      "socklab runtime req/s",
      "floor req/s",
    ],
    rows,
  ) +
    `\nwrk -t1 -d${seconds}s keep-alive, ${rounds} rounds; medians over the rounds. "vs": the median` +
    '\nof each round\'s ratio (lowest-highest). "!" marks socket errors or non-2xx responses.' +
    `\nsocklab: serve() with its default io, here "${
      servers.get("socklab")?.io
    }"; socklab runtime:` +
    ' the same server with io "runtime" (Deno.Conn: an op per read and per write);' +
    '\nsocklab epoll: the same server with io "epoll" (one syscall per read and per write).' +
    "\nCPU us/req: the server process's user+system time per request." +
    "\nfloor: a Deno.listen loop answering each read with a fixed response (no HTTP), the cost" +
    "\nof Deno.Conn's read/write ops and the kernel that every server on Deno.Conn pays." +
    `\nsocklab's HTTP code alone (in-memory connection, no kernel): ${
      codeUs.toFixed(2)
    } us/request.`;
}

if (import.meta.main) console.log(await benchHttp());
