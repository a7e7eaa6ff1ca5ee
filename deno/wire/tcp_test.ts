import assert from "node:assert/strict";
import fc from "fast-check";
import { WireError } from "./error.ts";
import { assertWhole } from "../_testing.ts";
import {
  bufferLen,
  emit,
  parse,
  parseOptions,
  TcpFlag,
  TcpPacket,
  type TcpRepr,
  tcpRepr,
} from "./tcp.ts";

const hex = (s: string) =>
  new Uint8Array(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
const LOOPBACK = { src: new Uint8Array([127, 0, 0, 1]), dst: new Uint8Array([127, 0, 0, 1]) };

// A SYN from Linux curl to 127.0.0.1:9, captured with tcpdump; tshark's
// verdict on its checksum: 0x7079.
const LINUX_SYN = hex(`c60a0009 d9198eaf 00000000 a002ffd7 70790000
  020 4ffd7 0402 080a cfa9e1fe 00000000 01 03030a`);
// The kernel's RST in reply; tshark: checksum 0x83f0 correct.
const LINUX_RST = hex("0009c60a 00000000 d9198eb0 50140000 83f00000");

/** A data segment with every field plain; override what a test needs. */
function segment(overrides: Partial<TcpRepr> = {}): TcpRepr {
  return tcpRepr({ srcPort: 40000, dstPort: 80, seq: 1000, ack: 2000, window: 502, ...overrides });
}

function rejects(bytes: Uint8Array, reason: RegExp, pseudo?: typeof LOOPBACK) {
  assert.throws(() => parse(bytes, pseudo), (e: unknown) => {
    assert.ok(e instanceof WireError, `expected WireError, got ${e}`);
    assert.equal(e.protocol, "TCP segment");
    assert.match(e.reason, reason);
    assert.match(e.message, /^Cannot parse TCP segment: /);
    return true;
  });
}

Deno.test("parse() decodes a Linux SYN with its options and checksum", () => {
  const repr = parse(LINUX_SYN, LOOPBACK);
  assert.equal(repr.srcPort, 0xc60a);
  assert.equal(repr.dstPort, 9);
  assert.equal(repr.seq, 0xd9198eaf);
  assert.equal(repr.ack, null);
  assert.equal(repr.control, "syn");
  assert.equal(repr.window, 0xffd7);
  assert.equal(repr.mss, 65495);
  assert.equal(repr.windowScale, 10);
  assert.equal(repr.sackPermitted, true);
  assert.deepEqual(repr.timestamp, { value: 0xcfa9e1fe, echo: 0 });
  assert.equal(repr.payload.length, 0);
});

Deno.test("parse() decodes the kernel's RST+ACK and verifies its checksum", () => {
  const repr = parse(LINUX_RST, LOOPBACK);
  assert.equal(repr.control, "rst");
  assert.equal(repr.ack, 0xd9198eb0);
  assert.equal(repr.window, 0);
});

Deno.test("emit() reproduces the Linux RST byte for byte", () => {
  const repr = parse(LINUX_RST);
  const out = new Uint8Array(bufferLen(repr));
  emit(repr, out, LOOPBACK);
  assert.deepEqual(out, LINUX_RST);
});

Deno.test("emit() writes Linux's SYN option layout and checksum", () => {
  const repr = parse(LINUX_SYN);
  const out = new Uint8Array(bufferLen(repr));
  assert.equal(emit(repr, out, LOOPBACK), LINUX_SYN.length);
  assert.deepEqual(out, LINUX_SYN);
});

Deno.test("parse() rejects a wrong checksum only when given the pseudo-header", () => {
  const bad = LINUX_RST.slice();
  bad[16] ^= 1;
  rejects(bad, /checksum 0x82f0 is wrong/, LOOPBACK);
  assert.equal(parse(bad).control, "rst");
});

Deno.test("parse() and emit() round-trip data, SACK blocks, URG and ECN", () => {
  const repr = segment({
    payload: new TextEncoder().encode("hello"),
    psh: true,
    ece: true,
    cwr: true,
    urgent: 3,
    sack: [[5000, 6000], [0xfffffff0, 0x10]],
    timestamp: { value: 7, echo: 8 },
  });
  const out = new Uint8Array(bufferLen(repr) + 10);
  const n = emit(repr, out, LOOPBACK);
  assert.equal(n, 20 + 12 + 4 + 16 + 5);
  assert.deepEqual(parse(out.subarray(0, n), LOOPBACK), repr);
});

Deno.test("parse() returns the payload as a view, not a copy", () => {
  const bytes = new Uint8Array(bufferLen(segment({ payload: new Uint8Array(3) })));
  emit(segment({ payload: new Uint8Array([1, 2, 3]) }), bytes);
  const repr = parse(bytes);
  bytes[bytes.length - 1] = 9;
  assert.equal(repr.payload[2], 9);
});

Deno.test("TcpPacket accessors read and write fields in place", () => {
  const bytes = LINUX_RST.slice();
  const p = new TcpPacket(bytes);
  assert.equal(p.flags, TcpFlag.RST | TcpFlag.ACK);
  assert.equal(p.headerLen, 20);
  assert.equal(p.segmentLen, 0);
  p.window = 0x1234;
  assert.deepEqual([...bytes.subarray(14, 16)], [0x12, 0x34]);
  assert.equal(p.verifyChecksum(LOOPBACK), false);
  p.fillChecksum(LOOPBACK);
  assert.equal(p.verifyChecksum(LOOPBACK), true);
  assert.equal(new TcpPacket(LINUX_SYN).segmentLen, 1);
});

Deno.test("parse() rejects truncated segments and impossible data offsets", () => {
  rejects(LINUX_RST.subarray(0, 19), /19 bytes is shorter than the 20-byte header/);
  const low = LINUX_RST.slice();
  low[12] = 0x30;
  rejects(low, /data offset is 3 words, expected at least 5/);
  const high = LINUX_RST.slice();
  high[12] = 0x60;
  rejects(high, /data offset is 6 words \(24 bytes\), beyond the 20-byte segment/);
  rejects(LINUX_SYN.subarray(0, 39), /beyond the 39-byte segment/);
});

Deno.test("parse() rejects SYN+FIN, SYN+RST and FIN+RST", () => {
  for (
    const [flags, names] of [[0x03, "SYN and FIN"], [0x06, "SYN and RST"], [
      0x05,
      "FIN and RST",
    ]] as const
  ) {
    const bytes = LINUX_RST.slice();
    bytes[13] = flags;
    rejects(bytes, new RegExp(`flags ${names} together`));
  }
});

Deno.test("parseOptions() rejects lengths 0 and 1, overruns and wrong known lengths", () => {
  const table: [number[], RegExp][] = [
    [[30, 0], /option kind 30 has length 0, expected at least 2/],
    [[30, 1], /option kind 30 has length 1, expected at least 2/],
    [[1, 1, 30], /option kind 30 at offset 22 has no length byte/],
    [[30, 6, 0, 0], /option kind 30 of length 6 overruns the header by 2 bytes/],
    [[2, 3, 0, 1], /MSS option has length 3, expected 4/],
    [[3, 4, 7, 1], /window scale option has length 4, expected 3/],
    [[5, 6, 0, 0, 0, 0, 1, 1], /SACK option has length 6/],
    [[8, 8, 0, 0, 0, 0, 0, 0], /timestamps option has length 8, expected 10/],
  ];
  for (const [options, reason] of table) {
    assert.throws(() => parseOptions(new Uint8Array(options)), (e: unknown) => {
      assert.ok(e instanceof WireError);
      assert.match(e.reason, reason);
      return true;
    });
  }
});

Deno.test("parseOptions() skips unknown options, stops at EOL, clamps window scale to 14", () => {
  const opts = parseOptions(new Uint8Array([30, 4, 9, 9, 3, 3, 15, 0, 2, 4, 1, 1]));
  assert.equal(opts.windowScale, 14);
  assert.equal(opts.mss, null); // after EOL: ignored
});

Deno.test("emit() refuses options beyond 40 bytes and a short buffer", () => {
  const big = segment({
    timestamp: { value: 1, echo: 2 },
    sack: [[1, 2], [3, 4], [5, 6], [7, 8]],
  });
  assert.throws(() => bufferLen(big), RangeError);
  assert.throws(() => emit(segment(), new Uint8Array(19)), /needs 20 bytes, the buffer has 19/);
  assert.throws(() => emit(segment({ window: 70000 }), new Uint8Array(20)), RangeError);
  assert.throws(() => parse("nope" as unknown as Uint8Array), TypeError);
});

const arbRepr = fc.record({
  srcPort: fc.integer({ min: 0, max: 0xffff }),
  dstPort: fc.integer({ min: 0, max: 0xffff }),
  seq: fc.nat({ max: 0xffffffff }),
  ack: fc.option(fc.nat({ max: 0xffffffff })),
  control: fc.constantFrom("syn", "fin", "rst", null),
  psh: fc.boolean(),
  ece: fc.boolean(),
  cwr: fc.boolean(),
  urgent: fc.option(fc.integer({ min: 0, max: 0xffff })),
  window: fc.integer({ min: 0, max: 0xffff }),
  mss: fc.option(fc.integer({ min: 0, max: 0xffff })),
  windowScale: fc.option(fc.integer({ min: 0, max: 14 })),
  sackPermitted: fc.boolean(),
  sack: fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })), {
    maxLength: 2,
  }),
  timestamp: fc.option(
    fc.record({ value: fc.nat({ max: 0xffffffff }), echo: fc.nat({ max: 0xffffffff }) })
      .map((t) => ({ ...t })),
  ),
  payload: fc.uint8Array({ maxLength: 64 }),
}).map((r) => ({ ...r })) as fc.Arbitrary<TcpRepr>;

