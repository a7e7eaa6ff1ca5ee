import assert from "node:assert/strict";
import { command } from "./ss.ts";
import { UsageError } from "./_args.ts";
import { connect, listen } from "../net/stream.ts";

async function ss(args: string[]) {
  const out: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({ write: (c) => void out.push(c) });
  const code = await command.main(args, {
    stdin: new Response("").body!,
    stdout: sink,
    stderr: sink,
  });
  return { code, stdout: new TextDecoder().decode(new Uint8Array(out.flatMap((c) => [...c]))) };
}

Deno.test("socklab ss -t -p PORT --json lists the listener and both ends of a connection", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (server.addr as { port: number }).port;
  const accepted = server.accept();
  await using _client = await connect(server.addr);
  await using _peer = await accepted;
  const { code, stdout } = await ss(["-t", "-p", String(port), "--json"]);
  assert.equal(code, 0);
  // A TIME-WAIT left by an earlier connection whose ephemeral port the kernel
  // has now handed to this listener may share the port: it is not ours.
  const states = stdout.trim().split("\n").map((l) => JSON.parse(l).state)
    .filter((state) => state !== "TIME-WAIT").sort();
  assert.deepEqual(states, ["ESTABLISHED", "ESTABLISHED", "LISTEN"]);
});

Deno.test("socklab ss -l --linux-names prints a table with Linux state names", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (server.addr as { port: number }).port;
  const { stdout } = await ss(["-t", "-l", "-p", String(port), "--linux-names"]);
  const [header, row] = stdout.trim().split("\n");
  assert.match(header, /^Proto\s+State\s+Recv-Q\s+Send-Q\s+Local\s+Peer\s+Timer$/);
  assert.match(row, new RegExp(`^tcp\\s+LISTEN\\s+0\\s+0\\s+127\\.0\\.0\\.1:${port}\\s+\\*$`));
});

Deno.test("socklab ss --watch reports the sockets present at the start", async () => {
  await using server = listen({ hostname: "::1", port: 0 });
  const port = (server.addr as { port: number }).port;
  const { stdout } = await ss(["-w", "-p", String(port), "--for", "1ms", "--json"]);
  const [event] = stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(event.event, "now");
  assert.equal(event.state, "LISTEN");
  assert.deepEqual(event.local, server.addr);
});

Deno.test("socklab ss rejects bad ports and watch-only flags without --watch", async () => {
  await assert.rejects(ss(["-p", "70000"]), UsageError);
  await assert.rejects(ss(["--for", "1s"]), /only apply with --watch/);
  await assert.rejects(ss(["extra"]), UsageError);
});

Deno.test("socklab ss --watch reports a state change with the state before it", async () => {
  await using server = listen({ hostname: "127.0.0.1", port: 0 });
  const port = (server.addr as { port: number }).port;
  const accepted = server.accept();
  await using client = await connect(server.addr);
  await using _peer = await accepted;
  // Watch in the background; half-close once the watch has printed its first look.
  let out = "";
  let firstLook!: () => void;
  const looked = new Promise<void>((r) => firstLook = r);
  const watching = command.main(
    ["-t", "-w", "-p", String(port), "--for", "1500ms", "--interval", "5ms", "--json"],
    {
      stdin: new Response("").body!,
      stdout: new WritableStream({
        write(c) {
          out += new TextDecoder().decode(c);
          firstLook();
        },
      }),
      stderr: new WritableStream(),
    },
  );
  await looked;
  await client.closeWrite();
  assert.equal(await watching, 0);
  const stdout = out;
  const events = stdout.trim().split("\n").map((l) => JSON.parse(l));
  const change = events.find((e) => e.event === "state" && e.state === "FIN-WAIT-2");
  assert.ok(change, stdout);
  assert.ok(["ESTABLISHED", "FIN-WAIT-1"].includes(change.was), change.was);
});
