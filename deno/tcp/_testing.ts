// Fixtures for the segment-level tests, in the style of smoltcp's TCP tests:
// sockets built into each state, and helpers that send a segment written with
// sequence numbers relative to each side's ISS and read back what the socket
// sends as short text. Not part of the public API.
import { flagsOf, type TcpRepr } from "../wire/tcp.ts";
import type { TraceEvent } from "./events.ts";
import { type TcpConfig, TcpSocket } from "./socket.ts";
import { tcpRepr } from "../wire/tcp.ts";
import { type InetAddr, inetAddr } from "../wire/inet_addr.ts";
import { seqAdd, seqSub } from "../wire/seq.ts";

/** Our initial send sequence number. */
export const L_ISS = 10_000;
/** The peer's initial sequence number, close to the wrap so arithmetic wraps. */
export const R_ISS = 0xffff_ffd0;
/** Our endpoint. */
export const LOCAL: InetAddr = inetAddr("192.168.1.1", 80);
/** The peer. */
export const REMOTE: InetAddr = inetAddr("192.168.1.2", 49500);

/**
 * Settings that make replies immediate and numbers predictable: a 64 KiB
 * receive buffer keeps the window arithmetic small (and the offered window
 * scale 0).
 */
export const TEST_CONFIG: Partial<TcpConfig> = {
  isn: () => L_ISS,
  recvBufferSize: 65535,
  delayedAck: 0,
  nagle: false,
  msl: 1000,
  userTimeout: 60_000,
};

/** What a test sends: numbers relative to R_ISS (seq) and L_ISS (ack). */
export interface Incoming {
  seq: number;
  ack?: number | null;
  control?: TcpRepr["control"];
  data?: string;
  window?: number;
  mss?: number | null;
  windowScale?: number | null;
  /** SACK-permitted (on a SYN). */
  sackPermitted?: boolean;
  /** SACK blocks [left, right), relative to L_ISS (they acknowledge our data). */
  sack?: [number, number][];
  /** The timestamps option: [TSval, TSecr], both absolute. */
  ts?: [number, number];
}

/** Delivers a segment to `s` at `now`. */
export function send(s: TcpSocket, seg: Incoming, now = 0): void {
  s.process(now, incoming(seg));
}

/** The TcpRepr of an incoming test segment. */
export function incoming(seg: Incoming): TcpRepr {
  return tcpRepr({
    srcPort: REMOTE.port,
    dstPort: LOCAL.port,
    seq: seqAdd(R_ISS, seg.seq),
    ack: seg.ack === undefined || seg.ack === null ? null : seqAdd(L_ISS, seg.ack),
    control: seg.control ?? null,
    payload: new TextEncoder().encode(seg.data ?? ""),
    window: seg.window ?? 65535,
    mss: seg.mss ?? null,
    windowScale: seg.windowScale ?? null,
    sackPermitted: seg.sackPermitted ?? false,
    sack: (seg.sack ?? []).map(([a, b]) => [seqAdd(L_ISS, a), seqAdd(L_ISS, b)] as const),
    timestamp: seg.ts ? { value: seg.ts[0] >>> 0, echo: seg.ts[1] >>> 0 } : null,
  });
}

/**
 * Polls `s` at `now` and describes each segment sent, e.g.
 * "SYN,ACK seq=0 ack=1 mss=1460 ws=0 sackOK TS" or "PSH,ACK seq=1 ack=1 len=5";
 * SACK blocks read "sack=7-9,3-5" (relative to the peer's ISS).
 */
export function recv(s: TcpSocket, now = 0): string[] {
  return s.poll(now).map(describe);
}

/** Describes one outgoing segment (seq relative to L_ISS, ack to R_ISS). */
export function describe(r: TcpRepr): string {
  const flags = flagsOf(r) || "none";
  let text = `${flags} seq=${seqSub(r.seq, L_ISS)}`;
  if (r.ack !== null) text += ` ack=${seqSub(r.ack, R_ISS)}`;
  if (r.payload.length) text += ` len=${r.payload.length}`;
  if (r.mss !== null) text += ` mss=${r.mss}`;
  if (r.windowScale !== null) text += ` ws=${r.windowScale}`;
  if (r.sackPermitted) text += " sackOK";
  if (r.timestamp !== null) text += " TS";
  if (r.sack.length) {
    text += ` sack=${r.sack.map(([a, b]) => `${seqSub(a, R_ISS)}-${seqSub(b, R_ISS)}`).join(",")}`;
  }
  return text;
}

