/**
 * socklab's HTTP/1.1 server beside Deno.serve and Node's node:http, each
 * answering `new Response("hello world\n")` (node: `res.end("hello world\n")`)
 * in its own process, driven by wrk (keep-alive, 1 thread) at 32 and 256
 * connections. Servers are measured one after another in the same run, in
 * alternating order over the rounds, and the best round of each is kept.
 *
 * SOCKLAB_BENCH_SECONDS sets the wrk duration per run (default 3).
 *
 * @module
 */
import { table } from "./_harness.ts";

const SERVER = new URL("../deno/http/server.ts", import.meta.url).href;

const PROGRAMS: Record<string, { cmd: string; args: (port: number) => string[] }> = {
  socklab: {
    cmd: Deno.execPath(),
    args: (port) => [
      "eval",
      `import { serve } from "${SERVER}";
       serve({ port: ${port}, hostname: "127.0.0.1" }, () => new Response("hello world\\n"));
       console.log("ready");`,
    ],
  },
  "Deno.serve": {
    cmd: Deno.execPath(),
    args: (port) => [
      "eval",
      `Deno.serve({ port: ${port}, hostname: "127.0.0.1", onListen() { console.log("ready"); } },
         () => new Response("hello world\\n"));`,
    ],
  },
  "node:http": {
    cmd: "node",
    args: (port) => [
      "-e",
      `require("node:http").createServer((req, res) => res.end("hello world\\n"))
         .listen(${port}, "127.0.0.1", () => console.log("ready"));`,
    ],
  },
};

interface Result {
  rps: number;
  p99ms: number;
  errors: boolean;
}

/** Starts a server program, resolves once it prints "ready". */
async function start(name: string, port: number) {
  const p = PROGRAMS[name];
  const child = new Deno.Command(p.cmd, { args: p.args(port), stdout: "piped", stderr: "null" })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("ready")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`bench http: the ${name} server exited before it was ready`);
    text += value;
  }
  reader.releaseLock();
  return {
    async stop() {
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : n;
}

async function wrk(port: number, connections: number, seconds: number): Promise<Result> {
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
  if (!rps || !p99) throw new Error(`bench http: cannot read wrk's output:\n${text}`);
  return {
    rps: Number(rps[1]),
    p99ms: toMs(p99[1], p99[2]),
    errors: /Socket errors|Non-2xx/.test(text),
  };
}

/** Runs the comparison and returns the printable table. */
export async function benchHttp(
  connectionCounts = [32, 256],
  rounds = 2,
  seconds = Number(Deno.env.get("SOCKLAB_BENCH_SECONDS") ?? 3),
): Promise<string> {
  const names = Object.keys(PROGRAMS);
  const best = new Map<string, Result>();
  let port = 20000 + (Deno.pid % 20000);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const server = await start(name, ++port);
      try {
        await wrk(port, 8, 1); // warm up the JIT
        for (const c of connectionCounts) {
          const r = await wrk(port, c, seconds);
          const key = `${name}/${c}`;
          const prev = best.get(key);
          if (!prev || r.rps > prev.rps) {
            best.set(key, { ...r, errors: r.errors || !!prev?.errors });
          } else if (r.errors) prev.errors = true;
        }
      } finally {
        await server.stop();
      }
    }
  }
  const rows: string[][] = [];
  for (const c of connectionCounts) {
    const s = best.get(`socklab/${c}`)!;
    const d = best.get(`Deno.serve/${c}`)!;
    const n = best.get(`node:http/${c}`)!;
    const fmt = (r: Result) => `${Math.round(r.rps)}${r.errors ? "!" : ""}`;
    rows.push([
      String(c),
      fmt(s),
      fmt(d),
      fmt(n),
      `${s.p99ms.toFixed(2)}`,
      `${d.p99ms.toFixed(2)}`,
      `${n.p99ms.toFixed(2)}`,
      `${(s.rps / d.rps).toFixed(2)}x`,
      `${(s.rps / n.rps).toFixed(2)}x`,
    ]);
  }
  return table(
    [
      "conns",
      "socklab req/s",
      "Deno.serve req/s",
      "node:http req/s",
      "socklab p99 ms",
      "Deno p99 ms",
      "node p99 ms",
      "vs Deno",
      "vs node",
    ],
    rows,
  ) +
    `\nwrk -t1 -d${seconds}s keep-alive, best of ${rounds} rounds; "!" marks socket errors or non-2xx.`;
}

if (import.meta.main) console.log(await benchHttp());
