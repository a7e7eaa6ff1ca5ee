/**
 * An HTTP/1.1 message-head parser in the style of picohttpparser: stateless,
 * incremental and zero-copy. Hand it a buffer and a range; it answers with
 * the number of bytes the head took, {@link PARTIAL} (feed more bytes and
 * call again) or {@link ERROR} (the reason and the status to answer with are
 * left in the result record). The method, target, reason phrase and every
 * header name and value are offsets into the caller's buffer; nothing is
 * decoded until someone asks ({@link latin1}).
 *
 * The grammar is RFC 9112's, strictly: lines end in CRLF (a bare CR or LF is
 * an error), header names are tokens with no whitespace before the colon,
 * obs-fold is rejected, and values may hold visible ASCII, SP, HTAB and
 * obs-text only. Framing (Content-Length, Transfer-Encoding) is checked by
 * {@link requestFraming}, chunked bodies are decoded by {@link ChunkedDecoder}.
 *
 * A request head is rejected as soon as it is wrong, not only once it is
 * complete: every byte that has arrived is checked against the grammar (the
 * request line, the header lines, a Content-Length value's digits), so a
 * server can answer 400 when the bad byte arrives instead of waiting for a
 * blank line that may never come. An incomplete head that is fine so far is
 * {@link PARTIAL}; a complete one gets the same verdict whichever way it
 * arrived.
 *
 * @module
 */

/** The head is incomplete: read more bytes and parse again from the start. */
export const PARTIAL = -2;
/** The head is malformed: see the result's `error` and `status`. */
export const ERROR = -1;

// Character classes, one bit each, looked up by byte value.
const TOKEN = 1; // tchar (RFC 9110 §5.6.2)
const VALUE = 2; // field-vchar, SP, HTAB, obs-text (RFC 9110 §5.5)
const TARGET = 4; // visible ASCII (request-target, RFC 9112 §3.2)
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const visible = c > 0x20 && c < 0x7f;
  if (visible && !'"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c))) CLASS[c] |= TOKEN;
  if (visible || c === 0x20 || c === 0x09 || c >= 0x80) CLASS[c] |= VALUE;
  if (visible) CLASS[c] |= TARGET;
}

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;

/** Limits a parse honours; the defaults match common servers. */
export interface ParseLimits {
  /** The longest head (request line and headers) in bytes. Default 8192. */
  maxHeadSize?: number;
  /** The most header fields. Default 100. */
  maxHeaders?: number;
}

/**
 * Where the parts of a message head lie in the buffer, filled by
 * {@link parseRequest} or {@link parseResponse}. One record is meant to be
 * reused for every parse on a connection.
 */
export class ParsedHead {
  /** Offset of the method (requests) or of the status code (responses). */
  methodStart = 0;
  /** End of the method. */
  methodEnd = 0;
  /** Offset of the request-target (requests) or reason phrase (responses). */
  targetStart = 0;
  /** End of the request-target or reason phrase. */
  targetEnd = 0;
  /** The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion = 1;
  /** The status code (responses only). */
  status = 0;
  /** How many header fields {@link headers} holds. */
  headerCount = 0;
  /**
   * Four offsets per field: name start, name end, value start, value end
   * (the value without its surrounding whitespace).
   */
  headers: Uint32Array;
  /** Why the parse failed (on {@link ERROR}). */
  error = "";
  /** The status a server answers a failed parse with: 400, 431 or 505. */
  errorStatus = 0;

  /**
   * Makes an empty record.
   *
   * @param maxHeaders the capacity of {@link headers}, in fields.
   */
  constructor(maxHeaders = 100) {
    this.headers = new Uint32Array(maxHeaders * 4);
  }

  /** The maximum number of fields this record can hold. */
  get capacity(): number {
    return this.headers.length >> 2;
  }
}

function fail(out: ParsedHead, status: number, reason: string): number {
  out.error = reason;
  out.errorStatus = status;
  return ERROR;
}

