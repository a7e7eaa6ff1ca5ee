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
    case 1: // EPERM
    case 13: // EACCES
      return new PermissionDenied(`permission denied (${text})`, full);
    case 98: // EADDRINUSE
      return new AddrInUse("address already in use", full);
    case 111: // ECONNREFUSED
    case 2: // ENOENT: no socket file at the path
      return new ConnectionRefused(error.errno === 2 ? "no socket at this path" : "refused", full);
    case libc.ECONNRESET:
      return new ConnectionReset("connection reset by peer", full);
    case libc.EPIPE:
      return new ConnectionReset("broken pipe (the peer is gone)", full);
    case 101: // ENETUNREACH
    case 113: // EHOSTUNREACH
      return new NetworkUnreachable("unreachable", full);
    default:
      return new NetError(text, full);
  }
}
