/**
 * The playground's kernel view: a real TCP connection over loopback, opened
 * through socklab's socket layer (deno/net/), and what the Linux kernel says
 * about both of its ends while it runs, streamed as server-sent events.
 *
 * The script, bounded in bytes and time: connect; the client writes
 * {@link KERNEL_BYTES} while the server, with a small receive buffer, reads
 * slowly, so the queues and the window can be seen filling; the client
 * half-closes, the server reads to the end and closes, and the client's end
 * is followed into TIME-WAIT. Every {@link KERNEL_SAMPLE_MS} ms a sample
 * goes out: for each end the state, send and receive queues (/proc/net/tcp)
 * and, while the socket is open, cwnd, ssthresh, RTT and RTO (TCP_INFO).
 *
 * One view runs at a time (a second request gets a 503), and it stops by
 * itself after {@link KERNEL_MAX_MS} ms at most, or when the page goes away.
 *
 * @module
 */
import { connect, type KernelConn, listen } from "../net/stream.ts";
import { kernelSockets } from "../net/procnet.ts";
import { setSocketOption, type TcpInfo, tcpInfo } from "../net/sockopt.ts";
import type { InetAddr } from "../net/types.ts";

/** Bytes the client sends. */
export const KERNEL_BYTES = 4 * 1024 * 1024;
/** How often a sample goes out, ms. */
export const KERNEL_SAMPLE_MS = 40;
/** The longest a view runs, ms. */
export const KERNEL_MAX_MS = 8000;

/** One end of the connection at one instant. */
export interface KernelEndSample {
  /** The state, by its RFC 9293 name. */
  readonly state: string;
  /** Bytes queued to send (unsent or unacknowledged). */
  readonly sendQueue: number;
  /** Bytes received and not yet read. */
  readonly recvQueue: number;
  /** Congestion window, segments (TCP_INFO; null once the socket is closed). */
  readonly cwnd: number | null;
  /** Slow-start threshold, segments, or null while infinite or unknown. */
  readonly ssthresh: number | null;
  /** Smoothed RTT, ms. */
  readonly rtt: number | null;
  /** RTO, ms. */
  readonly rto: number | null;
  /** The sender's MSS, bytes. */
  readonly mss: number | null;
  /** Unrecovered retransmissions (/proc). */
  readonly retransmits: number;
  /** Bytes the peer acknowledged (TCP_INFO). */
  readonly bytesAcked: number | null;
}

/** One sample of the stream. */
export interface KernelSample {
  /** Milliseconds since the view started. */
  readonly time: number;
  /** What the script is doing ("sending", "closing", "TIME-WAIT"...). */
  readonly phase: string;
  /** The connecting end. */
  readonly client: KernelEndSample | null;
  /** The accepted end. */
  readonly server: KernelEndSample | null;
}

let running = false;

/**
 * Answers `/playground/kernel`: an event stream of {@link KernelSample}s
 * ("sample" events), ending with a "done" or "failure" event.
 *
 * @param request The request (its signal ends the view early).
 * @returns The response: the stream, or a 503 while another view runs.
 */
export function kernelEvents(request: Request): Response {
  if (running) {
    return new Response(JSON.stringify({ error: "a kernel view is running; try again soon" }), {
      status: 503,
      headers: { "content-type": "application/json; charset=utf-8", "retry-after": "5" },
    });
  }
  running = true;
  const encoder = new TextEncoder();
  const abort = new AbortController();
  request.signal?.addEventListener("abort", () => abort.abort());
  let script: Promise<void> = Promise.resolve();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      script = stream(controller);
    },
    // Resolves once the connection is closed, so nothing outlives the stream.
    cancel() {
      abort.abort();
      return script;
    },
  });
  async function stream(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const send = (event: string, data: unknown) => {
      if (abort.signal.aborted) return;
      controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    };
    try {
      const summary = await kernelScript((s) => send("sample", s), abort.signal);
      send("done", summary);
    } catch (error) {
      send("failure", (error as Error).message);
    } finally {
      running = false;
      if (!abort.signal.aborted) controller.close();
    }
  }
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/**
 * Runs the script and reports samples.
 *
 * @param report Called with each sample.
 * @param signal Ends the script early.
 * @returns A one-line summary.
 */
