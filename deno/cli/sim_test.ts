import assert from "node:assert/strict";
import { missingCommand, requires, tsharkFields } from "../_testing.ts";
import { runCli as cli } from "./_testing.ts";

Deno.test("socklab sim --bytes 0 draws the handshake and the teardown with both ends' states", async () => {
  const { code, stdout } = await cli(["sim", "--bytes", "0"]);
  assert.equal(code, 0);
  assert.match(stdout, /CLOSED -> SYN-SENT/);
  assert.match(stdout, /\|-+ SYN seq=0 win=65535 mss=1460 -+>\|/);
  assert.match(stdout, /\|<-+ SYN,ACK seq=0 ack=1 /);
  assert.match(stdout, /LISTEN -> SYN-RECEIVED/);
  assert.match(stdout, /FIN-WAIT-2 -> TIME-WAIT/);
  assert.match(stdout, /LAST-ACK -> CLOSED/);
  assert.match(stdout, /TIME-WAIT -> CLOSED/);
  assert.match(stdout, /seed 1: OK/);
});

Deno.test("socklab sim --json reports SHA-256 both ways, retransmissions and final states", async () => {
  const args = [
    "sim",
    "--json",
    "--bytes",
    "30KB",
    "--reply-bytes",
    "2KB",
    "--loss",
    "20",
    "--seed",
    "9",
  ];
  const { code, stdout } = await cli(args);
  assert.equal(code, 0);
  const r = JSON.parse(stdout);
  assert.equal(r.ok, true);
  assert.equal(r.server.receivedSha256, r.client.sentSha256);
  assert.equal(r.client.receivedSha256, r.server.sentSha256);
  assert.equal(r.server.bytesReceived, 30_000);
  assert.ok(r.client.retransmissions > 0);
  assert.deepEqual([r.client.state, r.server.state], ["CLOSED", "CLOSED"]);
  assert.equal(
    (await cli(args)).stdout.replace(/"wallMs":\d+/, ""),
    stdout.replace(/"wallMs":\d+/, ""),
  );
});

Deno.test("socklab sim shows retransmissions and RTO backoff on a lossy link", async () => {
  const { stdout } = await cli([
    "sim",
    "--loss",
    "30",
    "--bytes",
    "20KB",
    "--seed",
    "3",
    "--lines",
    "100000",
  ]);
  assert.match(stdout, /RTX /);
  assert.match(stdout, /RTO fired, now \d+ ms \(x2\)/);
  assert.match(stdout, /\| loss/);
});

Deno.test("socklab sim --stall shows a zero window and the persist timer", async () => {
  const { code, stdout } = await cli([
    "sim",
    "--stall",
    "2s",
    "--recv-buffer",
    "4096",
    "--bytes",
    "20KB",
    "--lines",
    "100000",
  ]);
  assert.equal(code, 0);
  assert.match(stdout, /win=0 /);
  assert.match(stdout, /persist timer/);
});

Deno.test("socklab sim --simultaneous-open goes SYN-SENT -> SYN-RECEIVED on both ends", async () => {
  const { code, stdout } = await cli(["sim", "--simultaneous-open", "--bytes", "0"]);
  assert.equal(code, 0);
  assert.equal(stdout.match(/SYN-SENT -> SYN-RECEIVED/g)?.length, 2);
});

Deno.test("socklab sim rejects bad flags and impossible settings with exit 2", async () => {
  for (
    const [args, message] of [
      [["--loss", "150"]],
      [["--loss", "100"], /never deliver/],
      [["--mtu", "30"], /mtu/],
      [["--close", "sideways"], /--close must be one of/],
      [["--recv-buffer", "2GiB"], /1GiB/],
      [["--delay", "soon"], /--delay/],
      [["--rate", "1Mbit", "--queue", "100"], /cannot hold/],
      [["--bytes", "1TB"], /--bytes/],
      [["--frobnicate"], /frobnicate/],
    ] as [string[], RegExp?][]
  ) {
    const { code, stderr } = await cli(["sim", ...args]);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    if (message) assert.match(stderr, message);
  }
});

Deno.test(
  requires(missingCommand("tshark"), {
    name:
      "socklab sim --pcap writes a capture tshark reads with every checksum Good, nothing malformed",
    async fn() {
      const path = await Deno.makeTempFile({ suffix: ".pcap" });
      try {
        const { code } = await cli([
          "sim",
          "--pcap",
          path,
          "--bytes",
          "40KB",
          "--reply-bytes",
          "3KB",
          "--loss",
          "10",
          "--corrupt",
          "5",
          "--duplicate",
          "5",
          "--reorder",
          "5",
          "--seed",
          "4",
          "--lines",
          "0",
        ]);
        assert.equal(code, 0);
        const rows = await tsharkFields(path, [
          "ip.checksum.status",
          "tcp.checksum.status",
          "_ws.malformed",
        ]);
        assert.ok(rows.length > 40);
        // 1 is "Good" for both checksums; a third field would be a malformed mark.
        for (const row of rows) {
          assert.deepEqual(row.filter((f) => f !== ""), ["1", "1"], row.join(" "));
        }
      } finally {
        await Deno.remove(path);
      }
    },
  }),
);

Deno.test("socklab sim --trace writes every event as JSON lines", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const { code } = await cli(["sim", "--bytes", "2000", "--lines", "0", "--trace", path]);
    assert.equal(code, 0);
    const events = (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));
    const syn = events.find((e) => e.kind === "segment" && e.flags === "SYN");
    assert.deepEqual([syn.direction, syn.relSeq, syn.len, syn.mss], ["send", 0, 0, 1460]);
    assert.ok(events.some((e) => e.kind === "state" && e.to === "TIME-WAIT"));
    assert.ok(events.some((e) => e.kind === "rtt" && e.srtt > 0));
    assert.ok(events.some((e) => e.kind === "link" && e.action === "send" && e.bytes === 1500));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("socklab sim says which file it could not write", async () => {
  const { code, stderr } = await cli([
    "sim",
    "--bytes",
    "0",
    "--trace",
    "/nonexistent/dir/t.jsonl",
  ]);
  assert.equal(code, 1);
  assert.match(stderr, /cannot write the trace to \/nonexistent\/dir\/t\.jsonl/);
});

Deno.test("socklab sim --mtu below IPv4's 68-byte minimum is a usage error, and 68 still connects", async () => {
  const low = await cli(["sim", "--mtu", "67"]);
  assert.equal(low.code, 2);
  assert.match(low.stderr, /--mtu: 67 is out of range \(68 to 65535\)/);
  const min = await cli(["sim", "--mtu", "68", "--bytes", "100", "--json"]);
  assert.equal(min.code, 0);
  const report = JSON.parse(min.stdout);
  assert.equal(report.ok, true);
});
