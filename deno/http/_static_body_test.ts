import assert from "node:assert/strict";
import { staticBody, staticContentType } from "./_static_body.ts";

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

Deno.test("staticContentType() reads the lone Content-Type of a plain 200, and nothing else", () => {
  // On the Deno this project pins, the probe finds the note (elsewhere it may not, and the
  // server reads the headers instead).
  assert.equal(staticContentType(new Response("hello")), "text/plain;charset=UTF-8");
  const json = new Response("{}", { headers: { "content-type": "application/json" } });
  assert.equal(staticContentType(json), "application/json");
  assert.equal(staticContentType(new Response("x", { status: 201 })), undefined);
  assert.equal(staticContentType(new Response("x", { headers: { "x-a": "1" } })), undefined);
  const touched = new Response("hello");
  touched.headers.set("x-late", "1"); // asking for the headers clears the note
  assert.equal(staticContentType(touched), undefined);
});
