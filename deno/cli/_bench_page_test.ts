import assert from "node:assert/strict";
import { benchPageHandler } from "./_bench_page.ts";

const get = (path: string, method = "GET") =>
  benchPageHandler(new Request(`http://bench.test${path}`, { method }));

Deno.test("benchPageHandler() serves the page, its script, the shared benchmark code and the built core", async () => {
  const cases: [string, RegExp, RegExp][] = [
    ["/bench", /^text\/html/, /Checksum benchmark, in your browser/],
    ["/bench/app.js", /^text\/javascript/, /"\/bench\/lib\/_measure\.js"/],
    ["/bench/lib/_measure.js", /^text\/javascript/, /export async function measureAll/],
    ["/bench/lib/_plain_js.js", /^text\/javascript/, /export function inetChecksumJs/],
    ["/bench/core/instantiate.js", /^text\/javascript/, /export async function instantiate/],
    ["/bench/core/socklab.simd.wasm", /^application\/wasm$/, /^\0asm/],
  ];
  for (const [path, type, body] of cases) {
    const res = (await get(path))!;
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get("content-type")!, type, path);
    assert.match(await res.text(), body, path);
  }
});

Deno.test("benchPageHandler() answers null elsewhere, 404 for other files, 405 for POST", async () => {
  // The URL resolves dot segments first: this one is /deno.json, not the page's.
  for (
    const path of ["/", "/benchmark", "/playground", "/files/bench", "/bench/core/../../deno.json"]
  ) {
    assert.equal(await get(path), null, path);
  }
  for (
    const path of ["/bench/core/%2E%2E%2Fdeno.json", "/bench/core/x.wasm", "/bench/lib/checksum.ts"]
  ) {
    const res = (await get(path))!;
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
  const post = (await get("/bench", "POST"))!;
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
  const head = (await get("/bench/app.js", "HEAD"))!;
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
});
