// socklab's TCP/IP against the Linux kernel's, on a TUN link: the proof of
// issue 12. Each test makes its own network namespace (removed afterwards,
// also on failure) and only addresses hosts inside it: the kernel's end of
// the TUN interface and socklab's. The kernel's side is real programs: curl,
// python3's http.server, ping, and tests/testdata/kernel_peer.py, a kernel
// TCP socket driven line by line.
//
// Every test captures the namespace's traffic (tcpdump on the interface, or
// on "any" when socklab's command creates the interface itself) and has
// tshark check every checksum with nothing malformed; a failing test keeps
// its capture and says where.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TunLink } from "../deno/link/tun.ts";
import { serve } from "../deno/http/server.ts";
import { HttpClient } from "../deno/http/client.ts";
import { parseProcNetInet } from "../deno/net/procnet.ts";
import type { TcpConn } from "../deno/link/driver.ts";
import type { TcpState, TraceEvent } from "../deno/trace/events.ts";
import {
  commandOutput,
  ifName,
  missingCommand,
  missingTun,
  randomBytes,
  readToEnd,
  requires,
  runUnprivileged,
  sh,
  spawnIn,
  untilListening,
  within,
  withNetns,
} from "../deno/_testing.ts";

const CLI = new URL("../deno/cli.ts", import.meta.url).pathname;
const PEER = new URL("./testdata/kernel_peer.py", import.meta.url).pathname;
const MB10 = 10_000_000;
const NEEDS = [
  missingTun(),
  missingCommand("ip"),
  missingCommand("tcpdump"),
  missingCommand("tshark"),
];
const CURL = missingCommand("curl");
/** `socklab fetch` runs under timeout(1) (coreutils). */
const FETCH = missingCommand("timeout");
const PYTHON = missingCommand("python3");

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

// ---------------------------------------------------------------------------
// Captures

/** tcpdump writing everything it sees on `iface` in `ns` to `file`, until stopped. */
async function startCapture(ns: string, iface: string, file: string) {
  const child = new Deno.Command("ip", {
    // --immediate-mode: without it, packets wait in the kernel's ring for a block
    // to fill, and those still waiting when tcpdump stops are never written. The
    // ring then has one slot per snapshot length: 2048 bytes hold a whole packet
    // at the tests' MTU of 1500, and 64 MiB of them a 10 MB transfer whole,
    // should tcpdump get no CPU meanwhile.
    args: [
      ...["netns", "exec", ns, "tcpdump", "-i", iface, "-n", "-U", "--immediate-mode"],
      ...["-B", "65536", "-s", "2048", "-w", file],
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  await within(
    10_000,
    "tcpdump to start",
    (async () => {
      while (!text.includes("listening on")) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`tcpdump did not start: ${text}`);
        text += value;
      }
    })(),
  );
  let stopped: Promise<string> | undefined;
  const draining = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
  })();
  return {
    /** Stops tcpdump (once; later calls wait for the same end); what it said. */
    stop(): Promise<string> {
      return stopped ??= (async () => {
        try {
          child.kill("SIGINT"); // tcpdump flushes, says what it captured, and exits
        } catch {
          // Exited already.
        }
        await child.status;
        await draining;
        return text;
      })();
    },
  };
}

/** Frames of a capture tshark finds with a bad checksum (IP, TCP, UDP, ICMP, ICMPv6) or malformed. */
async function captureProblems(file: string): Promise<{ frames: number; bad: string[] }> {
  const tshark = (...args: string[]) =>
    sh(
      "tshark",
      "-n",
      "-r",
      file,
      "-o",
      "ip.check_checksum:TRUE",
      "-o",
      "tcp.check_checksum:TRUE",
      "-o",
      "udp.check_checksum:TRUE",
      // Each packet on its own: reassembling streams that a lossy link made
      // the kernel retransmit only finds overlaps, which are no fault.
      "-o",
      "tcp.desegment_tcp_streams:FALSE",
      // The payloads are test bytes: random data read as HTTP (a body that
      // starts with CRLF, say), as Gryphon (port 7000) or as whatever a
      // kernel's ephemeral port is registered to (EtherCAT on 34980) would
      // look malformed. The check is about IP, TCP, UDP and ICMP, so every
      // port's payload is data.
      "-d",
      "tcp.port==1-65535,data",
      "-d",
      "udp.port==1-65535,data",
      ...args,
    );
  const frames = (await tshark("-T", "fields", "-e", "frame.number")).split("\n")
    .filter((l) => l !== "").length;
  const bad = (await tshark(
    "-Y",
    // A TCP checksum of 0xffff where 0x0000 was computed is the same number in
    // ones' complement (RFC 1071); Linux sends it, and tshark warns (RFC 1624).
    "ip.checksum.status == 0 || (tcp.checksum.status == 0 && !tcp.checksum.ffff) || " +
      "udp.checksum.status == 0 || icmp.checksum.status == 0 || " +
      "icmpv6.checksum.status == 0 || _ws.malformed || frame.len > frame.cap_len",
  )).split("\n").filter((l) => l.trim() !== "");
  return { frames, bad };
}

/**
 * Asserts that tcpdump captured every packet (it says so when stopped) and
 * that tshark reads `file` with frames in it, no bad checksum and nothing
 * malformed.
 */
async function assertCleanCapture(
  capture: { stop(): Promise<string> },
  file: string,
  atLeast = 10,
): Promise<void> {
  const said = await capture.stop();
  const dropped = /(\d+) packets? dropped by kernel/.exec(said);
  assert.ok(dropped, `tcpdump said: ${said}`);
  assert.equal(Number(dropped[1]), 0, `the capture ${file} is incomplete: ${said}`);
  const { frames, bad } = await captureProblems(file);
  assert.ok(frames >= atLeast, `the capture ${file} has ${frames} frames`);
  assert.deepEqual(bad, [], `tshark finds bad checksums or malformed frames in ${file}`);
}

