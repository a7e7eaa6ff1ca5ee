import assert from "node:assert/strict";
import { staticBody } from "./_static_body.ts";

Deno.test("staticBody() reads a string body Deno still holds, and nothing else", async () => {
  assert.equal(staticBody(new Response("hello")), "hello");
  // With an init dictionary Deno may or may not keep the string aside; either answer is fine.
  assert.ok([undefined, "héllo"].includes(staticBody(new Response("héllo", { status: 201 }))));
  assert.equal(staticBody(new Response(new ReadableStream())), undefined);
  assert.equal(staticBody(new Response(null)), undefined);
  const touched = new Response("hello");
  void touched.body; // now a stream: the slot is gone
  assert.equal(staticBody(touched), undefined);
  const read = new Response("hello");
  await read.text();
  assert.equal(staticBody(read), undefined);
});
