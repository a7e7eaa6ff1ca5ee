/**
 * The packet functions of the socklab WASM core: TCP segmentation (software
 * TSO), TCP receive reassembly with SACK blocks, and IPv4/IPv6 fragment
 * reassembly. Pure computation: no I/O, no clock (time is an argument).
 *
 * Every sequence number is an unsigned 32-bit integer and wraps at 2^32.
 * Byte arguments are `Uint8Array`s (copied into core memory) or bytes already
 * in core memory (a `CoreBuffer` or a view of its `bytes`, used in place).
 *
 * @module
 */

import type { CoreBuffer } from "./checksum.d.ts";

/** Bytes the core can read: a JS byte array or a buffer in core memory. */
export type PacketBytes = Uint8Array | CoreBuffer;

/** An IP address: IPv4 dotted quad, IPv6 text, or 4 or 16 bytes in network order. */
export type IpAddress = string | Uint8Array;

/** What {@link segmentTcp} builds: the headers every packet shares. */
export interface SegmentOptions {
  /** 4 or 6; optional, the addresses decide. */
  family?: 4 | 6;
  /** Source address (4 or 16 bytes, or text). */
  src: IpAddress;
  /** Destination address, same family as `src`. */
  dst: IpAddress;
  /** Source port. */
  srcPort: number;
  /** Destination port. */
  dstPort: number;
  /** Sequence number of the first packet (the SYN's own number when `syn`). */
  seq: number;
  /** Acknowledgement number; sets the ACK flag. Omit or null for none. */
  ack?: number | null;
  /** Raw 16-bit window field (already scaled down). Default 65535. */
  window?: number;
  /**
   * The send MSS (RFC 9293 §3.7.1): the peer's MSS. Each packet carries at
   * most `sendMss` minus the TCP option bytes of data (RFC 6691), so 1460
   * with timestamps gives 1448-byte segments.
   */
  sendMss: number;
  /** SYN on the first packet (it takes one sequence number). */
  syn?: boolean;
  /** FIN on the last packet (it takes one sequence number). */
  fin?: boolean;
  /** PSH on the last packet. */
  psh?: boolean;
  /** RST on every packet. */
  rst?: boolean;
  /** ECE on every packet (RFC 3168). */
  ece?: boolean;
  /** CWR on the first packet only (RFC 3168 §6.1.2). */
  cwr?: boolean;
  /** MSS option value to send (SYN only). */
  mss?: number | null;
  /** Window scale option shift 0..14 (SYN only). */
  windowScale?: number | null;
  /** SACK-permitted option (SYN only). */
  sackPermitted?: boolean;
  /** Timestamps option (RFC 7323), on every packet. */
  timestamp?: { value: number; echo: number } | null;
  /** SACK blocks [left, right) (RFC 2018), at most 4 (3 with timestamps). */
  sack?: readonly (readonly [number, number])[];
  /** IPv4 TTL (default 64). */
  ttl?: number;
  /** IPv6 hop limit (default 64). */
  hopLimit?: number;
  /** IPv4 TOS byte (DSCP and ECN). */
  tos?: number;
  /** IPv6 traffic class. */
  trafficClass?: number;
  /** IPv4 identification of the first packet; later ones count up. */
  ipId?: number;
  /** IPv4 Don't Fragment (default true). */
  dontFragment?: boolean;
  /** IPv6 flow label (20 bits). */
  flowLabel?: number;
}

/** Where {@link segmentTcp} put the packets. */
export interface Segmented {
  /** Number of packets (one even for an empty payload). */
  count: number;
  /** Bytes written, packets back to back. */
  byteLength: number;
  /** Offset of each packet in the output. */
  offsets: number[];
  /** Length of each packet. */
  lengths: number[];
  /** Data bytes per full packet. */
  payloadPerPacket: number;
  /** The sequence number after the last packet (data, SYN and FIN counted). */
  nextSeq: number;
  /**
   * The packets: the caller's array, or a view of core memory when `out`
   * lives there (valid until the core's memory grows).
   */
  bytes: Uint8Array;
}

