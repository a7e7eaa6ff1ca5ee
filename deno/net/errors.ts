/**
 * Typed socket errors. Each names the operation and both endpoints, as Go's
 * `net.OpError` does ("connect to 127.0.0.1:9: connection refused"), and is
 * its own class so callers can catch what they expect:
 *
 * ```ts ignore
 * try { await connect({ hostname: "127.0.0.1", port: 9 }); }
 * catch (e) { if (e instanceof ConnectionRefused) retryLater(); else throw e; }
 * ```
 *
 * Transport-neutral: socklab's user-space TCP throws the same classes.
 * {@link toNetError} turns the runtime's errors into them (and `errnoError`,
 * beside the libc binding, libc's errnos).
 *
 * @module
 */
import { formatAddr } from "./addr.ts";
import type { Addr } from "./types.ts";

/** What a {@link NetError} is about: the operation and the endpoints known. */
export interface NetErrorInit {
  /** The operation: "connect", "listen", "accept", "read", "write", "send", ... */
  op: string;
  /** This end, when known. */
  local?: Addr;
  /** The other end, when known. */
  remote?: Addr;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Base class of socket errors: `op`, `local` and `remote` say where it
 * happened, `reason` what happened.
 */
export class NetError extends Error {
  /** The class name, "NetError". */
  override name = "NetError";
  /** The operation that failed. */
  readonly op: string;
  /** This end, when known. */
  readonly local?: Addr;
  /** The other end, when known. */
  readonly remote?: Addr;
  /** What happened, without the endpoints ("connection refused"). */
  readonly reason: string;

  /** Builds the message `op local -> remote: reason` from the parts known. */
  constructor(reason: string, init: NetErrorInit) {
    super(`${describe(init)}: ${reason}`, { cause: init.cause });
    this.op = init.op;
    this.local = init.local;
    this.remote = init.remote;
    this.reason = reason;
  }
}

function describe({ op, local, remote }: NetErrorInit): string {
  if (local && remote) return `${op} ${formatAddr(local)} -> ${formatAddr(remote)}`;
  if (remote) return `${op} to ${formatAddr(remote)}`;
  if (local) return `${op} on ${formatAddr(local)}`;
  return op;
}

/** Nobody listens at the remote address (ECONNREFUSED, or no socket file). */
export class ConnectionRefused extends NetError {
  /** The class name, "ConnectionRefused". */
  override name = "ConnectionRefused";
}

/** The local address is taken (EADDRINUSE). */
export class AddrInUse extends NetError {
  /** The class name, "AddrInUse". */
  override name = "AddrInUse";
}

/** The local address is not one of this host's (EADDRNOTAVAIL). */
export class AddrNotAvailable extends NetError {
  /** The class name, "AddrNotAvailable". */
  override name = "AddrNotAvailable";
}

/** The operation did not finish in the time allowed (ETIMEDOUT or a timeout option). */
export class TimedOut extends NetError {
  /** The class name, "TimedOut". */
  override name = "TimedOut";
}

/** The operation needs a privilege this process lacks (EACCES, EPERM). */
export class PermissionDenied extends NetError {
  /** The class name, "PermissionDenied". */
  override name = "PermissionDenied";
}

/** The peer reset the connection (ECONNRESET, EPIPE after a reset). */
export class ConnectionReset extends NetError {
  /** The class name, "ConnectionReset". */
  override name = "ConnectionReset";
}

/** The socket was already closed by this process (EBADF, or closed while waiting). */
export class SocketClosed extends NetError {
  /** The class name, "SocketClosed". */
  override name = "SocketClosed";
}

/** No route to the remote network or host (ENETUNREACH, EHOSTUNREACH). */
export class NetworkUnreachable extends NetError {
  /** The class name, "NetworkUnreachable". */
  override name = "NetworkUnreachable";
}

/**
 * Turns an error thrown by the runtime into a typed {@link NetError} naming
 * `op` and the endpoints. Errors that are already NetErrors, and aborts
 * (an AbortSignal's reason), pass through unchanged.
 */
export function toNetError(error: unknown, init: Omit<NetErrorInit, "cause">): unknown {
  if (error instanceof NetError) return error;
  if (error instanceof DOMException && error.name === "AbortError") return error;
  const full = { ...init, cause: error };
  const e = Deno.errors;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof e.ConnectionRefused) {
    return new ConnectionRefused("connection refused", full);
  }
  if (error instanceof e.NotFound && (init.op === "connect" || init.op === "send")) {
    return new ConnectionRefused("no socket at this path", full);
  }
  if (error instanceof e.AddrInUse) return new AddrInUse("address already in use", full);
  if (error instanceof e.AddrNotAvailable) {
    return new AddrNotAvailable("address not available on this host", full);
  }
  if (error instanceof e.TimedOut) return new TimedOut("timed out", full);
  if (error instanceof e.PermissionDenied || error instanceof e.NotCapable) {
    return new PermissionDenied(`permission denied (${message})`, full);
  }
  if (error instanceof e.ConnectionReset || error instanceof e.BrokenPipe) {
    return new ConnectionReset(
      error instanceof e.BrokenPipe ? "broken pipe (the peer is gone)" : "connection reset by peer",
      full,
    );
  }
  if (error instanceof e.ConnectionAborted) {
    return new ConnectionReset("connection aborted", full);
  }
  if (error instanceof e.BadResource || error instanceof e.Interrupted) {
    return new SocketClosed("socket is closed", full);
  }
  if (error instanceof e.NetworkUnreachable) return new NetworkUnreachable("unreachable", full);
  if (/unreachable/i.test(message)) return new NetworkUnreachable("unreachable", full);
  return new NetError(message, full);
}

/**
 * Yields `next()` until `closed()`: the async iteration of listeners and
 * datagram sockets. A wait cut short by `close()` ends the loop quietly;
 * every other error is thrown to the loop's owner.
 */
export async function* untilClosed<T>(
  closed: () => boolean,
  next: () => Promise<T>,
): AsyncGenerator<T, void, undefined> {
  while (!closed()) {
    try {
      yield await next();
    } catch (error) {
      if (closed() && error instanceof SocketClosed) return;
      throw error;
    }
  }
}
