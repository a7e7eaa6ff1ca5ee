/**
 * A small HTTP/1.1 client over any stream connection: a kernel TCP or unix
 * socket, a TLS connection, or socklab's user-space TCP. It is `fetch`
 * without the network stack: the caller brings the connection, and
 * {@link HttpClient} sends requests over it one after another (keep-alive),
 * parsing answers with the same parser the server uses.
 *
 * Supported: Content-Length and chunked response bodies (streamed to the
 * caller), bodies delimited by the connection's close, interim 1xx answers,
 * HEAD, request bodies of known length or streamed chunked, `signal` (an
 * abort closes the connection). Not supported:
 * redirects, cookies, compression, proxies, pipelining several requests at
 * once (requests queue until the previous body has been read).
 *
 * @module
 */
import type { Conn } from "../net/types.ts";
import {
  ChunkedDecoder,
  equalsIgnoreCase,
  ERROR,
  latin1,
  ParsedHead,
  parseResponse,
  PARTIAL,
} from "./parser.ts";
import { type ByteStream, writeAll } from "./_stream.ts";

/** A response the client could not make sense of, or a connection that ended too soon. */
export class HttpClientError extends Error {
  /** Always "HttpClientError". */
  override name = "HttpClientError";
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Largest response head accepted, in bytes. Default 65536. */
  maxHeadSize?: number;
  /** Most header fields in a response. Default 200. */
  maxHeaders?: number;
}

const encoder = new TextEncoder();

/**
 * Sends HTTP/1.1 requests over one connection, reusing it while the server
 * allows. Requests are answered in order; each waits until the previous
 * response's body has been read (or cancelled).
 *
 * @example A request over a kernel TCP connection
 * ```ts
 * import { HttpClient } from "./client.ts";
 * import { serve } from "./server.ts";
 * const server = serve({ port: 0 }, () => new Response("hi"));
 * const { port } = server.addr as { port: number };
 * const client = new HttpClient(await Deno.connect({ hostname: "127.0.0.1", port }));
 * const res = await client.fetch(`http://127.0.0.1:${port}/`);
 * console.log(res.status, await res.text()); // 200 hi
 * client.close();
 * await server.shutdown();
 * ```
 */
export class HttpClient {
  readonly #conn: ByteStream;
  readonly #head: ParsedHead;
  readonly #maxHead: number;
  #buf = new Uint8Array(16384);
  #start = 0;
  #end = 0;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #reusable = true;

  /**
   * Makes a client for one connection.
   *
   * @param conn the connection to speak over; the client closes it in {@link close}.
   * @param options limits on what the server may send.
   * @throws {TypeError} If `conn` cannot read and write.
   */
  constructor(conn: Conn | ByteStream, options: HttpClientOptions = {}) {
    if (!conn || typeof conn.read !== "function" || typeof conn.write !== "function") {
      throw new TypeError("Invalid connection: expected an object with read() and write()");
    }
    this.#conn = conn;
    this.#maxHead = options.maxHeadSize ?? 65536;
    this.#head = new ParsedHead(options.maxHeaders ?? 200);
  }

  /** Whether the connection can carry another request. */
  get reusable(): boolean {
    return this.#reusable && !this.#closed;
  }

