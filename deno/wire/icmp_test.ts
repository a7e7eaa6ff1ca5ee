import assert from "node:assert/strict";
import {
  assertRejects,
  fuzzParser,
  ICMP4_PACKET,
  ICMP6_PACKET,
  LOOPBACK4,
  LOOPBACK6,
} from "./_testing.ts";
import * as icmp from "./icmp.ts";
import * as icmpv6 from "./icmpv6.ts";
import { parsePacket as parseIpv4 } from "./ipv4.ts";

const ICMP4 = ICMP4_PACKET.subarray(20);
const ICMP6 = ICMP6_PACKET.subarray(40);

Deno.test("icmp.parse() decodes Linux's port unreachable and the datagram it quotes", () => {
  const repr = icmp.parse(ICMP4);
  assert.equal(repr.type, "destUnreachable");
  if (repr.type !== "destUnreachable") return;
  assert.equal(repr.code, 3);
  assert.equal(repr.value, 0);
  assert.equal(parseIpv4(repr.invoking, false).repr.protocol, 17);
});

Deno.test("icmpv6.parse() decodes Linux's port unreachable with the pseudo-header", () => {
  const repr = icmpv6.parse(ICMP6, LOOPBACK6);
  assert.equal(repr.type, "destUnreachable");
  assert.equal("code" in repr && repr.code, 4);
});

Deno.test("emit() reproduces both Linux messages byte for byte", () => {
  const out4 = new Uint8Array(icmp.bufferLen(icmp.parse(ICMP4)));
  icmp.emit(icmp.parse(ICMP4), out4);
  assert.deepEqual(out4, ICMP4);
  const out6 = new Uint8Array(icmpv6.bufferLen(icmpv6.parse(ICMP6)));
  icmpv6.emit(icmpv6.parse(ICMP6), out6, LOOPBACK6);
  assert.deepEqual(out6, ICMP6);
});

Deno.test("emit() and parse() round-trip echo and every error type", () => {
  const data = new Uint8Array([1, 2, 3, 4, 5]);
  const v4: icmp.IcmpRepr[] = [
    { type: "echoRequest", ident: 0x1234, seq: 7, data },
    { type: "echoReply", ident: 1, seq: 65535, data },
    { type: "destUnreachable", code: 4, value: 1400, invoking: data },
    { type: "timeExceeded", code: 0, value: 0, invoking: data },
    { type: "parameterProblem", code: 0, value: 12, invoking: data },
  ];
  for (const repr of v4) {
    const out = new Uint8Array(icmp.bufferLen(repr));
    icmp.emit(repr, out);
    assert.deepEqual(icmp.parse(out), repr);
  }
  const v6: icmpv6.IcmpRepr[] = [
    ...v4.slice(0, 2),
    { type: "packetTooBig", code: 0, value: 1280, invoking: data },
    { type: "parameterProblem", code: 1, value: 0x10000, invoking: data },
  ];
  for (const repr of v6) {
    const out = new Uint8Array(icmpv6.bufferLen(repr));
    icmpv6.emit(repr, out, LOOPBACK6);
    assert.deepEqual(icmpv6.parse(out, LOOPBACK6), repr);
  }
});

Deno.test("parse() rejects truncation, unknown types, echo codes and wrong checksums", () => {
  assertRejects(() => icmp.parse(ICMP4.subarray(0, 7)), "ICMP message", /7 bytes is shorter/);
  const ts = ICMP4.slice();
  ts[0] = 13;
  assertRejects(() => icmp.parse(ts, false), "ICMP message", /message type 13 is not supported/);
  const echo = ICMP4.slice();
  echo[0] = 8;
  assertRejects(() => icmp.parse(echo, false), "ICMP message", /echo with code 3, expected 0/);
  const bad = ICMP4.slice();
  bad[9] ^= 1;
  assertRejects(() => icmp.parse(bad), "ICMP message", /checksum is wrong/);
  assertRejects(() => icmpv6.parse(ICMP6, LOOPBACK4), "ICMPv6 message", /checksum is wrong/);
  const ns = ICMP6.slice();
  ns[0] = 135;
  assertRejects(() => icmpv6.parse(ns), "ICMPv6 message", /message type 135 is not supported/);
});

Deno.test("emit() rejects what its version cannot say", () => {
  const tooBig = {
    type: "packetTooBig",
    code: 0,
    value: 1280,
    invoking: new Uint8Array(),
  } as const;
  assert.throws(() => icmp.emit(tooBig, new Uint8Array(8)), /ICMPv4 has no "packetTooBig"/);
  assert.throws(
    () => icmp.emit({ ...tooBig, type: "parameterProblem", value: 256 }, new Uint8Array(8)),
    RangeError,
  );
  assert.throws(
    () =>
      icmp.emit(
        { type: "echoRequest", ident: 1, seq: 1, data: new Uint8Array(4) },
        new Uint8Array(11),
      ),
    RangeError,
  );
});

Deno.test("parse() returns or throws WireError for random and mutated bytes", () => {
  fuzzParser((b) => icmp.parse(b), [ICMP4]);
  fuzzParser((b) => icmpv6.parse(b, LOOPBACK6), [ICMP6]);
});
