import assert from "node:assert/strict";
import { type HostInput, IpHost } from "./host.ts";
import { decodeSegment, encodeSegment } from "./packet.ts";
import { FragmentReassembler } from "../core_packet.ts";
import { tcpRepr as segment } from "../wire/tcp.ts";
import { parseAddress, pseudoChecksum } from "../wire/ip.ts";
import * as icmp from "../wire/icmp.ts";
import * as icmpv6 from "../wire/icmpv6.ts";
import * as ipv4 from "../wire/ipv4.ts";
import * as ipv6 from "../wire/ipv6.ts";
import * as udp from "../wire/udp.ts";

const HOST4 = "10.0.0.2", PEER4 = "10.0.0.1";
const HOST6 = "fd00::2", PEER6 = "fd00::1";

function host(mtu = 1500, icmpErrorsPerSecond?: number): IpHost {
  return new IpHost({ addresses: [HOST4, HOST6], mtu, icmpErrorsPerSecond });
}

/** An IPv4 packet around `payload` (the header's fields overridable). */
function ip4(
  protocol: number,
  payload: Uint8Array,
  fields: Partial<ipv4.Ipv4Repr> = {},
): Uint8Array {
  const out = new Uint8Array(20 + payload.length);
  ipv4.emit({
    src: parseAddress(PEER4),
    dst: parseAddress(HOST4),
    protocol,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    ident: 99,
    dontFrag: false,
    moreFrags: false,
    fragOffset: 0,
    options: new Uint8Array(0),
    payloadLen: payload.length,
    ...fields,
  }, out);
  out.set(payload, 20);
  return out;
}

/** An IPv6 packet around `payload`. */
function ip6(nextHeader: number, payload: Uint8Array, fields: Partial<ipv6.Ipv6Repr> = {}) {
  const repr: ipv6.Ipv6Repr = {
    src: parseAddress(PEER6),
    dst: parseAddress(HOST6),
    nextHeader,
    hopLimit: 64,
    trafficClass: 0,
    flowLabel: 0,
    extensions: [],
    payloadLen: payload.length,
    ...fields,
  };
  const out = new Uint8Array(ipv6.bufferLen(repr) + payload.length);
  ipv6.emit(repr, out);
  out.set(payload, ipv6.bufferLen(repr));
  return out;
}

const pseudo4 = { src: parseAddress(PEER4), dst: parseAddress(HOST4) };
const pseudo6 = { src: parseAddress(PEER6), dst: parseAddress(HOST6) };

function echo4(data: Uint8Array, seq = 1): Uint8Array {
  const repr: icmp.IcmpRepr = { type: "echoRequest", ident: 0x1234, seq, data };
  const body = new Uint8Array(icmp.bufferLen(repr));
  icmp.emit(repr, body);
  return ip4(1, body);
}

function echo6(data: Uint8Array, seq = 1): Uint8Array {
  const repr: icmp.IcmpRepr = { type: "echoRequest", ident: 0x1234, seq, data };
  const body = new Uint8Array(icmpv6.bufferLen(repr));
  icmpv6.emit(repr, body, pseudo6);
  return ip6(58, body);
}

function udp4(dstPort: number, data = new Uint8Array(4)): Uint8Array {
  const repr = { srcPort: 5353, dstPort, payload: data };
  const body = new Uint8Array(udp.bufferLen(repr));
  udp.emit(repr, body, pseudo4);
  return ip4(17, body);
}

function udp6(dstPort: number): Uint8Array {
  const repr = { srcPort: 5353, dstPort, payload: new Uint8Array(4) };
  const body = new Uint8Array(udp.bufferLen(repr));
  udp.emit(repr, body, pseudo6);
  return ip6(17, body);
}

