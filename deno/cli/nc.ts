// `socklab nc`: a netcat with OpenBSD netcat's flags, over socklab's
// sockets: connect or listen; TCP, UDP, unix stream and unix datagram;
// standard input to the socket, the socket to standard output. EOF on
// standard input half-closes a stream (the FIN), and the command ends when
// the peer's FIN arrives.
import { formatAddr, isIPv4, isIPv6, unixAddr } from "../net/addr.ts";
import { type KernelDatagramSocket, listenDatagram } from "../net/datagram.ts";
import type { FdSocket } from "../net/fd_socket.ts";
import { connect, type KernelConn, type KernelListener, listen } from "../net/stream.ts";
import { TimedOut } from "../net/errors.ts";
import type { Addr, Datagram } from "../net/types.ts";
import {
  durationValue,
  parseFlags,
  portValue,
  type Subcommand,
  UsageError,
  write,
} from "./_args.ts";

const usage = `Usage: socklab nc [-46dkluUv] [-w secs] [host] port
       socklab nc -U [-dkluv] path

Connects to host:port (or listens on it with -l) and copies standard input
to the socket and the socket to standard output, like OpenBSD netcat.

  -l        listen for a connection instead of connecting
  -k        with -l: after a connection ends, accept the next one
  -u        UDP (or, with -U, unix datagrams) instead of a stream
  -U        unix socket: the argument is a path, not host and port
  -4, -6    IPv4 only, IPv6 only
  -d        do not read standard input
  -w secs   give up connecting after secs; with -u, quit after secs
            without a datagram once standard input has ended
  -v        say what happens on standard error
  -h        this help

Streams: at EOF on standard input the socket is half-closed (a TCP FIN),
and nc ends when the peer closes its side. Datagrams: each read of
standard input is sent as one datagram; each datagram received is written
to standard output. A UDP listener answers whoever sent the first datagram.

Examples:
  socklab nc -l 127.0.0.1 8080            a one-connection server
  socklab nc 127.0.0.1 8080 < file        send a file, print the reply
  socklab nc -U -l /tmp/echo.sock         a unix stream server
  socklab nc -u ::1 5353                  talk UDP over IPv6
`;

interface Options {
  listen: boolean;
  keep: boolean;
  udp: boolean;
  unix: boolean;
  family?: "inet" | "inet6";
  noStdin: boolean;
  wait?: number;
  verbose: boolean;
}

/** How much of standard input one read takes (at most). */
const INPUT_CHUNK = 1 << 20;

/** The largest UDP payload (65535 minus the IPv4 and UDP headers). */
const MAX_DATAGRAM = 65507;

/**
 * Standard input, shared by the connections `-k` serves one after another:
 * a read that one connection started and did not need is kept for the next.
 */
class Input {
  #reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader | null;
  #pending?: Promise<ReadableStreamReadResult<Uint8Array>>;
  #ended = false;
  /** The buffer a BYOB reader fills; each chunk is used up before the next read. */
  #buf = new Uint8Array(INPUT_CHUNK);

  constructor(stdin: ReadableStream<Uint8Array> | null) {
    if (stdin === null) {
      this.#reader = null;
      return;
    }
    // Reading a byte stream (Deno.stdin.readable is one) into our own large
    // buffer is several times faster than taking its default 64 KiB chunks.
    try {
      this.#reader = stdin.getReader({ mode: "byob" });
    } catch {
      this.#reader = stdin.getReader();
    }
  }

