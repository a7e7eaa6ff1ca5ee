import assert from "node:assert/strict";
import { MAX_EVENTS, playgroundHandler } from "./mod.ts";
import { BUDGET_SPENT, DEFAULT_SETTINGS, type RunReport, simulate } from "./run.ts";
import { STACK_DROP } from "../tcp/stack.ts";
import { readCapture } from "../pcap/reader.ts";
import { analyze } from "../pcap/analyze.ts";

const get = (path: string, init?: RequestInit) =>
  playgroundHandler(new Request(`http://play.test${path}`, init));

async function run(query: string): Promise<RunReport> {
  const res = await get(`/playground/run?${query}`);
  assert.ok(res);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get("content-type")!, /^application\/json/);
  return await res.json();
}

async function badField(query: string): Promise<{ error: string; field: string }> {
  const res = await get(`/playground/run?${query}`);
  assert.ok(res);
  assert.equal(res.status, 400);
  return await res.json();
}

Deno.test("playgroundHandler() returns null for paths outside /playground", async () => {
  for (const path of ["/", "/echo", "/playgrounds", "/files/playground", "/play"]) {
    assert.equal(await get(path), null, path);
  }
});

Deno.test("playgroundHandler() serves the page, its icon and the bundle `npm run build` makes", async () => {
  for (
    const [path, type] of [
      ["/playground", "text/html"],
      ["/playground/", "text/html"],
      ["/playground/style.css", "text/css"],
      ["/playground/favicon.svg", "image/svg+xml"],
      ["/playground/dist/app.js", "text/javascript"],
      ["/playground/dist/worker.js", "text/javascript"],
      ["/playground/dist/app.js.map", "application/json"],
      ["/playground/dist/socklab.simd.wasm", "application/wasm"],
      ["/playground/dist/socklab.scalar.wasm", "application/wasm"],
    ]
  ) {
    const res = (await get(path))!;
    assert.equal(res.status, 200, path);
    assert.ok(res.headers.get("content-type")!.startsWith(type), path);
    const body = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.headers.get("content-length"), String(body.length), path);
    if (type === "text/html") {
      const html = new TextDecoder().decode(body);
      assert.match(html, /<script type="module" src="\/playground\/dist\/app.js">/);
      assert.match(html, /<link rel="icon" href="\/playground\/favicon.svg"/);
    }
    if (type === "application/wasm") assert.ok(WebAssembly.validate(body), path);
  }
  const head = (await get("/playground/dist/app.js", { method: "HEAD" }))!;
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
});