function answer(out: HostInput): Uint8Array[] {
  assert.equal(out.kind, "answer", JSON.stringify(out));
  return out.kind === "answer" ? out.packets : [];
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

Deno.test("IpHost answers an ICMP echo request with a reply of the same ident, seq and data", () => {
  const h = host();
  const [reply] = answer(h.receive(0, echo4(bytes(56), 3)));
  const { repr: ip, payload } = ipv4.parsePacket(reply);
  assert.deepEqual([ip.src.join("."), ip.dst.join("."), ip.protocol, ip.ttl], [
    HOST4,
    PEER4,
    1,
    64,
  ]);
  assert.deepEqual(icmp.parse(payload), {
    type: "echoReply",
    ident: 0x1234,
    seq: 3,
    data: bytes(56),
  });
  assert.equal(h.stats.echoReplies, 1);
  h.close();
});

Deno.test("IpHost answers an ICMPv6 echo request with a reply whose checksum covers the pseudo-header", () => {
  const h = host();
  const [reply] = answer(h.receive(0, echo6(bytes(56))));
  const { repr: ip, payload } = ipv6.parsePacket(reply);
  assert.deepEqual([ip.nextHeader, ip.hopLimit], [58, 64]);
  const back = { src: parseAddress(HOST6), dst: parseAddress(PEER6) };
  assert.deepEqual(icmpv6.parse(payload, back), {
    type: "echoReply",
    ident: 0x1234,
    seq: 1,
    data: bytes(56),
  });
  h.close();
});

Deno.test("IpHost answers UDP to a closed port with port unreachable quoting the datagram", () => {
  const h = host();
  const request = udp4(9);
  const [error] = answer(h.receive(0, request));
  const message = icmp.parse(ipv4.parsePacket(error).payload);
  assert.deepEqual(message, { type: "destUnreachable", code: 3, value: 0, invoking: request });
  const request6 = udp6(9);
  const [error6] = answer(h.receive(0, request6));
  const back = { src: parseAddress(HOST6), dst: parseAddress(PEER6) };
  assert.deepEqual(icmpv6.parse(ipv6.parsePacket(error6).payload, back), {
    type: "destUnreachable",
    code: 4,
    value: 0,
    invoking: request6,
  });
  assert.equal(h.stats.icmpErrors, 2);
  h.close();
});

Deno.test("IpHost quotes at most 576 bytes of an IPv4 datagram and 1280 of an IPv6 one in an error", () => {
  const h = host();
  const [error] = answer(h.receive(0, udp4(9, bytes(1400))));
  assert.equal(error.length, 576);
  const repr = { srcPort: 1, dstPort: 9, payload: bytes(1400) };
  const body = new Uint8Array(udp.bufferLen(repr));
  udp.emit(repr, body, pseudo6);
  const [error6] = answer(h.receive(0, ip6(17, body)));
  assert.equal(error6.length, 1280);
  h.close();
});

Deno.test("IpHost hands TCP segments to TCP over IPv4 and IPv6", () => {
  const h = host();
  const repr = segment({ srcPort: 40000, dstPort: 80, seq: 5, control: "syn", window: 100 });
  for (const [src, dst] of [[PEER4, HOST4], [PEER6, HOST6]]) {
    const out = h.receive(0, encodeSegment({ src, dst, repr }));
    assert.equal(out.kind, "tcp");
    if (out.kind === "tcp") assert.deepEqual(out.segment, { src, dst, repr });
  }
  assert.equal(h.stats.delivered, 2);
  h.close();
});

Deno.test("IpHost.encode() writes IPv4 and IPv6 packets and mss() leaves room for their headers", () => {
  const h = host(1500);
  const repr = segment({ srcPort: 80, dstPort: 40000, seq: 5, ack: 6, window: 100 });
  const a = decodeSegment(h.encode({ src: HOST4, dst: PEER4, repr }));
  const b = decodeSegment(h.encode({ src: HOST6, dst: PEER6, repr }));
  assert.deepEqual([a.src, b.src], [HOST4, HOST6]);
  assert.deepEqual([h.mss(HOST4), h.mss(HOST6)], [1460, 1440]);
  h.close();
});

Deno.test("IpHost rejects every packet with a checksum wrong (IPv4 header, TCP, UDP, ICMP, ICMPv6)", () => {
  const h = host();
  const tcpPacket = encodeSegment({
    src: PEER4,
    dst: HOST4,
    repr: segment({ srcPort: 1, dstPort: 80, seq: 5, payload: bytes(10), window: 9 }),
  });
  const cases: [string, Uint8Array, number][] = [
    ["IPv4 header", echo4(bytes(8)), 12], // the source address
    ["TCP", tcpPacket, tcpPacket.length - 1],
    ["UDP", udp4(9), 30],
    ["ICMP", echo4(bytes(8)), 30],
    ["ICMPv6", echo6(bytes(8)), 50],
    ["UDP over IPv6 (the pseudo-header)", udp6(9), 8], // the source address
  ];
  for (const [what, packet, at] of cases) {
    const bad = packet.slice();
    bad[at] ^= 0x01;
    const out = h.receive(0, bad);
    assert.equal(out.kind, "drop", what);
    if (out.kind === "drop") {
      assert.equal(out.counter, "rejected", what);
      assert.match(out.reason, /checksum/, what);
    }
  }
  assert.equal(h.stats.rejected, cases.length);
  assert.equal(h.stats.icmpErrors + h.stats.echoReplies + h.stats.delivered, 0);
  h.close();
});

Deno.test("IpHost takes a TCP checksum the kernel left partial as it is, and still checks the IPv4 header's and ICMP's", () => {
  const h = host();
  for (const [src, dst] of [[PEER4, HOST4], [PEER6, HOST6]]) {
    const repr = segment({ srcPort: 1, dstPort: 80, seq: 5, payload: bytes(10), window: 9 });
    // As the kernel hands it over with NEEDS_CSUM: the pseudo-header's sum only.
    const partial = encodeSegment({ src, dst, repr }, 0, undefined, "partial");
    assert.equal(h.receive(0, partial).kind, "drop", `${src}: not a checksum as it stands`);
    const out = h.receive(0, partial, true);
    assert.equal(out.kind, "tcp", src);
    if (out.kind === "tcp") assert.deepEqual(out.segment.repr, repr);
  }
  // What a kernel never leaves partial is checked all the same.
  const badHeader = echo4(bytes(8));
  badHeader[12] ^= 1;
  assert.match(JSON.stringify(h.receive(0, badHeader, true)), /checksum/);
  const badIcmp = echo4(bytes(8));
  badIcmp[30] ^= 1;
  assert.match(JSON.stringify(h.receive(0, badIcmp, true)), /checksum/);
  h.close();
});

Deno.test("IpHost rejects UDP over IPv6 without a checksum (RFC 8200 §8.1)", () => {
  const h = host();
  const packet = udp6(9);
  packet[46] = packet[47] = 0;
  const out = h.receive(0, packet);
  assert.deepEqual(out.kind === "drop" && [out.counter, /zero/.test(out.reason)], [
    "rejected",
    true,
  ]);
  h.close();
});

Deno.test("IpHost drops packets for other hosts and multicast groups without answering", () => {
  const h = host();
  const other = ip4(1, new Uint8Array(8), { dst: parseAddress("10.0.0.9") });
  const solicit = ip6(58, new Uint8Array(8), { dst: parseAddress("ff02::2") });
  for (const packet of [other, solicit]) {
    const out = h.receive(0, packet);
    assert.equal(out.kind === "drop" && out.counter, "notForHost");
  }
  const v4only = new IpHost({ addresses: [HOST4] });
  assert.equal(v4only.receive(0, echo6(bytes(8))).kind, "drop");
  assert.equal(v4only.stats.notForHost, 1);
  h.close();
});

Deno.test("IpHost sends no ICMP error about a datagram from a multicast or unspecified source", () => {
  const h = host();
  for (const src of ["0.0.0.0", "224.0.0.1"]) {
    const repr = { srcPort: 1, dstPort: 9, payload: new Uint8Array(2) };
    const body = new Uint8Array(udp.bufferLen(repr));
    const from = parseAddress(src);
    udp.emit(repr, body, { src: from, dst: parseAddress(HOST4) });
    const out = h.receive(0, ip4(17, body, { src: from }));
    assert.equal(out.kind === "drop" && out.counter, "ignored", src);
  }
  assert.equal(h.stats.icmpErrors, 0);
  h.close();
});

Deno.test("IpHost ignores ICMP replies and errors and ICMPv6 neighbour discovery: no answer", () => {
  const h = host();
  const reply: icmp.IcmpRepr = { type: "echoReply", ident: 1, seq: 1, data: new Uint8Array(4) };
  const body = new Uint8Array(icmp.bufferLen(reply));
  icmp.emit(reply, body);
  const unreachable: icmp.IcmpRepr = {
    type: "destUnreachable",
    code: 3,
    value: 0,
    invoking: udp4(9),
  };
  const body2 = new Uint8Array(icmp.bufferLen(unreachable));
  icmp.emit(unreachable, body2);
  // A router solicitation (type 133), to this host's own address for the test.
  const solicitation = new Uint8Array(8);
  solicitation[0] = 133;
  const sum = pseudoChecksum(pseudo6, 58, solicitation);
  solicitation[2] = sum >> 8;
  solicitation[3] = sum & 0xff;
  for (const packet of [ip4(1, body), ip4(1, body2), ip6(58, solicitation)]) {
    const out = h.receive(0, packet);
    assert.equal(out.kind === "drop" && out.counter, "ignored", JSON.stringify(out));
  }
  h.close();
});

Deno.test("IpHost answers another protocol with protocol unreachable (IPv4) or parameter problem (IPv6)", () => {
  const h = host();
  const sctp = ip4(132, new Uint8Array(12));
  const [error] = answer(h.receive(0, sctp));
  assert.deepEqual(icmp.parse(ipv4.parsePacket(error).payload), {
    type: "destUnreachable",
    code: 2,
    value: 0,
    invoking: sctp,
  });
  const sctp6 = ip6(132, new Uint8Array(12));
  const [problem] = answer(h.receive(0, sctp6));
  const back = { src: parseAddress(HOST6), dst: parseAddress(PEER6) };
  // Code 1, unrecognized next header; the pointer is the fixed header's next-header byte.
  assert.deepEqual(icmpv6.parse(ipv6.parsePacket(problem).payload, back), {
    type: "parameterProblem",
    code: 1,
    value: 6,
    invoking: sctp6,
  });
  // Behind a destination-options header, the pointer is that header's first byte.
  const options = new Uint8Array(8);
  options[1] = 0; // 8 bytes, PadN follows
  options.set([1, 4, 0, 0, 0, 0], 2);
  const behind = ip6(132, new Uint8Array(12), { extensions: [{ type: 60, bytes: options }] });
  const [problem2] = answer(h.receive(0, behind));
  assert.equal(icmpv6.parse(ipv6.parsePacket(problem2).payload).type, "parameterProblem");
  assert.equal((icmpv6.parse(ipv6.parsePacket(problem2).payload) as icmp.IcmpError).value, 40);
  h.close();
});

Deno.test("IpHost rate-limits ICMP errors with a token bucket, refilled as time passes", () => {
  const h = host(1500, 5);
  const kinds = Array.from({ length: 8 }, () => h.receive(1000, udp4(9)).kind);
  assert.deepEqual(kinds, [...Array(5).fill("answer"), ...Array(3).fill("drop")]);
  assert.equal(h.stats.rateLimited, 3);
  assert.equal(h.receive(1100, udp4(9)).kind, "drop"); // half a token
  assert.equal(h.receive(1200, udp4(9)).kind, "answer"); // one token after 200 ms at 5/s
  // Echo replies are not errors: never limited.
  for (let i = 0; i < 10; i++) assert.equal(h.receive(1200, echo4(bytes(8))).kind, "answer");
  h.close();
});

/** Splits an IPv4 packet into fragments of at most `size` payload bytes (a multiple of 8). */
function fragments4(packet: Uint8Array, size: number): Uint8Array[] {
  const { repr, payload } = ipv4.parsePacket(packet);
  const out = [];
  for (let at = 0; at < payload.length; at += size) {
    const part = payload.subarray(at, at + size);
    out.push(
      ip4(repr.protocol, part, {
        ident: 4242,
        moreFrags: at + size < payload.length,
        fragOffset: at,
      }),
    );
  }
  return out;
}

Deno.test("IpHost reassembles an IPv4 echo request and fragments the reply to fit the MTU", () => {
  const h = host(1500);
  const parts = fragments4(echo4(bytes(4000)), 1480);
  assert.equal(parts.length, 3);
  assert.equal(h.receive(0, parts[2]).kind, "held");
  assert.equal(h.receive(1, parts[0]).kind, "held");
  const replies = answer(h.receive(2, parts[1]));
  assert.deepEqual([h.stats.fragments, h.stats.reassembled], [3, 1]);
  assert.equal(replies.length, 3);
  for (const r of replies) assert.ok(r.length <= 1500);
  // A receiver puts the reply back together: a valid echo reply with the same data.
  using fr = new FragmentReassembler();
  let whole: Uint8Array | null = null;
  for (const r of replies) whole = fr.insert(r, 0).complete ?? whole;
  const reply = icmp.parse(ipv4.parsePacket(whole!).payload);
  assert.deepEqual(reply, { type: "echoReply", ident: 0x1234, seq: 1, data: bytes(4000) });
  h.close();
});

Deno.test("IpHost reassembles an IPv6 echo request and fragments the reply with a Fragment header", () => {
  const h = host(1280);
  const request = echo6(bytes(3000));
  const { payload } = ipv6.parsePacket(request);
  const parts = [];
  for (let at = 0; at < payload.length; at += 1232) {
    const header = new Uint8Array(8);
    const more = at + 1232 < payload.length;
    new DataView(header.buffer).setUint16(2, at | (more ? 1 : 0));
    new DataView(header.buffer).setUint32(4, 77);
    parts.push(
      ip6(58, payload.subarray(at, at + 1232), { extensions: [{ type: 44, bytes: header }] }),
    );
  }
  assert.equal(parts.length, 3);
  const outs = parts.reverse().map((p) => h.receive(0, p));
  assert.deepEqual(outs.slice(0, 2).map((o) => o.kind), ["held", "held"]);
  const replies = answer(outs[2]);
  assert.equal(replies.length, 3);
  for (const r of replies) {
    assert.ok(r.length <= 1280);
    assert.ok(ipv6.parse(r).fragment);
  }
  using fr = new FragmentReassembler();
  let whole: Uint8Array | null = null;
  for (const r of replies) whole = fr.insert(r, 0).complete ?? whole;
  const back = { src: parseAddress(HOST6), dst: parseAddress(PEER6) };
  assert.deepEqual(icmpv6.parse(ipv6.parsePacket(whole!).payload, back), {
    type: "echoReply",
    ident: 0x1234,
    seq: 1,
    data: bytes(3000),
  });
  h.close();
});

Deno.test("IpHost drops a datagram whose fragments overlap (RFC 5722)", () => {
  const h = host();
  const parts = fragments4(echo4(bytes(3000)), 1480);
  const overlapping = ip4(1, ipv4.parsePacket(parts[1]).payload, {
    ident: 4242,
    moreFrags: true,
    fragOffset: 1000,
  });
  assert.equal(h.receive(0, parts[0]).kind, "held");
  const out = h.receive(0, overlapping);
  assert.equal(out.kind === "drop" && out.counter, "fragmentDrops");
  assert.equal(h.stats.echoReplies, 0);
  h.close();
});

Deno.test("IpHost rejects what is not IPv4 or IPv6, and truncated packets", () => {
  const h = host();
  for (
    const packet of [
      new Uint8Array(0),
      new Uint8Array([0x50, 0, 0, 0]),
      echo4(bytes(8)).subarray(0, 30),
    ]
  ) {
    const out = h.receive(0, packet);
    assert.equal(out.kind === "drop" && out.counter, "rejected");
  }
  h.close();
});

Deno.test("new IpHost() refuses addresses it cannot serve and an MTU too small for IPv6", () => {
  assert.throws(() => new IpHost({ addresses: [] }), /at least one address/);
  assert.throws(() => new IpHost({ addresses: ["10.0.0.1", "10.0.0.2"] }), /two IPv4/);
  assert.throws(() => new IpHost({ addresses: ["10.0.0.01"] }), /canonical/);
  assert.throws(() => new IpHost({ addresses: ["FD00::1"] }), /canonical/);
  assert.throws(() => new IpHost({ addresses: [HOST6], mtu: 1279 }), /1280/);
  assert.throws(() => new IpHost({ addresses: [HOST4], mtu: 67 }), RangeError);
  assert.equal(new IpHost({ addresses: [HOST4], mtu: 576 }).mtu, 576);
});
