// From a parsed request head to the parts of the handler's Request: the
// method, the target, the URL and the header fields, decoded from the
// connection's buffer (which the next read reuses) as cheaply as a busy
// server needs. Common methods are interned; the target, the Host and the
// block of header fields are remembered with their bytes, so a client that
// repeats itself (most do, on a keep-alive connection) costs a comparison
// instead of a decode; header fields are decoded into Headers only when the
// handler asks for them.
import { equalsIgnoreCase, latin1, type ParsedHead } from "./parser.ts";

/** Texts longer than this are decoded each time rather than remembered. */
const RECENT_MAX = 2048;

// Methods, interned by their bytes so the common ones cost no decoding.
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];
function methodOf(buf: Uint8Array, s: number, e: number): string {
  const n = e - s;
  for (const m of METHODS) {
    if (m.length !== n) continue;
    let i = 0;
    while (i < n && buf[s + i] === m.charCodeAt(i)) i++;
    if (i === n) return m;
  }
  return latin1(buf, s, e);
}

/** uri-host [ ":" port ] (RFC 9110 §7.2): reg-name, IPv4 or an IP literal in brackets. */
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]*|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/;

const noHeaders = (): Headers => new Headers();

/**
 * Copies the header fields out of the connection's buffer (which the next
 * read reuses) and returns a function that decodes them into Headers.
 */
function lazyHeaders(head: ParsedHead, text: string): () => Headers {
  const count = head.headerCount;
  if (count === 0) return noHeaders;
  const h = head.headers;
  const base = h[0];
  // One string and a plain array: a typed-array slice would allocate a
  // backing store, which costs more than everything else here.
  const offsets: number[] = new Array(count * 4);
  for (let k = 0; k < count * 4; k++) offsets[k] = h[k] - base;
  return () => {
    const headers = new Headers();
    for (let k = 0; k < offsets.length; k += 4) {
      headers.append(
        text.slice(offsets[k], offsets[k + 1]),
        text.slice(offsets[k + 2], offsets[k + 3]),
      );
    }
    return headers;
  };
}

/**
 * The last text decoded at one place of a request head (the target, the Host,
 * the block of header fields) with a copy of its bytes: a client that repeats
 * itself, as most do on a keep-alive connection, costs a comparison instead
 * of a decode, and what was derived from the text (a validation, a parse) is
 * kept with it.
 */
class Recent<T> {
  #bytes = new Uint8Array(0);
  #len = -1;
  text = "";
  /** What was derived from {@link text}. */
  value: T;

  constructor(initial: T) {
    this.value = initial;
  }

  /** Whether `buf[start, end)` holds the remembered bytes. */
  matches(buf: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    if (n !== this.#len) return false;
    const b = this.#bytes;
    for (let i = 0; i < n; i++) if (b[i] !== buf[start + i]) return false;
    return true;
  }

  /** Remembers `buf[start, end)` as `text`, with `value`; long texts are not kept. */
  remember(buf: Uint8Array, start: number, end: number, text: string, value: T): void {
    const n = end - start;
    this.text = text;
    this.value = value;
    if (n > RECENT_MAX) {
      this.#len = -1;
      return;
    }
    if (this.#bytes.length < n) this.#bytes = new Uint8Array(Math.max(64, n));
    this.#bytes.set(buf.subarray(start, end));
    this.#len = n;
  }
}

/**
 * Decodes request heads for one connection, remembering what it decoded
 * last. After {@link decode} its fields hold the request's parts.
 */
export class HeadDecoder {
  /** The method ("GET"...). */
  method = "";
  /** The request-target as sent. */
  target = "";
  /** The absolute URL the handler sees. */
  url = "";
  /** Makes the header fields into Headers, on first use. */
  headers: () => Headers = noHeaders;
  /** Why the head was refused (after {@link decode} answered false). */
  error = "";
  /** The status to refuse it with: 400 or 501. */
  errorStatus = 0;
  readonly #target = new Recent<null>(null);
  readonly #host = new Recent<null>(null);
  readonly #fields = new Recent<() => Headers>(noHeaders);

  /**
   * Decodes the head `parseRequest()` left in `head`, whose offsets point
   * into `buf`; `scheme` ("http" or "https") makes the URL of an
   * origin-form target. Answers false, with {@link error} and
   * {@link errorStatus}, for a head the server will not serve: an invalid
   * Host, a method a Fetch Request cannot carry, a target in no known form.
   */
  decode(buf: Uint8Array, head: ParsedHead, scheme: string): boolean {
    const method = methodOf(buf, head.methodStart, head.methodEnd);
    this.method = method;
    const recentTarget = this.#target;
    let target: string;
    if (recentTarget.matches(buf, head.targetStart, head.targetEnd)) target = recentTarget.text;
    else {
      target = latin1(buf, head.targetStart, head.targetEnd);
      recentTarget.remember(buf, head.targetStart, head.targetEnd, target, null);
    }
    this.target = target;
    // Only Host is decoded now; the other fields when the handler asks (lazyHeaders).
    let host = "";
    const h = head.headers;
    for (let i = 0, k = 0; i < head.headerCount; i++, k += 4) {
      if (h[k + 1] - h[k] === 4 && equalsIgnoreCase(buf, h[k], h[k + 1], "host")) {
        const recent = this.#host;
        if (recent.matches(buf, h[k + 2], h[k + 3])) host = recent.text; // validated before
        else {
          host = latin1(buf, h[k + 2], h[k + 3]);
          if (!HOST.test(host)) return this.#refuse(400, "invalid Host header");
          recent.remember(buf, h[k + 2], h[k + 3], host, null);
        }
        break;
      }
    }
    if (method === "CONNECT" || method === "TRACE" || method === "TRACK") {
      // Methods a Fetch Request cannot carry (tunnels and request echoing): not served here.
      return this.#refuse(501, `${method} is not implemented`);
    }
    let headers = noHeaders;
    if (head.headerCount > 0) {
      const start = h[0], end = h[(head.headerCount - 1) * 4 + 3];
      const recent = this.#fields;
      if (recent.matches(buf, start, end)) headers = recent.value;
      else {
        const text = latin1(buf, start, end);
        headers = lazyHeaders(head, text);
        recent.remember(buf, start, end, text, headers);
      }
    }
    this.headers = headers;
    if (target.charCodeAt(0) === 47) this.url = `${scheme}://${host || "localhost"}${target}`;
    else if (/^https?:\/\//i.test(target) && URL.canParse(target)) this.url = target;
    else if (target === "*") this.url = `${scheme}://${host || "localhost"}/`;
    else {
      return this.#refuse(400, "the request target is not in origin, absolute or asterisk form");
    }
    return true;
  }

  #refuse(status: number, reason: string): false {
    this.errorStatus = status;
    this.error = reason;
    return false;
  }
}
