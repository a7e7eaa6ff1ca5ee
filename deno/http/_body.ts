// Request bodies, as Go's transfer.go reads them: a Content-Length body is
// the next `length` bytes, a chunked one goes through the ChunkedDecoder;
// both come from the connection's input buffer first and from the socket
// when it runs dry. A body error carries the status to answer with.
//
// Policy for a body the handler never reads (RFC 9112 §6.3, §9.6): before
// the answer goes out, the server reads what is left of it, up to
// DRAIN_LIMIT bytes, so that framing it finds invalid is answered 400 (never
// the handler's 2xx) and a valid one lets the connection go on. A body known
// to be longer than that, or one the client holds back until a
// "100 Continue" the server never sent, is not read: the connection closes
// after the answer.
import { ChunkedDecoder, type Framing } from "./parser.ts";

/** The most of an unread body the server reads to keep a connection (or to check its framing). */
export const DRAIN_LIMIT = 65536;

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** An error in a request body, carrying the status it should be answered with. */
export class BodyError extends Error {
  override name = "BodyError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** What a body is read from: the connection's input buffer and a way to get more. */
export interface BodyInput {
  /** The input; `buf[start, end)` is not yet read. The buffer may be replaced by `more()`. */
  readonly buf: Uint8Array;
  /** The first unread byte; the body reader advances it. */
  start: number;
  /** The end of the bytes read from the socket. */
  readonly end: number;
  /** Reads more bytes from the socket (under the body timeout); false at the end of the stream. */
  moreBody(): Promise<boolean>;
  /** Queues bytes to send (the interim "100 Continue"). */
  put(bytes: Uint8Array): void;
}

/** Reads one request body from the connection's buffer and socket. */
export class BodyReader {
  readonly #in: BodyInput;
  readonly #expectContinue: boolean;
  readonly #decoder: ChunkedDecoder | null;
  /** Bytes left of a Content-Length body. */
  remaining: number;
  /** Whether the body has been read to its end. */
  done = false;
  /** Whether "100 Continue" has been sent for it. */
  continued = false;
  /** The error the body failed with, once it has. */
  error: BodyError | null = null;

  constructor(input: BodyInput, framing: Framing, maxBodySize: number) {
    this.#in = input;
    this.#expectContinue = framing.expectContinue;
    this.remaining = framing.length;
    this.#decoder = framing.kind === "chunked" ? new ChunkedDecoder(maxBodySize) : null;
  }

  /** Whether the client waits for a "100 Continue" that has not been sent: the body is not coming. */
  get heldBack(): boolean {
    return this.#expectContinue && !this.continued;
  }

  async #more(): Promise<void> {
    if (this.#expectContinue && !this.continued) {
      this.continued = true;
      this.#in.put(CONTINUE);
    }
    if (!await this.#in.moreBody()) {
      throw this.error = new BodyError(400, "the connection closed before the body ended");
    }
  }

  /** The next piece of the body (a copy), or null at its end; rejects with a {@link BodyError}. */
  async next(): Promise<Uint8Array | null> {
    if (this.done) return null;
    if (this.error) throw this.error;
    const c = this.#in;
    if (this.#decoder === null) {
      if (c.start === c.end) await this.#more();
      const take = Math.min(this.remaining, c.end - c.start);
      const chunk = c.buf.slice(c.start, c.start + take);
      c.start += take;
      this.remaining -= take;
      if (this.remaining === 0) this.done = true;
      return chunk;
    }
    const decoder = this.#decoder;
    const parts: Uint8Array[] = [];
    while (true) {
      if (c.start === c.end) await this.#more();
      const buf = c.buf;
      const used = decoder.decode(buf, c.start, c.end, (s, e) => parts.push(buf.slice(s, e)));
      if (used < 0) {
        throw this.error = new BodyError(decoder.errorStatus, decoder.error);
      }
      c.start += used;
      if (decoder.done) this.done = true;
      if (parts.length > 0 || this.done) break;
    }
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts[0];
    let n = 0;
    for (const p of parts) n += p.length;
    const joined = new Uint8Array(n);
    n = 0;
    for (const p of parts) {
      joined.set(p, n);
      n += p.length;
    }
    return joined;
  }

  /**
   * Reads and discards the rest of the body, up to `limit` bytes: true when
   * the body ended within them, false when more is left (then nothing past
   * the limit has been read). Rejects with a {@link BodyError} for a body
   * whose framing is invalid or that the connection cut short.
   */
  async skip(limit: number): Promise<boolean> {
    if (this.#decoder === null && this.remaining > limit) return false;
    let skipped = 0;
    while (!this.done) {
      const chunk = await this.next();
      if (chunk === null) break;
      skipped += chunk.length;
      if (skipped > limit && !this.done) return false;
    }
    return true;
  }

  /** The body as a stream for the handler's Request, pulled one piece at a time. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = await this.next();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
  }
}
