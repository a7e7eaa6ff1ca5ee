/**
 * TCP segments (RFC 9293 §3.1): a zero-copy view over header bytes,
 * {@link TcpPacket}, and a plain {@link TcpRepr} record that the state
 * machine works with, converted by {@link parse} and {@link emit}.
 *
 * Options understood: EOL, NOP, MSS, window scale, SACK-permitted, SACK and
 * timestamps (RFC 9293, RFC 7323, RFC 2018); others are skipped by their
 * length. Parsing throws a {@link WireError} for anything malformed.
 *
 * @example Round trip
 * ```ts
 * import { bufferLen, emit, parse, type TcpRepr } from "./tcp.ts";
 * import assert from "node:assert/strict";
 * const repr: TcpRepr = {
 *   srcPort: 40000, dstPort: 80, seq: 1, ack: null, control: "syn", psh: false,
 *   ece: false, cwr: false, urgent: null, window: 64240, mss: 1460, windowScale: 7,
 *   sackPermitted: true, sack: [], timestamp: { value: 1, echo: 0 },
 *   payload: new Uint8Array(),
 * };
 * const pseudo = { src: new Uint8Array([10, 0, 0, 1]), dst: new Uint8Array([10, 0, 0, 2]) };
 * const bytes = new Uint8Array(bufferLen(repr));
 * emit(repr, bytes, pseudo);
 * assert.deepEqual(parse(bytes, pseudo), repr);
 * ```
 *
 * @module
 */
import { checkBytes, checkInt, WireError } from "./error.ts";
import { get16, get32, set16, set32 } from "./_bytes.ts";
import { IpProtocol, pseudoChecksum, type PseudoHeader } from "./ip.ts";

/**
 * The control of a segment. SYN, FIN and RST exclude each other, so the
 * impossible combinations (SYN+FIN, SYN+RST, FIN+RST) cannot be written.
 */
export type TcpControl = "syn" | "fin" | "rst" | null;

/** TCP timestamps option (RFC 7323 §3). */
export interface TcpTimestamp {
  /** TSval: the sender's clock. */
  readonly value: number;
  /** TSecr: the TSval echoed back. */
  readonly echo: number;
}

/** A left/right edge pair of a SACK block (RFC 2018), right edge exclusive. */
export type SackBlock = readonly [left: number, right: number];

/** A TCP segment as a plain record: what is parsed and what is emitted. */
export interface TcpRepr {
  /** The source port. */
  readonly srcPort: number;
  /** The destination port. */
  readonly dstPort: number;
  /** The sequence number (a 32-bit unsigned integer). */
  readonly seq: number;
  /** The acknowledgement number, or null when the ACK flag is clear. */
  readonly ack: number | null;
  /** SYN, FIN, RST or none. */
  readonly control: TcpControl;
  /** The PSH flag. */
  readonly psh: boolean;
  /** The ECN-Echo flag (RFC 3168). */
  readonly ece: boolean;
  /** The Congestion Window Reduced flag (RFC 3168). */
  readonly cwr: boolean;
  /** The urgent pointer when URG is set, else null. */
  readonly urgent: number | null;
  /** The raw 16-bit window field (unscaled). */
  readonly window: number;
  /** The MSS option (SYN only), or null. */
  readonly mss: number | null;
  /** The window scale shift (SYN only, 0 to 14), or null. */
  readonly windowScale: number | null;
  /** Whether SACK-permitted was sent (SYN only). */
  readonly sackPermitted: boolean;
  /** SACK blocks, most recent first (at most 4). */
  readonly sack: readonly SackBlock[];
  /** The timestamps option, or null. */
  readonly timestamp: TcpTimestamp | null;
  /** The data. */
  readonly payload: Uint8Array;
}

const NO_DATA = new Uint8Array(0);

/**
 * A {@link TcpRepr} with every field plain (ports 0, SEQ 0, no ACK, no flags,
 * window 0, no options, no data), with `fields` laid over it: the one builder
 * for segments written by hand.
 *
 * @example
 * ```ts
 * import { tcpRepr } from "./tcp.ts";
 * const syn = tcpRepr({ srcPort: 40000, dstPort: 80, seq: 1, control: "syn", mss: 1460 });
 * ```
 */
