// The core's packet functions (deno/core_packet.ts) seen from Deno,
// cross-checked against the TypeScript wire parsers here: segments the core
// emits parse (with verified checksums) into the records that were asked for,
// and they reassemble into the stream; IPv4 fragments written by the wire
// emitter reassemble in the core. Two implementations checking each other
// need both, so the test lives in wire/, the higher of the two layers.
import assert from "node:assert/strict";
import { FragmentReassembler, segmentTcp, TcpReassembler } from "../core_packet.ts";
import * as ipv4 from "./ipv4.ts";
import * as ipv6 from "./ipv6.ts";
import * as tcp from "./tcp.ts";

const stream = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 17) & 0xff);

/** The packets of a segmentTcp() result, each its own copy. */
function packetsOf(out: ReturnType<typeof segmentTcp>): Uint8Array[] {
  return out.offsets.map((o, i) => out.bytes.slice(o, o + out.lengths[i]));
}

Deno.test("segmentTcp() emits IPv4 packets that deno/wire parses back with good checksums", () => {
  const payload = stream(5000);
  const out = segmentTcp({
    src: "192.0.2.10",
    dst: "192.0.2.20",
    srcPort: 50000,
    dstPort: 8080,
    seq: 0xfffff000,
    ack: 0x10203040,
    window: 4000,
    sendMss: 1460,
    psh: true,
    fin: true,
    ece: true,
    timestamp: { value: 111, echo: 222 },
    sack: [[5, 9]],
    ipId: 7,
  }, payload);
  let at = 0;
  packetsOf(out).forEach((bytes, i, all) => {
    const { repr: ip, payload: segment } = ipv4.parsePacket(bytes); // verifies the header checksum
    assert.equal(ip.protocol, 6);
    assert.equal(ip.ident, 7 + i);
    assert.equal(ip.dontFrag, true);
    const seg = tcp.parse(segment, { src: ip.src, dst: ip.dst }); // verifies the TCP checksum
    const last = i === all.length - 1;
    assert.equal(seg.seq, (0xfffff000 + at) >>> 0);
    assert.equal(seg.ack, 0x10203040);
    assert.equal(seg.window, 4000);
    assert.equal(seg.control, last ? "fin" : null);
    assert.equal(seg.psh, last);
    assert.equal(seg.ece, true);
    assert.deepEqual(seg.timestamp, { value: 111, echo: 222 });
    assert.deepEqual(seg.sack, [[5, 9]]);
    assert.deepEqual(seg.payload, payload.subarray(at, at + seg.payload.length));
    at += seg.payload.length;
  });
  assert.equal(at, payload.length);
});

Deno.test("segmentTcp() emits an IPv6 SYN whose options deno/wire reads back", () => {
  const out = segmentTcp({
    src: "2001:db8::a",
    dst: "2001:db8::b",
    srcPort: 1,
    dstPort: 2,
    seq: 42,
    sendMss: 1220,
    syn: true,
    mss: 1440,
    windowScale: 14,
    sackPermitted: true,
    timestamp: { value: 1, echo: 0 },
    flowLabel: 0xabcde,
  });
  const { repr: ip, payload } = ipv6.parsePacket(packetsOf(out)[0]);
  assert.equal(ip.flowLabel, 0xabcde);
  const syn = tcp.parse(payload, { src: ip.src, dst: ip.dst });
  assert.equal(syn.control, "syn");
  assert.equal(syn.ack, null);
  assert.equal(syn.mss, 1440);
  assert.equal(syn.windowScale, 14);
  assert.equal(syn.sackPermitted, true);
  assert.equal(out.nextSeq, 43);
});

Deno.test("segments from segmentTcp() reassemble in reverse order into the stream", () => {
  const payload = stream(20000);
  const packets = packetsOf(
    segmentTcp({
      src: "10.1.1.1",
      dst: "10.1.1.2",
      srcPort: 3,
      dstPort: 4,
      seq: 0xffffff00,
      sendMss: 1000,
    }, payload),
  );
  using rx = new TcpReassembler({ initialSeq: 0xffffff00, window: 32768 });
  for (const bytes of packets.reverse()) {
    const seg = tcp.parse(ipv4.parsePacket(bytes).payload);
    assert.equal(rx.insert(seg.seq, seg.payload).accepted, seg.payload.length);
  }
  assert.deepEqual(rx.read(), payload);
  assert.equal(rx.nextSeq, (0xffffff00 + payload.length) >>> 0);
});

Deno.test("FragmentReassembler rebuilds a datagram from fragments written by ipv4.emit()", () => {
  const data = stream(3000);
  const header = {
    src: new Uint8Array([198, 51, 100, 1]),
    dst: new Uint8Array([198, 51, 100, 2]),
    protocol: 17,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    ident: 0xbeef,
    dontFrag: false,
    options: new Uint8Array(0),
  };
  const fragment = (offset: number, end: number) => {
    const repr = {
      ...header,
      moreFrags: end < data.length,
      fragOffset: offset,
      payloadLen: end - offset,
    };
    const out = new Uint8Array(20 + end - offset);
    ipv4.emit(repr, out);
    out.set(data.subarray(offset, end), 20);
    return out;
  };
  using fr = new FragmentReassembler({ timeoutMs: 1000 });
  assert.equal(fr.insert(fragment(2000, 3000), 0).status, "held");
  assert.equal(fr.insert(fragment(1000, 2000), 1).status, "held");
  const done = fr.insert(fragment(0, 1000), 2);
  assert.equal(done.status, "complete");
  const { repr, payload } = ipv4.parsePacket(done.complete!);
  assert.equal(repr.moreFrags, false);
  assert.equal(repr.fragOffset, 0);
  assert.equal(repr.ident, 0xbeef);
  assert.deepEqual(payload, data);
});

Deno.test("an ACK carries the reassembler's SACK blocks beside timestamps (RFC 2018, RFC 7323)", () => {
  using rx = new TcpReassembler({ initialSeq: 0xfffffe00, window: 65535 });
  const at = (n: number) => (0xfffffe00 + n) >>> 0;
  for (const offset of [1000, 3000, 5000, 7000]) rx.insert(at(offset), stream(500));
  const blocks = rx.sackBlocks(3); // three fit beside the 12 bytes of timestamps
  assert.deepEqual(blocks, [[at(7000), at(7500)], [at(5000), at(5500)], [at(3000), at(3500)]]);
  const out = segmentTcp({
    src: "10.0.0.1",
    dst: "10.0.0.2",
    srcPort: 80,
    dstPort: 40000,
    seq: 1,
    ack: rx.nextSeq,
    window: rx.window,
    sendMss: 1460,
    timestamp: { value: 10, echo: 20 },
    sack: blocks,
  });
  const { repr: ip, payload } = ipv4.parsePacket(out.bytes);
  const ack = tcp.parse(payload, { src: ip.src, dst: ip.dst });
  assert.equal(ack.ack, 0xfffffe00);
  assert.deepEqual(ack.sack, blocks);
  assert.equal(ack.window, 65535);
});