Deno.test("playgroundHandler() serves nothing outside the bundle folder under /playground/dist/", async () => {
  for (
    const path of [
      "/playground/dist/../mod.ts",
      "/playground/dist/%2e%2e/mod.ts",
      "/playground/dist/.hidden.js",
      "/playground/dist/app.ts",
      "/playground/dist/nothing.js",
      "/playground/static/index.html",
      "/playground/mod.ts",
    ]
  ) {
    const res = (await get(path))!;
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("playgroundHandler() answers 404 for unknown playground paths and 405 for POST", async () => {
  const missing = (await get("/playground/nothing"))!;
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /\/playground\/nothing/);
  const post = (await get("/playground/run", { method: "POST", body: "x" }))!;
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("/playground/run runs the real TCP: handshake and teardown with SHA-256s matching", async () => {
  const r = await run("bytes=0");
  assert.equal(r.summary.ok, true);
  assert.equal(r.summary.clientToServerMatch, true);
  assert.equal(r.summary.serverToClientMatch, true);
  assert.equal(r.summary.client.state, "CLOSED");
  assert.equal(r.command, "socklab sim --bytes 0 --seed 1");
  assert.deepEqual(r.ladder.arrows.map((a) => [a.from, a.flags, a.fate]), [
    ["client", "SYN", "delivered"],
    ["server", "SYN,ACK", "delivered"],
    ["client", "FIN,ACK", "delivered"],
    ["server", "FIN,ACK", "delivered"],
    ["client", "ACK", "delivered"],
  ]);
  const client = r.ladder.states.filter((s) => s.side === "client").map((s) => s.to);
  assert.deepEqual(client, [
    "SYN-SENT",
    "ESTABLISHED",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "TIME-WAIT",
    "CLOSED",
  ]);
  // Every arrow arrives one delay (the 10 ms default) after it left.
  for (const a of r.ladder.arrows) assert.equal(a.arriveTime! - a.sendTime, 10);
  assert.equal(r.truncated, false);
  assert.equal(r.events.length, r.eventCount);
});

Deno.test("/playground/run on a lossy link: lost arrows, retransmissions, data intact", async () => {
  const r = await run("bytes=20KB&loss=20&seed=3");
  assert.equal(r.summary.ok, true);
  assert.equal(r.summary.clientToServerMatch, true);
  assert.equal(r.summary.server.bytesReceived, 20_000);
  const lost = r.ladder.arrows.filter((a) => a.fate === "lost");
  assert.equal(lost.length, r.summary.link.lost);
  assert.ok(lost.every((a) => a.arriveTime === null && a.notes.includes("loss")));
  const rtx = r.ladder.arrows.filter((a) => a.retransmission).length;
  assert.equal(rtx, r.summary.client.retransmissions + r.summary.server.retransmissions);
  assert.ok(r.ladder.timers.some((t) => t.timer === "retransmit" && /x2\)/.test(t.text)));
  // Each delivered arrow's arrival is the receiver's "recv" event of that segment.
  for (const a of r.ladder.arrows.filter((a) => a.fate === "delivered")) {
    const arrival = r.events[a.arriveIndex!];
    assert.equal(arrival.kind, "segment");
    assert.equal(arrival.direction, "recv");
    assert.equal(arrival.seq, a.event.seq);
  }
});

Deno.test("/playground/run with duplicates and corruption pairs every arrival with one arrow", async () => {
  const r = await run("bytes=20KB&duplicate=30&corrupt=10&reorder=20");
  assert.equal(r.summary.ok, true);
  const fates = r.ladder.arrows.map((a) => a.fate);
  assert.equal(fates.filter((f) => f === "corrupted").length, r.summary.link.corrupted);
  assert.ok(fates.includes("duplicate"));
  // Every arrival the receivers traced is paired with exactly one arrow: those a
  // connection received, and those that reached a host with no connection (late
  // duplicates after the close, answered with RST).
  const stackDrops: string[] = Object.values(STACK_DROP);
  const arrivals = r.events.filter((e) =>
    (e.kind === "segment" && e.direction === "recv") ||
    (e.kind === "drop" && stackDrops.includes(String(e.reason)))
  );
  const paired = r.ladder.arrows.filter((a) => a.arriveIndex !== null);
  assert.equal(paired.length, arrivals.length);
  assert.equal(new Set(paired.map((a) => a.arriveIndex)).size, arrivals.length);
});

Deno.test("/playground/run charts bytes in flight against the advertised window", async () => {
  const r = await run("bytes=10KB&stall=3s&recv-buffer=4096");
  const points = r.ladder.flight.clientToServer;
  assert.ok(points.length > 2);
  // The stalled receiver closes its window; the sender's flight never exceeds it.
  assert.ok(points.some((p) => p.window === 0));
  assert.ok(points.every((p) => p.inFlight <= 4096 + 1));
  assert.equal(points.at(-1)!.inFlight, 0);
  assert.ok(r.ladder.states.some((s) => s.to === "TIME-WAIT"));
});

Deno.test("/playground/run caps the events it returns and says so", async () => {
  const r = await run("bytes=1MB");
  assert.equal(r.summary.ok, true);
  assert.ok(r.eventCount > MAX_EVENTS);
  assert.equal(r.events.length, MAX_EVENTS);
  assert.equal(r.truncated, true);
  assert.ok(r.ladder.arrows.every((a) => a.sendIndex < MAX_EVENTS));
});

Deno.test("/playground/run answers 400 naming a bad field and why", async () => {
  const cases: [string, string, RegExp][] = [
    ["loss=lots", "loss", /expected a percentage/],
    ["loss=100", "loss", /never deliver/],
    ["reorder=101", "reorder", /out of range/],
    ["bytes=2MB", "bytes", /more than the limit of 1000000/],
    ["delay=soon", "delay", /expected a duration/],
    ["stall=2m", "stall", /limit of 60s/],
    ["mtu=67", "mtu", /out of range \(68 to 65535\)/],
    ["recv-buffer=0", "recv-buffer", /at least 1 byte/],
    ["close=never", "close", /client-first, server-first, simultaneous/],
    ["simultaneous-open=maybe", "simultaneous-open", /on or off/],
    ["seed=-1", "seed", /out of range/],
    ["bogus=1", "bogus", /unknown field; the fields are bytes, reply-bytes/],
    ["seed=1&seed=2", "seed", /given twice/],
    ["bytes=1MB&recv-buffer=10", "bytes", /100000 segments, more than the playground's limit/],
    ["bytes=1KB&reply-bytes=1MB&mtu=68", "reply-bytes", /segments of at most 28 bytes/],
  ];
  for (const [query, field, why] of cases) {
    const body = await badField(query);
    assert.equal(body.field, field, query);
    assert.match(body.error, why, query);
    assert.ok(body.error.startsWith(`${field}: `), body.error);
  }
});

Deno.test("/playground/run.pcap is a capture of the same run that the pcap reader parses", async () => {
  const res = (await get("/playground/run.pcap?bytes=3000&loss=10&seed=2"))!;
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/vnd.tcpdump.pcap");
  assert.match(res.headers.get("content-disposition")!, /attachment; filename=".*seed2\.pcap"/);
  const capture = readCapture(new Uint8Array(await res.arrayBuffer()));
  const r = await run("bytes=3000&loss=10&seed=2");
  // One record per packet put on the link, lost ones included.
  assert.equal(capture.packets.length, r.summary.link.sent);
  assert.equal(
    capture.packets.length,
    r.ladder.arrows.filter((a) => a.fate !== "duplicate").length,
  );
  const conns = analyze(capture).connections;
  assert.equal(conns.length, 1);
});

Deno.test("/playground/run.pcap checks its fields too", async () => {
  const res = (await get("/playground/run.pcap?jitter=x"))!;
  assert.equal(res.status, 400);
  assert.equal((await res.json()).field, "jitter");
});

Deno.test("simulate() stops the links after its packet budget and says so", () => {
  const { result, events, budgetSpent } = simulate({ ...DEFAULT_SETTINGS, bytes: 20_000 }, 12);
  assert.equal(budgetSpent, true);
  assert.equal(result.ok, false);
  const sent = events.filter((e) => e.kind === "link" && e.action === "send");
  const spent = events.filter((e) => e.kind === "drop" && e.reason === BUDGET_SPENT);
  assert.equal(sent.length - spent.length, 12);
  assert.ok(result.server.bytesReceived < 20_000);
  const unbounded = simulate({ ...DEFAULT_SETTINGS, bytes: 20_000 });
  assert.equal(unbounded.budgetSpent, false);
  assert.equal(unbounded.result.ok, true);
});

Deno.test("/playground/run gives the same answer for the same query, and another for another seed", async () => {
  const query = "bytes=8KB&loss=15&reorder=10&jitter=3ms";
  const first = await run(`${query}&seed=11`);
  assert.deepEqual(await run(`${query}&seed=11`), first);
  const other = await run(`${query}&seed=12`);
  assert.notDeepEqual(
    other.ladder.arrows.map((a) => a.fate),
    first.ladder.arrows.map((a) => a.fate),
  );
});
