import assert from "node:assert/strict";
import fc from "fast-check";
import { analyze, decodeFrame } from "./analyze.ts";
import { readCapture } from "./reader.ts";
import { assertWhole } from "../_testing.ts";
import { Conversation, rawCapture, text } from "./_testing.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const SYN_OPTS = {
  mss: 1460,
  windowScale: 7,
  sackPermitted: true,
  timestamp: { value: 1, echo: 0 },
};

/** SYN, SYN-ACK, ACK with client ISN `c` and server ISN `s`. */
function handshake(conv: Conversation, c = 100, s = 5000): Conversation {
  return conv
    .c({ control: "syn", seq: c, ...SYN_OPTS })
    .s({ control: "syn", seq: s, ack: c + 1, ...SYN_OPTS, windowScale: 9, mss: 1400 })
    .c({ seq: c + 1, ack: (s + 1) >>> 0 });
}

Deno.test("analyze() reports handshake options, data each way and a FIN/FIN close", () => {
  const conv = handshake(new Conversation())
    .c({ seq: 101, ack: 5001, payload: text(10), psh: true })
    .s({ seq: 5001, ack: 111, payload: text(20) })
    .s({ seq: 5021, ack: 111, control: "fin" })
    .c({ seq: 111, ack: 5022, control: "fin" })
    .s({ seq: 5022, ack: 112 });
  const a = analyze(rawCapture(conv.packets));
  assert.equal(a.connections.length, 1);
  const [c] = a.connections;
  assert.deepEqual(c.client, { address: "10.0.0.1", port: 40000 });
  assert.deepEqual(c.handshake.syn, {
    mss: 1460,
    windowScale: 7,
    sackPermitted: true,
    timestamps: true,
  });
  assert.equal(c.handshake.ack, true);
  assert.deepEqual(c.handshake.negotiated, {
    mss: 1400,
    windowScale: { client: 7, server: 9 },
    sack: true,
    timestamps: true,
  });
  assert.equal(c.close.first, "server");
  assert.equal(c.close.firstFlag, "fin");
  assert.equal(c.close.how, "fin/fin");
  assert.equal(c.toServer.bytes, 10);
  assert.equal(c.toClient.bytes, 20);
  assert.equal(c.toClient.packets, 4); // SYN-ACK, data, FIN, ACK
  assert.deepEqual(a.streamBytes(0, "toServer"), text(10));
  assert.deepEqual(a.streamBytes(0, "toClient"), text(20));
});

Deno.test("analyze() counts a retransmission and keeps its bytes once", () => {
  const conv = handshake(new Conversation())
    .s({ seq: 5001, ack: 101, payload: text(10) })
    .s({ seq: 5011, ack: 101, payload: text(10, 10) })
    .s({ seq: 5001, ack: 101, payload: text(10) });
  const a = analyze(rawCapture(conv.packets));
  assert.equal(a.connections[0].toClient.retransmissions, 1);
  assert.equal(a.connections[0].toClient.outOfOrder, 0);
  assert.deepEqual(a.streamBytes(0, "toClient"), text(20));
});

Deno.test("analyze() holds data past a gap until the gap fills, counting the filler out of order", () => {
  const conv = handshake(new Conversation())
    .s({ seq: 5011, ack: 101, payload: text(10, 10) })
    .s({ seq: 5021, ack: 101, payload: text(10, 20) })
    .s({ seq: 5001, ack: 101, payload: text(10) });
  const a = analyze(rawCapture(conv.packets));
  assert.equal(a.connections[0].toClient.outOfOrder, 1);
  assert.equal(a.connections[0].toClient.retransmissions, 0);
  assert.deepEqual(a.streamBytes(0, "toClient"), text(30));
});

Deno.test("analyze() keeps the first copy of bytes when a retransmission overlaps and differs", () => {
  const conv = handshake(new Conversation())
    .s({ seq: 5001, ack: 101, payload: new TextEncoder().encode("hello") })
    .s({ seq: 5004, ack: 101, payload: new TextEncoder().encode("LO, world") });
  const a = analyze(rawCapture(conv.packets));
  assert.equal(dec(a.streamBytes(0, "toClient")), "hello, world");
  assert.equal(a.connections[0].toClient.retransmissions, 1);
});

Deno.test("analyze() ends a stream at a gap the capture never fills", () => {
  const conv = handshake(new Conversation())
    .s({ seq: 5001, ack: 101, payload: text(10) })
    .s({ seq: 5021, ack: 101, payload: text(10, 20) })
    .s({ seq: 5025, ack: 101, payload: text(10, 24) });
  const a = analyze(rawCapture(conv.packets));
  assert.deepEqual(a.streamBytes(0, "toClient"), text(10));
  assert.equal(a.connections[0].toClient.unfilledBytes, 14);
});

