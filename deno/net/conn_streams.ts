/**
 * The Web streams of a {@link Conn}, built from its `read`, `writeAll` and
 * `closeWrite`: one definition for every kind of stream connection (the
 * kernel's through Deno, the epoll loop's, socklab's own TCP), so that
 * `conn.readable` and `conn.writable` behave the same on each.
 *
 * Two rules make these streams fit a socket rather than a file:
 * - the readable ends at the peer's FIN and neither its end nor a cancel
 *   closes the connection, so a half-closed connection can still answer;
 * - closing the writable half-closes the connection (sends FIN) and does
 *   not close it, so the answer can still be read.
 *
 * An implementation of {@link Conn} calls these once, lazily, from its
 * `readable` and `writable` getters.
 *
 * @module
 */
import type { Conn } from "./types.ts";

/** The default reader's chunk size, and the most a read asks for. */
const CHUNK = 64 * 1024;

/**
 * The bytes from the peer as a byte stream over `conn.read()`: a BYOB reader
 * reads straight into its own buffer; a default reader gets chunks of up to
 * 64 KiB. The stream closes when `read()` resolves null (the peer's FIN)
 * and errors with what `read()` rejects with.
 *
 * @param conn What to read from: anything with a {@link Conn}'s `read`.
 * @returns A readable byte stream; cancelling it leaves `conn` open.
 *
 * @example Read a whole reply through the stream
 * ```ts
 * import { readableOf } from "./conn_streams.ts";
 * import assert from "node:assert/strict";
 * const chunks = [new TextEncoder().encode("hello "), new TextEncoder().encode("world")];
 * const conn = {
 *   read: (p: Uint8Array) => {
 *     const next = chunks.shift();
 *     if (next === undefined) return Promise.resolve(null);
 *     p.set(next);
 *     return Promise.resolve(next.length);
 *   },
 * };
 * assert.equal(await new Response(readableOf(conn)).text(), "hello world");
 * ```
 */
export function readableOf(conn: Pick<Conn, "read">): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: CHUNK,
    pull: async (controller) => {
      const request = controller.byobRequest!;
      const view = request.view!;
      const n = await conn.read(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      if (n === null) {
        controller.close();
        request.respond(0);
      } else {
        request.respond(n);
      }
    },
  });
}

/**
 * Bytes to the peer as a writable stream over `conn.writeAll()`; closing the
 * stream calls `conn.closeWrite()` (a half-close: FIN for TCP).
 *
 * @param conn What to write to: anything with a {@link Conn}'s `writeAll` and `closeWrite`.
 * @returns A writable stream; each chunk resolves once `writeAll` took all of it.
 *
 * @example Write, then half-close
 * ```ts
 * import { writableOf } from "./conn_streams.ts";
 * import assert from "node:assert/strict";
 * const sent: string[] = [];
 * let finSent = false;
 * const conn = {
 *   writeAll: (p: Uint8Array) => (sent.push(new TextDecoder().decode(p)), Promise.resolve()),
 *   closeWrite: () => ((finSent = true), Promise.resolve()),
 * };
 * await new Response("request").body!.pipeTo(writableOf(conn));
 * assert.deepEqual([sent.join(""), finSent], ["request", true]);
 * ```
 */
export function writableOf(
  conn: Pick<Conn, "writeAll" | "closeWrite">,
): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (chunk) => conn.writeAll(chunk),
    close: () => conn.closeWrite(),
  });
}
