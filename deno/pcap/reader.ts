/**
 * Reads capture files: classic pcap (either byte order, microsecond or
 * nanosecond timestamps) and pcapng (sections of either byte order, many
 * interfaces with their own link types and timestamp resolutions; enhanced,
 * simple and obsolete packet blocks; other blocks skipped by length).
 *
 * Packets are views into the file's bytes, not copies. A file that is not a
 * capture, or whose structure is impossible, is rejected with a
 * {@link WireError}; a file cut short in the middle of its last packet (as
 * a killed tcpdump leaves it) keeps the packets before, and says so in
 * {@link Capture.truncated}.
 *
 * @example
 * ```ts
 * import { readCapture } from "./reader.ts";
 * import { PcapWriter } from "./writer.ts";
 * const writer = new PcapWriter();
 * writer.write(new Uint8Array(20), 1.5);
 * const capture = readCapture(writer.bytes());
 * console.assert(capture.packets[0].time === 1.5);
 * ```
 *
 * @module
 */
import { checkBytes, WireError } from "../wire/error.ts";

/** One captured packet. */
export interface CapturedPacket {
  /** Its position in the file, from 0 (tshark's frame number minus one). */
  readonly index: number;
  /** Seconds since the Unix epoch. */
  readonly time: number;
  /** The link type of its interface (LINKTYPE_* numbers, see {@link LinkType}). */
  readonly linkType: number;
  /** The bytes captured (a view of the file). */
  readonly data: Uint8Array;
  /** The length on the wire, which exceeds `data.length` when the snap length cut it. */
  readonly originalLength: number;
  /** The pcapng interface it came from (0 for pcap). */
  readonly interfaceId: number;
}

/** A capture file's packets. */
export interface Capture {
  /** "pcap" or "pcapng". */
  readonly format: "pcap" | "pcapng";
  /** Every packet, in file order. */
  readonly packets: CapturedPacket[];
  /** Why reading stopped before the end of the file, or null when it did not. */
  readonly truncated: string | null;
}

/** Link types (tcpdump.org "LINK-LAYER HEADER TYPES"). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const WHAT = "capture file";
const PCAP_MICRO = 0xa1b2c3d4;
const PCAP_NANO = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;

/**
 * Reads a pcap or pcapng file.
 * @param bytes The whole file.
 * @throws {WireError} If it is not a pcap or pcapng file, or its structure is impossible.
 */