Deno.test("parse(emit(repr)) returns repr for any representable segment", () => {
  fc.assert(
    fc.property(arbRepr, (repr) => {
      const out = new Uint8Array(bufferLen(repr));
      emit(repr, out, LOOPBACK);
      assert.deepEqual(parse(out, LOOPBACK), repr);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("parse() either returns or throws WireError for random and mutated bytes", () => {
  const outcome = (bytes: Uint8Array) => {
    try {
      const repr = parse(bytes, LOOPBACK);
      assertWhole(repr);
      assert.ok(repr.payload.byteOffset + repr.payload.length <= bytes.byteOffset + bytes.length);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), outcome), { numRuns: 3000 });
  const seeds = [LINUX_SYN, LINUX_RST];
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }),
      fc.nat({ max: 60 }),
      (seed, flips, cut) => {
        const bytes = seed.slice(0, Math.max(cut, 0) || seed.length);
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        outcome(bytes);
      },
    ),
    { numRuns: 5000 },
  );
});

Deno.test("TcpPacket accessors throw RangeError past the end of an unchecked view", () => {
  const short = new TcpPacket(LINUX_RST.subarray(0, 6));
  assert.equal(short.srcPort, 9);
  assert.throws(() => short.seq, /field of 4 bytes at offset 4 is outside the 6-byte buffer/);
});
