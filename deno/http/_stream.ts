// The smallest stream-connection shape the HTTP client needs, so that
// socklab's Conn (kernel, unix, TLS, or user-space TCP) and Deno's own
// connections both fit without a wrapper.

/**
 * What the HTTP client reads and writes through: the part of a socklab
 * `Conn` (or a `Deno.Conn`) it uses.
 */
export interface ByteStream {
  /** Reads into `p`; the count, or null at the end of the stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; how many bytes were taken. */
  write(p: Uint8Array): Promise<number>;
  /** Closes both directions. */
  close(): void;
  /** Half-closes (sends FIN), when the transport can. */
  closeWrite?(): Promise<void>;
  /** The peer's address, in socklab's or Deno's shape. */
  readonly remoteAddr?: unknown;
  /** This end's address, in socklab's or Deno's shape. */
  readonly localAddr?: unknown;
}

/** Writes all of `p` to `s`. */
export async function writeAll(s: ByteStream, p: Uint8Array): Promise<void> {
  let n = await s.write(p);
  while (n < p.length) n += await s.write(p.subarray(n));
}
