// IP fragment reassembly in the core: IPv4 and IPv6 datagrams rebuilt from
// fragments in any order, the RFC 5722 overlap rule, exact duplicates, the
// limits that bound memory, timeouts, and a reason for every rejection.
// Both builds.
import { afterEach, describe, expect, test, vi } from "vitest";
import fc from "fast-check";
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
const stream = (n, seed = 5) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function sum16(data) {
  let s = 0;
  for (let i = 0; i < data.length; i += 2) s += (data[i] << 8) | (data[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** An IPv4 packet; `offset` in bytes. Options make the header longer. */
function ipv4({
  src = [10, 0, 0, 1],
  dst = [10, 0, 0, 2],
  id = 0x1234,
  protocol = 17,
  offset = 0,
  more = false,
  df = false,
  payload,
  options = [],
}) {
  const ihl = 20 + options.length;
  const p = new Uint8Array(ihl + payload.length);
  const dv = new DataView(p.buffer);
  p[0] = 0x40 | (ihl / 4);
  dv.setUint16(2, p.length);
  dv.setUint16(4, id);
  dv.setUint16(6, (df ? 0x4000 : 0) | (more ? 0x2000 : 0) | (offset / 8));
  p[8] = 64;
  p[9] = protocol;
  p.set(src, 12);
  p.set(dst, 16);
  p.set(options, 20);
  dv.setUint16(10, ~sum16(p.subarray(0, ihl)) & 0xffff);
  p.set(payload, ihl);
  return p;
}

const SRC6 = [0x20, 1, 0xd, 0xb8, ...Array(11).fill(0), 1];
const DST6 = [0x20, 1, 0xd, 0xb8, ...Array(11).fill(0), 2];
const HOP_BY_HOP = [0, 0, 1, 4, 0, 0, 0, 0]; // next header patched in; PadN

/**
 * An IPv6 packet. With `fragment` set, a Fragment header follows the
 * optional Hop-by-Hop header; without it the payload follows directly.
 */
function ipv6(
  { src = SRC6, dst = DST6, hopByHop = false, fragment = null, nextHeader = 17, payload },
) {
  const ext = [];
  const chain = [];
  if (hopByHop) chain.push(0);
  if (fragment) chain.push(44);
  chain.push(nextHeader);
  if (hopByHop) ext.push(chain[1], ...HOP_BY_HOP.slice(1));
  if (fragment) {
    const { offset, more, id } = fragment;
    ext.push(nextHeader, 0, (offset >> 8) & 0xff, (offset & 0xf8) | (more ? 1 : 0));
    ext.push(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
  }
  const p = new Uint8Array(40 + ext.length + payload.length);
  const dv = new DataView(p.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, ext.length + payload.length);
  p[6] = chain[0];
  p[7] = 64;
  p.set(src, 8);
  p.set(dst, 24);
  p.set(ext, 40);
  p.set(payload, 40 + ext.length);
  return p;
}

/** Splits `payload` at the given byte offsets (multiples of 8) into fragments. */
function fragments4(payload, cuts, fields = {}) {
  const points = [0, ...cuts, payload.length];
  return points.slice(1).map((end, i) =>
    ipv4({
      ...fields,
      offset: points[i],
      more: end < payload.length,
      payload: payload.subarray(points[i], end),
      options: i === 0 ? fields.options ?? [] : [],
    })
  );
}

function fragments6(payload, cuts, fields = {}) {
  const points = [0, ...cuts, payload.length];
  return points.slice(1).map((end, i) =>
    ipv6({
      ...fields,
      fragment: { offset: points[i], more: end < payload.length, id: fields.id ?? 0xabcdef01 },
      payload: payload.subarray(points[i], end),
    })
  );
}

describe.each(engines.map((core) => [core.engine, core]))("%s core", (_name, core) => {
  const { FragmentReassembler } = core;
  const open = (options) => keep(new FragmentReassembler(options));

  test("insert() rebuilds an IPv4 datagram from fragments in any order", () => {
    const fr = open();
    const payload = stream(3000);
    const options = [0x94, 4, 0, 0]; // Router Alert, on the first fragment only
    const [a, b, c] = fragments4(payload, [1480, 2960], { options });
    expect(fr.insert(c, 0)).toEqual({ status: "held", complete: null });
    expect(fr.insert(a, 1)).toEqual({ status: "held", complete: null });
    expect(fr.pending).toBe(1);
    expect(fr.bytesHeld).toBe(40 + 1480 + 24);
    const { status, complete } = fr.insert(b, 2);
    expect(status).toBe("complete");
    expect(complete).toEqual(ipv4({ payload, options }));
    expect(fr.pending).toBe(0);
    expect(fr.bytesHeld).toBe(0);
  });

  test("insert() keeps DF and rebuilds a correct header checksum", () => {
    const fr = open();
    const payload = stream(100);
    const parts = fragments4(payload, [48], { df: true, id: 9 });
    fr.insert(parts[1], 0);
    const { complete } = fr.insert(parts[0], 0);
    expect(complete).toEqual(ipv4({ payload, df: true, id: 9 }));
    expect(sum16(complete.subarray(0, 20))).toBe(0xffff);
  });

  test("insert() rebuilds an IPv6 datagram without its Fragment header (RFC 8200 §4.5)", () => {
    const fr = open();
    const payload = stream(5000);
    const parts = fragments6(payload, [1232, 2464, 3696], { hopByHop: true });
    for (const p of [parts[3], parts[1], parts[2]]) expect(fr.insert(p, 0).status).toBe("held");
    const { status, complete } = fr.insert(parts[0], 0);
    expect(status).toBe("complete");
    expect(complete).toEqual(ipv6({ hopByHop: true, payload }));
  });

  test("insert() passes whole datagrams through and completes atomic IPv6 fragments alone (RFC 6946)", () => {
    const fr = open();
    const whole4 = ipv4({ payload: stream(50) });
    expect(fr.insert(whole4, 0)).toEqual({ status: "notFragment", complete: whole4 });
    const whole6 = ipv6({ payload: stream(50) });
    expect(fr.insert(Uint8Array.from([...whole6, 0, 0]), 0).complete).toEqual(whole6);
    // An atomic fragment does not disturb a datagram in reassembly with its id.
    const parts = fragments6(stream(64), [32], { id: 7 });
    fr.insert(parts[0], 0);
    const atomic = ipv6({ fragment: { offset: 0, more: false, id: 7 }, payload: stream(9) });
    expect(fr.insert(atomic, 0)).toEqual({
      status: "complete",
      complete: ipv6({ payload: stream(9) }),
    });
    expect(fr.insert(parts[1], 0).complete).toEqual(ipv6({ payload: stream(64) }));
  });

  test("insert() ignores exact duplicates and still completes", () => {
    const fr = open();
    const payload = stream(64);
    const [a, b] = fragments4(payload, [32]);
    fr.insert(a, 0);
    expect(fr.insert(a, 0)).toMatchObject({ status: "duplicate", complete: null });
    expect(fr.insert(b, 0).complete).toEqual(ipv4({ payload }));
    expect(fr.counters).toMatchObject({ held: 1, duplicate: 1, complete: 1 });
  });

  test("an overlapping fragment discards the whole datagram, later fragments too (RFC 5722)", () => {
    for (const build of [fragments4, fragments6]) {
      const fr = open({ timeoutMs: 1000 });
      const payload = stream(96);
      const [a, , c] = build(payload, [32, 64]);
      const [, overlapping] = build(payload, [24, 64]); // [24, 64) overlaps [0, 32)
      fr.insert(a, 0);
      const dropped = fr.insert(overlapping, 0);
      expect(dropped.status).toBe("overlap");
      expect(dropped.reason).toMatch(/overlaps.*discarded/);
      expect(fr.bytesHeld).toBe(0);
      expect(fr.insert(c, 1)).toMatchObject({ status: "discarded", complete: null });
      // Once its key times out, the same identification starts afresh.
      expect(fr.expire(1000)).toEqual({ dropped: 0, timeExceeded: 0 });
      expect(fr.pending).toBe(0);
      const parts = build(payload, [32, 64]);
      parts.forEach((p, i) => expect(fr.insert(p, 1001).status).toBe(i < 2 ? "held" : "complete"));
    }
  });

  test("fragments are keyed by source, destination, identification and IPv4 protocol", () => {
    const fr = open();
    const payload = stream(64);
    const [a] = fragments4(payload, [32]);
    const [, b] = fragments4(payload, [32], { protocol: 6 });
    const [, c] = fragments4(payload, [32], { src: [10, 0, 0, 9] });
    const [, d] = fragments4(payload, [32], { id: 0x1235 });
    for (const p of [a, b, c, d]) expect(fr.insert(p, 0).status).toBe("held");
    expect(fr.pending).toBe(4);
    const [e] = fragments6(payload, [32], { id: 1 });
    const [, f] = fragments6(payload, [32], { id: 2 });
    fr.insert(e, 0);
    expect(fr.insert(f, 0).status).toBe("held");
    expect(fr.pending).toBe(6);
  });

  test("insert() rejects malformed packets with a readable reason and counts them", () => {
    const fr = open();
    const good = fragments4(stream(64), [32])[0];
    const v6 = fragments6(stream(64), [32])[0];
    const bad = (mutate, from = good) => {
      const p = from.slice();
      mutate(p, new DataView(p.buffer));
      return p;
    };
    const fix = (p) => {
      p[10] = p[11] = 0;
      new DataView(p.buffer).setUint16(10, ~sum16(p.subarray(0, (p[0] & 15) * 4)) & 0xffff);
    };
    const cases = [
      ["truncated", new Uint8Array(0)],
      ["badVersion", bad((p) => (p[0] = 0x55))],
      ["truncated", good.subarray(0, 19)],
      ["badHeaderLength", bad((p) => (p[0] = 0x44))],
      ["truncated", bad((p) => (p[0] = 0x4f)).subarray(0, 40)],
      ["badTotalLength", bad((p, v) => (v.setUint16(2, 10), fix(p)))],
      ["truncated", bad((p, v) => (v.setUint16(2, 1000), fix(p)))],
      ["badChecksum", bad((p) => (p[8] ^= 1))],
      ["reservedFlag", bad((p) => (p[6] |= 0x80, fix(p)))],
      ["misaligned", ipv4({ more: true, payload: stream(30) })],
      ["empty", ipv4({ more: true, offset: 8, payload: new Uint8Array(0) })],
      ["tooBig", ipv4({ offset: 65528, payload: stream(8) })],
      ["truncated", v6.subarray(0, 39)],
      ["jumbogram", bad((p) => (p[4] = p[5] = 0), v6)],
      ["truncated", bad((p) => (p[4] = 0xff), v6)],
      ["misaligned", ipv6({ fragment: { offset: 0, more: true, id: 1 }, payload: stream(9) })],
      ["tooBig", ipv6({ fragment: { offset: 65528, more: false, id: 1 }, payload: stream(8) })],
      ["badExtension", ipv6({ hopByHop: true, payload: new Uint8Array(0) }).subarray(0, 46)],
    ];
    for (const [status, packet] of cases) {
      // Some truncations also shorten the declared length: fix it up.
      if (packet.length >= 40 && packet[0] >> 4 === 6 && status === "badExtension") {
        new DataView(packet.buffer, packet.byteOffset).setUint16(4, packet.length - 40);
      }
      const r = fr.insert(packet, 0);
      expect(r.status, `${status}: ${Array.from(packet.subarray(0, 8))}`).toBe(status);
      expect(r.complete).toBe(null);
      expect(r.reason).toMatch(/\w+ \w+/);
    }
    expect(fr.counters.truncated).toBe(6);
    expect(fr.counters.misaligned).toBe(2);
    expect(fr.pending).toBe(0);
  });

  test("a first IPv6 fragment must hold the whole header chain (RFC 7112)", () => {
    const fr = open();
    // Destination Options (60) of 16 bytes, cut after 8 by the fragment's end.
    const options = [17, 1, 1, 12, ...Array(12).fill(0)];
    const cut = ipv6({
      fragment: { offset: 0, more: true, id: 5 },
      nextHeader: 60,
      payload: Uint8Array.from(options.slice(0, 8)),
    });
    const r = fr.insert(cut, 0);
    expect(r.status).toBe("incompleteChain");
    expect(r.reason).toMatch(/RFC 7112/);
    // The same header whole, then data: held and later completed.
    const payload = Uint8Array.from([...options, ...stream(16)]);
    const [first, second] = fragments6(payload, [24], { nextHeader: 60, id: 6 });
    expect(fr.insert(first, 0).status).toBe("held");
    expect(fr.insert(second, 0).complete).toEqual(ipv6({ nextHeader: 60, payload }));
  });

  test("a last fragment that disagrees with the datagram's length discards it", () => {
    const fr = open();
    const payload = stream(96);
    const parts = fragments4(payload, [32, 64]);
    fr.insert(parts[2], 0); // ends at 96
    const early = ipv4({ offset: 32, more: false, payload: stream(16) }); // ends at 48
    expect(fr.insert(early, 0).status).toBe("inconsistent");
    expect(fr.insert(parts[0], 0).status).toBe("discarded");
  });

  test("limits refuse fragments beyond maxFragmentsPerDatagram, maxDatagrams and maxBytes", () => {
    const perDatagram = open({ maxFragmentsPerDatagram: 2 });
    const parts = fragments4(stream(96), [32, 64]);
    perDatagram.insert(parts[0], 0);
    perDatagram.insert(parts[1], 0);
    expect(perDatagram.insert(parts[2], 0).status).toBe("tooManyFragments");

    const datagrams = open({ maxDatagrams: 2 });
    for (const id of [1, 2]) datagrams.insert(fragments4(stream(64), [32], { id })[0], 0);
    const third = datagrams.insert(fragments4(stream(64), [32], { id: 3 })[0], 0);
    expect(third.status).toBe("tooManyDatagrams");
    expect(third.reason).toMatch(/maxDatagrams/);

    const bytes = open({ maxBytes: 100 });
    // 88 data bytes + a 20-byte header exceed 100.
    expect(bytes.insert(fragments4(stream(160), [88], { id: 1 })[0], 0).status).toBe("outOfMemory");
    expect(bytes.pending).toBe(0);
    expect(bytes.insert(fragments4(stream(160), [48], { id: 2 })[0], 0).status).toBe("held");
    expect(bytes.insert(fragments4(stream(160), [48], { id: 3 })[0], 0).status).toBe("outOfMemory");
    expect(bytes.bytesHeld).toBe(68);
  });

  test("a flood of fragments that never complete stays within maxBytes and maxDatagrams", () => {
    const limits = { maxDatagrams: 32, maxBytes: 64 * 1024, timeoutMs: 1000 };
    // 32 datagrams of 1044 bytes fit in 64 KiB: the datagram limit bites first.
    const fr = open(limits);
    const before = core.memory.buffer.byteLength;
    const refused = new Set();
    const payload = stream(1024);
    for (let i = 0; i < 4000; i++) {
      // First fragments only, each of a new datagram: none can complete.
      const first = ipv4({ id: i, more: true, payload });
      const r = fr.insert(first, i); // 1 ms apart: the oldest time out
      if (r.status !== "held") refused.add(r.status);
      if (fr.bytesHeld > limits.maxBytes || fr.pending > limits.maxDatagrams) {
        throw new Error(`limits broken at fragment ${i}: ${fr.bytesHeld} bytes, ${fr.pending}`);
      }
    }
    expect([...refused].sort()).toEqual(
      ["outOfMemory", "tooManyDatagrams"].filter((s) => refused.has(s)),
    );
    expect(refused.size).toBeGreaterThan(0);
    expect(core.memory.buffer.byteLength - before).toBeLessThanOrEqual(4 << 20);
    fr.expire(1e9);
    expect(fr.bytesHeld).toBe(0);
  });

  test("a flood of large fragments is held to maxBytes", () => {
    const fr = open({ maxDatagrams: 1000, maxBytes: 16 * 1024, timeoutMs: 1e9 });
    const payload = stream(1480);
    const statuses = new Set();
    for (let i = 0; i < 200; i++) {
      statuses.add(fr.insert(ipv4({ id: i, more: true, payload }), 0).status);
      if (fr.bytesHeld > 16 * 1024) throw new Error(`maxBytes broken at fragment ${i}`);
    }
    expect(statuses).toEqual(new Set(["held", "outOfMemory"]));
    expect(fr.pending).toBe(Math.floor(16 * 1024 / 1500));
    expect(fr.counters.outOfMemory).toBe(200 - fr.pending);
  });

  test("expire() drops datagrams after timeoutMs and reports those owed an ICMP Time Exceeded", () => {
    const fr = open({ timeoutMs: 100 });
    const withFirst = fragments4(stream(64), [32], { id: 1 });
    const withoutFirst = fragments6(stream(64), [32], { id: 2 });
    fr.insert(withFirst[0], 0);
    fr.insert(withoutFirst[1], 50);
    expect(fr.expire(99)).toEqual({ dropped: 0, timeExceeded: 0 });
    expect(fr.expire(100)).toEqual({ dropped: 1, timeExceeded: 1 });
    expect(fr.expire(150)).toEqual({ dropped: 1, timeExceeded: 0 });
    expect(fr.bytesHeld).toBe(0);
    // A fragment arriving after the timeout starts a new datagram.
    fr.insert(withFirst[0], 200);
    expect(fr.insert(withFirst[1], 300).status).toBe("held");
    expect(fr.timedOut).toEqual({ dropped: 2, timeExceeded: 1 });
    // A full table makes room by expiring what timed out, and counts it.
    const small = open({ maxDatagrams: 1, timeoutMs: 10 });
    small.insert(withFirst[0], 0);
    expect(small.insert(withoutFirst[0], 5).status).toBe("tooManyDatagrams");
    expect(small.insert(withoutFirst[0], 10).status).toBe("held");
    expect(small.timedOut).toEqual({ dropped: 1, timeExceeded: 1 });
  });

  test("bad arguments throw TypeError or RangeError; a freed reassembler throws", () => {
    expect(() => new FragmentReassembler(5)).toThrow(TypeError);
    expect(() => new FragmentReassembler({ maxDatagrams: 0 })).toThrow(/maxDatagrams/);
    expect(() => new FragmentReassembler({ timeoutMs: -1 })).toThrow(RangeError);
    expect(() => new FragmentReassembler({ timeoutMs: "1s" })).toThrow(TypeError);
    const fr = new FragmentReassembler();
    expect(() => fr.insert([1, 2], 0)).toThrow(TypeError);
    expect(() => fr.insert(new Uint8Array(1), NaN)).toThrow(RangeError);
    expect(() => fr.insert(new Uint8Array(1))).toThrow(TypeError);
    fr.free();
    expect(() => fr.insert(new Uint8Array(1), 0)).toThrow(/freed/);
  });

  test("any order and duplication of a datagram's fragments rebuilds exactly the datagram", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 1, max: 4000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        (v6, length, cutSeeds, order) => {
          const payload = stream(length, length);
          const cuts = [...new Set(cutSeeds.map((c) => (c % Math.ceil(length / 8)) * 8))]
            .filter((c) => c > 0 && c < length)
            .sort((a, b) => a - b);
          const parts = v6
            ? fragments6(payload, cuts, { hopByHop: length % 2 === 0 })
            : fragments4(payload, cuts);
          const queue = [...parts, ...order.map((o) => parts[o % parts.length])];
          for (let i = queue.length - 1; i > 0; i--) {
            const j = order[i % order.length] % (i + 1);
            [queue[i], queue[j]] = [queue[j], queue[i]];
          }
          const fr = open({ maxFragmentsPerDatagram: 64 });
          const done = [];
          for (const p of queue) {
            const r = fr.insert(p, 0);
            expect(["held", "duplicate", "complete", "notFragment"]).toContain(r.status);
            if (r.complete) done.push(r.complete);
          }
          // Duplicates arriving after completion start a new datagram; the
          // first completion is the datagram.
          expect(done.length).toBeGreaterThanOrEqual(1);
          const want = v6 ? ipv6({ hopByHop: length % 2 === 0, payload }) : ipv4({ payload });
          expect(Buffer.compare(done[0], want)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
