import assert from "node:assert/strict";
import {
  assertRejects,
  fuzzParser,
  LOOPBACK4,
  LOOPBACK6,
  UDP4_PACKET,
  UDP6_PACKET,
} from "./_testing.ts";
import { bufferLen, emit, parse, UdpPacket } from "./udp.ts";

const WHAT = "UDP datagram";
const UDP4 = UDP4_PACKET.subarray(20);
const UDP6 = UDP6_PACKET.subarray(40);

Deno.test("parse() decodes Linux datagrams and verifies both pseudo-headers", () => {
  const v4 = parse(UDP4, LOOPBACK4);
  assert.equal(v4.srcPort, 46131);
  assert.equal(v4.dstPort, 9);
  assert.equal(new TextDecoder().decode(v4.payload), "hi\n");
  assert.equal(parse(UDP6, LOOPBACK6).srcPort, 60499);
});

Deno.test("emit() reproduces the Linux datagrams byte for byte", () => {
  for (const [bytes, pseudo] of [[UDP4, LOOPBACK4], [UDP6, LOOPBACK6]] as const) {
    const out = new Uint8Array(bufferLen(parse(bytes)));
    emit(parse(bytes), out, pseudo);
    assert.deepEqual(out, bytes);
  }
});

Deno.test("parse() accepts checksum 0 over IPv4 and rejects it over IPv6", () => {
  const zero4 = UDP4.slice();
  zero4[6] = zero4[7] = 0;
  assert.equal(parse(zero4, LOOPBACK4).payload.length, 3);
  const zero6 = UDP6.slice();
  zero6[6] = zero6[7] = 0;
  assertRejects(() => parse(zero6, LOOPBACK6), WHAT, /checksum is zero, which IPv6 forbids/);
});

Deno.test("fillChecksum() sends a computed zero as 0xFFFF", () => {
  // Find a payload whose checksum computes to zero: adjust two bytes.
  const bytes = new Uint8Array(10);
  const p = new UdpPacket(bytes);
  emit({ srcPort: 1, dstPort: 2, payload: new Uint8Array(2) }, bytes, LOOPBACK4);
  const sum = p.checksum;
  bytes[8] = sum >> 8;
  bytes[9] = sum & 0xff; // adding the old checksum makes the new one 0
  p.fillChecksum(LOOPBACK4);
  assert.equal(p.checksum, 0xffff);
  assert.ok(p.verifyChecksum(LOOPBACK4));
});

Deno.test("parse() rejects truncation, impossible lengths and wrong checksums", () => {
  assertRejects(
    () => parse(UDP4.subarray(0, 7)),
    WHAT,
    /7 bytes is shorter than the 8-byte header/,
  );
  const short = UDP4.slice();
  short[5] = 7;
  assertRejects(() => parse(short), WHAT, /length field 7 is shorter than the 8-byte header/);
  assertRejects(
    () => parse(UDP4.subarray(0, 10)),
    WHAT,
    /length field 11 is beyond the 10-byte datagram/,
  );
  const bad = UDP4.slice();
  bad[8] ^= 1;
  assertRejects(() => parse(bad, LOOPBACK4), WHAT, /checksum 0xdb2f is wrong/);
});

Deno.test("parse() returns or throws WireError for random and mutated bytes", () => {
  fuzzParser((b) => parse(b, LOOPBACK4), [UDP4, UDP6]);
});
