import assert from "node:assert/strict";
import { crc32 as zlibCrc32 } from "node:zlib";
import { randomBytes } from "node:crypto";
import { alloc, crc32, crc32c, engine, inetChecksum } from "./checksum.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

Deno.test("the core loads in Deno with the SIMD build", () => {
  assert.equal(engine, "simd");
});

Deno.test("crc32() and crc32c() give the catalogue check values", () => {
  assert.equal(crc32(ascii("123456789")), 0xcbf43926);
  assert.equal(crc32c(ascii("123456789")), 0xe3069283);
});

Deno.test("crc32() agrees with node:zlib for random data, chained and in core memory", () => {
  const data = new Uint8Array(randomBytes(70_000));
  assert.equal(crc32(data), zlibCrc32(data));
  assert.equal(crc32(data.subarray(33), crc32(data.subarray(0, 33))), zlibCrc32(data));
  const buf = alloc(data.length);
  try {
    buf.bytes.set(data);
    assert.equal(crc32(buf), zlibCrc32(data));
  } finally {
    buf.free();
  }
});

Deno.test("inetChecksum() of the RFC 1071 §3 example is 0x220D", () => {
  assert.equal(
    inetChecksum(new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])),
    0x220d,
  );
});

Deno.test("crc32() rejects bad input with the core's errors", () => {
  assert.throws(() => crc32("x" as unknown as Uint8Array), TypeError);
  assert.throws(() => crc32(new Uint8Array(1), -1), RangeError);
  assert.throws(() => crc32(new Uint8Array(1), 0.5), RangeError);
});
