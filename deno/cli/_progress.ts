// A progress line on standard error for work that runs longer than about a
// second: drawn in place ("\r" and erase-line), at most ten times a second,
// only when standard error is a terminal (a log file or a pipe gets
// nothing), and erased when the work is done so the output that follows
// starts on a clean line.
import type { CommandIo } from "./_args.ts";

/** How long work runs before its progress line appears, ms. */
export const PROGRESS_AFTER_MS = 1000;
/** Least time between two draws, ms. */
const REDRAW_MS = 100;
/** Erases the current terminal line and returns to its start. */
const ERASE = "\r\x1b[K";

/** One command's progress line. */
export class Progress {
  readonly #stderr: WritableStream<Uint8Array> | null;
  readonly #start = performance.now();
  readonly #after: number;
  #drawn = -Infinity;
  #shown = false;
  /** The draws not yet written, in order: one at a time holds standard error. */
  #queue: Promise<void> = Promise.resolve();

  /**
   * @param io The command's streams; nothing is drawn unless `io.stderrIsTerminal`.
   * @param label What opens the line, such as "pcap" or "bench".
   */
  constructor(io: CommandIo, readonly label: string) {
    this.#after = io.progressAfterMs ?? PROGRESS_AFTER_MS;
    this.#stderr = io.stderrIsTerminal ? io.stderr : null;
  }

  /** Says where the work is; drawn once the work has run long enough, and not too often. */
  update(text: string): void {
    if (this.#stderr === null) return;
    const now = performance.now();
    if (now - this.#start < this.#after || now - this.#drawn < REDRAW_MS) return;
    this.#drawn = now;
    this.#shown = true;
    const elapsed = Math.floor((now - this.#start) / 1000);
    this.#draw(`${ERASE}${this.label}: ${text} (${elapsed}s)`);
  }

  /** Erases the line, if one was drawn, once every draw is written. */
  async done(): Promise<void> {
    if (this.#shown) this.#draw(ERASE);
    this.#shown = false;
    await this.#queue;
  }

  #draw(text: string): void {
    this.#queue = this.#queue.then(() => this.#write(text));
  }

  /** Writes without holding standard error between draws (a locked stream skips a draw). */
  async #write(text: string): Promise<void> {
    if (this.#stderr === null || this.#stderr.locked) return;
    const writer = this.#stderr.getWriter();
    try {
      await writer.write(new TextEncoder().encode(text));
    } catch {
      // A closed standard error takes no progress line; the work goes on.
    } finally {
      writer.releaseLock();
    }
  }
}

/** Runs `work` with a progress line, which is erased however the work ends. */
export async function withProgress<T>(
  io: CommandIo,
  label: string,
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  const progress = new Progress(io, label);
  try {
    return await work(progress);
  } finally {
    await progress.done();
  }
}
