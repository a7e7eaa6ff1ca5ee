/// <reference lib="dom" />
// The playground in a real browser: headless Chromium (playwright-core)
// loads the page from socklab's own HTTP server. The simulation runs in the
// page's Web Worker, so no step may ask the server's /playground/run. The
// screenshots are kept in a folder this test prints, for a human to look at.
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { serve } from "../deno/http/mod.ts";
import type { InetAddr } from "../deno/net/types.ts";
import { playgroundHandler, PRESETS } from "../deno/playground/mod.ts";
import { Session } from "../deno/playground/session.ts";
import { missingCommand, requires, tsharkFields } from "../deno/_testing.ts";
import { type CcPoint, cwndShape } from "./playground_cwnd_shape.ts";

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

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** What a page did that it should not: console errors, failed requests, runs on the server. */
interface Watch {
  readonly problems: string[];
  readonly serverRuns: string[];
}

async function open(browser: Browser, url: string, viewport = DESKTOP): Promise<[Page, Watch]> {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  const watch: Watch = { problems: [], serverRuns: [] };
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") {
      watch.problems.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => watch.problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // The page closing its own event stream when it is done is not a failure.
    if (r.failure()?.errorText !== "net::ERR_ABORTED") {
      watch.problems.push(`request failed: ${r.url()}: ${r.failure()?.errorText}`);
    }
  });
  page.on("response", (r) => {
    if (r.status() >= 400) watch.problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/playground/run")) watch.serverRuns.push(r.url());
  });
  await page.goto(url);
  await page.waitForSelector("body[data-ready]");
  return [page, watch];
}

/** Clicks a preset and waits for its run to be shown. */
async function preset(page: Page, id: string): Promise<void> {
  const before = await page.getAttribute("body", "data-run");
  await page.click(`[data-preset="${id}"]`);
  await page.waitForFunction(
    (b) => document.body.dataset.run !== undefined && document.body.dataset.run !== b,
    before,
    { timeout: 60_000 },
  );
}

/** The states the diagram rings for each end. */
async function ringed(page: Page): Promise<[string, string]> {
  return await page.$eval("#fsm svg", (svg) => {
    const client = svg.querySelector(".node.at-client")?.getAttribute("data-state") ?? "";
    const server = svg.querySelector(".node.at-server")?.getAttribute("data-state") ?? "";
    return [client, server] as [string, string];
  });
}

/** Pairs of ladder labels whose boxes overlap. */
async function overlappingLabels(page: Page): Promise<string[]> {
  return await page.$$eval("#ladder svg text", (texts) => {
    const boxes = texts.map((t) => ({ text: t.textContent ?? "", box: t.getBoundingClientRect() }))
      .filter((b) => b.box.width > 0);
    const out: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].box, b = boxes[j].box;
        const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (dx > 1 && dy > 1) out.push(`"${boxes[i].text}" / "${boxes[j].text}"`);
      }
    }
    return out;
  });
}

async function jsonLines(page: Page): Promise<Record<string, unknown>[]> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("#download-json"),
  ]);
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await download.saveAs(file);
    const text = await Deno.readTextFile(file);
    return text.trim().split("\n").map((line) => JSON.parse(line));
  } finally {
    await Deno.remove(file);
  }
}

