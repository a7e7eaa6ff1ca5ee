// `socklab ss`: the kernel's sockets as /proc/net shows them, like ss(8):
// TCP states, queues and timers, UDP and unix sockets; or, with --watch,
// each state change as it happens.
import { formatAddr } from "../net/addr.ts";
import {
  type KernelSocket,
  kernelSockets,
  type KernelTcpState,
  LINUX_TCP_STATE_NAMES,
} from "../net/procnet.ts";
import {
  durationValue,
  parseFlags,
  portValue,
  type Subcommand,
  UsageError,
  write,
} from "./_args.ts";

const usage = `Usage: socklab ss [flags]

Shows the kernel's sockets (Linux, from /proc/net/{tcp,tcp6,udp,udp6,unix}):
state, receive and send queues, the pending timer, the addresses.

Flags:
  -t, --tcp          TCP sockets        (default: all three kinds)
  -u, --udp          UDP sockets
  -x, --unix         unix sockets
  -l, --listening    only listening sockets
  -p, --port N       only sockets with local or remote port N
      --linux-names  FIN_WAIT1 rather than the RFC's FIN-WAIT-1
  -w, --watch        print each change (new socket, state change, gone)
      --interval D   how often to look when watching (default 10ms)
      --for D        stop watching after D (default: until interrupted)
      --json         one JSON object per socket (or per change)
  -h, --help         this help

Example: watch a connection's four-way teardown
  $ socklab ss --watch --port 8080 --for 30s
`;

type Row = KernelSocket & { key: string };

function key(s: KernelSocket): string {
  return `${s.protocol} ${s.inode} ${formatAddr(s.local)} ${s.remote ? formatAddr(s.remote) : "*"}`;
}

function stateName(s: KernelSocket, linux: boolean): string {
  return linux && s.protocol === "tcp"
    ? LINUX_TCP_STATE_NAMES[s.state as KernelTcpState] ?? s.state
    : s.state;
}

function line(s: KernelSocket, linux: boolean): string {
  const timer = s.timer ? `${s.timer.kind}:${s.timer.ms}ms` : "";
  const retrans = s.retransmits ? ` retrans:${s.retransmits}` : "";
  return [
    s.protocol.padEnd(5),
    stateName(s, linux).padEnd(13),
    String(s.recvQueue).padStart(7),
    String(s.sendQueue).padStart(7),
    formatAddr(s.local).padEnd(28),
    (s.remote ? formatAddr(s.remote) : "*").padEnd(28),
    timer + retrans,
  ].join(" ").trimEnd();
}

const HEADER = `${"Proto".padEnd(5)} ${"State".padEnd(13)} ${"Recv-Q".padStart(7)} ${
  "Send-Q".padStart(7)
} ${"Local".padEnd(28)} ${"Peer".padEnd(28)} Timer`;

export const command: Subcommand = {
  summary: "kernel socket states, queues and timers from /proc/net (like ss)",
  usage,
  async main(args, io) {
    const { values } = parseFlags("ss", args, {
      tcp: { type: "boolean", short: "t" },
      udp: { type: "boolean", short: "u" },
      unix: { type: "boolean", short: "x" },
      listening: { type: "boolean", short: "l" },
      port: { type: "string", short: "p" },
      "linux-names": { type: "boolean" },
      watch: { type: "boolean", short: "w" },
      interval: { type: "string" },
      for: { type: "string" },
      json: { type: "boolean" },
    }, 0);
    const protocols = (["tcp", "udp", "unix"] as const).filter((p) => values[p]);
    const port = values.port === undefined ? undefined : portValue("port", values.port as string);
    const interval = values.interval === undefined
      ? 10
      : durationValue("interval", values.interval as string);
    const limit = values.for === undefined ? Infinity : durationValue("for", values.for as string);
    if (!values.watch && (values.interval !== undefined || values.for !== undefined)) {
      throw new UsageError("ss: --interval and --for only apply with --watch");
    }
    if (interval < 1) throw new UsageError("ss: --interval must be at least 1ms");
    const linux = values["linux-names"] === true;
    const read = async (): Promise<Row[]> => {
      const all = await kernelSockets({
        protocols: protocols.length ? protocols : undefined,
        port,
      });
      return all
        .filter((s) => !values.listening || s.state === "LISTEN")
        .map((s) => ({ ...s, key: key(s) }));
    };
    const show = (s: KernelSocket, event?: string, was?: KernelSocket) => {
      if (values.json) {
        const { key: _key, ...plain } = s as Row;
        const extra = was ? { was: was.state } : {};
        return JSON.stringify(event ? { event, ...extra, ...plain } : plain) + "\n";
      }
      const from = was ? `  (was ${stateName(was, linux)})` : "";
      return (event ? `${event.padEnd(7)} ` : "") + line(s, linux) + from + "\n";
    };
    if (!values.watch) {
      const rows = await read();
      let out = values.json ? "" : HEADER + "\n";
      for (const s of rows) out += show(s);
      await write(io.stdout, out);
      return 0;
    }
    // Watch: compare each snapshot with the last and print the differences.
    const start = performance.now();
    let last = new Map<string, Row>();
    if (!values.json) await write(io.stdout, `${"Event".padEnd(7)} ${HEADER}\n`);
    let first = true;
    do {
      const now = new Map((await read()).map((s) => [s.key, s]));
      let out = "";
      for (const [k, s] of now) {
        const before = last.get(k);
        if (!before) out += show(s, first ? "now" : "new");
        else if (before.state !== s.state) out += show(s, "state", before);
      }
      for (const [k, s] of last) if (!now.has(k)) out += show(s, "gone");
      if (out) await write(io.stdout, out);
      last = now;
      first = false;
      if (performance.now() - start + interval > limit) break;
      await new Promise((r) => setTimeout(r, interval));
    } while (performance.now() - start <= limit);
    return 0;
  },
};
