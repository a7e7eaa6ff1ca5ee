import assert from "node:assert/strict";
import fc from "fast-check";
import { assertWhole, missingCommand, requires, tsharkFields } from "../_testing.ts";
import { WireError } from "../wire/error.ts";
import { Conversation, text } from "./_testing.ts";
import { ipOfFrame } from "./link.ts";
import { LinkType, readCapture } from "./reader.ts";
import { pcapHeader, pcapRecord, PcapWriter } from "./writer.ts";

/** A pcapng block: type, body padded to 4 bytes, lengths at both ends. */
function block(type: number, body: Uint8Array, little = true): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const out = new Uint8Array(12 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, little);
  view.setUint32(4, out.length, little);
  out.set(body, 8);
  view.setUint32(out.length - 4, out.length, little);
  return out;
}

function words(little: boolean, ...fields: [number, 2 | 4][]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, [, w]) => n + w, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [value, width] of fields) {
    if (width === 2) view.setUint16(at, value, little);
    else view.setUint32(at, value, little);
    at += width;
  }
  return out;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const shb = (little: boolean) =>
  block(
    0x0a0d0d0a,
    words(little, [0x1a2b3c4d, 4], [1, 2], [0, 2], [0xffffffff, 4], [0xffffffff, 4]),
    little,
  );
const idb = (little: boolean, linkType: number, tsresol?: number) =>
  block(
    1,
    concat(
      words(little, [linkType, 2], [0, 2], [65535, 4]),
      tsresol === undefined
        ? new Uint8Array()
        : concat(words(little, [9, 2], [1, 2]), new Uint8Array([tsresol, 0, 0, 0])),
      words(little, [0, 2], [0, 2]),
    ),
    little,
  );
const epb = (little: boolean, iface: number, ts: number, data: Uint8Array) =>
  block(
    6,
    concat(
      words(little, [iface, 4], [Math.floor(ts / 2 ** 32), 4], [ts >>> 0, 4], [data.length, 4], [
        data.length,
        4,
      ]),
      data,
    ),
    little,
  );

const PACKET = new Conversation().c({ control: "syn", seq: 1 }).packets[0];

Deno.test("readCapture() reads back what PcapWriter wrote", () => {
  const writer = new PcapWriter();
  writer.write(PACKET, 1700000000.25);
  writer.write(text(30), 1700000001.000001);
  const capture = readCapture(writer.bytes());
  assert.equal(capture.format, "pcap");
  assert.equal(capture.truncated, null);
  assert.equal(capture.packets.length, 2);
  assert.deepEqual(capture.packets[0].data, PACKET);
  assert.equal(capture.packets[0].linkType, LinkType.RAW);
  assert.equal(capture.packets[0].time, 1700000000.25);
  assert.ok(Math.abs(capture.packets[1].time - 1700000001.000001) < 1e-6);
  assert.equal(capture.packets[1].index, 1);
});

Deno.test("readCapture() reads big-endian and nanosecond pcap files", () => {
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0xa1b23c4d, false); // nanoseconds, big-endian
  hv.setUint16(4, 2, false);
  hv.setUint16(6, 4, false);
  hv.setUint32(16, 65535, false);
  hv.setUint32(20, LinkType.RAW, false);
  const record = concat(
    words(false, [10, 4], [500000000, 4], [PACKET.length, 4], [PACKET.length, 4]),
    PACKET,
  );
  const [packet] = readCapture(concat(header, record)).packets;
  assert.equal(packet.time, 10.5);
  assert.deepEqual(packet.data, PACKET);
});

