// The few libc socket calls Deno has no API for, through Deno's FFI (Linux,
// x86-64 and arm64 layouts). Private: the rest of deno/net uses this file
// through small typed functions, never a raw pointer.
//
// Every function here is synchronous except `pollIn` and `epollWaitBlocking`,
// which block in poll(2) or epoll_wait(2) on one of Deno's worker threads (a
// `nonblocking` FFI symbol), so waiting costs no busy loop and no event-loop
// stall.
//
// The stream calls on the hot path (recv, send, accept4, epoll_wait) return
// 32-bit results and take no BigInt: a 64-bit FFI result is a BigInt, which
// costs more than the call itself.
import type { Addr } from "./types.ts";

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_REUSEPORT = 15;
export const SHUT_RDWR = 2;
const MSG_DONTWAIT = 0x40;

// errno values (Linux: asm-generic/errno-base.h and errno.h, the same on x86_64 and aarch64).
export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EBUSY = 16;
export const ENODEV = 19;
export const EINVAL = 22;
export const EPIPE = 32;
export const ENONET = 64;
export const EPROTO = 71;
export const ENOPROTOOPT = 92;
export const EOPNOTSUPP = 95;
export const EADDRINUSE = 98;
export const ENETDOWN = 100;
export const ENETUNREACH = 101;
export const ECONNABORTED = 103;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const ECONNREFUSED = 111;
export const EHOSTDOWN = 112;
export const EHOSTUNREACH = 113;
export const MSG_NOSIGNAL = 0x4000;
export const SHUT_WR = 1;
export const TCP_NODELAY = 1;

export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000;
export const EPOLLET = 0x80000000;
/** sizeof(struct epoll_event): packed on x86-64, padded to 16 elsewhere. */
export const EPOLL_EVENT_SIZE = Deno.build.arch === "x86_64" ? 12 : 16;
/** Where `data` sits in a struct epoll_event. */
export const EPOLL_DATA_OFFSET = Deno.build.arch === "x86_64" ? 4 : 8;