/**
 * Finds the end of a message head: the offset just past the blank line
 * (CRLF CRLF), or -1 when it is not in `buf[from, end)`.
 */
export function findHeadEnd(buf: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i + 3 < end) {
    const cr = buf.indexOf(CR, i);
    if (cr === -1 || cr + 3 >= end) return -1;
    if (buf[cr + 1] === LF && buf[cr + 2] === CR && buf[cr + 3] === LF) return cr + 4;
    i = cr + 1;
  }
  return -1;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const COMMA = 0x2c;

/**
 * Whether `buf[s, e)` is a well-formed Content-Length value, or with
 * `complete` false, the start of one: 1*DIGIT, or a list of them separated by
 * commas and optional whitespace (RFC 9110 §8.6), each at most 15 digits (a
 * length beyond 2^53 cannot be a body this server reads).
 */
function contentLengthOk(buf: Uint8Array, s: number, e: number, complete: boolean): boolean {
  let digits = 0;
  let spaced = false; // whitespace after digits: only a comma may follow
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      if (spaced || ++digits > 15) return false;
    } else if (c === SP || c === HTAB) {
      if (digits > 0) spaced = true;
    } else if (c === COMMA) {
      if (digits === 0) return false;
      digits = 0;
      spaced = false;
    } else return false;
  }
  return !complete || digits > 0;
}

/** Whether `buf[s, e)` names the Content-Length field, in any case. */
function isContentLength(buf: Uint8Array, s: number, e: number): boolean {
  return e - s === 14 && (buf[s] | 0x20) === 0x63 && equalsIgnoreCase(buf, s, e, "content-length");
}

/**
 * Parses header fields from `pos` up to and including the blank line that
 * ends the head at `headEnd`. Returns `headEnd` or {@link ERROR}.
 */
function parseFields(buf: Uint8Array, pos: number, headEnd: number, out: ParsedHead): number {
  const fields = out.headers;
  const capacity = out.capacity;
  let count = 0;
  while (true) {
    let c = buf[pos];
    if (c === CR) {
      if (buf[pos + 1] !== LF) return fail(out, 400, "bare CR in the header section");
      out.headerCount = count;
      return pos + 2;
    }
    if (c === SP || c === HTAB) {
      return fail(out, 400, "obsolete line folding (a header line starting with whitespace)");
    }
    if (count === capacity) return fail(out, 431, `more than ${capacity} header fields`);
    // field-name
    const nameStart = pos;
    while (CLASS[c] & TOKEN) c = buf[++pos];
    if (c !== COLON) {
      if (pos === nameStart) return fail(out, 400, "empty or invalid header field name");
      if (c === SP || c === HTAB) return fail(out, 400, "whitespace between header name and colon");
      return fail(out, 400, "invalid character in header field name");
    }
    const nameEnd = pos;
    if (nameEnd === nameStart) return fail(out, 400, "empty header field name");
    c = buf[++pos];
    while (c === SP || c === HTAB) c = buf[++pos];
    const valueStart = pos;
    while (CLASS[c] & VALUE) c = buf[++pos];
    // Checked in the order the bytes come, as for an incomplete head (checkPartialRequest).
    const contentLength = isContentLength(buf, nameStart, nameEnd);
    if (contentLength && !contentLengthOk(buf, valueStart, pos, false)) {
      return fail(out, 400, "invalid Content-Length");
    }
    if (c !== CR) {
      if (c === LF) return fail(out, 400, "bare LF in a header line (lines end in CRLF)");
      return fail(out, 400, `invalid character 0x${c.toString(16)} in a header value`);
    }
    if (buf[pos + 1] !== LF) return fail(out, 400, "bare CR in a header value");
    let valueEnd = pos;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) {
      valueEnd--;
    }
    if (contentLength && !contentLengthOk(buf, valueStart, valueEnd, true)) {
      return fail(out, 400, "invalid Content-Length");
    }
    const k = count << 2;
    fields[k] = nameStart;
    fields[k + 1] = nameEnd;
    fields[k + 2] = valueStart;
    fields[k + 3] = valueEnd;
    count++;
    pos += 2;
    if (pos >= headEnd) return fail(out, 400, "header section ends without a blank line");
  }
}