Deno.test("analyze() reassembles across the 2^32 sequence wrap", () => {
  const isn = 0xfffffff0;
  const conv = handshake(new Conversation(), 100, isn)
    .s({ seq: isn + 1, ack: 101, payload: text(10) })
    .s({ seq: (isn + 21) >>> 0, ack: 101, payload: text(10, 20) }) // past the wrap, early
    .s({ seq: isn + 11, ack: 101, payload: text(10, 10) }); // spans the wrap
  const a = analyze(rawCapture(conv.packets));
  assert.deepEqual(a.streamBytes(0, "toClient"), text(30));
  assert.equal(a.connections[0].toClient.outOfOrder, 1);
});

Deno.test("analyze() numbers connections like tcp.stream, a reused 4-tuple included", () => {
  const first = handshake(new Conversation())
    .c({ seq: 101, ack: 5001, control: "rst" });
  const other = handshake(new Conversation("10.0.0.3"));
  const again = handshake(new Conversation(), 9000, 7000);
  const a = analyze(
    rawCapture([first.packets[0], ...other.packets, ...first.packets.slice(1), ...again.packets]),
  );
  assert.equal(a.connections.length, 3);
  assert.equal(a.connections[0].client.address, "10.0.0.1");
  assert.equal(a.connections[0].close.how, "rst");
  assert.equal(a.connections[0].close.firstFlag, "rst");
  assert.equal(a.connections[1].client.address, "10.0.0.3");
  assert.equal(a.connections[2].client.address, "10.0.0.1");
  assert.equal(a.connections[2].frames.first, 7);
});

Deno.test("analyze() takes a SYN-ACK's receiver as the client when the SYN was not captured", () => {
  const conv = handshake(new Conversation());
  const a = analyze(rawCapture(conv.packets.slice(1)));
  assert.equal(a.connections[0].client.address, "10.0.0.1");
  assert.equal(a.connections[0].handshake.syn, null);
  assert.equal(a.connections[0].handshake.negotiated, null);
});

Deno.test("analyze() starts mid-stream captures at the first data seen", () => {
  const conv = new Conversation()
    .s({ seq: 77, ack: 1, payload: text(5) })
    .s({ seq: 82, ack: 1, payload: text(5, 5) });
  const a = analyze(rawCapture(conv.packets));
  assert.deepEqual(a.connections[0].client, { address: "10.0.0.2", port: 80 });
  assert.deepEqual(a.streamBytes(0, "toServer"), text(10));
  assert.equal(a.connections[0].close.how, "open");
});

Deno.test("analyze() counts bad checksums and still follows their data, as tshark does", () => {
  const conv = handshake(new Conversation()).s({ seq: 5001, ack: 101, payload: text(10) });
  const last = conv.packets.at(-1)!;
  last[last.length - 1] ^= 0xff;
  const a = analyze(rawCapture(conv.packets));
  assert.equal(a.connections[0].toClient.badChecksums, 1);
  assert.equal(a.streamBytes(0, "toClient").length, 10);
});

Deno.test("analyze() reports malformed frames with a reason and goes on", () => {
  const conv = handshake(new Conversation()).s({ seq: 5001, ack: 101, payload: text(10) });
  const broken = conv.packets[1].slice();
  broken[20 + 12] = 0x30; // TCP data offset 3
  const a = analyze(rawCapture([conv.packets[0], broken, ...conv.packets.slice(2)]));
  assert.equal(a.malformed.length, 1);
  assert.equal(a.malformed[0].frame, 1);
  assert.match(a.malformed[0].reason, /Cannot parse TCP segment: data offset is 3 words/);
  assert.equal(a.connections.length, 1);
  assert.throws(() => a.streamBytes(1, "toClient"), /no stream 1 \(the capture has 1\)/);
});

Deno.test("analyze() follows IPv6 connections", () => {
  const conv = handshake(new Conversation("fd00::1", "fd00::2"))
    .s({ seq: 5001, ack: 101, payload: text(10) });
  const a = analyze(rawCapture(conv.packets));
  assert.equal(a.connections[0].server.address, "fd00::2");
  assert.deepEqual(a.streamBytes(0, "toClient"), text(10));
});

