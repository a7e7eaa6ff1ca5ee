/**
 * The socklab command line: `deno task socklab <subcommand> [flags]`.
 *
 * Each subcommand lives in `cli/<name>.ts` and is loaded only when used.
 * Exit codes: 0 success, 1 the command failed (its message says why),
 * 2 the command line was wrong (unknown subcommand or flag, bad value).
 * Every error names its subcommand (`socklab sim --loss: ...`); work that
 * runs longer than about a second draws a progress line on standard error
 * when it is a terminal.
 *
 * @module
 */
import { type CommandIo, type Subcommand, UsageError, write } from "./cli/_args.ts";
import config from "../deno.json" with { type: "json" };

/** The streams a command talks to (standard input, output and error). */
export type { CommandIo };

/** Every subcommand, in the order `--help` lists them. */
const COMMANDS: Record<string, () => Promise<Subcommand>> = {
  tour: () => import("./cli/tour.ts").then((m) => m.command),
  checksum: () => import("./cli/checksum.ts").then((m) => m.command),
  bench: () => import("./cli/bench.ts").then((m) => m.command),
  ss: () => import("./cli/ss.ts").then((m) => m.command),
  nc: () => import("./cli/nc.ts").then((m) => m.command),
  serve: () => import("./cli/serve.ts").then((m) => m.command),
  fetch: () => import("./cli/fetch.ts").then((m) => m.command),
  sim: () => import("./cli/sim.ts").then((m) => m.command),
  pcap: () => import("./cli/pcap.ts").then((m) => m.command),
};

/** socklab's version, from deno.json. */
export const VERSION: string = config.version;

async function topUsage(): Promise<string> {
  const lines = ["Usage: socklab <command> [flags]", "       socklab --version", "", "Commands:"];
  for (const [name, load] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
  }
  lines.push("", "Run 'socklab <command> --help' for a command's flags.", "");
  return lines.join("\n");
}

/**
 * An error message that names the subcommand: "--port: ..." becomes
 * "serve --port: ...", "cannot read x" becomes "pcap: cannot read x"; one
 * that already opens with the name is kept.
 */
function named(name: string, message: string): string {
  if (message.startsWith(`${name}:`) || message.startsWith(`${name} -`)) return message;
  return message.startsWith("-") ? `${name} ${message}` : `${name}: ${message}`;
}

/** Runs one command line and resolves to its exit code; never throws. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--version" || name === "-V" || name === "version") {
    const core = await import("./checksum.ts");
    await write(
      io.stdout,
      `socklab ${VERSION} (Deno ${Deno.version.deno}, WASM core ${core.engine})\n`,
    );
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    await write(name === undefined ? io.stderr : io.stdout, await topUsage());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    await write(io.stderr, `socklab: unknown command "${name}"\n\n${await topUsage()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    await write(io.stdout, command.usage.endsWith("\n") ? command.usage : command.usage + "\n");
    return 0;
  }
  try {
    return await command.main(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      await write(
        io.stderr,
        `socklab ${named(name, error.message)}\nRun 'socklab ${name} --help' for usage.\n`,
      );
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    await write(io.stderr, `socklab ${named(name, message)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await run(Deno.args, {
    stdin: Deno.stdin.readable,
    stdout: Deno.stdout.writable,
    stderr: Deno.stderr.writable,
    stderrIsTerminal: Deno.stderr.isTerminal(),
  });
  Deno.exit(code);
}
