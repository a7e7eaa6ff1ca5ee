// The socket examples run and print what they promise.
import assert from "node:assert/strict";
import { missingRoot, requires } from "../deno/_testing.ts";

const dec = new TextDecoder();
const example = (name: string) => new URL(`../examples/${name}`, import.meta.url).pathname;

async function run(name: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", example(name), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}

Deno.test("examples/udp_echo.ts echoes three datagrams", async () => {
  const out = await run("udp_echo.ts");
  assert.match(out, /client: echo "one"\n/);
  assert.match(out, /client: echo "two, a bit longer"\n/);
  assert.match(out, /server: 5 bytes from 127\.0\.0\.1:\d+\n/);
});

Deno.test("examples/unix_stream_echo.ts and unix_datagram_echo.ts answer", async () => {
  assert.equal(await run("unix_stream_echo.ts"), "reply: OVER A UNIX SOCKET\n");
  assert.match(await run("unix_datagram_echo.ts"), /client: desserts\n[^]*client: evil\n/);
});

Deno.test("examples/tcp_echo_server.ts serves examples/tcp_echo_client.ts", async () => {
  const port = (() => {
    const l = Deno.listen({ hostname: "::", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  })();
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", example("tcp_echo_server.ts"), String(port)],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    assert.match((await lines.read()).value ?? "", /listening on \[::\]:\d+/);
    assert.match(await run("tcp_echo_client.ts", "::1", String(port), "ping"), /echoed: ping\n/);
  } finally {
    server.kill("SIGTERM");
    await lines.cancel();
    await server.status;
  }
});

Deno.test("examples/tcp_echo_client.ts names the refused endpoint", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", example("tcp_echo_client.ts"), "127.0.0.1", String(port)],
    stderr: "piped",
    stdout: "null",
  }).output();
  assert.equal(out.code, 1);
  assert.equal(dec.decode(out.stderr), `connect to 127.0.0.1:${port}: connection refused\n`);
});

Deno.test("examples/tcp_teardown_walk.ts sees FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT and TIME-WAIT", async () => {
  const out = await run("tcp_teardown_walk.ts");
  for (const state of ["FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "TIME-WAIT"]) {
    assert.match(out, new RegExp(state), out);
  }
});

Deno.test(requires(missingRoot(), {
  name: "examples/ping.ts gets echo replies from 127.0.0.1 and ::1",
  async fn() {
    assert.match(
      await run("ping.ts", "127.0.0.1", "1"),
      /bytes from 127\.0\.0\.1: icmp_seq=1 ttl=\d+/,
    );
    assert.match(await run("ping.ts", "::1", "1"), /bytes from ::1: icmp_seq=1 time=/);
  },
}));
