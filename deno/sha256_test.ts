import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { createSha256, hmacSha256, Sha256, sha256Hex } from "./sha256.ts";

const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));

Deno.test("sha256Hex() matches the FIPS 180-4 example messages", () => {
  const vectors: [Uint8Array, string][] = [
    [text(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [text("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    [
      new Uint8Array(1_000_000).fill(0x61),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    ],
  ];
  for (const [message, digest] of vectors) assert.equal(sha256Hex(message), digest);
});

Deno.test("Sha256 fed in pieces of every size agrees with node:crypto at every length around a block", () => {
  const data = new Uint8Array(300).map((_, i) => (i * 31 + 7) & 0xff);
  for (let n = 0; n <= 200; n++) {
    const message = data.subarray(0, n);
    const want = createHash("sha256").update(message).digest("hex");
    assert.equal(sha256Hex(message), want, `length ${n}`);
    for (const piece of [1, 3, 63, 64, 65]) {
      const h = new Sha256();
      for (let off = 0; off < n; off += piece) h.update(message.subarray(off, off + piece));
      assert.equal(h.hex(), want, `length ${n} in pieces of ${piece}`);
    }
  }
});

Deno.test("Sha256 refuses a second digest, an update after it, and bytes that are not a Uint8Array", () => {
  const h = new Sha256();
  h.digest();
  assert.throws(() => h.digest(), TypeError);
  assert.throws(() => h.update(new Uint8Array(1)), /already taken/);
  assert.throws(() => new Sha256().update("abc" as unknown as Uint8Array), TypeError);
});

Deno.test("hmacSha256() matches RFC 4231 test cases 1, 2, 3 and 6 (a key longer than a block)", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [
      new Uint8Array(20).fill(0x0b),
      text("Hi There"),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ],
    [
      text("Jefe"),
      text("what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ],
    [
      new Uint8Array(20).fill(0xaa),
      new Uint8Array(50).fill(0xdd),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ],
    [
      new Uint8Array(131).fill(0xaa),
      text("Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
  ];
  for (const [key, message, mac] of cases) assert.equal(hex(hmacSha256(key, message)), mac);
  const key = unhex("000102030405060708090a0b0c0d0e0f");
  assert.equal(
    hex(hmacSha256(key, text("10.0.0.1|80|10.0.0.2|80"))),
    createHmac("sha256", key).update("10.0.0.1|80|10.0.0.2|80").digest("hex"),
  );
});

Deno.test("createSha256() is native in Deno and agrees with the plain Sha256", () => {
  const data = new Uint8Array(100_000).map((_, i) => (i * 13) & 0xff);
  const native = createSha256();
  assert.ok(!(native instanceof Sha256));
  const want = new Sha256().update(data.subarray(0, 777)).update(data.subarray(777)).hex();
  assert.equal(native.update(data.subarray(0, 777)).update(data.subarray(777)).hex(), want);
  assert.equal(hex(createSha256().update(data).digest()), want);
  assert.throws(() => createSha256().update([1] as unknown as Uint8Array), TypeError);
});