/** The window field of the only segment `s` sends now. */
export function windowOf(s: TcpSocket, now = 0): number {
  const out = s.poll(now);
  if (out.length !== 1) throw new Error(`expected one segment, got ${out.length}`);
  return out[0].window;
}

/** A new socket with the test settings (plus `config`). */
export function socket(config: Partial<TcpConfig> = {}, events?: TraceEvent[]): TcpSocket {
  return new TcpSocket(
    { ...TEST_CONFIG, ...config },
    events ? (e) => events.push(e) : null,
  );
}

/** A socket in LISTEN. */
export function socketListen(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socket(config);
  s.listen(0, LOCAL);
  s.setRemote(REMOTE);
  return s;
}

/** A socket in SYN-RECEIVED whose SYN-ACK has gone out. */
export function socketSynReceived(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketListen(config);
  send(s, { seq: 0, control: "syn", mss: 1460 });
  s.poll(0);
  return s;
}

/** A socket in SYN-SENT whose SYN has gone out at time 0. */
export function socketSynSent(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socket(config);
  s.connect(0, LOCAL, REMOTE);
  s.poll(0);
  return s;
}

/** An ESTABLISHED connection, from an active open, with nothing in flight. */
export function socketEstablished(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketSynSent(config);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460 });
  s.poll(0);
  return s;
}

/**
 * An ESTABLISHED connection whose peer's SYN-ACK offered SACK-permitted and
 * timestamps (TSval 1000, the peer's clock ticking with ours), so both are
 * in force; the peer's SYN-ACK echoes our SYN's stamp and arrives `rtt` ms
 * after it (default 0), which is then the first RTT sample.
 */
export function socketEstablishedSackTs(
  config: Partial<TcpConfig> = {},
  options: { rtt?: number; events?: TraceEvent[] } = {},
): TcpSocket {
  const rtt = options.rtt ?? 0;
  const s = socket(config, options.events);
  s.connect(0, LOCAL, REMOTE);
  const [syn] = s.poll(0);
  send(s, {
    seq: 0,
    ack: 1,
    control: "syn",
    mss: 1460,
    sackPermitted: true,
    ts: [1000, syn.timestamp!.value],
  }, rtt);
  s.poll(rtt);
  return s;
}

/** FIN-WAIT-1: we closed, our FIN (seq 1) is in flight. */
export function socketFinWait1(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketEstablished(config);
  s.close(0);
  s.poll(0);
  return s;
}

/** FIN-WAIT-2: our FIN is acknowledged. */
export function socketFinWait2(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketFinWait1(config);
  send(s, { seq: 1, ack: 2 });
  return s;
}

/** CLOSING: we and the peer closed at once; our FIN is not yet acknowledged. */
export function socketClosing(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketFinWait1(config);
  send(s, { seq: 1, ack: 1, control: "fin" });
  s.poll(0);
  return s;
}

/** TIME-WAIT, entered at time 0. */
export function socketTimeWait(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketFinWait2(config);
  send(s, { seq: 1, ack: 2, control: "fin" });
  s.poll(0);
  return s;
}

/** CLOSE-WAIT: the peer's FIN (seq 1) arrived and was acknowledged. */
export function socketCloseWait(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketEstablished(config);
  send(s, { seq: 1, ack: 1, control: "fin" });
  s.poll(0);
  return s;
}

/** LAST-ACK: after CLOSE-WAIT we closed; our FIN (seq 1) is in flight. */
export function socketLastAck(config: Partial<TcpConfig> = {}): TcpSocket {
  const s = socketCloseWait(config);
  s.close(0);
  s.poll(0);
  return s;
}

/** Bytes from text. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Text from bytes. */
export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}
