// socklab's TCP against the kernel's over TUN, measured side by side in one
// run (Linux, root; skipped with the reason otherwise):
//
// - Lossless throughput, both directions: kernel ⇄ socklab over a TUN link,
//   beside kernel ⇄ kernel over a veth pair with the same MTU. The ratio is
//   what carries to other machines; the share of a core socklab's process
//   used says whether it is CPU-bound.
// - At 1% and 5% loss (and 5 ms each way): socklab as the sender to the
//   kernel over an impaired TUN link, beside the kernel as the sender to the
//   kernel through a TunRelay with the same impairments. Goodput and
//   retransmitted segments, each as a ratio to the kernel's.
//
// The kernel's senders use CUBIC, socklab's default, whatever the machine's
// default is (TCP_CONGESTION): a machine whose default is BBR, which does not
// back off on random loss, would otherwise compare two different
// controllers. On such a machine the lossy table adds the default as a row
// for reference.
//
// Every transfer runs inside network namespaces made (and removed) here,
// and the kernel's ends are bench/_tcp_peer.py.
import { TunLink } from "../deno/link/tun.ts";
import { TunRelay } from "../deno/link/relay.ts";
import type { Impairments } from "../deno/link/impairments.ts";
import { controllerFactory } from "../deno/tcp/controllers.ts";
import { machine, table } from "./_harness.ts";

const PEER = new URL("./_tcp_peer.py", import.meta.url).pathname;
const MB = 1e6;
/** Rounds of each lossy transfer (the median is reported). */
const ROUNDS = 3;
/**
 * Rounds of each lossless transfer, interleaved (the best is reported): a
 * 2-core machine shared with others swings by half from run to run, the
 * veth pair as much as socklab.
 */
const LOSSLESS_ROUNDS = 5;
/** The kernel senders' congestion controller: socklab's default. */
const CC = "cubic";
const CC_SYSCTL = "net.ipv4.tcp_congestion_control";

async function sh(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout);
}

let namespaces = 0;

/** Runs `fn` with fresh namespaces (one per tag), deleted afterwards. */
async function withNamespaces<T>(count: number, fn: (ns: string[]) => Promise<T>): Promise<T> {
  const made: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const ns = `socklab-bench-${Deno.pid}-${namespaces++}`;
      await sh("ip", "netns", "add", ns);
      made.push(ns);
      await sh("ip", "-n", ns, "link", "set", "lo", "up");
    }
    return await fn(made);
  } finally {
    for (const ns of made) await sh("ip", "netns", "del", ns);
  }
}

