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
 * HTTP server runs on by default); raw IP and unix datagram
 * sockets through libc (`fd_socket.ts`, Linux, `--allow-ffi`); ICMP echo
 * (`ping.ts`); socket options Deno lacks (`sockopt.ts`); the kernel's
 * view of its sockets from /proc/net (`procnet.ts`); and TUN devices
 * (`tun.ts`, Linux, root), the interface socklab's own TCP/IP host uses to
 * meet the kernel's.
 *
 * What it does not do: it never prints, reads no clock except for the
 * timeouts it is given, and resolves no names beyond what the runtime's
 * connect does.
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
export * from "./types.ts";
export * from "./addr.ts";
export * from "./errors.ts";
export * from "./stream.ts";
export * from "./epoll.ts";
export * from "./datagram.ts";
export * from "./procnet.ts";
export * from "./fd_socket.ts";
export * from "./ping.ts";
export * from "./sockopt.ts";
export * from "./tun.ts";
