// The Deno Worker behind /playground/run and /playground/run.pcap: it runs
// the simulation off the server's event loop, so the server answers other
// requests while a run is in flight. One request at a time, in order.
import { parseRunQuery, runReport, simulate } from "./run.ts";
import { pcapOfTrace } from "../trace/pcap.ts";

/** A run to make: the JSON report or the pcap of a query's settings. */
export interface RunJob {
  readonly id: number;
  readonly kind: "json" | "pcap";
  readonly query: string;
}

/**
 * The answer: the body (JSON text or pcap bytes), or what went wrong; id 0
 * (no body) says the worker is ready.
 */
export type RunAnswer =
  | { readonly id: number; readonly body: string | Uint8Array }
  | { readonly id: number; readonly error: string };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<RunJob>) => void) | null;
  postMessage(message: RunAnswer, transfer?: Transferable[]): void;
};

scope.onmessage = ({ data: job }) => {
  try {
    const settings = parseRunQuery(new URLSearchParams(job.query));
    if (job.kind === "json") {
      scope.postMessage({ id: job.id, body: JSON.stringify(runReport(settings)) });
    } else {
      const bytes = pcapOfTrace(simulate(settings).events);
      scope.postMessage({ id: job.id, body: bytes }, [bytes.buffer as ArrayBuffer]);
    }
  } catch (error) {
    scope.postMessage({ id: job.id, error: (error as Error).message });
  }
};

// Messages that arrive while the module is still loading (the core compiles
// on import) would find no handler: the runner waits for this first.
scope.postMessage({ id: 0, body: "" });
