import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeSockaddr, encodeSockaddr, ipv6Bytes } from "./_libc.ts";
import { parseProcNetInet } from "./procnet.ts";
import { formatAddr, parseAddr } from "./addr.ts";
import type { InetAddr } from "./types.ts";

/** The canonical text of 16 address bytes, as WHATWG URL writes it. */
function canonical6(bytes: Uint8Array): string {
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

const v6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 })
  // v4-mapped addresses have their own text form; checked separately.
  .filter((b) => !(b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff));
const port = fc.integer({ min: 0, max: 65535 });

Deno.test("encodeSockaddr() and decodeSockaddr() round-trip every IPv4 and IPv6 address", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), port, (b, p) => {
      const addr: InetAddr = { family: "inet", hostname: b.join("."), port: p };
      const sa = encodeSockaddr(addr);
      assert.deepEqual(decodeSockaddr(sa, sa.length), addr);
    }),
  );
  fc.assert(
    fc.property(v6Bytes, port, (b, p) => {
      const addr: InetAddr = { family: "inet6", hostname: canonical6(b), port: p };
      assert.deepEqual(ipv6Bytes(addr.hostname), b);
      const sa = encodeSockaddr(addr);
      assert.deepEqual(decodeSockaddr(sa, sa.length), addr);
      assert.deepEqual(parseAddr(formatAddr(addr)), addr);
    }),
  );
});

Deno.test("ipv6Bytes() reads embedded IPv4 and :: in any position", () => {
  assert.deepEqual([...ipv6Bytes("::ffff:1.2.3.4").subarray(10)], [0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual([...ipv6Bytes("1::")], [0, 1, ...new Array(14).fill(0)]);
  assert.deepEqual([...ipv6Bytes("::")], new Array(16).fill(0));
});

/** Writes an address the way /proc/net/tcp6 does: four host-order (little-endian) words. */
function procHex6(b: Uint8Array, p: number): string {
  let hex = "";
  for (let w = 0; w < 16; w += 4) {
    for (let i = 3; i >= 0; i--) hex += b[w + i].toString(16).padStart(2, "0").toUpperCase();
  }
  return `${hex}:${p.toString(16).padStart(4, "0").toUpperCase()}`;
}

Deno.test("parseProcNetInet() decodes every IPv6 address /proc can print", () => {
  fc.assert(
    fc.property(v6Bytes, port, v6Bytes, port, (lb, lp, rb, rp) => {
      const line = `   0: ${procHex6(lb, lp)} ${
        procHex6(rb, rp)
      } 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0`;
      const [s] = parseProcNetInet(`header\n${line}\n`, "tcp", "inet6");
      assert.deepEqual(s.local, { family: "inet6", hostname: canonical6(lb), port: lp });
      const remoteIsNull = rp === 0 && rb.every((x) => x === 0);
      assert.deepEqual(
        s.remote,
        remoteIsNull ? null : { family: "inet6", hostname: canonical6(rb), port: rp },
      );
    }),
  );
});
