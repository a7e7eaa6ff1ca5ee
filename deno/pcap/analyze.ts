/**
 * The capture analyzer behind `socklab pcap`: finds every TCP connection in
 * a capture, the handshake it saw and the options negotiated, who closed
 * first and how, data bytes each way, retransmissions, out-of-order segments
 * and bad checksums, and reassembles each direction's byte stream.
 *
 * Connections are numbered as tshark's `tcp.stream`: from 0, in the order of
 * each connection's first packet; a new SYN on a 4-tuple whose connection
 * has closed starts a new one. Reassembly follows tshark's
 * `-z follow,tcp,raw`: bytes are delivered in sequence order from the first
 * sequence number seen (the SYN's plus one), the first copy of any byte wins
 * over later retransmissions, segments past a gap wait until it fills, and
 * data the capture never shows (a gap never filled) ends the stream there.
 * Checksums are verified (IPv4 header and TCP) but, like tshark's follow,
 * a segment with a bad checksum still contributes its data.
 *
 * Frames that the capture's snap length cut short are analyzed from their
 * headers (lengths come from the IP header, checksums are "unverified" as
 * tshark says), but their data is not followed.
 *
 * **Not supported:** IP fragments (counted, not reassembled), TCP Fast Open
 * data on a SYN, and following the partial data of cut frames.
 *
 * @example
 * ```ts
 * import { analyze } from "./analyze.ts";
 * import { readCapture } from "./reader.ts";
 * import { PcapWriter } from "./writer.ts";
 * const analysis = analyze(readCapture(new PcapWriter().bytes()));
 * console.assert(analysis.connections.length === 0);
 * ```
 *
 * @module
 */
import { WireError } from "../wire/error.ts";
import { formatAddress, IpProtocol, type PseudoHeader } from "../wire/ip.ts";
import { Ipv4Packet } from "../wire/ipv4.ts";
import { parsePacket as parseIpv6 } from "../wire/ipv6.ts";
import { seqAdd, seqSub } from "../wire/seq.ts";
import { parse as parseTcp, TcpPacket, type TcpRepr } from "../wire/tcp.ts";
import { ipOfFrame } from "./link.ts";
import type { Capture, CapturedPacket } from "./reader.ts";

/** An IP address and port. */
export interface CaptureEndpoint {
  /** The address as text ("10.0.0.1", "fd00::1"). */
  readonly address: string;
  /** The port. */
  readonly port: number;
}

/** A TCP segment found in a frame, with its checksum verdicts. */
export interface CapturedSegment {
  /** The frame's index in the capture. */
  readonly frame: number;
  /** Seconds since the epoch. */
  readonly time: number;
  /** The sender. */
  readonly src: CaptureEndpoint;
  /** The receiver. */
  readonly dst: CaptureEndpoint;
  /** The segment (its payload is what was captured of the data). */
  readonly tcp: TcpRepr;
  /** The data length on the wire, from the IP header. */
  readonly length: number;
  /** Whether the capture's snap length cut the frame short. */
  readonly cut: boolean;
  /** Whether the TCP checksum is right; null when the frame was cut short and it cannot be checked. */
  readonly checksumOk: boolean | null;
  /** Whether the IPv4 header checksum is right (null for IPv6, which has none). */
  readonly ipChecksumOk: boolean | null;
}

/** What a frame turned out to be. */
export type FrameContents =
  | { readonly kind: "tcp"; readonly segment: CapturedSegment }
  | { readonly kind: "other"; readonly what: string }
  | { readonly kind: "malformed"; readonly reason: string };

/** The options one side put on its SYN. */
export interface SynOptions {
  /** The MSS option, or null. */
  readonly mss: number | null;
  /** The window scale shift, or null when not offered. */
  readonly windowScale: number | null;
  /** Whether SACK-permitted was offered. */
  readonly sackPermitted: boolean;
  /** Whether timestamps were offered. */
  readonly timestamps: boolean;
}

/** The three-way handshake as the capture shows it. */
export interface HandshakeSeen {
  /** The client's SYN, or null if not captured. */
  readonly syn: SynOptions | null;
  /** The server's SYN-ACK, or null if not captured. */
  readonly synAck: SynOptions | null;
  /** Whether the client's ACK of the SYN-ACK was captured. */
  readonly ack: boolean;
  /** What both sides agreed on (null unless both SYNs were captured). */
  readonly negotiated: {
    readonly mss: number | null;
    readonly windowScale: { readonly client: number; readonly server: number } | null;
    readonly sack: boolean;
    readonly timestamps: boolean;
  } | null;
}

