// Argument parsing shared by every subcommand: node:util's parseArgs with
// errors that say what was wrong, and flag readers for the units users type
// (durations, byte sizes, percentages, ports), which parse with ../units.ts.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { parseBytes, parseDuration, parsePercent, parseRate, parseWhole } from "../units.ts";

/** A mistake in how a command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What a subcommand module exports. */
export interface Subcommand {
  /** One line for the top-level help. */
  summary: string;
  /** The full help text, shown by `--help`. */
  usage: string;
  /** Runs the command; resolves to the exit code. */
  main(args: string[], io: CommandIo): Promise<number>;
}

/** The streams a command talks to, injectable for tests. */
export interface CommandIo {
  /** Standard input. */
  stdin: ReadableStream<Uint8Array>;
  /** Standard output. */
  stdout: WritableStream<Uint8Array>;
  /** Standard error. */
  stderr: WritableStream<Uint8Array>;
  /** Whether standard error is a terminal: progress lines are drawn only then (default false). */
  stderrIsTerminal?: boolean;
  /** How long work runs before its progress line appears, ms (default 1000). */
  progressAfterMs?: number;
}

/** The parsed flags and positionals of one command line. */
export interface Parsed<T> {
  values: T;
  positionals: string[];
}

/**
 * Parses `args` against `options`; unknown flags, missing values and stray
 * positionals (when `maxPositionals` is given) become {@link UsageError}s.
 */
export function parseFlags<O extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: O,
  maxPositionals = Infinity,
): Parsed<Record<keyof O, string | boolean | string[] | boolean[] | undefined>> {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${command}: ${message}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(" ");
    throw new UsageError(`${command}: unexpected argument(s): ${extra}`);
  }
  return parsed as unknown as Parsed<
    Record<keyof O, string | boolean | string[] | boolean[] | undefined>
  >;
}

/**
 * Runs a parser of `../units.ts` for a flag, turning its SyntaxError or
 * RangeError into a {@link UsageError} (exit 2, with a hint).
 */
function flagValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof RangeError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** Parses an integer flag in `[min, max]`. */
export function intValue(flag: string, text: string, min: number, max: number): number {
  return flagValue(() => parseWhole(text, `--${flag}`, min, max));
}

/** Parses a TCP/UDP port number (0 to 65535). */
export function portValue(flag: string, text: string): number {
  return intValue(flag, text, 0, 65535);
}

/** Parses a percentage from 0 to `max` ("5", "2.5", "5%"). Returns a fraction. */
export function percentValue(flag: string, text: string, max = 100): number {
  return flagValue(() => parsePercent(text, `--${flag}`, max));
}

/** Parses a duration ("250ms", "2s", "1.5m", "40us"; bare numbers are ms). Returns ms. */
export function durationValue(flag: string, text: string): number {
  return flagValue(() => parseDuration(text, `--${flag}`));
}

/** Parses a byte count ("1500", "64KiB", "10MB", "1.5GB"). */
export function bytesValue(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  return flagValue(() => parseBytes(text, `--${flag}`, max));
}

/** Parses a rate in bits per second ("10Mbit", "1Gbit", "500kbit"). Returns bytes/s. */
export function rateValue(flag: string, text: string): number {
  return flagValue(() => parseRate(text, `--${flag}`));
}

/** Writes text to a stream without closing it. */
export async function write(stream: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = stream.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
  } finally {
    writer.releaseLock();
  }
}

/** Why a file could not be opened, in a few words: "no such file", "permission denied", or the runtime's message. */
export function fileErrorReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
