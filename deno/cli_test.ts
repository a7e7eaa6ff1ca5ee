import assert from "node:assert/strict";
import { runCli as cli } from "./cli/_testing.ts";

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
