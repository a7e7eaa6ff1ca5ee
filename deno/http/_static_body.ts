// Reading a Response body that is already complete, without a stream.
//
// The portable way to read any Response body is `response.body`, a
// ReadableStream. For the common `new Response("text")` that costs more than
// everything else the server does for a request: the runtime builds a
// stream, a reader and two promises around a string it already holds.
// Deno keeps such a body aside, unconverted, until someone asks for the
// stream (it is how Deno.serve answers fast); this module finds that slot
// once, by probing a Response it makes itself, and reads it when present.
//
// This is a runtime-specific fast path, not a contract: if the probe does
// not find the slot (another runtime, another Deno version), `staticBody()`
// answers undefined for every response and the server reads the stream as
// usual. The slot is cleared by Deno as soon as the body becomes a stream,
// so a body the handler has touched is never read twice.

const PROBE = "socklab static body probe";

function findSlot(): symbol | undefined {
  try {
    const probe = new Response(PROBE);
    for (const s of Object.getOwnPropertySymbols(probe)) {
      if ((probe as unknown as Record<symbol, unknown>)[s] !== PROBE) continue;
      // It must be the lazily kept body: gone once the stream exists.
      const check = new Response(PROBE);
      void check.body;
      if ((check as unknown as Record<symbol, unknown>)[s] === PROBE) continue;
      return s;
    }
  } catch {
    // No such slot here.
  }
  return undefined;
}

const SLOT = findSlot();

/**
 * The body of `response` as the string it was made from, when the runtime
 * still holds it unread; undefined otherwise (read `response.body` then).
 */
export function staticBody(response: Response): string | undefined {
  if (SLOT === undefined) return undefined;
  const value = (response as unknown as Record<symbol, unknown>)[SLOT];
  return typeof value === "string" && !response.bodyUsed ? value : undefined;
}

// The same runtime keeps a second note on such a Response, for Deno.serve's
// own fast path: when the status is 200 and the only header is at most a
// Content-Type (none, the default text one, or one given at construction),
// it records that in slots of the Response, and clears them as soon as
// anyone asks for `response.headers` (which may then change). Reading them
// spares the server building a Headers object and listing it, which costs
// more than the rest of a small answer. Found once by probing, as above;
// when the probe fails every answer is undefined and the headers are read.

const FAST_STATUS = "serve fast status";
const FAST_KIND = "serve fast header kind";
const FAST_TYPE = "serve fast content type";
/** The kinds of Content-Type the slots record, and what each means. */
const KIND_NONE = 0, KIND_DEFAULT_TEXT = 1, KIND_GIVEN = 2;
const DEFAULT_TEXT = "text/plain;charset=UTF-8";

interface FastSlots {
  status: symbol;
  kind: symbol;
  type: symbol;
}

function findFastSlots(): FastSlots | undefined {
  try {
    const of = (r: Response, description: string) =>
      Object.getOwnPropertySymbols(r).find((s) => s.description === description);
    const read = (r: Response, s: symbol) => (r as unknown as Record<symbol, unknown>)[s];
    const text = new Response(PROBE);
    const status = of(text, FAST_STATUS), kind = of(text, FAST_KIND), type = of(text, FAST_TYPE);
    if (status === undefined || kind === undefined || type === undefined) return undefined;
    if (read(text, status) !== 200 || read(text, kind) !== KIND_DEFAULT_TEXT) return undefined;
    const json = new Response(PROBE, { headers: { "content-type": "application/json" } });
    if (read(json, kind) !== KIND_GIVEN || read(json, type) !== "application/json") {
      return undefined;
    }
    // Asking for the headers must clear the note: from then on they are read.
    void text.headers;
    if (read(text, status) !== 0) return undefined;
    const other = new Response(PROBE, { status: 201 });
    if (read(other, status) === 201) return undefined;
    return { status, kind, type };
  } catch {
    return undefined;
  }
}

const FAST = findFastSlots();

/**
 * The Content-Type of a Response that has nothing but status 200, a body and
 * at most that one header, read without touching `response.headers`: the
 * value, "" for none, or undefined when the Response may have more (read its
 * status and headers then).
 */
export function staticContentType(response: Response): string | undefined {
  if (FAST === undefined) return undefined;
  const slots = response as unknown as Record<symbol, unknown>;
  if (slots[FAST.status] !== 200) return undefined;
  const kind = slots[FAST.kind];
  if (kind === KIND_DEFAULT_TEXT) return DEFAULT_TEXT;
  if (kind === KIND_NONE) return "";
  const type = slots[FAST.type];
  return kind === KIND_GIVEN && typeof type === "string" ? type : undefined;
}
