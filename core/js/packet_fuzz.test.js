// Fuzzing the packet boundary: random and mutated packets into the fragment
// reassembler, random operation sequences into the TCP reassembler checked
// against a plain model, and arbitrary options into the segmenter. Nothing
// may trap (a trap or an AS abort surfaces as a plain Error) or break the
// limits; bad input must come back as a status or a TypeError, RangeError or
// SyntaxError. Thousands of cases per build and run.
import { afterEach, describe, expect, test, vi } from "vitest";
import fc from "fast-check";
import { instantiate } from "../build/socklab.js";

/** SOCKLAB_FUZZ_SCALE=10 runs ten times the cases (for a deeper soak). */
const SCALE = Math.max(1, Number(process.env.SOCKLAB_FUZZ_SCALE ?? 1) || 1);
const runs = (n) => ({ numRuns: Math.round(n * SCALE) });
vi.setConfig({ testTimeout: 10_000 * SCALE });

const engines = await Promise.all([
  instantiate({ engine: "simd" }),
  instantiate({ engine: "scalar" }),
]);
const held = [];
const keep = (x) => (held.push(x), x);
afterEach(() => held.splice(0).forEach((x) => x.free()));

const STATUSES = new Set([
  "held",
  "complete",
  "notFragment",
  "duplicate",
  "truncated",
  "badVersion",
  "badHeaderLength",
  "badTotalLength",
  "badChecksum",
  "reservedFlag",
  "empty",
  "misaligned",
  "tooBig",
  "badExtension",
  "jumbogram",
  "overlap",
  "inconsistent",
  "discarded",
  "tooManyFragments",
  "tooManyDatagrams",
  "outOfMemory",
  "incompleteChain",
]);

