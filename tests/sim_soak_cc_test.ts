// The seeded soak of issue 11's "Proof": every congestion controller of
// CONTROLLERS × every loss-recovery mode × SACK on and off × timestamps on
// and off runs seeded transfers over links that lose, reorder, duplicate
// and corrupt packets, in every close order, some rate-limited behind a
// queue, some opening simultaneously. Every run must deliver its bytes
// exactly both ways (SHA-256), end in virtual time, leave both ends CLOSED,
// and have run what it asked for: the controller, the options agreed, the
// recovery mode in effect ("newreno" without SACK). A failing run prints
// the `socklab sim` command that replays it.
//
//   SOCKLAB_SOAK_CC_RUNS=60 deno test -A tests/sim_soak_cc_test.ts   (runs per combination)
//   SOCKLAB_SOAK_CC_FIRST=9000 ...                                   (other seeds)
import assert from "node:assert/strict";
import { CLOSE_ORDERS, runTransfer } from "../deno/link/transfer.ts";
import {
  DEFAULT_SETTINGS,
  replayArgs,
  type SimSettings,
  transferOptions,
} from "../deno/link/settings.ts";
import { Random } from "../deno/link/random.ts";
import { CONTROLLERS } from "../deno/tcp/controllers.ts";
import { RECOVERY_MODES, type RecoveryMode } from "../deno/tcp/recovery.ts";
import { assertReplays } from "./_sim_replay.ts";

const RUNS = Number(Deno.env.get("SOCKLAB_SOAK_CC_RUNS") ?? 30);
const FIRST = Number(Deno.env.get("SOCKLAB_SOAK_CC_FIRST") ?? 1);
const OPTIONS = [
  { sack: true, timestamps: true },
  { sack: true, timestamps: false },
  { sack: false, timestamps: true },
  { sack: false, timestamps: false },
];

/**
 * Run `k` of one combination: its own seed, and the link, sizes and close
 * order drawn from it (close orders take turns, so each combination sees
 * all three).
 */
function plan(
  seed: number,
  k: number,
  cc: string,
  recovery: RecoveryMode,
  options: { sack: boolean; timestamps: boolean },
): SimSettings {
  const r = new Random(seed);
  const pct = (max: number) => Math.round(r.next() * max * 10) / 10 / 100;
  const rateLimited = r.chance(0.3);
  return {
    ...DEFAULT_SETTINGS,
    seed,
    cc,
    recovery,
    ...options,
    loss: pct(20),
    reorder: pct(15),
    duplicate: pct(10),
    corrupt: pct(5),
    delay: 1 + r.int(40),
    jitter: r.int(5),
    mtu: [576, 1500, 9000][r.int(3)],
    rate: rateLimited ? [1, 10, 100][r.int(3)] * 1e6 / 8 : 0,
    queue: 32 * 1024 + r.int(256 * 1024),
    bytes: r.int(300_000),
    replyBytes: r.chance(0.5) ? r.int(50_000) : 0,
    close: CLOSE_ORDERS[k % CLOSE_ORDERS.length],
    simultaneousOpen: r.chance(0.1),
    delayedAck: r.chance(0.3) ? 0 : 40,
  };
}

/** The seed of run `k` of a combination: different for every controller, mode, option set and run. */
function seedOf(cc: string, recovery: RecoveryMode, option: number, k: number): number {
  const combo = (CONTROLLERS.findIndex((c) => c.name === cc) * RECOVERY_MODES.length +
        RECOVERY_MODES.indexOf(recovery)) * OPTIONS.length + option;
  return FIRST + combo * RUNS + k;
}

for (const { name: cc } of CONTROLLERS) {
  for (const recovery of RECOVERY_MODES) {
    Deno.test(
      `sim soak: ${cc} with ${recovery} recovery, SACK and timestamps each on and off: ${
        OPTIONS.length * RUNS
      } seeded lossy runs deliver every byte and close cleanly`,
      () => {
        const failures: string[] = [];
        for (const [i, options] of OPTIONS.entries()) {
          for (let k = 0; k < RUNS; k++) {
            const seed = seedOf(cc, recovery, i, k);
            const settings = plan(seed, k, cc, recovery, options);
            const r = runTransfer(transferOptions(settings));
            const problems = [...r.problems];
            const c = r.client;
            if (c.controller !== cc) problems.push(`controller ${c.controller}, not ${cc}`);
            if (c.options.sack !== options.sack || c.options.timestamps !== options.timestamps) {
              problems.push(`options agreed ${JSON.stringify(c.options)}`);
            }
            const effective = options.sack ? recovery : "newreno";
            if (c.recovery !== effective) problems.push(`recovery ${c.recovery}, not ${effective}`);
            if (problems.length) {
              failures.push(
                `seed ${seed}: ${problems.join("; ")}\n  replay: deno task socklab sim ${
                  replayArgs(settings).join(" ")
                }`,
              );
            }
          }
        }
        assert.equal(
          failures.length,
          0,
          `${failures.length} of ${OPTIONS.length * RUNS} runs failed:\n${
            failures.slice(0, 10).join("\n")
          }`,
        );
      },
    );
  }
}

Deno.test("sim soak: the printed replay command reproduces a run of every controller, recovery mode and option set", async () => {
  for (const { name: cc } of CONTROLLERS) {
    for (const recovery of RECOVERY_MODES) {
      for (const [i, options] of OPTIONS.entries()) {
        const settings = plan(seedOf(cc, recovery, i, 0), 0, cc, recovery, options);
        await assertReplays(replayArgs(settings), runTransfer(transferOptions(settings)));
      }
    }
  }
});
