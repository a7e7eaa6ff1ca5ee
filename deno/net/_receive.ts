// One receive in flight per socket, shared by every caller: a caller that
// gives up (timeout, abort) leaves the datagram for the next one, so
// nothing is lost and no second receive is started on the socket.
import { TimedOut } from "./errors.ts";
import type { Addr, Datagram } from "./types.ts";

/** How long a receive waits. */
export interface ReceiveOptions {
  /** Gives up with {@link TimedOut} after this many milliseconds. */
  timeout?: number;
  /** Gives up when aborted, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/** Serializes receives over `receiveOne` with timeouts and aborts. */
export class ReceiveQueue {
  #receiveOne: () => Promise<Datagram>;
  #local: () => Addr;
  #pending?: Promise<Datagram>;

  constructor(receiveOne: () => Promise<Datagram>, local: () => Addr) {
    this.#receiveOne = receiveOne;
    this.#local = local;
  }

  /** The receive in flight, if any (to await it on close). */
  get pending(): Promise<unknown> | undefined {
    return this.#pending?.catch(() => {});
  }

  receive(options: ReceiveOptions = {}): Promise<Datagram> {
    const { timeout, signal } = options;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
      return Promise.reject(new RangeError(`Invalid timeout: ${timeout} is not milliseconds >= 0`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const pending = this.#pending ??= this.#receiveOne();
    // Whoever gets the outcome takes it; a caller that gives up leaves it.
    const take = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    if (timeout === undefined && signal === undefined) return pending.finally(take);
    pending.catch(() => {}); // settled by a later receive(), or dropped on close
    return new Promise<Datagram>((resolve, reject) => {
      let waiting = true;
      const finish = () => {
        waiting = false;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const giveUp = (error: unknown) => {
        if (!waiting) return;
        finish();
        reject(error);
      };
      const timer = timeout === undefined ? undefined : setTimeout(() =>
        giveUp(
          new TimedOut(`no datagram within ${timeout} ms`, { op: "receive", local: this.#local() }),
        ), timeout);
      const onAbort = () => giveUp(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      pending.then((d) => {
        if (!waiting) return;
        finish();
        take();
        resolve(d);
      }, (e) => {
        take();
        giveUp(e);
      });
    });
  }
}
