/**
 * The shared socket interfaces of socklab, in the spirit of Go's `net` and
 * Deno's own: small, transport-neutral, and implemented both by the kernel's
 * sockets (this folder) and by socklab's user-space TCP (`deno/tcp/`).
 * Nothing here may assume the kernel.
 *
 * Besides what every connection and listener does, some can do more, and
 * say so through optional members, as Go's `net` declares `CloseWrite` or
 * `SetNoDelay` on the types that have them: callers test for a member
 * instead of casting for it ({@link Conn.tls}, {@link Conn.fair},
 * {@link Conn.submitWrite}, {@link Listener.stopped}).
 *
 * BSD vocabulary, for learners: a {@link Family} is the address family
 * (AF_INET, AF_INET6, AF_UNIX); a {@link SocketType} is SOCK_STREAM,
 * SOCK_DGRAM or SOCK_RAW. A server binds and listens ({@link Listener}),
 * accepts connections ({@link Conn}); a client connects.
 *
 * @module
 */
import type { InetAddr } from "../wire/inet_addr.ts";

/** An IPv4 or IPv6 endpoint: the one shape the TCP, the sockets and the links share. */
export type { InetAddr };

/** Address family: AF_INET (IPv4), AF_INET6 (IPv6) or AF_UNIX (a path). */
export type Family = "inet" | "inet6" | "unix";

/** Socket type: SOCK_STREAM, SOCK_DGRAM or SOCK_RAW. */
export type SocketType = "stream" | "dgram" | "raw";

/** A unix-domain endpoint; `path` is empty for an unnamed socket. */
export interface UnixAddr {
  /** Always "unix". */
  readonly family: "unix";
  /** The socket file's path, or "" for an unnamed socket. */
  readonly path: string;
}

/** One address type for every family. */
export type Addr = InetAddr | UnixAddr;

/**
 * A connected byte stream: a TCP connection (kernel or socklab's own) or a
 * unix stream socket.
 */
export interface Conn extends AsyncDisposable {
  /** This end's address. */
  readonly localAddr: Addr;
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /**
   * Reads into `p`; resolves to the number of bytes read, or `null` at the
   * end of the stream (the peer's FIN).
   */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; resolves to how many bytes were accepted. */
  write(p: Uint8Array): Promise<number>;
  /** Writes all of `p`. */
  writeAll(p: Uint8Array): Promise<void>;
  /**
   * The bytes from the peer as a stream. It ends at the peer's FIN; ending
   * or cancelling it does not close the connection (call `close()`), so a
   * half-closed connection can still be written to.
   */
  readonly readable: ReadableStream<Uint8Array>;
  /** A stream of bytes to the peer (closing it half-closes the connection). */
  readonly writable: WritableStream<Uint8Array>;
  /**
   * Half-close: no more writes from this end. For TCP this sends the FIN
   * that opens the four-way teardown; reading goes on until the peer's FIN.
   */
  closeWrite(): Promise<void>;
  /** Closes both directions and releases the socket. Idempotent. */
  close(): void;
  /**
   * Optional: true when the bytes travel inside TLS (the connection is
   * encrypted and authenticated before `read` sees them), so a server can say
   * "https". Absent or false for a plain connection.
   */
  readonly tls?: boolean;
  /**
   * Optional: true when reads take turns with the other connections of the
   * same loop by themselves (an event loop that serves every ready socket
   * once per turn), so a server serving many connections need not ration its
   * reads to keep one busy client from starving the rest.
   */
  readonly fair?: boolean;
  /**
   * Optional: like {@link write}, without a promise. `done` is called later,
   * never during the call, with the count of bytes taken or the error. For a
   * caller that writes once per request and counts every allocation.
   */
  submitWrite?(p: Uint8Array, done: (result: number | Error) => void): void;
}

/** A bound, listening stream socket that accepts connections. */
export interface Listener extends AsyncIterable<Conn>, AsyncDisposable {
  /** The bound address (with the real port when port 0 was asked for). */
  readonly addr: Addr;
  /** Waits for the next connection. */
  accept(): Promise<Conn>;
  /** Stops listening; pending `accept()` calls reject. Idempotent. */
  close(): void;
  /**
   * Optional, for a listener that runs a loop of its own (an epoll loop):
   * resolves once that loop has stopped and every descriptor it held is
   * closed, which is after `close()` and after every accepted connection
   * closed. Absent when `close()` itself releases everything.
   */
  readonly stopped?: Promise<void>;
}

/** One datagram received, with its sender. */
export interface Datagram {
  /** The payload, exactly as sent. */
  readonly data: Uint8Array;
  /** The sender. */
  readonly from: Addr;
}

/** A datagram socket: UDP or unix datagram. Message boundaries are kept. */
export interface DatagramSocket extends AsyncIterable<Datagram>, AsyncDisposable {
  /** The bound address. */
  readonly addr: Addr;
  /** Sends one datagram to `to`; resolves to the bytes sent. */
  send(data: Uint8Array, to: Addr): Promise<number>;
  /** Waits for the next datagram. */
  receive(): Promise<Datagram>;
  /** Closes the socket. Idempotent. */
  close(): void;
}
