import assert from "node:assert/strict";
import { assertRejects, fuzzParser, hex, ICMP4_PACKET, UDP4_PACKET } from "./_testing.ts";
import { bufferLen, emit, Ipv4Packet, type Ipv4Repr, parse, parsePacket } from "./ipv4.ts";

const WHAT = "IPv4 packet";
// The IPv4 header of Linux's RST reply on loopback; checksum 0x3cce.
const RST_HEADER = hex("4500 0028 0000 4000 4006 3cce 7f00 0001 7f00 0001");

Deno.test("parse() decodes a Linux header and verifies its checksum", () => {
  const { repr, payload } = parsePacket(UDP4_PACKET);
  assert.equal(repr.protocol, 17);
  assert.equal(repr.ttl, 64);
  assert.equal(repr.ident, 0x6a81);
  assert.equal(repr.dontFrag, true);
  assert.equal(repr.moreFrags, false);
  assert.equal(repr.payloadLen, 11);
  assert.deepEqual([...repr.src], [127, 0, 0, 1]);
  assert.equal(payload.length, 11);
  assert.equal(parse(ICMP4_PACKET).dscp, 0x30);
});

Deno.test("emit() reproduces Linux headers byte for byte", () => {
  for (const packet of [UDP4_PACKET, ICMP4_PACKET]) {
    const repr = parse(packet);
    const out = new Uint8Array(bufferLen(repr));
    emit(repr, out);
    assert.deepEqual(out, packet.subarray(0, 20));
  }
});

Deno.test("parse() skips options but keeps them in the header length", () => {
  const repr: Ipv4Repr = {
    ...parse(UDP4_PACKET),
    options: hex("94040000"), // router alert
    payloadLen: 3,
  };
  const out = new Uint8Array(bufferLen(repr) + 3);
  emit(repr, out);
  const { repr: back, payload } = parsePacket(out);
  assert.deepEqual([...back.options], [0x94, 4, 0, 0]);
  assert.equal(new Ipv4Packet(out).headerLen, 24);
  assert.equal(payload.byteOffset - out.byteOffset, 24);
});

Deno.test("parse() ignores link-layer padding after the total length", () => {
  const padded = new Uint8Array(60);
  padded.set(RST_HEADER);
  const { payload } = parsePacket(padded.subarray(0, 46));
  assert.equal(payload.length, 20);
});

Deno.test("parse() rejects bad versions, lengths and checksums with a reason", () => {
  const edit = (at: number, value: number) => {
    const b = RST_HEADER.slice();
    b[at] = value;
    return b;
  };
  assertRejects(
    () => parse(RST_HEADER.subarray(0, 19)),
    WHAT,
    /19 bytes is shorter than the 20-byte header/,
  );
  assertRejects(() => parse(edit(0, 0x65)), WHAT, /version is 6, expected 4/);
  assertRejects(() => parse(edit(0, 0x44)), WHAT, /header length is 4 words, expected at least 5/);
  assertRejects(() => parse(edit(0, 0x46)), WHAT, /header length 24 is beyond the 20-byte packet/);
  assertRejects(
    () => parse(edit(3, 0x10)),
    WHAT,
    /total length 16 is shorter than the 20-byte header/,
  );
  assertRejects(() => parse(RST_HEADER), WHAT, /total length 40 is beyond the 20 bytes captured/);
  const full = new Uint8Array(40);
  full.set(RST_HEADER);
  full[10] ^= 0xff;
  assertRejects(() => parse(full), WHAT, /header checksum 0xc3ce is wrong/);
  assert.equal(parse(full, false).protocol, 6);
});

Deno.test("emit() rejects out-of-range fields and short buffers", () => {
  const repr = parse(UDP4_PACKET);
  assert.throws(() => emit({ ...repr, ttl: 256 }, new Uint8Array(20)), RangeError);
  assert.throws(() => emit({ ...repr, fragOffset: 3 }, new Uint8Array(20)), RangeError);
  assert.throws(
    () => emit({ ...repr, options: new Uint8Array(3) }, new Uint8Array(24)),
    RangeError,
  );
  assert.throws(() => emit({ ...repr, src: new Uint8Array(16) }, new Uint8Array(20)), RangeError);
  assert.throws(() => emit(repr, new Uint8Array(19)), /needs 20 bytes, the buffer has 19/);
});

Deno.test("parse() returns or throws WireError for random and mutated bytes", () => {
  fuzzParser((b) => parsePacket(b), [UDP4_PACKET, ICMP4_PACKET]);
});