Deno.test("decodeFrame() verifies checksums and marks frames cut by the snap length unverified", () => {
  const conv = handshake(new Conversation()).s({ seq: 5001, ack: 101, payload: text(10) });
  const [frame] = rawCapture([conv.packets[3]]).packets;
  const whole = decodeFrame(frame);
  assert.equal(whole.kind, "tcp");
  assert.equal(whole.kind === "tcp" && whole.segment.checksumOk, true);
  assert.equal(whole.kind === "tcp" && whole.segment.ipChecksumOk, true);
  const cut = decodeFrame({ ...frame, originalLength: frame.data.length + 100 });
  assert.equal(cut.kind === "tcp" && cut.segment.checksumOk, null);
  const arp = decodeFrame({ ...frame, linkType: 1, data: new Uint8Array(42).fill(0x06, 12, 13) });
  assert.equal(arp.kind, "other");
});

Deno.test("analyze() reassembles any reordering and duplication of a stream's segments exactly", () => {
  const stream = text(600);
  fc.assert(
    fc.property(
      fc.nat({ max: 0xffffffff }),
      fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 200 })), { maxLength: 6 }),
      (isn, cuts, order, extra) => {
        // Cut the stream into segments, add overlapping copies, shuffle.
        const edges = [...new Set([0, ...cuts.map((c) => (c * 7) % 600), 600])].sort((a, b) =>
          a - b
        );
        const segments = edges.slice(1).map((end, i) => [edges[i], end] as const);
        for (const [from, _, len] of extra) {
          const start = from % 600;
          segments.push([start, Math.min(600, start + len)]);
        }
        for (let i = 0; i < order.length; i++) {
          const j = order[i] % segments.length, k = i % segments.length;
          [segments[j], segments[k]] = [segments[k], segments[j]];
        }
        const conv = handshake(new Conversation(), 100, isn);
        for (const [start, end] of segments) {
          conv.s({ seq: (isn + 1 + start) >>> 0, ack: 101, payload: stream.subarray(start, end) });
        }
        const a = analyze(rawCapture(conv.packets));
        assert.deepEqual(a.streamBytes(0, "toClient"), stream);
        assert.equal(a.connections[0].toClient.unfilledBytes, 0);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("analyze() handles thousands of segments waiting behind a gap that never fills", () => {
  const conv = handshake(new Conversation());
  for (let i = 1; i <= 5000; i++) conv.s({ seq: 5001 + 10 * i, ack: 101, payload: text(10) });
  conv.s({ seq: 5001 + 10 * 2500, ack: 101, payload: text(10) }); // a retransmission in the held data
  const a = analyze(rawCapture(conv.packets));
  assert.equal(a.streamBytes(0, "toClient").length, 0);
  assert.equal(a.connections[0].toClient.unfilledBytes, 50000);
  assert.equal(a.connections[0].toClient.retransmissions, 1);
});

Deno.test("decodeFrame() and analyze() never throw on mutated frames of real captures", async () => {
  const frames = [];
  for (const name of ["clean.pcap", "ipv6.pcapng", "rst.pcap"]) {
    const url = new URL(`../../tests/testdata/${name}`, import.meta.url);
    frames.push(...readCapture(await Deno.readFile(url)).packets.slice(0, 12));
  }
  fc.assert(
    fc.property(
      fc.constantFrom(...frames),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat({ max: 1600 }),
      (frame, flips, cut) => {
        const data = frame.data.slice(0, cut || frame.data.length);
        for (const [at, value] of flips) if (data.length) data[at % data.length] = value;
        const packet = { ...frame, data };
        const decoded = decodeFrame(packet);
        assert.ok(["tcp", "other", "malformed"].includes(decoded.kind));
        if (decoded.kind === "tcp") assertWhole({ ...decoded.segment, time: 0 });
        analyze({ format: "pcap", truncated: null, packets: [frame, packet] });
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("decodeFrame() walks IPv6 extension headers to TCP and sets IP fragments aside", () => {
  const [v6] = new Conversation("fd00::1", "fd00::2").c({ seq: 1, payload: text(4) }).packets;
  // Insert a hop-by-hop options header (8 bytes of padding) before TCP.
  const withHbh = new Uint8Array(v6.length + 8);
  withHbh.set(v6.subarray(0, 40));
  withHbh.set([6, 0, 1, 4, 0, 0, 0, 0], 40);
  withHbh.set(v6.subarray(40), 48);
  withHbh[6] = 0; // next header: hop-by-hop
  withHbh[5] += 8; // payload length
  const frame = (data: Uint8Array) => rawCapture([data]).packets[0];
  const decoded = decodeFrame(frame(withHbh));
  assert.equal(decoded.kind, "tcp");
  assert.equal(decoded.kind === "tcp" && decoded.segment.checksumOk, true);
  const [v4] = new Conversation().c({ seq: 1, payload: text(4) }).packets;
  const fragment = v4.slice();
  fragment[6] |= 0x20; // more fragments
  assert.deepEqual(decodeFrame(frame(fragment)), { kind: "other", what: "IPv4 fragment" });
});
