// Known answers and cross-checks for the core's checksums, for both builds.
import { describe, expect, test } from "vitest";
import { crc32 as zlibCrc32 } from "node:zlib";
import { randomBytes } from "node:crypto";
import { inetChecksumAdjust, instantiate } from "../build/socklab.js";

const engines = await Promise.all([
  instantiate({ engine: "simd" }),
  instantiate({ engine: "scalar" }),
]);
const ascii = (s) => new TextEncoder().encode(s);
const hex = (s) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g), (b) => parseInt(b, 16));

/** Plain RFC 1071 reference: big-endian words, end-around carry, complement. */
function referenceInet(data) {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) {
    sum += (data[i] << 8) | (i + 1 < data.length ? data[i + 1] : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** Bit-at-a-time CRC-32C reference (reflected 0x82F63B78). */
function referenceCrc32c(data, crc = 0) {
  crc = ~crc >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** Deterministic pseudo-random generator (xorshift32), so failures replay. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe.each(engines.map((core) => [core.engine, core]))("%s core", (_name, core) => {
  test("crc32() of '123456789' is the catalogue check value 0xCBF43926", () => {
    expect(core.crc32(ascii("123456789"))).toBe(0xcbf43926);
  });

  test("crc32c() of '123456789' is the catalogue check value 0xE3069283", () => {
    expect(core.crc32c(ascii("123456789"))).toBe(0xe3069283);
  });

  test("crc32c() matches RFC 3720 B.4 vectors (32 zero bytes, 32 0xFF bytes, 0..31)", () => {
    expect(core.crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(core.crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(core.crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  test("crc32() and crc32c() of nothing are 0 and keep the seed", () => {
    expect(core.crc32(new Uint8Array(0))).toBe(0);
    expect(core.crc32c(new Uint8Array(0), 0x12345678)).toBe(0x12345678);
  });

  test("inetChecksum() reproduces the RFC 1071 §3 worked example", () => {
    const data = hex("00 01 f2 03 f4 f5 f6 f7");
    const acc = new core.InetChecksum().update(data);
    expect(acc.sum).toBe(0xddf2);
    expect(acc.digest()).toBe(0x220d);
  });

  test("inetChecksum() of a real IPv4 header with its field zeroed is the field's value", () => {
    // A captured header (192.168.0.1 -> 192.168.0.199, UDP) whose checksum is 0xB861.
    const header = hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
    expect(core.inetChecksum(header)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(core.inetChecksum(header)).toBe(0);
  });

  test("crc32() agrees with node:zlib for every length 0..4096 at random offsets", () => {
    const next = rng(1);
    const pool = randomBytes(4096 + 64);
    for (let len = 0; len <= 4096; len++) {
      const off = Math.floor(next() * 64);
      const data = pool.subarray(off, off + len);
      const seed = len % 7 === 0 ? 0 : Math.floor(next() * 2 ** 32);
      expect(core.crc32(data, seed)).toBe(zlibCrc32(data, seed));
    }
  });

  test("crc32c() agrees with a bitwise reference for every length 0..4096 at random offsets", () => {
    const next = rng(2);
    const pool = randomBytes(4096 + 64);
    for (let len = 0; len <= 4096; len++) {
      const off = Math.floor(next() * 64);
      const data = pool.subarray(off, off + len);
      const seed = len % 7 === 0 ? 0 : Math.floor(next() * 2 ** 32);
      expect(core.crc32c(data, seed)).toBe(referenceCrc32c(data, seed));
    }
  });

  test("CRCs agree with their references across the sparse reduction's block edges", () => {
    // The core reduces in 8 KiB blocks after a 266..331-byte window, and the
    // wrapper copies Uint8Arrays in in 64 KiB pieces: cross both edges.
    const next = rng(6);
    const pool = randomBytes(3 * 65536 + 64);
    const edges = [8192, 16384, 65536, 131072];
    const lengths = [];
    for (const edge of edges) {
      for (const delta of [-333, -301, -300, -267, -266, -33, -1, 0, 1, 31, 32, 300, 331]) {
        lengths.push(edge + delta);
      }
    }
    for (const len of lengths) {
      const off = Math.floor(next() * 64);
      const data = pool.subarray(off, off + len);
      const seed = Math.floor(next() * 2 ** 32);
      expect(core.crc32(data, seed)).toBe(zlibCrc32(data, seed));
      if (len < 20000) expect(core.crc32c(data, seed)).toBe(referenceCrc32c(data, seed));
    }
  });

  test("CRCs of runs of 0x00 and 0xFF match their references on every path", () => {
    // Tables below 64 bytes, bit-level reduction from 64, lane-wide from 768
    // (SIMD) or 2048 (scalar) bytes.
    for (const fill of [0x00, 0xff]) {
      for (const len of [63, 64, 65, 767, 768, 769, 2047, 2048, 2049, 5000]) {
        const data = new Uint8Array(len).fill(fill);
        expect(core.crc32(data)).toBe(zlibCrc32(data));
        expect(core.crc32(data, 0xffffffff)).toBe(zlibCrc32(data, 0xffffffff));
        expect(core.crc32c(data)).toBe(referenceCrc32c(data));
      }
    }
  });

  test("inetChecksum() agrees with a plain reference for every length 0..4096 at random offsets", () => {
    const next = rng(3);
    const pool = randomBytes(4096 + 64);
    for (let len = 0; len <= 4096; len++) {
      const off = Math.floor(next() * 64);
      const data = pool.subarray(off, off + len);
      expect(core.inetChecksum(data)).toBe(referenceInet(data));
    }
  });

  test("inetChecksum() of extreme words across the 256 KiB lane-drain edge matches the reference", () => {
    // Words 0x0000 and 0xFFFF are the ends of the biased pmaddwd range; 0x8000
    // and 0x7FFF sit at its sign flip. Lanes drain every 256 KiB.
    const patterns = [[0x00, 0x00], [0xff, 0xff], [0x00, 0x80], [0xff, 0x7f], [0x80, 0x00]];
    const drain = 256 * 1024;
    for (const [lo, hi] of patterns) {
      const data = new Uint8Array(drain + 200);
      for (let i = 0; i < data.length; i += 2) {
        data[i] = lo;
        data[i + 1] = hi;
      }
      for (const len of [drain - 64, drain - 1, drain, drain + 1, drain + 63, drain + 200]) {
        const part = data.subarray(0, len);
        expect(core.inetChecksum(part)).toBe(referenceInet(part));
        const odd = data.subarray(1, len);
        expect(core.inetChecksum(odd)).toBe(referenceInet(odd));
      }
    }
  });

  test("inetChecksum() of byte arrays copied in across 64 KiB pieces matches in-place sums", () => {
    const next = rng(7);
    const pool = randomBytes(3 * 65536 + 64);
    const buf = core.alloc(pool.length);
    try {
      for (const len of [65535, 65536, 65537, 131071, 131072 + 3, 3 * 65536]) {
        const off = Math.floor(next() * 64);
        const data = pool.subarray(off, off + len);
        buf.bytes.set(data);
        const inPlace = buf.bytes.subarray(0, len);
        expect(core.inetChecksum(data)).toBe(referenceInet(data));
        expect(core.inetChecksum(inPlace)).toBe(referenceInet(data));
        expect(new core.InetChecksum().update(data).sum).toBe(
          new core.InetChecksum().update(inPlace).sum,
        );
      }
    } finally {
      buf.free();
    }
  });

  test("short inputs in core memory and in plain arrays give the same results", () => {
    // Up to 256 bytes the wrapper copies without asking where the bytes live.
    const next = rng(8);
    const buf = core.alloc(600);
    try {
      buf.bytes.set(randomBytes(600));
      for (const len of [0, 1, 2, 3, 15, 16, 17, 63, 64, 255, 256, 257, 300]) {
        const off = Math.floor(next() * 64);
        const view = buf.bytes.subarray(off, off + len);
        const copy = view.slice();
        expect(core.crc32(view, 7)).toBe(zlibCrc32(copy, 7));
        expect(core.crc32c(view)).toBe(core.crc32c(copy));
        expect(core.inetChecksum(view)).toBe(referenceInet(copy));
      }
    } finally {
      buf.free();
    }
  });

  test("inetChecksum() of all-0xFF input (maximal carries) over 1 MiB matches the reference", () => {
    const data = new Uint8Array(1 << 20).fill(0xff);
    expect(core.inetChecksum(data)).toBe(referenceInet(data));
    const odd = data.subarray(1, (1 << 20) - 2);
    expect(core.inetChecksum(odd)).toBe(referenceInet(odd));
  });

  test("checksums split at any points chain to the one-pass value", () => {
    const next = rng(4);
    for (let round = 0; round < 300; round++) {
      const data = randomBytes(1 + Math.floor(next() * 3000));
      const cuts = [
        0,
        ...Array.from({ length: 4 }, () => Math.floor(next() * data.length)),
        data.length,
      ]
        .sort((a, b) => a - b);
      const parts = cuts.slice(1).map((end, i) => data.subarray(cuts[i], end));
      expect(core.inetChecksum(...parts)).toBe(core.inetChecksum(data));
      expect(parts.reduce((c, p) => core.crc32(p, c), 0)).toBe(core.crc32(data));
      expect(parts.reduce((c, p) => core.crc32c(p, c), 0)).toBe(core.crc32c(data));
    }
  });

  test("checksums over pieces long enough for the sparse path chain to the one-pass value", () => {
    const next = rng(9);
    for (let round = 0; round < 20; round++) {
      const data = randomBytes(2000 + Math.floor(next() * 150000));
      const cuts = [
        0,
        ...Array.from({ length: 3 }, () => Math.floor(next() * data.length)),
        data.length,
      ]
        .sort((a, b) => a - b);
      const parts = cuts.slice(1).map((end, i) => data.subarray(cuts[i], end));
      expect(parts.reduce((c, p) => core.crc32(p, c), 0)).toBe(zlibCrc32(data));
      expect(parts.reduce((c, p) => core.crc32c(p, c), 0)).toBe(core.crc32c(data));
      expect(core.inetChecksum(...parts)).toBe(referenceInet(data));
    }
  });

  test("checksums larger than the scratch area (16 MiB + 3) match one in-memory pass", () => {
    const data = randomBytes(16 * 1024 * 1024 + 3);
    const buf = core.alloc(data.length);
    try {
      buf.bytes.set(data);
      expect(core.crc32(data)).toBe(zlibCrc32(data));
      expect(core.crc32(buf)).toBe(zlibCrc32(data));
      expect(core.inetChecksum(data)).toBe(core.inetChecksum(buf.bytes));
      expect(core.crc32c(data)).toBe(core.crc32c(buf));
    } finally {
      buf.free();
    }
  });

  test("a CoreBuffer survives memory growth and its fresh views read in place", () => {
    const a = core.alloc(1000);
    a.bytes.set(ascii("123456789"));
    const stale = a.bytes;
    const before = core.memory.buffer.byteLength;
    const big = core.alloc(before); // more than is free: forces memory.grow
    expect(core.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(stale.length).toBe(0); // the old view was detached by the growth
    expect(core.crc32(a.bytes.subarray(0, 9))).toBe(0xcbf43926);
    expect(core.crc32(a).toString(16)).toBe(zlibCrc32(a.bytes).toString(16));
    big.free();
    a.free();
    expect(() => a.bytes).toThrow(/freed/);
    expect(() => core.crc32(a)).toThrow(TypeError);
  });

  test("after memory grows, views of core memory long and short are found and read in place", () => {
    const a = core.alloc(5000);
    try {
      a.bytes.set(randomBytes(5000));
      const before = zlibCrc32(a.bytes);
      const big = core.alloc(core.memory.buffer.byteLength); // forces memory.grow
      big.free();
      for (const len of [9, 256, 257, 5000]) {
        const view = a.bytes.subarray(0, len);
        expect(view.buffer).toBe(core.memory.buffer);
        expect(core.crc32(view)).toBe(zlibCrc32(view.slice()));
        expect(core.crc32c(view)).toBe(core.crc32c(view.slice()));
        expect(core.inetChecksum(view)).toBe(referenceInet(view));
      }
      expect(core.crc32(a)).toBe(before);
    } finally {
      a.free();
    }
  });

  test("a million calls and alloc/free cycles do not grow memory", () => {
    const packet = randomBytes(1500);
    core.crc32(packet);
    const size = core.memory.buffer.byteLength;
    for (let i = 0; i < 1_000_000; i++) core.inetChecksum(packet);
    for (let i = 0; i < 100_000; i++) core.alloc(2048).free();
    expect(core.memory.buffer.byteLength).toBe(size);
  });

  test("bad arguments get a TypeError or RangeError that names the function", () => {
    expect(() => core.crc32("abc")).toThrow(
      new TypeError("crc32(): data must be a Uint8Array or CoreBuffer, got string"),
    );
    expect(() => core.crc32c([1, 2, 3])).toThrow(TypeError);
    expect(() => core.inetChecksum(new Uint16Array(4))).toThrow(
      /Uint8Array or CoreBuffer, got Uint16Array/,
    );
    expect(() => core.crc32(new Uint8Array(1), -1)).toThrow(RangeError);
    expect(() => core.crc32(new Uint8Array(1), 2 ** 32)).toThrow(/0 to 0xFFFFFFFF, got 4294967296/);
    expect(() => core.crc32c(new Uint8Array(1), 1.5)).toThrow(RangeError);
    expect(() => core.crc32(new Uint8Array(1), "1")).toThrow(TypeError);
    expect(() => core.crc32(null)).toThrow(
      new TypeError("crc32(): data must be a Uint8Array or CoreBuffer, got null"),
    );
    expect(() => core.crc32c(undefined)).toThrow(/got undefined/);
    expect(() => core.inetChecksum("ab")).toThrow(
      new TypeError("InetChecksum.update(): data must be a Uint8Array or CoreBuffer, got string"),
    );
    expect(() => core.alloc(-1)).toThrow(RangeError);
    expect(() => core.alloc("8")).toThrow(TypeError);
  });
});

describe("inetChecksumAdjust()", () => {
  test("matches a full recomputation after a TTL decrement and an address rewrite", () => {
    const [core] = engines;
    const header = hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
    const word = (i) => (header[i] << 8) | header[i + 1];
    const put = (i, v) => {
      header[i] = v >>> 8;
      header[i + 1] = v & 0xff;
    };
    const next = rng(5);
    for (let round = 0; round < 2000; round++) {
      const at = [0, 2, 4, 6, 8, 12, 14, 16, 18][Math.floor(next() * 9)];
      const old = word(at);
      const value = Math.floor(next() * 0x10000);
      put(at, value);
      const adjusted = inetChecksumAdjust(word(10), old, value);
      put(10, 0);
      const full = core.inetChecksum(header);
      // RFC 1624: eqn. 3 can yield 0x0000 where a full pass yields 0xFFFF; both verify.
      expect(adjusted === full || (adjusted ^ full) === 0xffff && (full === 0 || full === 0xffff))
        .toBe(true);
      put(10, adjusted);
      expect([0, 0xffff]).toContain(core.inetChecksum(header));
    }
  });

  test("rejects values outside 16 bits", () => {
    expect(() => inetChecksumAdjust(0x10000, 0, 0)).toThrow(RangeError);
    expect(() => inetChecksumAdjust(0, "1", 0)).toThrow(TypeError);
  });
});
