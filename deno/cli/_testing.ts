// Test helpers of the command line's tests: the socklab command run in this
// process with in-memory standard streams. Not part of the public API.
import { run } from "../cli.ts";

/** What one in-process run of the CLI printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `socklab <args>` in this process with in-memory standard streams. */
export async function runCli(args: string[], stdin = ""): Promise<CliResult> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const sink = (chunks: Uint8Array[]) =>
    new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) });
  const code = await run(args, {
    stdin: new Response(stdin).body!,
    stdout: sink(out),
    stderr: sink(err),
  });
  const text = (chunks: Uint8Array[]) =>
    new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return { code, stdout: text(out), stderr: text(err) };
}
