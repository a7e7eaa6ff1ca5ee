import assert from "node:assert/strict";
import { contentType, parseRange, safeSegments, serveDir } from "./static.ts";
import { exchange, withServer } from "./_testing.ts";

/** A root folder with a few files, a subfolder, and a secret next to it. */
async function fixture(): Promise<{ base: string; root: string }> {
  const base = await Deno.makeTempDir({ prefix: "socklab-static-" });
  const root = `${base}/root`;
  await Deno.mkdir(`${root}/sub`, { recursive: true });
  await Deno.writeTextFile(`${root}/hello.txt`, "0123456789");
  await Deno.writeTextFile(`${root}/page.html`, "<p>hi</p>");
  await Deno.writeTextFile(`${root}/sub/a <b>.txt`, "a");
  await Deno.writeTextFile(`${root}/.env`, "TOKEN=SECRET");
  await Deno.writeTextFile(`${base}/secret.txt`, "SECRET");
  await Deno.symlink(`${base}/secret.txt`, `${root}/escape.txt`);
  await Deno.symlink(base, `${root}/up`);
  return { base, root };
}

async function withStatic(fn: (port: number, root: string) => Promise<void>) {
  const { base, root } = await fixture();
  try {
    await withServer({}, (req) => serveDir(req, { root }), (port) => fn(port, root));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const get = (port: number, target: string, headers = "") =>
  exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`);
const statusOf = (answer: string) => Number(answer.slice(9, 12));

Deno.test("serveDir() cannot be led outside its root", async () => {
  await withStatic(async (port) => {
    const attempts = [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/sub/..%5c..%5csecret.txt",
      "/hello.txt%00.html",
      "/escape.txt",
      "/up/secret.txt",
      "/%ff",
      "/.env",
      "/%2eenv",
    ];
    for (const target of attempts) {
      const answer = await get(port, target);
      assert.doesNotMatch(answer, /SECRET/, target);
      assert.ok([400, 404].includes(statusOf(answer)), `${target}: ${answer.slice(0, 40)}`);
    }
  });
});

Deno.test("serveDir() serves files with type, validators and length", async () => {
  await withStatic(async (port) => {
    const answer = await get(port, "/page.html");
    assert.equal(statusOf(answer), 200);
    assert.match(answer, /content-type: text\/html; charset=utf-8/);
    assert.match(answer, /etag: "9-[0-9a-f]+"/);
    assert.match(answer, /last-modified: \w{3}, /);
    assert.match(answer, /content-length: 9\r\n[^]*<p>hi<\/p>$/);
  });
});

Deno.test("serveDir() answers conditional requests with 304 and 412", async () => {
  await withStatic(async (port) => {
    const first = await get(port, "/hello.txt");
    const etag = /etag: ("[^"]+")/.exec(first)![1];
    const modified = /last-modified: ([^\r]+)/.exec(first)![1];
    assert.equal(statusOf(await get(port, "/hello.txt", `If-None-Match: "x", ${etag}\r\n`)), 304);
    assert.equal(statusOf(await get(port, "/hello.txt", `If-None-Match: W/${etag}\r\n`)), 304);
    assert.equal(
      statusOf(await get(port, "/hello.txt", `If-Modified-Since: ${modified}\r\n`)),
      304,
    );
    assert.equal(
      statusOf(
        await get(port, "/hello.txt", `If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n`),
      ),
      200,
    );
    assert.equal(statusOf(await get(port, "/hello.txt", `If-Match: "other"\r\n`)), 412);
    assert.equal(statusOf(await get(port, "/hello.txt", `If-Match: ${etag}\r\n`)), 200);
  });
});

Deno.test("serveDir() serves byte ranges, honouring If-Range", async () => {
  await withStatic(async (port) => {
    const part = await get(port, "/hello.txt", "Range: bytes=2-4\r\n");
    assert.equal(statusOf(part), 206);
    assert.match(part, /content-range: bytes 2-4\/10[^]*\r\n\r\n234$/);
    assert.match(await get(port, "/hello.txt", "Range: bytes=-3\r\n"), /\r\n\r\n789$/);
    assert.match(await get(port, "/hello.txt", "Range: bytes=7-\r\n"), /\r\n\r\n789$/);
    const beyond = await get(port, "/hello.txt", "Range: bytes=10-\r\n");
    assert.equal(statusOf(beyond), 416);
    assert.match(beyond, /content-range: bytes \*\/10/);
    const stale = await get(port, "/hello.txt", `Range: bytes=0-0\r\nIf-Range: "old"\r\n`);
    assert.equal(statusOf(stale), 200);
  });
});

Deno.test("serveDir() lists folders, redirects to the slash, refuses other methods", async () => {
  await withStatic(async (port) => {
    const redirect = await get(port, "/sub");
    assert.equal(statusOf(redirect), 301);
    assert.match(redirect, /location: \/sub\//);
    assert.doesNotMatch(await get(port, "/"), /\.env/);
    const list = await get(port, "/sub/");
    assert.match(list, /<a href="a%20%3Cb%3E.txt">a &#60;b&#62;.txt<\/a>/);
    const post = await exchange(
      port,
      "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert.equal(statusOf(post), 405);
    assert.match(post, /allow: GET, HEAD/);
  });
});

Deno.test("serveDir() with urlRoot serves the folder under that path only", async () => {
  const { base, root } = await fixture();
  try {
    await withServer({}, (req) => serveDir(req, { root, urlRoot: "/files/" }), async (port) => {
      const file = await get(port, "/files/hello.txt");
      assert.equal(statusOf(file), 200);
      assert.match(file, /\r\n\r\n0123456789$/);
      assert.equal(statusOf(await get(port, "/hello.txt")), 404);
      assert.equal(statusOf(await get(port, "/filesx/hello.txt")), 404);
      // The prefix itself is a folder: redirected to its slash, then listed without "../".
      assert.match(await get(port, "/files"), /^HTTP\/1.1 301[^]*location: \/files\/\r\n/);
      const top = await get(port, "/files/");
      assert.match(top, /<a href="hello.txt">/);
      assert.doesNotMatch(top, /href="\.\.\/"/);
      assert.match(await get(port, "/files/sub/"), /<a href="\.\.\/">/);
      assert.match(await get(port, "/files/sub"), /location: \/files\/sub\/\r\n/);
      // The URL parser folds the first two to /secret.txt, outside the prefix; the
      // encoded ones reach serveDir's own segment check; the link is caught by realPath.
      const attempts: [string, number][] = [
        ["/files/../secret.txt", 404],
        ["/files/%2e%2e/secret.txt", 404],
        ["/files/..%2fsecret.txt", 400],
        ["/files/%2e%2e%2fsecret.txt", 400],
        ["/files/sub/..%5c..%5csecret.txt", 400],
        ["/files/%zz/secret.txt", 400],
        ["/files/up/secret.txt", 404],
      ];
      for (const [target, status] of attempts) {
        const answer = await get(port, target);
        assert.equal(statusOf(answer), status, `${target}: ${answer.slice(0, 40)}`);
        assert.doesNotMatch(answer, /SECRET/, target);
      }
    });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveDir() with urlRoot compares the prefix decoded, as the rest of the path", async () => {
  const { base, root } = await fixture();
  try {
    const handler = (req: Request) => serveDir(req, { root, urlRoot: "caf%C3%A9/fil%65s" });
    await withServer({}, handler, async (port) => {
      for (const target of ["/caf%C3%A9/files/hello.txt", "/caf%c3%a9/fil%65s/hello.txt"]) {
        assert.match(await get(port, target), /^HTTP\/1.1 200[^]*\r\n\r\n0123456789$/, target);
      }
      assert.equal(statusOf(await get(port, "/cafe/files/hello.txt")), 404);
      assert.equal(statusOf(await get(port, "/caf%C3%A9/hello.txt")), 404);
      // Outside the prefix nothing is served here, whatever the method: 404, not 405.
      const post = "POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
      assert.equal(statusOf(await exchange(port, post)), 404);
      // The redirect keeps the path as sent; the listing's links are relative to it.
      assert.match(
        await get(port, "/caf%c3%a9/fil%65s/sub?q=1"),
        /^HTTP\/1.1 301[^]*location: \/caf%c3%a9\/fil%65s\/sub\/\?q=1\r\n/,
      );
      const top = await get(port, "/caf%c3%a9/fil%65s/");
      assert.equal(statusOf(top), 200);
      assert.match(top, /<title>Index of \/caf\xc3\xa9\/files\/<\/title>/);
      assert.match(top, /<a href="sub\/">sub\/<\/a>/);
      assert.doesNotMatch(top, /href="\.\.\/"/);
      const sub = await get(port, "/caf%C3%A9/files/sub/");
      assert.match(sub, /<a href="\.\.\/">/);
      assert.match(sub, /<a href="a%20%3Cb%3E.txt">/);
      // A malformed escape anywhere in the path is refused before any prefix or listing.
      assert.equal(statusOf(await get(port, "/caf%C3%A9/files/%zz/")), 400);
      assert.equal(statusOf(await get(port, "/caf%C3/files/")), 400);
    });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serveDir() refuses a urlRoot that is not a plain URL path", async () => {
  const request = new Request("http://x/files/a");
  const refused: [unknown, RegExp][] = [
    ["../up", /segment "\.\." is a dot segment/],
    ["a/./b", /segment "\." is a dot segment/],
    ["%2e%2e", /segment "%2e%2e" is a dot segment/],
    ["files/%2E", /segment "%2E" is a dot segment/],
    ["a%zz", /segment "a%zz" has a malformed percent-escape/],
    ["%C3", /segment "%C3" has a malformed percent-escape/],
    ["a%2fb", /segment "a%2fb" decodes to hold a \/, \\ or NUL/],
    ["a%5Cb", /decodes to hold/],
    ["a%00", /decodes to hold/],
    ["with space", /segment "with space" holds a character that must be percent-encoded/],
    ["a\\b", /must be percent-encoded/],
    [7, /urlRoot must be a string/],
  ];
  for (const [urlRoot, message] of refused) {
    await assert.rejects(
      () => serveDir(request, { root: ".", urlRoot: urlRoot as string }),
      (e: Error) => e instanceof TypeError && message.test(e.message),
      String(urlRoot),
    );
  }
});

Deno.test("safeSegments(), parseRange() and contentType() decide the small things", () => {
  assert.deepEqual(safeSegments("/a/b%20c/"), ["a", "b c"]);
  assert.equal(safeSegments("/a/%2e"), null);
  assert.equal(safeSegments("/a%2fb"), null);
  assert.deepEqual(parseRange("bytes=0-99", 50), [0, 49]);
  assert.equal(parseRange("bytes=0-1,3-4", 50), null);
  assert.equal(parseRange("bytes=-0", 50), "unsatisfiable");
  assert.equal(contentType("x.WASM"), "application/wasm");
  assert.equal(contentType("Makefile"), "application/octet-stream");
});
