import assert from "node:assert/strict";
import {
  bytes,
  DEFAULT_SETTINGS,
  field,
  FieldError,
  flagHelp,
  flagOptions,
  readFlags,
  readQuery,
  replayArgs,
  SIM_FIELDS,
  type SimSettings,
  toggle,
  transferOptions,
  whole,
} from "./settings.ts";
import { runTransfer } from "./transfer.ts";
import { controllersOf, flowsOptions } from "./settings.ts";
import { Reno } from "../tcp/reno.ts";

/** The settings `socklab sim` would read from the replay command line. */
const replayed = (s: SimSettings) => {
  const args = replayArgs(s);
  const values: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i].slice(2);
    const takesText = flagOptions(SIM_FIELDS)[flag].type === "string";
    values[flag] = takesText ? args[++i] : true;
  }
  return readFlags(SIM_FIELDS, values, "sim");
};

Deno.test("readFlags() and readQuery() read the same text to the same settings", () => {
  const text: Record<string, string> = {
    bytes: "20KB",
    "reply-bytes": "0",
    close: "server-first",
    stall: "2s",
    seed: "7",
    loss: "12.5",
    reorder: "3%",
    duplicate: "0.4",
    corrupt: "7",
    delay: "20ms",
    jitter: "4ms",
    rate: "10Mbit",
    queue: "32KiB",
    mtu: "900",
    msl: "300ms",
    "recv-buffer": "16KiB",
    cc: "reno,cubic",
    recovery: "sack",
    flows: "2",
    duration: "30s",
  };
  const fromFlags = readFlags(SIM_FIELDS, text, "sim");
  const fromQuery = readQuery(SIM_FIELDS, new URLSearchParams(text));
  assert.deepEqual(fromQuery, fromFlags);
  assert.equal(fromFlags.flows, 2);
  assert.equal(fromFlags.loss, 0.125);
  // A toggle is a flag alone on the command line and "on" in a query.
  assert.deepEqual(
    readQuery(SIM_FIELDS, new URLSearchParams("simultaneous-open=on")),
    readFlags(SIM_FIELDS, { "simultaneous-open": true }, "sim"),
  );
  // A toggle on by default is turned off by its flag and by "off" in a query.
  assert.deepEqual(
    readQuery(
      SIM_FIELDS,
      new URLSearchParams("sack=off&timestamps=off&window-scaling=off&pacing=off"),
    ),
    readFlags(
      SIM_FIELDS,
      { "no-sack": true, "no-timestamps": true, "no-window-scaling": true, "no-pacing": true },
      "sim",
    ),
  );
  // Those are all the fields both surfaces have.
  const toggles = [
    "simultaneous-open",
    "no-sack",
    "no-timestamps",
    "no-window-scaling",
    "no-pacing",
  ];
  for (const f of Object.values(SIM_FIELDS)) {
    if (f.flag === undefined || f.query === undefined) continue;
    assert.ok(f.flag in text || toggles.includes(f.flag), f.flag);
  }
});

Deno.test("replayArgs() gives the flags that read back to the same settings, and nothing at the defaults but the seed", () => {
  assert.deepEqual(replayArgs(DEFAULT_SETTINGS), ["--seed", "1"]);
  const cases: SimSettings[] = [
    { ...DEFAULT_SETTINGS, bytes: 0, simultaneousOpen: true, close: "simultaneous" },
    { ...DEFAULT_SETTINGS, loss: 1 / 3, delay: 0.5, jitter: 2000, seed: 2 ** 32 - 1 },
    { ...DEFAULT_SETTINGS, rate: 1_250_000, queue: 3000, mtu: 1400, nagle: false },
    { ...DEFAULT_SETTINGS, maxTime: 90_000, delayedAck: 0, recvBuffer: 2 ** 30, stall: 3000 },
    {
      ...DEFAULT_SETTINGS,
      cc: "reno,cubic",
      recovery: "newreno",
      sack: false,
      timestamps: false,
      windowScaling: false,
      flows: 3,
      duration: 5000,
    },
  ];
  for (const s of cases) {
    const back = replayed(s);
    assert.ok(Math.abs(back.loss - s.loss) <= 5e-9);
    assert.deepEqual({ ...back, loss: s.loss }, s, replayArgs(s).join(" "));
  }
  assert.deepEqual(replayArgs(cases[2]), [
    "--rate",
    "10000000bit",
    "--queue",
    "3000",
    "--mtu",
    "1400",
    "--no-nagle",
    "--seed",
    "1",
  ]);
});

