/**
 * TCP segments (RFC 9293 §3.1): a zero-copy view over header bytes and a
 * plain {@link TcpRepr} record that the state machine works with.
 *
 * @module
 */

/**
 * The control of a segment. SYN, FIN and RST exclude each other, so the
 * impossible combinations (SYN+FIN, SYN+RST, FIN+RST) cannot be written.
 */
export type TcpControl = "syn" | "fin" | "rst" | null;

/** TCP timestamps option (RFC 7323 §3). */
export interface TcpTimestamp {
  readonly value: number;
  readonly echo: number;
}

/** A left/right edge pair of a SACK block (RFC 2018), right edge exclusive. */
export type SackBlock = readonly [left: number, right: number];

/** A TCP segment as a plain record: what is parsed and what is emitted. */
export interface TcpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  /** The sequence number (a 32-bit unsigned integer). */
  readonly seq: number;
  /** The acknowledgement number, or null when the ACK flag is clear. */
  readonly ack: number | null;
  /** SYN, FIN, RST or none. */
  readonly control: TcpControl;
  /** The PSH flag. */
  readonly psh: boolean;
  /** ECN flags (RFC 3168). */
  readonly ece: boolean;
  readonly cwr: boolean;
  /** The urgent pointer when URG is set, else null. */
  readonly urgent: number | null;
  /** The raw 16-bit window field (unscaled). */
  readonly window: number;
  /** The MSS option (SYN only), or null. */
  readonly mss: number | null;
  /** The window scale shift (SYN only, 0 to 14), or null. */
  readonly windowScale: number | null;
  /** Whether SACK-permitted was sent (SYN only). */
  readonly sackPermitted: boolean;
  /** SACK blocks, most recent first (at most 4). */
  readonly sack: readonly SackBlock[];
  /** The timestamps option, or null. */
  readonly timestamp: TcpTimestamp | null;
  /** The data. */
  readonly payload: Uint8Array;
}
