/**
 * The kernel's view of its sockets, read from Linux's `/proc/net/tcp`,
 * `/proc/net/tcp6`, `/proc/net/udp`, `/proc/net/udp6` and `/proc/net/unix`:
 * state (ESTABLISHED, FIN-WAIT-2, TIME-WAIT, ...), queues, the pending timer
 * and retransmissions. This is what `ss` and `netstat` show.
 *
 * The parsers ({@link parseProcNetInet}, {@link parseProcNetUnix}) are pure
 * functions of the file text; {@link kernelSockets} and {@link kernelState}
 * read the files of the calling process's network namespace. Linux only.
 *
 * @example The state of one connection
 * ```ts
 * import { connect, listen } from "./stream.ts";
 * import { kernelState } from "./procnet.ts";
 * import assert from "node:assert/strict";
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = server.accept();
 * await using client = await connect(server.addr);
 * await using _peer = await accepted;
 * const [entry] = await kernelState(client);
 * assert.equal(entry.state, "ESTABLISHED");
 * ```
 *
 * @module
 */
import { formatAddr } from "./addr.ts";
import type { Addr, InetAddr } from "./types.ts";
import type { TcpState } from "../tcp/state.ts";

/**
 * A TCP socket's state as the kernel reports it: one of the eleven RFC 9293
 * states socklab's TCP uses ({@link TcpState}, `deno/tcp/state.ts`), or
 * Linux's NEW-SYN-RECV (a request socket awaiting the handshake's last ACK).
 */
export type KernelTcpState = TcpState | "NEW-SYN-RECV";

/** Linux's `st` codes (include/net/tcp_states.h) in order from 1, by RFC name. */
const TCP_STATES: readonly KernelTcpState[] = [
  "ESTABLISHED",
  "SYN-SENT",
  "SYN-RECEIVED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "CLOSED",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
  "NEW-SYN-RECV",
];

/**
 * The state behind one of Linux's `st` codes (the `/proc/net/tcp` column,
 * and the first byte of `struct tcp_info`).
 *
 * @param code The code, 1 (ESTABLISHED) to 12 (NEW-SYN-RECV).
 * @returns The state, or null for a code Linux does not use.
 *
 * @example
 * ```ts
 * import { kernelTcpState } from "./procnet.ts";
 * import assert from "node:assert/strict";
 * assert.equal(kernelTcpState(6), "TIME-WAIT");
 * assert.equal(kernelTcpState(0), null);
 * ```
 */
export function kernelTcpState(code: number): KernelTcpState | null {
  return TCP_STATES[code - 1] ?? null;
}

/** The same states as Linux names them (`FIN_WAIT1`, `TIME_WAIT`...), as `ss` prints. */
export const LINUX_TCP_STATE_NAMES: Readonly<Record<KernelTcpState, string>> = {
  "ESTABLISHED": "ESTABLISHED",
  "SYN-SENT": "SYN_SENT",
  "SYN-RECEIVED": "SYN_RECV",
  "FIN-WAIT-1": "FIN_WAIT1",
  "FIN-WAIT-2": "FIN_WAIT2",
  "TIME-WAIT": "TIME_WAIT",
  "CLOSED": "CLOSE",
  "CLOSE-WAIT": "CLOSE_WAIT",
  "LAST-ACK": "LAST_ACK",
  "LISTEN": "LISTEN",
  "CLOSING": "CLOSING",
  "NEW-SYN-RECV": "NEW_SYN_RECV",
};

/** Which timer is pending on a TCP socket (the `tr` column). */
export type TimerKind = "retransmit" | "keepalive" | "time-wait" | "zero-window-probe";

const TIMERS: Record<number, TimerKind> = {
  1: "retransmit",
  2: "keepalive", // "another timer": keepalive, or SYN-ACK for a listener
  3: "time-wait",
  4: "zero-window-probe",
};

/** Linux reports `tm->when` in clock ticks of USER_HZ, which is 100 on Linux. */
const MS_PER_TICK = 10;

/** One socket as the kernel sees it. */
export interface KernelSocket {
  /** "tcp", "udp" or "unix". */
  readonly protocol: "tcp" | "udp" | "unix";
  /** The socket type: "stream" for TCP, "dgram" for UDP, either (or "seqpacket") for unix. */
  readonly type: "stream" | "dgram" | "seqpacket";
  /**
   * The state: a {@link KernelTcpState} for TCP; for UDP "ESTABLISHED" when
   * connected, else "CLOSED"; for unix "LISTEN", "UNCONNECTED",
   * "CONNECTING", "CONNECTED" or "DISCONNECTING".
   */
  readonly state: string;
  /** This end's address. */
  readonly local: Addr;
  /** The peer's address (null for unix, where /proc does not say). */
  readonly remote: Addr | null;
  /** Bytes queued to send (TCP: sent but unacknowledged, or unsent). */
  readonly sendQueue: number;
  /** Bytes received but not yet read by the application (listener: pending accepts). */
  readonly recvQueue: number;
  /** The pending timer, with the milliseconds until it fires; null if none. */
  readonly timer: { readonly kind: TimerKind; readonly ms: number } | null;
  /** Unrecovered retransmissions (TCP). */
  readonly retransmits: number;
  /** The owner's user id (not known for unix sockets: -1). */
  readonly uid: number;
  /** The socket's inode number (the link target of its /proc/PID/fd entry). */
  readonly inode: number;
}

