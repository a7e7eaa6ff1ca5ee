/**
 * The one shape of an IP endpoint in socklab: an IPv4 or IPv6 address and a
 * port, {@link InetAddr}. The TCP's connections, the sockets of `deno/net/`
 * and the links of `deno/link/` all speak it, so an address flows from a
 * segment to a connection to a `Conn` unchanged. Build one with
 * {@link inetAddr}, which checks the text and picks the family.
 *
 * @module
 */

/** An IPv4 or IPv6 endpoint. */
export interface InetAddr {
  /** "inet" for IPv4, "inet6" for IPv6. */
  readonly family: "inet" | "inet6";
  /** A numeric address ("127.0.0.1", "::1"). */
  readonly hostname: string;
  /** 0 to 65535. */
  readonly port: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Whether `text` is a numeric IPv4 address in dotted-quad form.
 *
 * @example
 * ```ts
 * import { isIPv4 } from "./inet_addr.ts";
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
 * import { isIPv6 } from "./inet_addr.ts";
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
 * @param port The value to check.
 * @param what How to name it in the error.
 * @returns The port.
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
 * Builds an IPv4 or IPv6 endpoint from a numeric address, the family
 * following from the text.
 *
 * @param hostname A numeric IPv4 or IPv6 address.
 * @param port 0 to 65535.
 * @returns The endpoint.
 * @throws {TypeError} If either argument has the wrong type.
 * @throws {SyntaxError} If `hostname` is not a numeric IPv4 or IPv6 address.
 * @throws {RangeError} If `port` is out of range.
 *
 * @example
 * ```ts
 * import { inetAddr } from "./inet_addr.ts";
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
