/**
 * The connection states of RFC 9293 (§3.3.2), by the RFC's own names. This
 * is the state of socklab's TCP ({@link TcpSocket.state}); the kernel's view
 * in `deno/net/procnet.ts` adds Linux's NEW-SYN-RECV to it as
 * `KernelTcpState`.
 *
 * @module
 */

/**
 * One of the eleven states of a TCP connection (RFC 9293 §3.3.2, figure 5):
 *
 * - `CLOSED`: no connection (the fictional state before and after one);
 * - `LISTEN`: waiting for a SYN from any remote endpoint;
 * - `SYN-SENT`: our SYN is out, waiting for the peer's;
 * - `SYN-RECEIVED`: SYNs crossed or answered, waiting for the ACK of ours;
 * - `ESTABLISHED`: open, data flows both ways;
 * - `FIN-WAIT-1`: we closed, our FIN is not yet acknowledged;
 * - `FIN-WAIT-2`: our FIN is acknowledged, waiting for the peer's;
 * - `CLOSE-WAIT`: the peer closed, waiting for our application to;
 * - `CLOSING`: both closed at once, waiting for the ACK of our FIN;
 * - `LAST-ACK`: the peer closed first, waiting for the ACK of our FIN;
 * - `TIME-WAIT`: both FINs acknowledged, waiting 2 MSL for stray segments.
 *
 * @example The state a socket starts in
 * ```ts
 * import type { TcpState } from "./state.ts";
 * import { TcpSocket } from "./socket.ts";
 * import assert from "node:assert/strict";
 * const state: TcpState = new TcpSocket().state;
 * assert.equal(state, "CLOSED");
 * ```
 */
export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT";
