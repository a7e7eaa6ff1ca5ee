// `socklab bench`: runs the benchmarks in bench/ (peers measured side by side).
import { parseFlags, type Subcommand, UsageError, write } from "./_args.ts";
import { withProgress } from "./_progress.ts";

export const command: Subcommand = {
  summary: "run benchmarks beside their peers and print the ratios",
  usage: `Usage: socklab bench [NAME...]

Runs the named benchmarks (all when none is named) and prints tables of
throughput beside the peers measured in the same run, with the ratios.

Flags:
  --list      print the benchmark names and exit
  -h, --help  this help
`,
  async main(args, io) {
    const { values, positionals } = parseFlags("bench", args, { list: { type: "boolean" } });
    const { BENCHMARKS } = await import("../../bench/mod.ts");
    if (values.list) {
      await write(io.stdout, Object.keys(BENCHMARKS).join("\n") + "\n");
      return 0;
    }
    const names = positionals.length ? positionals : Object.keys(BENCHMARKS);
    for (const name of names) {
      if (!BENCHMARKS[name]) {
        throw new UsageError(
          `bench: unknown benchmark "${name}" (known: ${Object.keys(BENCHMARKS).join(", ")})`,
        );
      }
    }
    for (const [i, name] of names.entries()) {
      const report = await withProgress(io, "bench", (progress) => {
        const which = `${name} (${i + 1} of ${names.length})`;
        // Benchmarks that cannot say where they are still show which one runs.
        const ticker = setInterval(() => progress.update(which), 250);
        return BENCHMARKS[name]({ progress: (text) => progress.update(`${which}: ${text}`) })
          .finally(() => clearInterval(ticker));
      });
      await write(io.stdout, `== ${name} ==\n${report}\n`);
    }
    return 0;
  },
};
