// The capture analyzer agrees with tshark on real captures of the Linux
// kernel's TCP (tests/testdata/, made by make_captures.sh): the same
// connections numbered the same way, each direction reassembled to exactly
// the bytes of tshark's `-z follow,tcp,raw`, and the same checksum verdict
// for every frame with checksum validation on.
import assert from "node:assert/strict";
import { missingCommand, requires } from "../deno/_testing.ts";
import { analyze, decodeFrame } from "../deno/pcap/analyze.ts";
import { readCapture } from "../deno/pcap/reader.ts";

const CAPTURES = [
  "clean.pcap",
  "loss.pcapng",
  "rst.pcap",
  "ipv6.pcapng",
  "badsum.pcap",
  "snap.pcapng",
  "reuse.pcap",
];
const dir = new URL("./testdata/", import.meta.url);

async function tshark(...args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("tshark", {
    args: ["-n", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    throw new Error(`tshark ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return text;
}

interface Followed {
  /** "address:port" of each node, as socklab formats endpoints. */
  nodes: [string, string];
  bytes: [Uint8Array, Uint8Array];
}

/** Parses `-z follow,tcp,raw,N` blocks: node 0's lines bare, node 1's indented by a tab. */
function parseFollow(text: string): Map<number, Followed> {
  const out = new Map<number, Followed>();
  for (const block of text.split(/^=+$/m)) {
    const stream = /^Filter: tcp\.stream eq (\d+)$/m.exec(block);
    if (!stream) continue;
    const node = (n: number) =>
      /^Node \d: \[?([^\]]*?)\]?:(\d+)$/m.exec(
        block.split("\n").filter((l) => l.startsWith(`Node ${n}:`))[0],
      )!;
    const hex: [string[], string[]] = [[], []];
    for (const line of block.split("\n")) {
      if (!/^\t?[0-9a-f]+$/.test(line)) continue;
      hex[line.startsWith("\t") ? 1 : 0].push(line.trim());
    }
    const bytes = (parts: string[]) => {
      const joined = parts.join("");
      const out = new Uint8Array(joined.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = parseInt(joined.substr(2 * i, 2), 16);
      return out;
    };
    const [n0, n1] = [node(0), node(1)];
    out.set(Number(stream[1]), {
      nodes: [`${n0[1]}:${n0[2]}`, `${n1[1]}:${n1[2]}`],
      bytes: [bytes(hex[0]), bytes(hex[1])],
    });
  }
  return out;
}

for (const name of CAPTURES) {
  Deno.test(requires(missingCommand("tshark"), {
    name: `analyze() agrees with tshark on ${name}: streams, reassembly, checksums`,
    async fn() {
      const file = new URL(name, dir).pathname;
      const capture = readCapture(await Deno.readFile(file));
      const analysis = analyze(capture);

      // Per frame: stream number and checksum verdicts (1 good, 0 bad, 2 unverified).
      const fields = await tshark(
        "-r",
        file,
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "tcp.stream",
        "-e",
        "tcp.checksum.status",
        "-e",
        "ip.checksum.status",
        ...["tcp.seq", "tcp.ack", "tcp.len", "tcp.window_size_value", "tcp.flags"].flatMap((
          f,
        ) => ["-e", f]),
        ...["tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.sack_perm"].flatMap((
          f,
        ) => ["-e", f]),
        ...["tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.options.sack_le"]
          .flatMap((f) => ["-e", f]),
        ...["tcp.options.sack_re"].flatMap((f) => ["-e", f]),
        "-o",
        "tcp.relative_sequence_numbers:FALSE",
      );
      const perStream = new Map<number, number[]>();
      let tcpFrames = 0;
      let badTcp = 0;
      for (const line of fields.replace(/\n$/, "").split("\n")) {
        const [number, stream, tcpStatus, ipStatus, ...header] = line.split("\t");
        const frame = capture.packets[Number(number) - 1];
        const decoded = decodeFrame(frame);
        if (stream === "") {
          assert.notEqual(decoded.kind, "tcp", `frame ${number}: tshark sees no TCP`);
          continue;
        }
        tcpFrames++;
        assert.equal(decoded.kind, "tcp", `frame ${number}: tshark sees TCP`);
        if (decoded.kind !== "tcp") continue;
        const verdict = (ok: boolean | null) => ok === null ? "2" : ok ? "1" : "0";
        assert.equal(
          verdict(decoded.segment.checksumOk),
          tcpStatus,
          `frame ${number}: TCP checksum`,
        );
        if (ipStatus) {
          assert.equal(
            verdict(decoded.segment.ipChecksumOk),
            ipStatus.split(",")[0],
            `frame ${number}: IP checksum`,
          );
        }
        if (tcpStatus === "0") badTcp++;
        // Every header field and option, as tshark decodes them.
        const t = decoded.segment.tcp;
        const flags = (t.control === "syn"
          ? 0x02
          : t.control === "fin"
          ? 0x01
          : t.control === "rst"
          ? 0x04
          : 0) |
          (t.ack !== null ? 0x10 : 0) | (t.psh ? 0x08 : 0) | (t.urgent !== null ? 0x20 : 0) |
          (t.ece ? 0x40 : 0) | (t.cwr ? 0x80 : 0);
        const ours = [
          t.seq,
          t.ack ?? 0,
          decoded.segment.length,
          t.window,
          `0x${flags.toString(16).padStart(4, "0")}`,
          t.mss ?? "",
          t.windowScale ?? "",
          t.sackPermitted ? "0402" : "",
          t.timestamp?.value ?? "",
          t.timestamp?.echo ?? "",
          t.sack.map((b) =>
            b[0]
          ).join(","),
          t.sack.map((b) => b[1]).join(","),
        ].map(String);
        assert.deepEqual(ours, header, `frame ${number}: TCP header fields`);
        const frames = perStream.get(Number(stream)) ?? [];
        frames.push(Number(number) - 1);
        perStream.set(Number(stream), frames);
      }
      assert.equal(analysis.tcpFrames, tcpFrames);
      assert.equal(badTcp, name === "badsum.pcap" ? 1 : 0, "the captures' bad checksums");
      assert.equal(analysis.connections.length, perStream.size, "connections");
      for (const conn of analysis.connections) {
        const frames = perStream.get(conn.stream)!;
        assert.equal(conn.frames.first, frames[0], `stream ${conn.stream}: first frame`);
        assert.equal(conn.frames.last, frames.at(-1), `stream ${conn.stream}: last frame`);
        assert.equal(conn.toServer.packets + conn.toClient.packets, frames.length);
      }

      if (name === "snap.pcapng") {
        // Cut frames: headers agree (above); data is counted, not followed.
        for (const conn of analysis.connections) {
          assert.ok(conn.toClient.cutSegments > 50);
          assert.equal(analysis.streamBytes(conn.stream, "toClient").length, 0);
        }
        return;
      }
      // Reassembled streams, byte for byte.
      const follow = parseFollow(
        await tshark(
          "-r",
          file,
          "-q",
          ...analysis.connections.flatMap((c) => ["-z", `follow,tcp,raw,${c.stream}`]),
        ),
      );
      for (const conn of analysis.connections) {
        const theirs = follow.get(conn.stream)!;
        const client = `${conn.client.address}:${conn.client.port}`;
        const clientNode = theirs.nodes.indexOf(client);
        assert.notEqual(
          clientNode,
          -1,
          `stream ${conn.stream}: ${client} is one of ${theirs.nodes}`,
        );
        const toServer = analysis.streamBytes(conn.stream, "toServer");
        const toClient = analysis.streamBytes(conn.stream, "toClient");
        assert.ok(toClient.length > 1000, "the captures carry data");
        assert.deepEqual(
          toServer,
          theirs.bytes[clientNode],
          `stream ${conn.stream}: client to server`,
        );
        assert.deepEqual(
          toClient,
          theirs.bytes[1 - clientNode],
          `stream ${conn.stream}: server to client`,
        );
      }
    },
  }));
}

Deno.test("the captures cover loss, out-of-order data, RST, IPv6, pcapng and cooked links", async () => {
  const load = async (name: string) => readCapture(await Deno.readFile(new URL(name, dir)));
  const loss = analyze(await load("loss.pcapng"));
  assert.equal(loss.format, "pcapng");
  const lossy = loss.connections[0].toClient;
  assert.ok(lossy.retransmissions + lossy.outOfOrder > 0, "loss.pcapng shows the loss");
  const rst = analyze(await load("rst.pcap"));
  assert.equal(rst.connections[0].close.how, "rst");
  assert.equal((await load("rst.pcap")).packets[0].linkType, 113);
  const v6 = await load("ipv6.pcapng");
  assert.equal(v6.packets[0].linkType, 276);
  assert.match(analyze(v6).connections[0].client.address, /:/);
  const clean = analyze(await load("clean.pcap"));
  assert.deepEqual(clean.connections.map((c) => c.close.how), ["fin/fin", "fin/fin"]);
  assert.equal(analyze(await load("badsum.pcap")).connections[0].toClient.badChecksums, 1);
  const reuse = analyze(await load("reuse.pcap")).connections;
  assert.equal(reuse.length, 2, "a new SYN on a closed 4-tuple is a new connection");
  assert.deepEqual(reuse[0].client, reuse[1].client);
});