const POLLIN = 0x1;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  sendto_waiting: {
    name: "sendto",
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
    nonblocking: true,
  },
  recvfrom: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"], result: "isize" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  read: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  // write(2) with a 32-bit count and result: no BigInt per packet on a tun device.
  write32: { name: "write", parameters: ["i32", "buffer", "u32"], result: "i32" },
  // writev(2) of an iovec array, with a 32-bit result (what a tun device takes is < 2 GB).
  writev32: { name: "writev", parameters: ["i32", "buffer", "i32"], result: "i32" },
  // open(2) and ioctl(2) are variadic; called with exactly the arguments they read.
  open: { parameters: ["buffer", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  // ioctl(2) whose third argument is a plain integer (TUNSETOFFLOAD).
  ioctl_value: { name: "ioctl", parameters: ["i32", "u64", "u64"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  epoll_wait_blocking: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  syscall: {
    parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"],
    result: "i64",
  },
  // io_uring_enter(2) through syscall(2), without BigInts: the numbers are
  // 32-bit (a 32-bit register write clears the upper half on x86-64 and
  // arm64), and the two trailing arguments are null pointers, that is 0.
  io_uring_enter: {
    name: "syscall",
    parameters: ["i32", "i32", "u32", "u32", "u32", "pointer", "pointer"],
    result: "i32",
  },
  usleep: { parameters: ["u32"], result: "i32" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const;

type Library = Deno.DynamicLibrary<typeof SYMBOLS>;
let library: Library | undefined;
let users = 0;
/**
 * This thread's errno, read through a pointer taken once when libc opens:
 * errno is read right after a failed call with no other call between, since
 * any other call (even `__errno_location()` through FFI) may overwrite it.
 */
let errnoView: Deno.UnsafePointerView | null = null;

/**
 * Opens libc for one more user. The library stays open while any user
 * holds it and is closed after the last {@link releaseLibc} (so nothing
 * here needs --allow-ffi until used, and Deno's resource sanitizer sees
 * no library left open once every socket is closed).
 */
export function acquireLibc(): void {
  if (users === 0) {
    if (Deno.build.os !== "linux") {
      throw new Error(`This needs Linux (libc through FFI); this is ${Deno.build.os}`);
    }
    library = Deno.dlopen("libc.so.6", SYMBOLS);
    const p = library.symbols.__errno_location();
    errnoView = p === null ? null : new Deno.UnsafePointerView(p);
  }
  users++;
}

/** Gives back what {@link acquireLibc} took. */
export function releaseLibc(): void {
  if (users === 0) return;
  if (--users === 0) {
    library!.close();
    library = undefined;
    errnoView = null;
  }
}

/** Runs `fn` with libc open. */
export function withLibc<T>(fn: () => T): T {
  acquireLibc();
  try {
    return fn();
  } finally {
    releaseLibc();
  }
}

function libc(): Library["symbols"] {
  if (!library) throw new Error("internal: libc used without acquireLibc()");
  return library.symbols;
}

/** An error from a libc call: `errno` and its text. */
export class Errno extends Error {
  override name = "Errno";
  constructor(readonly call: string, readonly errno: number) {
    super(`${call}: ${errnoText(errno)} (errno ${errno})`);
  }
}

function errnoText(errno: number): string {
  const p = libc().strerror(errno);
  return p === null ? `error ${errno}` : Deno.UnsafePointerView.getCString(p);
}

function errno(): number {
  return errnoView === null ? 0 : errnoView.getInt32();
}

function check(call: string, result: number | bigint): number {
  const n = Number(result);
  if (n < 0) throw new Errno(call, errno());
  return n;
}

/** Encodes an address as a `struct sockaddr_*`. */
export function encodeSockaddr(addr: Addr): Uint8Array {
  if (addr.family === "unix") {
    const out = new Uint8Array(110); // sa_family + sun_path[108]
    new DataView(out.buffer).setUint16(0, AF_UNIX, true);
    out.set(new TextEncoder().encode(addr.path), 2);
    return out;
  }
  if (addr.family === "inet") {
    const out = new Uint8Array(16);
    const view = new DataView(out.buffer);
    view.setUint16(0, AF_INET, true);
    view.setUint16(2, addr.port, false);
    out.set(addr.hostname.split(".").map(Number), 4);
    return out;
  }
  const out = new Uint8Array(28);
  const view = new DataView(out.buffer);
  view.setUint16(0, AF_INET6, true);
  view.setUint16(2, addr.port, false);
  out.set(ipv6Bytes(addr.hostname), 8);
  return out;
}

/** The 16 bytes of an IPv6 address in text form. */
export function ipv6Bytes(text: string): Uint8Array {
  let head = text;
  let v4: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    v4 = text.slice(lastColon + 1).split(".").map(Number);
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const l = left ? left.split(":") : [];
  const r = right ? right.split(":") : [];
  const groups = right === undefined
    ? l
    : [...l, ...Array(8 - l.length - r.length).fill("0"), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g || "0", 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  if (v4.length === 4) out.set(v4, 12);
  return out;
}

/** Decodes a `struct sockaddr_*` of `len` bytes. */
export function decodeSockaddr(buf: Uint8Array, len: number): Addr {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = view.getUint16(0, true);
  if (family === AF_INET) {
    return {
      family: "inet",
      hostname: Array.from(buf.subarray(4, 8)).join("."),
      port: view.getUint16(2, false),
    };
  }
  if (family === AF_INET6) {
    const groups = [];
    for (let i = 0; i < 8; i++) groups.push(view.getUint16(8 + 2 * i, false).toString(16));
    const hostname = new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
    return { family: "inet6", hostname, port: view.getUint16(2, false) };
  }
  if (family === AF_UNIX) {
    const raw = buf.subarray(2, Math.max(2, len));
    const end = raw.indexOf(0);
    return { family: "unix", path: new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end)) };
  }
  // An unnamed unix peer reports just the family, or nothing at all.
  return { family: "unix", path: "" };
}

export function socket(domain: number, type: number, protocol: number): number {
  return check("socket", libc().socket(domain, type | SOCK_CLOEXEC, protocol));
}

export function bind(fd: number, addr: Addr): void {
  const sa = encodeSockaddr(addr);
  check("bind", libc().bind(fd, sa as Uint8Array<ArrayBuffer>, sa.length));
}

export function close(fd: number): void {
  libc().close(fd);
}

/** Sends one datagram without blocking; returns the bytes sent, or null if there is no room (EAGAIN). */
export function sendTo(fd: number, data: Uint8Array, to: Addr): number | null {
  const sa = encodeSockaddr(to);
  const r = Number(
    libc().sendto(
      fd,
      data as Uint8Array<ArrayBuffer>,
      BigInt(data.length),
      MSG_DONTWAIT,
      sa as Uint8Array<ArrayBuffer>,
      sa.length,
    ),
  );
  if (r < 0) {
    const e = errno();
    if (e === EAGAIN || e === EINTR) return null;
    throw new Errno("sendto", e);
  }
  return r;
}

/**
 * Sends one datagram from a worker thread, blocking until there is room
 * or the socket's SO_SNDTIMEO passes. Resolves to the bytes sent, or null
 * if nothing was sent (the caller retries with {@link sendTo} to learn why:
 * errno is not readable across threads).
 */
export async function sendToWaiting(
  fd: number,
  data: Uint8Array,
  to: Addr,
): Promise<number | null> {
  const sa = encodeSockaddr(to);
  const r = Number(
    await libc().sendto_waiting(
      fd,
      data as Uint8Array<ArrayBuffer>,
      BigInt(data.length),
      0,
      sa as Uint8Array<ArrayBuffer>,
      sa.length,
    ),
  );
  return r < 0 ? null : r;
}

/** SO_SNDTIMEO: how long a blocking send may wait, in milliseconds. */
export function setSendTimeout(fd: number, ms: number): void {
  const tv = new BigInt64Array([BigInt(Math.floor(ms / 1000)), BigInt((ms % 1000) * 1000)]);
  const SO_SNDTIMEO = 21;
  setBytesOption(fd, SOL_SOCKET, SO_SNDTIMEO, new Uint8Array(tv.buffer));
}

/**
 * Receives one datagram without blocking; null when none is queued
 * (EAGAIN). Returns the datagram's length even if `buf` was shorter.
 */
export function receiveFrom(fd: number, buf: Uint8Array): { n: number; from: Addr } | null {
  const sa = new Uint8Array(128);
  const len = new Uint32Array([sa.length]);
  const MSG_TRUNC = 0x20;
  const r = Number(
    libc().recvfrom(
      fd,
      buf as Uint8Array<ArrayBuffer>,
      BigInt(buf.length),
      MSG_DONTWAIT | MSG_TRUNC,
      sa,
      len,
    ),
  );
  if (r < 0) {
    const e = errno();
    if (e === EAGAIN || e === EINTR) return null;
    throw new Errno("recvfrom", e);
  }
  return { n: r, from: decodeSockaddr(sa, len[0]) };
}

/** setsockopt(2) with an int value. */
export function setIntOption(fd: number, level: number, name: number, value: number): void {
  const v = new Int32Array([value]);
  check("setsockopt", libc().setsockopt(fd, level, name, new Uint8Array(v.buffer), 4));
}

/** setsockopt(2) with a byte-string value (for struct options). */
function setBytesOption(fd: number, level: number, name: number, value: Uint8Array): void {
  check(
    "setsockopt",
    libc().setsockopt(fd, level, name, value as Uint8Array<ArrayBuffer>, value.length),
  );
}

/** getsockopt(2) of an int value. */
export function getIntOption(fd: number, level: number, name: number): number {
  const v = new Int32Array(1);
  const len = new Uint32Array([4]);
  check(
    "getsockopt",
    libc().getsockopt(fd, level, name, new Uint8Array(v.buffer), new Uint8Array(len.buffer)),
  );
  return v[0];
}

/** getsockopt(2) of a struct value: up to `size` bytes, as many as the kernel wrote. */
export function getBytesOption(fd: number, level: number, name: number, size: number): Uint8Array {
  const v = new Uint8Array(size);
  const len = new Uint32Array([size]);
  check("getsockopt", libc().getsockopt(fd, level, name, v, new Uint8Array(len.buffer)));
  return v.subarray(0, len[0]);
}

/** The address a socket is bound to. */
export function getSockName(fd: number): Addr {
  const sa = new Uint8Array(128);
  const len = new Uint32Array([sa.length]);
  check("getsockname", libc().getsockname(fd, sa, new Uint8Array(len.buffer)));
  return decodeSockaddr(sa, len[0]);
}

/** A pipe whose write end wakes a `pollIn` (returns [read fd, write fd]). */
export function wakePipe(): [number, number] {
  const fds = new Int32Array(2);
  const O_CLOEXEC = 0o2000000;
  const O_NONBLOCK = 0o4000;
  check("pipe2", libc().pipe2(new Uint8Array(fds.buffer), O_CLOEXEC | O_NONBLOCK));
  return [fds[0], fds[1]];
}

/** Reads and drops whatever a wake pipe holds. */
export function drainPipe(fd: number): void {
  const scratch = new Uint8Array(64);
  while (libc().read(fd, scratch, scratch.length) === scratch.length);
}

/** Writes one byte to a pipe (to wake a poller). */
export function wake(fd: number): void {
  libc().write(fd, new Uint8Array([1]), 1n);
}

/**
 * Waits on a worker thread until `fd` is readable or `wakeFd` is; resolves
 * to "readable" or "woken".
 */
export async function pollIn(fd: number, wakeFd: number): Promise<"readable" | "woken"> {
  // struct pollfd { int fd; short events; short revents; } × 2
  const fds = new Int32Array(4);
  const view = new DataView(fds.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, POLLIN, true);
  view.setInt32(8, wakeFd, true);
  view.setInt16(12, POLLIN, true);
  for (;;) {
    const r = await libc().poll(new Uint8Array(fds.buffer), 2n, -1);
    if (r < 0) continue; // EINTR: poll again
    if (view.getInt16(14, true) !== 0) return "woken";
    if (view.getInt16(6, true) !== 0) return "readable";
  }
}

/** open(2) of `path` with `flags` (O_CLOEXEC added); the fd, or throws an {@link Errno}. */
export function open(path: string, flags: number): number {
  const O_CLOEXEC = 0o2000000;
  const text = new TextEncoder().encode(path + "\0");
  return check("open", libc().open(text, flags | O_CLOEXEC));
}

/** ioctl(2) whose argument is a buffer (a struct the kernel reads and may fill in); throws an {@link Errno}. */
export function ioctl(fd: number, request: number, arg: Uint8Array): void {
  check("ioctl", libc().ioctl(fd, BigInt(request), arg as Uint8Array<ArrayBuffer>));
}

/** ioctl(2) whose argument is an integer value, not a pointer; throws an {@link Errno}. */
export function ioctlValue(fd: number, request: number, value: number): void {
  check("ioctl", libc().ioctl_value(fd, BigInt(request), BigInt(value)));
}

/** read(2) of one packet or chunk: the bytes read, or -errno (-EAGAIN when nothing is ready). */
export function readFd(fd: number, buf: Uint8Array): number {
  const r = libc().read(fd, buf as Uint8Array<ArrayBuffer>, buf.length);
  return r < 0 ? -errno() : r;
}

/** write(2) of `data` at once: the bytes written, or -errno. */
export function writeFd(fd: number, data: Uint8Array): number {
  const r = libc().write32(fd, data as Uint8Array<ArrayBuffer>, data.length);
  return r < 0 ? -errno() : r;
}

// Two struct iovec {void *iov_base; size_t iov_len;} for writevFd (x86-64 and arm64: 16 bytes each).
const iovecs = new Uint8Array(32);
const iovecView = new DataView(iovecs.buffer);

function setIovec(at: number, data: Uint8Array): void {
  const pointer = Deno.UnsafePointer.of(data as Uint8Array<ArrayBuffer>);
  const address = Number(Deno.UnsafePointer.value(pointer));
  iovecView.setUint32(at, address % 2 ** 32, true);
  iovecView.setUint32(at + 4, Math.floor(address / 2 ** 32), true);
  iovecView.setUint32(at + 8, data.length, true);
  iovecView.setUint32(at + 12, 0, true);
}

/**
 * writev(2) of `head` then `body` as one packet or chunk (a gather write:
 * neither is copied into the other): the bytes written, or -errno.
 */
export function writevFd(fd: number, head: Uint8Array, body: Uint8Array): number {
  setIovec(0, head);
  setIovec(16, body);
  const r = libc().writev32(fd, iovecs, 2);
  return r < 0 ? -errno() : r;
}

/** listen(2). */
export function listen(fd: number, backlog: number): void {
  check("listen", libc().listen(fd, backlog));
}

/**
 * accept4(2) without blocking, the new socket non-blocking and
 * close-on-exec; `sa` receives the peer's address and `len` its length
 * (set `len[0]` to `sa.length` before). Returns the fd, or -errno (-EAGAIN
 * when none is waiting).
 */
export function accept(fd: number, sa: Uint8Array, len: Uint32Array): number {
  len[0] = sa.length;
  const r = libc().accept4(
    fd,
    sa as Uint8Array<ArrayBuffer>,
    new Uint8Array(len.buffer as ArrayBuffer),
    SOCK_NONBLOCK | SOCK_CLOEXEC,
  );
  return r < 0 ? -errno() : r;
}

/** recv(2) without blocking: the bytes read (0 at the peer's FIN), or -errno. */
export function recv(fd: number, buf: Uint8Array): number {
  const r = libc().recv(fd, buf as Uint8Array<ArrayBuffer>, buf.length, MSG_DONTWAIT);
  return r < 0 ? -errno() : r;
}

/** send(2) without blocking or SIGPIPE: the bytes taken, or -errno. */
export function send(fd: number, buf: Uint8Array): number {
  const r = libc().send(
    fd,
    buf as Uint8Array<ArrayBuffer>,
    buf.length,
    MSG_DONTWAIT | MSG_NOSIGNAL,
  );
  return r < 0 ? -errno() : r;
}

/** shutdown(2); `how` is SHUT_WR or SHUT_RDWR. */
export function shutdown(fd: number, how: number): void {
  check("shutdown", libc().shutdown(fd, how));
}

/** epoll_create1(2), close-on-exec. */
export function epollCreate(): number {
  return check("epoll_create1", libc().epoll_create1(SOCK_CLOEXEC));
}

const epollEvent = new Uint8Array(16);
const epollEventView = new DataView(epollEvent.buffer);

/** epoll_ctl(2): adds, changes or removes `fd`; its `data` is the fd itself. */
export function epollCtl(ep: number, op: number, fd: number, events: number): void {
  epollEventView.setUint32(0, events >>> 0, true);
  epollEventView.setUint32(EPOLL_DATA_OFFSET, fd, true);
  epollEventView.setUint32(EPOLL_DATA_OFFSET + 4, 0, true);
  check("epoll_ctl", libc().epoll_ctl(ep, op, fd, epollEvent));
}

/** epoll_wait(2) that does not wait: the events ready now (0 when none, or on EINTR). */
export function epollPoll(ep: number, events: Uint8Array): number {
  const r = libc().epoll_wait(
    ep,
    events as Uint8Array<ArrayBuffer>,
    events.length / EPOLL_EVENT_SIZE,
    0,
  );
  return r < 0 ? 0 : r;
}

/**
 * epoll_wait(2) on a worker thread, without a timeout: resolves to the
 * number of events written into `events` (0 on EINTR). `events` must be
 * left alone until it resolves.
 */
export async function epollWaitBlocking(ep: number, events: Uint8Array): Promise<number> {
  const r = await libc().epoll_wait_blocking(
    ep,
    events as Uint8Array<ArrayBuffer>,
    events.length / EPOLL_EVENT_SIZE,
    -1,
  );
  return r < 0 ? 0 : r;
}

/**
 * syscall(2) with up to six integer arguments (for calls libc does not
 * wrap, such as io_uring's): the result, or -errno.
 */
export function rawSyscall(nr: number, ...args: number[]): number {
  const a = [0, 1, 2, 3, 4, 5].map((i) => BigInt(args[i] ?? 0));
  const r = Number(libc().syscall(BigInt(nr), a[0], a[1], a[2], a[3], a[4], a[5]));
  return r < 0 ? -errno() : r;
}

/** io_uring_enter(2) that submits `toSubmit` entries and waits for none: the count, or -errno. */
export function ioUringEnter(fd: number, toSubmit: number): number {
  const SYS_IO_URING_ENTER = 426;
  const r = libc().io_uring_enter(SYS_IO_URING_ENTER, fd, toSubmit, 0, 0, null, null);
  return r < 0 ? -errno() : r;
}

/** A pointer's address as a number (addresses fit in 53 bits). */
export function addressOf(pointer: Deno.PointerValue): number {
  return Number(Deno.UnsafePointer.value(pointer));
}

/**
 * mmap(2) of `length` bytes, read-write: of `fd` at `offset` (MAP_SHARED),
 * or anonymous memory when `fd` is -1. Returns the mapping, or throws.
 */
export function mmap(length: number, fd = -1, offset = 0): Deno.PointerObject {
  const PROT_RW = 0x3, MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_ANONYMOUS = 0x20;
  const MAP_POPULATE = 0x8000;
  const flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED | MAP_POPULATE;
  const p = libc().mmap(null, BigInt(length), PROT_RW, flags, fd, BigInt(offset));
  const MAP_FAILED = 0xffffffffffffffffn;
  if (p === null || BigInt(Deno.UnsafePointer.value(p)) === MAP_FAILED) {
    throw new Errno("mmap", errno());
  }
  return p;
}

/** munmap(2). */
export function munmap(pointer: Deno.PointerObject, length: number): void {
  libc().munmap(pointer, BigInt(length));
}

/** usleep(3): holds this thread (and so its event loop) for `us` microseconds. */
export function sleepMicros(us: number): void {
  libc().usleep(us);
}
