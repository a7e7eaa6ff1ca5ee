/**
 * The playground's presets: one run per topic of TCP's life, each with the
 * settings (query fields, as `socklab sim`'s flags without the dashes) and a
 * short explanation of what to look for in what is drawn.
 *
 * @module
 */

/** One preset. */
export interface Preset {
  /** Stable id, used in the page's URL (`#preset=`) and by tests. */
  readonly id: string;
  /** The button's text. */
  readonly title: string;
  /** The settings, as a query string. */
  readonly query: string;
  /** What to look for, in a few sentences. */
  readonly explanation: string;
  /**
   * Whether it shows congestion control, which needs a TCP that traces "cc"
   * events; without them the page says so beside the explanation.
   */
  readonly needsCongestionControl?: boolean;
}

/** Every preset, in the order the page lists them. */
export const PRESETS: readonly Preset[] = [
  {
    id: "handshake",
    title: "handshake",
    query: "bytes=0",
    explanation: "The three-way handshake: the client's SYN (SYN-SENT), the server's SYN,ACK " +
      "(LISTEN → SYN-RECEIVED), and the client's ACK, after which both ends are ESTABLISHED. " +
      "Each SYN carries the sender's MSS. No data follows, so the client closes at once.",
  },
  {
    id: "close-client",
    title: "teardown: client closes first",
    query: "bytes=2KB",
    explanation:
      "An active close by the client: its FIN takes it to FIN-WAIT-1, the server's ACK to " +
      "FIN-WAIT-2. The server, told of the FIN, sits in CLOSE-WAIT until its application " +
      "closes too; its own FIN (LAST-ACK) is acknowledged from TIME-WAIT.",
  },
  {
    id: "close-server",
    title: "teardown: server closes first",
    query: "bytes=2KB&close=server-first",
    explanation:
      "The same teardown mirrored: the server closes first and it is the server that waits in " +
      "TIME-WAIT, holding the 4-tuple for 2×MSL, while the client goes through CLOSE-WAIT and " +
      "LAST-ACK.",
  },
  {
    id: "close-simultaneous",
    title: "teardown: simultaneous close",
    query: "bytes=0&close=simultaneous&simultaneous-open=on",
    explanation:
      "Both ends open at once and close at once, so each sends its FIN before seeing the " +
      "other's: each goes FIN-WAIT-1 → CLOSING (a FIN arrived, its own is not yet " +
      "acknowledged) → TIME-WAIT, the one path through CLOSING, and both wait out 2×MSL.",
  },
  {
    id: "time-wait",
    title: "TIME-WAIT",
    query: "bytes=0&msl=2s",
    explanation:
      "With an MSL of 2 s, the client holds TIME-WAIT for 2×MSL = 4 s after the last ACK " +
      "(the ladder marks the idle stretch), so that a late segment of this connection cannot " +
      "be taken for one of the next connection on the same ports.",
  },
  {
    id: "rto",
    title: "retransmission and RTO backoff",
    query: "bytes=3KB&loss=25%&seed=5",
    explanation:
      "A quarter of the packets are lost (×). The server's FIN is lost again and again: first " +
      "a tail-loss probe resends it (RFC 8985 §7), then each retransmission timeout resends it " +
      "and doubles the RTO (RFC 6298 §5.5): the timer notes read 400, 800, 1600 ms. The RTT " +
      "plot shows the RTO stepping up.",
  },
  {
    id: "fast-retransmit",
    title: "fast retransmit",
    query: "bytes=60KB&loss=2%&delay=20ms&recovery=newreno&cc=reno&seed=5",
    needsCongestionControl: true,
    explanation:
      "One segment of a flight is lost. Each later segment draws a duplicate ACK (the same " +
      "ack=); the third makes the sender resend the hole at once (RFC 5681 §3.2) instead of " +
      "waiting for its RTO. The window plot shades the fast recovery (NewReno, RFC 6582): cwnd " +
      "halves, and recovery ends when an ACK covers the whole flight.",
  },
  {
    id: "sliding-window",
    title: "sliding window",
    query: "bytes=40KB&recv-buffer=8KiB&delay=20ms",
    explanation:
      "The receiver's buffer is 8 KiB, so the sender may have at most 8 KiB unacknowledged: " +
      "bytes in flight run into the receive window, and each ACK slides the window right by " +
      "what it acknowledges (the time-sequence graph's dashed upper line).",
  },
  {
    id: "zero-window",
    title: "zero-window stall",
    query: "bytes=10KB&stall=3s&recv-buffer=4096",
    explanation:
      "The server's application reads nothing for 3 s. Its 4 KiB buffer fills, it advertises " +
      "win=0, and the sender stops. The sender's persist timer sends window probes; when the " +
      "application reads, a window update reopens the flow.",
  },
  {
    id: "slow-start",
    title: "slow start and congestion avoidance",
    query: "bytes=3MB&delay=20ms&rate=20Mbit&queue=64KiB&cc=reno",
    needsCongestionControl: true,
    explanation:
      "Reno through a 20 Mbit/s bottleneck with a 64 KiB queue. cwnd starts at ten segments " +
      "(RFC 6928) and grows by what each ACK acknowledges, doubling every round trip (slow " +
      "start) until the queue overflows. The loss sets ssthresh to half the flight; after the " +
      "recovery cwnd grows by about one segment per round trip (congestion avoidance): the " +
      "window plot bends from a curve to a line.",
  },
  {
    id: "flows",
    title: "three flows share a bottleneck",
    query: "flows=3&cc=reno,cubic&bytes=1MB&rate=10Mbit",
    needsCongestionControl: true,
    explanation:
      "Three connections between the same two hosts send 1 MB each through one 10 Mbit/s " +
      "link: a Reno flow and two CUBIC flows. Their windows grow until the shared queue " +
      "overflows, each backs off in its own way (Reno halves, CUBIC keeps 70%), and the " +
      "result shows each flow's share of the bottleneck and Jain's fairness index.",
  },
  {
    id: "simultaneous-open",
    title: "simultaneous open",
    query: "bytes=0&simultaneous-open=on",
    explanation:
      "Both ends send a SYN at once: each goes SYN-SENT → SYN-RECEIVED when the other's SYN " +
      "arrives, answers it with a SYN,ACK, and is ESTABLISHED when that is acknowledged. Four " +
      "segments, no LISTEN.",
  },
  {
    id: "rst",
    title: "RST after a too-short TIME-WAIT",
    query: "bytes=3KB&duplicate=30%&jitter=40ms&delay=20ms&msl=5ms&seed=6",
    explanation:
      "TIME-WAIT here lasts only 10 ms. A duplicate of the server's FIN, delayed by jitter, " +
      "reaches the client after it has closed: no connection owns the segment any more, so " +
      "the client's stack answers RST (RFC 9293 §3.10.7.1), which is what TIME-WAIT guards " +
      "against.",
  },
];

/**
 * Finds a preset by id.
 *
 * @param id The preset's id.
 * @returns The preset, or undefined.
 *
 * @example
 * ```ts
 * import { presetById } from "./presets.ts";
 * import assert from "node:assert/strict";
 * assert.equal(presetById("handshake")?.query, "bytes=0");
 * ```
 */
export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
