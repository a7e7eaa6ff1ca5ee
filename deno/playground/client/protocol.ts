// The messages between the page (app.ts) and its simulation worker (worker.ts).
import type { JsonValue } from "../../trace/json.ts";
import type { SessionProgress, SessionResult } from "../session.ts";
import type { FormField } from "../form.ts";

/** What the page asks of the worker. Every request carries an id the answer repeats. */
export type ToWorker =
  | { readonly type: "run"; readonly id: number; readonly query: string }
  | { readonly type: "events"; readonly id: number; readonly indexes: number[] }
  | { readonly type: "fields"; readonly id: number }
  | { readonly type: "pcap"; readonly id: number }
  | { readonly type: "json"; readonly id: number };

/** What the worker answers; id 0 (type "ready") says it has loaded and takes requests. */
export type FromWorker =
  | { readonly type: "ready"; readonly id: 0 }
  | { readonly type: "progress"; readonly id: number; readonly progress: SessionProgress }
  | {
    readonly type: "result";
    readonly id: number;
    readonly result: SessionResult;
    /** Wall-clock time of the run and the model, ms. */
    readonly elapsed: number;
  }
  | {
    readonly type: "error";
    readonly id: number;
    readonly message: string;
    readonly field: string | null;
  }
  | { readonly type: "events"; readonly id: number; readonly events: (JsonValue | null)[] }
  | { readonly type: "file"; readonly id: number; readonly blob: Blob }
  | { readonly type: "fields"; readonly id: number; readonly fields: FormField[] };

/** A request before the page numbers it. */
export type WorkerRequest = ToWorker extends infer T ? T extends ToWorker ? Omit<T, "id"> : never
  : never;