/** bench/_tcp_peer.py in `ns`; `line()` is its next JSON line. */
function peer(ns: string, args: string[]) {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, "python3", "-u", PEER, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async line(): Promise<Record<string, number | boolean>> {
      while (!buffer.includes("\n")) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the kernel peer (${args.join(" ")}) ended early`);
        buffer += value;
      }
      const text = buffer.slice(0, buffer.indexOf("\n"));
      buffer = buffer.slice(text.length + 1);
      return JSON.parse(text);
    },
    async end(): Promise<void> {
      await child.status;
      while (!(await reader.read()).done);
    },
  };
}

/** CPU seconds this process has used (user + system), from /proc. */
function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Run {
  /** Bytes per second of the transfer. */
  rate: number;
  /** Segments the sender retransmitted. */
  retrans: number;
  /** Share of one core this process used meanwhile (socklab's runs). */
  cpu?: number;
  /** The kernel sender's congestion controller (the kernel's runs). */
  cc?: string;
}

/** socklab receives `bytes` from the kernel's sender over `link`. */
async function kernelToSocklab(link: TunLink, ns: string, bytes: number, port: number) {
  const listener = link.listen(port);
  const sender = peer(ns, ["send", link.addresses[0].socklab, String(port), String(bytes), CC]);
  const cpu = cpuSeconds(), wall = performance.now();
  const conn = await listener.accept();
  const buf = new Uint8Array(1 << 20);
  let got = 0;
  for (let n; (n = await conn.read(buf)) !== null;) got += n;
  conn.close();
  const result = await sender.line();
  const share = (cpuSeconds() - cpu) / ((performance.now() - wall) / 1000);
  await sender.end();
  listener.close();
  if (got !== bytes) throw new Error(`bench: socklab received ${got} of ${bytes} bytes`);
  return {
    rate: bytes / (result.seconds as number),
    retrans: result.retrans as number,
    cpu: share,
  };
}

/** socklab sends `bytes` to the kernel's sink over `link`. */
async function socklabToKernel(link: TunLink, ns: string, bytes: number, port: number) {
  const kernel = link.addresses[0].kernel;
  const sink = peer(ns, ["sink", kernel, String(port)]);
  await sink.line(); // listening
  const data = new Uint8Array(1 << 20);
  const cpu = cpuSeconds(), started = performance.now();
  const conn = await link.connect(kernel, port);
  for (let sent = 0; sent < bytes; sent += data.length) {
    await conn.writeAll(data.subarray(0, Math.min(data.length, bytes - sent)));
  }
  await conn.closeWrite();
  while ((await conn.read(data)) !== null);
  const seconds = (performance.now() - started) / 1000;
  const share = (cpuSeconds() - cpu) / seconds;
  const got = (await sink.line()).bytes;
  await sink.end();
  const retrans = conn.socket.stats.retransmissions;
  conn.close();
  if (got !== bytes) throw new Error(`bench: the kernel received ${got} of ${bytes} bytes`);
  return { rate: bytes / seconds, retrans, cpu: share };
}

/** The kernel sends `bytes` from `from` to a sink at `to` (in `sinkNs`), with `cc` ("" for the default). */
async function kernelToKernel(
  from: string,
  sinkNs: string,
  to: string,
  bytes: number,
  port: number,
  cc = CC,
) {
  const sink = peer(sinkNs, ["sink", to, String(port)]);
  await sink.line();
  const sender = peer(from, ["send", to, String(port), String(bytes), ...cc ? [cc] : []]);
  const result = await sender.line();
  await sender.end();
  if ((await sink.line()).bytes !== bytes) throw new Error("bench: the kernel sink fell short");
  await sink.end();
  return {
    rate: bytes / (result.seconds as number),
    retrans: result.retrans as number,
    cc: String(result.cc),
  };
}

/** A veth pair between two namespaces: 10.9.0.1 and 10.9.0.2, with `mtu`. */
async function veth(a: string, b: string, mtu: number): Promise<void> {
  const tag = `${Deno.pid.toString(36)}${namespaces}`;
  await sh(
    "ip",
    ...["link", "add", `sla${tag}`, "netns", a, "mtu", String(mtu)],
    ...["type", "veth", "peer", "name", `slb${tag}`, "netns", b, "mtu", String(mtu)],
  );
  await sh("ip", "-n", a, "addr", "add", "10.9.0.1/24", "dev", `sla${tag}`);
  await sh("ip", "-n", b, "addr", "add", "10.9.0.2/24", "dev", `slb${tag}`);
  await sh("ip", "-n", a, "link", "set", `sla${tag}`, "up");
  await sh("ip", "-n", b, "link", "set", `slb${tag}`, "up");
}

const best = (runs: Run[]) => runs.reduce((a, b) => (b.rate > a.rate ? b : a));
const mbs = (r: number) => (r / MB).toFixed(1);

/** Lossless throughput at `mtu`, rounds interleaved: socklab over TUN both ways, kernel over veth. */
async function lossless(mtu: number, bytes: number, offload = false): Promise<string[][]> {
  return await withNamespaces(3, async ([tunNs, a, b]) => {
    await veth(a, b, mtu);
    // A receive window that keeps a fast path busy (scaled; 4 MiB both ways).
    const config = { recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 };
    const link = await TunLink.open({
      name: `slbt${Deno.pid.toString(36)}`,
      address: "10.0.0.2/24",
      netns: tunNs,
      impairments: { mtu },
      config,
      offload,
    });
    const runs = { in: [] as Run[], out: [] as Run[], veth: [] as Run[] };
    try {
      let port = 5000;
      for (let r = 0; r < LOSSLESS_ROUNDS; r++) {
        runs.in.push(await kernelToSocklab(link, tunNs, bytes, port++));
        runs.out.push(await socklabToKernel(link, tunNs, bytes, port++));
        runs.veth.push(await kernelToKernel(a, b, "10.9.0.2", bytes, port++));
      }
    } finally {
      await link.close();
    }
    const [i, o, v] = [best(runs.in), best(runs.out), best(runs.veth)];
    const name = `MTU ${mtu}${offload ? " + offloads" : ""}`;
    return [
      [
        `${name}: kernel -> socklab (TUN)`,
        mbs(i.rate),
        `${(i.rate / v.rate).toFixed(3)}x`,
        `${(i.cpu! * 100).toFixed(0)}%`,
      ],
      [
        `${name}: socklab -> kernel (TUN)`,
        mbs(o.rate),
        `${(o.rate / v.rate).toFixed(3)}x`,
        `${(o.cpu! * 100).toFixed(0)}%`,
      ],
      [`${name}: kernel -> kernel (veth)`, mbs(v.rate), "1x", "-"],
    ];
  });
}

/** At `loss` each way: socklab sending to the kernel (TUN) beside the kernel sending to the kernel (relay). */
async function lossy(imp: Partial<Impairments>, bytes: number, seed: number): Promise<string[][]> {
  return await withNamespaces(3, async ([tunNs, a, b]) => {
    const link = await TunLink.open({
      name: `slbl${Deno.pid.toString(36)}`,
      address: "10.0.0.2/24",
      netns: tunNs,
      impairments: imp,
      seed,
      config: { congestion: controllerFactory(CC) },
    });
    const relay = await TunRelay.open({
      a: {
        name: `slra${Deno.pid.toString(36)}`,
        netns: a,
        address: "10.1.0.1/24",
        routes: ["10.2.0.0/24"],
      },
      b: {
        name: `slrb${Deno.pid.toString(36)}`,
        netns: b,
        address: "10.2.0.1/24",
        routes: ["10.1.0.0/24"],
      },
      impairments: imp,
      seed,
    });
    const socklab: Run[] = [], kernel: Run[] = [], byDefault: Run[] = [];
    // The machine's own default controller, run beside when it is another.
    const ownCc = (await sh("ip", "netns", "exec", a, "sysctl", "-n", CC_SYSCTL)).trim();
    try {
      let port = 6000;
      for (let r = 0; r < ROUNDS; r++) {
        socklab.push(await socklabToKernel(link, tunNs, bytes, port++));
        kernel.push(await kernelToKernel(a, b, "10.2.0.1", bytes, port++));
        if (ownCc !== CC) byDefault.push(await kernelToKernel(a, b, "10.2.0.1", bytes, port++, ""));
      }
    } finally {
      await relay.close();
      await link.close();
    }
    // The median run of each, as loss makes single runs vary.
    const median = (runs: Run[]) => [...runs].sort((x, y) => x.rate - y.rate)[runs.length >> 1];
    const [s, k] = [median(socklab), median(kernel)];
    const name = `${(imp.loss! * 100).toFixed(0)}% loss, ${imp.delay} ms each way`;
    const rows = [
      [
        `${name}: socklab sends (${CC})`,
        mbs(s.rate),
        `${(s.rate / k.rate).toFixed(2)}x`,
        String(s.retrans),
        `${(s.retrans / Math.max(1, k.retrans)).toFixed(2)}x`,
      ],
      [`${name}: kernel sends (${CC})`, mbs(k.rate), "1x", String(k.retrans), "1x"],
    ];
    if (byDefault.length > 0) {
      const d = median(byDefault);
      rows.push([
        `${name}: kernel sends (${d.cc}, for reference)`,
        mbs(d.rate),
        `${(d.rate / k.rate).toFixed(2)}x`,
        String(d.retrans),
        `${(d.retrans / Math.max(1, k.retrans)).toFixed(2)}x`,
      ]);
    }
    return rows;
  });
}

/** Why the benchmark cannot run here, or null. */
function missing(): string | null {
  if (Deno.build.os !== "linux") return "needs Linux";
  if (Deno.uid?.() !== 0) return "needs root (TUN devices, network namespaces)";
  try {
    Deno.statSync("/dev/net/tun");
  } catch {
    return "needs /dev/net/tun";
  }
  const python = new Deno.Command("sh", { args: ["-c", "command -v python3"], stdout: "null" })
    .outputSync();
  return python.success ? null : "needs python3";
}

/** The TUN benchmark; its report. */
export async function benchTun(): Promise<string> {
  const why = missing();
  if (why) return `skipped: ${why}`;
  const out = [machine(), ""];
  const rows = [
    ...await lossless(1500, 100 * MB),
    ...await lossless(1500, 400 * MB, true),
    ...await lossless(65535, 400 * MB),
  ];
  out.push(
    table([`lossless, best of ${LOSSLESS_ROUNDS}`, "MB/s", "vs veth", "socklab CPU"], rows),
    "",
    "socklab CPU: the share of one core the benchmark process (socklab's whole stack) used.",
    "",
  );
  const lossRows = [];
  for (const loss of [0.01, 0.05]) {
    lossRows.push(...await lossy({ loss, delay: 5 }, 4 * MB, 7));
  }
  out.push(
    table(
      ["lossy, 4 MB, median of 3", "MB/s", "goodput vs kernel", "retrans", "vs kernel"],
      lossRows,
    ),
    "",
    "The kernel's path: two TUN links through one relay with the same impairments (TunRelay).",
    `The kernel's senders use ${CC}, socklab's default (TCP_CONGESTION).`,
    "Goals: goodput >= 0.8x the kernel's, retransmissions <= 1.2x the kernel's.",
  );
  return out.join("\n");
}