Deno.test("readCapture() reads pcapng sections of both byte orders and many interfaces", () => {
  const ether = concat(new Uint8Array(12), new Uint8Array([0x08, 0x00]), PACKET);
  const file = concat(
    shb(true),
    idb(true, LinkType.ETHERNET),
    idb(true, LinkType.RAW, 9), // nanoseconds
    epb(true, 1, 2_500_000_000, PACKET),
    block(0xbad, new Uint8Array(8)), // unknown block: skipped
    epb(true, 0, 3_000_000, ether),
    block(3, concat(words(true, [PACKET.length, 4]), PACKET)), // simple packet block
    shb(false),
    idb(false, LinkType.RAW),
    epb(false, 0, 4_000_000, PACKET),
  );
  const capture = readCapture(file);
  assert.equal(capture.format, "pcapng");
  assert.deepEqual(capture.packets.map((p) => [p.linkType, p.time, p.interfaceId]), [
    [LinkType.RAW, 2.5, 1],
    [LinkType.ETHERNET, 3, 0],
    [LinkType.ETHERNET, 0, 0],
    [LinkType.RAW, 4, 0],
  ]);
  assert.deepEqual(ipOfFrame(LinkType.ETHERNET, capture.packets[1].data)?.packet, PACKET);
  assert.deepEqual(capture.packets[3].data, PACKET);
});

Deno.test("readCapture() keeps the packets before a record cut short", () => {
  const writer = new PcapWriter();
  writer.write(PACKET, 1);
  writer.write(PACKET, 2);
  const bytes = writer.bytes();
  const capture = readCapture(bytes.subarray(0, bytes.length - 5));
  assert.equal(capture.packets.length, 1);
  assert.match(capture.truncated!, /packet 1 claims 40 bytes, 35 remain/);
  const ng = concat(shb(true), idb(true, LinkType.RAW), epb(true, 0, 1, PACKET));
  assert.match(
    readCapture(ng.subarray(0, ng.length - 1)).truncated!,
    /block at byte \d+ claims \d+ bytes/,
  );
});

Deno.test("readCapture() rejects files that are not captures or impossible ones", () => {
  const rejects = (bytes: Uint8Array, reason: RegExp) =>
    assert.throws(
      () => readCapture(bytes),
      (e: unknown) => e instanceof WireError && reason.test(e.reason),
    );
  rejects(new Uint8Array(3), /3 bytes is too short/);
  rejects(
    new TextEncoder().encode("GIF89a..."),
    /magic number 0x47494638 is neither pcap nor pcapng/,
  );
  rejects(pcapHeader().subarray(0, 20), /pcap header is 20 bytes, expected 24/);
  rejects(concat(shb(true), epb(true, 0, 1, PACKET)), /names interface 0, which is not described/);
  const badLength = concat(shb(true), idb(true, LinkType.RAW));
  badLength[shb(true).length + 4] = 13;
  rejects(badLength, /has length 13, expected a multiple of 4/);
  const overlong = concat(shb(true), idb(true, LinkType.RAW), epb(true, 0, 1, PACKET));
  new DataView(overlong.buffer).setUint32(overlong.length - PACKET.length - 12, 9999, true);
  rejects(overlong, /claims 9999 bytes in a \d+-byte block/);
  assert.throws(() => readCapture("x" as unknown as Uint8Array), TypeError);
});

Deno.test("readCapture() returns or throws WireError for random and mutated files", () => {
  const writer = new PcapWriter();
  writer.write(PACKET, 1);
  writer.write(PACKET, 2);
  const seeds = [
    writer.bytes(),
    concat(
      shb(true),
      idb(true, LinkType.RAW, 9),
      epb(true, 0, 1, PACKET),
      block(3, concat(words(true, [4, 4]), PACKET)),
    ),
  ];
  const outcome = (bytes: Uint8Array) => {
    try {
      const capture = readCapture(bytes);
      // Times are fractions: finite is all they must be.
      assertWhole(
        capture.packets.map((p) => ({ ...p, time: Number.isFinite(p.time) ? 0 : p.time })),
      );
      for (const p of capture.packets) {
        assert.ok(p.data.byteOffset + p.data.length <= bytes.byteOffset + bytes.length);
        try {
          ipOfFrame(p.linkType, p.data);
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
        }
      }
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), outcome), { numRuns: 2000 });
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }),
      fc.nat({ max: 400 }),
      (seed, flips, cut) => {
        const bytes = seed.slice(0, cut || seed.length);
        for (const [at, value] of flips) if (bytes.length) bytes[at % bytes.length] = value;
        outcome(bytes);
      },
    ),
    { numRuns: 4000 },
  );
});

