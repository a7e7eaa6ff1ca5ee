// The checksum benchmark's ceiling: a WebAssembly loop that only loads the
// bytes (SIMD, four 16-byte loads per step; a tail under 64 bytes is left
// unread), so a checksum's GB/s can be read
// against what memory delivers. It is the benchmark's own module, compiled
// here from AssemblyScript in memory (about a quarter of a second), so the
// production core carries nothing that only a benchmark needs.
import asc from "assemblyscript/asc";

const SOURCE = `
export function load_only(ptr: usize, len: usize): u32 {
  let a = i32x4.splat(0);
  let b = a, c = a, d = a;
  let p = ptr;
  const end = ptr + (len & ~(<usize>63));
  while (p < end) {
    a = v128.or(a, v128.load(p));
    b = v128.or(b, v128.load(p, 16));
    c = v128.or(c, v128.load(p, 32));
    d = v128.or(d, v128.load(p, 48));
    p += 64;
  }
  return i32x4.extract_lane(v128.or(v128.or(a, b), v128.or(c, d)), 0);
}
`;

/** Bytes copied in per piece: the core's scratch area is this size too. */
const PIECE = 64 * 1024;

/** The load-only loop, reading data the way the core's checksums do. */
export interface Ceiling {
  /** Loads `data` in place when it lives in the module's memory, else copies it in by pieces. */
  run(data: Uint8Array): number;
  /** A copy of `data` inside the module's memory, for the in-place ceiling. */
  inMemory(data: Uint8Array): Uint8Array;
}

/** Compiles and instantiates the ceiling module. */
export async function loadCeiling(): Promise<Ceiling> {
  let wasm: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    ["load_only.ts", "--outFile", "load_only.wasm", "-O3", "--runtime", "stub", "--enable", "simd"],
    {
      readFile: (name: string) => (name === "load_only.ts" ? SOURCE : null),
      writeFile: (name: string, data: Uint8Array | string) => {
        if (name === "load_only.wasm") wasm = data as Uint8Array;
      },
      listFiles: () => [],
    },
  );
  if (error || !wasm) throw new Error(`cannot build the ceiling module: ${error ?? stderr}`);
  const { instance } = await WebAssembly.instantiate(wasm as Uint8Array<ArrayBuffer>, {
    env: { abort: () => {} },
  });
  const memory = instance.exports.memory as WebAssembly.Memory;
  const loadOnly = instance.exports.load_only as (ptr: number, len: number) => number;
  // Scratch at [PIECE, 2*PIECE), in-memory copies from 2*PIECE on.
  let next = 2 * PIECE;
  const reserve = (bytes: number) => {
    const need = next + bytes - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    const at = next;
    next += bytes + 15 & ~15;
    return at;
  };
  // memory.grow detaches old views, leaving them empty.
  let heap = new Uint8Array(memory.buffer);
  return {
    run(data) {
      if (heap.length === 0) heap = new Uint8Array(memory.buffer);
      if (data.buffer === heap.buffer) return loadOnly(data.byteOffset, data.length);
      let x = 0;
      for (let off = 0; off < data.length; off += PIECE) {
        const end = Math.min(data.length, off + PIECE);
        heap.set(off === 0 && end === data.length ? data : data.subarray(off, end), PIECE);
        x |= loadOnly(PIECE, end - off);
      }
      return x;
    },
    inMemory(data) {
      const at = reserve(data.length);
      const view = new Uint8Array(memory.buffer, at, data.length);
      view.set(data);
      return view;
    },
  };
}
