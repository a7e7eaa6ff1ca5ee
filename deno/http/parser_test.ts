import assert from "node:assert/strict";
import {
  ChunkedDecoder,
  ERROR,
  latin1,
  ParsedHead,
  parseRequest,
  parseResponse,
  PARTIAL,
  requestFraming,
} from "./parser.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function parse(text: string, limits = {}) {
  const buf = bytes(text);
  const head = new ParsedHead(8);
  const used = parseRequest(buf, 0, buf.length, head, limits);
  const fields: [string, string][] = [];
  for (let i = 0; i < head.headerCount; i++) {
    const h = head.headers;
    fields.push([latin1(buf, h[4 * i], h[4 * i + 1]), latin1(buf, h[4 * i + 2], h[4 * i + 3])]);
  }
  return {
    used,
    head,
    method: latin1(buf, head.methodStart, head.methodEnd),
    target: latin1(buf, head.targetStart, head.targetEnd),
    fields,
  };
}

Deno.test("parseRequest() reads the method, target, version and fields as slices", () => {
  const text = "POST /p?q=1 HTTP/1.0\r\nHost: a\r\nX-Empty:\r\nX-Pad: \t v v \t\r\n\r\nBODY";
  const r = parse(text);
  assert.equal(r.used, text.length - 4);
  assert.equal(r.method, "POST");
  assert.equal(r.target, "/p?q=1");
  assert.equal(r.head.minorVersion, 0);
  assert.deepEqual(r.fields, [["Host", "a"], ["X-Empty", ""], ["X-Pad", "v v"]]);
});

Deno.test("parseRequest() answers PARTIAL for every proper prefix of a request", () => {
  const text = "GET /index.html HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n";
  for (let n = 0; n < text.length; n++) {
    assert.equal(parse(text.slice(0, n)).used, PARTIAL, `prefix of ${n} bytes`);
  }
  assert.equal(parse(text).used, text.length);
});

Deno.test("parseRequest() resumes its blank-line search at lastEnd", () => {
  const text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const buf = bytes(text);
  const head = new ParsedHead();
  let last = 0;
  for (let n = 1; n < buf.length; n++) {
    assert.equal(parseRequest(buf, 0, n, head, {}, last), PARTIAL);
    last = n;
  }
  assert.equal(parseRequest(buf, 0, buf.length, head, {}, last), buf.length);
});

Deno.test("parseRequest() skips empty lines before the request line", () => {
  const r = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(r.used, 31);
  assert.equal(r.method, "GET");
});

