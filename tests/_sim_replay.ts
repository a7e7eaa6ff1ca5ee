// What the soak tests share: checking that `socklab sim --json FLAGS`, run
// in-process, reproduces a transfer exactly (every field but the flags and
// the wall-clock time).
import assert from "node:assert/strict";
import type { TransferResult } from "../deno/link/transfer.ts";

/** Runs `socklab sim --json` with `flags` and asserts it printed `expected` and exited as it should. */
export async function assertReplays(
  flags: readonly string[],
  expected: TransferResult,
): Promise<void> {
  const { run } = await import("../deno/cli.ts");
  const chunks: Uint8Array[] = [];
  const code = await run(["sim", "--json", ...flags], {
    stdin: new Response("").body!,
    stdout: new WritableStream({ write: (c) => void chunks.push(c) }),
    stderr: new WritableStream(),
  });
  assert.equal(code, expected.ok ? 0 : 1, flags.join(" "));
  const replayed = JSON.parse(
    new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c]))),
  );
  assert.deepEqual(
    { ...replayed, flags: undefined, wallMs: undefined },
    { ...expected, flags: undefined, wallMs: undefined },
    flags.join(" "),
  );
}
