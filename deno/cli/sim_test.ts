import assert from "node:assert/strict";
import { missingCommand, requires, tsharkFields } from "../_testing.ts";
import { runCli as cli } from "./_testing.ts";

Deno.test("socklab sim --bytes 0 draws the handshake and the teardown with both ends' states", async () => {
  const { code, stdout } = await cli(["sim", "--bytes", "0"]);
  assert.equal(code, 0);
  assert.match(stdout, /CLOSED -> SYN-SENT/);
  assert.match(stdout, /\|-+ SYN seq=0 win=65535 mss=1460 ws=5 sackOK TS -+>\|/);
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
      [["--close", "sideways"], /sim --close: must be one of/],
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

Deno.test("socklab sim --cc reno on a lossy bottleneck reports fast recoveries and retransmissions per lost packet, and --svg writes both plots", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const svg = `${dir}/reno.svg`;
    const { code, stdout } = await cli([
      "sim",
      "--rate",
      "100Mbit",
      "--queue",
      "256KiB",
      "--bytes",
      "2MB",
      "--loss",
      "1",
      "--cc",
      "reno",
      "--seed",
      "4",
      "--lines",
      "0",
      "--svg",
      svg,
    ]);
    assert.equal(code, 0, stdout);
    assert.match(
      stdout,
      /TCP: reno, rack recovery; options agreed: SACK, timestamps, window scaling/,
    );
    const m =
      /(\d+) retransmitted \(([\d.]+) per lost packet, \d+ found needless\), (\d+) fast recoveries/
        .exec(stdout);
    assert.ok(m, stdout);
    assert.ok(Number(m[1]) > 0 && Number(m[2]) <= 1.5 && Number(m[3]) > 0, m[0]);
    for (const path of [svg, `${dir}/reno-cwnd.svg`]) {
      const text = await Deno.readTextFile(path);
      assert.match(text, /^<svg /);
      assert.doesNotMatch(text, /NaN/);
      assert.match(stdout, new RegExp(`wrote ${path.replaceAll("/", "\\/")}`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("socklab sim --no-sack falls back to NewReno recovery and says which options were agreed", async () => {
  const { code, stdout } = await cli(["sim", "--no-sack", "--bytes", "20KB", "--lines", "0"]);
  assert.equal(code, 0);
  assert.match(stdout, /TCP: cubic, newreno recovery; options agreed: timestamps, window scaling/);
});

Deno.test("socklab sim --flows 2 --duration gives each flow's goodput and share, and Jain's index", async () => {
  const { code, stdout } = await cli([
    "sim",
    "--rate",
    "10Mbit",
    "--flows",
    "2",
    "--cc",
    "cubic,reno",
    "--duration",
    "5s",
  ]);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /2 flows through one bottleneck/);
  const rows = [...stdout.matchAll(/^\s+(\d)\s+(cubic|reno)\s+([\d.]+) MB\/s\s+([\d.]+)%/gm)];
  assert.deepEqual(rows.map((r) => r[2]), ["cubic", "reno"]);
  const shares = rows.map((r) => Number(r[4]));
  assert.ok(Math.abs(shares[0] + shares[1] - 100) < 0.2, String(shares));
  // Both flows got a share of the 1.25 MB/s link.
  const total = rows.reduce((sum, r) => sum + Number(r[3]), 0);
  assert.ok(total > 1.0 && total <= 1.25, String(total));
  assert.match(stdout, /Jain's fairness index 0\.\d{3}|Jain's fairness index 1\.000/);
});

Deno.test("socklab sim --cc FILE loads a controller module; a missing or wrong one is a usage error", async () => {
  const ok = await cli(["sim", "--cc", "examples/cc_aimd.ts", "--bytes", "100KB", "--lines", "0"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /TCP: aimd, /);
  const missing = await cli(["sim", "--cc", "no/such/controller.ts"]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /sim --cc: cannot load the controller module no\/such\/controller\.ts/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.ts`, "export default { name: 'bad' };\n");
    const bad = await cli(["sim", "--cc", `${dir}/bad.ts`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /the default export must be a factory function or a class/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