  /** Closes the connection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }

  /**
   * Sends one request and resolves to the response once its head has
   * arrived; the body streams from the connection as it is read.
   *
   * @throws {HttpClientError} If the connection is closed or unusable, or the
   *   response is malformed.
   */
  fetch(input: Request | URL | string, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const streamed = init?.body instanceof ReadableStream ||
      (input instanceof Request && init?.body === undefined && input.body !== null &&
        !input.headers.has("content-length"));
    // An abort closes the connection: a half-sent request or half-read
    // response leaves nothing reusable. The reason is what fetch rejects with.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const onAbort = () => this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    let done!: () => void;
    const previous = this.#queue;
    this.#queue = new Promise<void>((r) => (done = r));
    const finished = () => {
      signal?.removeEventListener("abort", onAbort);
      done();
    };
    return previous.then(() => this.#exchange(request, streamed, finished)).catch((error) => {
      finished();
      throw signal?.aborted ? signal.reason : error;
    });
  }

  async #exchange(request: Request, streamed: boolean, done: () => void): Promise<Response> {
    if (this.#closed) throw new HttpClientError("fetch: the connection is closed");
    if (!this.#reusable) {
      throw new HttpClientError("fetch: the server ended persistence on this connection");
    }
    const url = new URL(request.url);
    let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
    if (!request.headers.has("host")) head += `host: ${url.host}\r\n`;
    for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
    let body: Uint8Array | null = null;
    if (request.body !== null && !streamed) {
      body = await request.bytes();
      if (!request.headers.has("content-length")) head += `content-length: ${body.length}\r\n`;
    } else if (request.body !== null) {
      head += "transfer-encoding: chunked\r\n";
    }
    head += "\r\n";
    const headBytes = encoder.encode(head);
    if (body !== null && body.length <= 16384) {
      const all = new Uint8Array(headBytes.length + body.length);
      all.set(headBytes);
      all.set(body, headBytes.length);
      await writeAll(this.#conn, all);
    } else {
      await writeAll(this.#conn, headBytes);
      if (body !== null) await writeAll(this.#conn, body);
      else if (request.body !== null) {
        for await (const chunk of request.body) {
          if (chunk.length === 0) continue;
          await writeAll(this.#conn, encoder.encode(chunk.length.toString(16) + "\r\n"));
          await writeAll(this.#conn, chunk);
          await writeAll(this.#conn, encoder.encode("\r\n"));
        }
        await writeAll(this.#conn, encoder.encode("0\r\n\r\n"));
      }
    }
    return await this.#readResponse(request.method === "HEAD", done);
  }

  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    else if (this.#end === this.#buf.length) {
      if (this.#start === 0) {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  async #readResponse(isHead: boolean, done: () => void): Promise<Response> {
    const head = this.#head;
    let used: number;
    while (true) {
      used = parseResponse(this.#buf, this.#start, this.#end, head, {
        maxHeadSize: this.#maxHead,
      });
      if (used === PARTIAL) {
        if (!await this.#fill()) {
          this.#reusable = false;
          throw new HttpClientError("fetch: the connection closed before a response arrived");
        }
        continue;
      }
      if (used === ERROR) {
        this.#reusable = false;
        throw new HttpClientError(`fetch: malformed response: ${head.error}`);
      }
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        this.#start += used; // An interim answer: the final one follows.
        continue;
      }
      break;
    }
    const buf = this.#buf;
    const headers = new Headers();
    let length = -1;
    let chunked = false;
    let keepAlive = head.minorVersion === 1;
    const h = head.headers;
    for (let i = 0, k = 0; i < head.headerCount; i++, k += 4) {
      const [ns, ne, vs, ve] = [h[k], h[k + 1], h[k + 2], h[k + 3]];
      headers.append(latin1(buf, ns, ne), latin1(buf, vs, ve));
      if (equalsIgnoreCase(buf, ns, ne, "content-length")) {
        const text = latin1(buf, vs, ve);
        if (!/^\d{1,15}$/.test(text) || (length !== -1 && length !== Number(text))) {
          this.#reusable = false;
          throw new HttpClientError(`fetch: malformed response: invalid Content-Length "${text}"`);
        }
        length = Number(text);
      } else if (equalsIgnoreCase(buf, ns, ne, "transfer-encoding")) {
        chunked = /(^|,)\s*chunked\s*$/i.test(latin1(buf, vs, ve));
        if (!chunked) {
          this.#reusable = false;
          throw new HttpClientError("fetch: unsupported transfer coding in the response");
        }
      } else if (equalsIgnoreCase(buf, ns, ne, "connection")) {
        const v = latin1(buf, vs, ve).toLowerCase();
        if (/(^|,)\s*close\s*(,|$)/.test(v)) keepAlive = false;
        else if (/(^|,)\s*keep-alive\s*(,|$)/.test(v)) keepAlive = true;
      }
    }
    const status = head.status;
    const statusText = latin1(buf, head.targetStart, head.targetEnd);
    this.#start += used;
    const noBody = isHead || status === 204 || status === 304;
    if (!noBody && length === -1 && !chunked) keepAlive = false; // read until close
    this.#reusable = keepAlive;
    if (noBody || length === 0) {
      done();
      return new Response(null, { status, statusText, headers });
    }
    const body = this.#bodyStream(chunked ? -2 : length, done);
    return new Response(body, { status, statusText, headers });
  }

  /** A stream of the body: `length` bytes, or chunked (-2), or until close (-1). */
  #bodyStream(length: number, done: () => void): ReadableStream<Uint8Array> {
    let remaining = length;
    const decoder = length === -2 ? new ChunkedDecoder() : null;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      done();
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (true) {
          if (this.#start === this.#end && !(decoder?.done)) {
            if (this.#closed || !await this.#fill()) {
              if (length === -1) {
                controller.close();
                finish();
                return;
              }
              this.#reusable = false;
              finish();
              throw new HttpClientError("fetch: the connection closed in the middle of the body");
            }
          }
          if (decoder) {
            const parts: Uint8Array[] = [];
            const buf = this.#buf;
            const used = decoder.decode(
              buf,
              this.#start,
              this.#end,
              (s, e) => parts.push(buf.slice(s, e)),
            );
            if (used < 0) {
              this.#reusable = false;
              finish();
              throw new HttpClientError(`fetch: malformed chunked body: ${decoder.error}`);
            }
            this.#start += used;
            for (const p of parts) controller.enqueue(p);
            if (decoder.done) {
              controller.close();
              finish();
              return;
            }
            if (parts.length > 0) return;
            continue;
          }
          const take = length === -1
            ? this.#end - this.#start
            : Math.min(remaining, this.#end - this.#start);
          controller.enqueue(this.#buf.slice(this.#start, this.#start + take));
          this.#start += take;
          remaining -= take;
          if (remaining === 0) {
            controller.close();
            finish();
          }
          return;
        }
      },
      cancel: () => {
        // The rest of the body is unread: the connection cannot be reused.
        this.#reusable = false;
        finish();
      },
    }, { highWaterMark: 0 });
  }
}

/**
 * Sends one request over `conn` and resolves to the response; the
 * connection is closed once the body has been read or cancelled.
 *
 * @example
 * ```ts
 * import { fetchOver } from "./client.ts";
 * import { serve } from "./server.ts";
 * const server = serve({ port: 0 }, () => new Response("once"));
 * const { port } = server.addr as { port: number };
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port });
 * const res = await fetchOver(conn, `http://127.0.0.1:${port}/`);
 * console.log(await res.text()); // once
 * await server.shutdown();
 * ```
 */
export async function fetchOver(
  conn: Conn | ByteStream,
  input: Request | URL | string,
  init?: RequestInit,
): Promise<Response> {
  const client = new HttpClient(conn);
  let response: Response;
  try {
    response = await client.fetch(input, init);
  } catch (error) {
    client.close();
    throw error;
  }
  if (response.body === null) {
    client.close();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          client.close();
        } else controller.enqueue(value);
      } catch (error) {
        client.close();
        throw error;
      }
    },
    cancel(reason) {
      client.close();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