Deno.test(requires(missingCommand("chromium"), {
  name: "the playground runs in the browser: presets, replay, sharing, downloads, plots, layout",
  // playwright keeps its pipe to the browser and timers of its own until close.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = serve(
      { port: 0, hostname: "127.0.0.1" },
      async (req) => (await playgroundHandler(req)) ?? new Response("not here", { status: 404 }),
    );
    const base = `http://127.0.0.1:${(server.addr as InetAddr).port}`;
    const shots = await Deno.makeTempDir({ prefix: "socklab-playground-screenshots-" });
    console.log(`playground screenshots: ${shots}`);
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    try {
      await t.step(
        "the page loads in under a second and builds its form from the settings table",
        async () => {
          // A browser already running (the first page of a new one also starts its processes).
          const [first] = await open(browser, `${base}/playground`);
          await first.close();
          const [page, watch] = await open(browser, `${base}/playground`);
          // From navigation to a page whose worker takes runs.
          const ready = Number(await page.getAttribute("body", "data-ready"));
          assert.ok(ready > 0 && ready < 1000, `ready ${ready} ms after navigation`);
          const load = await page.evaluate(() =>
            (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming)
              .loadEventEnd
          );
          assert.ok(load < 1000, `load event after ${load} ms`);
          for (const name of ["bytes", "loss", "rate", "cc", "recovery", "sack", "seed"]) {
            assert.equal(await page.locator(`#fields [name="${name}"]`).count(), 1, name);
          }
          assert.deepEqual(watch.problems, []);
          await page.close();
        },
      );

      await t.step(
        "each preset runs in the page's worker, with no request to /playground/run",
        async () => {
          const [page, watch] = await open(browser, `${base}/playground`);
          for (const p of PRESETS) {
            await preset(page, p.id);
            assert.match(await page.textContent("#summary") ?? "", /Run: OK/, p.id);
            assert.match(await page.textContent("#explanation") ?? "", new RegExp(p.title, "i"));
            await page.keyboard.press("End");
            assert.deepEqual(await ringed(page), ["CLOSED", "CLOSED"], p.id);
            if (p.id === "flows") {
              // Each flow's share, and each flow's window plotted.
              assert.equal(await page.locator("#summary .flows-table tbody tr").count(), 3);
              assert.equal(await page.locator(".plot path.step[class*=flow-]").count(), 3);
            }
            await page.keyboard.press("Home");
            for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
            await page.locator("#ladder svg .seg").first().waitFor();
          }
          assert.deepEqual(watch.serverRuns, []);
          assert.deepEqual(watch.problems, []);
          await page.close();
        },
      );

      await t.step(
        "the handshake steps through SYN, SYN-ACK, ACK and each end's states in order, one transition at a time",
        async () => {
          const [page, watch] = await open(browser, `${base}/playground`);
          await preset(page, "handshake");
          // It plays by itself; Space pauses, and a paused replay stays where it is.
          await page.locator("#stage").focus();
          await page.keyboard.press("Space");
          await page.waitForFunction(() =>
            document.getElementById("play")?.getAttribute("aria-label")?.startsWith("Play")
          );
          const paused = await page.textContent("#position");
          await page.waitForTimeout(600);
          assert.equal(await page.textContent("#position"), paused);

          await page.keyboard.press("Home");
          assert.deepEqual(await ringed(page), ["CLOSED", "CLOSED"]);
          const said: string[] = [];
          const clientStates = ["CLOSED"], serverStates = ["CLOSED"];
          for (let i = 0; i < 40; i++) {
            const [c0, s0] = await ringed(page);
            await page.keyboard.press("ArrowRight");
            said.push(await page.textContent("#announce") ?? "");
            const [c1, s1] = await ringed(page);
            // One step moves at most one end, by one transition.
            assert.ok(c0 === c1 || s0 === s1, `${c0}/${s0} -> ${c1}/${s1}`);
            if (c1 !== c0) clientStates.push(c1);
            if (s1 !== s0) serverStates.push(s1);
          }
          const sends = said.filter((s) => / sends /.test(s)).map((s) =>
            s.replace(/^.*? sends /, "")
          );
          assert.match(sends[0], /^SYN seq=0/);
          assert.match(sends[1], /^SYN,ACK seq=0 ack=1/);
          assert.match(sends[2], /^(FIN,)?ACK seq=1 ack=1/);
          assert.deepEqual(clientStates.slice(0, 3), ["CLOSED", "SYN-SENT", "ESTABLISHED"]);
          assert.deepEqual(serverStates.slice(0, 4), [
            "CLOSED",
            "LISTEN",
            "SYN-RECEIVED",
            "ESTABLISHED",
          ]);
          // Shift+→ jumps to the next state change: exactly one transition.
          await page.keyboard.press("Home");
          const jumps: string[] = [];
          for (let i = 0; i < 4; i++) {
            await page.keyboard.press("Shift+ArrowRight");
            jumps.push((await ringed(page)).join("/"));
          }
          assert.deepEqual(jumps, [
            "SYN-SENT/CLOSED",
            "SYN-SENT/LISTEN",
            "SYN-SENT/SYN-RECEIVED",
            "ESTABLISHED/SYN-RECEIVED",
          ]);
          // The transition just taken is marked with its cause.
          assert.match(await page.textContent("#fsm .mark.client") ?? "", /^client: /);
          assert.deepEqual(watch.problems, []);
          await page.close();
        },
      );

      await t.step("a shared URL gives the same trace, byte for byte, as the CLI's", async () => {
        const [page, watch] = await open(browser, `${base}/playground`);
        await preset(page, "rto");
        const url = await page.getAttribute("#share", "href");
        const hash = await page.textContent("#trace-hash");
        assert.match(hash!, /^[0-9a-f]{64}$/);
        const [again, watch2] = await open(browser, url!);
        await again.waitForSelector("#trace-hash");
        assert.equal(await again.textContent("#trace-hash"), hash);
        // The same settings in Deno, with the same TypeScript, hash the same.
        const query = new URL(url!).searchParams.toString();
        assert.equal(Session.run(query).result.traceSha256, hash);
        assert.match(await again.inputValue('#fields [name="loss"]'), /^25%?$/);
        assert.deepEqual([...watch.problems, ...watch2.problems], []);
        assert.deepEqual([...watch.serverRuns, ...watch2.serverRuns], []);
        await again.close();
        await page.close();
      });

      await t.step("the downloaded pcap opens in tshark with every checksum good", async () => {
        const [page, watch] = await open(browser, `${base}/playground`);
        await preset(page, "fast-retransmit");
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.click("#download-pcap"),
        ]);
        assert.match(download.suggestedFilename(), /^socklab-sim-seed5\.pcap$/);
        const file = await Deno.makeTempFile({ suffix: ".pcap" });
        try {
          await download.saveAs(file);
          if (missingCommand("tshark")) return;
          const rows = await tsharkFields(file, ["ip.checksum.status", "tcp.checksum.status"]);
          const sent = await page.textContent("#summary");
          const packets = Number(/link: (\d+) packets/.exec(sent ?? "")?.[1]);
          assert.equal(rows.length, packets);
          assert.ok(rows.every(([ip, tcp]) => ip === "1" && tcp === "1"), JSON.stringify(rows));
        } finally {
          await Deno.remove(file);
        }
        assert.deepEqual(watch.problems, []);
        await page.close();
      });

      await t.step("slow start: the cwnd grows exponentially, then linearly", async () => {
        const [page, watch] = await open(browser, `${base}/playground`);
        await preset(page, "slow-start");
        assert.ok(await page.locator(".plot path.step.cwnd").count() > 0);
        const events = await jsonLines(page);
        const cc = events.filter((e) =>
          e.kind === "cc" && String(e.endpoint).startsWith("10.0.0.1:")
        )
          .map((e) => e as unknown as CcPoint);
        const srtt = events.filter((e) =>
          e.kind === "rtt" && String(e.endpoint).startsWith("10.0.0.1:")
        )
          .map((e) => e.srtt as number).sort((a, b) => a - b);
        const rtt = srtt[srtt.length >> 1];
        const shape = cwndShape(cc, rtt, 1448);
        assert.ok(shape.doublings >= 3, JSON.stringify(shape));
        assert.ok(shape.rttsPerDoubling.every((r) => r <= 2.5), JSON.stringify(shape));
        const ca = shape.avoidance!;
        assert.ok(ca.rtts >= 5, JSON.stringify(shape));
        assert.ok(ca.segmentsPerRtt > 0.5 && ca.segmentsPerRtt < 2, JSON.stringify(shape));
        assert.ok(ca.halvesRatio > 0.5 && ca.halvesRatio < 2, JSON.stringify(shape));
        assert.deepEqual(watch.problems, []);
        await page.close();
      });

      await t.step(
        "labels never overlap, at 1280×800 and on a phone, zoomed in and out",
        async () => {
          for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
            const [page, watch] = await open(browser, `${base}/playground`, viewport);
            for (const id of ["fast-retransmit", "rto", "handshake"]) {
              await preset(page, id);
              await page.keyboard.press("End");
              await page.locator("#ladder .ladder-scroll").evaluate((e) => (e.scrollTop = 0));
              await page.waitForTimeout(100);
              assert.deepEqual(await overlappingLabels(page), [], `${name} ${id}`);
              for (const key of ["-", "-", "-"]) await page.keyboard.press(key);
              await page.waitForTimeout(100);
              assert.deepEqual(await overlappingLabels(page), [], `${name} ${id} zoomed out`);
              for (const key of ["+", "+", "+", "+"]) await page.keyboard.press(key);
              await page.waitForTimeout(100);
              assert.deepEqual(await overlappingLabels(page), [], `${name} ${id} zoomed in`);
              await page.keyboard.press("-");
            }
            // Nothing runs off the side of the screen.
            const overflow = await page.evaluate(() =>
              document.documentElement.scrollWidth - document.documentElement.clientWidth
            );
            assert.ok(overflow <= 0, `${name}: ${overflow} px wider than the screen`);
            await page.keyboard.press("Home");
            for (let i = 0; i < 14; i++) await page.keyboard.press("ArrowRight");
            await page.screenshot({ path: `${shots}/playground-${name}.png`, fullPage: true });
            assert.deepEqual(watch.problems, [], name);
            await page.close();
          }
        },
      );

      await t.step(
        "everything works from the keyboard: a preset, the replay, a burst",
        async () => {
          const [page, watch] = await open(browser, `${base}/playground`);
          await page.locator('[data-preset="sliding-window"]').focus();
          await page.keyboard.press("Enter");
          await page.waitForSelector("#trace-hash");
          await page.locator("#stage").focus();
          await page.keyboard.press("Space"); // pause
          await page.keyboard.press("End");
          const end = await page.textContent("#position");
          await page.keyboard.press("ArrowLeft");
          assert.notEqual(await page.textContent("#position"), end);
          // A collapsed burst is a button: Enter expands it into its rows.
          const lines = await page.locator("#ladder svg .label").count();
          const burst = page.locator("#ladder svg .burst").first();
          if (await burst.count() > 0) {
            await burst.focus();
            await page.keyboard.press("Enter");
            await page.waitForTimeout(100);
            assert.ok(await page.locator("#ladder svg .label").count() > lines);
          }
          assert.deepEqual(watch.problems, []);
          await page.close();
        },
      );

      await t.step("a 100 MB transfer runs in the page, its trace whole", async () => {
        const [page, watch] = await open(browser, `${base}/playground?bytes=100MB&delay=5ms`);
        await page.waitForSelector("#trace-hash", { timeout: 180_000 });
        const summary = await page.textContent("#summary") ?? "";
        assert.match(summary, /Run: OK/);
        assert.match(summary, /client → server: 100 MB, SHA-256 match/);
        // One replay step per send and arrival: about two per packet, none cut.
        const packets = Number(/link: (\d+) packets/.exec(summary)?.[1]);
        const steps = Number(/of (\d+)/.exec(await page.textContent("#position") ?? "")?.[1]);
        assert.ok(packets > 68_000 && steps >= 2 * packets, `${packets} packets, ${steps} steps`);
        await page.keyboard.press("End");
        await page.locator("#position", { hasText: `event ${steps} of ${steps}` }).waitFor();
        assert.deepEqual(watch.problems, []);
        assert.deepEqual(watch.serverRuns, []);
        await page.close();
      });

      await t.step(
        "the kernel view streams a real loopback connection from the server",
        async () => {
          const [page, watch] = await open(browser, `${base}/playground`);
          await page.click("#kernel-button");
          await page.locator("#kernel-status", { hasText: /^done: / }).waitFor({ timeout: 30_000 });
          const cells = await page.$$eval(
            "#kernel-view td",
            (tds) => tds.map((td) => td.textContent),
          );
          assert.ok(cells.includes("TIME-WAIT"), cells.join(" "));
          assert.ok(await page.locator("#kernel-view .plot path.step.cwnd").count() > 0);
          assert.deepEqual(watch.problems, []);
          await page.close();
        },
      );
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
}));