export function tcpRepr(fields: Partial<TcpRepr> = {}): TcpRepr {
  return {
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: null,
    control: null,
    psh: false,
    ece: false,
    cwr: false,
    urgent: null,
    window: 0,
    mss: null,
    windowScale: null,
    sackPermitted: false,
    sack: [],
    timestamp: null,
    payload: NO_DATA,
    ...fields,
  };
}

/**
 * The flags of a segment as text, in tcpdump's order ("SYN,ACK"); "" for
 * none. The ACK flag is set exactly when {@link TcpRepr.ack} is a number, URG
 * when {@link TcpRepr.urgent} is.
 *
 * @param repr The segment.
 * @returns The names of its flags, joined by commas.
 *
 * @example
 * ```ts
 * import { flagsOf, tcpRepr } from "./tcp.ts";
 * import assert from "node:assert/strict";
 * assert.equal(flagsOf(tcpRepr({ control: "syn", ack: 1 })), "SYN,ACK");
 * assert.equal(flagsOf(tcpRepr({ psh: true, ack: 1 })), "PSH,ACK");
 * assert.equal(flagsOf(tcpRepr()), "");
 * ```
 */
export function flagsOf(repr: TcpRepr): string {
  return [
    repr.control === "syn" && "SYN",
    repr.control === "fin" && "FIN",
    repr.control === "rst" && "RST",
    repr.psh && "PSH",
    repr.ack !== null && "ACK",
    repr.urgent !== null && "URG",
    repr.ece && "ECE",
    repr.cwr && "CWR",
  ].filter(Boolean).join(",");
}

/** Field offsets of the TCP header (RFC 9293 §3.1). */
const Field = {
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ: 4,
  ACK: 8,
  FLAGS: 12, // data offset (4 bits), reserved (3), AE/NS (1), CWR ECE URG ACK PSH RST SYN FIN
  WINDOW: 14,
  CHECKSUM: 16,
  URGENT: 18,
  OPTIONS: 20,
} as const;

/** Where the checksum field is in a TCP header, bytes (a device finishing a partial checksum writes it there). */
export const CHECKSUM_OFFSET: number = Field.CHECKSUM;

/** Flag bits in the 16-bit word at {@link Field.FLAGS}. */
export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  NS: 0x100,
} as const;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOption = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
} as const;

/** The minimum header length, in bytes. */
export const HEADER_LEN = 20;
/** The maximum header length, in bytes (data offset 15). */
export const MAX_HEADER_LEN = 60;

const WHAT = "TCP segment";

/**
 * A zero-copy view of a TCP segment: accessors read and write the header
 * fields of `bytes` in place. The constructor checks nothing; use
 * {@link TcpPacket.checked} for bytes from the wire.
 */
export class TcpPacket {
  /** The segment's bytes, header first. */
  readonly bytes: Uint8Array;

  /** Wraps `bytes` without checking them (they must hold at least a 20-byte header). */
  constructor(bytes: Uint8Array) {
    checkBytes("TcpPacket", bytes);
    this.bytes = bytes;
  }

  /**
   * Wraps `bytes` after checking that the header and its data offset fit.
   * @throws {WireError} If the segment is shorter than its header.
   */
  static checked(bytes: Uint8Array): TcpPacket {
    checkBytes("TcpPacket.checked", bytes);
    if (bytes.length < HEADER_LEN) {
      throw new WireError(WHAT, `${bytes.length} bytes is shorter than the 20-byte header`);
    }
    const packet = new TcpPacket(bytes);
    const headerLen = packet.headerLen;
    if (headerLen < HEADER_LEN) {
      throw new WireError(WHAT, `data offset is ${headerLen / 4} words, expected at least 5`);
    }
    if (headerLen > bytes.length) {
      throw new WireError(
        WHAT,
        `data offset is ${
          headerLen / 4
        } words (${headerLen} bytes), beyond the ${bytes.length}-byte segment`,
      );
    }
    return packet;
  }