export function readCapture(bytes: Uint8Array): Capture {
  checkBytes("readCapture", bytes);
  if (bytes.length < 4) {
    throw new WireError(WHAT, `${bytes.length} bytes is too short to be a capture`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic === PCAPNG_SHB) return readPcapng(bytes, view);
  for (const little of [false, true]) {
    const m = view.getUint32(0, little);
    if (m === PCAP_MICRO || m === PCAP_NANO) return readPcap(bytes, view, little, m === PCAP_NANO);
  }
  throw new WireError(
    WHAT,
    `magic number 0x${magic.toString(16).padStart(8, "0")} is neither pcap nor pcapng`,
  );
}

function readPcap(bytes: Uint8Array, view: DataView, little: boolean, nano: boolean): Capture {
  if (bytes.length < 24) {
    throw new WireError(WHAT, `pcap header is ${bytes.length} bytes, expected 24`);
  }
  const major = view.getUint16(4, little);
  if (major !== 2) throw new WireError(WHAT, `pcap version ${major} is not 2`);
  const linkType = view.getUint32(20, little) & 0xffff;
  const packets: CapturedPacket[] = [];
  const scale = nano ? 1e-9 : 1e-6;
  let at = 24;
  let truncated: string | null = null;
  while (at < bytes.length) {
    if (bytes.length - at < 16) {
      truncated = `packet ${packets.length} record header is cut short at byte ${at}`;
      break;
    }
    const caplen = view.getUint32(at + 8, little);
    if (caplen > 0x4000000) {
      throw new WireError(WHAT, `packet ${packets.length} at byte ${at} claims ${caplen} bytes`);
    }
    if (at + 16 + caplen > bytes.length) {
      truncated = `packet ${packets.length} claims ${caplen} bytes, ${
        bytes.length - at - 16
      } remain`;
      break;
    }
    packets.push({
      index: packets.length,
      time: view.getUint32(at, little) + view.getUint32(at + 4, little) * scale,
      linkType,
      data: bytes.subarray(at + 16, at + 16 + caplen),
      originalLength: view.getUint32(at + 12, little),
      interfaceId: 0,
    });
    at += 16 + caplen;
  }
  return { format: "pcap", packets, truncated };
}

interface Interface {
  linkType: number;
  snapLen: number;
  /** Seconds per timestamp unit. */
  unit: number;
}

function readPcapng(bytes: Uint8Array, view: DataView): Capture {
  const packets: CapturedPacket[] = [];
  let interfaces: Interface[] = [];
  let little = true;
  let at = 0;
  let truncated: string | null = null;
  while (at < bytes.length) {
    if (bytes.length - at < 12) {
      truncated = `block at byte ${at} is cut short`;
      break;
    }
    const type = view.getUint32(at, little);
    if (type === PCAPNG_SHB) {
      // A new section: its byte-order magic decides how everything in it reads.
      const bom = view.getUint32(at + 8, true);
      if (bom === PCAPNG_BOM) little = true;
      else if (view.getUint32(at + 8, false) === PCAPNG_BOM) little = false;
      else {throw new WireError(
          WHAT,
          `section at byte ${at} has byte-order magic 0x${bom.toString(16)}`,
        );}
      interfaces = [];
    }
    const len = view.getUint32(at + 4, little);
    if (len < 12 || len % 4 !== 0) {
      throw new WireError(
        WHAT,
        `block at byte ${at} has length ${len}, expected a multiple of 4, at least 12`,
      );
    }
    if (at + len > bytes.length) {
      truncated = `block at byte ${at} claims ${len} bytes, ${bytes.length - at} remain`;
      break;
    }
    if (view.getUint32(at + len - 4, little) !== len) {
      throw new WireError(WHAT, `block at byte ${at}: trailing length differs from ${len}`);
    }
    const body = at + 8;
    const bodyLen = len - 12;
    const need = (n: number, name: string) => {
      if (bodyLen < n) {
        throw new WireError(
          WHAT,
          `${name} block at byte ${at} is ${bodyLen} bytes, expected at least ${n}`,
        );
      }
    };
    const iface = (id: number) => {
      const found = interfaces[id];
      if (!found) {
        throw new WireError(
          WHAT,
          `packet at byte ${at} names interface ${id}, which is not described`,
        );
      }
      return found;
    };
    switch (type) {
      case 1: { // Interface Description Block
        need(8, "interface description");
        interfaces.push({
          linkType: view.getUint16(body, little),
          snapLen: view.getUint32(body + 4, little),
          unit: tsUnit(bytes.subarray(body + 8, body + bodyLen), little),
        });
        break;
      }
      case 6: // Enhanced Packet Block
      case 2: { // Packet Block (obsolete)
        need(20, "packet");
        const id = type === 6 ? view.getUint32(body, little) : view.getUint16(body, little);
        const it = iface(id);
        const ts = view.getUint32(body + 4, little) * 2 ** 32 + view.getUint32(body + 8, little);
        const caplen = view.getUint32(body + 12, little);
        if (caplen > bodyLen - 20) {
          throw new WireError(
            WHAT,
            `packet at byte ${at} claims ${caplen} bytes in a ${len}-byte block`,
          );
        }
        packets.push({
          index: packets.length,
          time: ts * it.unit,
          linkType: it.linkType,
          data: bytes.subarray(body + 20, body + 20 + caplen),
          originalLength: view.getUint32(body + 16, little),
          interfaceId: id,
        });
        break;
      }
      case 3: { // Simple Packet Block: interface 0, no timestamp
        need(4, "simple packet");
        const it = iface(0);
        const original = view.getUint32(body, little);
        const caplen = Math.min(original, it.snapLen || Infinity, bodyLen - 4);
        packets.push({
          index: packets.length,
          time: 0,
          linkType: it.linkType,
          data: bytes.subarray(body + 4, body + 4 + caplen),
          originalLength: original,
          interfaceId: 0,
        });
        break;
      }
    }
    at += len;
  }
  return { format: "pcapng", packets, truncated };
}

/** The if_tsresol option (code 9) of an interface, as seconds per unit; default microseconds. */
function tsUnit(options: Uint8Array, little: boolean): number {
  const view = new DataView(options.buffer, options.byteOffset, options.byteLength);
  let at = 0;
  while (at + 4 <= options.length) {
    const code = view.getUint16(at, little);
    const len = view.getUint16(at + 2, little);
    if (code === 0) break;
    if (code === 9 && len >= 1 && at + 5 <= options.length) {
      const r = options[at + 4];
      return r & 0x80 ? 2 ** -(r & 0x7f) : 10 ** -r;
    }
    at += 4 + ((len + 3) & ~3);
  }
  return 1e-6;
}
