/**
 * The shared socket interfaces of socklab, in the spirit of Go's `net` and
 * Deno's own: small, transport-neutral, and implemented both by the kernel's
 * sockets (this folder) and by socklab's user-space TCP (`deno/tcp/`).
 * Nothing here may assume the kernel.
 *
 * BSD vocabulary, for learners: a {@link Family} is the address family
 * (AF_INET, AF_INET6, AF_UNIX); a {@link SocketType} is SOCK_STREAM,
 * SOCK_DGRAM or SOCK_RAW. A server binds and listens ({@link Listener}),
 * accepts connections ({@link Conn}); a client connects.
 *
 * @module
 */

/** Address family: AF_INET (IPv4), AF_INET6 (IPv6) or AF_UNIX (a path). */
export type Family = "inet" | "inet6" | "unix";

/** Socket type: SOCK_STREAM, SOCK_DGRAM or SOCK_RAW. */
export type SocketType = "stream" | "dgram" | "raw";

/** An IPv4 or IPv6 endpoint. */
export interface InetAddr {
  /** "inet" for IPv4, "inet6" for IPv6. */
  readonly family: "inet" | "inet6";
  /** A numeric address ("127.0.0.1", "::1"). */
  readonly hostname: string;
  /** 0 to 65535. */
  readonly port: number;
}

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
}

/** A bound, listening stream socket that accepts connections. */
export interface Listener extends AsyncIterable<Conn>, AsyncDisposable {
  /** The bound address (with the real port when port 0 was asked for). */
  readonly addr: Addr;
  /** Waits for the next connection. */
  accept(): Promise<Conn>;
  /** Stops listening; pending `accept()` calls reject. Idempotent. */
  close(): void;
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
