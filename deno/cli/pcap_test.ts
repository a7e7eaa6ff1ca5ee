import assert from "node:assert/strict";
import { analyze } from "../pcap/analyze.ts";
import { readCapture } from "../pcap/reader.ts";
import { runCli as cli } from "./_testing.ts";

const RST = new URL("../../tests/testdata/rst.pcap", import.meta.url).pathname;

Deno.test("socklab pcap lists each connection with handshake, close and counts", async () => {
  const { code, stdout } = await cli(["pcap", RST]);
  assert.equal(code, 0);
  assert.match(stdout, /^rst\.pcap: pcap, \d+ frames: \d+ TCP in 1 connection/);
  assert.match(stdout, /tcp\.stream 0 {2}10\.99\.1\.1:\d+ -> 10\.99\.2\.2:8081/);
  assert.match(stdout, /handshake {7}SYN, SYN-ACK, ACK/);
  assert.match(stdout, /negotiated {6}MSS 1460, window scale 10\/10, SACK, timestamps/);
  assert.match(stdout, /close {11}client FIN first, then RST from client/);
  assert.match(stdout, /client->server {2}78 bytes in 1 data segment,/);
});

Deno.test("socklab pcap --json gives the analysis with Wireshark frame numbers", async () => {
  const { code, stdout } = await cli(["pcap", "--json", RST]);
  assert.equal(code, 0);
  const json = JSON.parse(stdout);
  assert.equal(json.format, "pcap");
  assert.equal(json.connections.length, 1);
  assert.equal(json.connections[0].frames.first, 1);
  assert.equal(json.connections[0].close.how, "rst");
  assert.equal(json.connections[0].toServer.bytes, 78);
});

Deno.test("socklab pcap --follow N --out DIR writes both directions of stream N", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stderr } = await cli(["pcap", "--follow", "0", "--out", dir, RST]);
    assert.equal(code, 0);
    assert.match(stderr, /wrote .*stream-0-client\.bin \(78 bytes\)/);
    const client = await Deno.readFile(`${dir}/stream-0-client.bin`);
    const server = await Deno.readFile(`${dir}/stream-0-server.bin`);
    assert.match(new TextDecoder().decode(client), /^GET \/ HTTP\/1\.1\r\n/);
    const analysis = analyze(readCapture(await Deno.readFile(RST)));
    assert.deepEqual(server, analysis.streamBytes(0, "toClient"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("socklab pcap says what is wrong with its arguments and inputs", async () => {
  const table: [string[], number, RegExp][] = [
    [["pcap"], 2, /a capture FILE is required/],
    [["pcap", "--follow", "0", RST], 2, /--follow needs --out DIR/],
    [
      ["pcap", "--follow", "1", "--out", "/tmp/x", RST],
      2,
      /the capture has 1 TCP stream\(s\), numbered from 0/,
    ],
    [
      ["pcap", "--follow", "x", "--out", "/tmp/x", RST],
      2,
      /--follow: expected a whole number, got "x"/,
    ],
    [["pcap", "/nonexistent.pcap"], 1, /cannot read \/nonexistent\.pcap: no such file/],
    [
      ["pcap", new URL(import.meta.url).pathname],
      1,
      /Cannot parse capture file: magic number 0x[0-9a-f]{8} is neither pcap nor pcapng/,
    ],
  ];
  for (const [args, exit, message] of table) {
    const { code, stderr } = await cli(args);
    assert.equal(code, exit, args.join(" "));
    assert.match(stderr, message);
  }
});
