// The playground in a real browser: headless Chromium (playwright-core) loads
// the page from socklab's own HTTP server, clicks presets and checks what the
// SVG ladder drew. Screenshots land in /tmp for a human to look at.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serve } from "../deno/http/mod.ts";
import type { InetAddr } from "../deno/net/types.ts";
import { playgroundHandler } from "../deno/playground/mod.ts";
import { missingCommand, requires } from "../deno/_testing.ts";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

Deno.test(requires(missingCommand("chromium"), {
  name: "the playground page runs a preset and draws the ladder with every state",
  // playwright keeps its pipe to the browser and timers of its own until close.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = serve(
      { port: 0, hostname: "127.0.0.1" },
      async (req) => (await playgroundHandler(req)) ?? new Response("not here", { status: 404 }),
    );
    const base = `http://127.0.0.1:${(server.addr as InetAddr).port}`;
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${base}/playground`);

      await page.getByRole("button", { name: "handshake + teardown" }).click();
      await page.waitForSelector("#ladder svg .seg");
      const labels = await page.$$eval(
        "#ladder svg .seg text",
        (ts) => ts.map((t) => t.textContent),
      );
      assert.ok(labels.some((l) => /^SYN seq=0/.test(l!)), labels.join("\n"));
      assert.ok(labels.some((l) => /^SYN,ACK seq=0 ack=1/.test(l!)), labels.join("\n"));
      assert.ok(labels.some((l) => /^FIN,ACK /.test(l!)), labels.join("\n"));
      const states = await page.$$eval(
        "#ladder svg text.state",
        (ts) => ts.map((t) => t.textContent),
      );
      for (const s of ["SYN-SENT", "LISTEN", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1"]) {
        assert.ok(states.includes(s), `${s} missing from ${states}`);
      }
      for (const s of ["CLOSE-WAIT", "LAST-ACK", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"]) {
        assert.ok(states.includes(s), `${s} missing from ${states}`);
      }
      assert.match(await page.textContent("#summary") ?? "", /SHA-256 match/);
      assert.equal(
        await page.getAttribute("#pcap-link", "href"),
        "/playground/run.pcap?bytes=0",
      );
      // Hovering a segment shows its full trace event.
      await page.hover("#ladder svg .seg >> nth=1");
      assert.match(await page.textContent("#detail") ?? "", /"flags": "SYN,ACK"/);
      await page.screenshot({ path: "/tmp/socklab-playground-handshake.png", fullPage: true });

      // Simultaneous close after a simultaneous open: the one state left, CLOSING.
      await page.getByRole("button", { name: "TIME-WAIT" }).click();
      await page.locator("#ladder svg text.state", { hasText: /^CLOSING$/ }).first().waitFor();
      await page.screenshot({ path: "/tmp/socklab-playground-timewait.png", fullPage: true });

      // Simultaneous open: both ends go through SYN-SENT and SYN-RECEIVED.
      await page.getByRole("button", { name: "simultaneous open" }).click();
      await page.locator("#command", {
        hasText: /^socklab sim --bytes 0 --simultaneous-open --seed 1$/,
      }).waitFor();
      const opened = await page.$$eval(
        "#ladder svg text.state",
        (ts) => ts.map((t) => t.textContent),
      );
      assert.equal(opened.filter((s) => s === "SYN-SENT").length, 2, opened.join(" "));
      assert.equal(opened.filter((s) => s === "SYN-RECEIVED").length, 2, opened.join(" "));

      // A zero-window stall: the sender probes on its persist timer.
      await page.getByRole("button", { name: "zero-window stall" }).click();
      await page.locator("#ladder svg text", { hasText: "persist timer fired" }).first().waitFor();
      assert.ok(await page.locator("#ladder svg .seg text", { hasText: "win=0" }).count() > 0);

      // A lossy run: lost segments end with a cross, retransmissions are marked.
      await page.getByRole("button", { name: /lossy transfer/ }).click();
      await page.waitForSelector("#ladder svg .seg.lost .cross");
      assert.ok(await page.locator("#ladder svg .seg.rtx").count() > 0);
      assert.ok(await page.locator("#charts svg path.flight").count() > 0);
      await page.screenshot({ path: "/tmp/socklab-playground-lossy.png", fullPage: true });

      // A bad field: the server's 400 names it and the page marks the input.
      await page.fill("input[name=loss]", "lots");
      await page.click("#run-button");
      await page.waitForSelector("#error:not([hidden])");
      assert.match(await page.textContent("#error") ?? "", /^loss: expected a percentage/);
      assert.equal(await page.getAttribute("input[name=loss]", "aria-invalid"), "true");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
}));
