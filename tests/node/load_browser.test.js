// The built core loads in a real browser (headless Chromium from Debian,
// driven by playwright-core) from a page served on loopback, picks the SIMD
// build, and computes the same answers as in Node.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { missingFile, testRequiring } from "./_requires.js";

const CHROMIUM = "/usr/bin/chromium";
const buildDir = new URL("../../core/build/", import.meta.url);
const PAGE = `<!doctype html><meta charset="utf-8"><title>socklab core</title>
<script type="module">
import { crc32, crc32c, inetChecksum, engine, alloc } from "/socklab.js";
const data = new TextEncoder().encode("123456789");
const big = new Uint8Array(100000).map((_, i) => (i * 31) & 255);
const buf = alloc(big.length);
buf.bytes.set(big);
window.result = {
  engine,
  crc32: crc32(data),
  crc32c: crc32c(data),
  inet: inetChecksum(new Uint8Array([0, 1, 0xf2, 3, 0xf4, 0xf5, 0xf6, 0xf7])),
  bigCrc: crc32(big),
  bigCrcInMemory: crc32(buf.bytes),
};
</script>`;

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm" };
let server;
let origin;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.url === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      return;
    }
    const name = req.url.slice(1);
    if (!/^[\w-]+(\.[\w-]+)*\.(js|wasm)$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    let body;
    try {
      body = await readFile(new URL(name, buildDir));
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[name.slice(name.indexOf("."))] ?? TYPES[".wasm"] })
      .end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

testRequiring(
  missingFile(CHROMIUM, "apt-get install chromium; .ci/run does"),
  "headless Chromium loads the core from a page and computes the known answers",
  async () => {
    const { crc32: zlibCrc32 } = await import("node:zlib");
    const big = new Uint8Array(100000).map((_, i) => (i * 31) & 255);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
      page.on(
        "response",
        (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`),
      );
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => globalThis.result !== undefined, null, { timeout: 20000 })
        .catch((e) => {
          throw new Error(`the page never finished: ${errors.join("; ") || e.message}`);
        });
      const result = await page.evaluate(() => globalThis.result);
      expect(errors).toEqual([]);
      expect(result).toEqual({
        engine: "simd",
        crc32: 0xcbf43926,
        crc32c: 0xe3069283,
        inet: 0x220d,
        bigCrc: zlibCrc32(big),
        bigCrcInMemory: zlibCrc32(big),
      });
    } finally {
      await browser.close();
    }
  },
  60000,
);
