// socklab's HTTP server on socklab's own user-space TCP (deno/tcp/), with
// socklab's HTTP client on the other end: two TcpStacks joined by an
// in-memory wire, no kernel TCP anywhere. The small driver below (a wire that
// carries segments and runs timers, and Conn/Listener adapters) lives in
// this test until deno/tcp ships its own drivers.
import assert from "node:assert/strict";
import { TcpStack } from "../deno/tcp/stack.ts";
import type { TcpSocket } from "../deno/tcp/socket.ts";
import type { Addr, Conn, Listener } from "../deno/net/types.ts";
import { serve } from "../deno/http/server.ts";
import { HttpClient } from "../deno/http/client.ts";

/** Two stacks and the wire between them: moves segments, runs timers, wakes waiters. */
class Wire {
  readonly a: TcpStack;
  readonly b: TcpStack;
  #waiters: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #scheduled = false;
  #stopped = false;
  segments = 0;

  constructor(a: TcpStack, b: TcpStack) {
    this.a = a;
    this.b = b;
  }

  /** Runs the stacks soon (after the current microtasks). */
  kick(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#step();
    });
  }

  #step(): void {
    const now = performance.now();
    let moved = true;
    while (moved) {
      moved = false;
      for (const s of this.a.poll(now)) (this.b.receive(now, s), moved = true, this.segments++);
      for (const s of this.b.poll(now)) (this.a.receive(now, s), moved = true, this.segments++);
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const at = [this.a.pollAt(), this.b.pollAt()].filter((t): t is number => t !== null);
    if (at.length > 0 && !this.#stopped) {
      this.#timer = setTimeout(() => this.#step(), Math.max(0, Math.min(...at) - now));
    }
  }

  /** Resolves after the next step (which a kick or a timer brings). */
  wait(): Promise<void> {
    return new Promise((r) => this.#waiters.push(r));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const w of this.#waiters) w();
  }
}

function conn(wire: Wire, s: TcpSocket): Conn {
  const addr = (e: { addr: string; port: number } | null): Addr => ({
    family: "inet",
    hostname: e?.addr ?? "0.0.0.0",
    port: e?.port ?? 0,
  });
  let closed = false;
  const c: Conn = {
    localAddr: addr(s.local),
    remoteAddr: addr(s.remote),
    async read(p) {
      while (true) {
        if (s.recvQueue > 0) {
          const data = s.recv(p.length);
          p.set(data);
          wire.kick();
          return data.length;
        }
        if (s.recvFinished || closed || !s.isOpen) return null;
        await wire.wait();
      }
    },
    async write(p) {
      while (true) {
        if (closed || !s.canSend) throw new Error(`write on ${s.name}: connection is ${s.state}`);
        const n = s.send(p);
        wire.kick();
        if (n > 0) return n;
        await wire.wait();
      }
    },
    async writeAll(p) {
      for (let n = 0; n < p.length;) n += await c.write(p.subarray(n));
    },
    get readable(): ReadableStream<Uint8Array> {
      throw new Error("not needed here");
    },
    get writable(): WritableStream<Uint8Array> {
      throw new Error("not needed here");
    },
    closeWrite() {
      s.close(performance.now());
      wire.kick();
      return Promise.resolve();
    },
    close() {
      if (closed) return;
      closed = true;
      s.close(performance.now());
      wire.kick();
    },
    [Symbol.asyncDispose]() {
      c.close();
      return Promise.resolve();
    },
  };
  return c;
}

function listener(wire: Wire, stack: TcpStack, port: number): Listener {
  stack.listen(port);
  let closed = false;
  const l: Listener = {
    addr: { family: "inet", hostname: stack.addr, port },
    async accept() {
      while (true) {
        if (closed) throw new Deno.errors.BadResource("listener closed");
        const s = stack.accept(port);
        if (s) return conn(wire, s);
        await wire.wait();
      }
    },
    close() {
      closed = true;
      stack.unlisten(port);
      wire.kick();
    },
    async *[Symbol.asyncIterator]() {
      while (!closed) yield await l.accept();
    },
    [Symbol.asyncDispose]() {
      l.close();
      return Promise.resolve();
    },
  };
  return l;
}

Deno.test("serve() runs on socklab's user-space TCP, and HttpClient talks to it", async () => {
  const server = new TcpStack("10.0.0.1");
  const client = new TcpStack("10.0.0.2");
  const wire = new Wire(server, client);
  const http = serve({ listener: listener(wire, server, 80) }, async (req, info) => {
    const body = req.body ? new Uint8Array(await req.arrayBuffer()) : new Uint8Array();
    const from = info.remoteAddr.family === "unix" ? "" : info.remoteAddr.hostname;
    return new Response(`${req.method} ${new URL(req.url).pathname} ${body.length} from ${from}`);
  });
  try {
    const socket = client.connect({ addr: "10.0.0.1", port: 80 }, performance.now());
    wire.kick();
    const c = new HttpClient(conn(wire, socket));
    const first = await c.fetch("http://10.0.0.1/hello");
    assert.equal(await first.text(), "GET /hello 0 from 10.0.0.2");
    // A body larger than a window, so flow control and window updates take part.
    const big = new Uint8Array(300_000).fill(7);
    const second = await c.fetch("http://10.0.0.1/upload", { method: "POST", body: big });
    assert.equal(await second.text(), "POST /upload 300000 from 10.0.0.2");
    assert.equal(socket.state, "ESTABLISHED"); // one connection carried both
    assert.ok(wire.segments > 10);
    c.close();
  } finally {
    await http.shutdown();
    wire.stop();
  }
});