  /** The source port. */
  get srcPort(): number {
    return get16(this.bytes, Field.SRC_PORT);
  }
  set srcPort(value: number) {
    set16(this.bytes, Field.SRC_PORT, value);
  }
  /** The destination port. */
  get dstPort(): number {
    return get16(this.bytes, Field.DST_PORT);
  }
  set dstPort(value: number) {
    set16(this.bytes, Field.DST_PORT, value);
  }
  /** The sequence number. */
  get seq(): number {
    return get32(this.bytes, Field.SEQ);
  }
  set seq(value: number) {
    set32(this.bytes, Field.SEQ, value);
  }
  /** The acknowledgement number field (meaningful when ACK is set). */
  get ack(): number {
    return get32(this.bytes, Field.ACK);
  }
  set ack(value: number) {
    set32(this.bytes, Field.ACK, value);
  }
  /** The header length in bytes (the data offset field times 4). */
  get headerLen(): number {
    return (this.bytes[Field.FLAGS] >> 4) * 4;
  }
  set headerLen(value: number) {
    this.bytes[Field.FLAGS] = ((value / 4) << 4) | (this.bytes[Field.FLAGS] & 0x0f);
  }
  /** The nine flag bits ({@link TcpFlag}). */
  get flags(): number {
    return get16(this.bytes, Field.FLAGS) & 0x1ff;
  }
  set flags(value: number) {
    set16(this.bytes, Field.FLAGS, (get16(this.bytes, Field.FLAGS) & 0xfe00) | value);
  }
  /** The window field (unscaled). */
  get window(): number {
    return get16(this.bytes, Field.WINDOW);
  }
  set window(value: number) {
    set16(this.bytes, Field.WINDOW, value);
  }
  /** The checksum field. */
  get checksum(): number {
    return get16(this.bytes, Field.CHECKSUM);
  }
  set checksum(value: number) {
    set16(this.bytes, Field.CHECKSUM, value);
  }
  /** The urgent pointer field. */
  get urgent(): number {
    return get16(this.bytes, Field.URGENT);
  }
  set urgent(value: number) {
    set16(this.bytes, Field.URGENT, value);
  }
  /** The option bytes between the fixed header and the data. */
  get options(): Uint8Array {
    return this.bytes.subarray(Field.OPTIONS, this.headerLen);
  }
  /** The data after the header. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
  /** The sequence space the segment occupies: data length, plus one each for SYN and FIN. */
  get segmentLen(): number {
    const f = this.flags;
    return this.bytes.length - this.headerLen + (f & TcpFlag.SYN ? 1 : 0) +
      (f & TcpFlag.FIN ? 1 : 0);
  }

  /** Whether the checksum is right for these pseudo-header addresses. */
  verifyChecksum(pseudo: PseudoHeader): boolean {
    return pseudoChecksum(pseudo, IpProtocol.Tcp, this.bytes) === 0;
  }

  /** Computes and stores the checksum for these pseudo-header addresses. */
  fillChecksum(pseudo: PseudoHeader): void {
    this.checksum = 0;
    this.checksum = pseudoChecksum(pseudo, IpProtocol.Tcp, this.bytes);
  }
}

interface ParsedOptions {
  mss: number | null;
  windowScale: number | null;
  sackPermitted: boolean;
  sack: SackBlock[];
  timestamp: TcpTimestamp | null;
}

const OPTION_LENGTH: Record<number, [string, (len: number) => boolean, string]> = {
  [TcpOption.MSS]: ["MSS", (n) => n === 4, "4"],
  [TcpOption.WINDOW_SCALE]: ["window scale", (n) => n === 3, "3"],
  [TcpOption.SACK_PERMITTED]: ["SACK-permitted", (n) => n === 2, "2"],
  [TcpOption.SACK]: ["SACK", (n) => n >= 10 && n <= 34 && (n - 2) % 8 === 0, "2 + 8n, n 1 to 4"],
  [TcpOption.TIMESTAMPS]: ["timestamps", (n) => n === 10, "10"],
};

/**
 * Walks the option bytes of a segment (RFC 9293 §3.2).
 * @throws {WireError} For option lengths 0 or 1, options overrunning the
 * header, or a known option with the wrong length.
 */