/** Parses "HTTP/1.x" at `pos`; returns the minor version, -1 if not HTTP, -2 if another major. */
function parseVersion(buf: Uint8Array, pos: number): number {
  if (
    buf[pos] !== 0x48 || buf[pos + 1] !== 0x54 || buf[pos + 2] !== 0x54 || buf[pos + 3] !== 0x50 ||
    buf[pos + 4] !== 0x2f || buf[pos + 6] !== 0x2e
  ) return -1;
  const major = buf[pos + 5] - 0x30;
  const minor = buf[pos + 7] - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return -1;
  return major === 1 ? minor : -2;
}

/**
 * Parses a request head from `buf[start, end)`.
 *
 * Empty lines before the request line are skipped (RFC 9112 §2.2). Returns
 * the number of bytes consumed from `start` (the head and any skipped empty
 * lines), {@link PARTIAL} or {@link ERROR}. On success the offsets in `out`
 * are absolute positions in `buf`.
 *
 * @param lastEnd the `end` of the previous, partial call on the same bytes:
 *   the search for the blank line resumes there, so a head that trickles in
 *   one byte at a time is still scanned once.
 *
 * @example Parse a request and read its parts
 * ```ts
 * import { latin1, ParsedHead, parseRequest } from "./parser.ts";
 * import assert from "node:assert/strict";
 * const buf = new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
 * const head = new ParsedHead();
 * assert.equal(parseRequest(buf, 0, buf.length, head), buf.length);
 * assert.equal(latin1(buf, head.targetStart, head.targetEnd), "/a");
 * assert.equal(head.headerCount, 1);
 * ```
 */
