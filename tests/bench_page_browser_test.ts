// The checksum benchmark page of `socklab serve` in a real browser: headless
// Chromium loads /bench from socklab's own HTTP server, runs the core's
// builds beside the plain-JavaScript baselines (short rounds, for CI) and
// shows every table with its ratios. Only the shape of the results is
// checked: timings are the browser's, on a shared machine.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serve } from "../deno/http/mod.ts";
import type { InetAddr } from "../deno/net/types.ts";
import { benchPageHandler } from "../deno/cli/_bench_page.ts";
import { missingCommand, requires } from "../deno/_testing.ts";

interface BenchResult {
  error?: string;
  engines: string[];
  tables: { title: string; rows: { name: string; values: number[]; ratio: boolean }[] }[];
}

Deno.test(requires(missingCommand("chromium"), {
  name:
    "the /bench page measures the core beside plain JavaScript in Chromium and shows the ratios",
  // playwright keeps its pipe to the browser and timers of its own until close.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = serve(
      { port: 0, hostname: "127.0.0.1" },
      async (req) => (await benchPageHandler(req)) ?? new Response("not here", { status: 404 }),
    );
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
      const base = `http://127.0.0.1:${(server.addr as InetAddr).port}`;
      await page.goto(`${base}/bench?run&budget=2&rounds=1`);
      await page.waitForFunction(() => "benchResult" in globalThis, null, { timeout: 60_000 });
      const result = await page.evaluate(() =>
        (globalThis as unknown as { benchResult: BenchResult }).benchResult
      );
      assert.deepEqual(errors, []);
      assert.equal(result.error, undefined);
      assert.deepEqual(result.engines, ["simd", "scalar"]);
      assert.deepEqual(result.tables.map((t) => t.title), [
        "Internet checksum (RFC 1071)",
        "CRC-32 (IEEE)",
        "CRC-32C (Castagnoli)",
      ]);
      for (const t of result.tables) {
        assert.deepEqual(t.rows.map((r) => r.name), [
          "socklab simd",
          "socklab simd, in core memory",
          "socklab scalar",
          "socklab scalar, in core memory",
          "plain JavaScript",
          "ratio socklab simd / plain JavaScript",
          "ratio socklab scalar / plain JavaScript",
        ]);
        for (const r of t.rows) {
          assert.equal(r.values.length, 4);
          assert.ok(r.values.every((v) => Number.isFinite(v) && v > 0), `${t.title}: ${r.name}`);
        }
      }
      // What a visitor sees: three tables, each with its two ratio rows.
      assert.equal(await page.locator("table").count(), 3);
      assert.equal(await page.locator("tr.ratio").count(), 6);
      assert.match(await page.textContent("#status") ?? "", /^Done/);
      await page.screenshot({ path: "/tmp/socklab-bench-page.png", fullPage: true });
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
}));
