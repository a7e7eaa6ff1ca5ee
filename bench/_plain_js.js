// @ts-self-types="./_plain_js.d.ts"
// Plain JavaScript baselines for the checksum benchmark: what a careful
// developer would write without WebAssembly. Plain JS (types beside it in
// _plain_js.d.ts) so that `socklab bench` and the browser page of
// `socklab serve` (/bench) run the very same code.

/** RFC 1071 checksum with 32-bit loads where aligned; doubles never overflow here. */
export function inetChecksumJs(data) {
  let sum = 0;
  let i = 0;
  const n = data.length;
  if ((data.byteOffset & 3) === 0 && n >= 4) {
    const words = new Uint32Array(data.buffer, data.byteOffset, n >>> 2);
    let a = 0;
    let b = 0;
    let k = 0;
    for (; k + 4 <= words.length; k += 4) {
      const w0 = words[k], w1 = words[k + 1], w2 = words[k + 2], w3 = words[k + 3];
      a += (w0 & 0xffff) + (w1 & 0xffff) + (w2 & 0xffff) + (w3 & 0xffff);
      b += (w0 >>> 16) + (w1 >>> 16) + (w2 >>> 16) + (w3 >>> 16);
    }
    for (; k < words.length; k++) {
      a += words[k] & 0xffff;
      b += words[k] >>> 16;
    }
    sum = a + b;
    i = words.length << 2;
  }
  for (; i + 1 < n; i += 2) sum += data[i] | (data[i + 1] << 8);
  if (i < n) sum += data[i];
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  const c = ~sum & 0xffff;
  return ((c & 0xff) << 8) | (c >>> 8);
}

function slicingTables(poly) {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k][n] = (t[0][t[k - 1][n] & 0xff] ^ (t[k - 1][n] >>> 8)) >>> 0;
  }
  return t;
}

/** Slicing-by-8 CRC in plain JavaScript for a reflected polynomial. */
export function makeCrcJs(poly) {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = slicingTables(poly);
  return (data, crc = 0) => {
    let c = ~crc;
    let i = 0;
    const n = data.length;
    for (; i + 8 <= n; i += 8) {
      c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
      c = t7[c & 0xff] ^ t6[(c >>> 8) & 0xff] ^ t5[(c >>> 16) & 0xff] ^ t4[c >>> 24] ^
        t3[data[i + 4]] ^ t2[data[i + 5]] ^ t1[data[i + 6]] ^ t0[data[i + 7]];
    }
    for (; i < n; i++) c = t0[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
  };
}

/** CRC-32 (IEEE), plain JavaScript. */
export const crc32Js = makeCrcJs(0xedb88320);
/** CRC-32C (Castagnoli), plain JavaScript. */
export const crc32cJs = makeCrcJs(0x82f63b78);
