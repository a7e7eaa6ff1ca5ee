import assert from "node:assert/strict";
import { runCli as cli } from "./cli/_testing.ts";
import { type CommandIo, run, VERSION } from "./cli.ts";

Deno.test("socklab checksum prints all three checksums of stdin like cksum", async () => {
  const { code, stdout } = await cli(["checksum"], "123456789");
  assert.equal(code, 0);
  assert.equal(stdout, "inet=f62a crc32=cbf43926 crc32c=e3069283 9 -\n");
});

Deno.test("socklab checksum -a crc32c --json reads files and emits JSON lines", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "123456789");
    const { code, stdout } = await cli(["checksum", "-a", "crc32c", "--json", path]);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), { name: path, bytes: 9, crc32c: "e3069283" });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("socklab checksum of a missing file fails with exit 1 and says why", async () => {
  const { code, stderr } = await cli(["checksum", "/nonexistent/file"]);
  assert.equal(code, 1);
  assert.match(stderr, /cannot read \/nonexistent\/file: no such file/);
});

Deno.test("socklab rejects unknown commands, flags and values with exit 2", async () => {
  assert.equal((await cli(["frobnicate"])).code, 2);
  const flag = await cli(["checksum", "--bogus"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--bogus'.*\n.*socklab checksum --help/);
  const value = await cli(["checksum", "-a", "md5"]);
  assert.equal(value.code, 2);
  assert.match(value.stderr, /unknown algorithm "md5" \(known: inet, crc32, crc32c\)/);
  assert.equal((await cli([])).code, 2);
});

Deno.test("socklab --help lists every command and each command has --help", async () => {
  const top = await cli(["--help"]);
  assert.equal(top.code, 0);
  for (const name of ["tour", "checksum", "bench"]) {
    assert.match(top.stdout, new RegExp(`^  ${name} `, "m"));
    const help = await cli([name, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: socklab ${name}`));
  }
});

Deno.test("socklab tour shows both checksums verifying to zero and a flipped bit caught", async () => {
  const { code, stdout } = await cli(["tour"]);
  assert.equal(code, 0);
  assert.match(stdout, /Receiver re-sums the IPv4 header:\s+0x0000/);
  assert.match(stdout, /Receiver re-sums pseudo \+ TCP:\s+0x0000/);
  assert.doesNotMatch(stdout, /One bit flipped in transit:\s+0x0 /);
});

/** Runs `socklab <args>` in this process with a standard error that may claim to be a terminal. */
async function cliWith(args: string[], io: Partial<CommandIo>) {
  const chunks = { out: [] as Uint8Array[], err: [] as Uint8Array[] };
  const sink = (list: Uint8Array[]) =>
    new WritableStream<Uint8Array>({ write: (c) => void list.push(c) });
  const code = await run(args, {
    stdin: new Response("").body!,
    stdout: sink(chunks.out),
    stderr: sink(chunks.err),
    ...io,
  });
  const text = (list: Uint8Array[]) =>
    new TextDecoder().decode(new Uint8Array(list.flatMap((c) => [...c])));
  return { code, stdout: text(chunks.out), stderr: text(chunks.err) };
}

Deno.test("socklab --version prints the version of deno.json, the runtime's and the core's build", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  for (const flag of ["--version", "-V", "version"]) {
    const { code, stdout } = await cli([flag]);
    assert.equal(code, 0);
    assert.match(stdout, /^socklab (\S+) \(Deno \S+, WASM core (simd|scalar)\)\n$/);
    assert.equal(stdout.split(" ")[1], version);
  }
  assert.equal(VERSION, version);
});

Deno.test("every error of a subcommand opens with socklab and its name, once", async () => {
  const cases: [string[], RegExp][] = [
    [["serve", "--port", "99999"], /^socklab serve --port: 99999 is out of range \(0 to 65535\)\n/],
    [["sim", "--loss", "150"], /^socklab sim --loss: 150% is out of range \(0 to 100%\)\n/],
    [["sim", "--close", "never"], /^socklab sim --close: must be one of /],
    [["ss", "--interval", "soon"], /^socklab ss --interval: expected a duration/],
    [
      ["pcap", "--follow", "x", "--out", "/tmp/x", "f"],
      /^socklab pcap: cannot read f: no such file/,
    ],
    [["checksum", "--bogus"], /^socklab checksum: Unknown option '--bogus'/],
    [["nc", "-k", "localhost", "1"], /^socklab nc: -k only makes sense with -l\n/],
    [["sim", "--trace", "/nonexistent/dir/t.jsonl", "--bytes", "0"], /^socklab sim: cannot write/],
    [["bench", "nothing"], /^socklab bench: unknown benchmark "nothing"/],
  ];
  for (const [args, want] of cases) {
    const { code, stderr } = await cli(args);
    assert.notEqual(code, 0, args.join(" "));
    assert.match(stderr, want, args.join(" "));
    assert.doesNotMatch(stderr, new RegExp(`${args[0]}:? ${args[0]}\\b`), stderr);
  }
});

Deno.test("socklab pcap draws a progress line on a terminal's standard error, and erases it", async () => {
  const args = ["pcap", "tests/testdata/rst.pcap"];
  const plain = await cliWith(args, {});
  assert.equal(plain.code, 0);
  // Work that takes a progressAfterMs of 0 is long enough to be shown.
  const shown = await cliWith(args, { stderrIsTerminal: true, progressAfterMs: 0 });
  assert.equal(shown.stdout, plain.stdout);
  const ERASE = "\r\x1b[K";
  assert.ok(shown.stderr.startsWith(`${ERASE}pcap: reading `), JSON.stringify(shown.stderr));
  assert.match(shown.stderr, /pcap: reading 0\.\d MB of 0\.\d MB \(0s\)/);
  assert.ok(shown.stderr.endsWith(ERASE), JSON.stringify(shown.stderr));
  // Not a terminal, or quicker than a second: nothing.
  assert.equal(plain.stderr, "");
  assert.equal((await cliWith(args, { stderrIsTerminal: true })).stderr, "");
});
