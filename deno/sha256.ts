/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) in plain synchronous
 * TypeScript, for code that must run the same in Deno, Node and a browser:
 * a simulated transfer hashes what each end sent and read, and RFC 6528
 * initial sequence numbers are a keyed hash of the 4-tuple. Browsers have no
 * `node:crypto`, and WebCrypto's digest is asynchronous, which a synchronous
 * simulation step cannot wait for.
 *
 * {@link createSha256} hands out the runtime's native SHA-256 where there is
 * one (`node:crypto`, reached through `process.getBuiltinModule` in Deno and
 * Node, about ten times faster on CPUs with SHA instructions) and this
 * module's {@link Sha256} elsewhere; both give the same digests. It is not
 * constant-time and not meant for secrets that an attacker can time;
 * `crypto.subtle` is the tool for those.
 *
 * @example
 * ```ts
 * import { createSha256, hmacSha256, Sha256, sha256Hex } from "./sha256.ts";
 * import assert from "node:assert/strict";
 * const abc = new TextEncoder().encode("abc");
 * assert.equal(
 *   sha256Hex(abc),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * const h = new Sha256().update(abc.subarray(0, 1)).update(abc.subarray(1));
 * assert.equal(h.hex(), sha256Hex(abc));
 * assert.equal(createSha256().update(abc).hex(), sha256Hex(abc));
 * assert.equal(hmacSha256(new Uint8Array(16), abc).length, 32);
 * ```
 *
 * @module
 */

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube
// roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

// §5.3.3: the initial hash value.
const H0 = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];

/** A running SHA-256: what {@link createSha256} returns. */
export interface Sha256Hash {
  /** Adds bytes to the message; returns the hash, for chaining. */
  update(data: Uint8Array): this;
  /** Finishes the hash: the 32-byte digest (once only). */
  digest(): Uint8Array;
  /** Finishes the hash: the digest as 64 lowercase hex digits (once only). */
  hex(): string;
}

