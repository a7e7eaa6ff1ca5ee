import assert from "node:assert/strict";
import { assertRejects, fuzzParser, hex, ICMP6_PACKET, UDP6_PACKET } from "./_testing.ts";
import { bufferLen, emit, type Ipv6Repr, parse, parsePacket } from "./ipv6.ts";

const WHAT = "IPv6 packet";

/** UDP6_PACKET with extension headers inserted after the fixed header. */
function withExtensions(...extensions: { type: number; bytes: Uint8Array }[]): Uint8Array {
  const { repr, payload } = parsePacket(UDP6_PACKET);
  const withExt: Ipv6Repr = { ...repr, extensions };
  const out = new Uint8Array(bufferLen(withExt) + payload.length);
  const n = emit(withExt, out);
  out.set(payload, n);
  return out;
}

Deno.test("parse() decodes a Linux IPv6 header", () => {
  const { repr, payload } = parsePacket(UDP6_PACKET);
  assert.equal(repr.nextHeader, 17);
  assert.equal(repr.hopLimit, 64);
  assert.equal(repr.flowLabel, 0xf2970);
  assert.equal(repr.trafficClass, 0);
  assert.equal(repr.payloadLen, 11);
  assert.equal(payload.length, 11);
  assert.equal(repr.src[15], 1);
  assert.equal(parse(ICMP6_PACKET).nextHeader, 58);
});

Deno.test("emit() reproduces a Linux header byte for byte", () => {
  const repr = parse(UDP6_PACKET);
  const out = new Uint8Array(40);
  emit(repr, out);
  assert.deepEqual(out, UDP6_PACKET.subarray(0, 40));
});

Deno.test("parse() walks hop-by-hop, routing, fragment and destination options headers", () => {
  const packet = withExtensions(
    { type: 0, bytes: hex("00 00 0104 00000000") },
    { type: 43, bytes: hex("00 00 0000 00000000") },
    { type: 44, bytes: hex("00 00 0019 12345678") }, // offset 24, more fragments
    { type: 60, bytes: hex("00 01 010c" + "00".repeat(12)) },
  );
  const { repr, payload } = parsePacket(packet);
  assert.deepEqual(repr.extensions.map((e) => e.type), [0, 43, 44, 60]);
  assert.equal(repr.nextHeader, 17);
  assert.deepEqual(repr.fragment, { offset: 24, more: true, ident: 0x12345678 });
  assert.equal(repr.payloadLen, 11);
  assert.deepEqual(payload, UDP6_PACKET.subarray(40));
});

Deno.test("parse() rejects truncated and misplaced extension headers", () => {
  const hbh = { type: 0, bytes: hex("00 00 0104 00000000") };
  const long = withExtensions({ type: 60, bytes: hex("00 00 0104 00000000") });
  long[41] = 5; // claims 48 bytes
  assertRejects(
    () => parse(long),
    WHAT,
    /destination options header of 48 bytes at offset 40 overruns/,
  );
  assertRejects(
    () => parse(withExtensions({ type: 60, bytes: hex("00 00 0104 00000000") }, hbh)),
    WHAT,
    /hop-by-hop options header is not first/,
  );
  const short = withExtensions(hbh).subarray(0, 44);
  short[5] = 4;
  assertRejects(() => parse(short), WHAT, /hop-by-hop options header at offset 40 is truncated/);
  assertRejects(
    () => parse(UDP6_PACKET.subarray(0, 39)),
    WHAT,
    /39 bytes is shorter than the 40-byte header/,
  );
  assertRejects(
    () => parse(UDP6_PACKET.subarray(0, 50)),
    WHAT,
    /payload length 11 is beyond the 10 bytes/,
  );
  const v4 = UDP6_PACKET.slice();
  v4[0] = 0x40;
  assertRejects(() => parse(v4), WHAT, /version is 4, expected 6/);
});

Deno.test("emit() rejects out-of-range fields and short buffers", () => {
  const repr = parse(UDP6_PACKET);
  assert.throws(() => emit({ ...repr, flowLabel: 1 << 20 }, new Uint8Array(40)), RangeError);
  assert.throws(() => emit({ ...repr, dst: new Uint8Array(4) }, new Uint8Array(40)), RangeError);
  assert.throws(() => emit(repr, new Uint8Array(39)), /need 40 bytes, the buffer has 39/);
});

Deno.test("parse() returns or throws WireError for random and mutated bytes", () => {
  const seed = withExtensions(
    { type: 0, bytes: hex("00 00 0104 00000000") },
    { type: 44, bytes: hex("00 00 0019 12345678") },
  );
  fuzzParser((b) => parsePacket(b), [UDP6_PACKET, ICMP6_PACKET, seed]);
});