/** How the connection ended. */
export interface CloseSeen {
  /** Which side sent the first FIN or RST, or null when neither did. */
  first: "client" | "server" | null;
  /** Whether that first closing segment was a FIN or an RST (null when neither was sent). */
  firstFlag: "fin" | "rst" | null;
  /** "fin/fin": both sent FIN and no RST; "rst": an RST was sent; "fin": one FIN only; "open": neither. */
  how: "fin/fin" | "rst" | "fin" | "open";
  /** Which sides sent a FIN. */
  fin: { client: boolean; server: boolean };
  /** Which sides sent an RST. */
  rst: { client: boolean; server: boolean };
}

/** One direction of a connection. */
export interface StreamStats {
  /** Segments sent this way. */
  packets: number;
  /** Segments carrying data. */
  dataSegments: number;
  /** Bytes of the reassembled stream (each byte once). */
  bytes: number;
  /** Data segments repeating bytes already seen. */
  retransmissions: number;
  /** Data segments with only new bytes, below bytes already seen (they filled a gap late). */
  outOfOrder: number;
  /** Segments whose TCP or IPv4 header checksum is wrong. */
  badChecksums: number;
  /** Bytes seen past a gap the capture never filled (not in the stream). */
  unfilledBytes: number;
  /** Data segments the snap length cut short: counted, their data not followed. */
  cutSegments: number;
}

/** One TCP connection (tshark's `tcp.stream`). */
export interface CapturedConnection {
  /** The stream number: from 0, in order of first packet. */
  readonly stream: number;
  /** The side that sent the SYN (or, without one, the first packet). */
  readonly client: CaptureEndpoint;
  /** The other side. */
  readonly server: CaptureEndpoint;
  /** Index of the first and last frame. */
  readonly frames: { first: number; last: number };
  /** Time of the first packet and seconds until the last. */
  readonly start: number;
  /** Seconds from the first packet to the last. */
  duration: number;
  /** The handshake seen. */
  handshake: HandshakeSeen;
  /** How it closed. */
  close: CloseSeen;
  /** Client to server. */
  readonly toServer: StreamStats;
  /** Server to client. */
  readonly toClient: StreamStats;
}

/** Everything {@link analyze} found. */
export interface CaptureAnalysis {
  /** "pcap" or "pcapng". */
  readonly format: "pcap" | "pcapng";
  /** Frames in the capture. */
  readonly frames: number;
  /** Frames with a TCP segment. */
  readonly tcpFrames: number;
  /** Frames with something other than TCP (ARP, UDP, ICMP...). */
  readonly otherFrames: number;
  /** Frames that could not be decoded, with why. */
  readonly malformed: { readonly frame: number; readonly reason: string }[];
  /** Why the file ended early, or null. */
  readonly truncated: string | null;
  /** The connections, by stream number. */
  readonly connections: CapturedConnection[];
}

/** The analysis plus each connection's reassembled streams. */
export interface CaptureAnalysisWithStreams extends CaptureAnalysis {
  /**
   * The bytes of stream `stream` in one direction: what the client sent
   * ("toServer") or what the server sent ("toClient").
   */
  streamBytes(stream: number, direction: "toServer" | "toClient"): Uint8Array;
}

function endpoint(address: Uint8Array, port: number): CaptureEndpoint {
  return { address: formatAddress(address), port };
}

/**
 * Decodes one captured frame down to TCP, verifying checksums.
 * Never throws for bad bytes: a frame that cannot be decoded comes back as
 * `{ kind: "malformed", reason }`.
 */