/**
 * Runs `fn` with a fresh folder for the test's files (captures, downloads);
 * removed on success, kept (and named) when the test fails.
 */
async function withWorkDir(tag: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: `socklab-tun-${tag}-` });
  try {
    await fn(dir);
  } catch (error) {
    console.error(`tun test ${tag} failed: its captures are kept in ${dir}`);
    throw error;
  }
  await Deno.remove(dir, { recursive: true });
}

// ---------------------------------------------------------------------------
// socklab's commands and the kernel's programs, in the namespace

/** A line reader over a child's standard output. */
function lines(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", ended = false;
  const seen: string[] = [];
  return {
    seen,
    /** The next line; null at the end. */
    async next(): Promise<string | null> {
      while (!buffer.includes("\n")) {
        if (ended) return null;
        const { done, value } = await reader.read();
        if (done) ended = true;
        else buffer += value;
      }
      const line = buffer.slice(0, buffer.indexOf("\n"));
      buffer = buffer.slice(line.length + 1);
      seen.push(line);
      return line;
    },
    async rest(): Promise<string> {
      const out: string[] = [];
      for (let l = await this.next(); l !== null; l = await this.next()) out.push(l);
      return out.join("\n");
    },
  };
}

/** `socklab serve --tun` in `ns`, started and listening on every address. */
async function startServe(ns: string, args: string[]) {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, Deno.execPath(), "run", "-A", CLI, "serve", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = lines(child.stdout);
  const stderr = new Response(child.stderr).text();
  const wanted = args[args.indexOf("--address") + 1].split(",").length;
  let listening = 0;
  await within(
    30_000,
    "socklab serve to listen",
    (async () => {
      while (listening < wanted) {
        const line = await out.next();
        if (line === null) throw new Error(`serve exited: ${out.seen.join("\n")}\n${await stderr}`);
        if (line.startsWith("listening on")) listening++;
      }
    })(),
  );
  return {
    out,
    /** Stops it with `signal` and resolves to its exit code and the rest of its output. */
    async stop(signal: Deno.Signal = "SIGINT") {
      try {
        child.kill(signal);
      } catch {
        // Exited already.
      }
      const rest = await out.rest();
      const { code } = await child.status;
      return { code, stdout: [...out.seen].join("\n") + rest, stderr: await stderr };
    },
  };
}

/** Runs `socklab fetch` in `ns`; resolves to its exit code and output. */
function fetchCli(ns: string, args: string[]) {
  return commandOutput("ip", [
    "netns",
    "exec",
    ns,
    // A transfer that stalls (a packet the kernel keeps dropping, say) would
    // retry for the 15-minute user timeout: interrupted sooner, it fails.
    "timeout",
    "-s",
    "INT",
    "300",
    Deno.execPath(),
    "run",
    "-A",
    CLI,
    "fetch",
    ...args,
  ]);
}

/** `python3 -m http.server` on every address of `ns`, serving `dir` on `port`. */
async function startHttpServer(ns: string, dir: string, port: number) {
  const server = spawnIn(ns, [
    "python3",
    "-m",
    "http.server",
    "--bind",
    "::",
    "--directory",
    dir,
    String(port),
  ]);
  await untilListening(ns, port);
  return server;
}