export function parseOptions(options: Uint8Array): ParsedOptions {
  const out: ParsedOptions = {
    mss: null,
    windowScale: null,
    sackPermitted: false,
    sack: [],
    timestamp: null,
  };
  let i = 0;
  while (i < options.length) {
    const kind = options[i];
    if (kind === TcpOption.EOL) break;
    if (kind === TcpOption.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= options.length) {
      throw new WireError(WHAT, `option kind ${kind} at offset ${20 + i} has no length byte`);
    }
    const len = options[i + 1];
    if (len < 2) {
      throw new WireError(WHAT, `option kind ${kind} has length ${len}, expected at least 2`);
    }
    if (i + len > options.length) {
      throw new WireError(
        WHAT,
        `option kind ${kind} of length ${len} overruns the header by ${
          i + len - options.length
        } bytes`,
      );
    }
    const known = OPTION_LENGTH[kind];
    if (known && !known[1](len)) {
      throw new WireError(WHAT, `${known[0]} option has length ${len}, expected ${known[2]}`);
    }
    const at = i + 2;
    switch (kind) {
      case TcpOption.MSS:
        out.mss = (options[at] << 8) | options[at + 1];
        break;
      case TcpOption.WINDOW_SCALE:
        // RFC 7323 §2.3: a shift above 14 is used as 14.
        out.windowScale = Math.min(options[at], 14);
        break;
      case TcpOption.SACK_PERMITTED:
        out.sackPermitted = true;
        break;
      case TcpOption.SACK:
        out.sack = [];
        for (let b = at; b < i + len; b += 8) {
          out.sack.push([get32(options, b), get32(options, b + 4)]);
        }
        break;
      case TcpOption.TIMESTAMPS:
        out.timestamp = { value: get32(options, at), echo: get32(options, at + 4) };
        break;
    }
    i += len;
  }
  return out;
}

/**
 * Parses a TCP segment into a {@link TcpRepr}. The payload is a view of
 * `bytes`, not a copy.
 *
 * @param bytes The segment: header, options and data (no IP header).
 * @param pseudo The IP addresses, to verify the checksum; omit to skip it.
 * @returns The segment as a plain record.
 * @throws {WireError} If the segment is truncated, its data offset is below
 * 5 words or beyond the segment, an option is malformed, SYN, FIN and RST are
 * combined, or (with `pseudo`) the checksum is wrong.
 */
export function parse(bytes: Uint8Array, pseudo?: PseudoHeader | null): TcpRepr {
  const packet = TcpPacket.checked(bytes);
  const flags = packet.flags;
  const control = controlOf(flags);
  if (pseudo && !packet.verifyChecksum(pseudo)) {
    throw new WireError(
      WHAT,
      `checksum 0x${packet.checksum.toString(16).padStart(4, "0")} is wrong`,
    );
  }
  const options = parseOptions(packet.options);
  return {
    srcPort: packet.srcPort,
    dstPort: packet.dstPort,
    seq: packet.seq,
    ack: flags & TcpFlag.ACK ? packet.ack : null,
    control,
    psh: (flags & TcpFlag.PSH) !== 0,
    ece: (flags & TcpFlag.ECE) !== 0,
    cwr: (flags & TcpFlag.CWR) !== 0,
    urgent: flags & TcpFlag.URG ? packet.urgent : null,
    window: packet.window,
    mss: options.mss,
    windowScale: options.windowScale,
    sackPermitted: options.sackPermitted,
    sack: options.sack,
    timestamp: options.timestamp,
    payload: packet.payload,
  };
}

function controlOf(flags: number): TcpControl {
  const syn = flags & TcpFlag.SYN, fin = flags & TcpFlag.FIN, rst = flags & TcpFlag.RST;
  if ((syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0) > 1) {
    const names = [syn && "SYN", fin && "FIN", rst && "RST"].filter(Boolean).join(" and ");
    throw new WireError(WHAT, `flags ${names} together`);
  }
  return syn ? "syn" : fin ? "fin" : rst ? "rst" : null;
}

/** The length of the options {@link emit} writes for `repr`, padded to 4 bytes. */
function optionsLen(repr: TcpRepr): number {
  let len = 0;
  if (repr.mss !== null) len += 4;
  if (repr.timestamp) len += 12; // SACKOK or NOP NOP, then TS
  else if (repr.sackPermitted) len += 4; // NOP NOP SACKOK
  if (repr.windowScale !== null) len += 4; // NOP + 3
  if (repr.sack.length) len += 4 + 8 * repr.sack.length; // NOP NOP + 2 + 8n
  return len;
}

/**
 * The number of bytes {@link emit} writes for `repr`: header, options and
 * payload.
 * @throws {RangeError} If the options do not fit in 40 bytes.
 */
export function bufferLen(repr: TcpRepr): number {
  const opts = optionsLen(repr);
  if (opts > 40) {
    throw new RangeError(`TCP options need ${opts} bytes, more than the 40 a header holds`);
  }
  return HEADER_LEN + opts + repr.payload.length;
}