Deno.test("parseRequest() rejects malformed heads with a reason and a status", () => {
  const table: [string, number, RegExp][] = [
    ["GET / HTTP/1.1\nHost: a\r\n\r\n", 400, /CRLF/],
    ["GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, /whitespace between/],
    ["GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 400, /folding/],
    ["GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400, /bare CR/],
    ["GET / HTTP/1.1\r\nX: \x01\r\n\r\n", 400, /invalid character 0x1/],
    ["GET / HTTP/3.0\r\n\r\n", 505, /HTTP\/1/],
    ["GET / HTCPCP/1.0\r\n\r\n", 400, /HTTP\/1\.x/],
    ["GE\x7fT / HTTP/1.1\r\n\r\n", 400, /method/],
    [" / HTTP/1.1\r\n\r\n", 400, /no method/],
    ["GET  HTTP/1.1\r\n\r\n", 400, /no target/],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1a\r\n\r\n", 400, /Content-Length/],
    ["POST / HTTP/1.1\r\nContent-Length: 1234567890123456\r\n\r\n", 400, /Content-Length/],
    ["POST / HTTP/1.1\r\nContent-Length: 1,\r\n\r\n", 400, /Content-Length/],
  ];
  for (const [text, status, reason] of table) {
    const r = parse(text);
    assert.equal(r.used, ERROR, JSON.stringify(text));
    assert.equal(r.head.errorStatus, status, JSON.stringify(text));
    assert.match(r.head.error, reason);
  }
});

Deno.test("parseRequest() rejects garbage before the head is complete", () => {
  assert.equal(parse("\x16\x03\x01\x02\x00").used, ERROR); // a TLS ClientHello
});

Deno.test("parseRequest() rejects an incomplete head at its first bad byte, as the whole would be", () => {
  // Each head is malformed; cut right after the bad byte, it is already an ERROR with the
  // reason and status the complete head gets, and cut right before it, still PARTIAL.
  const table: [string, string, number, RegExp][] = [
    ["GET /a\x01", "b HTTP/1.1\r\n\r\n", 400, /request target/],
    ["GET / HTTQ", "/1.1\r\n\r\n", 400, /HTTP\/1\.x/],
    ["GET / HTTP/2.0", "\r\n\r\n", 505, /HTTP\/1/],
    ["GET / HTTP/1.1\r\r", "\n\r\n", 400, /CRLF/],
    ["GET / HTTP/1.1\r\n ", "x: y\r\n\r\n", 400, /folding/],
    ["GET / HTTP/1.1\r\nHost: a\r\nX ", "y: z\r\n\r\n", 400, /whitespace between/],
    ["GET / HTTP/1.1\r\nHo\x01", "st: a\r\n\r\n", 400, /header field name/],
    ["GET / HTTP/1.1\r\nHost: a\x7f", "\r\n\r\n", 400, /invalid character 0x7f/],
    ["GET / HTTP/1.1\r\nHost: a\n", "\r\n", 400, /bare LF/],
    ["POST / HTTP/1.1\r\nContent-Length: 1234567890123456", "\r\n\r\n", 400, /Content-Length/],
    ["POST / HTTP/1.1\r\ncontent-length: 12x", "\r\n\r\n", 400, /Content-Length/],
    ["POST / HTTP/1.1\r\nContent-Length: 1 2", "\r\n\r\n", 400, /Content-Length/],
  ];
  for (const [before, after, status, reason] of table) {
    const early = parse(before);
    assert.equal(early.used, ERROR, JSON.stringify(before));
    assert.equal(early.head.errorStatus, status, JSON.stringify(before));
    assert.match(early.head.error, reason, JSON.stringify(before));
    assert.equal(parse(before.slice(0, -1)).used, PARTIAL, JSON.stringify(before.slice(0, -1)));
    const whole = parse(before + after);
    assert.deepEqual([whole.used, whole.head.errorStatus, whole.head.error], [
      ERROR,
      status,
      early.head.error,
    ]);
  }
});

Deno.test("parseRequest() checks a trickled head once, resuming at the line lastEnd falls in", () => {
  const text = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 12345678901234567\r\n\r\n";
  const buf = bytes(text);
  const head = new ParsedHead();
  let last = 0;
  let n = 1;
  for (; n <= buf.length; n++) {
    const used = parseRequest(buf, 0, n, head, {}, last);
    if (used !== PARTIAL) break;
    last = n;
  }
  // The sixteenth digit is the first byte that cannot belong to a valid head.
  assert.equal(n, text.indexOf("7\r\n"));
  assert.equal(head.error, "invalid Content-Length");
});

Deno.test("parseRequest() enforces maxHeadSize and the field capacity with 431", () => {
  const big = parse(`GET / HTTP/1.1\r\nX: ${"y".repeat(100)}\r\n\r\n`, { maxHeadSize: 64 });
  assert.equal(big.used, ERROR);
  assert.equal(big.head.errorStatus, 431);
  const unfinished = parse(`GET / HTTP/1.1\r\nX: ${"y".repeat(100)}`, { maxHeadSize: 64 });
  assert.equal(unfinished.head.errorStatus, 431);
  const many = parse(`GET / HTTP/1.1\r\n${"A: b\r\n".repeat(9)}\r\n`);
  assert.equal(many.used, ERROR);
  assert.equal(many.head.errorStatus, 431);
});

Deno.test("parseResponse() reads the status, reason and fields", () => {
  const buf = bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc");
  const head = new ParsedHead();
  assert.equal(parseResponse(buf, 0, buf.length, head), buf.length - 3);
  assert.equal(head.status, 404);
  assert.equal(latin1(buf, head.targetStart, head.targetEnd), "Not Found");
  assert.equal(head.headerCount, 1);
  const bad = bytes("HTTP/1.1 2000 OK\r\n\r\n");
  assert.equal(parseResponse(bad, 0, bad.length, head), ERROR);
});

function framing(text: string, maxBody = 1000) {
  const r = parse(text);
  assert.ok(r.used > 0, text);
  return requestFraming(bytes(text), r.head, maxBody);
}

Deno.test("requestFraming() picks the body framing and persistence", () => {
  assert.equal(framing("GET / HTTP/1.1\r\nHost: a\r\n\r\n").kind, "none");
  assert.equal(framing("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keepAlive, true);
  assert.equal(framing("GET / HTTP/1.0\r\n\r\n").keepAlive, false);
  assert.equal(framing("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive, true);
  assert.equal(
    framing("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n").keepAlive,
    false,
  );
  const length = framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n");
  assert.deepEqual([length.kind, length.length], ["length", 12]);
  assert.equal(
    framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n").kind,
    "chunked",
  );
  assert.equal(
    framing("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n").expectContinue,
    true,
  );
});

Deno.test("requestFraming() rejects ambiguous framing as RFC 9112 §6 requires", () => {
  const table: [string, number][] = [
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,2\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: deflate, chunked\r\n\r\n", 501],
    ["POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", 413],
    ["POST / HTTP/1.1\r\nHost: a\r\nExpect: tea\r\n\r\n", 417],
    ["GET / HTTP/1.1\r\n\r\n", 400],
  ];
  for (const [text, status] of table) {
    const f = framing(text);
    assert.equal(f.errorStatus, status, `${JSON.stringify(text)}: ${f.error}`);
    assert.ok(f.error.length > 0);
  }
});

function dechunk(text: string, split = text.length, maxBody?: number) {
  const buf = bytes(text);
  const d = new ChunkedDecoder(maxBody);
  let out = "";
  const sink = (s: number, e: number) => (out += latin1(buf, s, e));
  const a = d.decode(buf, 0, split, sink);
  if (a < 0) return { used: a, out, d };
  const b = d.decode(buf, a, buf.length, sink);
  return { used: b < 0 ? b : a + b, out, d };
}

Deno.test("ChunkedDecoder decodes chunks, extensions and trailers at every split point", () => {
  const text = "4\r\nWiki\r\n5;a=b\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX: y\r\n\r\nNEXT";
  for (let split = 0; split <= text.length; split++) {
    const r = dechunk(text, split);
    assert.equal(r.out, "Wikipedia in\r\n\r\nchunks.", `split at ${split}`);
    assert.equal(r.used, text.length - 4);
    assert.equal(r.d.done, true);
    assert.equal(r.d.total, 23);
  }
});

Deno.test("ChunkedDecoder rejects malformed chunking and oversize bodies", () => {
  const table: [string, number][] = [
    ["x\r\n", 400],
    ["5\nhello\r\n0\r\n\r\n", 400],
    ["3\r\nhello\r\n", 400],
    ["5 \r\nhello\r\n", 400],
    ["1234567890abc\r\n", 400],
    ["5\r\nhello\r\n0\r\nbad trailer\r\n\r\n", 400],
    ["8\r\n12345678\r\n", 413],
  ];
  for (const [text, status] of table) {
    const r = dechunk(text, text.length, 5);
    assert.equal(r.used, -1, JSON.stringify(text));
    assert.equal(r.d.errorStatus, status, JSON.stringify(text));
  }
});

// A seeded generator, so a failure can be replayed.
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

Deno.test("parseRequest() and ChunkedDecoder survive mutated inputs and agree across splits", () => {
  const rand = random(6);
  const seeds = [
    "GET /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
  ];
  const alphabet = "\r\n :;\t\x00\x7fAz0-9/,";
  for (let i = 0; i < 3000; i++) {
    const chars = [...seeds[i % 2]];
    for (let m = 1 + Math.floor(rand() * 4); m > 0; m--) {
      const at = Math.floor(rand() * chars.length);
      const c = rand() < 0.5
        ? alphabet[Math.floor(rand() * alphabet.length)]
        : String.fromCharCode(Math.floor(rand() * 256));
      const op = rand();
      if (op < 0.4) chars[at] = c;
      else if (op < 0.7) chars.splice(at, 0, c);
      else chars.splice(at, 1);
    }
    const text = chars.join("");
    const whole = parse(text);
    // A result on the whole input must not depend on where reading stopped before.
    const buf = bytes(text);
    const head = new ParsedHead(8);
    const cut = Math.floor(rand() * buf.length);
    const early = parseRequest(buf, 0, cut, head);
    if (early > 0) assert.equal(early, whole.used, JSON.stringify(text));
    // An early verdict of ERROR is the verdict on the whole, for the same reason.
    if (early === ERROR) {
      assert.deepEqual([whole.used, whole.head.error], [ERROR, head.error], JSON.stringify(text));
    }
    if (whole.used > 0) {
      assert.ok(whole.used <= buf.length);
      for (const [name] of whole.fields) assert.match(name, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
      const r = dechunk(text.slice(whole.used), Math.floor(rand() * (text.length - whole.used)));
      assert.ok(r.used === -1 ? r.d.error.length > 0 : r.used <= text.length - whole.used);
    } else if (whole.used === ERROR) {
      assert.ok([400, 431, 505].includes(whole.head.errorStatus), whole.head.error);
    }
  }
});
