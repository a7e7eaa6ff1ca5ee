import assert from "node:assert/strict";
import { readableOf, writableOf } from "./conn_streams.ts";

const enc = (t: string) => new TextEncoder().encode(t);

/** A connection that hands out `chunks` in order, then the FIN, and records what it is asked. */
function scripted(chunks: (Uint8Array | Error)[]) {
  const log: string[] = [];
  return {
    log,
    read(p: Uint8Array): Promise<number | null> {
      log.push(`read ${p.length}`);
      const next = chunks.shift();
      if (next === undefined) return Promise.resolve(null);
      if (next instanceof Error) return Promise.reject(next);
      const n = Math.min(p.length, next.length);
      p.set(next.subarray(0, n));
      if (n < next.length) chunks.unshift(next.subarray(n));
      return Promise.resolve(n);
    },
    writeAll(p: Uint8Array): Promise<void> {
      log.push(`write ${new TextDecoder().decode(p)}`);
      return Promise.resolve();
    },
    closeWrite(): Promise<void> {
      log.push("closeWrite");
      return Promise.resolve();
    },
    close(): void {
      log.push("close");
    },
  };
}

Deno.test("readableOf() yields each read and ends at the FIN without closing the connection", async () => {
  const conn = scripted([enc("ab"), enc("cd")]);
  assert.equal(await new Response(readableOf(conn)).text(), "abcd");
  assert.deepEqual(conn.log, ["read 65536", "read 65536", "read 65536"]);
});

Deno.test("readableOf() reads straight into a BYOB reader's buffer, no larger than it", async () => {
  const conn = scripted([enc("hello")]);
  const reader = readableOf(conn).getReader({ mode: "byob" });
  const { value } = await reader.read(new Uint8Array(3));
  assert.deepEqual([...value!], [...enc("hel")]);
  assert.deepEqual(conn.log, ["read 3"]);
  reader.releaseLock();
});

Deno.test("readableOf(): cancelling the stream leaves the connection open", async () => {
  const conn = scripted([enc("ab"), enc("cd")]);
  const reader = readableOf(conn).getReader();
  await reader.read();
  await reader.cancel();
  assert.ok(!conn.log.includes("close"));
});

Deno.test("readableOf() errors the stream with what read() rejects with", async () => {
  const reset = new Error("connection reset");
  const conn = scripted([enc("ab"), reset]);
  await assert.rejects(new Response(readableOf(conn)).text(), (e) => e === reset);
});

Deno.test("writableOf() writes each chunk whole, and closing it half-closes the connection", async () => {
  const conn = scripted([]);
  const writer = writableOf(conn).getWriter();
  await writer.write(enc("GET "));
  await writer.write(enc("/"));
  await writer.close();
  assert.deepEqual(conn.log, ["write GET ", "write /", "closeWrite"]);
});
