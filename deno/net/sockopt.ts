/**
 * Socket options Deno has no API for — buffer sizes, broadcast, TTLs,
 * TCP keepalive timing, MSS — set and read with setsockopt(2) and
 * getsockopt(2) through Deno's FFI (Linux; needs `--allow-ffi` and
 * `--allow-read` for /proc).
 *
 * Deno does not hand out the file descriptor of its sockets, so for a
 * socket Deno opened this finds it the way `ss -p` does: the socket's
 * inode from /proc/net (matched by its addresses), then the descriptor in
 * /proc/self/fd that links to `socket:[inode]`. Unnamed unix stream
 * connections cannot be found that way and are refused.
 *
 * @example A bigger receive buffer for a TCP connection
 * ```ts
 * import { connect, listen } from "./stream.ts";
 * import { getSocketOption, setSocketOption } from "./sockopt.ts";
 * import assert from "node:assert/strict";
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = server.accept();
 * await using conn = await connect(server.addr);
 * await using _peer = await accepted;
 * await setSocketOption(conn, "receiveBufferSize", 1 << 20);
 * // Linux doubles the value to leave room for its bookkeeping.
 * assert.equal(await getSocketOption(conn, "receiveBufferSize"), 2 << 20);
 * ```
 *
 * @module
 */
import * as libc from "./_libc.ts";
import { KernelDatagramSocket } from "./datagram.ts";
import { NetError } from "./errors.ts";
import { errnoError } from "./_errno.ts";
import { FdSocket } from "./fd_socket.ts";
import { kernelSockets, kernelState, kernelTcpState } from "./procnet.ts";
import { KernelConn, type KernelListener } from "./stream.ts";
import type { Addr } from "./types.ts";

/** Any socket of this folder. */
export type AnySocket = KernelConn | KernelListener | KernelDatagramSocket | FdSocket;

/** [level, name] for IPv4 (and unix, for socket-level options), then for IPv6. */
type Where = readonly [level: number, name: number, v6level?: number, v6name?: number];

const SOL = libc.SOL_SOCKET;
const TCP = libc.IPPROTO_TCP;
const IP = libc.IPPROTO_IP;
const IP6 = libc.IPPROTO_IPV6;

/**
 * The name of an option {@link setSocketOption} knows:
 * receiveBufferSize (SO_RCVBUF), sendBufferSize (SO_SNDBUF), broadcast
 * (SO_BROADCAST), reuseAddress (SO_REUSEADDR), reusePort (SO_REUSEPORT),
 * keepAlive (SO_KEEPALIVE), noDelay (TCP_NODELAY), maxSegment (TCP_MAXSEG),
 * keepAliveIdle / keepAliveInterval / keepAliveCount (TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT), userTimeout (TCP_USER_TIMEOUT), ttl (IP_TTL,
 * IPV6_UNICAST_HOPS), tos (IP_TOS, IPV6_TCLASS), multicastTtl
 * (IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS), multicastLoop
 * (IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP).
 */
export type SocketOption =
  | "receiveBufferSize"
  | "sendBufferSize"
  | "broadcast"
  | "reuseAddress"
  | "reusePort"
  | "keepAlive"
  | "noDelay"
  | "maxSegment"
  | "keepAliveIdle"
  | "keepAliveInterval"
  | "keepAliveCount"
  | "userTimeout"
  | "ttl"
  | "tos"
  | "multicastTtl"
  | "multicastLoop";

