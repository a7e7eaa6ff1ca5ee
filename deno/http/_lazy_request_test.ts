import assert from "node:assert/strict";
import { lazyRequest } from "./_lazy_request.ts";

Deno.test("lazyRequest() answers method, url and headers without building the Request", () => {
  let built = 0;
  const req = lazyRequest({
    method: "GET",
    url: "http://h/a/../b",
    headers: () => (built++, new Headers({ x: "1" })),
    body: null,
  });
  assert.ok(req instanceof Request);
  assert.equal(req.method, "GET");
  assert.equal(req.url, "http://h/a/../b");
  assert.equal(built, 0);
  assert.equal(req.headers.get("x"), "1");
  assert.equal(req.headers.get("x"), "1");
  assert.equal(built, 1);
  assert.equal(req.body, null);
  assert.equal(req.bodyUsed, false);
});

Deno.test("lazyRequest() builds the real Request for bodies, clone() and signal", async () => {
  const req = lazyRequest({
    method: "POST",
    url: "http://h/p",
    headers: new Headers({ "content-type": "text/plain" }),
    body: new Response("payload").body,
  });
  const copy = req.clone();
  assert.equal(Object.getPrototypeOf(copy), Request.prototype);
  const forwarded = new Request("http://upstream/p", req.clone());
  assert.equal(forwarded.method, "POST");
  assert.equal(await forwarded.text(), "payload");
  assert.equal(await req.text(), "payload");
  assert.equal(req.bodyUsed, true);
  assert.equal(await copy.text(), "payload");
  assert.equal(req.signal.aborted, false);
  assert.throws(() => new Request(req), TypeError);
});
