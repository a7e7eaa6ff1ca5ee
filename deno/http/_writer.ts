// The write pipeline of a server connection: an output buffer that answers
// are serialized into, and one write in flight at a time that carries it to
// the socket while the connection reads on. A small answer is one write
// (head and body together), answers to pipelined requests go out together,
// and a streamed body goes out chunked with backpressure: the producer waits
// while its chunk is written.
//
// How a Response becomes bytes (RFC 9112 §6, RFC 9110 §6.4.1, §9.3.2):
// - a body that is already complete gets a Content-Length;
// - a stream gets chunked transfer coding (HTTP/1.1), or is delimited by the
//   close of the connection (HTTP/1.0), unless the handler declared its
//   length;
// - 1xx, 204 and 304 responses carry no content and no Content-Length;
// - a response to HEAD carries no content: the Content-Length says what a GET
//   would have carried, when that is known. Error responses included.
import type { Conn } from "../net/types.ts";
import { reasonPhrase } from "./status.ts";
import { staticBody, staticContentType } from "./_static_body.ts";

/** The output buffer's size; answers up to this size go out in one write. */
export const OUT_SIZE = 8192;

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");
const LAST_CHUNK = encoder.encode("0\r\n\r\n");

const statusLines = new Map<number, string>();

/** The status line for `status`, with `text` as its reason phrase when it differs from the usual. */
function statusLine(status: number, text: string): string {
  const usual = reasonPhrase(status);
  if (text && text !== usual) return `HTTP/1.1 ${status} ${text}\r\n`;
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${usual}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

/**
 * The head of the last plain 200 written (status 200, at most a
 * Content-Type, a body of known length), and what it was made from: a server
 * answering the same again, as a busy one mostly does, copies its bytes.
 */
export class PlainHeads {
  #type = "";
  #length = -1;
  #date = "";
  #end = "";
  #bytes = new Uint8Array(0);

  /** The head's bytes, made again only when one of its parts changed. */
  get(type: string, length: number, date: string, keepAlive: boolean, minor: number): Uint8Array {
    const end = headEnd(keepAlive, minor);
    if (
      length === this.#length && type === this.#type && date === this.#date && end === this.#end
    ) {
      return this.#bytes;
    }
    const head = statusLine(200, "") + (type === "" ? "" : `content-type: ${type}\r\n`) +
      `date: ${date}\r\ncontent-length: ${length}\r\n${end}`;
    this.#bytes = Uint8Array.from(head, (c) => c.charCodeAt(0));
    this.#type = type;
    this.#length = length;
    this.#date = date;
    this.#end = end;
    return this.#bytes;
  }
}

/** The end of a response head: the connection header HTTP/1.1 and 1.0 each need, and the blank line. */
function headEnd(keepAlive: boolean, minor: number): string {
  if (!keepAlive) return "connection: close\r\n\r\n";
  return minor === 0 ? "connection: keep-alive\r\n\r\n" : "\r\n";
}

/**
 * A complete error response that closes the connection: a plain-text body
 * saying why, or, to a HEAD request, the head alone (its Content-Length is
 * the length of the body a GET would have been sent).
 */
export function errorResponse(status: number, reason: string, headOnly = false): Uint8Array {
  const body = encoder.encode(`${status} ${reasonPhrase(status)}: ${reason}\n`);
  const head = encoder.encode(
    statusLine(status, "") +
      "content-type: text/plain; charset=utf-8\r\n" +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n`,
  );
  if (headOnly) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** What the writers of one server share. */
export interface WriterShared {
  /** The Date header's value, for this second. */
  readonly date: string;
  /** The last response head written (see {@link ResponseWriter.putText}). */
  lastHead: string;
  /** Its bytes, once the same head has been written twice in a row; else null. */
  lastHeadBytes: Uint8Array | null;
  /** The last plain 200's head. */
  readonly plainHeads: PlainHeads;
  /** Reports an error that ended a response after its head went out. */
  readonly trace?: (event: { type: "error"; error: unknown }) => void;
}

/** What a writer needs of its connection. */
export interface WriterOwner {
  /** Whether the input already holds more of the next request (a pipelined one). */
  inputPending(): boolean;
  /** Closes the connection: a write failed. */
  close(): void;
}

/** The output side of one connection. */
export class ResponseWriter {
  readonly conn: Conn;
  readonly #shared: WriterShared;
  readonly #owner: WriterOwner;
  /** Whether the connection takes writes with a callback ({@link Conn.submitWrite}). */
  readonly #submit: boolean;
  out = new Uint8Array(OUT_SIZE);
  outLen = 0;
  /** The output buffer of the write before last, reused when no write holds it. */
  spare: Uint8Array<ArrayBuffer> | null = null;
  /** Who waits for the write in flight to end. */
  readonly writeWaiters: (() => void)[] = [];
  /** The buffer of the write in flight (one at a time; left alone until it ends), or null. */
  sending: Uint8Array<ArrayBuffer> | null = null;
  /** How much of {@link sending} is to go. */
  sendingLength = 0;
  /** Why a write failed; the connection is closed by then. */
  writeError: unknown = null;
  /** The last small body string sent, and its UTF-8 bytes. */
  bodyText = "";
  bodyBytes: Uint8Array = new Uint8Array(0);

  constructor(conn: Conn, shared: WriterShared, owner: WriterOwner) {
    this.conn = conn;
    this.#shared = shared;
    this.#owner = owner;
    this.#submit = typeof conn.submitWrite === "function";
  }

  /**
   * Starts writing the buffered output and returns at once: the bytes go out
   * while the connection reads the next request (one write in flight at a
   * time; its buffer is left alone until it completes). A failed write closes
   * the connection, and the next {@link flush} reports the error.
   */
  send(): void {
    const n = this.outLen;
    if (n === 0 || this.sending !== null) return;
    const buf = this.out;
    this.out = this.spare ?? new Uint8Array(OUT_SIZE);
    this.spare = null;
    this.outLen = 0;
    this.sending = buf;
    this.sendingLength = n;
    const view = buf.subarray(0, n);
    // A stream that takes a callback spares the promises of write() on every answer.
    if (this.#submit) this.conn.submitWrite!(view, this.written);
    else this.conn.write(view).then(this.written, this.writeFailed);
  }

  /** The end of the write {@link send} started: the count taken, or the error. */
  readonly written = (result: number | Error): void => {
    if (result instanceof Error) return this.writeFailed(result);
    const buf = this.sending!, n = this.sendingLength;
    if (result >= n) return this.writeEnded(buf);
    this.conn.writeAll(buf.subarray(result, n)).then(() => this.writeEnded(buf), this.writeFailed);
  };

  readonly writeFailed = (error: unknown): void => {
    this.writeError ??= error;
    this.#owner.close();
    this.writeEnded(null);
  };

  writeEnded(buf: Uint8Array<ArrayBuffer> | null): void {
    this.sending = null;
    if (buf !== null && buf.length <= 4 * OUT_SIZE) this.spare = buf;
    if (this.writeWaiters.length > 0) { for (const wake of this.writeWaiters.splice(0)) wake(); }
  }

  /** Resolves once no write is in flight (it never rejects; see {@link writeError}). */
  whenWritten(): Promise<void> {
    if (this.sending === null) return Promise.resolve();
    return new Promise((resolve) => this.writeWaiters.push(resolve));
  }

  /** Writes out the buffered output: resolves once every byte has been taken. */
  async flush(): Promise<void> {
    if (this.sending !== null) await this.whenWritten();
    if (this.writeError !== null) throw this.writeError;
    if (this.outLen === 0) return;
    this.send();
    if (this.sending !== null) await this.whenWritten();
    if (this.writeError !== null) throw this.writeError;
  }

  /**
   * Starts the write when the input holds no further request to answer
   * first; waits for it only when output piles up or the connection ends.
   */
  flushUnlessPipelined(keepAlive: boolean): Promise<void> | undefined {
    if (!keepAlive || this.outLen >= OUT_SIZE) return this.flush();
    if (!this.#owner.inputPending()) this.send();
  }

  /** Makes room for `n` more output bytes (the buffer grows; flush shrinks it back). */
  reserve(n: number): void {
    if (this.outLen + n <= this.out.length) return;
    const bigger = new Uint8Array(Math.max(this.out.length * 2, this.outLen + n));
    bigger.set(this.out.subarray(0, this.outLen));
    this.out = bigger;
  }

  /** Sends a complete body after the buffered head: with it when small, by itself when large. */
  async putBody(bytes: Uint8Array | null, keepAlive: boolean): Promise<void> {
    if (bytes !== null && bytes.length > OUT_SIZE) {
      await this.flush();
      await this.conn.writeAll(bytes);
      if (!keepAlive) return;
    } else if (bytes !== null) {
      this.put(bytes);
    }
    await this.flushUnlessPipelined(keepAlive);
  }

  /** Buffers `bytes` for output. */
  put(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.out.set(bytes, this.outLen);
    this.outLen += bytes.length;
  }

  /** UTF-8 bytes of a body string; a small one is kept, for a handler answering the same again. */
  encodeBody(text: string): Uint8Array {
    if (text === this.bodyText) return this.bodyBytes;
    const bytes = encoder.encode(text);
    if (text.length * 3 <= OUT_SIZE) {
      this.bodyText = text;
      this.bodyBytes = bytes;
    }
    return bytes;
  }

  /**
   * Buffers head text for output, one byte per character: header names and
   * values are ByteStrings (every code unit below 256, as Headers ensures),
   * and a head is short, so a loop beats a call into the encoder.
   */
  putText(text: string): void {
    // A server mostly sends the same head again: once a head repeats, keep its bytes and copy them.
    const server = this.#shared;
    if (text === server.lastHead && server.lastHeadBytes !== null) {
      return this.put(server.lastHeadBytes);
    }
    const n = text.length;
    this.reserve(n);
    const out = this.out;
    const start = this.outLen;
    let at = start;
    for (let i = 0; i < n; i++) out[at++] = text.charCodeAt(i);
    this.outLen = at;
    if (n >= 32 && n <= 1024) {
      if (text === server.lastHead) server.lastHeadBytes = out.slice(start, at);
      else {
        server.lastHead = text;
        server.lastHeadBytes = null;
      }
    }
  }

  /**
   * Writes the status line, the headers and the body. A body that is
   * already complete (the usual `new Response("...")`) goes out with a
   * Content-Length in one write; a stream goes out chunked (or, to HTTP/1.0
   * clients, until the connection closes), one chunk at a time so a slow
   * reader slows the producer. Resolves to false if the connection must close.
   */
  writeResponse(
    response: Response,
    isHead: boolean,
    minor: number,
    keepAlive: boolean,
  ): true | Promise<boolean> {
    const status = response.status;
    const bodiless = status === 204 || status === 304 || status < 200;
    const noBody = isHead || bodiless;
    // The usual `new Response("text")`: no stream needed (see _static_body.ts).
    // Read before the headers: listing them makes Deno turn the body into a stream.
    const text = staticBody(response);
    // A plain 200 with at most a Content-Type: its head comes from the shared cache, and
    // the Headers object is never built.
    const contentType = text === undefined ? undefined : staticContentType(response);
    let head = "";
    let declared = -1;
    if (contentType === undefined) {
      head = statusLine(status, response.statusText);
      // forEach, not for-of: Deno's header iterator costs several times more.
      response.headers.forEach((value, name) => {
        if (name === "content-length") {
          declared = /^\d{1,15}$/.test(value) ? Number(value) : -1;
        } else if (
          name !== "transfer-encoding" && name !== "connection" && name !== "keep-alive"
        ) {
          head += name + ": " + value + "\r\n";
        }
      });
      head += "date: " + this.#shared.date + "\r\n";
    }

    if (text !== undefined) {
      const bytes = this.encodeBody(text);
      if (contentType !== undefined) {
        const shared = this.#shared;
        this.put(shared.plainHeads.get(contentType, bytes.length, shared.date, keepAlive, minor));
      } else {
        if (!bodiless) head += "content-length: " + bytes.length + "\r\n";
        head += headEnd(keepAlive, minor);
        this.putText(head);
      }
      if (noBody || bytes.length <= OUT_SIZE) {
        if (!noBody) this.put(bytes);
        // Sent now, or with the next answers when more requests are already in.
        const flushed = this.flushUnlessPipelined(keepAlive);
        return flushed ? flushed.then(() => true) : true;
      }
      return this.putBody(bytes, keepAlive).then(() => true);
    }

    const stream = response.body;
    if (noBody || stream === null) {
      if (stream !== null) stream.cancel().catch(() => {});
      // HEAD: the length the GET would have, when the handler said; else none
      // (RFC 9110 §8.6 lets a HEAD response leave it out, but not get it wrong).
      if (isHead && declared >= 0) head += "content-length: " + declared + "\r\n";
      else if (!isHead && !bodiless) {
        head += "content-length: 0\r\n";
      }
      head += headEnd(keepAlive, minor);
      this.putText(head);
      const flushed = this.flushUnlessPipelined(keepAlive);
      return flushed ? flushed.then(() => true) : true;
    }
    return this.writeBodyStream(stream, head, declared, minor, keepAlive);
  }

  /** Writes a streamed body: with a length when it turns out complete, else chunked. */
  async writeBodyStream(
    stream: ReadableStream<Uint8Array>,
    head: string,
    declared: number,
    minor: number,
    keepAlive: boolean,
  ): Promise<boolean> {
    const reader = stream.getReader();
    try {
      let first = await reader.read();
      let second: ReadableStreamReadResult<Uint8Array> | undefined;
      if (!first.done) {
        // A body that is already complete answers its second read at once.
        const next = reader.read();
        next.then((r) => (second = r), () => {});
        await null;
        await null;
        await null;
        if (second === undefined && declared < 0) {
          return await this.writeStreamed(head, reader, first.value, next, minor, keepAlive);
        }
        if (second === undefined) second = await next;
        if (!second.done) {
          return await this.writeStreamed(head, reader, first.value, next, minor, keepAlive, {
            declared,
            second,
          });
        }
      } else {
        first = { done: false, value: new Uint8Array(0) };
      }
      const bytes = first.value!;
      head += "content-length: " + bytes.length + "\r\n";
      head += headEnd(keepAlive, minor);
      this.putText(head);
      await this.putBody(bytes, keepAlive);
      return true;
    } finally {
      reader.releaseLock();
    }
  }

  /** Writes a body whose end is not yet known. */
  async writeStreamed(
    head: string,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    first: Uint8Array,
    next: Promise<ReadableStreamReadResult<Uint8Array>>,
    minor: number,
    keepAlive: boolean,
    known?: { declared: number; second: ReadableStreamReadResult<Uint8Array> },
  ): Promise<boolean> {
    const declared = known?.declared ?? -1;
    const chunked = declared < 0 && minor === 1;
    if (declared >= 0) head += "content-length: " + declared + "\r\n";
    else if (chunked) head += "transfer-encoding: chunked\r\n";
    else keepAlive = false; // HTTP/1.0 without a length: the close ends the body.
    head += headEnd(keepAlive, minor);
    this.putText(head);
    let sent = 0;
    const send = async (chunk: Uint8Array) => {
      if (chunk.length === 0) return;
      sent += chunk.length;
      if (chunked) this.putText(chunk.length.toString(16) + "\r\n");
      if (chunk.length <= 4096) {
        this.put(chunk);
        if (chunked) this.put(CRLF);
        await this.flush();
      } else {
        // Large chunks go out as they are; their CRLF rides with the next write.
        await this.flush();
        await this.conn.writeAll(chunk);
        if (chunked) this.put(CRLF);
      }
    };
    try {
      await send(first);
      let result = known?.second ?? await next;
      while (!result.done) {
        if (declared >= 0 && sent + result.value.length > declared) {
          throw new RangeError(`the body is longer than its content-length of ${declared}`);
        }
        await send(result.value);
        result = await reader.read();
      }
    } catch (error) {
      // The head is out: all we can do is end the connection mid-body.
      this.#shared.trace?.({ type: "error", error });
      reader.cancel(error).catch(() => {});
      await this.flush().catch(() => {});
      return false;
    }
    if (chunked) this.put(LAST_CHUNK);
    await this.flushUnlessPipelined(keepAlive);
    if (declared >= 0 && sent !== declared) return false;
    return keepAlive;
  }

  /**
   * Before waiting for input: starts writing what is buffered (the answers
   * so far go out while the connection waits for more), after the write in
   * flight; only one is in flight, so a client that does not read slows the
   * server down. Throws the error a write failed with.
   */
  async sendBeforeRead(): Promise<void> {
    if (this.outLen === 0) return;
    if (this.sending !== null) await this.whenWritten();
    if (this.writeError !== null) throw this.writeError;
    this.send();
  }
}
