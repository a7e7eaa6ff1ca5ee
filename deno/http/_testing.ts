// Fixtures shared by the HTTP tests: a server on a free loopback port and a
// raw exchange that writes bytes and reads the whole answer.
import { serve, type ServeHandler, type ServeOptions } from "./server.ts";
import type { InetAddr } from "../net/types.ts";

/** Starts a server on 127.0.0.1:0, runs `fn` with its port, shuts it down. */
export async function withServer(
  options: ServeOptions,
  handler: ServeHandler,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const server = serve({ port: 0, hostname: "127.0.0.1", ...options }, handler);
  try {
    await fn((server.addr as InetAddr).port);
  } finally {
    await server.shutdown();
  }
}

/**
 * Sends `raw` (a string is sent as Latin-1 bytes), half-closes, and reads
 * until the server closes. Returns the answer as Latin-1 text.
 */
export async function exchange(port: number, raw: string | Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = typeof raw === "string" ? Uint8Array.from(raw, (c) => c.charCodeAt(0)) : raw;
    await conn.write(bytes);
    await conn.closeWrite();
    const parts: string[] = [];
    const buf = new Uint8Array(65536);
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch (error) {
        if (error instanceof Deno.errors.ConnectionReset) break;
        throw error;
      }
      if (n === null) break;
      parts.push(String.fromCharCode(...buf.subarray(0, n)));
    }
    return parts.join("");
  } finally {
    conn.close();
  }
}

/** The status codes of every response in `text`, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}
