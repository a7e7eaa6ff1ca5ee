// The Web streams of a Conn, built from its read/writeAll/closeWrite: one
// definition for every kind of stream connection (kernel, epoll, socklab TCP).
import type { Conn } from "./types.ts";

const CHUNK = 64 * 1024;

/**
 * The bytes from the peer as a byte stream: a BYOB reader reads straight
 * into its own buffer; a default reader gets chunks of up to 64 KiB.
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

/** Bytes to the peer; closing the stream half-closes the connection. */
export function writableOf(
  conn: Pick<Conn, "writeAll" | "closeWrite">,
): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (chunk) => conn.writeAll(chunk),
    close: () => conn.closeWrite(),
  });
}
