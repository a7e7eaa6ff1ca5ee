// TCP reassembly in the core: known answers, the overlap policy, the window,
// sequence wrap-around, SACK blocks, and a property test that any
// permutation, duplication and overlap of a stream's segments reassembles to
// exactly the stream. Both builds.
import { afterEach, describe, expect, test, vi } from "vitest";
import fc from "fast-check";
import { instantiate } from "../build/socklab.js";

// Property tests and tshark take seconds; a loaded CI machine may need more.
vi.setConfig({ testTimeout: 30_000 });

const engines = await Promise.all([
  instantiate({ engine: "simd" }),
  instantiate({ engine: "scalar" }),
]);
const MOD = 2 ** 32;
const wrap = (n) => ((n % MOD) + MOD) % MOD;
/** Objects holding core memory, freed after each test (Node 20 lacks `using`). */
const held = [];
const keep = (x) => (held.push(x), x);
afterEach(() => held.splice(0).forEach((x) => x.free()));
const stream = (n, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe.each(engines.map((core) => [core.engine, core]))("%s core", (_name, core) => {
  const { TcpReassembler } = core;
  const open = (initialSeq = 1000, window = 100, maxRanges) =>
    new TcpReassembler({ initialSeq, window, maxRanges });

  test("insert() of in-order segments makes them readable and advances nextSeq", () => {
    const rx = keep(open());
    const data = stream(30);
    expect(rx.insert(1000, data.subarray(0, 10))).toEqual({
      status: "stored",
      accepted: 10,
      duplicate: 0,
      outOfWindow: 0,
    });
    rx.insert(1010, data.subarray(10, 30));
    expect(rx.nextSeq).toBe(1030);
    expect(rx.readable).toBe(30);
    expect(rx.window).toBe(70);
    expect(rx.read(12)).toEqual(data.subarray(0, 12));
    expect(rx.window).toBe(82);
    expect(rx.read()).toEqual(data.subarray(12));
    expect(rx.read()).toEqual(new Uint8Array(0));
  });

  test("insert() holds out-of-order bytes until the gap before them fills", () => {
    const rx = keep(open());
    const data = stream(30);
    rx.insert(1020, data.subarray(20, 30));
    expect(rx.readable).toBe(0);
    expect(rx.outOfOrderBytes).toBe(10);
    expect(rx.nextSeq).toBe(1000);
    rx.insert(1000, data.subarray(0, 20));
    expect(rx.outOfOrderBytes).toBe(0);
    expect(rx.ranges).toBe(0);
    expect(rx.read()).toEqual(data);
  });

  test("insert() of bytes already delivered or held reports them as duplicate", () => {
    const rx = keep(open());
    const data = stream(40);
    rx.insert(1000, data.subarray(0, 10));
    rx.read();
    rx.insert(1020, data.subarray(20, 30));
    expect(rx.insert(1000, data.subarray(0, 10))).toMatchObject({
      status: "duplicate",
      accepted: 0,
      duplicate: 10,
    });
    expect(rx.insert(1022, data.subarray(22, 28)).status).toBe("duplicate");
    // Partly old, partly new: the old part counts as duplicate.
    expect(rx.insert(1005, data.subarray(5, 25))).toEqual({
      status: "stored",
      accepted: 10,
      duplicate: 10,
      outOfWindow: 0,
    });
    expect(rx.read()).toEqual(data.subarray(10, 30));
  });

  test("insert() keeps the first copy of overlapping bytes", () => {
    const rx = keep(open());
    rx.insert(1010, new Uint8Array(10).fill(0xaa)); // [1010, 1020)
    const result = rx.insert(1005, new Uint8Array(20).fill(0xbb)); // [1005, 1025)
    expect(result).toMatchObject({ accepted: 10, duplicate: 10 });
    rx.insert(1000, new Uint8Array(5).fill(0xcc));
    expect(Array.from(rx.read())).toEqual([
      ...Array(5).fill(0xcc),
      ...Array(5).fill(0xbb),
      ...Array(10).fill(0xaa),
      ...Array(5).fill(0xbb),
    ]);
  });

  test("insert() drops bytes beyond the receive window and counts them", () => {
    const rx = keep(open(1000, 100));
    expect(rx.insert(1090, stream(20))).toEqual({
      status: "stored",
      accepted: 10,
      duplicate: 0,
      outOfWindow: 10,
    });
    expect(rx.insert(1100, stream(5))).toMatchObject({
      status: "out-of-window",
      accepted: 0,
      outOfWindow: 5,
    });
    expect(rx.insert(1100, stream(5)).reason).toMatch(/beyond the receive window/);
  });

  test("window shrinks by unread bytes and reopens as the application reads", () => {
    const rx = keep(open(0, 50));
    rx.insert(0, stream(50));
    expect(rx.window).toBe(0);
    expect(rx.insert(50, stream(1)).status).toBe("out-of-window");
    rx.read(20);
    expect(rx.window).toBe(20);
    expect(rx.insert(50, stream(30)).outOfWindow).toBe(10);
    expect(rx.readable).toBe(50);
  });

  test("sequence numbers wrap at 2^32 for in-order and out-of-order bytes", () => {
    const start = 0xffffffff - 9;
    const rx = keep(open(start, 100));
    const data = stream(60);
    rx.insert(wrap(start + 40), data.subarray(40, 60));
    expect(rx.sackBlocks()).toEqual([[wrap(start + 40), wrap(start + 60)]]);
    rx.insert(start, data.subarray(0, 15));
    expect(rx.nextSeq).toBe(wrap(start + 15));
    rx.insert(wrap(start + 15), data.subarray(15, 40));
    expect(rx.nextSeq).toBe(50);
    expect(rx.read()).toEqual(data);
    // Before RCV.NXT across the wrap: old.
    expect(rx.insert(0xfffffffe, stream(4)).status).toBe("duplicate");
  });

  test("sackBlocks() lists held ranges most recently grown first (RFC 2018 §4)", () => {
    const rx = keep(open(0, 1000));
    rx.insert(100, stream(10)); // [100,110)
    rx.insert(300, stream(10)); // [300,310)
    rx.insert(500, stream(10)); // [500,510)
    expect(rx.sackBlocks()).toEqual([[500, 510], [300, 310], [100, 110]]);
    rx.insert(110, stream(10)); // grows [100,120): now most recent
    expect(rx.sackBlocks()).toEqual([[100, 120], [500, 510], [300, 310]]);
    rx.insert(700, stream(10));
    rx.insert(900, stream(10));
    expect(rx.sackBlocks()).toHaveLength(4);
    expect(rx.sackBlocks(3)).toEqual([[900, 910], [700, 710], [100, 120]]);
    rx.insert(310, stream(190)); // joins [300,510)
    expect(rx.sackBlocks()[0]).toEqual([300, 510]);
    rx.insert(0, stream(100)); // fills up to 120: that range is delivered
    expect(rx.sackBlocks()).toEqual([[300, 510], [900, 910], [700, 710]]);
    expect(rx.nextSeq).toBe(120);
  });

  test("insert() refuses a segment that would open more ranges than maxRanges", () => {
    const rx = keep(open(0, 1000, 2));
    rx.insert(100, stream(10));
    rx.insert(300, stream(10));
    const refused = rx.insert(500, stream(10));
    expect(refused).toMatchObject({ status: "too-many-ranges", accepted: 0 });
    expect(refused.reason).toMatch(/maxRanges/);
    // Extending a range or filling in order is still fine.
    expect(rx.insert(110, stream(10)).accepted).toBe(10);
    expect(rx.insert(0, stream(50)).accepted).toBe(50);
    expect(rx.ranges).toBe(2);
  });

  test("peek() and consume() read in place, in two runs when the ring wraps", () => {
    const rx = keep(open(0, 16));
    rx.insert(0, stream(12));
    rx.read(10);
    const data = stream(14, 99);
    rx.insert(12, data); // ring positions 12..15 then 0..9
    expect(rx.readable).toBe(16);
    const whole = Uint8Array.from([...stream(12).subarray(10), ...data]);
    const first = rx.peek(); // ring positions 10..15
    expect(first).toEqual(whole.subarray(0, 6));
    expect(rx.consume(first.length)).toBe(6);
    expect(rx.peek()).toEqual(whole.subarray(6)); // positions 0..9
    expect(rx.read()).toEqual(whole.subarray(6));
  });

  test("readInto() fills the caller's buffer from both runs of the ring and returns the count", () => {
    const rx = keep(open(0, 16));
    rx.insert(0, stream(12));
    rx.read(10);
    const data = stream(14, 99);
    rx.insert(12, data);
    const whole = Uint8Array.from([...stream(12).subarray(10), ...data]);
    const small = new Uint8Array(5);
    expect(rx.readInto(small)).toBe(5);
    expect(small).toEqual(whole.subarray(0, 5));
    const big = new Uint8Array(40);
    expect(rx.readInto(big)).toBe(11); // 1 byte from ring positions 15, then 10 from 0..9
    expect(big.subarray(0, 11)).toEqual(whole.subarray(5));
    expect(rx.readInto(big)).toBe(0);
    expect(rx.window).toBe(16);
    expect(() => rx.readInto([])).toThrow(TypeError);
  });

  test("every packet function keeps working after the core's memory grows", () => {
    const rx = keep(open(0, 64));
    rx.insert(0, stream(10));
    const before = core.memory.buffer;
    const big = keep(core.alloc(before.byteLength)); // cannot fit: memory grows
    expect(core.memory.buffer).not.toBe(before);
    big.bytes.fill(1);
    rx.insert(10, stream(10, 3));
    expect(rx.read()).toEqual(Uint8Array.from([...stream(10), ...stream(10, 3)]));
    const out = core.segmentTcp({
      src: "10.0.0.1",
      dst: "10.0.0.2",
      srcPort: 1,
      dstPort: 2,
      seq: 0,
      sendMss: 100,
    }, stream(150));
    expect(out.count).toBe(2);
    const fr = keep(new core.FragmentReassembler());
    expect(fr.insert(out.bytes.subarray(0, out.lengths[0]), 0).status).toBe("notFragment");
  });

  test("insert() takes bytes already in core memory in place", () => {
    const rx = keep(open(0, 64));
    const buf = keep(core.alloc(32));
    buf.bytes.set(stream(32));
    rx.insert(0, buf);
    rx.insert(32, buf.bytes.subarray(0, 8));
    expect(rx.read()).toEqual(Uint8Array.from([...stream(32), ...stream(8)]));
  });

  test("free() returns the window to the core: a thousand 1 MiB reassemblers in turn", () => {
    const before = core.memory.buffer.byteLength;
    for (let i = 0; i < 1000; i++) {
      const rx = new TcpReassembler({ initialSeq: i, window: 1 << 20 });
      rx.insert(i + 10, stream(100));
      rx.free();
    }
    // Leaking would grow memory by 1000 MiB; allow for some fragmentation.
    expect(core.memory.buffer.byteLength - before).toBeLessThanOrEqual(16 << 20);
  });

  test("bad arguments throw TypeError or RangeError naming them; a freed reassembler throws", () => {
    expect(() => new TcpReassembler()).toThrow(TypeError);
    expect(() => new TcpReassembler({ initialSeq: -1, window: 10 })).toThrow(/initialSeq/);
    expect(() => new TcpReassembler({ initialSeq: 0, window: 0 })).toThrow(RangeError);
    expect(() => new TcpReassembler({ initialSeq: 0, window: 2 ** 28 + 1 })).toThrow(/window/);
    const rx = open();
    expect(() => rx.insert(2 ** 32, stream(1))).toThrow(RangeError);
    expect(() => rx.insert(0, [1, 2])).toThrow(TypeError);
    expect(() => rx.read(-1)).toThrow(RangeError);
    expect(() => rx.sackBlocks(5)).toThrow(RangeError);
    rx.free();
    rx.free();
    expect(() => rx.insert(0, stream(1))).toThrow(/freed/);
    expect(() => rx.nextSeq).toThrow(TypeError);
  });

  test("any permutation, duplication and overlap of a stream's segments reassembles to the stream", () => {
    const scenario = fc.record({
      length: fc.integer({ min: 1, max: 3000 }),
      initialSeq: fc.oneof(fc.constantFrom(0, 0xffffffff, 0xffffff00), fc.nat({ max: 0xffffffff })),
      window: fc.integer({ min: 32, max: 4096 }), // tiny windows: see the fuzz test
      cuts: fc.array(fc.nat(), { maxLength: 40 }),
      extra: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 600 })), { maxLength: 20 }),
      order: fc.array(fc.nat(), { maxLength: 80 }),
      readEvery: fc.integer({ min: 1, max: 8 }),
    });
    fc.assert(
      fc.property(scenario, ({ length, initialSeq, window, cuts, extra, order, readEvery }) => {
        const data = stream(length, initialSeq & 0xff);
        // Segments: a partition of the stream, plus overlapping extras.
        const points = [...new Set([0, length, ...cuts.map((c) => c % length)])].sort((a, b) =>
          a - b
        );
        const segments = [];
        for (let i = 1; i < points.length; i++) segments.push([points[i - 1], points[i]]);
        for (const [at, len] of extra) {
          const s = at % length;
          segments.push([s, Math.min(length, s + len + 1)]);
        }
        // Shuffle deterministically from `order`, duplicating some.
        const queue = segments.slice();
        order.forEach((o, i) => {
          const j = o % queue.length;
          [queue[i % queue.length], queue[j]] = [queue[j], queue[i % queue.length]];
          if (o % 5 === 0) queue.push(queue[j]);
        });
        const rx = keep(new TcpReassembler({ initialSeq, window, maxRanges: 4096 }));
        const got = [];
        let received = 0;
        // Rounds: offer everything still needed, read some; what the window
        // dropped is offered again next round, as a sender would retransmit.
        for (let round = 0; received < length; round++) {
          if (round > length + 10) throw new Error("no progress");
          queue.forEach(([s, e], i) => {
            const r = rx.insert(wrap(initialSeq + s), data.subarray(s, e));
            if (r.accepted + r.duplicate + r.outOfWindow !== e - s) {
              throw new Error(`miscount ${s} ${e} ${JSON.stringify(r)} ${rx.nextSeq} ${rx.window}`);
            }
            if (i % readEvery === 0) {
              const chunk = rx.read();
              got.push(chunk);
              received += chunk.length;
            }
          });
          const chunk = rx.read();
          got.push(chunk);
          received += chunk.length;
        }
        const all = new Uint8Array(received);
        let at = 0;
        for (const c of got) {
          all.set(c, at);
          at += c.length;
        }
        expect(Buffer.compare(all, data)).toBe(0);
        expect(rx.nextSeq).toBe(wrap(initialSeq + length));
        expect(rx.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test("sackBlocks() always describes exactly the bytes held out of order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 500 }), fc.integer({ min: 1, max: 60 })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.nat({ max: 0xffffffff }),
        (segments, initialSeq) => {
          const rx = keep(new TcpReassembler({ initialSeq, window: 512, maxRanges: 4096 }));
          const have = new Set(); // offsets received, a plain model
          for (const [s, len] of segments) {
            const r = rx.insert(wrap(initialSeq + s), stream(len));
            for (let k = s; k < Math.min(s + len, 512); k++) have.add(k);
            let next = 0;
            while (have.has(next)) next++;
            expect(rx.nextSeq).toBe(wrap(initialSeq + next));
            const held = [...have].filter((k) => k > next).sort((a, b) => a - b);
            expect(rx.outOfOrderBytes).toBe(held.length);
            // Model ranges of held bytes.
            const ranges = [];
            for (const k of held) {
              const last = ranges.at(-1);
              if (last && last[1] === k) last[1]++;
              else ranges.push([k, k + 1]);
            }
            expect(rx.ranges).toBe(ranges.length);
            const blocks = rx.sackBlocks().map((
              [l, r],
            ) => [wrap(l - initialSeq), wrap(r - initialSeq)]);
            expect(blocks.length).toBe(Math.min(4, ranges.length));
            for (const b of blocks) expect(ranges).toContainEqual(b);
            // RFC 2018: the first block holds the segment that just arrived.
            if (r.accepted > 0 && s > next) {
              expect(blocks[0][0] <= s && s < blocks[0][1]).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
