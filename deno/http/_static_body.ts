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