  #read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const reader = this.#reader!;
    if (!(reader instanceof ReadableStreamBYOBReader)) return reader.read();
    return reader.read(this.#buf).then((result) => {
      if (result.value) this.#buf = new Uint8Array(result.value.buffer);
      return result as ReadableStreamReadResult<Uint8Array>;
    });
  }

  get ended(): boolean {
    return this.#ended || this.#reader === null;
  }

  /** The next chunk, null at EOF, or "stop" if `stop` settles first. */
  async next(stop: Promise<unknown>): Promise<Uint8Array | null | "stop"> {
    if (this.ended) return null;
    const pending = this.#pending ??= this.#read();
    const result = await Promise.race([pending, stop.then(() => "stop" as const)]);
    if (result === "stop") return "stop";
    this.#pending = undefined;
    if (result.done) {
      this.#ended = true;
      return null;
    }
    return result.value;
  }

  /** Stops reading standard input. */
  async close(): Promise<void> {
    if (this.#reader === null) return;
    const reader = this.#reader;
    this.#reader = null;
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Copies the connection to standard output until the peer's FIN. */
async function copyOut(conn: KernelConn, stdout: WritableStreamDefaultWriter<Uint8Array>) {
  const buf = new Uint8Array(64 * 1024);
  for (let n; (n = await conn.read(buf)) !== null;) await stdout.write(buf.slice(0, n));
}

/**
 * Serves one stream connection: input to the peer (then FIN), the peer to
 * output, until the peer's FIN.
 */
async function serveStream(
  conn: KernelConn,
  input: Input,
  stdout: WritableStreamDefaultWriter<Uint8Array>,
  noStdin: boolean,
): Promise<void> {
  const out = copyOut(conn, stdout);
  const outDone = out.then(() => {}, () => {});
  const copyIn = async () => {
    if (noStdin) return;
    for (;;) {
      const chunk = await input.next(outDone);
      if (chunk === "stop") return; // the peer is done: stop feeding it
      if (chunk === null) break;
      await conn.writeAll(chunk);
    }
    await conn.closeWrite();
  };
  const inn = copyIn();
  // Whichever fails first decides the error; both must settle before return.
  const results = await Promise.allSettled([out, inn]);
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

async function resolve(host: string, family: Options["family"]): Promise<string> {
  if (isIPv4(host) || isIPv6(host)) {
    const actual = isIPv4(host) ? "inet" : "inet6";
    if (family && family !== actual) {
      throw new UsageError(`nc: ${host} is not an ${family === "inet" ? "IPv4" : "IPv6"} address`);
    }
    return host;
  }
  if (host === "localhost") return family === "inet6" ? "::1" : "127.0.0.1";
  if (!family) return host; // let connect resolve it
  const records = await Deno.resolveDns(host, family === "inet" ? "A" : "AAAA").catch(() => []);
  if (records.length === 0) {
    throw new Error(
      `nc: cannot resolve ${host} to an ${family === "inet" ? "IPv4" : "IPv6"} address`,
    );
  }
  return records[0];
}

function parse(args: string[]): { options: Options; target: string[] } {
  const { values, positionals } = parseFlags("nc", args, {
    l: { type: "boolean", short: "l" },
    k: { type: "boolean", short: "k" },
    u: { type: "boolean", short: "u" },
    U: { type: "boolean", short: "U" },
    "4": { type: "boolean", short: "4" },
    "6": { type: "boolean", short: "6" },
    d: { type: "boolean", short: "d" },
    N: { type: "boolean", short: "N" }, // OpenBSD's "shutdown on EOF": always on here
    w: { type: "string", short: "w" },
    v: { type: "boolean", short: "v" },
  }, 2);
  if (values["4"] && values["6"]) throw new UsageError("nc: -4 and -6 exclude each other");
  if (values.k && !values.l) throw new UsageError("nc: -k only makes sense with -l");
  const options: Options = {
    listen: values.l === true,
    keep: values.k === true,
    udp: values.u === true,
    unix: values.U === true,
    family: values["4"] ? "inet" : values["6"] ? "inet6" : undefined,
    noStdin: values.d === true,
    wait: values.w === undefined ? undefined : durationValue("w", `${values.w}s`),
    verbose: values.v === true,
  };
  if (options.unix && options.family) throw new UsageError("nc: -U takes no -4 or -6");
  if (options.unix && positionals.length !== 1) {
    throw new UsageError("nc: -U needs exactly one argument, the socket path");
  }
  if (!options.unix && positionals.length === 0) {
    throw new UsageError("nc: missing port (usage: nc [-l] [host] port)");
  }
  if (!options.unix && positionals.length === 1 && !options.listen) {
    throw new UsageError("nc: missing host or port (usage: nc host port)");
  }
  return { options, target: positionals };
}

export const command: Subcommand = {
  summary: "netcat: connect or listen over TCP, UDP or unix sockets, piping stdio",
  usage,
  async main(args, io) {
    const { options, target } = parse(args);
    const say = (text: string) => options.verbose ? write(io.stderr, `nc: ${text}\n`) : undefined;
    const input = new Input(options.noStdin ? null : io.stdin);
    const stdout = io.stdout.getWriter();
    try {
      if (options.udp) await datagrams(options, target, input, stdout, say);
      else await streams(options, target, input, stdout, say);
      return 0;
    } finally {
      await input.close();
      stdout.releaseLock();
    }
  },
};

type Say = (text: string) => Promise<void> | undefined;

async function streams(
  options: Options,
  target: string[],
  input: Input,
  stdout: WritableStreamDefaultWriter<Uint8Array>,
  say: Say,
): Promise<void> {
  if (!options.listen) {
    const conn = options.unix ? await connect({ path: unixAddr(target[0]).path }) : await connect({
      hostname: await resolve(target[0], options.family),
      port: checkedPort(target[1], false),
      timeout: options.wait,
    });
    await using _conn = conn;
    await say(`connected to ${formatAddr(conn.remoteAddr)}`);
    await serveStream(conn, input, stdout, options.noStdin);
    return;
  }
  let listener: KernelListener;
  if (options.unix) listener = listen({ path: unixAddr(target[0]).path });
  else {
    const [host, port] = target.length === 2 ? target : [undefined, target[0]];
    const hostname = host === undefined
      ? options.family === "inet6" ? "::" : "0.0.0.0"
      : await resolve(host, options.family);
    listener = listen({ hostname, port: checkedPort(port, true) });
  }
  await using _listener = listener;
  await say(`listening on ${formatAddr(listener.addr)}`);
  do {
    await using conn = await listener.accept();
    await say(`connection from ${formatAddr(conn.remoteAddr)}`);
    await serveStream(conn, input, stdout, options.noStdin);
    await say(`connection from ${formatAddr(conn.remoteAddr)} closed`);
  } while (options.keep);
}

function checkedPort(text: string, zeroOk: boolean): number {
  const port = portValue("port", text);
  if (port === 0 && !zeroOk) throw new UsageError("nc: cannot connect to port 0");
  return port;
}

async function datagrams(
  options: Options,
  target: string[],
  input: Input,
  stdout: WritableStreamDefaultWriter<Uint8Array>,
  say: Say,
): Promise<void> {
  let socket: KernelDatagramSocket | FdSocket;
  let peer: Addr | undefined;
  let tempDir: string | undefined;
  if (options.unix) {
    if (options.listen) socket = listenDatagram({ path: unixAddr(target[0]).path });
    else {
      // A unix datagram client needs a name of its own to be answered.
      tempDir = await Deno.makeTempDir({ prefix: "socklab-nc-" });
      socket = listenDatagram({ path: `${tempDir}/client.sock` });
      peer = unixAddr(target[0]);
    }
  } else if (options.listen) {
    const [host, port] = target.length === 2 ? target : [undefined, target[0]];
    const hostname = host === undefined
      ? options.family === "inet6" ? "::" : "0.0.0.0"
      : await resolve(host, options.family);
    socket = listenDatagram({ hostname, port: checkedPort(port, true) });
  } else {
    const hostname = await resolve(target[0], options.family);
    const family = isIPv6(hostname) ? "inet6" : "inet";
    if (!isIPv4(hostname) && !isIPv6(hostname)) {
      throw new UsageError(`nc: -u needs a numeric address or -4/-6 to resolve "${hostname}"`);
    }
    socket = listenDatagram({ hostname: family === "inet6" ? "::" : "0.0.0.0", port: 0 });
    peer = { family, hostname, port: checkedPort(target[1], false) };
  }
  try {
    await using _socket = socket;
    if (options.listen) {
      await say(`listening on ${formatAddr(socket.addr)}`);
      // Like OpenBSD nc: the first sender becomes the peer.
      const first = await socket.receive();
      peer = first.from;
      await say(`datagram from ${formatAddr(peer)}`);
      await stdout.write(first.data);
    }
    await exchange(socket, peer!, input, stdout, options);
  } finally {
    if (tempDir !== undefined) await Deno.remove(tempDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Datagrams both ways. After standard input ends, receiving goes on: until
 * interrupted, or with -w until that long passes without a datagram.
 */
async function exchange(
  socket: KernelDatagramSocket | FdSocket,
  peer: Addr,
  input: Input,
  stdout: WritableStreamDefaultWriter<Uint8Array>,
  options: Options,
): Promise<void> {
  const same = (a: Addr) => formatAddr(a) === formatAddr(peer);
  const inputEnded = new AbortController();
  const receiving = (async () => {
    for (;;) {
      let d: Datagram;
      try {
        // While input flows, wait without limit; once it has ended, switch
        // to the -w limit (the aborted receive loses no datagram).
        d = await socket.receive(
          inputEnded.signal.aborted ? { timeout: options.wait } : { signal: inputEnded.signal },
        );
      } catch (error) {
        if (error === inputEnded.signal.reason) continue;
        if (error instanceof TimedOut) return;
        throw error;
      }
      if (same(d.from)) await stdout.write(d.data);
    }
  })();
  try {
    for (;;) {
      const chunk = await input.next(receiving);
      if (chunk === null || chunk === "stop") break;
      // One read, one datagram (split only beyond the largest UDP payload).
      let off = 0;
      do {
        await socket.send(chunk.subarray(off, off + MAX_DATAGRAM), peer);
        off += MAX_DATAGRAM;
      } while (off < chunk.length);
    }
  } finally {
    inputEnded.abort(new Error("standard input ended"));
  }
  await receiving;
}