export function parseRequest(
  buf: Uint8Array,
  start: number,
  end: number,
  out: ParsedHead,
  limits: ParseLimits = {},
  lastEnd = start,
): number {
  const maxHead = limits.maxHeadSize ?? 8192;
  let pos = start;
  while (pos + 1 < end && buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
  if (pos + 1 >= end && pos < end && buf[pos] === CR) return PARTIAL;
  const headEnd = findHeadEnd(buf, Math.max(pos, lastEnd - 3), end);
  if (headEnd === -1) {
    // Skipped empty lines count too, or a stream of CRLFs would never end.
    if (end - start > maxHead) return fail(out, 431, `request head larger than ${maxHead} bytes`);
    // Reject a bad byte now rather than after a blank line that may never come.
    return checkPartialRequest(buf, pos, end, Math.max(pos, lastEnd), out);
  }
  if (headEnd - start > maxHead) return fail(out, 431, `request head larger than ${maxHead} bytes`);

  // method SP request-target SP HTTP-version CRLF
  out.methodStart = pos;
  let c = buf[pos];
  while (CLASS[c] & TOKEN) c = buf[++pos];
  if (pos === out.methodStart) return fail(out, 400, "the request line has no method");
  if (c !== SP) return fail(out, 400, "invalid character in the method");
  out.methodEnd = pos;
  out.targetStart = ++pos;
  c = buf[pos];
  while (CLASS[c] & TARGET) c = buf[++pos];
  if (pos === out.targetStart) return fail(out, 400, "the request line has no target");
  if (c !== SP) return fail(out, 400, "invalid character in the request target");
  out.targetEnd = pos++;
  const minor = parseVersion(buf, pos);
  if (minor === -1) return fail(out, 400, "the request line does not end in HTTP/1.x");
  if (minor === -2) return fail(out, 505, "only HTTP/1.x is spoken here");
  out.minorVersion = minor === 0 ? 0 : 1;
  pos += 8;
  if (buf[pos] !== CR || buf[pos + 1] !== LF) {
    return fail(out, 400, "the request line does not end in CRLF after the version");
  }
  const next = parseFields(buf, pos + 2, headEnd, out);
  return next === ERROR ? ERROR : headEnd - start;
}

/**
 * Checks an incomplete request head, `buf[pos, end)` with no blank line yet,
 * against what {@link parseRequest} would require of it once complete:
 * {@link PARTIAL} when every byte so far fits, else {@link ERROR} with the
 * reason the complete parse would give. The lines before the one holding
 * `from` were checked by an earlier call and are not looked at again.
 */
function checkPartialRequest(
  buf: Uint8Array,
  pos: number,
  end: number,
  from: number,
  out: ParsedHead,
): number {
  let line = Math.min(from, end);
  while (line > pos && buf[line - 1] !== LF) line--;
  if (line === pos) {
    // The request line: method SP request-target SP HTTP-version CRLF.
    let i = pos;
    while (i < end && CLASS[buf[i]] & TOKEN) i++;
    if (i === end) return PARTIAL;
    if (i === pos) return fail(out, 400, "the request line has no method");
    if (buf[i] !== SP) return fail(out, 400, "invalid character in the method");
    const targetStart = ++i;
    while (i < end && CLASS[buf[i]] & TARGET) i++;
    if (i === end) return PARTIAL;
    if (i === targetStart) return fail(out, 400, "the request line has no target");
    if (buf[i] !== SP) return fail(out, 400, "invalid character in the request target");
    const version = ++i;
    for (; i < end && i < version + 8; i++) {
      const c = buf[i], at = i - version;
      const fits = at === 5 || at === 7
        ? c >= DIGIT_0 && c <= DIGIT_9
        : c === "HTTP/1.1".charCodeAt(at) || (at === 6 && c === 0x2e);
      if (!fits) return fail(out, 400, "the request line does not end in HTTP/1.x");
    }
    if (i === version + 8 && buf[version + 5] !== 0x31) {
      return fail(out, 505, "only HTTP/1.x is spoken here");
    }
    if (i === end) return PARTIAL;
    if (buf[i] !== CR || (i + 1 < end && buf[i + 1] !== LF)) {
      return fail(out, 400, "the request line does not end in CRLF after the version");
    }
    if (i + 2 >= end) return PARTIAL;
    line = i + 2;
  }
  // Header lines: field-name ":" OWS field-value OWS CRLF.
  while (line < end) {
    let i = line;
    let c = buf[i];
    if (c === CR) {
      if (i + 1 < end && buf[i + 1] !== LF) return fail(out, 400, "bare CR in the header section");
      return PARTIAL;
    }
    if (c === SP || c === HTAB) {
      return fail(out, 400, "obsolete line folding (a header line starting with whitespace)");
    }
    while (i < end && CLASS[buf[i]] & TOKEN) i++;
    if (i === end) return PARTIAL;
    c = buf[i];
    if (c !== COLON) {
      if (i === line) return fail(out, 400, "empty or invalid header field name");
      if (c === SP || c === HTAB) return fail(out, 400, "whitespace between header name and colon");
      return fail(out, 400, "invalid character in header field name");
    }
    if (i === line) return fail(out, 400, "empty header field name");
    const contentLength = isContentLength(buf, line, i);
    i++;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    const valueStart = i;
    while (i < end && CLASS[buf[i]] & VALUE) i++;
    if (contentLength && !contentLengthOk(buf, valueStart, i, false)) {
      return fail(out, 400, "invalid Content-Length");
    }
    if (i === end) return PARTIAL;
    c = buf[i];
    if (c !== CR) {
      if (c === LF) return fail(out, 400, "bare LF in a header line (lines end in CRLF)");
      return fail(out, 400, `invalid character 0x${c.toString(16)} in a header value`);
    }
    if (i + 1 === end) return PARTIAL;
    if (buf[i + 1] !== LF) return fail(out, 400, "bare CR in a header value");
    if (contentLength) {
      let valueEnd = i;
      while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) {
        valueEnd--;
      }
      if (!contentLengthOk(buf, valueStart, valueEnd, true)) {
        return fail(out, 400, "invalid Content-Length");
      }
    }
    line = i + 2;
  }
  return PARTIAL;
}