/** Reads `0100007F:1F90` (IPv4) or the 32-digit IPv6 form into an address. */
function parseHexAddr(text: string, family: "inet" | "inet6"): InetAddr {
  const [hex, portHex] = text.split(":");
  if (portHex === undefined || !/^[0-9A-Fa-f]+$/.test(hex + portHex)) {
    throw new SyntaxError(`Cannot parse /proc/net address "${text}"`);
  }
  const port = parseInt(portHex, 16);
  // Each 32-bit word is printed in host byte order; this machine's
  // (little-endian, as every Linux port Deno runs on) reverses its bytes.
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(hex.slice(w + b, w + b + 2), 16));
  }
  if (family === "inet") {
    if (bytes.length !== 4) throw new SyntaxError(`Cannot parse IPv4 address "${text}"`);
    return { family, hostname: bytes.join("."), port };
  }
  if (bytes.length !== 16) throw new SyntaxError(`Cannot parse IPv6 address "${text}"`);
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return { family, hostname: compressIPv6(groups), port };
}

/** The canonical text of an IPv6 address (RFC 5952), from its eight groups. */
function compressIPv6(groups: string[]): string {
  if (groups.slice(0, 5).every((g) => g === "0") && groups[5] === "ffff") {
    const v4 = [groups[6], groups[7]].flatMap((g) => {
      const n = parseInt(g, 16);
      return [n >> 8, n & 0xff];
    });
    return `::ffff:${v4.join(".")}`;
  }
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/**
 * Parses the text of `/proc/net/tcp`, `tcp6`, `udp` or `udp6`.
 *
 * @param text The file's contents, header line included.
 * @param protocol "tcp" or "udp".
 * @param family "inet" for tcp/udp, "inet6" for tcp6/udp6.
 * @throws {SyntaxError} If a line does not have the expected columns.
 */
export function parseProcNetInet(
  text: string,
  protocol: "tcp" | "udp",
  family: "inet" | "inet6",
): KernelSocket[] {
  const out: KernelSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) {
      if (line.trim() === "") continue;
      throw new SyntaxError(`Cannot parse /proc/net/${protocol} line: "${line.trim()}"`);
    }
    const [, localText, remoteText, st, queues, timerText, retrans, uid, , inode] = f;
    const [tx, rx] = queues.split(":").map((h) => parseInt(h, 16));
    const [tr, when] = timerText.split(":").map((h) => parseInt(h, 16));
    const code = parseInt(st, 16);
    const state = protocol === "tcp"
      ? TCP_STATES[code - 1] ?? `UNKNOWN-${code}`
      : code === 1
      ? "ESTABLISHED"
      : "CLOSED";
    const remote = parseHexAddr(remoteText, family);
    out.push({
      protocol,
      type: protocol === "tcp" ? "stream" : "dgram",
      state,
      local: parseHexAddr(localText, family),
      remote: remote.port === 0 && /^(0\.0\.0\.0|::)$/.test(remote.hostname) ? null : remote,
      sendQueue: tx,
      recvQueue: rx,
      timer: TIMERS[tr] ? { kind: TIMERS[tr], ms: when * MS_PER_TICK } : null,
      retransmits: parseInt(retrans, 16),
      uid: Number(uid),
      inode: Number(inode),
    });
  }
  return out;
}

const UNIX_TYPES: Record<number, KernelSocket["type"]> = {
  1: "stream",
  2: "dgram",
  5: "seqpacket",
};
const UNIX_STATES: Record<number, string> = {
  1: "UNCONNECTED",
  2: "CONNECTING",
  3: "CONNECTED",
  4: "DISCONNECTING",
};
/** `__SO_ACCEPTCON` in the Flags column: the socket listens. */
const SO_ACCEPTCON = 0x10000;

/**
 * Parses the text of `/proc/net/unix`.
 *
 * @throws {SyntaxError} If a line does not have the expected columns.
 */