Deno.test("pcapRecord() rounds microseconds and rejects impossible times", () => {
  const view = new DataView(pcapRecord(new Uint8Array(1), 5.9999999).buffer);
  assert.deepEqual([view.getUint32(0, true), view.getUint32(4, true)], [6, 0]);
  assert.throws(() => pcapRecord(new Uint8Array(1), -1), RangeError);
  assert.throws(() => pcapRecord(new Uint8Array(4), 1, 3), RangeError);
});

Deno.test("ipOfFrame() finds IP in Ethernet with VLAN tags, cooked v1/v2 and loopback frames", () => {
  const ip4 = PACKET;
  const ip6 = new Conversation("fd00::1", "fd00::2").c({ seq: 1 }).packets[0];
  const cases: [number, Uint8Array, 4 | 6][] = [
    [
      LinkType.ETHERNET,
      concat(new Uint8Array(12), new Uint8Array([0x81, 0, 0, 5, 0x86, 0xdd]), ip6),
      6,
    ],
    [LinkType.LINUX_SLL, concat(new Uint8Array(14), new Uint8Array([0x08, 0x00]), ip4), 4],
    [LinkType.LINUX_SLL2, concat(new Uint8Array([0x86, 0xdd]), new Uint8Array(18), ip6), 6],
    [LinkType.NULL, concat(new Uint8Array([2, 0, 0, 0]), ip4), 4],
    [LinkType.NULL, concat(new Uint8Array([0, 0, 0, 30]), ip6), 6],
    [LinkType.LOOP, concat(new Uint8Array([0, 0, 0, 24]), ip6), 6],
    [LinkType.IPV4, ip4, 4],
  ];
  for (const [linkType, frame, version] of cases) {
    const found = ipOfFrame(linkType, frame);
    assert.equal(found?.version, version, `link type ${linkType}`);
    assert.deepEqual(found?.packet, version === 4 ? ip4 : ip6);
  }
  assert.equal(
    ipOfFrame(LinkType.ETHERNET, concat(new Uint8Array(12), new Uint8Array([0x08, 0x06]))),
    null,
  );
  assert.equal(ipOfFrame(147, ip4), null);
  assert.throws(
    () => ipOfFrame(LinkType.LINUX_SLL2, new Uint8Array(19)),
    /Linux cooked v2 frame: 19 bytes/,
  );
  assert.throws(
    () => ipOfFrame(LinkType.RAW, new Uint8Array([0x20])),
    /IP version 2 is neither 4 nor 6/,
  );
});

Deno.test(requires(missingCommand("tshark"), {
  name: "PcapWriter files open in tshark, every checksum good",
  async fn() {
    const conv = new Conversation()
      .c({
        control: "syn",
        seq: 1,
        mss: 1460,
        windowScale: 7,
        sackPermitted: true,
        timestamp: { value: 1, echo: 0 },
      })
      .s({ control: "syn", seq: 9, ack: 2, mss: 1400 })
      .c({ seq: 2, ack: 10, payload: text(100), sack: [[20, 30]] });
    const v6 = new Conversation("fd00::1", "fd00::2").c({ seq: 1, ack: 1, payload: text(9) });
    const writer = new PcapWriter();
    [...conv.packets, ...v6.packets].forEach((p, i) => writer.write(p, 1700000000 + i));
    const path = await Deno.makeTempFile({ suffix: ".pcap" });
    try {
      await Deno.writeFile(path, writer.bytes());
      const rows = await tsharkFields(path, [
        "tcp.checksum.status",
        "tcp.len",
        "_ws.expert.severity",
      ]);
      assert.deepEqual(rows.map((r) => r[0]), ["1", "1", "1", "1"]);
      assert.deepEqual(rows.map((r) => r[1]), ["0", "0", "100", "9"]);
    } finally {
      await Deno.remove(path);
    }
  },
}));