export function decodeFrame(packet: CapturedPacket): FrameContents {
  try {
    const ip = ipOfFrame(packet.linkType, packet.data);
    if (ip === null) return { kind: "other", what: `not IP (link type ${packet.linkType})` };
    const complete = packet.data.length >= packet.originalLength;
    let payload: Uint8Array;
    let ipPayloadLen: number;
    let protocol: number;
    let pseudo: PseudoHeader;
    let ipChecksumOk: boolean | null = null;
    if (ip.version === 4) {
      const p = Ipv4Packet.checked(ip.packet, !complete);
      ipChecksumOk = p.verifyChecksum();
      ipPayloadLen = p.totalLen - p.headerLen;
      if (p.moreFrags || p.fragOffset > 0) return { kind: "other", what: "IPv4 fragment" };
      protocol = p.protocol;
      payload = p.payload;
      pseudo = { src: p.src, dst: p.dst };
    } else {
      const { repr, payload: body } = parseIpv6(ip.packet, !complete);
      ipPayloadLen = repr.payloadLen;
      if (repr.fragment) return { kind: "other", what: "IPv6 fragment" };
      protocol = repr.nextHeader;
      payload = body;
      pseudo = { src: repr.src, dst: repr.dst };
    }
    if (protocol !== IpProtocol.Tcp) return { kind: "other", what: `IP protocol ${protocol}` };
    const tcp = parseTcp(payload);
    const view = new TcpPacket(payload);
    const checksumOk = complete ? view.verifyChecksum(pseudo) : null;
    return {
      kind: "tcp",
      segment: {
        frame: packet.index,
        time: packet.time,
        src: endpoint(pseudo.src, tcp.srcPort),
        dst: endpoint(pseudo.dst, tcp.dstPort),
        tcp,
        length: ipPayloadLen - view.headerLen,
        cut: !complete,
        checksumOk,
        ipChecksumOk,
      },
    };
  } catch (error) {
    if (error instanceof WireError) return { kind: "malformed", reason: error.message };
    throw error;
  }
}

/**
 * Reassembles one direction the way tshark's follow does. Positions are
 * kept as offsets from the start of the stream (unwrapped from 32-bit
 * sequence numbers), so segments waiting past a gap stay sorted and every
 * lookup is a binary search: a capture that lost one early segment still
 * analyzes in O(n log n).
 */
class StreamAssembler {
  /** The next sequence number the stream expects; null until known. */
  next: number | null = null;
  /** Stream offset of the end of the furthest data seen. */
  highest = 0;
  chunks: Uint8Array[] = [];
  /** Bytes delivered in order: the stream offset of `next`. */
  length = 0;
  /** Segments past a gap, sorted by start offset (arrival order among equals). */
  pending: { start: number; data: Uint8Array }[] = [];
  /** The first pending entry not yet consumed. */
  head = 0;
  /** Disjoint sorted [start, end) offsets covered by pending data. */
  covered: [number, number][] = [];

  syn(seq: number) {
    if (this.next === null) this.next = seqAdd(seq, 1);
  }

  /** Adds data; returns how the segment relates to what was seen before. */
  data(seq: number, data: Uint8Array): "new" | "retransmission" | "out-of-order" {
    if (this.next === null) this.next = seq;
    const start = this.length + seqSub(seq, this.next);
    const end = start + data.length;
    let kind: "new" | "retransmission" | "out-of-order" = "new";
    if (start < this.length || this.coveredOverlaps(start, end)) kind = "retransmission";
    else if (start < this.highest) kind = "out-of-order";
    if (end > this.highest) this.highest = end;
    if (end <= this.length) return kind;
    if (start > this.length) {
      this.hold(start, data);
      return kind;
    }
    this.append(data.subarray(this.length - start));
    this.drain();
    return kind;
  }

  append(bytes: Uint8Array) {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
    this.next = seqAdd(this.next!, bytes.length);
  }

