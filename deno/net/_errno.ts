// libc's errnos as socklab's typed errors: beside the FFI binding, so that
// errors.ts stays free of it.
import * as libc from "./_libc.ts";
import {
  AddrInUse,
  ConnectionRefused,
  ConnectionReset,
  NetError,
  type NetErrorInit,
  NetworkUnreachable,
  PermissionDenied,
} from "./errors.ts";

/** Maps an errno of a libc call to a typed {@link NetError}. */
export function errnoError(error: unknown, init: Omit<NetErrorInit, "cause">): unknown {
  if (!(error instanceof libc.Errno)) return error;
  const full = { ...init, cause: error };
  const text = error.message.replace(/^\w+: /, "").replace(/ \(errno \d+\)$/, "").toLowerCase();
  switch (error.errno) {
    case libc.EPERM:
    case libc.EACCES:
      return new PermissionDenied(`permission denied (${text})`, full);
    case libc.EADDRINUSE:
      return new AddrInUse("address already in use", full);
    case libc.ECONNREFUSED:
      return new ConnectionRefused("refused", full);
    case libc.ENOENT: // a unix socket path with no socket file
      return new ConnectionRefused("no socket at this path", full);
    case libc.ECONNRESET:
      return new ConnectionReset("connection reset by peer", full);
    case libc.EPIPE:
      return new ConnectionReset("broken pipe (the peer is gone)", full);
    case libc.ENETUNREACH:
    case libc.EHOSTUNREACH:
      return new NetworkUnreachable("unreachable", full);
    default:
      return new NetError(text, full);
  }
}
