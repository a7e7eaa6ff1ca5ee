// TCP segmentation in the core: every header field, option and checksum of
// the emitted IPv4 and IPv6 packets, checked by a plain-JS reader and
// reference checksum here, and by tshark from a pcap. Both builds.
import { afterEach, describe, expect, test, vi } from "vitest";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { instantiate } from "../build/socklab.js";

// Property tests and tshark take seconds; a loaded CI machine may need more.
vi.setConfig({ testTimeout: 30_000 });

const engines = await Promise.all([
  instantiate({ engine: "simd" }),
  instantiate({ engine: "scalar" }),
]);
const held = [];
const keep = (x) => (held.push(x), x);
afterEach(() => held.splice(0).forEach((x) => x.free()));
const MOD = 2 ** 32;
const stream = (n, seed = 3) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
const hasTshark = spawnSync("sh", ["-c", "command -v tshark"]).status === 0;

/** Plain RFC 1071 sum of big-endian words, folded, not complemented. */
function sum16(data, start = 0) {
  let s = start;
  for (let i = 0; i < data.length; i += 2) {
    s += (data[i] << 8) | (i + 1 < data.length ? data[i + 1] : 0);
  }
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Reads one packet with plain code: the fields the tests check. */
function readPacket(p) {
  const dv = new DataView(p.buffer, p.byteOffset, p.length);
  const v4 = p[0] >> 4 === 4;
  const ipLen = v4 ? (p[0] & 15) * 4 : 40;
  const tcp = p.subarray(ipLen);
  const td = new DataView(tcp.buffer, tcp.byteOffset, tcp.length);
  const dataOffset = (tcp[12] >> 4) * 4;
  const pseudo = v4
    ? [...p.subarray(12, 20), 0, 6, tcp.length >> 8, tcp.length & 0xff]
    : [...p.subarray(8, 40), 0, 0, tcp.length >> 8, tcp.length & 0xff, 0, 0, 0, 6];
  return {
    version: p[0] >> 4,
    ipHeaderOk: v4 ? sum16(p.subarray(0, 20)) === 0xffff : true,
    tcpChecksumOk: sum16(tcp, sum16(Uint8Array.from(pseudo))) === 0xffff,
    ipLength: v4 ? dv.getUint16(2) : dv.getUint16(4) + 40,
    ipId: v4 ? dv.getUint16(4) : null,
    df: v4 ? (p[6] & 0x40) !== 0 : null,
    ttl: v4 ? p[8] : p[7],
    protocol: v4 ? p[9] : p[6],
    trafficClass: v4 ? p[1] : (dv.getUint32(0) >>> 20) & 0xff,
    flowLabel: v4 ? null : dv.getUint32(0) & 0xfffff,
    src: v4 ? p.subarray(12, 16) : p.subarray(8, 24),
    dst: v4 ? p.subarray(16, 20) : p.subarray(24, 40),
    srcPort: td.getUint16(0),
    dstPort: td.getUint16(2),
    seq: td.getUint32(4),
    ack: td.getUint32(8),
    flags: tcp[13],
    window: td.getUint16(14),
    options: tcp.subarray(20, dataOffset),
    payload: tcp.subarray(dataOffset),
  };
}

const packetsOf = (out) =>
  out.offsets.map((o, i) => readPacket(out.bytes.subarray(o, o + out.lengths[i])));

const base4 = {
  src: "192.0.2.1",
  dst: "198.51.100.7",
  srcPort: 40000,
  dstPort: 443,
  seq: 1000,
  ack: 77,
  window: 502,
  sendMss: 1460,
};
const base6 = { ...base4, src: "2001:db8::1", dst: "2001:db8:0:1::ff" };

/** Writes a pcap of raw IP packets (LINKTYPE_RAW) and asks tshark to verify both checksums. */
function tsharkStatuses(packets) {
  const dir = mkdtempSync(join(tmpdir(), "socklab-seg-"));
  try {
    const head = new DataView(new ArrayBuffer(24));
    head.setUint32(0, 0xa1b2c3d4, true);
    head.setUint16(4, 2, true);
    head.setUint16(6, 4, true);
    head.setUint32(16, 65535, true);
    head.setUint32(20, 101, true); // LINKTYPE_RAW
    const parts = [new Uint8Array(head.buffer)];
    for (const p of packets) {
      const rec = new DataView(new ArrayBuffer(16));
      rec.setUint32(8, p.length, true);
      rec.setUint32(12, p.length, true);
      parts.push(new Uint8Array(rec.buffer), p);
    }
    const file = join(dir, "seg.pcap");
    writeFileSync(file, Buffer.concat(parts));
    const run = spawnSync("tshark", [
      "-r",
      file,
      "-o",
      "tcp.check_checksum:TRUE",
      "-o",
      "ip.check_checksum:TRUE",
      "-T",
      "fields",
      "-e",
      "tcp.checksum.status",
      "-e",
      "ip.checksum.status",
      "-e",
      "tcp.len",
    ], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`tshark failed: ${run.stderr}`);
    return run.stdout.trim().split("\n").map((line) => line.split("\t"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(engines.map((core) => [core.engine, core]))("%s core", (_name, core) => {
  const { segmentTcp, tcpSegmentedLength } = core;

  test("segmentTcp() splits IPv4 data into sendMss packets with every header field set", () => {
    const payload = stream(4000);
    const out = segmentTcp({ ...base4, psh: true, ipId: 0xfffe, ttl: 33, tos: 0x10 }, payload);
    expect(out.count).toBe(3);
    expect(out.lengths).toEqual([1500, 1500, 1120]);
    expect(out.offsets).toEqual([0, 1500, 3000]);
    expect(out.byteLength).toBe(4120);
    expect(out.nextSeq).toBe(5000);
    const packets = packetsOf(out);
    packets.forEach((p, i) => {
      expect(p).toMatchObject({
        version: 4,
        ipHeaderOk: true,
        tcpChecksumOk: true,
        ipLength: out.lengths[i],
        ipId: (0xfffe + i) & 0xffff,
        df: true,
        ttl: 33,
        protocol: 6,
        trafficClass: 0x10,
        srcPort: 40000,
        dstPort: 443,
        seq: 1000 + 1460 * i,
        ack: 77,
        window: 502,
      });
      expect(Array.from(p.src)).toEqual([192, 0, 2, 1]);
      expect(Array.from(p.dst)).toEqual([198, 51, 100, 7]);
      expect(p.payload).toEqual(payload.subarray(1460 * i, 1460 * (i + 1)));
    });
    // ACK on all; PSH only on the last.
    expect(packets.map((p) => p.flags)).toEqual([0x10, 0x10, 0x18]);
  });

  test("segmentTcp() emits IPv6 packets with traffic class, flow label and hop limit", () => {
    const payload = stream(3000);
    const out = segmentTcp(
      { ...base6, hopLimit: 9, trafficClass: 0xb8, flowLabel: 0x12345, fin: true },
      payload,
    );
    const packets = packetsOf(out);
    expect(packets).toHaveLength(3);
    packets.forEach((p, i) => {
      expect(p).toMatchObject({
        version: 6,
        tcpChecksumOk: true,
        ipLength: out.lengths[i],
        ttl: 9,
        protocol: 6,
        trafficClass: 0xb8,
        flowLabel: 0x12345,
        seq: 1000 + 1460 * i,
      });
      expect(p.payload).toEqual(payload.subarray(1460 * i, 1460 * (i + 1)));
    });
    expect(Array.from(packets[0].src)).toEqual([0x20, 1, 0xd, 0xb8, ...Array(11).fill(0), 1]);
    expect(Array.from(packets[0].dst)).toEqual([
      0x20,
      1,
      0xd,
      0xb8,
      0,
      0,
      0,
      1,
      ...Array(7).fill(0),
      0xff,
    ]);
    expect(packets.map((p) => p.flags)).toEqual([0x10, 0x10, 0x11]);
    expect(out.nextSeq).toBe(4001); // FIN takes one sequence number
  });

  test("segmentTcp() wraps sequence numbers at 2^32", () => {
    const out = segmentTcp({ ...base4, seq: 0xffffff00 }, stream(1000));
    const packets = packetsOf({ ...out, bytes: out.bytes });
    expect(packets.map((p) => p.seq)).toEqual([0xffffff00]);
    const many = segmentTcp({ ...base4, seq: 0xfffffc00, sendMss: 536 }, stream(3000));
    expect(packetsOf(many).map((p) => p.seq)).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => (0xfffffc00 + 536 * i) % MOD),
    );
    expect(many.nextSeq).toBe((0xfffffc00 + 3000) % MOD);
  });

  test("segmentTcp() writes SYN options in Linux's layout and SYN takes one sequence number", () => {
    const out = segmentTcp({
      ...base4,
      ack: null,
      syn: true,
      mss: 1460,
      windowScale: 7,
      sackPermitted: true,
      timestamp: { value: 0x01020304, echo: 0 },
    });
    const [p] = packetsOf(out);
    expect(out.count).toBe(1);
    expect(p.flags).toBe(0x02);
    expect(p.ack).toBe(0);
    expect(Array.from(p.options)).toEqual([
      2,
      4,
      0x05,
      0xb4, // MSS 1460
      4,
      2, // SACK permitted
      8,
      10,
      1,
      2,
      3,
      4,
      0,
      0,
      0,
      0, // timestamps
      1,
      3,
      3,
      7, // NOP, window scale 7
    ]);
    expect(p.tcpChecksumOk).toBe(true);
    expect(out.nextSeq).toBe(1001);
  });

  test("segmentTcp() puts timestamps and SACK blocks on every packet and shrinks the data to fit", () => {
    const out = segmentTcp({
      ...base4,
      timestamp: { value: 5, echo: 6 },
      sack: [[3000, 4000], [5000, 6000]],
    }, stream(3000));
    expect(out.payloadPerPacket).toBe(1460 - 12 - 20);
    const packets = packetsOf(out);
    for (const p of packets) {
      expect(Array.from(p.options)).toEqual([
        1,
        1,
        8,
        10,
        0,
        0,
        0,
        5,
        0,
        0,
        0,
        6,
        1,
        1,
        5,
        18,
        0,
        0,
        0x0b,
        0xb8,
        0,
        0,
        0x0f,
        0xa0,
        0,
        0,
        0x13,
        0x88,
        0,
        0,
        0x17,
        0x70,
      ]);
      expect(p.tcpChecksumOk).toBe(true);
    }
    expect(packets.map((p) => p.payload.length)).toEqual([1428, 1428, 144]);
  });

  test("segmentTcp() with no data emits one packet; CWR goes on the first only", () => {
    const out = segmentTcp({ ...base4, cwr: true, ece: true, psh: true }, stream(3000));
    expect(packetsOf(out).map((p) => p.flags)).toEqual([0xd0, 0x50, 0x58]);
    const bare = segmentTcp({ ...base6, fin: true });
    expect(bare.count).toBe(1);
    expect(bare.byteLength).toBe(60);
    expect(packetsOf(bare)[0]).toMatchObject({ flags: 0x11, tcpChecksumOk: true });
  });

  test("segmentTcp() writes into a CoreBuffer in place and into a caller's array", () => {
    const payload = stream(5000);
    const need = tcpSegmentedLength(base4, payload.length);
    expect(need).toBe(5000 + 4 * 40);
    const buf = keep(core.alloc(need));
    const inPlace = segmentTcp(base4, payload, buf);
    expect(inPlace.bytes.buffer).toBe(core.memory.buffer);
    const mine = new Uint8Array(need + 10);
    const copied = segmentTcp(base4, payload, mine);
    expect(copied.bytes.buffer).toBe(mine.buffer);
    expect(mine.subarray(0, need)).toEqual(buf.bytes);
    // The payload may live in core memory too.
    const src = keep(core.alloc(payload.length));
    src.bytes.set(payload);
    expect(segmentTcp(base4, src).bytes).toEqual(buf.bytes);
  });

  test("segmentTcp() rejects bad options with TypeError, RangeError or SyntaxError", () => {
    expect(() => segmentTcp(null)).toThrow(TypeError);
    expect(() => segmentTcp({ ...base4, src: 5 })).toThrow(TypeError);
    expect(() => segmentTcp({ ...base4, src: "192.0.2" })).toThrow(SyntaxError);
    expect(() => segmentTcp({ ...base4, src: "1::2::3" })).toThrow(SyntaxError);
    expect(() => segmentTcp({ ...base4, dst: "2001:db8::1" })).toThrow(/both be IPv4 or both IPv6/);
    expect(() => segmentTcp({ ...base4, seq: 2 ** 32 })).toThrow(/seq must be an integer/);
    expect(() => segmentTcp({ ...base4, sendMss: 0 })).toThrow(RangeError);
    expect(() => segmentTcp({ ...base4, mss: 1460 })).toThrow(/SYN segments only/);
    expect(() => segmentTcp({ ...base4, syn: true, fin: true })).toThrow(RangeError);
    expect(() => segmentTcp({ ...base4, sack: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]] }))
      .toThrow(/at most 4/);
    expect(() =>
      segmentTcp({
        ...base4,
        timestamp: { value: 1, echo: 2 },
        sack: [[1, 2], [3, 4], [5, 6], [7, 8]],
      })
    ).toThrow(/exceed 40 bytes/);
    expect(() => segmentTcp({ ...base4, sendMss: 12, timestamp: { value: 1, echo: 2 } }))
      .toThrow(/no room/);
    expect(() => segmentTcp(base4, stream(100), new Uint8Array(50))).toThrow(/out holds 50/);
    expect(() => segmentTcp(base4, "text")).toThrow(TypeError);
    expect(() => segmentTcp(base4, new Uint8Array(2 ** 28 + 1))).toThrow(/exceeds/);
    expect(() => segmentTcp({ ...base4, sendMss: 65535 }, stream(65535 - 19))).toThrow(
      /65535 bytes/,
    );
  });

  test("segmentTcp() parses IPv6 text forms: ::, embedded IPv4, full", () => {
    const at = (src) => Array.from(packetsOf(segmentTcp({ ...base6, src }))[0].src);
    expect(at("::")).toEqual(Array(16).fill(0));
    expect(at("::ffff:192.0.2.1")).toEqual([...Array(10).fill(0), 255, 255, 192, 0, 2, 1]);
    expect(at("1:2:3:4:5:6:7:8")).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(at("fe80::")).toEqual([0xfe, 0x80, ...Array(14).fill(0)]);
    expect(() => at("1:2:3:4:5:6:7:8:9")).toThrow(SyntaxError);
    expect(() => at("1:2:3:4:5:6:7::8")).toThrow(SyntaxError);
  });

  test("any payload, MSS and options segment into packets whose checksums verify and whose data is the payload", () => {
    fc.assert(
      fc.property(
        fc.record({
          v6: fc.boolean(),
          seq: fc.nat({ max: 0xffffffff }),
          length: fc.nat({ max: 6000 }),
          sendMss: fc.integer({ min: 41, max: 9000 }),
          ts: fc.boolean(),
          sacks: fc.nat({ max: 3 }),
          fin: fc.boolean(),
          psh: fc.boolean(),
        }),
        ({ v6, seq, length, sendMss, ts, sacks, fin, psh }) => {
          const payload = stream(length, seq & 0xff);
          const options = {
            ...(v6 ? base6 : base4),
            seq,
            sendMss,
            fin,
            psh,
            timestamp: ts ? { value: seq, echo: 1 } : null,
            sack: Array.from({ length: sacks }, (_, i) => [i * 10, i * 10 + 5]),
          };
          const out = segmentTcp(options, payload);
          const packets = packetsOf(out);
          let at = 0;
          packets.forEach((p, i) => {
            expect(p.ipHeaderOk && p.tcpChecksumOk).toBe(true);
            expect(p.seq).toBe((seq + at) % MOD);
            const want = payload.subarray(at, at + p.payload.length);
            expect(Buffer.compare(p.payload, want)).toBe(0);
            at += p.payload.length;
            const last = i === packets.length - 1;
            expect((p.flags & 1) === 1).toBe(fin && last);
            expect((p.flags & 8) === 8).toBe(psh && last);
          });
          expect(at).toBe(length);
          expect(out.nextSeq).toBe((seq + length + (fin ? 1 : 0)) % MOD);
        },
      ),
      { numRuns: 100 },
    );
  });
});

test.skipIf(!hasTshark)("tshark finds every IP and TCP checksum good, from both builds", () => {
  const packets = [];
  for (const core of engines) {
    for (const [i, options] of [base4, base6].entries()) {
      for (const length of [0, 1, 1459, 1460, 7777]) {
        const out = core.segmentTcp(
          {
            ...options,
            seq: (0xfffff000 + length * 1000) % MOD,
            timestamp: { value: i, echo: length },
          },
          stream(length, length),
        );
        out.offsets.forEach((o, k) => packets.push(out.bytes.slice(o, o + out.lengths[k])));
      }
    }
  }
  const rows = tsharkStatuses(packets);
  expect(rows).toHaveLength(packets.length);
  rows.forEach(([tcpStatus, ipStatus, tcpLen], k) => {
    expect(tcpStatus).toBe("1"); // PROTO_CHECKSUM_E_GOOD
    expect(["1", ""]).toContain(ipStatus); // good (IPv4) or no IP checksum (IPv6)
    expect(Number(tcpLen)).toBe(readPacket(packets[k]).payload.length);
  });
});
