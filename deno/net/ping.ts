/**
 * ICMP echo ("ping") over a raw socket, IPv4 or IPv6: build the echo request
 * with socklab's wire formats, send it, and wait for the matching reply.
 * Needs root or CAP_NET_RAW (raw sockets). Reads no clock: the caller
 * times the round trip if it wants to.
 *
 * @module
 */
import * as icmp from "../wire/icmp.ts";
import * as icmpv6 from "../wire/icmpv6.ts";
import * as ipv4 from "../wire/ipv4.ts";
import { WireError } from "../wire/error.ts";
import { inetAddr } from "./addr.ts";
import { TimedOut } from "./errors.ts";
import * as libc from "./_libc.ts";
import { type FdSocket, openRaw } from "./fd_socket.ts";
import type { InetAddr } from "./types.ts";

/** An echo reply that matched a request. */
export interface EchoReply {
  /** Who answered. */
  readonly from: InetAddr;
  /** The reply's identifier, as sent. */
  readonly ident: number;
  /** The reply's sequence number, as sent. */
  readonly seq: number;
  /** The echoed data. */
  readonly data: Uint8Array;
  /** The IPv4 time to live of the reply (null for IPv6, whose raw sockets hide the header). */
  readonly ttl: number | null;
}

/** A raw ICMP (or ICMPv6) socket that sends echo requests and matches replies. */
export class Pinger implements AsyncDisposable {
  /** "inet" or "inet6". */
  readonly family: "inet" | "inet6";
  /** The identifier stamped on every request (a real ping uses its pid). */
  readonly ident: number;
  #socket: FdSocket;

  /**
   * Opens the raw socket.
   *
   * @throws {PermissionDenied} Without root or CAP_NET_RAW.
   */
  constructor(family: "inet" | "inet6", ident = Deno.pid & 0xffff) {
    this.family = family;
    this.ident = ident;
    this.#socket = openRaw({
      family,
      protocol: family === "inet" ? libc.IPPROTO_ICMP : libc.IPPROTO_ICMPV6,
    });
  }

  /**
   * Sends echo request `seq` with `data` to `host` (a numeric address).
   *
   * @throws {SyntaxError} If `host` is not a numeric address of this family.
   */
  async send(host: string, seq: number, data: Uint8Array = new Uint8Array(56)): Promise<void> {
    const to = inetAddr(host, 0);
    if (to.family !== this.family) {
      throw new TypeError(`Cannot ping ${host} from an ${this.family} socket`);
    }
    const repr = { type: "echoRequest" as const, ident: this.ident, seq, data };
    const bytes = new Uint8Array(icmp.bufferLen(repr));
    // ICMPv4 carries its own checksum; for ICMPv6 the kernel fills it in,
    // since it covers a pseudo-header with the source the kernel picks.
    if (this.family === "inet") icmp.emit(repr, bytes);
    else icmpv6.emit(repr, bytes);
    await this.#socket.send(bytes, to);
  }

  /**
   * Waits for the echo reply with this pinger's identifier and `seq`;
   * other ICMP traffic the raw socket sees is skipped.
   *
   * @throws {TimedOut} If no reply came within `timeout` ms.
   */
  async reply(seq: number, timeout: number): Promise<EchoReply> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeout);
    try {
      for (;;) {
        let datagram;
        try {
          datagram = await this.#socket.receive({ signal: deadline.signal });
        } catch (error) {
          if (deadline.signal.aborted) {
            throw new TimedOut(`no echo reply ${seq} within ${timeout} ms`, {
              op: "ping",
              local: this.#socket.addr,
            });
          }
          throw error;
        }
        const reply = this.#match(datagram.data, datagram.from as InetAddr, seq);
        if (reply) return reply;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #match(bytes: Uint8Array, from: InetAddr, seq: number): EchoReply | null {
    try {
      let ttl: number | null = null;
      let message = bytes;
      if (this.family === "inet") {
        // IPv4 raw sockets deliver the whole packet, IP header first.
        const { repr, payload } = ipv4.parsePacket(bytes);
        ttl = repr.ttl;
        message = payload;
      }
      const repr = this.family === "inet" ? icmp.parse(message) : icmpv6.parse(message);
      if (repr.type !== "echoReply" || repr.ident !== this.ident || repr.seq !== seq) return null;
      return { from, ident: repr.ident, seq: repr.seq, data: repr.data, ttl };
    } catch (error) {
      if (error instanceof WireError) return null; // neighbour discovery and the like
      throw error;
    }
  }

  /** Closes the raw socket. */
  close(): void {
    this.#socket.close();
  }

  /** Closes the raw socket (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#socket[Symbol.asyncDispose]();
  }
}
