/**
 * Addresses for every family: build and check them ({@link inetAddr},
 * {@link unixAddr}), read them from text ({@link parseAddr}), and write them
 * the way people read them ({@link formatAddr}: `127.0.0.1:80`, `[::1]:80`,
 * `/run/echo.sock`). Nothing here touches the network or resolves names.
 *
 * @module
 */
import type { Addr, InetAddr, UnixAddr } from "./types.ts";

/**
 * The longest unix socket path in bytes: `sun_path` in `struct sockaddr_un`
 * is 108 bytes on Linux, one of which is the terminating NUL.
 */
export const UNIX_PATH_MAX = 107;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Whether `text` is a numeric IPv4 address in dotted-quad form.
 *
 * @example
 * ```ts
 * import { isIPv4 } from "./addr.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isIPv4("10.0.0.1"), true);
 * assert.equal(isIPv4("10.0.0.256"), false);
 * ```
 */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * Whether `text` is a numeric IPv6 address (without brackets or zone).
 *
 * @example
 * ```ts
 * import { isIPv6 } from "./addr.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isIPv6("::1"), true);
 * assert.equal(isIPv6("1:::2"), false);
 * ```
 */
export function isIPv6(text: string): boolean {
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a port number.
 *
 * @throws {TypeError} If `port` is not a number.
 * @throws {RangeError} If it is not a whole number from 0 to 65535.
 */
export function checkPort(port: unknown, what = "port"): number {
  if (typeof port !== "number") {
    throw new TypeError(`Invalid ${what}: expected a number, got ${typeof port}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid ${what}: ${port} is not a whole number from 0 to 65535`);
  }
  return port;
}

/**
 * Builds an IPv4 or IPv6 address; the family follows from the hostname.
 *
 * @param hostname A numeric address ("127.0.0.1", "::1").
 * @param port 0 to 65535.
 * @throws {TypeError} If either argument has the wrong type.
 * @throws {SyntaxError} If `hostname` is not a numeric IPv4 or IPv6 address.
 * @throws {RangeError} If `port` is out of range.
 *
 * @example
 * ```ts
 * import { inetAddr } from "./addr.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(inetAddr("::1", 80), { family: "inet6", hostname: "::1", port: 80 });
 * ```
 */
export function inetAddr(hostname: string, port: number): InetAddr {
  if (typeof hostname !== "string") {
    throw new TypeError(`Invalid hostname: expected a string, got ${typeof hostname}`);
  }
  checkPort(port);
  if (isIPv4(hostname)) return { family: "inet", hostname, port };
  if (isIPv6(hostname)) return { family: "inet6", hostname, port };
  throw new SyntaxError(`Invalid address "${hostname}": not a numeric IPv4 or IPv6 address`);
}

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
