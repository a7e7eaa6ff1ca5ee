/**
 * Sockets for Deno: the BSD socket vocabulary (stream, datagram and raw
 * sockets; IPv4, IPv6 and unix addresses) as one small API, and a view of
 * the kernel's own TCP state.
 *
 * What this layer does: the shared interfaces ({@link Conn},
 * {@link Listener}, {@link DatagramSocket}, {@link Addr}) that the kernel's
 * sockets here and socklab's user-space TCP both implement; address
 * parsing; typed errors naming the operation and both endpoints; the
 * kernel's stream sockets (`stream.ts`: TCP v4/v6, unix) and datagram
 * sockets (`datagram.ts`: UDP v4/v6, unix); a TCP listener served by one
 * epoll loop through libc, its recv and send calls batched through io_uring
 * where the kernel allows (`epoll.ts`, Linux, `--allow-ffi`: what socklab's
 * HTTP server runs on by default; its own entry point, not re-exported
 * here); raw IP and unix datagram
 * sockets through libc (`fd_socket.ts`, Linux, `--allow-ffi`); ICMP echo
 * (`ping.ts`); socket options Deno lacks (`sockopt.ts`); the kernel's
 * view of its sockets from /proc/net ({@link kernelSockets}; the parsers
 * are `procnet.ts`'s own entry point); and TUN devices ({@link TunDevice},
 * `tun.ts`, Linux, root), the interface socklab's own TCP/IP host uses to
 * meet the kernel's.
 *
 * {@link listen} picks how a listening socket is driven (unix, TLS, Deno's
 * sockets, the epoll loop, io_uring) from its options, as Go's `net.Listen`
 * picks the transport: servers consume the {@link Listener} it returns.
 *
 * What it does not do: it never prints, reads no clock except for the
 * timeouts it is given, and resolves no names beyond what the runtime's
 * connect does. It sits above the sans-IO TCP (`deno/tcp/`), whose state
 * names the kernel's view reuses ({@link KernelTcpState}), and knows nothing
 * of how socklab's TCP is driven: the driver that puts it behind
 * {@link Conn} and {@link Listener} lives a layer up, in `deno/link/`.
 *
 * @example Connect, send, half-close, read the reply
 * ```ts
 * import { connect, listen } from "./mod.ts";
 * await using server = listen({ hostname: "::1", port: 0 });
 * const reply = (async () => {
 *   await using conn = await server.accept();
 *   await conn.writeAll(new TextEncoder().encode("bye"));
 *   await conn.closeWrite();
 * })();
 * await using conn = await connect(server.addr);
 * console.log(await new Response(conn.readable).text()); // "bye"
 * await reply;
 * ```
 *
 * @module
 */
export type * from "./types.ts";
export {
  formatAddr,
  inetAddr,
  isIPv4,
  isIPv6,
  parseAddr,
  UNIX_PATH_MAX,
  unixAddr,
} from "./addr.ts";
export {
  AddrInUse,
  AddrNotAvailable,
  ConnectionRefused,
  ConnectionReset,
  NetError,
  type NetErrorInit,
  NetworkUnreachable,
  PermissionDenied,
  SocketClosed,
  TimedOut,
} from "./errors.ts";
export * from "./stream.ts";
export * from "./datagram.ts";
export { FdSocket, openRaw, openUnixDatagram, type RawOptions } from "./fd_socket.ts";
export * from "./ping.ts";
export {
  type AnySocket,
  getSocketOption,
  setSocketOption,
  SOCKET_OPTIONS,
  type SocketOption,
} from "./sockopt.ts";
// The kernel's sockets as `ss` shows them. The /proc parsers and Linux's
// state-name table are `./procnet.ts`'s own (entry point "./net/procnet"),
// and the epoll/io_uring driver under the HTTP server is `./epoll.ts`'s
// ("./net/epoll"): both are importable there, not from here. So are the
// drivers' helpers (toNetError, untilClosed, checkPort, fromDenoAddr,
// socketFd) from their own files.
export {
  type KernelSocket,
  type KernelSocketFilter,
  kernelSockets,
  kernelState,
  type KernelTcpState,
  type TimerKind,
} from "./procnet.ts";
// The type of the layer below that this API names, so its docs are whole.
export type { TcpState } from "../tcp/state.ts";
export {
  TUN_MAX_PACKET,
  TUN_PATH,
  type TunAddress,
  TunDevice,
  tunOpenError,
  type TunOpenOptions,
  type TunSettings,
} from "./tun.ts";