export async function kernelScript(
  report: (sample: KernelSample) => void,
  signal: AbortSignal,
): Promise<string> {
  const started = performance.now();
  const deadline = started + KERNEL_MAX_MS;
  const listener = listen({ hostname: "127.0.0.1", port: 0 });
  let client: KernelConn | null = null, server: KernelConn | null = null;
  let phase = "connecting";
  let clientAddr: InetAddr | null = null;
  const serverAddr = listener.addr as InetAddr;
  let sampling = true;
  let writer: Promise<void> | null = null;
  const sampler = (async () => {
    while (sampling && !signal.aborted && performance.now() < deadline) {
      if (clientAddr) {
        report({
          time: Math.round(performance.now() - started),
          phase,
          ...(await ends(client, server, clientAddr, serverAddr)),
        });
      }
      await sleep(KERNEL_SAMPLE_MS);
    }
  })();
  try {
    const accepted = listener.accept();
    client = await connect(serverAddr);
    server = await accepted;
    clientAddr = client.localAddr as InetAddr;
    // A small receive buffer at the server and slow reading: the window closes and opens.
    await setSocketOption(server, "receiveBufferSize", 64 * 1024);
    phase = "sending";
    const data = new Uint8Array(64 * 1024).fill(0x61);
    writer = (async () => {
      for (let sent = 0; sent < KERNEL_BYTES && !signal.aborted; sent += data.length) {
        await client!.writeAll(data);
      }
      phase = "client half-closes";
      await client!.closeWrite();
    })();
    const buffer = new Uint8Array(32 * 1024);
    let received = 0;
    for (;;) {
      if (signal.aborted || performance.now() > deadline) throw new Error("stopped early");
      const n = await server.read(buffer);
      if (n === null) break;
      received += n;
      // About 4 MB/s: slow enough to watch the queues fill.
      if (received % (128 * 1024) < n) await sleep(30);
    }
    await writer;
    phase = "server closes";
    server.close();
    server = null;
    // The client reads the server's FIN and closes: the kernel keeps its end in TIME-WAIT.
    await client.read(buffer);
    client.close();
    client = null;
    phase = "TIME-WAIT";
    await sleep(6 * KERNEL_SAMPLE_MS);
    return `${received} bytes over loopback, ` +
      `${Math.round(performance.now() - started)} ms; the client's end is in TIME-WAIT ` +
      `for 60 s (Linux's fixed 2MSL)`;
  } finally {
    sampling = false;
    await sampler;
    client?.close();
    server?.close();
    listener.close();
    // A write cut short by the close fails; that is how an early stop ends it.
    await writer?.catch(() => {});
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function ends(
  client: KernelConn | null,
  server: KernelConn | null,
  clientAddr: InetAddr,
  serverAddr: InetAddr,
): Promise<{ client: KernelEndSample | null; server: KernelEndSample | null }> {
  const entries = await kernelSockets({ protocols: ["tcp"], port: clientAddr.port });
  const entry = (local: InetAddr) =>
    entries.find((e) =>
      (e.local as InetAddr).port === local.port &&
      (e.remote as InetAddr | null)?.port === (local === clientAddr ? serverAddr : clientAddr).port
    ) ?? null;
  const info = async (conn: KernelConn | null): Promise<TcpInfo | null> => {
    if (!conn || conn.closed) return null;
    try {
      return await tcpInfo(conn);
    } catch {
      return null; // closed meanwhile
    }
  };
  const end = async (conn: KernelConn | null, local: InetAddr): Promise<KernelEndSample | null> => {
    const e = entry(local), i = await info(conn);
    if (!e && !i) return null;
    return {
      state: e?.state ?? i!.state,
      sendQueue: e?.sendQueue ?? 0,
      recvQueue: e?.recvQueue ?? 0,
      cwnd: i?.sndCwnd ?? null,
      ssthresh: i && i.sndSsthresh < 0x7fffffff ? i.sndSsthresh : null,
      rtt: i?.rtt ?? null,
      rto: i?.rto ?? null,
      mss: i?.sndMss ?? null,
      retransmits: e?.retransmits ?? 0,
      bytesAcked: i?.bytesAcked ?? null,
    };
  };
  return { client: await end(client, clientAddr), server: await end(server, serverAddr) };
}
