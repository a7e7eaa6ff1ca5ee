// @ts-self-types="./instantiate.d.ts"
// The one JavaScript file that instantiates the socklab WASM core and owns
// every pointer into it. Everything above sees `Uint8Array` in, numbers out.
//
// Plain ESM with no dependencies and nothing done at import: it loads in
// Node, Deno, browsers, workers and bundlers. `instantiate()` finds the
// builds beside this file, or takes the module as bytes or as a compiled
// WebAssembly.Module. socklab.js instantiates one core at import time for
// the module-level functions.

import { createPacketApi } from "./packet_api.js";

const SCRATCH_BYTES = 64 * 1024;
/** Pieces copied in for the Internet checksum. Measured on a 2-core EPYC:
 *  smaller pieces (16 and 32 KiB, to stay L1-hot) lose to fewer, larger
 *  copies, which bound the speed for inputs that are not cache-resident. */
const INET_PIECE = SCRATCH_BYTES;
/** Pieces copied in for CRCs, which run slower than the copy. */
const CRC_PIECE = SCRATCH_BYTES;
/** Byte arrays up to this length are copied in without asking where they
 *  live: reading `.buffer` to find out costs more than the copy. */
const SMALL_INPUT = 256;
const U32_MAX = 0xffffffff;

/** A tiny module whose only function returns a v128: valid iff SIMD works. */
const SIMD_PROBE = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0, // "\0asm", version 1
  1,
  5,
  1,
  0x60,
  0,
  1,
  0x7b, // type section: () -> v128
  3,
  2,
  1,
  0, // function section: one function of type 0
  10,
  8,
  1,
  6,
  0,
  0x41,
  0,
  0xfd,
  0x0f,
  0x0b, // code: i32.const 0; i8x16.splat
]);

/** Whether this runtime can run the SIMD build. */
export const simdSupported = WebAssembly.validate(SIMD_PROBE);

