// A Request that is built only when it is needed.
//
// Constructing a Web `Request` costs microseconds (the init dictionary, the
// URL, the header list are each converted and checked), which is more than
// the rest of serving a small request. Most handlers look at the method, the
// URL and a header or two, so the server hands them this object: it is an
// `instanceof Request`, answers `method`, `url` and `headers` from the parsed
// head directly, and constructs the real `Request` the first time anything
// else (the body, `clone()`, `signal`, ...) is touched, delegating to it from
// then on.
//
// Known limit: Deno's own `new Request(input)` and `fetch(input)` read a
// Request's private slots, so they need `request.clone()` (a real Request)
// rather than this object; `new Request(url, request)` (the request as an
// init dictionary) works.

/** What a lazy request is built from. */
export interface RequestParts {
  method: string;
  url: string;
  /** The headers, or a function that makes them on first use. */
  headers: Headers | (() => Headers);
  body: ReadableStream<Uint8Array> | null;
}

const parts = Symbol("parts");
const real = Symbol("real");

/** The Request the server hands its handler. */
export interface LazyRequest extends Request {
  [parts]: RequestParts;
  [real]: Request | null;
}

function headersOf(p: RequestParts): Headers {
  if (typeof p.headers === "function") p.headers = p.headers();
  return p.headers;
}

function materialize(self: LazyRequest): Request {
  let r = self[real];
  if (r === null) {
    const p = self[parts];
    const headers = headersOf(p);
    r = p.body === null ? new Request(p.url, { method: p.method, headers }) : new Request(p.url, {
      method: p.method,
      headers,
      body: p.body,
      // @ts-ignore: Deno needs no duplex, the Fetch standard asks for it.
      duplex: "half",
    });
    self[real] = r;
  }
  return r;
}

function LazyRequestImpl(this: LazyRequest, p: RequestParts) {
  this[parts] = p;
  this[real] = null;
}

const proto: Record<string | symbol, unknown> = Object.create(Request.prototype);
Object.defineProperties(proto, {
  method: {
    get(this: LazyRequest) {
      return this[real]?.method ?? this[parts].method;
    },
  },
  url: {
    get(this: LazyRequest) {
      // The target as the client sent it, like Deno.serve ("/a/../b" stays so).
      return this[parts].url;
    },
  },
  headers: {
    get(this: LazyRequest) {
      return this[real]?.headers ?? headersOf(this[parts]);
    },
  },
  body: {
    get(this: LazyRequest) {
      if (this[real] === null && this[parts].body === null) return null;
      return materialize(this).body;
    },
  },
  bodyUsed: {
    get(this: LazyRequest) {
      if (this[real] === null) return false;
      return this[real]!.bodyUsed;
    },
  },
  [Symbol.toStringTag]: { value: "Request" },
});
for (const name of Object.getOwnPropertyNames(Request.prototype)) {
  if (name === "constructor" || Object.hasOwn(proto, name)) continue;
  const desc = Object.getOwnPropertyDescriptor(Request.prototype, name)!;
  if (typeof desc.value === "function") {
    Object.defineProperty(proto, name, {
      value: function (this: LazyRequest, ...args: unknown[]) {
        const r = materialize(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
        return r[name](...args);
      },
      writable: true,
      configurable: true,
    });
  } else if (desc.get) {
    Object.defineProperty(proto, name, {
      get(this: LazyRequest) {
        return (materialize(this) as unknown as Record<string, unknown>)[name];
      },
      configurable: true,
    });
  }
}
Object.defineProperty(proto, Symbol.for("Deno.customInspect"), {
  value(this: LazyRequest, inspect: (v: unknown, o: unknown) => string, options: unknown) {
    return inspect(materialize(this), options);
  },
});
LazyRequestImpl.prototype = proto;

/**
 * Whether the real `Request` behind a lazy one has been constructed: the
 * handler used more of it than its method, URL and headers (its body, say).
 * False for a request this module did not make.
 */
export function materialized(request: Request): boolean {
  return (request as Partial<LazyRequest>)[real] != null;
}

/** Makes a request whose real `Request` is constructed on first use. */
export function lazyRequest(p: RequestParts): Request {
  return new (LazyRequestImpl as unknown as new (p: RequestParts) => Request)(p);
}