/**
 * Writes `repr` into `buffer` as a TCP segment, in the option layout Linux
 * uses (MSS; SACK-permitted with timestamps; NOP + window scale; NOP NOP +
 * SACK), and fills in the checksum when `pseudo` is given (else leaves it 0).
 *
 * @param repr The segment.
 * @param buffer At least {@link bufferLen}(repr) bytes.
 * @param pseudo The IP addresses for the checksum.
 * @returns The number of bytes written.
 * @throws {RangeError} If the buffer is too short or a field is out of range.
 */
export function emit(repr: TcpRepr, buffer: Uint8Array, pseudo?: PseudoHeader | null): number {
  checkBytes("tcp.emit", buffer);
  const fn = "tcp.emit";
  checkInt(fn, "srcPort", repr.srcPort, 0, 0xffff);
  checkInt(fn, "dstPort", repr.dstPort, 0, 0xffff);
  checkInt(fn, "seq", repr.seq, 0, 0xffffffff);
  if (repr.ack !== null) checkInt(fn, "ack", repr.ack, 0, 0xffffffff);
  checkInt(fn, "window", repr.window, 0, 0xffff);
  if (repr.urgent !== null) checkInt(fn, "urgent", repr.urgent, 0, 0xffff);
  if (repr.mss !== null) checkInt(fn, "mss", repr.mss, 0, 0xffff);
  if (repr.windowScale !== null) checkInt(fn, "windowScale", repr.windowScale, 0, 14);
  if (repr.sack.length > 4) {
    throw new RangeError(`${fn}(): at most 4 SACK blocks fit, got ${repr.sack.length}`);
  }
  const total = bufferLen(repr);
  if (buffer.length < total) {
    throw new RangeError(
      `${fn}(): the segment needs ${total} bytes, the buffer has ${buffer.length}`,
    );
  }
  const out = buffer.subarray(0, total);
  const headerLen = total - repr.payload.length;
  out.fill(0, 0, headerLen);
  const packet = new TcpPacket(out);
  packet.srcPort = repr.srcPort;
  packet.dstPort = repr.dstPort;
  packet.seq = repr.seq;
  packet.ack = repr.ack ?? 0;
  packet.headerLen = headerLen;
  packet.flags = (repr.control === "syn" ? TcpFlag.SYN : 0) |
    (repr.control === "fin" ? TcpFlag.FIN : 0) | (repr.control === "rst" ? TcpFlag.RST : 0) |
    (repr.ack !== null ? TcpFlag.ACK : 0) | (repr.psh ? TcpFlag.PSH : 0) |
    (repr.urgent !== null ? TcpFlag.URG : 0) | (repr.ece ? TcpFlag.ECE : 0) |
    (repr.cwr ? TcpFlag.CWR : 0);
  packet.window = repr.window;
  packet.urgent = repr.urgent ?? 0;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at: number = Field.OPTIONS;
  const put = (...values: number[]) => {
    for (const v of values) out[at++] = v;
  };
  if (repr.mss !== null) {
    put(TcpOption.MSS, 4);
    view.setUint16(at, repr.mss);
    at += 2;
  }
  if (repr.timestamp) {
    if (repr.sackPermitted) put(TcpOption.SACK_PERMITTED, 2);
    else put(TcpOption.NOP, TcpOption.NOP);
    put(TcpOption.TIMESTAMPS, 10);
    view.setUint32(at, repr.timestamp.value >>> 0);
    view.setUint32(at + 4, repr.timestamp.echo >>> 0);
    at += 8;
  } else if (repr.sackPermitted) {
    put(TcpOption.NOP, TcpOption.NOP, TcpOption.SACK_PERMITTED, 2);
  }
  if (repr.windowScale !== null) put(TcpOption.NOP, TcpOption.WINDOW_SCALE, 3, repr.windowScale);
  if (repr.sack.length) {
    put(TcpOption.NOP, TcpOption.NOP, TcpOption.SACK, 2 + 8 * repr.sack.length);
    for (const [left, right] of repr.sack) {
      view.setUint32(at, left >>> 0);
      view.setUint32(at + 4, right >>> 0);
      at += 8;
    }
  }
  out.set(repr.payload, headerLen);
  if (pseudo) packet.fillChecksum(pseudo);
  return total;
}
