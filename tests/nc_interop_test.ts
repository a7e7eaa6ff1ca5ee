// socklab's sockets and `socklab nc` against the real netcats of Debian:
// socat and ncat. Bytes both ways, half-close, a 10 MB binary transfer
// checked by SHA-256, unix sockets, IPv6, and UDP datagram boundaries.
import assert from "node:assert/strict";
import { missingCommand, requires, withTempDir } from "../deno/_testing.ts";
import { command as ncCommand } from "../deno/cli/nc.ts";
import { listenDatagram } from "../deno/net/datagram.ts";
import { connect, listen } from "../deno/net/stream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const CLI = new URL("../deno/cli.ts", import.meta.url).pathname;
const needs = [missingCommand("socat"), missingCommand("ncat")];

/** A child process with piped stdio; stdout and stderr are collected. */
class Peer {
  readonly child: Deno.ChildProcess;
  #out: Uint8Array[] = [];
  #err = "";
  #waiters: [() => boolean, () => void][] = [];
  #drained: Promise<unknown>;
  readonly stdin: WritableStreamDefaultWriter<Uint8Array>;

  constructor(cmd: string, args: string[]) {
    const child = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
      .spawn();
    this.child = child;
    this.stdin = child.stdin.getWriter();
    this.#drained = Promise.all([
      (async () => {
        for await (const c of child.stdout) this.#out.push(c);
      })(),
      (async () => {
        for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) {
          this.#err += c;
          for (const [ready, resolve] of this.#waiters) if (ready()) resolve();
        }
      })(),
    ]);
  }

  /** Resolves once stderr contains `text` `times` times (or the process ends without). */
  async stderrHas(text: string, times = 1): Promise<string> {
    const ready = () => this.#err.split(text).length - 1 >= times;
    if (!ready()) {
      // A safety net so a peer that never says `text` fails the test
      // instead of hanging it; no test depends on how quick a peer is.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((r) => this.#waiters.push([ready, r])),
        new Promise<void>((r) => timer = setTimeout(r, 20_000)),
        this.#drained,
      ]);
      clearTimeout(timer);
    }
    assert.ok(ready(), `stderr never said "${text}" ${times} time(s): ${this.#err}`);
    return this.#err;
  }

  async send(data: string | Uint8Array): Promise<void> {
    await this.stdin.write(typeof data === "string" ? enc.encode(data) : data);
  }

  async end(): Promise<void> {
    await this.stdin.close();
  }

  /** Waits for exit; returns the exit code and what it printed. */
  async done(): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
    const status = await this.child.status;
    await this.#drained;
    await this.stdin.close().catch(() => {});
    const stdout = new Uint8Array(this.#out.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of this.#out) stdout.set(c, (off += c.length) - c.length);
    return { code: status.code, stdout, stderr: this.#err };
  }

  /** Ends a peer that does not stop by itself. */
  async kill(): Promise<ReturnType<Peer["done"]>> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    return await this.done();
  }
}

/** `socklab nc` in this process, with test-controlled stdin. */
function nc(args: string[]) {
  let push!: ReadableStreamDefaultController<Uint8Array>;
  const out: Uint8Array[] = [];
  let err = "";
  const waiters: [string, () => void][] = [];
  const done = ncCommand.main(args, {
    stdin: new ReadableStream({ start: (c) => void (push = c) }),
    stdout: new WritableStream({ write: (c) => void out.push(c.slice()) }),
    stderr: new WritableStream({
      write(c) {
        err += dec.decode(c);
        for (const [text, resolve] of waiters) if (err.includes(text)) resolve();
      },
    }),
  });
  return {
    done,
    send: (s: string | Uint8Array) => push.enqueue(typeof s === "string" ? enc.encode(s) : s),
    end: () => push.close(),
    stdout: () => dec.decode(new Uint8Array(out.flatMap((c) => [...c]))),
    /** The port from "listening on host:port". */
    port: async () => {
      if (!err.includes("listening on ")) {
        await new Promise<void>((r) => waiters.push(["listening on ", r]));
      }
      return Number(/listening on .*:(\d+)/.exec(err)![1]);
    },
  };
}