function sum16(data) {
  let s = 0;
  for (let i = 0; i < data.length; i += 2) s += (data[i] << 8) | (data[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** A valid IPv4 or IPv6 fragment to mutate: small ids and offsets so they collide. */
const fragmentArb = fc.record({
  v6: fc.boolean(),
  id: fc.nat({ max: 3 }),
  offset: fc.nat({ max: 40 }).map((n) => n * 8),
  more: fc.boolean(),
  length: fc.nat({ max: 64 }),
  hopByHop: fc.boolean(),
}).map(({ v6, id, offset, more, length, hopByHop }) => {
  const payload = Uint8Array.from({ length }, (_, i) => i ^ id);
  if (!v6) {
    const p = new Uint8Array(20 + length);
    const dv = new DataView(p.buffer);
    p.set([0x45, 0], 0);
    dv.setUint16(2, p.length);
    dv.setUint16(4, id);
    dv.setUint16(6, (more ? 0x2000 : 0) | (offset / 8));
    p.set([64, 17], 8);
    p.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
    dv.setUint16(10, ~sum16(p.subarray(0, 20)) & 0xffff);
    p.set(payload, 20);
    return p;
  }
  const ext = hopByHop ? [44, 0, 1, 4, 0, 0, 0, 0] : [];
  const p = new Uint8Array(40 + ext.length + 8 + length);
  const dv = new DataView(p.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, ext.length + 8 + length);
  p[6] = hopByHop ? 0 : 44;
  p[7] = 64;
  p[23] = 1;
  p[39] = 2;
  p.set(ext, 40);
  const f = 40 + ext.length;
  p.set([17, 0, offset >> 8, (offset & 0xf8) | (more ? 1 : 0), 0, 0, 0, id], f);
  p.set(payload, f + 8);
  return p;
});

/** A valid fragment with some bytes flipped, cut or appended. */
const mutatedArb = fc.tuple(
  fragmentArb,
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
  fc.option(fc.nat(), { nil: undefined }),
  fc.uint8Array({ maxLength: 8 }),
).map(([p, flips, cut, tail]) => {
  let q = Uint8Array.from([...p, ...tail]);
  for (const [at, x] of flips) q[at % q.length] ^= x;
  if (cut !== undefined) q = q.subarray(0, cut % (q.length + 1));
  return q;
});

describe.each(engines.map((core) => [core.engine, core]))("%s core", (_name, core) => {
  test("FragmentReassembler.insert() survives random and mutated packets within its limits", () => {
    const limits = { maxDatagrams: 4, maxBytes: 600, timeoutMs: 50, maxFragmentsPerDatagram: 5 };
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 120 }),
            fragmentArb,
            mutatedArb,
          ),
          { minLength: 1, maxLength: 60 },
        ),
        (packets) => {
          const fr = keep(new core.FragmentReassembler(limits));
          let now = 0;
          for (const packet of packets) {
            const r = fr.insert(packet, now);
            expect(STATUSES.has(r.status)).toBe(true);
            if (r.complete) {
              expect(["complete", "notFragment"]).toContain(r.status);
              const version = r.complete[0] >> 4;
              if (version === 4) {
                const ihl = (r.complete[0] & 15) * 4;
                expect(sum16(r.complete.subarray(0, ihl))).toBe(0xffff);
                expect((r.complete[2] << 8) | r.complete[3]).toBe(r.complete.length);
              } else {
                expect(version).toBe(6);
                expect((r.complete[4] << 8) | r.complete[5]).toBe(r.complete.length - 40);
              }
            } else {
              expect(r.status === "held" || typeof r.reason === "string").toBe(true);
            }
            expect(fr.bytesHeld).toBeLessThanOrEqual(limits.maxBytes);
            expect(fr.pending).toBeLessThanOrEqual(limits.maxDatagrams);
            now += packet.length % 7;
            if (packet.length % 5 === 0) fr.expire(now);
          }
          fr.expire(now + 50);
          expect(fr.bytesHeld).toBe(0);
          expect(fr.pending).toBe(0);
        },
      ),
      runs(400), // about 12 000 packets
    );
  });

  test("TcpReassembler matches a plain model under random inserts, reads and wrap-around", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("insert"),
        at: fc.integer({ min: -300, max: 2500 }),
        data: fc.uint8Array({ maxLength: 700 }),
      }),
      fc.record({ kind: fc.constant("read"), max: fc.nat({ max: 900 }) }),
      fc.record({ kind: fc.constant("sack") }),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: 1, max: 2048 }),
        fc.array(op, { maxLength: 40 }),
        (initialSeq, window, ops) => {
          const rx = keep(new core.TcpReassembler({ initialSeq, window, maxRanges: 4096 }));
          // The model: absolute offsets from initialSeq; first copy wins.
          const known = new Map();
          let next = 0; // first byte not yet in order
          let readPos = 0; // first byte not yet read
          for (const o of ops) {
            if (o.kind === "insert") {
              const start = next + o.at;
              const r = rx.insert((initialSeq + start) >>> 0, o.data);
              const limit = readPos + window;
              let fresh = 0, dup = 0, beyond = 0;
              o.data.forEach((b, i) => {
                const k = start + i;
                if (k < next || known.has(k)) dup++;
                else if (k >= limit) beyond++;
                else {
                  known.set(k, b);
                  fresh++;
                }
              });
              while (known.has(next)) next++;
              if (r.status === "out-of-window") expect(fresh).toBe(0);
              else {expect(r).toMatchObject({
                  accepted: fresh,
                  duplicate: dup,
                  outOfWindow: beyond,
                });}
            } else if (o.kind === "read") {
              const got = rx.read(o.max);
              const n = Math.min(o.max, next - readPos);
              expect(got.length).toBe(n);
              for (let i = 0; i < n; i++) {
                if (got[i] !== known.get(readPos + i)) {
                  throw new Error(`byte ${readPos + i} differs`);
                }
                known.delete(readPos + i);
              }
              readPos += n;
            } else {
              for (const [l, r] of rx.sackBlocks()) {
                const a = (l - initialSeq - next) >>> 0, b = (r - initialSeq - next) >>> 0;
                expect(0 < a && a < b && b <= window).toBe(true);
                for (const k of [a, b - 1]) expect(known.has(next + k)).toBe(true);
                expect(known.has(next + a - 1)).toBe(false);
                expect(known.has(next + b)).toBe(false);
              }
            }
            expect(rx.nextSeq).toBe((initialSeq + next) >>> 0);
            expect(rx.readable).toBe(next - readPos);
            expect(rx.window).toBe(window - (next - readPos));
            expect(rx.bufferedBytes).toBe(known.size);
          }
        },
      ),
      runs(500), // about 10 000 operations
    );
  });

  test("segmentTcp() answers arbitrary options with packets or a TypeError, RangeError or SyntaxError", () => {
    const value = fc.oneof(
      fc.integer({ min: -5, max: 70000 }),
      fc.constantFrom(0, 1, 4, 6, 14, 15, 40, 1460, 0xffffffff, 2 ** 32, NaN, 1.5),
      fc.boolean(),
      fc.constantFrom(null, undefined, "", "10.0.0.1", "::1", "1.2.3", "::g"),
      fc.constant(new Uint8Array(4)),
      fc.constant(new Uint8Array(16)),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 5 }),
      fc.record({ value: fc.nat(), echo: fc.nat() }),
    );
    const keys = [
      "src",
      "dst",
      "srcPort",
      "dstPort",
      "seq",
      "ack",
      "window",
      "sendMss",
      "syn",
      "fin",
      "psh",
      "rst",
      "ece",
      "cwr",
      "mss",
      "windowScale",
      "sackPermitted",
      "timestamp",
      "sack",
      "ttl",
      "tos",
      "ipId",
      "dontFragment",
      "flowLabel",
      "family",
    ];
    const valid = {
      src: "10.0.0.1",
      dst: "10.0.0.2",
      srcPort: 1,
      dstPort: 2,
      seq: 0,
      sendMss: 100,
    };
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 6 }),
        fc.nat({ max: 3000 }),
        (changes, length) => {
          try {
            const out = core.segmentTcp({ ...valid, ...changes }, new Uint8Array(length));
            expect(out.byteLength).toBe(out.lengths.reduce((a, b) => a + b, 0));
          } catch (e) {
            expect([TypeError, RangeError, SyntaxError]).toContain(e.constructor);
          }
        },
      ),
      runs(2000),
    );
  });
});
