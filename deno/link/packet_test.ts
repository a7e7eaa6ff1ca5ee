import assert from "node:assert/strict";
import {
  addressText,
  decodeSegment,
  encodedLength,
  encodeSegment,
  encodeSegmentHeaders,
} from "./packet.ts";
import { tcpRepr as segment } from "../wire/tcp.ts";
import { WireError } from "../wire/error.ts";
import * as ipv4 from "../wire/ipv4.ts";
import * as ipv6 from "../wire/ipv6.ts";
import type { IpSegment } from "../tcp/stack.ts";
import { inetChecksum } from "../checksum.ts";

const data = new TextEncoder().encode("hello");
const v4: IpSegment = {
  src: "10.0.0.1",
  dst: "10.0.0.2",
  repr: segment({ srcPort: 40000, dstPort: 80, seq: 1, ack: 2, payload: data, window: 500 }),
};
const v6: IpSegment = { ...v4, src: "fd00::1", dst: "fd00::2" };

Deno.test("encodeSegment() writes IPv4 for dotted quads and IPv6 for colon addresses", () => {
  const p4 = encodeSegment(v4, 7);
  assert.equal(p4.length, encodedLength(v4));
  assert.equal(p4.length, 20 + 20 + 5);
  const h4 = ipv4.parse(p4);
  assert.deepEqual([h4.protocol, h4.ttl, h4.dontFrag, h4.ident], [6, 64, true, 7]);
  const p6 = encodeSegment(v6);
  assert.equal(p6.length, encodedLength(v6));
  assert.equal(p6.length, 40 + 20 + 5);
  const h6 = ipv6.parse(p6);
  assert.deepEqual([h6.nextHeader, h6.hopLimit, h6.payloadLen], [6, 64, 25]);
});

Deno.test("decodeSegment() round-trips a segment over IPv4 and over IPv6", () => {
  for (const s of [v4, v6]) {
    const back = decodeSegment(encodeSegment(s));
    assert.deepEqual([back.src, back.dst], [s.src, s.dst]);
    assert.deepEqual(back.repr, s.repr);
  }
});

Deno.test("encodeSegment(..., 'partial') leaves the TCP checksum for a device: summing from the TCP header on finishes it", () => {
  for (const [s, ipLen] of [[v4, 20], [v6, 40]] as const) {
    const full = encodeSegment(s, 7).slice();
    const partial = encodeSegment(s, 7, undefined, "partial").slice();
    // Only the checksum field differs, and the packet does not verify as it is.
    assert.deepEqual(partial.subarray(0, ipLen + 16), full.subarray(0, ipLen + 16));
    assert.deepEqual(partial.subarray(ipLen + 18), full.subarray(ipLen + 18));
    assert.throws(() => decodeSegment(partial), /checksum/);
    // What the kernel does for NEEDS_CSUM: the sum from csum_start into csum_offset.
    const sum = inetChecksum(partial.subarray(ipLen));
    partial[ipLen + 16] = sum >> 8;
    partial[ipLen + 17] = sum & 0xff;
    assert.deepEqual(partial, full);
  }
});

Deno.test("encodeSegmentHeaders() writes what encodeSegment(..., 'partial') does up to the payload, counting it in the lengths", () => {
  for (const s of [v4, v6]) {
    const whole = encodeSegment(s, 7, undefined, "partial").slice();
    const headers = encodeSegmentHeaders(s, 7).slice();
    assert.equal(headers.length, whole.length - data.length);
    const joined = new Uint8Array(whole.length);
    joined.set(headers);
    joined.set(s.repr.payload, headers.length);
    assert.deepEqual(joined, whole);
  }
});

Deno.test("decodeSegment() catches a bit flipped anywhere in the TCP segment of an IPv6 packet", () => {
  const packet = encodeSegment(v6);
  for (const at of [40, 44, 48, 56, 60, packet.length - 1]) {
    const bad = packet.slice();
    bad[at] ^= 0x10;
    assert.throws(() => decodeSegment(bad), /checksum/, `byte ${at}`);
  }
  // The pseudo-header covers the addresses (IPv6 has no header checksum of its own).
  const moved = packet.slice();
  moved[39] ^= 1;
  assert.throws(() => decodeSegment(moved), /checksum/);
});

Deno.test("decodeSegment() refuses fragments and other protocols with a WireError", () => {
  const frag = encodeSegment(v4).slice();
  frag[6] = 0x20; // MF
  new ipv4.Ipv4Packet(frag).fillChecksum();
  assert.throws(() => decodeSegment(frag), WireError);
  assert.throws(() => decodeSegment(frag), /fragment/);
  const udp = encodeSegment(v4).slice();
  udp[9] = 17;
  new ipv4.Ipv4Packet(udp).fillChecksum();
  assert.throws(() => decodeSegment(udp), /protocol 17 is not TCP/);
  const v6udp = encodeSegment(v6).slice();
  v6udp[6] = 17;
  assert.throws(() => decodeSegment(v6udp), /next header 17 is not TCP/);
});

Deno.test("encodeSegment() refuses addresses of two families and text that is no address", () => {
  assert.throws(() => encodeSegment({ ...v4, dst: "fd00::2" }), /different IP versions/);
  assert.throws(() => encodeSegment({ ...v4, dst: "host.example" }), RangeError);
  assert.throws(
    () => encodeSegment(v4, 0, undefined, "none" as "full"),
    /checksum must be "full" or "partial", got "none"/,
  );
});

Deno.test("addressText() spells IPv4 and IPv6 addresses as the stacks do, the same text each time", () => {
  assert.equal(addressText(new Uint8Array([10, 0, 0, 1])), "10.0.0.1");
  const a = new Uint8Array(16), b = new Uint8Array(16);
  a[0] = 0xfd, a[15] = 1;
  b[0] = 0xfd, b[15] = 2;
  assert.equal(addressText(a), "fd00::1");
  assert.equal(addressText(b), "fd00::2");
  assert.equal(addressText(a), "fd00::1");
  a[15] = 3; // the cache compares bytes, not the array object
  assert.equal(addressText(a), "fd00::3");
});