async function readModuleBytes(url) {
  const deno = globalThis.Deno;
  if (url.protocol === "file:") {
    if (deno?.readFile) return await deno.readFile(url);
    if (globalThis.process?.versions?.node) {
      const { readFile } = await import("node:fs/promises");
      return await readFile(url);
    }
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Cannot load socklab core from ${url}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

function describe(value) {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}

function checkSeed(fn, value) {
  if (value === undefined) return 0;
  if (typeof value !== "number") {
    throw new TypeError(`${fn}(): previous must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new RangeError(`${fn}(): previous must be an integer from 0 to 0xFFFFFFFF, got ${value}`);
  }
  return value;
}

function check16(fn, name, value) {
  if (typeof value !== "number") {
    throw new TypeError(`${fn}(): ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`${fn}(): ${name} must be an integer from 0 to 0xFFFF, got ${value}`);
  }
  return value;
}

const swap16 = (x) => ((x & 0xff) << 8) | (x >>> 8);
const add1c = (a, b) => {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
};

/**
 * RFC 1624 eqn. 3: the checksum after one 16-bit header word changes from
 * `oldWord` to `newWord`, without touching the rest of the packet.
 */
export function inetChecksumAdjust(checksum, oldWord, newWord) {
  const fn = "inetChecksumAdjust";
  check16(fn, "checksum", checksum);
  check16(fn, "oldWord", oldWord);
  check16(fn, "newWord", newWord);
  const sum = add1c(add1c(~checksum & 0xffff, ~oldWord & 0xffff), newWord);
  return ~sum & 0xffff;
}

function createCore(exports, engine) {
  const { memory } = exports;
  let heap = new Uint8Array(memory.buffer);
  /**
   * The current view of memory. `memory.grow` detaches older buffers, which
   * leaves their views empty: testing that is much cheaper than reading
   * `memory.buffer`, a call into the engine.
   */
  const bytes = () => heap.length !== 0 ? heap : (heap = new Uint8Array(memory.buffer));
  const scratch = exports.alloc(SCRATCH_BYTES);
  const live = new FinalizationRegistry((ptr) => exports.dealloc(ptr));

  class CoreBuffer {
    #ptr;
    #length;
    #view = null;
    #token = {};

    constructor(ptr, length) {
      this.#ptr = ptr;
      this.#length = length;
      live.register(this, ptr, this.#token);
    }

    get length() {
      return this.#length;
    }

    get bytes() {
      if (this.#ptr === 0) throw new TypeError("CoreBuffer.bytes: the buffer was freed");
      if (this.#view === null || this.#view.buffer !== memory.buffer) {
        this.#view = new Uint8Array(memory.buffer, this.#ptr, this.#length);
      }
      return this.#view;
    }

    free() {
      if (this.#ptr === 0) return;
      live.unregister(this.#token);
      exports.dealloc(this.#ptr);
      this.#ptr = 0;
      this.#view = null;
    }

    [Symbol.dispose]() {
      this.free();
    }

    static locate(buffer) {
      if (buffer.#ptr === 0) throw new TypeError("CoreBuffer: the buffer was freed");
      return buffer.#ptr;
    }
  }

  /**
   * Where the bytes of `data` start in core memory, or -1 when `data` is a
   * byte array outside it that must be copied in through the scratch area.
   */
  function locate(fn, data) {
    if (data instanceof Uint8Array) return data.buffer === bytes().buffer ? data.byteOffset : -1;
    if (data instanceof CoreBuffer) return CoreBuffer.locate(data);
    throw new TypeError(`${fn}(): data must be a Uint8Array or CoreBuffer, got ${describe(data)}`);
  }

  /** Copies `data[off, end)` to the scratch area. */
  function stage(data, off, end) {
    bytes().set(off === 0 && end === data.length ? data : data.subarray(off, end), scratch);
  }

  /**
   * The RFC 1071 sum of `data`: bits 0-15 hold the folded sum of its
   * little-endian words, bit 16 is set when its length is odd. Byte arrays
   * outside core memory go through the scratch area in even-sized pieces,
   * whose sums therefore simply add.
   */
  function partialSum(fn, data) {
    const n = data?.length;
    if (n <= SMALL_INPUT && data instanceof Uint8Array) {
      bytes().set(data, scratch);
      return exports.inet_sum_le(scratch, n) | (n & 1) << 16;
    }
    const ptr = locate(fn, data);
    if (ptr >= 0) return exports.inet_sum_le(ptr, n) | (n & 1) << 16;
    let sum = 0;
    for (let off = 0; off < n; off += INET_PIECE) {
      const end = Math.min(n, off + INET_PIECE);
      stage(data, off, end);
      sum = add1c(sum, exports.inet_sum_le(scratch, end - off));
    }
    return sum | (n & 1) << 16;
  }

  /** A running RFC 1071 sum over any number of pieces of any length. */
  class InetChecksum {
    #sum = 0; // folded sum of little-endian words, relative to offset 0
    #odd = false; // whether the bytes so far have odd length

    update(data) {
      const r = partialSum("InetChecksum.update", data);
      const s = r & 0xffff;
      this.#sum = add1c(this.#sum, this.#odd ? swap16(s) : s);
      if (r > 0xffff) this.#odd = !this.#odd;
      return this;
    }

    get sum() {
      return swap16(this.#sum);
    }

    digest() {
      return swap16(~this.#sum & 0xffff);
    }

    reset() {
      this.#sum = 0;
      this.#odd = false;
      return this;
    }
  }

  function inetChecksum(...parts) {
    if (parts.length === 1) {
      return swap16(~partialSum("InetChecksum.update", parts[0]) & 0xffff);
    }
    const acc = new InetChecksum();
    for (const part of parts) acc.update(part);
    return acc.digest();
  }

  function crcFunction(name, update) {
    return function (data, previous) {
      let crc = checkSeed(name, previous);
      const n = data?.length;
      if (n <= SMALL_INPUT && data instanceof Uint8Array) {
        bytes().set(data, scratch);
        return update(scratch, n, crc) >>> 0;
      }
      const ptr = locate(name, data);
      if (ptr >= 0) return update(ptr, n, crc) >>> 0;
      for (let off = 0; off < n; off += CRC_PIECE) {
        const end = Math.min(n, off + CRC_PIECE);
        stage(data, off, end);
        crc = update(scratch, end - off, crc) >>> 0;
      }
      return crc;
    };
  }

  function alloc(size) {
    if (typeof size !== "number") {
      throw new TypeError(`alloc(): size must be a number, got ${describe(size)}`);
    }
    if (!Number.isInteger(size) || size < 0 || size > 0x7fff0000) {
      throw new RangeError(`alloc(): size must be an integer from 0 to 2147418112, got ${size}`);
    }
    const ptr = exports.alloc(size);
    if (ptr === 0) throw new RangeError(`alloc(): the core could not allocate ${size} bytes`);
    return new CoreBuffer(ptr, size);
  }

  const packet = createPacketApi(exports, { bytes, locate: CoreBuffer.locate, CoreBuffer });

  return Object.freeze({
    ...packet,
    engine,
    memory,
    inetChecksum,
    InetChecksum,
    inetChecksumAdjust,
    crc32: crcFunction("crc32", exports.crc32),
    crc32c: crcFunction("crc32c", exports.crc32c),
    alloc,
    CoreBuffer,
  });
}

/** Where each build lives: beside this file, written out so bundlers see the assets. */
function defaultLocation(engine) {
  return engine === "simd"
    ? new URL("./socklab.simd.wasm", import.meta.url)
    : new URL("./socklab.scalar.wasm", import.meta.url);
}

/**
 * Instantiates a core. `engine` picks the build ("simd" or "scalar"; by
 * default SIMD where supported), found beside this file. `source` gives the
 * module instead: its bytes, a compiled `WebAssembly.Module` (from a worker
 * or a bundler that inlines assets), or a URL; the build is then read from
 * the module itself.
 */
export async function instantiate(options = {}) {
  const fn = "instantiate";
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${fn}(): options must be an object, got ${describe(options)}`);
  }
  const wanted = options.engine;
  if (wanted !== undefined && wanted !== "simd" && wanted !== "scalar") {
    throw new RangeError(
      `${fn}(): engine must be "simd" or "scalar", got ${JSON.stringify(wanted)}`,
    );
  }
  let source = options.source;
  if (source === undefined) {
    const engine = wanted ?? (simdSupported ? "simd" : "scalar");
    if (engine === "simd" && !simdSupported) {
      throw new Error(`${fn}(): this runtime does not support WebAssembly SIMD`);
    }
    source = defaultLocation(engine);
  }
  if (source instanceof URL) source = await readModuleBytes(source);
  const isModule = source instanceof WebAssembly.Module;
  if (!isModule && !ArrayBuffer.isView(source) && !(source instanceof ArrayBuffer)) {
    throw new TypeError(
      `${fn}(): source must be the module's bytes, a WebAssembly.Module or a URL, got ${
        describe(source)
      }`,
    );
  }
  let memory = null;
  const imports = {
    env: {
      abort(message, file, line, column) {
        throw new Error(
          `socklab core aborted at ${readString(memory, file)}:${line}:${column}: ${
            readString(memory, message)
          }`,
        );
      },
    },
  };
  const instance = isModule
    ? await WebAssembly.instantiate(source, imports)
    : (await WebAssembly.instantiate(source, imports)).instance;
  const { exports } = instance;
  if (typeof exports.simd !== "function" || typeof exports.crc32 !== "function") {
    throw new TypeError(`${fn}(): source is a WebAssembly module, but not the socklab core`);
  }
  const engine = exports.simd() ? "simd" : "scalar";
  if (wanted !== undefined && wanted !== engine) {
    throw new RangeError(
      `${fn}(): engine "${wanted}" was asked for, but source is the ${engine} build`,
    );
  }
  memory = exports.memory;
  return createCore(exports, engine);
}

function readString(memory, ptr) {
  if (!ptr) return "";
  const length = new Uint32Array(memory.buffer, ptr - 4, 1)[0] >>> 1;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, length));
}