/**
 * Splits `payload` into whole IPv4 or IPv6 + TCP packets, as a NIC's TSO
 * engine would: every header, option and checksum filled in, sequence
 * numbers wrapping at 2^32, PSH and FIN on the last packet only.
 *
 * @param options The headers; see {@link SegmentOptions}.
 * @param payload The stream bytes (empty gives one packet without data).
 * @param out Where to write; by default a new array of the exact size.
 * @throws {TypeError} For an argument of the wrong type.
 * @throws {RangeError} For an out-of-range value, options over 40 bytes, a
 *   send MSS too small for the options, or an `out` too small.
 * @throws {SyntaxError} For an address that cannot be parsed.
 */
export declare function segmentTcp(
  options: SegmentOptions,
  payload?: PacketBytes,
  out?: Uint8Array | CoreBuffer,
): Segmented;

/** The number of bytes {@link segmentTcp} writes for `payloadLength` data bytes. */
export declare function tcpSegmentedLength(options: SegmentOptions, payloadLength: number): number;

/** Options of a {@link TcpReassembler}. */
export interface TcpReassemblerOptions {
  /** Sequence number of the first byte expected (RCV.NXT). */
  initialSeq: number;
  /** Buffer size: the largest receive window (1 byte to 256 MiB). */
  window: number;
  /** Most out-of-order ranges held at once (default 64). */
  maxRanges?: number;
}

/** What became of an inserted segment's bytes. */
export interface TcpInsertResult {
  /**
   * "stored" (some bytes were new), "duplicate" (none were), "out-of-window",
   * "too-many-ranges" (refused), or "empty".
   */
  status: "stored" | "duplicate" | "out-of-window" | "too-many-ranges" | "empty";
  /** New bytes stored. */
  accepted: number;
  /** Bytes already received (delivered or held). */
  duplicate: number;
  /** Bytes beyond the right edge of the window, dropped. */
  outOfWindow: number;
  /** Why nothing was stored, when nothing was. */
  reason?: string;
}

/**
 * A TCP receive buffer: takes segments in any order and yields the stream in
 * order. Bytes beyond the window are dropped; overlaps keep the first copy
 * (a retransmission never changes a byte already received); sequence numbers
 * wrap at 2^32. Holds native memory: `free()` it (or `using`).
 */
export declare class TcpReassembler implements Disposable {
  /**
   * A reassembler expecting `initialSeq` next, with a `window`-byte buffer.
   *
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(options: TcpReassemblerOptions);
  /** Offers the segment text `data` starting at sequence number `seq`. */
  insert(seq: number, data: PacketBytes): TcpInsertResult;
  /** Takes up to `max` in-order bytes (all by default), as a copy. */
  read(max?: number): Uint8Array;
  /**
   * Copies in-order bytes into `buffer` (as many as fit and are ready) and
   * marks them read; returns how many. No allocation: the fast way to read.
   */
  readInto(buffer: Uint8Array): number;
  /**
   * The first run of in-order bytes as a view of core memory, no copy: valid
   * until the next call on any object of this core. `consume()` what you use.
   */
  peek(): Uint8Array;
  /** Marks up to `n` in-order bytes read; returns how many. */
  consume(n: number): number;
  /**
   * SACK blocks [left, right) to advertise (RFC 2018 §4), the most recently
   * grown first; `max` defaults to 4 (use 3 beside timestamps).
   */
  sackBlocks(max?: number): [number, number][];
  /** The next in-order sequence number expected (RCV.NXT). */
  readonly nextSeq: number;
  /** In-order bytes waiting to be read. */
  readonly readable: number;
  /** The receive window: the buffer less the unread in-order bytes. */
  readonly window: number;
  /** Bytes held out of order. */
  readonly outOfOrderBytes: number;
  /** `readable` plus `outOfOrderBytes`. */
  readonly bufferedBytes: number;
  /** Out-of-order ranges held. */
  readonly ranges: number;
  /** Releases the buffer; later calls throw a TypeError. */
  free(): void;
  /** Same as {@link TcpReassembler.free}. */
  [Symbol.dispose](): void;
}

