// Argument parsing shared by every subcommand: node:util's parseArgs with
// errors that say what was wrong, and value parsers for the units users type
// (durations, byte sizes, percentages, ports).
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

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

/** Parses an integer flag in `[min, max]`. */
export function intValue(flag: string, text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new UsageError(`--${flag}: expected a whole number, got "${text}"`);
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new UsageError(`--${flag}: ${value} is out of range (${min} to ${max})`);
  }
  return value;
}

/** Parses a TCP/UDP port number (0 to 65535). */
export function portValue(flag: string, text: string): number {
  return intValue(flag, text, 0, 65535);
}

/** Parses a percentage from 0 to `max` ("5", "2.5", "5%"). Returns a fraction. */
export function percentValue(flag: string, text: string, max = 100): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (!match) {
    throw new UsageError(`--${flag}: expected a percentage such as 5 or 2.5%, got "${text}"`);
  }
  const value = Number(match[1]);
  if (value > max) throw new UsageError(`--${flag}: ${value}% is out of range (0 to ${max}%)`);
  return value / 100;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Parses a duration ("250ms", "2s", "1.5m", "40us"; bare numbers are ms). Returns ms. */
export function durationValue(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m)?$/.exec(text.trim());
  if (!match) {
    throw new UsageError(`--${flag}: expected a duration such as 100ms or 2s, got "${text}"`);
  }
  return Number(match[1]) * TIME_UNITS[match[2] ?? "ms"];
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** Parses a byte count ("1500", "64KiB", "10MB", "1.5GB"). */
export function bytesValue(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`--${flag}: expected a size such as 1500, 64KiB or 10MB, got "${text}"`);
  }
  const value = Math.round(Number(match[1]) * unit);
  if (value > max) {
    throw new UsageError(`--${flag}: ${value} bytes is more than the limit of ${max}`);
  }
  return value;
}

/** Parses a rate in bits per second ("10Mbit", "1Gbit", "500kbit"). Returns bytes/s. */
export function rateValue(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(k|m|g)?bit(?:\/s)?$/i.exec(text.trim());
  if (!match) {
    throw new UsageError(`--${flag}: expected a rate such as 10Mbit or 1Gbit, got "${text}"`);
  }
  const scale = { "": 1, k: 1e3, m: 1e6, g: 1e9 }[(match[2] ?? "").toLowerCase()]!;
  return (Number(match[1]) * scale) / 8;
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