const curl = (ns: string, ...args: string[]) =>
  sh("ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "600", ...args);

// ---------------------------------------------------------------------------
// Transfers

Deno.test(requires([...NEEDS, CURL], {
  name: "curl fetches 10 MB from socklab serve --tun over IPv4 and IPv6, SHA-256 checked",
  async fn() {
    await withWorkDir("serve", async (dir) => {
      const data = randomBytes(MB10);
      await Deno.writeFile(`${dir}/big.bin`, data);
      await withNetns("serve", async (ns) => {
        const capture = await startCapture(ns, "any", `${dir}/any.pcap`);
        const iface = ifName("s");
        const server = await startServe(ns, [
          ...["--tun", iface, "--address", "10.0.0.2/24,fd00::2/64"],
          ...["--root", dir, "-q"],
        ]);
        try {
          assert.deepEqual(server.out.seen.slice(0, 4), [
            `${iface}: socklab 10.0.0.2/24, kernel 10.0.0.1`,
            `${iface}: socklab fd00::2/64, kernel fd00::1`,
            "listening on http://10.0.0.2/",
            "listening on http://[fd00::2]/",
          ]);
          await curl(ns, "-o", `${dir}/v4.bin`, "http://10.0.0.2/files/big.bin");
          await curl(ns, "-g", "-o", `${dir}/v6.bin`, "http://[fd00::2]/files/big.bin");
        } finally {
          const { code, stdout } = await server.stop();
          await capture.stop();
          assert.equal(code, 0, stdout);
        }
        assert.equal(sha256(await Deno.readFile(`${dir}/v4.bin`)), sha256(data));
        assert.equal(sha256(await Deno.readFile(`${dir}/v6.bin`)), sha256(data));
        // Every data segment of both transfers (at least 10 MB / MSS each) was captured.
        await assertCleanCapture(capture, `${dir}/any.pcap`, 2 * Math.ceil(MB10 / 1460));
      });
    });
  },
}));

Deno.test(requires([...NEEDS, PYTHON, FETCH], {
  name:
    "socklab fetch --tun downloads 10 MB from python3 -m http.server over IPv4 and IPv6, SHA-256 checked",
  async fn() {
    await withWorkDir("fetch", async (dir) => {
      const data = randomBytes(MB10);
      await Deno.writeFile(`${dir}/big.bin`, data);
      await withNetns("fetch", async (ns) => {
        const python = await startHttpServer(ns, dir, 8000);
        const capture = await startCapture(ns, "any", `${dir}/any.pcap`);
        try {
          for (
            const [address, url, out] of [
              ["10.0.0.2/24", "http://10.0.0.1:8000/big.bin", "v4.bin"],
              ["fd00::2/64", "http://[fd00::1]:8000/big.bin", "v6.bin"],
            ]
          ) {
            const tun = ["--tun", ifName("f"), "--address", address];
            const r = await fetchCli(ns, [...tun, url, "-o", `${dir}/${out}`]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, new RegExp(`200 OK: 10000000 bytes .* SHA-256 ${sha256(data)}`));
            assert.equal(sha256(await Deno.readFile(`${dir}/${out}`)), sha256(data));
          }
        } finally {
          await capture.stop();
          await python.stop();
        }
        await assertCleanCapture(capture, `${dir}/any.pcap`, 2 * Math.ceil(MB10 / 1460));
      });
    });
  },
}));

Deno.test(requires([...NEEDS, CURL, PYTHON, FETCH], {
  name:
    "with --offload, curl from serve --tun and fetch --tun move 10 MB in 64 KB super-packets over IPv4 and IPv6, SHA-256 checked",
  async fn() {
    // Without offload 10 MB take at least 10 MB / MSS packets one way; with
    // it a packet carries up to 45 MSSes. Fewer than a quarter as many
    // packets means they were super-packets, both ways.
    const most = Math.ceil(MB10 / 1460 / 4);
    const counts = (text: string) => {
      const m = /link \S+: (\d+) packets written, (\d+) read/.exec(text);
      assert.ok(m, text);
      return { written: Number(m[1]), read: Number(m[2]) };
    };
    await withWorkDir("offload", async (dir) => {
      const data = randomBytes(MB10);
      await Deno.writeFile(`${dir}/big.bin`, data);
      await withNetns("offload", async (ns) => {
        const server = await startServe(ns, [
          ...["--tun", ifName("o"), "--address", "10.0.0.2/24,fd00::2/64", "--offload"],
          ...["--root", dir, "-q"],
        ]);
        let stdout = "";
        try {
          await curl(ns, "-o", `${dir}/v4.bin`, "http://10.0.0.2/files/big.bin");
          await curl(ns, "-g", "-o", `${dir}/v6.bin`, "http://[fd00::2]/files/big.bin");
        } finally {
          const stopped = await server.stop();
          stdout = stopped.stdout;
          assert.equal(stopped.code, 0, stopped.stdout);
        }
        assert.equal(sha256(await Deno.readFile(`${dir}/v4.bin`)), sha256(data));
        assert.equal(sha256(await Deno.readFile(`${dir}/v6.bin`)), sha256(data));
        assert.ok(counts(stdout).written < 2 * most, stdout);
        const python = await startHttpServer(ns, dir, 8000);
        try {
          for (
            const [address, url, out] of [
              ["10.0.0.2/24", "http://10.0.0.1:8000/big.bin", "f4.bin"],
              ["fd00::2/64", "http://[fd00::1]:8000/big.bin", "f6.bin"],
            ]
          ) {
            const tun = ["--tun", ifName("p"), "--address", address, "--offload"];
            // With a capture, checksums are finished both ways (the kernel's
            // partial ones on the way in, socklab's own on the way out).
            const pcap = ["--pcap", `${dir}/${out}.pcap`];
            const r = await fetchCli(ns, [...tun, ...pcap, url, "-o", `${dir}/${out}`]);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(sha256(await Deno.readFile(`${dir}/${out}`)), sha256(data));
            assert.ok(counts(r.stderr).read < most, r.stderr);
            const { frames, bad } = await captureProblems(`${dir}/${out}.pcap`);
            assert.ok(frames >= 2 * counts(r.stderr).read, `${frames} frames captured`);
            assert.deepEqual(bad, [], `tshark finds bad checksums in ${out}.pcap`);
          }
        } finally {
          await python.stop();
        }
      });
    });
  },
}));

/** A kernel sink: takes one connection, reads it to the end, answers with the byte count. */
const COUNTING_SINK = `
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
c, _ = s.accept()
n = 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    n += len(b)
c.sendall(str(n).encode())
c.close()
`;

Deno.test(requires([...NEEDS, PYTHON, missingCommand("ethtool")], {
  name:
    "with offload, socklab's super-packets to a host the kernel forwards to are cut to packets that fit the 1500-byte route, their checksums finished right, over IPv4 and IPv6",
  async fn() {
    // socklab (10.0.0.2, fd00::2; TUN) -> kernel in A -> veth, MTU 1500 -> B (10.9.0.2, fd09::2).
    // A's veth computes no checksums (tx off): the kernel finishes the
    // partial ones socklab leaves in software, and B verifies every packet.
    await withNetns("fa", async (a) => {
      await withNetns("fb", async (b) => {
        const [va, vb] = [ifName("fa"), ifName("fb")];
        await sh(
          "ip",
          "link",
          "add",
          va,
          "netns",
          a,
          "type",
          "veth",
          "peer",
          "name",
          vb,
          "netns",
          b,
        );
        const nodad = ["nodad"];
        await sh("ip", "-n", a, "addr", "add", "10.9.0.1/24", "dev", va);
        await sh("ip", "-n", b, "addr", "add", "10.9.0.2/24", "dev", vb);
        await sh("ip", "-n", a, "addr", "add", "fd09::1/64", "dev", va, ...nodad);
        await sh("ip", "-n", b, "addr", "add", "fd09::2/64", "dev", vb, ...nodad);
        await sh("ip", "-n", a, "link", "set", va, "up");
        await sh("ip", "-n", b, "link", "set", vb, "up");
        await sh("ip", "netns", "exec", a, "ethtool", "-K", va, "tx", "off");
        await sh("ip", "-n", b, "route", "add", "10.0.0.0/24", "via", "10.9.0.1");
        await sh("ip", "-n", b, "route", "add", "fd00::/64", "via", "fd09::1");
        await sh("ip", "netns", "exec", a, "sysctl", "-q", "net.ipv4.ip_forward=1");
        await sh("ip", "netns", "exec", a, "sysctl", "-q", "net.ipv6.conf.all.forwarding=1");
        const link = await TunLink.open({
          name: ifName("fo"),
          address: ["10.0.0.2/24", "fd00::2/64"],
          netns: a,
          offload: true,
        });
        try {
          for (const [far, port] of [["10.9.0.2", 9100], ["fd09::2", 9101]] as const) {
            const sink = spawnIn(b, ["python3", "-c", COUNTING_SINK, far, String(port)]);
            try {
              await untilListening(b, port);
              const data = randomBytes(2_000_000);
              const written = link.stats.written;
              const conn = await within(10_000, `the handshake to ${far}`, link.connect(far, port));
              const sent = conn.writeAll(data).then(() => conn.closeWrite());
              const answer = new TextDecoder().decode(
                await within(20_000, `the count of the sink at ${far}`, readToEnd(conn)),
              );
              await sent;
              conn.close();
              assert.equal(answer, String(data.length), far);
              // It went in super-packets, which the kernel cut on the way.
              const packets = link.stats.written - written;
              assert.ok(packets < data.length / 1440 / 4, `${packets} packets written to ${far}`);
            } finally {
              await sink.stop();
            }
          }
        } finally {
          await link.close();
        }
      });
    });
  },
}));

// ---------------------------------------------------------------------------
// Loss

/**
 * Loss each way, the size moved and the bound on the time it may take, for
 * each sender (ms). The bounds leave room above the slowest runs measured on
 * a noisy 2-core machine (docs/tun.md has the figures): at 1% and 5% both
 * senders took 2 to 8 s for 10 MB; at 20% the kernel took 0.1 to 1.2 s for
 * 1 MB and socklab 10 to 200 s, its time going to exponential backoff when a
 * retransmission or its ACK is lost again (each does with probability 0.36).
 */
const LOSSY: { loss: number; bytes: number; socklabSends: number; kernelSends: number }[] = [
  { loss: 1, bytes: MB10, socklabSends: 60_000, kernelSends: 60_000 },
  { loss: 5, bytes: MB10, socklabSends: 120_000, kernelSends: 60_000 },
  { loss: 20, bytes: 1_000_000, socklabSends: 300_000, kernelSends: 60_000 },
];

for (const { loss, bytes, socklabSends, kernelSends } of LOSSY) {
  Deno.test(requires([...NEEDS, CURL], {
    name: `at ${loss}% loss each way, curl downloads ${
      bytes / 1e6
    } MB from socklab serve --tun within ${socklabSends / 1000} s`,
    async fn() {
      await withWorkDir(`loss${loss}s`, async (dir) => {
        const data = randomBytes(bytes);
        await Deno.writeFile(`${dir}/data.bin`, data);
        await withNetns(`l${loss}s`, async (ns) => {
          const capture = await startCapture(ns, "any", `${dir}/any.pcap`);
          // At 20% loss a run of lost retransmissions backs off for tens of
          // seconds: the default user timeout, 15 minutes like Linux's
          // tcp_retries2, waits it out (60 s did not).
          const server = await startServe(ns, [
            ...["--tun", ifName(`l${loss}`), "--address", "10.0.0.2/24", "--loss", String(loss)],
            ...["--seed", "12", "--root", dir, "-q"],
          ]);
          let summary = "";
          try {
            const started = performance.now();
            await curl(ns, "-o", `${dir}/got.bin`, "http://10.0.0.2/files/data.bin");
            const ms = performance.now() - started;
            assert.ok(ms < socklabSends, `took ${ms.toFixed(0)} ms`);
          } finally {
            summary = (await server.stop()).stdout;
            await capture.stop();
          }
          assert.equal(sha256(await Deno.readFile(`${dir}/got.bin`)), sha256(data));
          // The loss was real, in both directions.
          const [, out, back] = /socklab->kernel (\d+) lost.*kernel->socklab (\d+) lost/.exec(
            summary,
          )!;
          assert.ok(Number(out) > 0 && Number(back) > 0, summary);
          await assertCleanCapture(capture, `${dir}/any.pcap`);
        });
      });
    },
  }));

  Deno.test(requires([...NEEDS, PYTHON, FETCH], {
    name: `at ${loss}% loss each way, socklab fetch --tun downloads ${
      bytes / 1e6
    } MB from the kernel within ${kernelSends / 1000} s`,
    async fn() {
      await withWorkDir(`loss${loss}f`, async (dir) => {
        const data = randomBytes(bytes);
        await Deno.writeFile(`${dir}/data.bin`, data);
        await withNetns(`l${loss}f`, async (ns) => {
          const python = await startHttpServer(ns, dir, 8000);
          const capture = await startCapture(ns, "any", `${dir}/any.pcap`);
          let r;
          try {
            const started = performance.now();
            r = await fetchCli(ns, [
              ...["--tun", ifName(`f${loss}`), "--address", "10.0.0.2/24", "--loss", String(loss)],
              ...[
                "--seed",
                "12",
                "--json",
                "-o",
                `${dir}/got.bin`,
                "http://10.0.0.1:8000/data.bin",
              ],
            ]);
            const ms = performance.now() - started;
            assert.equal(r.code, 0, r.stderr);
            assert.ok(ms < kernelSends, `took ${ms.toFixed(0)} ms`);
          } finally {
            await capture.stop();
            await python.stop();
          }
          const summary = JSON.parse(r.stdout);
          assert.equal(summary.sha256, sha256(data));
          assert.ok(summary.link.outbound.lost > 0 && summary.link.inbound.lost > 0);
          await assertCleanCapture(capture, `${dir}/any.pcap`);
        });
      });
    },
  }));
}

// ---------------------------------------------------------------------------
// Options matrix

interface SynOptions {
  sack: boolean;
  ts: boolean;
  ws: boolean;
  mss: number | null;
}

/** The options of the SYN and SYN-ACK of every TCP stream in a capture, and whether its later segments carried timestamps or SACK blocks. */
async function streamsOf(file: string) {
  const rows = (await sh(
    "tshark",
    "-n",
    "-r",
    file,
    "-T",
    "fields",
    "-E",
    "occurrence=f",
    ...["-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack"],
    ...[
      "-e",
      "tcp.flags.reset",
      "-e",
      "tcp.options.sack_perm",
      "-e",
      "tcp.options.timestamp.tsval",
    ],
    ...["-e", "tcp.options.wscale.shift", "-e", "tcp.options.mss_val", "-e", "tcp.options.sack_le"],
    "-Y",
    "tcp",
  )).split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
  const streams = new Map<number, {
    syn?: SynOptions & { from: number };
    synAck?: SynOptions & { from: number };
    withTs: number;
    withoutTs: number;
    sackBlocks: number;
  }>();
  for (const [stream, port, syn, ack, rst, sackPerm, tsval, shift, mss, sackLe] of rows) {
    const s = streams.get(Number(stream)) ??
      { withTs: 0, withoutTs: 0, sackBlocks: 0 } as NonNullable<ReturnType<typeof streams.get>>;
    streams.set(Number(stream), s);
    const options = {
      from: Number(port),
      sack: sackPerm !== "",
      ts: tsval !== "",
      ws: shift !== "",
      mss: mss === "" ? null : Number(mss),
    };
    if (syn === "1") {
      if (ack === "1") s.synAck = options;
      else s.syn = options;
    } else if (rst !== "1") {
      if (tsval !== "") s.withTs++;
      else s.withoutTs++;
      if (sackLe !== "") s.sackBlocks++;
    }
  }
  return streams;
}

const MATRIX: Record<string, { sack: 0 | 1; timestamps: 0 | 1; window_scaling: 0 | 1 }> = {
  "all on": { sack: 1, timestamps: 1, window_scaling: 1 },
  "all off": { sack: 0, timestamps: 0, window_scaling: 0 },
  "SACK off": { sack: 0, timestamps: 1, window_scaling: 1 },
  "timestamps off": { sack: 1, timestamps: 0, window_scaling: 1 },
  "window scaling off": { sack: 1, timestamps: 1, window_scaling: 0 },
};

Deno.test(requires([...NEEDS, CURL, PYTHON], {
  name:
    "with the kernel's tcp_sack, tcp_timestamps and tcp_window_scaling on and off, transfers both ways are byte-exact and negotiate what RFC 2018 and RFC 7323 say",
  async fn() {
    await withWorkDir("options", async (dir) => {
      const data = randomBytes(1_000_000);
      await Deno.writeFile(`${dir}/data.bin`, data);
      await withNetns("opts", async (ns) => {
        const python = await startHttpServer(ns, dir, 8000);
        const link = await TunLink.open({ name: ifName("o"), address: "10.0.0.2/24", netns: ns });
        const http = serve({ listener: link.listen(80) }, () => new Response(data));
        try {
          for (const [name, sysctls] of Object.entries(MATRIX)) {
            for (const [key, value] of Object.entries(sysctls)) {
              // The namespace's own sysctl (no procps needed: /proc/sys is the interface).
              const file = `/proc/sys/net/ipv4/tcp_${key}`;
              await sh("ip", "netns", "exec", ns, "sh", "-c", `echo ${value} > ${file}`);
            }
            const file = `${dir}/${name.replaceAll(" ", "-")}.pcap`;
            const capture = await startCapture(ns, link.name, file);
            try {
              // The kernel as the client (its SYN), then as the server (its SYN-ACK).
              await curl(ns, "-o", `${dir}/got.bin`, "http://10.0.0.2/");
              assert.equal(sha256(await Deno.readFile(`${dir}/got.bin`)), sha256(data), name);
              const conn = await link.connect("10.0.0.1", 8000);
              const client = new HttpClient(conn);
              const body = new Uint8Array(
                await (await client.fetch("http://10.0.0.1:8000/data.bin")).arrayBuffer(),
              );
              client.close();
              assert.equal(sha256(body), sha256(data), name);
            } finally {
              await capture.stop();
            }
            await assertCleanCapture(capture, file);
            const streams = [...(await streamsOf(file)).values()];
            assert.equal(streams.length, 2, name);
            for (const s of streams) {
              const { syn, synAck } = s;
              assert.ok(syn && synAck, `${name}: a handshake in the capture`);
              const kernelIsClient = synAck.from === 80;
              const kernel = kernelIsClient ? syn : synAck;
              const where = `${name}, kernel as ${kernelIsClient ? "client" : "server"}`;
              const offered = {
                sack: sysctls.sack,
                ts: sysctls.timestamps,
                ws: sysctls.window_scaling,
              };
              for (const opt of ["sack", "ts", "ws"] as const) {
                // The kernel offers what its sysctl allows; as the server, only what the SYN offered.
                const expected: boolean = offered[opt] === 1 && (kernelIsClient || syn[opt]);
                assert.equal(kernel[opt], expected, `${where}: the kernel's ${opt}`);
                // RFC 2018 §2, RFC 7323 §2.2 and §3.2: a SYN-ACK carries an option only if the SYN did.
                if (synAck[opt]) assert.ok(syn[opt], `${where}: ${opt} in the SYN-ACK alone`);
              }
              assert.deepEqual([syn.mss, synAck.mss], [1460, 1460], `${where}: MSS`);
              // RFC 7323 §3.2: once negotiated, every segment but a RST carries timestamps; if not, none does.
              if (syn.ts && synAck.ts) {
                assert.equal(s.withoutTs, 0, `${where}: segments without TSopt`);
              } else assert.equal(s.withTs, 0, `${where}: TSopt not negotiated, yet sent`);
              // RFC 2018 §2: SACK blocks only where SACK-permitted was exchanged.
              if (!(syn.sack && synAck.sack)) {
                assert.equal(s.sackBlocks, 0, `${where}: SACK blocks`);
              }
            }
          }
        } finally {
          await http.shutdown();
          await link.close();
          await python.stop();
        }
      });
    });
  },
}));

// ---------------------------------------------------------------------------
// Host behaviour

const UDP_PROBE = `
import socket, sys
host = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect((host, 9))
s.send(b"anyone there?")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
`;

Deno.test(requires([...NEEDS, CURL, PYTHON, missingCommand("ping")], {
  name:
    "socklab serve --tun behaves as a host: ping gets replies, a closed TCP port is refused at once, UDP to a closed port gets ICMP port unreachable",
  async fn() {
    await withWorkDir("host", async (dir) => {
      await withNetns("host", async (ns) => {
        const capture = await startCapture(ns, "any", `${dir}/any.pcap`);
        const server = await startServe(ns, [
          ...["--tun", ifName("h"), "--address", "10.0.0.2/24,fd00::2/64", "-q"],
        ]);
        try {
          for (const target of ["10.0.0.2", "fd00::2"]) {
            const ping = await sh(
              "ip",
              "netns",
              "exec",
              ns,
              "ping",
              "-c",
              "3",
              "-i",
              "0.2",
              "-W",
              "2",
              target,
            );
            assert.match(ping, /3 packets transmitted, 3 received, 0% packet loss/, target);
          }
          for (const url of ["http://10.0.0.2:81/", "http://[fd00::2]:81/"]) {
            const started = performance.now();
            const out = await commandOutput("ip", ["netns", "exec", ns, "curl", "-sS", "-g", url]);
            assert.equal(out.code, 7, url); // curl: "Failed to connect"
            assert.match(out.stderr, /Couldn't connect to server/);
            assert.ok(performance.now() - started < 2000, `${url}: refused at once`);
          }
          for (const target of ["10.0.0.2", "fd00::2"]) {
            const probe = await sh("ip", "netns", "exec", ns, "python3", "-c", UDP_PROBE, target);
            assert.equal(probe, "refused\n", target);
          }
        } finally {
          const { stdout } = await server.stop();
          await capture.stop();
          assert.match(stdout, /6 echo replies, 2 ICMP errors sent/);
        }
        await assertCleanCapture(capture, `${dir}/any.pcap`);
        // What the kernel was sent: RST,ACK for the closed ports, ICMP port unreachable (type 3
        // code 3) and ICMPv6 port unreachable (type 1 code 4) for UDP.
        const seen = await sh(
          "tshark",
          "-n",
          "-r",
          `${dir}/any.pcap`,
          "-Y",
          "(tcp.flags.reset == 1 && tcp.srcport == 81) || (icmp.type == 3 && icmp.code == 3) || (icmpv6.type == 1 && icmpv6.code == 4)",
          "-T",
          "fields",
          "-E",
          "occurrence=f", // the outer header's, not the one an ICMP error quotes
          "-e",
          "ip.src",
          "-e",
          "ipv6.src",
          "-e",
          "_ws.col.Info",
        );
        assert.match(seen, /10\.0\.0\.2\t\t.*\[RST, ACK\]/);
        assert.match(seen, /\tfd00::2\t.*\[RST, ACK\]/);
        assert.match(seen, /10\.0\.0\.2\t\t.*Destination unreachable \(Port unreachable\)/);
        assert.match(seen, /\tfd00::2\t.*Destination Unreachable \(Port unreachable\)/);
      });
    });
  },
}));

Deno.test(requires([...NEEDS, CURL], {
  name:
    "socklab serve --tun stops on SIGINT: it says what the link did, exits 0, and the interface is gone",
  async fn() {
    await withNetns("stop", async (ns) => {
      const iface = ifName("t");
      const server = await startServe(ns, ["--tun", iface, "--address", "10.0.0.2/24", "-q"]);
      assert.match(await curl(ns, "http://10.0.0.2/"), /socklab serve/);
      assert.match(await sh("ip", "-n", ns, "link", "show", "dev", iface), /UP/);
      const { code, stdout } = await server.stop("SIGINT");
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`link ${iface}: \\d+ packets written, \\d+ read`));
      assert.match(stdout, /host: \d+ TCP segments in/);
      assert.match(stdout, /stopped$/);
      await assert.rejects(sh("ip", "-n", ns, "link", "show", "dev", iface), /does not exist/);
    });
  },
}));

