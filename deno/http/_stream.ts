// The smallest stream-connection shape the HTTP server and client need, so
// that socklab's Conn (kernel, unix, TLS, or user-space TCP) and Deno's own
// connections both fit without a wrapper on the hot path.
import type { Addr, Conn, Listener } from "../net/types.ts";

/**
 * What the HTTP code reads and writes through: the part of a socklab
 * {@link Conn} (or a `Deno.Conn`) it uses.
 */
export interface ByteStream {
  /** Reads into `p`; the count, or null at the end of the stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; how many bytes were taken. */
  write(p: Uint8Array): Promise<number>;
  /**
   * Like `write`, without a promise: `done` is called later (never during
   * the call) with the count taken, or the error. Optional; a server that
   * writes once per request uses it when present.
   */
  submitWrite?(p: Uint8Array, done: (result: number | Error) => void): void;
  /** Closes both directions. */
  close(): void;
  /** Half-closes (sends FIN), when the transport can. */
  closeWrite?(): Promise<void>;
  /** The peer's address, in socklab's or Deno's shape. */
  readonly remoteAddr?: unknown;
  /** This end's address, in socklab's or Deno's shape. */
  readonly localAddr?: unknown;
  /**
   * True when the stream's reads take turns with other connections by
   * themselves (an event loop that serves every ready socket once per
   * turn): the server then need not ration reads (see `counted()`).
   */
  readonly fair?: boolean;
}

/** What the server accepts connections from. */
export interface ByteListener {
  accept(): Promise<ByteStream>;
  close(): void;
  readonly addr: unknown;
}

/** Writes all of `p` to `s`. */
export async function writeAll(s: ByteStream, p: Uint8Array): Promise<void> {
  let n = await s.write(p);
  while (n < p.length) n += await s.write(p.subarray(n));
}

/** Converts a Deno address (or one already in socklab's shape) to an {@link Addr}. */
export function toAddr(a: unknown): Addr {
  const x = a as Record<string, unknown> | undefined;
  if (x && typeof x.family === "string") return x as unknown as Addr;
  if (x && (x.transport === "unix" || x.transport === "unixpacket")) {
    return { family: "unix", path: String(x.path ?? "") };
  }
  if (x && typeof x.hostname === "string") {
    const hostname = x.hostname;
    return { family: hostname.includes(":") ? "inet6" : "inet", hostname, port: Number(x.port) };
  }
  return { family: "unix", path: "" };
}

/** Adapts a Deno connection (TCP, unix or TLS) to socklab's {@link Conn}. */
export function fromDenoConn(c: Deno.Conn): Conn {
  return {
    localAddr: toAddr(c.localAddr),
    remoteAddr: toAddr(c.remoteAddr),
    read: (p) => c.read(p),
    write: (p) => c.write(p),
    writeAll: (p) => writeAll(c, p),
    get readable() {
      return c.readable;
    },
    get writable() {
      return c.writable;
    },
    closeWrite: () => c.closeWrite(),
    close() {
      try {
        c.close();
      } catch (error) {
        if (!(error instanceof Deno.errors.BadResource)) throw error;
      }
    },
    [Symbol.asyncDispose]() {
      this.close();
      return Promise.resolve();
    },
  };
}

/** Adapts a Deno listener (TCP, unix or TLS) to socklab's {@link Listener}. */
export function fromDenoListener(l: Deno.Listener): Listener {
  const listener: Listener = {
    addr: toAddr(l.addr),
    async accept() {
      return fromDenoConn(await l.accept());
    },
    close() {
      try {
        l.close();
      } catch (error) {
        if (!(error instanceof Deno.errors.BadResource)) throw error;
      }
    },
    async *[Symbol.asyncIterator]() {
      while (true) {
        let c;
        try {
          c = await l.accept();
        } catch {
          return;
        }
        yield fromDenoConn(c);
      }
    },
    [Symbol.asyncDispose]() {
      listener.close();
      return Promise.resolve();
    },
  };
  return listener;
}