/**
 * Parses a response head ("HTTP/1.1 200 OK" and headers) from
 * `buf[start, end)`. Returns bytes consumed, {@link PARTIAL} or
 * {@link ERROR}; the status code lands in `out.status` and the reason phrase
 * between `targetStart` and `targetEnd`.
 *
 * @example
 * ```ts
 * import { ParsedHead, parseResponse } from "./parser.ts";
 * import assert from "node:assert/strict";
 * const buf = new TextEncoder().encode("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
 * const head = new ParsedHead();
 * assert.equal(parseResponse(buf, 0, buf.length, head), buf.length);
 * assert.equal(head.status, 404);
 * ```
 */
export function parseResponse(
  buf: Uint8Array,
  start: number,
  end: number,
  out: ParsedHead,
  limits: ParseLimits = {},
): number {
  const maxHead = limits.maxHeadSize ?? 65536;
  const headEnd = findHeadEnd(buf, start, end);
  if (headEnd === -1) {
    if (end - start > maxHead) return fail(out, 502, `response head larger than ${maxHead} bytes`);
    return PARTIAL;
  }
  let pos = start;
  const minor = parseVersion(buf, pos);
  if (minor < 0) return fail(out, 502, "the status line does not start with HTTP/1.x");
  out.minorVersion = minor === 0 ? 0 : 1;
  pos += 8;
  if (buf[pos] !== SP) return fail(out, 502, "no space after the version in the status line");
  const d0 = buf[pos + 1] - 0x30, d1 = buf[pos + 2] - 0x30, d2 = buf[pos + 3] - 0x30;
  if (!(d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) {
    return fail(out, 502, "the status code is not three digits from 100 to 599");
  }
  out.status = d0 * 100 + d1 * 10 + d2;
  out.methodStart = pos + 1;
  out.methodEnd = pos + 4;
  pos += 4;
  if (buf[pos] === SP) pos++;
  else if (buf[pos] !== CR) return fail(out, 502, "the status code is not followed by a space");
  out.targetStart = pos;
  while (CLASS[buf[pos]] & VALUE) pos++;
  out.targetEnd = pos;
  if (buf[pos] !== CR || buf[pos + 1] !== LF) {
    return fail(out, 502, "invalid character in the reason phrase");
  }
  const next = parseFields(buf, pos + 2, headEnd, out);
  return next === ERROR ? ERROR : headEnd - start;
}

/**
 * Decodes `buf[start, end)` as Latin-1 (each byte one UTF-16 code unit), the
 * way the Fetch standard turns header bytes into a ByteString.
 */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n < 4096) {
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

/**
 * Whether `buf[start, end)` equals `lower` ignoring ASCII case; `lower`
 * must be lower-case ASCII.
 */
export function equalsIgnoreCase(
  buf: Uint8Array,
  start: number,
  end: number,
  lower: string,
): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if ((buf[start + i] | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** How a request's body is delimited, from {@link requestFraming}. */
export interface Framing {
  /** "none" (no body), "length" (Content-Length) or "chunked". */
  kind: "none" | "length" | "chunked";
  /** The body length for "length". */
  length: number;
  /** Whether the client asked for persistence (HTTP/1.1 default, or keep-alive on 1.0). */
  keepAlive: boolean;
  /** Whether the client sent `Expect: 100-continue`. */
  expectContinue: boolean;
  /** Set when the framing is unacceptable: the reason. */
  error: string;
  /** The status to answer an unacceptable framing with (400, 413, 417, 501). */
  errorStatus: number;
}

/** Whether `value` (a comma-separated list) holds `token`, ignoring case. */
function listHas(buf: Uint8Array, start: number, end: number, token: string): boolean {
  let i = start;
  while (i < end) {
    let j = i;
    while (j < end && buf[j] !== 0x2c) j++;
    let s = i, e = j;
    while (s < e && (buf[s] === SP || buf[s] === HTAB)) s++;
    while (e > s && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
    if (equalsIgnoreCase(buf, s, e, token)) return true;
    i = j + 1;
  }
  return false;
}

/** A Framing to fill with {@link requestFraming}, for a caller that keeps one. */
export function newFraming(): Framing {
  return {
    kind: "none",
    length: 0,
    keepAlive: true,
    expectContinue: false,
    error: "",
    errorStatus: 0,
  };
}

/** Marks `f` as refused with `status` and `reason`, and returns it. */
function rejected(f: Framing, status: number, reason: string): Framing {
  f.error = reason;
  f.errorStatus = status;
  return f;
}

/**
 * Decides how a request's body is framed and whether the connection may
 * persist, rejecting what RFC 9112 §6 says a server must not guess at:
 * Transfer-Encoding together with Content-Length, a Transfer-Encoding whose
 * last coding is not chunked, Transfer-Encoding on HTTP/1.0, differing or
 * malformed Content-Length values, a missing or repeated Host on HTTP/1.1.
 *
 * @param maxBody the largest Content-Length accepted (413 above it).
 */
export function requestFraming(
  buf: Uint8Array,
  head: ParsedHead,
  maxBody: number,
  into?: Framing,
): Framing {
  const f = into ?? newFraming();
  f.kind = "none";
  f.length = 0;
  f.keepAlive = head.minorVersion === 1;
  f.expectContinue = false;
  f.error = "";
  f.errorStatus = 0;
  let contentLength = -1;
  let transferEncoding = false;
  let chunkedLast = false;
  let hosts = 0;
  const h = head.headers;
  for (let i = 0, k = 0; i < head.headerCount; i++, k += 4) {
    const ns = h[k], ne = h[k + 1], vs = h[k + 2], ve = h[k + 3];
    const len = ne - ns;
    const first = buf[ns] | 0x20;
    if (len === 4 && first === 0x68 && equalsIgnoreCase(buf, ns, ne, "host")) {
      hosts++;
    } else if (len === 14 && first === 0x63 && equalsIgnoreCase(buf, ns, ne, "content-length")) {
      // RFC 9110 §8.6: 1*DIGIT; a list of identical values may be folded to one.
      let value = -1;
      let j = vs;
      while (j <= ve) {
        let n = 0, digits = 0;
        while (j < ve && buf[j] >= 0x30 && buf[j] <= 0x39) {
          n = n * 10 + buf[j++] - 0x30;
          digits++;
        }
        if (digits === 0 || digits > 15) {
          return rejected(f, 400, "invalid Content-Length");
        }
        if (value !== -1 && value !== n) {
          return rejected(f, 400, "conflicting Content-Length values");
        }
        value = n;
        while (j < ve && (buf[j] === SP || buf[j] === HTAB)) j++;
        if (j === ve) break;
        if (buf[j] !== 0x2c) {
          return rejected(f, 400, "invalid Content-Length");
        }
        j++;
        while (j < ve && (buf[j] === SP || buf[j] === HTAB)) j++;
      }
      if (contentLength !== -1 && contentLength !== value) {
        return rejected(f, 400, "conflicting Content-Length headers");
      }
      contentLength = value;
    } else if (
      len === 17 && first === 0x74 && equalsIgnoreCase(buf, ns, ne, "transfer-encoding")
    ) {
      transferEncoding = true;
      // The last coding of the last field decides; earlier "chunked" is an error.
      if (chunkedLast) {
        return rejected(f, 400, "chunked is not the final transfer coding");
      }
      let s = vs;
      let e = ve;
      let lastComma = -1;
      for (let j = s; j < e; j++) if (buf[j] === 0x2c) lastComma = j;
      if (lastComma !== -1) {
        if (listHas(buf, s, lastComma, "chunked")) {
          return rejected(f, 400, "chunked is not the final transfer coding");
        }
        s = lastComma + 1;
      }
      while (s < e && (buf[s] === SP || buf[s] === HTAB)) s++;
      while (e > s && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
      if (equalsIgnoreCase(buf, s, e, "chunked")) {
        chunkedLast = true;
        if (lastComma !== -1) {
          return rejected(f, 501, "transfer codings other than chunked are not implemented");
        }
      } else {
        return rejected(f, 400, "chunked is not the final transfer coding");
      }
    } else if (len === 10 && first === 0x63 && equalsIgnoreCase(buf, ns, ne, "connection")) {
      if (listHas(buf, vs, ve, "close")) f.keepAlive = false;
      else if (head.minorVersion === 0 && listHas(buf, vs, ve, "keep-alive")) f.keepAlive = true;
    } else if (len === 6 && first === 0x65 && equalsIgnoreCase(buf, ns, ne, "expect")) {
      if (equalsIgnoreCase(buf, vs, ve, "100-continue")) f.expectContinue = true;
      else {
        return rejected(f, 417, "unsupported expectation");
      }
    }
  }
  if (head.minorVersion === 1 && hosts !== 1) {
    return rejected(
      f,
      400,
      hosts === 0 ? "HTTP/1.1 request without Host" : "more than one Host header",
    );
  }
  if (transferEncoding) {
    if (contentLength !== -1) {
      return rejected(f, 400, "both Transfer-Encoding and Content-Length");
    }
    if (head.minorVersion === 0) {
      return rejected(f, 400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    f.kind = "chunked";
    return f;
  }
  if (contentLength > maxBody) {
    return rejected(
      f,
      413,
      `body of ${contentLength} bytes is larger than the limit of ${maxBody}`,
    );
  }
  if (contentLength > 0) {
    f.kind = "length";
    f.length = contentLength;
  }
  return f;
}

// Chunked decoder states.
const SIZE = 0; // reading hex digits of chunk-size
const SIZE_WS = 1; // whitespace after the size, before ';'
const EXT = 2; // in chunk-ext, until CR
const SIZE_LF = 3; // saw CR after size line, expect LF
const DATA = 4; // chunk-data
const DATA_CR = 5; // expect CR after data
const DATA_LF = 6; // expect LF after data
const TRAILER_START = 7; // at the start of a trailer line (or the final CRLF)
const TRAILER = 8; // inside a trailer line
const TRAILER_LF = 9; // saw CR in a trailer line
const END_LF = 10; // saw the final CR, expect LF
const DONE = 11;
const TRAILER_NAME = 12; // in a trailer field name, until ':'

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * An incremental decoder for the chunked transfer coding (RFC 9112 §7.1),
 * like picohttpparser's `phr_decode_chunked` but without moving bytes: it
 * reports the chunk data as ranges of the buffer it is handed. Chunk
 * extensions are skipped; trailer fields are checked and dropped.
 *
 * @example
 * ```ts
 * import { ChunkedDecoder } from "./parser.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode("3\r\nabc\r\n0\r\n\r\n");
 * const parts: string[] = [];
 * const d = new ChunkedDecoder();
 * const used = d.decode(bytes, 0, bytes.length, (s, e) => parts.push(new TextDecoder().decode(bytes.subarray(s, e))));
 * assert.equal(used, bytes.length);
 * assert.equal(d.done, true);
 * assert.deepEqual(parts, ["abc"]);
 * ```
 */
export class ChunkedDecoder {
  #state = SIZE;
  #remaining = 0;
  #digits = 0;
  #total = 0;
  #lineBytes = 0;
  /** The largest total body accepted. */
  readonly maxBody: number;
  /** Why decoding failed, after {@link decode} returned -1. */
  error = "";
  /** 400 for malformed chunking, 413 when the body exceeds the limit. */
  errorStatus = 0;

  /**
   * Makes a decoder for one body.
   *
   * @param maxBody the largest decoded body accepted (413 beyond).
   */
  constructor(maxBody = Number.MAX_SAFE_INTEGER) {
    this.maxBody = maxBody;
  }

  /** Whether the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Total decoded body bytes so far. */
  get total(): number {
    return this.#total;
  }

  #fail(status: number, reason: string): number {
    this.error = reason;
    this.errorStatus = status;
    return -1;
  }

  /**
   * Decodes `buf[start, end)`, calling `onData(from, to)` for each range of
   * body bytes. Returns the bytes consumed (it stops right after the end of
   * the body, so bytes of the next message are left alone), or -1 when the
   * coding is malformed.
   */
  decode(
    buf: Uint8Array,
    start: number,
    end: number,
    onData: (from: number, to: number) => void,
  ): number {
    let pos = start;
    while (pos < end) {
      const c = buf[pos];
      switch (this.#state) {
        case SIZE: {
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.#digits > 12) return this.#fail(400, "chunk size too long");
            this.#remaining = this.#remaining * 16 + v;
            pos++;
            break;
          }
          if (this.#digits === 0) return this.#fail(400, "invalid chunk size");
          if (c === CR) this.#state = SIZE_LF;
          else if (c === SP || c === HTAB) this.#state = SIZE_WS;
          else if (c === 0x3b) this.#state = EXT;
          else return this.#fail(400, "invalid character after the chunk size");
          pos++;
          break;
        }
        case SIZE_WS:
          if (c === 0x3b) this.#state = EXT;
          else if (c !== SP && c !== HTAB) {
            return this.#fail(400, "whitespace after the chunk size without an extension");
          }
          pos++;
          break;
        case EXT:
          if (c === CR) this.#state = SIZE_LF;
          else if (!(CLASS[c] & VALUE)) return this.#fail(400, "invalid chunk extension");
          else if (++this.#lineBytes > 4096) return this.#fail(400, "chunk extension too long");
          pos++;
          break;
        case SIZE_LF:
          if (c !== LF) return this.#fail(400, "bare CR in a chunk-size line");
          pos++;
          this.#digits = 0;
          this.#lineBytes = 0;
          if (this.#remaining === 0) {
            this.#state = TRAILER_START;
          } else {
            this.#total += this.#remaining;
            if (this.#total > this.maxBody) {
              return this.#fail(413, `chunked body larger than the limit of ${this.maxBody}`);
            }
            this.#state = DATA;
          }
          break;
        case DATA: {
          const take = Math.min(this.#remaining, end - pos);
          onData(pos, pos + take);
          pos += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (c !== CR) return this.#fail(400, "chunk data is longer than its size");
          this.#state = DATA_LF;
          pos++;
          break;
        case DATA_LF:
          if (c !== LF) return this.#fail(400, "bare CR after chunk data");
          this.#state = SIZE;
          pos++;
          break;
        case TRAILER_START:
          if (c === CR) this.#state = END_LF;
          else if (CLASS[c] & TOKEN) this.#state = TRAILER_NAME;
          else return this.#fail(400, "invalid trailer field");
          pos++;
          break;
        case TRAILER_NAME:
          if (c === COLON) this.#state = TRAILER;
          else if (!(CLASS[c] & TOKEN)) return this.#fail(400, "invalid trailer field name");
          else if (++this.#lineBytes > 8192) return this.#fail(431, "trailer section too large");
          pos++;
          break;
        case TRAILER:
          if (c === CR) this.#state = TRAILER_LF;
          else if (!(CLASS[c] & VALUE)) {
            return this.#fail(400, "invalid character in a trailer field");
          } else if (++this.#lineBytes > 8192) return this.#fail(431, "trailer section too large");
          pos++;
          break;
        case TRAILER_LF:
          if (c !== LF) return this.#fail(400, "bare CR in a trailer field");
          this.#state = TRAILER_START;
          pos++;
          break;
        case END_LF:
          if (c !== LF) return this.#fail(400, "bare CR at the end of the chunked body");
          this.#state = DONE;
          return pos + 1 - start;
        case DONE:
          return pos - start;
      }
    }
    return pos - start;
  }
}
