// Kernel socket throughput over loopback, socklab beside its peers in one
// run, rounds interleaved:
// - in-process TCP bulk transfer: Deno.Conn directly, socklab's KernelConn
//   (read/writeAll), and socklab's Web streams (readable/writable);
// - netcats piping the same bytes from stdin to a socat sink: socklab nc,
//   socat and ncat (process start-up included: what a user sees).
// Only the ratios carry to other machines.
import { connect, listen } from "../deno/net/stream.ts";
import { kernelSockets } from "../deno/net/procnet.ts";
import { table } from "./_harness.ts";

const MB = 1e6;
const CHUNK = 64 * 1024;

/** Sends `bytes` from one end of a loopback TCP connection to the other; seconds taken. */
async function inProcess(
  kind: "deno" | "denoStreams" | "socklab" | "streams",
  bytes: number,
): Promise<number> {
  const chunk = new Uint8Array(CHUNK).fill(7);
  if (kind === "deno" || kind === "denoStreams") {
    const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = server.accept();
    const client = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const peer = await accepted;
    const start = performance.now();
    if (kind === "denoStreams") {
      // Deno's own streams; draining its readable closes the connection.
      const reading = peer.readable.pipeTo(new WritableStream());
      const writer = client.writable.getWriter();
      for (let sent = 0; sent < bytes; sent += CHUNK) await writer.write(chunk);
      await writer.close();
      await reading;
      const seconds = (performance.now() - start) / 1000;
      server.close();
      return seconds;
    }
    const reading = (async () => {
      const buf = new Uint8Array(CHUNK);
      while ((await peer.read(buf)) !== null);
    })();
    for (let sent = 0; sent < bytes;) sent += await client.write(chunk);
    await client.closeWrite();
    await reading;
    const seconds = (performance.now() - start) / 1000;
    client.close();
    peer.close();
    server.close();
    return seconds;
  }
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = server.accept();
  await using client = await connect(server.addr);
  await using peer = await accepted;
  const start = performance.now();
  if (kind === "socklab") {
    const reading = (async () => {
      const buf = new Uint8Array(CHUNK);
      while ((await peer.read(buf)) !== null);
    })();
    for (let sent = 0; sent < bytes; sent += CHUNK) await client.writeAll(chunk);
    await client.closeWrite();
    await reading;
  } else {
    const reading = peer.readable.pipeTo(new WritableStream());
    const writer = client.writable.getWriter();
    for (let sent = 0; sent < bytes; sent += CHUNK) await writer.write(chunk);
    await writer.close();
    await reading;
  }
  return (performance.now() - start) / 1000;
}

const CLI = new URL("../deno/cli.ts", import.meta.url).pathname;

/** Pipes `file` through a netcat into a socat sink on loopback; seconds taken. */
async function netcat(tool: "socklab nc" | "socat" | "ncat", file: string): Promise<number> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const sink = new Deno.Command("socat", {
    // -t 0: close at once after EOF, not socat's default half second later.
    args: ["-t", "0", "-u", `TCP-LISTEN:${port},bind=127.0.0.1`, "OPEN:/dev/null"],
    stderr: "null",
  }).spawn();
  // Wait until the sink listens, as the kernel shows it (bounded).
  for (let i = 0; i < 1000; i++) {
    const found = await kernelSockets({ protocols: ["tcp"], port });
    if (found.some((x) => x.state === "LISTEN")) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const [cmd, args] = tool === "socklab nc"
    ? [Deno.execPath(), ["run", "-A", CLI, "nc", "127.0.0.1", String(port)]]
    : tool === "socat"
    ? ["socat", ["-u", `OPEN:${file}`, `TCP:127.0.0.1:${port}`]]
    : ["ncat", ["--send-only", "127.0.0.1", String(port)]];
  const start = performance.now();
  const input = await Deno.open(file);
  const child = new Deno.Command(cmd, {
    args,
    stdin: tool === "socat" ? "null" : "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  if (tool !== "socat") await input.readable.pipeTo(child.stdin);
  else input.close();
  await child.status;
  await sink.status;
  return (performance.now() - start) / 1000;
}

/** Runs the network benchmarks; resolves to the report. */
export async function benchNet(rounds = 3): Promise<string> {
  const lines: string[] = [];
  const bytes = 256 * 1024 * 1024;
  const kinds = ["deno", "socklab", "denoStreams", "streams"] as const;
  const best = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      const rate = bytes / (await inProcess(kind, bytes)) / MB;
      best.set(kind, Math.max(best.get(kind) ?? 0, rate));
    }
  }
  const deno = best.get("deno")!;
  lines.push(
    `TCP over loopback, ${bytes / 2 ** 20} MiB in 64 KiB writes, best of ${rounds}:`,
    table(
      ["", "MB/s", "vs Deno.Conn"],
      [
        ["Deno.Conn read/write", "deno"],
        ["socklab Conn read/writeAll", "socklab"],
        ["Deno.Conn readable/writable", "denoStreams"],
        ["socklab Conn readable/writable", "streams"],
      ].map(([label, kind]) => [
        label,
        best.get(kind)!.toFixed(0),
        (best.get(kind)! / deno).toFixed(2),
      ]),
    ),
  );
  const missing = ["socat", "ncat"].filter((c) =>
    !new Deno.Command("sh", { args: ["-c", `command -v ${c}`], stdout: "null" }).outputSync()
      .success
  );
  if (missing.length) {
    lines.push("", `netcats: skipped (${missing.join(", ")} not installed)`);
    return lines.join("\n");
  }
  const file = await Deno.makeTempFile();
  try {
    const size = 64 * 1024 * 1024;
    await Deno.writeFile(file, new Uint8Array(size).map((_, i) => i * 31));
    const tools = ["socklab nc", "socat", "ncat"] as const;
    const seconds = new Map<string, number>();
    for (let r = 0; r < 2; r++) {
      for (const tool of tools) {
        const s = await netcat(tool, file);
        seconds.set(tool, Math.min(seconds.get(tool) ?? Infinity, s));
      }
    }
    const socat = size / seconds.get("socat")! / MB;
    lines.push(
      "",
      `netcats piping a ${
        size / 2 ** 20
      } MiB file to a socat sink (process start included), best of 2:`,
      table(
        ["", "MB/s", "vs socat"],
        tools.map((t) => {
          const rate = size / seconds.get(t)! / MB;
          return [t, rate.toFixed(0), (rate / socat).toFixed(2)];
        }),
      ),
    );
  } finally {
    await Deno.remove(file);
  }
  return lines.join("\n");
}

if (import.meta.main) console.log(await benchNet());