/** Waits until `ready()` holds; bounded so a broken peer fails instead of hanging. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 4000 && !ready(); i++) await new Promise((r) => setTimeout(r, 5));
}

/** A port that was free a moment ago (for peers that cannot pick their own). */
function freePort(hostname = "127.0.0.1"): number {
  const l = Deno.listen({ hostname, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A UDP port that was free a moment ago. */
function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** 10 MB that are not all zeros: a cheap xorshift stream. */
function binary(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

Deno.test(requires(needs, {
  name: "socat connects to nc -l: bytes both ways, each side half-closes",
  async fn() {
    const server = nc(["-l", "-v", "127.0.0.1", "0"]);
    const socat = new Peer("socat", ["-t", "10", "-", `TCP:127.0.0.1:${await server.port()}`]);
    await socat.send("from socat\n");
    await socat.end(); // socat half-closes: nc sees EOF but can still answer
    server.send("from nc\n");
    server.end(); // nc's FIN lets socat finish
    const [code, peer] = await Promise.all([server.done, socat.done()]);
    assert.equal(code, 0);
    assert.equal(server.stdout(), "from socat\n");
    assert.equal(peer.code, 0, peer.stderr);
    assert.equal(dec.decode(peer.stdout), "from nc\n");
  },
}));

Deno.test(requires(needs, {
  name: "nc connects to ncat -l over IPv6: bytes both ways, each side half-closes",
  async fn() {
    const port = freePort("::1");
    const ncat = new Peer("ncat", ["-v", "-6", "-l", "::1", String(port)]);
    await ncat.stderrHas("Listening on");
    const client = nc(["-6", "::1", String(port)]);
    client.send("from nc\n");
    client.end();
    await ncat.send("from ncat\n");
    await ncat.end();
    const [code, peer] = await Promise.all([client.done, ncat.done()]);
    assert.equal(code, 0);
    assert.equal(client.stdout(), "from ncat\n");
    assert.equal(dec.decode(peer.stdout), "from nc\n");
  },
}));

Deno.test(requires(needs, {
  name: "unix streams: nc -U to socat UNIX-LISTEN and ncat -U to nc -U -l",
  async fn() {
    await withTempDir("socklab-interop-", async (dir) => {
      const socat = new Peer("socat", ["-d", "-d", `UNIX-LISTEN:${dir}/a.sock`, "EXEC:rev"]);
      await socat.stderrHas("listening on");
      const client = nc(["-U", `${dir}/a.sock`]);
      client.send("stressed\n");
      client.end();
      assert.equal(await client.done, 0);
      assert.equal(client.stdout(), "desserts\n");
      assert.equal((await socat.done()).code, 0);

      const server = nc(["-U", "-l", "-v", `${dir}/b.sock`]);
      await server.port().catch(() => {}); // waits for "listening on"
      const ncat = new Peer("ncat", ["-U", `${dir}/b.sock`]);
      await ncat.send("to nc\n");
      await ncat.end();
      server.send("to ncat\n");
      server.end();
      const [code, peer] = await Promise.all([server.done, ncat.done()]);
      assert.equal(code, 0);
      assert.equal(server.stdout(), "to nc\n");
      assert.equal(dec.decode(peer.stdout), "to ncat\n");
    });
  },
}));

Deno.test(requires(needs, {
  name: "10 MB of binary arrive intact both ways between socklab nc processes and socat/ncat",
  async fn() {
    const data = binary(10 * 1024 * 1024);
    const want = await sha256(data);
    // socat sends to `socklab nc -l` (a real process, real stdout).
    const receiver = new Peer(Deno.execPath(), [
      "run",
      "-A",
      CLI,
      "nc",
      "-l",
      "-v",
      "-d",
      "127.0.0.1",
      "0",
    ]);
    const port = /listening on .*:(\d+)/.exec(await receiver.stderrHas("listening on"))![1];
    const socat = new Peer("socat", ["-u", "-", `TCP:127.0.0.1:${port}`]);
    await socat.send(data);
    await socat.end();
    const [got, sent] = await Promise.all([receiver.done(), socat.done()]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.length, data.length);
    assert.equal(await sha256(got.stdout), want);

    // `socklab nc` sends from its stdin to ncat --recv-only.
    const ncPort = freePort();
    const ncat = new Peer("ncat", ["-v", "-l", "--recv-only", "127.0.0.1", String(ncPort)]);
    await ncat.stderrHas("Listening on");
    const sender = new Peer(Deno.execPath(), ["run", "-A", CLI, "nc", "127.0.0.1", String(ncPort)]);
    await sender.send(data);
    await sender.end();
    const [out, back] = await Promise.all([ncat.done(), sender.done()]);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(out.stdout.length, data.length);
    assert.equal(await sha256(out.stdout), want);
  },
}));

Deno.test(requires(needs, {
  name: "nc -l -k serves socat connections one after another",
  async fn() {
    const server = new Peer(Deno.execPath(), [
      "run",
      "-A",
      CLI,
      "nc",
      "-l",
      "-k",
      "-v",
      "-d",
      "::1",
      "0",
    ]);
    const port = /listening on .*:(\d+)/.exec(await server.stderrHas("listening on"))![1];
    for (const [i, word] of ["first\n", "second\n"].entries()) {
      const socat = new Peer("socat", ["-u", "-", `TCP6:[::1]:${port}`]);
      await socat.send(word);
      await socat.end();
      assert.equal((await socat.done()).code, 0);
      await server.stderrHas(" closed\n", i + 1); // nc is done with this one
    }
    const result = await server.kill();
    assert.equal(dec.decode(result.stdout), "first\nsecond\n");
  },
}));

Deno.test(requires(needs, {
  name: "UDP datagram boundaries survive a socat echo, and nc -u talks to it",
  async fn() {
    const port = freeUdpPort();
    // socat answers each datagram with the same bytes, one datagram each.
    const echo = new Peer("socat", [
      "-d",
      "-d",
      "-b",
      "65536", // socat's 8 KiB default buffer would cut larger datagrams
      `UDP4-RECVFROM:${port},bind=127.0.0.1,fork`,
      "PIPE",
    ]);
    await echo.stderrHas("receiving on");
    try {
      await using socket = listenDatagram({ hostname: "127.0.0.1", port: 0 });
      const to = { family: "inet" as const, hostname: "127.0.0.1", port };
      for (const size of [1, 1472, 9000, 3]) {
        await socket.send(new Uint8Array(size).fill(size & 0xff), to);
        const { data } = await socket.receive({ timeout: 10_000 });
        assert.equal(data.length, size);
      }
      const client = nc(["-u", "-w", "0.2", "127.0.0.1", String(port)]);
      client.send("one datagram");
      await until(() => client.stdout() === "one datagram"); // the echo is back
      client.end();
      assert.equal(await client.done, 0);
      assert.equal(client.stdout(), "one datagram");
    } finally {
      await echo.kill();
    }
  },
}));

Deno.test(requires(needs, {
  name: "ncat -u sends to nc -u -l and gets the answer back",
  async fn() {
    const server = nc(["-u", "-l", "-v", "-w", "0.2", "127.0.0.1", "0"]);
    const ncat = new Peer("ncat", ["-u", "127.0.0.1", String(await server.port())]);
    await ncat.send("hello nc\n");
    // nc learns its peer from the first datagram, then answers it.
    for (let i = 0; i < 4000 && !server.stdout().includes("hello nc"); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    server.send("hello ncat\n");
    server.end();
    assert.equal(await server.done, 0);
    const peer = await ncat.kill();
    assert.equal(server.stdout(), "hello nc\n");
    assert.equal(dec.decode(peer.stdout), "hello ncat\n");
  },
}));

Deno.test(requires(needs, {
  name: "socklab stream sockets talk through a socat TCP relay",
  async fn() {
    await using server = listen({ hostname: "127.0.0.1", port: 0 });
    const port = (server.addr as { port: number }).port;
    const echoPort = freePort();
    // socat relays a client on echoPort to our listener.
    const relay = new Peer("socat", [
      "-d",
      "-d",
      `TCP-LISTEN:${echoPort},bind=127.0.0.1`,
      `TCP:127.0.0.1:${port}`,
    ]);
    await relay.stderrHas("listening on");
    const served = (async () => {
      await using conn = await server.accept();
      const text = await new Response(conn.readable).text();
      await conn.writeAll(enc.encode(text.toUpperCase()));
    })();
    await using client = await connect({ hostname: "127.0.0.1", port: echoPort });
    await client.writeAll(enc.encode("through socat"));
    await client.closeWrite();
    await served;
    assert.equal(await new Response(client.readable).text(), "THROUGH SOCAT");
    await relay.done();
  },
}));

Deno.test(requires(needs, {
  name: "nc -U -u exchanges unix datagrams with a socat echo",
  async fn() {
    await withTempDir("socklab-interop-", async (dir) => {
      const echo = new Peer("socat", ["-d", "-d", `UNIX-RECVFROM:${dir}/echo.sock,fork`, "PIPE"]);
      await echo.stderrHas("receiving on");
      try {
        const client = nc(["-U", "-u", "-w", "0.2", `${dir}/echo.sock`]);
        client.send("a unix datagram");
        await until(() => client.stdout() === "a unix datagram"); // the echo is back
        client.end();
        assert.equal(await client.done, 0);
        assert.equal(client.stdout(), "a unix datagram");
      } finally {
        await echo.kill();
      }
    });
  },
}));
