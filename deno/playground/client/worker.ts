/// <reference lib="dom" />
// The playground's simulation worker: runs socklab's TCP on the simulated
// network off the page's thread, and keeps the last run's events for the
// downloads and for the detail of an event.
import { Session } from "../session.ts";
import { FieldError } from "../run.ts";
import { replayBuffers } from "../replay.ts";
import { formFields } from "../form.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

const scope = globalThis as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

let session: Session | null = null;

scope.onmessage = ({ data: request }) => {
  const { id } = request;
  try {
    switch (request.type) {
      case "run": {
        const started = performance.now();
        session = null;
        const next = Session.run(
          request.query,
          (progress) => scope.postMessage({ type: "progress", id, progress }),
        );
        session = next;
        const result = next.result;
        // The replay's columns move to the page (transferred, not copied).
        const elapsed = performance.now() - started;
        scope.postMessage({ type: "result", id, result, elapsed }, replayBuffers(result.replay));
        return;
      }
      case "fields":
        scope.postMessage({ type: "fields", id, fields: formFields() });
        return;
      case "events":
        scope.postMessage({ type: "events", id, events: session?.events(request.indexes) ?? [] });
        return;
      case "pcap": {
        const bytes = session?.pcap() ?? new Uint8Array(0);
        const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], {
          type: "application/vnd.tcpdump.pcap",
        });
        scope.postMessage({ type: "file", id, blob });
        return;
      }
      case "json": {
        const blob = new Blob([...(session?.jsonLines() ?? [])], { type: "application/x-ndjson" });
        scope.postMessage({ type: "file", id, blob });
        return;
      }
    }
  } catch (error) {
    const field = error instanceof FieldError ? error.field : null;
    scope.postMessage({ type: "error", id, message: (error as Error).message, field });
  }
};

// A message that arrives while the module still loads (the WASM core compiles
// on import) finds no handler and is lost: the page waits for this first.
scope.postMessage({ type: "ready", id: 0 });