  hold(start: number, data: Uint8Array) {
    // Insert after every entry with the same or an earlier start.
    let lo = this.head, hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pending[mid].start <= start) lo = mid + 1;
      else hi = mid;
    }
    this.pending.splice(lo, 0, { start, data });
    this.cover(start, start + data.length);
  }

  drain() {
    while (this.head < this.pending.length && this.pending[this.head].start <= this.length) {
      const { start, data } = this.pending[this.head++];
      if (start + data.length > this.length) this.append(data.subarray(this.length - start));
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** The index of the first covered range ending after `offset`. */
  firstAfter(offset: number): number {
    let lo = 0, hi = this.covered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.covered[mid][1] <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  coveredOverlaps(start: number, end: number): boolean {
    const i = this.firstAfter(start);
    return i < this.covered.length && this.covered[i][0] < end;
  }

  cover(start: number, end: number) {
    const i = this.firstAfter(start - 1); // ranges touching `start` merge too
    let j = i;
    while (j < this.covered.length && this.covered[j][0] <= end) {
      start = Math.min(start, this.covered[j][0]);
      end = Math.max(end, this.covered[j][1]);
      j++;
    }
    this.covered.splice(i, j - i, [start, end]);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Bytes waiting past a gap that never filled, each counted once. */
  unfilled(): number {
    let total = 0;
    for (const [start, end] of this.covered) {
      if (end > this.length) total += end - Math.max(start, this.length);
    }
    return total;
  }
}

function synOptions(tcp: TcpRepr): SynOptions {
  return {
    mss: tcp.mss,
    windowScale: tcp.windowScale,
    sackPermitted: tcp.sackPermitted,
    timestamps: tcp.timestamp !== null,
  };
}

interface Tracked {
  conn: CapturedConnection;
  clientKey: string;
  isn: number | null;
  assemblers: { toServer: StreamAssembler; toClient: StreamAssembler };
  handshake: { syn: SynOptions | null; synAck: SynOptions | null; ack: boolean };
}

const key = (e: CaptureEndpoint) => `${e.address}|${e.port}`;

function newDirection(): StreamStats {
  return {
    packets: 0,
    dataSegments: 0,
    bytes: 0,
    retransmissions: 0,
    outOfOrder: 0,
    badChecksums: 0,
    unfilledBytes: 0,
    cutSegments: 0,
  };
}

/**
 * Analyzes a capture's packets one at a time, for a caller that wants to
 * report progress or yield between packets; {@link analyze} does the same
 * in one call.
 *
 * @example
 * ```ts
 * import { CaptureAnalyzer } from "./analyze.ts";
 * import { readCapture } from "./reader.ts";
 * import assert from "node:assert/strict";
 * const capture = readCapture(await Deno.readFile("tests/testdata/rst.pcap"));
 * const analyzer = new CaptureAnalyzer();
 * for (const packet of capture.packets) analyzer.add(packet);
 * assert.equal(analyzer.result(capture).connections.length, 1);
 * ```
 */
export class CaptureAnalyzer {
  readonly #byTuple = new Map<string, Tracked>();
  readonly #all: Tracked[] = [];
  readonly #malformed: { frame: number; reason: string }[] = [];
  #frames = 0;
  #tcpFrames = 0;
  #otherFrames = 0;

  /** How many packets were added. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * Takes the next packet of the capture, in capture order.
   *
   * @param packet A packet as {@link readCapture} returns it.
   */
  add(packet: CapturedPacket): void {
    this.#frames++;
    const decoded = decodeFrame(packet);
    if (decoded.kind === "other") {
      this.#otherFrames++;
      return;
    }
    if (decoded.kind === "malformed") {
      this.#malformed.push({ frame: packet.index, reason: decoded.reason });
      return;
    }
    this.#tcpFrames++;
    const seg = decoded.segment;
    const a = key(seg.src), b = key(seg.dst);
    const tuple = a < b ? `${a}-${b}` : `${b}-${a}`;
    let tracked = this.#byTuple.get(tuple);
    const { tcp } = seg;
    const freshSyn = tcp.control === "syn" && tcp.ack === null;
    if (
      tracked && freshSyn && tracked.isn !== tcp.seq &&
      (tracked.conn.close.how !== "open")
    ) {
      tracked = undefined; // port reuse: a new connection on the same 4-tuple
    }
    if (!tracked) {
      // Without a SYN, the sender of the first packet is taken as the client,
      // except that a SYN-ACK's sender is the server.
      const fromServer = tcp.control === "syn" && tcp.ack !== null;
      const conn: CapturedConnection = {
        stream: this.#all.length,
        client: fromServer ? seg.dst : seg.src,
        server: fromServer ? seg.src : seg.dst,
        frames: { first: seg.frame, last: seg.frame },
        start: seg.time,
        duration: 0,
        handshake: { syn: null, synAck: null, ack: false, negotiated: null },
        close: {
          first: null,
          firstFlag: null,
          how: "open",
          fin: { client: false, server: false },
          rst: { client: false, server: false },
        },
        toServer: newDirection(),
        toClient: newDirection(),
      };
      tracked = {
        conn,
        clientKey: key(conn.client),
        isn: null,
        assemblers: { toServer: new StreamAssembler(), toClient: new StreamAssembler() },
        handshake: { syn: null, synAck: null, ack: false },
      };
      this.#byTuple.set(tuple, tracked);
      this.#all.push(tracked);
    }
    track(tracked, seg, a);
  }

  /**
   * The analysis of the packets added so far.
   *
   * @param capture The capture's format and whether it was cut short.
   * @returns The connections, counts of other and malformed frames, and a
   * way to get each direction's reassembled bytes.
   */
  result(capture: Pick<Capture, "format" | "truncated">): CaptureAnalysisWithStreams {
    const all = this.#all;
    return {
      format: capture.format,
      frames: this.#frames,
      tcpFrames: this.#tcpFrames,
      otherFrames: this.#otherFrames,
      malformed: [...this.#malformed],
      truncated: capture.truncated,
      connections: all.map(finish),
      streamBytes(stream, direction) {
        const tracked = all[stream];
        if (!tracked) {
          throw new RangeError(
            `streamBytes(): no stream ${stream} (the capture has ${all.length})`,
          );
        }
        return tracked.assemblers[direction].bytes();
      },
    };
  }
}

/**
 * Analyzes every TCP connection in a capture.
 *
 * @param capture What {@link readCapture} returned.
 * @returns The connections, counts of other and malformed frames, and a
 * way to get each direction's reassembled bytes.
 */
export function analyze(capture: Capture): CaptureAnalysisWithStreams {
  const analyzer = new CaptureAnalyzer();
  for (const packet of capture.packets) analyzer.add(packet);
  return analyzer.result(capture);
}

/** Counts one segment on its connection; `srcKey` is `key(seg.src)`, made once by the caller. */
function track(t: Tracked, seg: CapturedSegment, srcKey: string) {
  const { conn, handshake } = t;
  const { tcp } = seg;
  const fromClient = srcKey === t.clientKey;
  const side = fromClient ? "client" : "server";
  const dir = fromClient ? conn.toServer : conn.toClient;
  const asm = fromClient ? t.assemblers.toServer : t.assemblers.toClient;
  conn.frames.last = seg.frame;
  conn.duration = seg.time - conn.start;
  dir.packets++;
  if (seg.checksumOk === false || seg.ipChecksumOk === false) dir.badChecksums++;
  if (tcp.control === "syn") {
    asm.syn(tcp.seq);
    if (fromClient && tcp.ack === null) {
      handshake.syn = synOptions(tcp);
      t.isn = tcp.seq;
    } else if (!fromClient && tcp.ack !== null) {
      handshake.synAck = synOptions(tcp);
    }
  } else if (
    fromClient && handshake.synAck && !handshake.ack && tcp.ack !== null && tcp.control === null
  ) {
    handshake.ack = true;
  }
  if (seg.cut && seg.length > 0) {
    dir.dataSegments++;
    dir.cutSegments++;
  } else if (tcp.payload.length > 0 && tcp.control !== "syn") {
    dir.dataSegments++;
    const kind = asm.data(tcp.seq, tcp.payload);
    if (kind === "retransmission") dir.retransmissions++;
    else if (kind === "out-of-order") dir.outOfOrder++;
  }
  if (tcp.control === "fin" || tcp.control === "rst") {
    const close = conn.close;
    close[tcp.control][side] = true;
    if (close.first === null) [close.first, close.firstFlag] = [side, tcp.control];
    close.how = close.rst.client || close.rst.server
      ? "rst"
      : close.fin.client && close.fin.server
      ? "fin/fin"
      : "fin";
  }
}

function finish(t: Tracked): CapturedConnection {
  const { conn, handshake } = t;
  const { syn, synAck } = handshake;
  conn.handshake = {
    ...handshake,
    negotiated: syn && synAck
      ? {
        mss: syn.mss === null && synAck.mss === null
          ? null
          : Math.min(syn.mss ?? 536, synAck.mss ?? 536),
        windowScale: syn.windowScale !== null && synAck.windowScale !== null
          ? { client: syn.windowScale, server: synAck.windowScale }
          : null,
        sack: syn.sackPermitted && synAck.sackPermitted,
        timestamps: syn.timestamps && synAck.timestamps,
      }
      : null,
  };
  for (
    const [dir, asm] of [[conn.toServer, t.assemblers.toServer], [
      conn.toClient,
      t.assemblers.toClient,
    ]] as const
  ) {
    dir.bytes = asm.length;
    dir.unfilledBytes = asm.unfilled();
  }
  return conn;
}