export function parseProcNetUnix(text: string): KernelSocket[] {
  const out: KernelSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    if (line.trim() === "") continue;
    const m = /^\s*\S+:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)(?:\s(.*))?$/.exec(line);
    if (!m) throw new SyntaxError(`Cannot parse /proc/net/unix line: "${line.trim()}"`);
    const [, , , flags, type, st, inode, path] = m;
    const listening = (parseInt(flags, 16) & SO_ACCEPTCON) !== 0;
    out.push({
      protocol: "unix",
      type: UNIX_TYPES[parseInt(type, 16)] ?? "stream",
      state: listening ? "LISTEN" : UNIX_STATES[parseInt(st, 16)] ?? `UNKNOWN-${st}`,
      local: { family: "unix", path: path ?? "" },
      remote: null,
      sendQueue: 0,
      recvQueue: 0,
      timer: null,
      retransmits: 0,
      uid: -1,
      inode: Number(inode),
    });
  }
  return out;
}

/** Which sockets {@link kernelSockets} returns. */
export interface KernelSocketFilter {
  /** Only these protocols (default: all three). */
  protocols?: readonly ("tcp" | "udp" | "unix")[];
  /** Only sockets with this local or remote port (TCP and UDP). */
  port?: number;
  /** Only unix sockets bound to this path. */
  path?: string;
}

const FILES = [
  ["tcp", "inet", "/proc/net/tcp"],
  ["tcp", "inet6", "/proc/net/tcp6"],
  ["udp", "inet", "/proc/net/udp"],
  ["udp", "inet6", "/proc/net/udp6"],
] as const;

/**
 * Reads the kernel's socket tables, filtered.
 *
 * @throws {Error} If /proc/net cannot be read (not Linux).
 */
export async function kernelSockets(filter: KernelSocketFilter = {}): Promise<KernelSocket[]> {
  const protocols = filter.protocols ?? ["tcp", "udp", "unix"];
  const out: KernelSocket[] = [];
  for (const [protocol, family, file] of FILES) {
    if (!protocols.includes(protocol)) continue;
    const text = await readProc(file, family === "inet6");
    if (text === null) continue;
    for (const s of parseProcNetInet(text, protocol, family)) {
      const ports = [(s.local as InetAddr).port, (s.remote as InetAddr | null)?.port];
      if (filter.port === undefined || ports.includes(filter.port)) out.push(s);
    }
  }
  if (protocols.includes("unix") && filter.port === undefined) {
    const text = await readProc("/proc/net/unix", false);
    for (const s of parseProcNetUnix(text!)) {
      if (filter.path === undefined || (s.local as { path: string }).path === filter.path) {
        out.push(s);
      }
    }
  }
  return out;
}

async function readProc(file: string, optional: boolean): Promise<string | null> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (optional && error instanceof Deno.errors.NotFound) return null; // IPv6 disabled
    throw new Error(`Cannot read ${file}: ${(error as Error).message} (kernel state needs Linux)`, {
      cause: error,
    });
  }
}

/**
 * The kernel's entries for one connection or listener: the socket whose
 * local and remote addresses match `socket`'s. For a TCP connection whose
 * both ends live in this network namespace, pass `{ bothEnds: true }` to
 * get the peer's entry too (the local and remote swapped).
 *
 * @param socket A connection (`localAddr`, `remoteAddr`) or a listener (`addr`).
 */
export async function kernelState(
  socket: { localAddr: Addr; remoteAddr: Addr } | { addr: Addr },
  options: { bothEnds?: boolean } = {},
): Promise<KernelSocket[]> {
  const local = "addr" in socket ? socket.addr : socket.localAddr;
  const remote = "addr" in socket ? null : socket.remoteAddr;
  if (local.family === "unix") {
    const paths = [local.path, remote?.family === "unix" ? remote.path : ""].filter((p) => p);
    return (await kernelSockets({ protocols: ["unix"] })).filter((s) =>
      paths.includes((s.local as { path: string }).path)
    );
  }
  const all = await kernelSockets({ protocols: ["tcp", "udp"], port: local.port });
  const same = (a: Addr | null, b: Addr | null) =>
    a === null || b === null ? a === b : formatAddr(unmap(a)) === formatAddr(unmap(b));
  return all.filter((s) =>
    (same(s.local, local) && same(s.remote, remote)) ||
    (options.bothEnds === true && remote !== null && same(s.local, remote) && same(s.remote, local))
  );
}

/** `::ffff:1.2.3.4` as `1.2.3.4`, so IPv4 peers of dual-stack sockets compare equal. */
function unmap(addr: Addr): Addr {
  if (
    addr.family === "inet6" && addr.hostname.startsWith("::ffff:") && addr.hostname.includes(".")
  ) {
    return { family: "inet", hostname: addr.hostname.slice(7), port: addr.port };
  }
  return addr;
}
