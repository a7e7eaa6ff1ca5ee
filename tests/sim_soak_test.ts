// Deterministic simulation soak: thousands of seeded transfers over links
// with random loss (up to 30%), reordering, duplication, corruption, delay
// and jitter, random sizes, MTUs and close orders. Every run must deliver
// the bytes exactly (SHA-256 both ways), end (a bound in virtual time), and
// leave both ends CLOSED. A failing seed prints the command that replays it.
//
//   SOCKLAB_SOAK_RUNS=20000 deno test -A tests/sim_soak_test.ts   (longer soak)
//   SOCKLAB_SOAK_FIRST=5000 ...                                   (other seeds)
import assert from "node:assert/strict";
import { CLOSE_ORDERS, runTransfer, type TransferOptions } from "../deno/link/transfer.ts";
import {
  DEFAULT_SETTINGS,
  replayArgs,
  type SimSettings,
  transferOptions,
} from "../deno/link/settings.ts";
import { Random } from "../deno/link/random.ts";

const RUNS = Number(Deno.env.get("SOCKLAB_SOAK_RUNS") ?? 2000);
const FIRST = Number(Deno.env.get("SOCKLAB_SOAK_FIRST") ?? 1);

/**
 * The run of one seed as settings of the sim table: `socklab sim` flags that
 * replay it and transfer options that run it both come from them.
 */
function plan(seed: number): { flags: string[]; options: TransferOptions } {
  const r = new Random(seed);
  const pct = (max: number) => Math.round(r.next() * max * 10) / 10 / 100;
  const loss = pct(30), reorder = pct(20), duplicate = pct(10), corrupt = pct(10);
  const delay = r.int(50), jitter = r.int(10);
  const mtu = [576, 1500, 9000, 65535][r.int(4)];
  const bytes = r.int(200_000), replyBytes = r.int(20_000);
  const close = CLOSE_ORDERS[r.int(3)];
  // Some runs also open simultaneously, stall the reader behind a small
  // window, or change Nagle and delayed ACKs.
  const simultaneousOpen = r.chance(0.1);
  const stall = r.chance(0.1) ? r.int(3000) : 0;
  const recvBuffer = stall ? 2048 + r.int(8192) : r.chance(0.2) ? 65536 + r.int(1 << 20) : 65535;
  const nagle = !r.chance(0.3);
  const delayedAck = r.chance(0.3) ? 0 : 40;
  // Some links are rate-limited, with the CLI's default 64 KiB queue.
  const mbit = r.chance(0.2) ? [1, 10, 100][r.int(3)] : 0;
  const settings: SimSettings = {
    ...DEFAULT_SETTINGS,
    seed,
    loss,
    reorder,
    duplicate,
    corrupt,
    delay,
    jitter,
    mtu,
    rate: mbit * 1e6 / 8,
    bytes,
    replyBytes,
    close,
    stall,
    recvBuffer,
    delayedAck,
    simultaneousOpen,
    nagle,
  };
  return { flags: replayArgs(settings), options: transferOptions(settings) };
}

Deno.test(`sim soak: ${RUNS} seeded runs deliver every byte and end CLOSED`, () => {
  const failures: string[] = [];
  for (let seed = FIRST; seed < FIRST + RUNS; seed++) {
    const { flags, options } = plan(seed);
    const result = runTransfer(options);
    if (!result.ok) {
      failures.push(
        `seed ${seed}: ${result.problems.join("; ")}\n  replay: deno task socklab sim ${
          flags.join(" ")
        }`,
      );
    }
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${RUNS} runs failed:\n${failures.slice(0, 10).join("\n")}`,
  );
});

Deno.test("sim soak: the printed replay command reproduces a seed's run exactly", async () => {
  const { run } = await import("../deno/cli.ts");
  // The first seeds, and the first seed that uses each optional flag.
  const seeds = [FIRST, FIRST + 1, FIRST + 2];
  for (const flag of ["--simultaneous-open", "--no-nagle", "--stall [1-9]", "--rate"]) {
    let seed = FIRST;
    while (!new RegExp(flag).test(plan(seed).flags.join(" "))) seed++;
    seeds.push(seed);
  }
  for (const seed of seeds) {
    const { flags, options } = plan(seed);
    const expected = runTransfer(options);
    const chunks: Uint8Array[] = [];
    const code = await run(["sim", "--json", ...flags], {
      stdin: new Response("").body!,
      stdout: new WritableStream({ write: (c) => void chunks.push(c) }),
      stderr: new WritableStream(),
    });
    assert.equal(code, expected.ok ? 0 : 1);
    const replayed = JSON.parse(
      new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c]))),
    );
    assert.deepEqual(
      { ...replayed, flags: undefined, wallMs: undefined },
      { ...expected, flags: undefined, wallMs: undefined },
    );
  }
});

Deno.test("the tcp_sim examples run and end with every byte delivered and both ends CLOSED", async () => {
  const names = ["handshake", "lossy", "zero_window", "simultaneous_open", "time_wait"];
  const outputs = await Promise.all(names.map(async (name) => {
    const path = new URL(`../examples/tcp_sim_${name}.ts`, import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { name, code: out.code, text: new TextDecoder().decode(out.stdout) };
  }));
  for (const { name, code, text } of outputs) {
    assert.equal(code, 0, name);
    assert.match(text, /^OK: .* ends CLOSED\/CLOSED/m, `${name}:\n${text}`);
  }
  const byName = Object.fromEntries(outputs.map((o) => [o.name, o.text]));
  assert.match(byName.zero_window, /win=0 /);
  assert.match(byName.simultaneous_open, /FIN-WAIT-1 -> CLOSING/);
  assert.match(byName.time_wait, /scripted loss of the last ACK/);
  assert.match(byName.lossy, /RTO fired/);
});