/** The options, their levels and numbers (Linux, include/uapi/asm-generic/socket.h, in.h, tcp.h). */
const OPTIONS = {
  /** SO_RCVBUF: receive buffer bytes (Linux reports twice what was set). */
  receiveBufferSize: [SOL, 8],
  /** SO_SNDBUF: send buffer bytes (Linux reports twice what was set). */
  sendBufferSize: [SOL, 7],
  /** SO_BROADCAST: allow sending to broadcast addresses (0/1). */
  broadcast: [SOL, 6],
  /** SO_REUSEADDR (0/1). */
  reuseAddress: [SOL, 2],
  /** SO_REUSEPORT (0/1). */
  reusePort: [SOL, 15],
  /** SO_KEEPALIVE (0/1). */
  keepAlive: [SOL, 9],
  /** TCP_NODELAY: disable Nagle's algorithm (0/1). */
  noDelay: [TCP, 1],
  /** TCP_MAXSEG: the maximum segment size in bytes. */
  maxSegment: [TCP, 2],
  /** TCP_KEEPIDLE: idle seconds before the first keepalive probe. */
  keepAliveIdle: [TCP, 4],
  /** TCP_KEEPINTVL: seconds between keepalive probes. */
  keepAliveInterval: [TCP, 5],
  /** TCP_KEEPCNT: unanswered probes before the connection is dropped. */
  keepAliveCount: [TCP, 6],
  /** TCP_USER_TIMEOUT: ms that sent data may stay unacknowledged before the connection is dropped. */
  userTimeout: [TCP, 18],
  /** IP_TTL / IPV6_UNICAST_HOPS: the hop limit of outgoing packets. */
  ttl: [IP, 2, IP6, 16],
  /** IP_TOS / IPV6_TCLASS: the traffic class byte (DSCP and ECN). */
  tos: [IP, 1, IP6, 67],
  /** IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS. */
  multicastTtl: [IP, 33, IP6, 18],
  /** IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP (0/1). */
  multicastLoop: [IP, 34, IP6, 19],
} as const satisfies Record<SocketOption, Where>;

/** Every option name, for listings. */
export const SOCKET_OPTIONS: readonly SocketOption[] = Object.keys(OPTIONS) as SocketOption[];

function where(option: SocketOption, family: Addr["family"]): [number, number] {
  const entry: Where | undefined = OPTIONS[option];
  if (entry === undefined) {
    throw new TypeError(`Unknown socket option "${option}" (known: ${SOCKET_OPTIONS.join(", ")})`);
  }
  const [level, name, v6level, v6name] = entry;
  if (family === "inet6" && v6level !== undefined) return [v6level, v6name!];
  if (family === "unix" && level !== SOL) {
    throw new TypeError(`Option "${option}" does not apply to unix sockets`);
  }
  return [level, name];
}

function localOf(socket: AnySocket): Addr {
  return socket instanceof KernelConn ? socket.localAddr : socket.addr;
}

/**
 * The file descriptor behind a socket: its own for an {@link FdSocket},
 * else found through /proc (see the module doc).
 *
 * @throws {NetError} If the socket cannot be found (closed, or an unnamed unix connection).
 */
