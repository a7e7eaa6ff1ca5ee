/**
 * Runs `/playground/run` jobs in a Deno Worker ({@link RunWorker}), so a
 * heavy run never blocks the HTTP server's event loop. Jobs go one at a time
 * in arrival order; the worker starts with the first job and ends when the
 * queue is empty, so an idle server holds no worker.
 *
 * @module
 */
import type { RunAnswer, RunJob } from "./_run_worker.ts";

/** Thrown when more jobs wait than {@link RunWorker} queues. */
export class RunnerBusy extends Error {
  /** Always "RunnerBusy". */
  override name = "RunnerBusy";
}

/** A queue of runs in one Deno Worker. */
export class RunWorker {
  #worker: Worker | null = null;
  /** Jobs posted before the worker said it is ready. */
  #early: RunJob[] | null = null;
  #nextId = 1;
  readonly #waiting = new Map<
    number,
    { resolve: (body: string | Uint8Array) => void; reject: (e: Error) => void }
  >();

  /**
   * Makes the queue.
   *
   * @param maxQueued Most jobs in flight or waiting; more are refused.
   */
  constructor(readonly maxQueued = 8) {}

  /** Jobs in flight or waiting. */
  get queued(): number {
    return this.#waiting.size;
  }

  /**
   * Runs a query's settings in the worker.
   *
   * @param kind "json" for the report's JSON text, "pcap" for the capture.
   * @param query The query (already checked by the caller).
   * @returns The body.
   * @throws {RunnerBusy} When {@link RunWorker.maxQueued} jobs are queued already.
   *
   * @example
   * ```ts
   * import { RunWorker } from "./runner.ts";
   * import assert from "node:assert/strict";
   * const runner = new RunWorker();
   * const body = await runner.run("json", "bytes=0");
   * assert.equal(JSON.parse(body as string).summary.ok, true);
   * ```
   */
  run(kind: "json" | "pcap", query: string): Promise<string | Uint8Array> {
    if (this.#waiting.size >= this.maxQueued) {
      return Promise.reject(
        new RunnerBusy(`${this.#waiting.size} runs are queued already; try again soon`),
      );
    }
    const id = this.#nextId++;
    const worker = this.#worker ??= this.#start();
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const job: RunJob = { id, kind, query };
      if (this.#early) this.#early.push(job);
      else worker.postMessage(job);
    });
  }

  #start(): Worker {
    const worker = new Worker(new URL("./_run_worker.ts", import.meta.url), { type: "module" });
    this.#early = [];
    worker.onmessage = ({ data }: MessageEvent<RunAnswer>) => {
      if (data.id === 0) {
        for (const job of this.#early ?? []) worker.postMessage(job);
        this.#early = null;
        return;
      }
      const job = this.#waiting.get(data.id);
      this.#waiting.delete(data.id);
      if (this.#waiting.size === 0) this.#stop();
      if (!job) return;
      if ("error" in data) job.reject(new Error(data.error));
      else job.resolve(data.body);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      const error = new Error(`the run worker failed: ${e.message}`);
      const jobs = [...this.#waiting.values()];
      this.#waiting.clear();
      this.#stop();
      for (const job of jobs) job.reject(error);
    };
    return worker;
  }

  #stop(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#early = null;
  }
}
