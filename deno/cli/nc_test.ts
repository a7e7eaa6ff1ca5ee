import assert from "node:assert/strict";
import { command } from "./nc.ts";
import { run } from "../cli.ts";
import { UsageError } from "./_args.ts";
import { connect, listen } from "../net/stream.ts";
import { listenDatagram } from "../net/datagram.ts";
import { ConnectionRefused } from "../net/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Runs `nc` in this process: `stdin` is pushed by the test, stdout is
 * collected, and `stderrHas(text)` resolves once stderr shows `text`.
 */
function nc(args: string[]) {
  let push!: ReadableStreamDefaultController<Uint8Array>;
  const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
  const out: Uint8Array[] = [];
  let err = "";
  const waiters: [string, (m: string) => void][] = [];
  const stderr = new WritableStream<Uint8Array>({
    write(c) {
      err += dec.decode(c);
      for (const [text, resolve] of waiters) if (err.includes(text)) resolve(err);
    },
  });
  const done = command.main(args, {
    stdin,
    stdout: new WritableStream({ write: (c) => void out.push(c.slice()) }),
    stderr,
  });
  return {
    done,
    send: (text: string | Uint8Array) =>
      push.enqueue(typeof text === "string" ? enc.encode(text) : text),
    end: () => push.close(),
    stdout: () => dec.decode(new Uint8Array(out.flatMap((c) => [...c]))),
    stderrHas: (text: string) =>
      new Promise<string>((resolve) =>
        err.includes(text) ? resolve(err) : waiters.push([text, resolve])
      ),
  };
}

/** The port in nc -v's "listening on host:port" line. */
async function listeningPort(p: ReturnType<typeof nc>): Promise<number> {
  const text = await p.stderrHas("listening on ");
  return Number(/listening on .*:(\d+)/.exec(text)![1]);
}

Deno.test("nc host port sends stdin, half-closes at EOF, prints the reply", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const p = nc(["127.0.0.1", String((server.addr as { port: number }).port)]);
  await using conn = await server.accept();
  p.send("hello");
  p.end();
  assert.equal(await new Response(conn.readable).text(), "hello"); // ends at nc's FIN
  await conn.writeAll(enc.encode("world"));
  conn.close();
  assert.equal(await p.done, 0);
  assert.equal(p.stdout(), "world");
});

Deno.test("nc ends when the peer closes even while stdin stays open", async () => {
  await using server = listen({ hostname: "::1", port: 0 });
  const p = nc(["-6", "localhost", String((server.addr as { port: number }).port)]);
  await using conn = await server.accept();
  await conn.writeAll(enc.encode("bye"));
  await conn.closeWrite();
  assert.equal(await p.done, 0);
  assert.equal(p.stdout(), "bye");
});

Deno.test("nc -l -v accepts one connection and copies both ways", async () => {
  const p = nc(["-l", "-v", "127.0.0.1", "0"]);
  const port = await listeningPort(p);
  await using conn = await connect({ hostname: "127.0.0.1", port });
  await conn.writeAll(enc.encode("from client"));
  await conn.closeWrite();
  await p.stderrHas("connection from 127.0.0.1:");
  p.send("from nc");
  p.end();
  assert.equal(await new Response(conn.readable).text(), "from nc");
  assert.equal(await p.done, 0);
  assert.equal(p.stdout(), "from client");
});

Deno.test("nc -U connects to and listens on unix stream sockets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-nc-" });
  try {
    const path = `${dir}/s.sock`;
    const server = nc(["-U", "-l", "-v", path]);
    await server.stderrHas("listening on");
    const client = nc(["-U", path]);
    client.send("over unix");
    client.end();
    await server.stderrHas("connection from");
    server.send("and back");
    server.end();
    assert.deepEqual(await Promise.all([server.done, client.done]), [0, 0]);
    assert.equal(server.stdout(), "over unix");
    assert.equal(client.stdout(), "and back");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nc -u sends each stdin read as one datagram and prints the replies", async () => {
  await using server = listenDatagram({ hostname: "127.0.0.1", port: 0 });
  const p = nc(["-u", "-w", "0.05", "127.0.0.1", String((server.addr as { port: number }).port)]);
  for (const size of [1, 1400, 0, 9000]) {
    p.send(new Uint8Array(size).fill(7));
    const { data, from } = await server.receive();
    assert.equal(data.length, size);
    await server.send(enc.encode(`<${size}>`), from);
  }
  p.end(); // then nc quits after 50 ms without datagrams
  assert.equal(await p.done, 0);
  assert.equal(p.stdout(), "<1><1400><0><9000>");
});

Deno.test("nc -u -l answers whoever sent the first datagram", async () => {
  const p = nc(["-u", "-l", "-v", "-w", "0.05", "::1", "0"]);
  const port = await listeningPort(p);
  await using client = listenDatagram({ hostname: "::1", port: 0 });
  await client.send(enc.encode("first"), { family: "inet6", hostname: "::1", port });
  await p.stderrHas("datagram from");
  p.send("reply");
  assert.equal(dec.decode((await client.receive()).data), "reply");
  p.end();
  assert.equal(await p.done, 0);
  assert.equal(p.stdout(), "first");
});

Deno.test("nc to a closed port exits 1 naming the endpoint", async () => {
  const closed = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as { port: number }).port;
  closed.close();
  const p = nc(["127.0.0.1", String(port)]);
  await assert.rejects(p.done, ConnectionRefused);
  const err: Uint8Array[] = [];
  const code = await run(["nc", "127.0.0.1", String(port)], {
    stdin: new Response("").body!,
    stdout: new WritableStream(),
    stderr: new WritableStream({ write: (c) => void err.push(c) }),
  });
  assert.equal(code, 1);
  assert.equal(
    dec.decode(new Uint8Array(err.flatMap((c) => [...c]))),
    `socklab nc: connect to 127.0.0.1:${port}: connection refused\n`,
  );
});

Deno.test("nc rejects contradictory or missing arguments as usage errors", async () => {
  const usage = (args: string[]) => assert.rejects(nc(args).done, UsageError);
  await usage(["-4", "-6", "localhost", "80"]);
  await usage(["-k", "localhost", "80"]);
  await usage(["localhost"]);
  await usage([]);
  await usage(["localhost", "65536"]);
  await usage(["localhost", "0"]);
  await usage(["-4", "::1", "80"]);
  await usage(["-U"]);
  await usage(["a", "b", "c"]);
  await assert.rejects(nc(["-U", "/tmp/" + "p".repeat(120)]).done, RangeError);
});

Deno.test("nc -U -u -l answers the unix datagram socket that wrote first", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-nc-" });
  try {
    const p = nc(["-U", "-u", "-l", "-v", "-w", "0.05", `${dir}/srv.sock`]);
    await p.stderrHas("listening on");
    await using client = listenDatagram({ path: `${dir}/cli.sock` });
    await client.send(enc.encode("hello unix"), { family: "unix", path: `${dir}/srv.sock` });
    await p.stderrHas(`datagram from ${dir}/cli.sock`);
    p.send("hello back");
    assert.equal(dec.decode((await client.receive()).data), "hello back");
    p.end();
    assert.equal(await p.done, 0);
    assert.equal(p.stdout(), "hello unix");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