export async function socketFd(socket: AnySocket): Promise<number> {
  if (socket instanceof FdSocket) return socket.fd;
  const local = localOf(socket);
  const init = {
    op: "socketFd",
    local,
    remote: socket instanceof KernelConn ? socket.remoteAddr : undefined,
  };
  if (socket instanceof KernelConn && socket.closed) {
    throw new NetError("socket is closed", init);
  }
  if (local.family === "unix" && (socket instanceof KernelConn)) {
    throw new NetError("a unix stream connection cannot be found in /proc/net/unix", init);
  }
  let entries;
  if (socket instanceof KernelDatagramSocket) {
    entries = local.family === "unix" ? [] : (await kernelSockets({
      protocols: ["udp"],
      port: local.port,
    })).filter((s) => s.remote === null && s.local.family === local.family);
  } else {
    entries = (await kernelState(socket)).filter((s) => s.protocol !== "udp");
  }
  const inodes = new Set(entries.map((s) => s.inode).filter((i) => i !== 0));
  for await (const entry of Deno.readDir("/proc/self/fd")) {
    let target;
    try {
      target = await Deno.readLink(`/proc/self/fd/${entry.name}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(Number(m[1]))) return Number(entry.name);
  }
  throw new NetError("no descriptor of this process holds this socket", init);
}

/**
 * Sets a socket option (see {@link SocketOption} for the names).
 *
 * @throws {TypeError} For an unknown option or one that does not apply.
 * @throws {RangeError} For a value that is not a whole number from 0 to 2^31-1.
 * @throws {NetError} If the kernel refuses (with its reason).
 */
export async function setSocketOption(
  socket: AnySocket,
  option: SocketOption,
  value: number | boolean,
): Promise<void> {
  const n = typeof value === "boolean" ? Number(value) : value;
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new RangeError(`Invalid value for ${option}: ${value} is not a whole number >= 0`);
  }
  const local = localOf(socket);
  const [level, name] = where(option, local.family);
  const fd = await socketFd(socket);
  libc.withLibc(() => {
    try {
      libc.setIntOption(fd, level, name, n);
    } catch (error) {
      throw errnoError(error, { op: `set ${option}`, local });
    }
  });
}

/**
 * Reads a socket option.
 *
 * @throws {TypeError} For an unknown option or one that does not apply.
 * @throws {NetError} If the kernel refuses (with its reason).
 */
export async function getSocketOption(socket: AnySocket, option: SocketOption): Promise<number> {
  const local = localOf(socket);
  const [level, name] = where(option, local.family);
  const fd = await socketFd(socket);
  return libc.withLibc(() => {
    try {
      return libc.getIntOption(fd, level, name);
    } catch (error) {
      throw errnoError(error, { op: `get ${option}`, local });
    }
  });
}

/**
 * What Linux's TCP_INFO says about a TCP connection (`struct tcp_info`,
 * include/uapi/linux/tcp.h): the kernel's own view of its state, windows and
 * timers. Times are in ms, windows in segments (multiply by `sndMss`).
 */
export interface TcpInfo {
  /** The state, by its RFC 9293 name (Linux's NEW-SYN-RECV included). */
  readonly state: string;
  /** The congestion-avoidance state: "open", "disorder", "cwr", "recovery" or "loss". */
  readonly caState: string;
  /** RTO, ms. */
  readonly rto: number;
  /** Smoothed RTT, ms. */
  readonly rtt: number;
  /** RTT variance, ms. */
  readonly rttVar: number;
  /** The congestion window, segments. */
  readonly sndCwnd: number;
  /** The slow-start threshold, segments (Linux's 0x7fffffff while infinite). */
  readonly sndSsthresh: number;
  /** The sender's MSS, bytes. */
  readonly sndMss: number;
  /** Segments sent and not yet acknowledged. */
  readonly unacked: number;
  /** Segments counted lost. */
  readonly lost: number;
  /** Retransmitted segments still unacknowledged. */
  readonly retrans: number;
  /** Retransmissions over the connection's life. */
  readonly totalRetrans: number;
  /** Bytes acknowledged by the peer (Linux 4.1+; null when the kernel's struct is shorter). */
  readonly bytesAcked: number | null;
  /** Bytes received (Linux 4.1+; null when the kernel's struct is shorter). */
  readonly bytesReceived: number | null;
}

const TCP_INFO = 11;
const CA_STATES = ["open", "disorder", "cwr", "recovery", "loss"];

/**
 * Reads TCP_INFO of a kernel TCP connection (Linux).
 *
 * @param conn The connection.
 * @returns The kernel's view of it.
 * @throws {TypeError} If the connection is not TCP.
 * @throws {NetError} If the kernel refuses (with its reason).
 *
 * @example
 * ```ts
 * import { connect, listen } from "./stream.ts";
 * import { tcpInfo } from "./sockopt.ts";
 * import assert from "node:assert/strict";
 * await using server = listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = server.accept();
 * await using conn = await connect(server.addr);
 * await using _peer = await accepted;
 * const info = await tcpInfo(conn);
 * assert.equal(info.state, "ESTABLISHED");
 * assert.ok(info.sndCwnd >= 1);
 * ```
 */
export async function tcpInfo(conn: KernelConn): Promise<TcpInfo> {
  const local = conn.localAddr;
  if (local.family === "unix") throw new TypeError("tcpInfo: a unix socket has no TCP_INFO");
  const fd = await socketFd(conn);
  const bytes = libc.withLibc(() => {
    try {
      return libc.getBytesOption(fd, TCP, TCP_INFO, 232);
    } catch (error) {
      throw errnoError(error, { op: "get TCP_INFO", local, remote: conn.remoteAddr });
    }
  });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const u32 = (offset: number) => v.getUint32(offset, true);
  const u64 = (offset: number) =>
    offset + 8 <= bytes.length ? Number(v.getBigUint64(offset, true)) : null;
  return {
    state: kernelTcpState(bytes[0]) ?? `unknown (${bytes[0]})`,
    caState: CA_STATES[bytes[1]] ?? `unknown (${bytes[1]})`,
    rto: u32(8) / 1000,
    sndMss: u32(16),
    unacked: u32(24),
    lost: u32(32),
    retrans: u32(36),
    rtt: u32(68) / 1000,
    rttVar: u32(72) / 1000,
    sndSsthresh: u32(76),
    sndCwnd: u32(80),
    totalRetrans: u32(100),
    bytesAcked: u64(120),
    bytesReceived: u64(128),
  };
}