Deno.test(requires([missingTun(), missingCommand("setpriv")], {
  name: "socklab serve --tun and fetch --tun without CAP_NET_ADMIN say a TUN device needs root",
  async fn() {
    for (const args of [["serve"], ["fetch", "http://10.0.0.1/"]]) {
      const out = await runUnprivileged([
        ...["run", "-A", "--no-config", CLI, ...args],
        ...["--tun", "sltest%d", "--address", "10.0.0.2/24"],
      ]);
      assert.equal(out.code, 1, args[0]);
      assert.match(
        out.stderr,
        /^socklab \w+: open TUN device sltest%d: permission denied on \/dev\/net\/tun: a TUN device needs root \(or CAP_NET_ADMIN\)\n$/,
      );
    }
  },
}));

// ---------------------------------------------------------------------------
// Close states: both sides, every order

/** The kernel peer (kernel_peer.py) in `ns`: one command, one answer. */
function kernelPeer(ns: string) {
  const child = spawnChild(ns);
  const out = lines(child.stdout);
  const writer = child.stdin.getWriter();
  return {
    pid: child.pid,
    async do(command: string): Promise<string> {
      await writer.write(new TextEncoder().encode(command + "\n"));
      const line = await within(20_000, `kernel peer: ${command}`, out.next());
      if (line === null) throw new Error(`the kernel peer exited at "${command}"`);
      return line;
    },
    /** Sends a command without waiting for its answer. */
    async send(command: string): Promise<() => Promise<string | null>> {
      await writer.write(new TextEncoder().encode(command + "\n"));
      return () => within(20_000, `kernel peer: ${command}`, out.next());
    },
    async stop(): Promise<void> {
      await writer.close().catch(() => {});
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited.
      }
      await child.status;
      await out.rest();
    },
  };

  function spawnChild(ns: string) {
    return new Deno.Command("ip", {
      args: ["netns", "exec", ns, "python3", "-u", PEER],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  }
}

/** The kernel's TCP state of the connection on local `port`, read from the peer's /proc (its namespace's view). */
async function kernelState(
  pid: number,
  port: number,
  remotePort: number,
): Promise<TcpState | "gone"> {
  const text = await Deno.readTextFile(`/proc/${pid}/net/tcp`);
  const entry = parseProcNetInet(text, "tcp", "inet").find((s) =>
    (s.local as { port: number }).port === port &&
    (s.remote as { port: number } | null)?.port === remotePort
  );
  return (entry?.state as TcpState | undefined) ?? "gone";
}

/** Polls the kernel's state every few ms and records each change, until stopped. */
function watchKernel(pid: number, port: number, remotePort: number) {
  const states: string[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      let state: string;
      try {
        state = await kernelState(pid, port, remotePort);
      } catch {
        return; // the peer exited: its /proc entry is gone
      }
      if (states.at(-1) !== state) states.push(state);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    states,
    /** Waits (at most 10 s) until the kernel reaches `state`. */
    async reach(state: string): Promise<void> {
      await within(
        10_000,
        `the kernel to reach ${state} (so far ${states.join(" ")})`,
        (async () => {
          while (states.at(-1) !== state) await new Promise((r) => setTimeout(r, 5));
        })(),
      );
    },
    async stop(): Promise<string[]> {
      running = false;
      await done;
      return states;
    },
  };
}

/** The states socklab's connection went through, from its trace. */
function socklabStates(events: TraceEvent[], endpoint: string): string[] {
  const states: string[] = [];
  for (const e of events) {
    if (e.kind !== "state" || e.endpoint !== endpoint) continue;
    if (states.length === 0) states.push(e.from);
    states.push(e.to);
  }
  return states;
}

// One-way delay on the link: long enough that /proc shows every state the kernel passes
// through (and that FINs sent at once cross each other); socklab's MSL is short.
const SLOW = { delay: 150 };
const CLOSE_CONFIG = { msl: 100, rtt: { initialRto: 1000, minRto: 400, maxRto: 4000 } };

/**
 * Runs `fn` with an established connection between socklab (a client of
 * 10.0.0.2) and the kernel peer (listening on 10.0.0.1:7000), each side
 * having sent the other 1000 bytes.
 */
async function withConnection(
  tag: string,
  fn: (ctx: {
    conn: TcpConn;
    peer: ReturnType<typeof kernelPeer>;
    events: TraceEvent[];
    kernel: ReturnType<typeof watchKernel>;
    endpoint: string;
  }) => Promise<void>,
): Promise<void> {
  await withWorkDir(`close-${tag}`, async (dir) => {
    await withNetns(`c${tag}`, async (ns) => {
      const events: TraceEvent[] = [];
      const link = await TunLink.open({
        name: ifName(`c${tag}`),
        address: "10.0.0.2/24",
        netns: ns,
        impairments: SLOW,
        config: CLOSE_CONFIG,
        trace: (e) => events.push(e),
      });
      const capture = await startCapture(ns, link.name, `${dir}/close.pcap`);
      const peer = kernelPeer(ns);
      try {
        assert.equal(await peer.do("listen 10.0.0.1 7000"), "listening");
        const accepted = await peer.send("accept");
        const conn = await link.connect("10.0.0.1", 7000);
        assert.match((await accepted())!, /^accepted 10\.0\.0\.2 \d+$/);
        const port = conn.localAddr.port;
        const kernel = watchKernel(peer.pid, 7000, port);
        try {
          await kernel.reach("ESTABLISHED");
          assert.equal(await peer.do("send 1000"), "sent 1000");
          await conn.writeAll(new Uint8Array(1000));
          assert.equal(await peer.do("read 1000"), "read 1000");
          const got = new Uint8Array(1000);
          for (let n = 0; n < 1000;) n += (await conn.read(got.subarray(n)))!;
          await fn({ conn, peer, events, kernel, endpoint: `10.0.0.2:${port}` });
        } finally {
          await kernel.stop();
        }
      } finally {
        await peer.stop();
        await capture.stop();
        await link.close();
      }
      await assertCleanCapture(capture, `${dir}/close.pcap`, 5);
    });
  });
}

/** Waits (at most 10 s) until socklab's connection is in `state`. */
async function socklabReaches(conn: TcpConn, state: string): Promise<void> {
  await within(
    10_000,
    `socklab to reach ${state} (it is ${conn.socket.state})`,
    (async () => {
      while (conn.socket.state !== state) await new Promise((r) => setTimeout(r, 5));
    })(),
  );
}

Deno.test(requires([...NEEDS, PYTHON], {
  name:
    "close states: socklab closes first (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT), the kernel passes CLOSE-WAIT and LAST-ACK",
  async fn() {
    await withConnection("a", async ({ conn, peer, events, kernel, endpoint }) => {
      const eof = await peer.send("recv");
      conn.close();
      assert.equal(await eof(), "eof 0");
      await kernel.reach("CLOSE-WAIT");
      await socklabReaches(conn, "FIN-WAIT-2");
      assert.equal(await peer.do("close"), "ok");
      await kernel.reach("gone");
      await socklabReaches(conn, "CLOSED"); // after TIME-WAIT, 2 MSL
      assert.deepEqual(kernel.states, ["ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "gone"]);
      assert.deepEqual(socklabStates(events, endpoint), [
        "CLOSED",
        "SYN-SENT",
        "ESTABLISHED",
        "FIN-WAIT-1",
        "FIN-WAIT-2",
        "TIME-WAIT",
        "CLOSED",
      ]);
    });
  },
}));

Deno.test(requires([...NEEDS, PYTHON], {
  name:
    "close states: the kernel closes first (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT), socklab passes CLOSE-WAIT and LAST-ACK",
  async fn() {
    await withConnection("b", async ({ conn, peer, events, kernel, endpoint }) => {
      assert.equal(await peer.do("close"), "ok");
      assert.equal(await conn.read(new Uint8Array(10)), null); // the kernel's FIN
      await socklabReaches(conn, "CLOSE-WAIT");
      await kernel.reach("FIN-WAIT-2");
      conn.close();
      await kernel.reach("TIME-WAIT");
      await socklabReaches(conn, "CLOSED");
      assert.deepEqual(kernel.states, ["ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]);
      assert.deepEqual(socklabStates(events, endpoint), [
        "CLOSED",
        "SYN-SENT",
        "ESTABLISHED",
        "CLOSE-WAIT",
        "LAST-ACK",
        "CLOSED",
      ]);
    });
  },
}));

Deno.test(requires([...NEEDS, PYTHON], {
  name: "close states: a simultaneous close takes both sides through CLOSING to TIME-WAIT",
  async fn() {
    await withConnection("c", async ({ conn, peer, events, kernel, endpoint }) => {
      // Both FINs leave before either arrives: the link takes 150 ms each way.
      const closed = await peer.send("close");
      conn.close();
      assert.equal(await closed(), "ok");
      await kernel.reach("TIME-WAIT");
      await socklabReaches(conn, "CLOSED");
      assert.deepEqual(kernel.states, ["ESTABLISHED", "FIN-WAIT-1", "CLOSING", "TIME-WAIT"]);
      assert.deepEqual(socklabStates(events, endpoint), [
        "CLOSED",
        "SYN-SENT",
        "ESTABLISHED",
        "FIN-WAIT-1",
        "CLOSING",
        "TIME-WAIT",
        "CLOSED",
      ]);
    });
  },
}));

Deno.test(requires([...NEEDS, PYTHON], {
  name:
    "close states: socklab aborts (RST, unread data left) and the kernel's socket is reset and gone",
  async fn() {
    await withConnection("d", async ({ conn, peer, events, kernel, endpoint }) => {
      assert.equal(await peer.do("send 500"), "sent 500");
      await within(
        5000,
        "the data to arrive",
        (async () => {
          while (conn.socket.recvQueue < 500) await new Promise((r) => setTimeout(r, 5));
        })(),
      );
      const reset = await peer.send("recv");
      conn.close(); // unread data: a RST, as Linux sends
      assert.match((await reset())!, /^reset \d+$/);
      await kernel.reach("gone");
      assert.deepEqual(kernel.states, ["ESTABLISHED", "gone"]);
      const states = socklabStates(events, endpoint);
      assert.deepEqual(states, ["CLOSED", "SYN-SENT", "ESTABLISHED", "CLOSED"]);
      const sent = events.filter((e) =>
        e.kind === "segment" && e.endpoint === endpoint && e.direction === "send" &&
        e.repr.control === "rst"
      );
      assert.equal(sent.length, 1);
    });
  },
}));

Deno.test(requires([...NEEDS, PYTHON], {
  name: "close states: the kernel aborts (SO_LINGER 0) and socklab's connection is reset to CLOSED",
  async fn() {
    await withConnection("e", async ({ conn, peer, events, kernel, endpoint }) => {
      assert.equal(await peer.do("abort"), "ok");
      await assert.rejects(conn.read(new Uint8Array(10)), /reset/);
      await kernel.reach("gone");
      assert.deepEqual(kernel.states, ["ESTABLISHED", "gone"]);
      assert.equal(conn.socket.state, "CLOSED");
      assert.equal(conn.socket.error, "reset");
      const last = events.filter((e) => e.kind === "state" && e.endpoint === endpoint).at(-1);
      assert.deepEqual(last?.kind === "state" && [last.from, last.to], ["ESTABLISHED", "CLOSED"]);
      assert.deepEqual(socklabStates(events, endpoint), [
        "CLOSED",
        "SYN-SENT",
        "ESTABLISHED",
        "CLOSED",
      ]);
    });
  },
}));