Deno.test("a bad value is a FieldError naming the field as each surface does", () => {
  const flag = (values: Record<string, string>) => () => readFlags(SIM_FIELDS, values, "sim");
  const query = (q: string) => () => readQuery(SIM_FIELDS, new URLSearchParams(q));
  const cases: [() => unknown, string, string][] = [
    [flag({ loss: "150" }), "loss", "sim --loss: 150% is out of range (0 to 100%)"],
    [query("loss=150"), "loss", "loss: 150% is out of range (0 to 100%)"],
    [flag({ loss: "100" }), "loss", "sim --loss: 100% would never deliver anything"],
    [query("loss=100"), "loss", "loss: 100% would never deliver anything"],
    [
      flag({ bytes: "1GB" }),
      "bytes",
      "sim --bytes: 1000000000 bytes is more than the limit of 268435456",
    ],
    [query("bytes=2MB"), "bytes", "bytes: 2000000 bytes is more than the limit of 1000000"],
    [query("stall=2m"), "stall", "stall: 120000 ms is more than the playground's limit of 60s"],
    [
      flag({ "recv-buffer": "0" }),
      "recv-buffer",
      "sim --recv-buffer: 0 bytes is out of range: at least 1 byte, at most 1GiB (the largest scaled window)",
    ],
    [
      flag({ rate: "1Mbit", queue: "100" }),
      "queue",
      "sim --queue: 100 bytes cannot hold one --mtu 1500 packet",
    ],
    [
      query("close=never"),
      "close",
      'close: must be one of client-first, server-first, simultaneous, got "never"',
    ],
    [
      query("delayed-ack=1ms"),
      "delayed-ack",
      "delayed-ack: unknown field; the fields are bytes, reply-bytes, close, simultaneous-open, stall, seed, flows, duration, loss, reorder, duplicate, corrupt, delay, jitter, rate, queue, mtu, msl, recv-buffer, cc, recovery, sack, timestamps, window-scaling, pacing",
    ],
    [query("rate=fast"), "rate", 'rate: expected a rate such as 10Mbit or 1Gbit, got "fast"'],
    [
      query("cc=examples/cc_aimd.ts"),
      "cc",
      'cc: unknown congestion controller "examples/cc_aimd.ts"; the controllers are fixed, reno, newreno, cubic',
    ],
    [
      flag({ cc: "bbr" }),
      "cc",
      'sim --cc: unknown congestion controller "bbr"; the controllers are fixed, reno, newreno, cubic, or a controller module (.ts, .js, .mjs)',
    ],
    [
      flag({ flows: "2", "reply-bytes": "1KB" }),
      "flows",
      "sim --flows: several flows send one way only; leave out --reply-bytes",
    ],
  ];
  for (const [read, name, message] of cases) {
    assert.throws(
      read,
      (e) => e instanceof FieldError && e.field === name && e.message === message,
      message,
    );
  }
  // The CLI bounds time by the run's --max-time only.
  assert.equal(readFlags(SIM_FIELDS, { stall: "2m" }, "sim").stall, 120_000);
});

Deno.test("a table can carry a field only the CLI has and one only the playground has", () => {
  const table = {
    flows: field({
      flag: "flows",
      group: "Transfer",
      arg: "N",
      help: "flows",
      default: 1,
      kind: whole(1, 8),
    }),
    chart: field({ query: "chart", group: "Output", help: "draw", default: true, kind: toggle }),
    size: field({
      flag: "size",
      query: "size",
      group: "Transfer",
      arg: "SIZE",
      help: "bytes",
      default: 0,
      kind: bytes(),
    }),
  };
  assert.deepEqual(flagOptions(table), { flows: { type: "string" }, size: { type: "string" } });
  assert.deepEqual(readFlags(table, { flows: "4", size: "1KB" }, "x"), {
    flows: 4,
    chart: true,
    size: 1000,
  });
  assert.deepEqual(readQuery(table, new URLSearchParams("chart=off&size=")), {
    flows: 1,
    chart: false,
    size: 0,
  });
  assert.throws(
    () => readQuery(table, new URLSearchParams("flows=2")),
    /flows: unknown field; the fields are chart, size/,
  );
  assert.deepEqual(flagHelp([table]), [
    "Transfer:",
    "      --flows N           flows",
    "      --size SIZE         bytes",
  ]);
});

Deno.test("flagHelp() lists every flag of the settings once, under its group", () => {
  const help = flagHelp([SIM_FIELDS]);
  const flags = Object.values(SIM_FIELDS).flatMap((f) => f.flag ?? []);
  for (const flag of flags) {
    assert.equal(help.filter((l) => l.trimStart().startsWith(`--${flag} `)).length, 1, flag);
  }
  assert.deepEqual(help.filter((l) => l.endsWith(":")), [
    "Transfer:",
    "Link (both directions):",
    "TCP:",
  ]);
});

Deno.test("transferOptions() runs what the settings say: the same run as the options written out", () => {
  const s = { ...DEFAULT_SETTINGS, bytes: 5000, loss: 0.2, delay: 15, nagle: false, seed: 4 };
  const byTable = runTransfer(transferOptions(s));
  const byHand = runTransfer({
    seed: 4,
    bytes: 5000,
    forward: { loss: 0.2, delay: 15, mtu: 1500 },
    config: { msl: 1000, nagle: false },
  });
  assert.deepEqual(byTable, byHand);
  assert.ok(byTable.client.retransmissions > 0);
});

Deno.test("controllersOf() gives each flow its controller, the list's last for the rest, files from what was loaded", () => {
  const s = { ...DEFAULT_SETTINGS, cc: "reno,cubic", flows: 3 };
  assert.deepEqual(controllersOf(s).map((make) => make().name), ["reno", "cubic", "cubic"]);
  const mine = () => Object.assign(new Reno(), { name: "mine" });
  const withFile = { ...s, cc: "mine.ts,reno" };
  assert.deepEqual(
    controllersOf(withFile, { "mine.ts": mine }).map((make) => make().name),
    ["mine", "reno", "reno"],
  );
  assert.throws(() => controllersOf(withFile), /unknown congestion controller "mine.ts"/);
});

Deno.test("transferOptions() and flowsOptions() hand the TCP settings to the stack", () => {
  const s = {
    ...DEFAULT_SETTINGS,
    recovery: "sack" as const,
    sack: false,
    pacing: false,
    cc: "reno",
    flows: 2,
  };
  const t = transferOptions(s);
  assert.equal(t.config?.recovery, "sack");
  assert.equal(t.config?.sack, false);
  assert.equal(t.config?.pacing, false);
  assert.equal(t.config?.congestion?.().name, "reno");
  const f = flowsOptions({ ...s, duration: 2000 });
  assert.equal(f.controllers.length, 2);
  assert.equal(f.duration, 2000);
  assert.equal(f.config?.timestamps, true);
});
