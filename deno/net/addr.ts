/**
 * Addresses for every family: build and check them ({@link inetAddr},
 * {@link unixAddr}), read them from text ({@link parseAddr}), and write them
 * the way people read them ({@link formatAddr}: `127.0.0.1:80`, `[::1]:80`,
 * `/run/echo.sock`). Nothing here touches the network or resolves names.
 *
 * @module
 */
import type { Addr, UnixAddr } from "./types.ts";
import { checkPort, inetAddr, isIPv4, isIPv6 } from "../wire/inet_addr.ts";

// The IP endpoint's home is wire/inet_addr.ts (the TCP below speaks it too);
// the socket layer offers its helpers here with the unix ones.
export { checkPort, inetAddr, isIPv4, isIPv6 };

/**
 * The longest unix socket path in bytes: `sun_path` in `struct sockaddr_un`
 * is 108 bytes on Linux, one of which is the terminating NUL.
 */
export const UNIX_PATH_MAX = 107;

/**
 * Builds a unix-domain address.
 *
 * @param path A filesystem path of at most {@link UNIX_PATH_MAX} bytes
 *   (UTF-8); empty for an unnamed socket.
 * @throws {TypeError} If `path` is not a string or holds a NUL byte.
 * @throws {RangeError} If `path` is too long for `sockaddr_un`.
 *
 * @example
 * ```ts
 * import { unixAddr } from "./addr.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => unixAddr("/tmp/" + "x".repeat(200)), RangeError);
 * ```
 */
export function unixAddr(path: string): UnixAddr {
  if (typeof path !== "string") {
    throw new TypeError(`Invalid unix socket path: expected a string, got ${typeof path}`);
  }
  if (path.includes("\0")) {
    throw new TypeError(`Invalid unix socket path: it contains a NUL byte`);
  }
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > UNIX_PATH_MAX) {
    throw new RangeError(
      `Invalid unix socket path: ${bytes} bytes is longer than the ${UNIX_PATH_MAX} that sockaddr_un holds`,
    );
  }
  return { family: "unix", path };
}

/**
 * Reads an address from text: `127.0.0.1:80`, `[::1]:80`, or a unix path
 * (anything containing a `/`, or prefixed with `unix:`).
 *
 * @throws {SyntaxError} If the text is none of these.
 * @throws {RangeError} If the port or path is out of range.
 *
 * @example
 * ```ts
 * import { formatAddr, parseAddr } from "./addr.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatAddr(parseAddr("[::1]:8080")), "[::1]:8080");
 * assert.equal(parseAddr("unix:/run/echo.sock").family, "unix");
 * ```
 */
export function parseAddr(text: string): Addr {
  if (typeof text !== "string") {
    throw new TypeError(`Invalid address: expected a string, got ${typeof text}`);
  }
  if (text.startsWith("unix:")) return unixAddr(text.slice(5));
  if (text.includes("/")) return unixAddr(text);
  const match = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(text);
  if (!match) {
    throw new SyntaxError(
      `Invalid address "${text}": expected host:port, [v6-host]:port or a unix path`,
    );
  }
  const port = Number(match[3]);
  if (match[1] !== undefined) {
    if (!isIPv6(match[1])) {
      throw new SyntaxError(`Invalid address "${text}": "${match[1]}" is not an IPv6 address`);
    }
    return { family: "inet6", hostname: match[1], port: checkPort(port) };
  }
  return inetAddr(match[2], port);
}

/**
 * Writes an address as text: `host:port`, `[v6]:port`, or the unix path
 * (`(unnamed)` for a socket without one).
 */
export function formatAddr(addr: Addr): string {
  if (addr.family === "unix") return addr.path === "" ? "(unnamed)" : addr.path;
  return addr.family === "inet6"
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** Converts one of Deno's addresses to socklab's {@link Addr}. */
export function fromDenoAddr(addr: Deno.Addr): Addr {
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    return { family: "unix", path: addr.path ?? "" };
  }
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return {
      family: addr.hostname.includes(":") ? "inet6" : "inet",
      hostname: addr.hostname,
      port: addr.port,
    };
  }
  throw new TypeError(`Unsupported address transport "${addr.transport}"`);
}
