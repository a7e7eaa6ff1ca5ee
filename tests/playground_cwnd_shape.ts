// The shape of a congestion window over time, for the playground's slow-start
// test: how many times cwnd doubled before the first loss (slow start), and
// how fast it grew in congestion avoidance afterwards.

/** One "cc" trace event, as its JSON line has it. */
export interface CcPoint {
  readonly time: number;
  readonly cwnd: number;
  readonly ssthresh: number | null;
  readonly phase: "open" | "recovery" | "loss";
}

/** What {@link cwndShape} finds. */
export interface CwndShape {
  /** Times cwnd doubled from its first value before ssthresh was first set. */
  readonly doublings: number;
  /** Round trips between successive doublings. */
  readonly rttsPerDoubling: number[];
  /** Congestion avoidance: the open phase after the first loss, or null without one. */
  readonly avoidance: {
    /** How many round trips it lasted. */
    readonly rtts: number;
    /** Segments cwnd grew per round trip, over all of it. */
    readonly segmentsPerRtt: number;
    /** Growth per round trip in its second half over that in its first (1 for a line). */
    readonly halvesRatio: number;
  } | null;
}

/**
 * Reads the shape of a sender's cwnd.
 *
 * @param cc The sender's "cc" events, in time order.
 * @param rtt A round trip, ms.
 * @param mss The segment size, bytes.
 */
export function cwndShape(cc: readonly CcPoint[], rtt: number, mss: number): CwndShape {
  const firstLoss = cc.findIndex((e) => e.ssthresh !== null);
  const slowStart = firstLoss < 0 ? cc : cc.slice(0, firstLoss);
  const times: number[] = [];
  if (slowStart.length > 0) {
    let target = slowStart[0].cwnd * 2;
    times.push(slowStart[0].time);
    for (const e of slowStart) {
      while (e.cwnd >= target) {
        times.push(e.time);
        target *= 2;
      }
    }
  }
  const rttsPerDoubling = times.slice(1).map((t, i) => (t - times[i]) / rtt);
  // Congestion avoidance: the last stretch of "open" events after the first loss.
  const after = firstLoss < 0 ? [] : cc.slice(firstLoss);
  let start = after.length;
  while (start > 0 && after[start - 1].phase === "open") start--;
  const ca = after.slice(start);
  if (ca.length < 2) return { doublings: times.length - 1, rttsPerDoubling, avoidance: null };
  const a = ca[0], z = ca[ca.length - 1];
  const mid = ca.findLast((e) => e.time <= (a.time + z.time) / 2)!;
  const slope = (p: CcPoint, q: CcPoint) => (q.cwnd - p.cwnd) / Math.max(1e-9, q.time - p.time);
  return {
    doublings: times.length - 1,
    rttsPerDoubling,
    avoidance: {
      rtts: (z.time - a.time) / rtt,
      segmentsPerRtt: (slope(a, z) * rtt) / mss,
      halvesRatio: slope(mid, z) / Math.max(1e-9, slope(a, mid)),
    },
  };
}
