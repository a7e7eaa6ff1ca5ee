// instantiate() finds the builds beside itself, or takes the module as bytes,
// as a compiled WebAssembly.Module or as a URL, and reads the build from the
// module; checksum.js and packet.js are the main entry's functions.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { instantiate, simdSupported } from "../build/instantiate.js";
import * as main from "../build/socklab.js";
import * as checksum from "../build/checksum.js";
import * as packet from "../build/packet.js";

const check = new TextEncoder().encode("123456789");
const wasm = (engine) => new URL(`../build/socklab.${engine}.wasm`, import.meta.url);

describe("instantiate()", () => {
  test("takes the module as bytes, a WebAssembly.Module or a URL, and reads the build from it", async () => {
    for (const engine of ["simd", "scalar"]) {
      const bytes = readFileSync(wasm(engine));
      const sources = [
        bytes,
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
        new WebAssembly.Module(bytes),
        wasm(engine),
      ];
      for (const source of sources) {
        const core = await instantiate({ source });
        expect(core.engine).toBe(engine);
        expect(core.crc32(check)).toBe(0xcbf43926);
        expect(core.crc32c(check)).toBe(0xe3069283);
      }
    }
  });

  test("one compiled Module makes independent cores, as workers would", async () => {
    const module = new WebAssembly.Module(readFileSync(wasm("scalar")));
    const [a, b] = await Promise.all([
      instantiate({ source: module }),
      instantiate({ source: module }),
    ]);
    expect(a.memory).not.toBe(b.memory);
    const buf = a.alloc(9);
    buf.bytes.set(check);
    expect(a.crc32(buf)).toBe(0xcbf43926);
    expect(() => b.crc32(buf)).toThrow(TypeError);
  });

  test("picks SIMD where the runtime validates it, and the scalar build on request", async () => {
    expect((await instantiate()).engine).toBe(simdSupported ? "simd" : "scalar");
    expect((await instantiate({ engine: "scalar" })).engine).toBe("scalar");
  });

  test("rejects a source of the wrong shape, another module, or a build other than the engine asked for", async () => {
    await expect(instantiate({ source: "socklab.simd.wasm" })).rejects.toThrow(
      new TypeError(
        "instantiate(): source must be the module's bytes, a WebAssembly.Module or a URL, got string",
      ),
    );
    // The smallest valid module: no exports at all.
    const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    await expect(instantiate({ source: empty })).rejects.toThrow(/not the socklab core/);
    await expect(instantiate({ source: readFileSync(wasm("simd")), engine: "scalar" })).rejects
      .toThrow(
        new RangeError(
          'instantiate(): engine "scalar" was asked for, but source is the simd build',
        ),
      );
    await expect(instantiate({ engine: "avx" })).rejects.toThrow(RangeError);
    await expect(instantiate(null)).rejects.toThrow(TypeError);
  });
});

test("checksum.js and packet.js export the main entry's own functions", () => {
  for (const [name, value] of Object.entries(checksum)) expect(value, name).toBe(main[name]);
  for (const [name, value] of Object.entries(packet)) expect(value, name).toBe(main[name]);
  expect(Object.keys(checksum).sort()).toEqual(
    [
      "CoreBuffer",
      "InetChecksum",
      "alloc",
      "crc32",
      "crc32c",
      "engine",
      "inetChecksum",
      "inetChecksumAdjust",
    ],
  );
  expect(Object.keys(packet).sort()).toEqual(
    ["FragmentReassembler", "TcpReassembler", "segmentTcp", "tcpSegmentedLength"],
  );
});