/** Limits of a {@link FragmentReassembler}. */
export interface FragmentReassemblerOptions {
  /** Datagrams in reassembly at once (default 64). */
  maxDatagrams?: number;
  /** Bytes held across all of them (default 4 MiB, at most 256 MiB). */
  maxBytes?: number;
  /** Time from a datagram's first fragment to giving up (default 30 000 ms). */
  timeoutMs?: number;
  /** Fragments per datagram (default 64). */
  maxFragmentsPerDatagram?: number;
}

/** Outcome names of {@link FragmentReassembler.insert}, also the counter names. */
export type FragmentStatus =
  | "held"
  | "complete"
  | "notFragment"
  | "duplicate"
  | "truncated"
  | "badVersion"
  | "badHeaderLength"
  | "badTotalLength"
  | "badChecksum"
  | "reservedFlag"
  | "empty"
  | "misaligned"
  | "tooBig"
  | "badExtension"
  | "jumbogram"
  | "overlap"
  | "inconsistent"
  | "discarded"
  | "tooManyFragments"
  | "tooManyDatagrams"
  | "outOfMemory"
  | "incompleteChain";

/** What {@link FragmentReassembler.insert} did with a packet. */
export interface FragmentResult {
  /** The outcome; anything but held/complete/notFragment is a drop. */
  status: FragmentStatus;
  /** The whole datagram when complete (or the packet itself when not a fragment). */
  complete: Uint8Array | null;
  /** A readable reason, for drops. */
  reason?: string;
}

/**
 * IPv4 (RFC 791/815) and IPv6 (RFC 8200 §4.5) fragment reassembly. Any
 * overlap discards the whole datagram (RFC 5722); exact duplicates are
 * ignored. Limits on datagrams, fragments and bytes refuse what would exceed
 * them. Holds native memory: `free()` it (or `using`).
 */
export declare class FragmentReassembler implements Disposable {
  /**
   * A reassembler with the given limits (each has a default).
   *
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If a limit is out of range.
   */
  constructor(options?: FragmentReassemblerOptions);
  /** Offers one IP packet received at `nowMs` (any clock, in milliseconds). */
  insert(packet: PacketBytes, nowMs: number): FragmentResult;
  /**
   * Drops datagrams whose first fragment arrived `timeoutMs` or more before
   * `nowMs`. `timeExceeded` counts those whose first fragment had arrived:
   * each would warrant an ICMP Time Exceeded (RFC 792, RFC 8200 §4.5).
   */
  expire(nowMs: number): { dropped: number; timeExceeded: number };
  /** Datagrams in reassembly (discarded ones remembered until they time out included). */
  readonly pending: number;
  /** Bytes held. */
  readonly bytesHeld: number;
  /**
   * Totals since creation of what timed out, whether dropped by
   * {@link FragmentReassembler.expire} or by `insert()` making room.
   */
  readonly timedOut: { dropped: number; timeExceeded: number };
  /** Packets by outcome since creation. */
  readonly counters: Record<FragmentStatus, number>;
  /** Releases everything; later calls throw a TypeError. */
  free(): void;
  /** Same as {@link FragmentReassembler.free}. */
  [Symbol.dispose](): void;
}

/** The packet functions bound to one core (see `SocklabCore`). */
export interface PacketApi {
  /** {@link segmentTcp} of this core. */
  segmentTcp: typeof segmentTcp;
  /** {@link tcpSegmentedLength} of this core. */
  tcpSegmentedLength: typeof tcpSegmentedLength;
  /** {@link TcpReassembler} of this core. */
  readonly TcpReassembler: typeof TcpReassembler;
  /** {@link FragmentReassembler} of this core. */
  readonly FragmentReassembler: typeof FragmentReassembler;
}