/**
 * An incremental SHA-256 in plain TypeScript: {@link Sha256.update} any number of times, then
 * {@link Sha256.digest} (or {@link Sha256.hex}) once.
 *
 * @example Hashing in pieces
 * ```ts
 * import { Sha256 } from "./sha256.ts";
 * import assert from "node:assert/strict";
 * const h = new Sha256();
 * assert.equal(
 *   h.hex(),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export class Sha256 implements Sha256Hash {
  readonly #state = new Int32Array(H0);
  readonly #block = new Uint8Array(64);
  readonly #w = new Int32Array(16);
  #filled = 0;
  #length = 0;
  #done = false;

  /**
   * Adds bytes to the message.
   *
   * @param data The next bytes.
   * @returns This hash, for chaining.
   * @throws {TypeError} If `data` is not a Uint8Array, or after the digest was taken.
   */
  update(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`Sha256.update: data must be a Uint8Array, got ${typeof data}`);
    }
    if (this.#done) throw new TypeError("Sha256.update: the digest was already taken");
    this.#length += data.length;
    let off = 0;
    if (this.#filled > 0) {
      const take = Math.min(64 - this.#filled, data.length);
      this.#block.set(data.subarray(0, take), this.#filled);
      this.#filled += take;
      off = take;
      if (this.#filled < 64) return this;
      this.#compress(this.#block, 0);
      this.#filled = 0;
    }
    for (; off + 64 <= data.length; off += 64) this.#compress(data, off);
    if (off < data.length) {
      this.#block.set(data.subarray(off));
      this.#filled = data.length - off;
    }
    return this;
  }

  /**
   * Finishes the hash (§5.1.1 padding).
   *
   * @returns The 32-byte digest.
   * @throws {TypeError} If the digest was already taken.
   */
  digest(): Uint8Array {
    if (this.#done) throw new TypeError("Sha256.digest: the digest was already taken");
    const bits = this.#length * 8;
    const block = this.#block;
    block[this.#filled++] = 0x80;
    if (this.#filled > 56) {
      block.fill(0, this.#filled);
      this.#compress(block, 0);
      this.#filled = 0;
    }
    block.fill(0, this.#filled, 56);
    const view = new DataView(block.buffer);
    view.setUint32(56, Math.floor(bits / 2 ** 32));
    view.setUint32(60, bits >>> 0);
    this.#compress(block, 0);
    this.#done = true;
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setInt32(i * 4, this.#state[i]);
    return out;
  }

  /**
   * Finishes the hash.
   *
   * @returns The digest as 64 lowercase hex digits.
   */
  hex(): string {
    let text = "";
    for (const b of this.digest()) text += (b < 16 ? "0" : "") + b.toString(16);
    return text;
  }

  // §6.2.2: one 64-byte block. The schedule W is kept as a ring of 16 words,
  // extended as the rounds use it.
  #compress(m: Uint8Array, off: number): void {
    const w = this.#w;
    for (let i = 0; i < 16; i++, off += 4) {
      w[i] = (m[off] << 24) | (m[off + 1] << 16) | (m[off + 2] << 8) | m[off + 3];
    }
    const s = this.#state;
    let a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (let i = 0; i < 64; i++) {
      let wi: number;
      if (i < 16) wi = w[i];
      else {
        const x = w[(i - 15) & 15], y = w[(i - 2) & 15];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        wi = w[i & 15] = (w[i & 15] + s0 + w[(i - 7) & 15] + s1) | 0;
      }
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + wi) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    s[0] = (s[0] + a) | 0;
    s[1] = (s[1] + b) | 0;
    s[2] = (s[2] + c) | 0;
    s[3] = (s[3] + d) | 0;
    s[4] = (s[4] + e) | 0;
    s[5] = (s[5] + f) | 0;
    s[6] = (s[6] + g) | 0;
    s[7] = (s[7] + h) | 0;
  }
}

/** node:crypto's Hash, as far as it is used here. */
interface NodeHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  digest(encoding: "hex"): string;
}

type CreateHash = (algorithm: "sha256") => NodeHash;

/** node:crypto's createHash, where the runtime has it without an import. */
const nativeCreateHash: CreateHash | null = (() => {
  const process = (globalThis as {
    process?: { getBuiltinModule?: (name: string) => { createHash?: CreateHash } | undefined };
  }).process;
  return process?.getBuiltinModule?.("node:crypto")?.createHash ?? null;
})();

class NativeSha256 implements Sha256Hash {
  readonly #hash: NodeHash;
  constructor(create: CreateHash) {
    this.#hash = create("sha256");
  }
  update(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`Sha256.update: data must be a Uint8Array, got ${typeof data}`);
    }
    this.#hash.update(data);
    return this;
  }
  digest(): Uint8Array {
    return new Uint8Array(this.#hash.digest());
  }
  hex(): string {
    return this.#hash.digest("hex");
  }
}

/**
 * A new running SHA-256: the runtime's native one where it has `node:crypto`
 * (Deno, Node), a {@link Sha256} elsewhere (browsers). The digests are the same.
 *
 * @param options `native: false` asks for the plain {@link Sha256} everywhere.
 * @returns A hash to feed.
 *
 * @example
 * ```ts
 * import { createSha256, Sha256 } from "./sha256.ts";
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array(1000).fill(7);
 * assert.equal(createSha256().update(bytes).hex(), new Sha256().update(bytes).hex());
 * assert.ok(createSha256({ native: false }) instanceof Sha256);
 * ```
 */
export function createSha256(options: { readonly native?: boolean } = {}): Sha256Hash {
  return nativeCreateHash && options.native !== false
    ? new NativeSha256(nativeCreateHash)
    : new Sha256();
}

/**
 * SHA-256 of `data`, as hex.
 *
 * @param data The message.
 * @returns 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./sha256.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sha256Hex(new Uint8Array(0)).slice(0, 8), "e3b0c442");
 * ```
 */
export function sha256Hex(data: Uint8Array): string {
  return createSha256().update(data).hex();
}

/**
 * HMAC-SHA-256 (RFC 2104, with the test vectors of RFC 4231).
 *
 * @param key The key, any length (longer than 64 bytes is hashed first).
 * @param message The message.
 * @returns The 32-byte MAC.
 * @throws {TypeError} If `key` or `message` is not a Uint8Array.
 *
 * @example RFC 4231 test case 2
 * ```ts
 * import { hmacSha256 } from "./sha256.ts";
 * import assert from "node:assert/strict";
 * const text = new TextEncoder();
 * const mac = hmacSha256(text.encode("Jefe"), text.encode("what do ya want for nothing?"));
 * assert.equal(mac[0], 0x5b);
 * ```
 */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array)) {
    throw new TypeError(`hmacSha256: key must be a Uint8Array, got ${typeof key}`);
  }
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? new Sha256().update(key).digest() : key);
  const pad = (byte: number) => block.map((b) => b ^ byte);
  const inner = new Sha256().update(pad(0x36)).update(message).digest();
  return new Sha256().update(pad(0x5c)).update(inner).digest();
}
