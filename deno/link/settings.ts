/**
 * The settings of a simulated transfer, in one table. `socklab sim`'s flags
 * and help, the playground's query fields and the `socklab sim` command
 * line that replays a playground run are all made from {@link SIM_FIELDS};
 * {@link transferOptions} turns the settings into `runTransfer()`'s
 * options.
 *
 * Each entry of the table is one setting: the flag and the query field it
 * is read from (leave either out and that surface does not have it), the
 * help line, the default, how its text is read and written back (a
 * {@link Kind}: {@link whole}, {@link percent}, {@link duration},
 * {@link bytes}, {@link rate}, {@link choice}, {@link toggle}), and any
 * further check. Adding a setting is adding one entry:
 *
 * ```text
 * ecn: field({
 *   flag: "ecn", query: "ecn", group: "TCP", help: "negotiate ECN (default off)",
 *   default: false, kind: toggle,
 * }),
 * ```
 *
 * after which `socklab sim --ecn`, `?ecn=on` and the replay command know
 * it, and `SimSettings` has an `ecn: boolean` (then hand it to the TCP in
 * {@link transferOptions}). A toggle's flag sets the opposite of its
 * default, so a setting that is on by default is turned off with a flag
 * such as `no-nagle`; its query field takes on or off.
 *
 * Bounds can differ by surface: the playground answers on a shared server,
 * so its fields are bounded tighter (`queryMax`: {@link MAX_QUERY_BYTES},
 * {@link MAX_QUERY_TIME}). What is not here: how a surface shows a run (the
 * CLI's `--lines`, `--pcap`, `--json`), which that surface declares with the
 * same {@link field} helper; it never takes part in a replay.
 *
 * Errors name the setting the way the surface does: `sim --loss: 150% is
 * out of range (0 to 100%)` for the CLI, `loss: ...` for the playground.
 *
 * @example The CLI and the playground read the same settings
 * ```ts
 * import { readFlags, readQuery, replayArgs, SIM_FIELDS } from "./settings.ts";
 * import assert from "node:assert/strict";
 * const fromQuery = readQuery(SIM_FIELDS, new URLSearchParams("loss=20&bytes=20KB&seed=3"));
 * const fromFlags = readFlags(SIM_FIELDS, { loss: "20", bytes: "20KB", seed: "3" }, "sim");
 * assert.deepEqual(fromQuery, fromFlags);
 * assert.deepEqual(replayArgs(fromQuery), ["--bytes", "20000", "--loss", "20%", "--seed", "3"]);
 * ```
 *
 * @module
 */
import { CLOSE_ORDERS, type CloseOrder, type TransferOptions } from "./transfer.ts";
import type { FlowsOptions } from "./flows.ts";
import { controllerFactory, CONTROLLERS } from "../tcp/controllers.ts";
import type { CongestionController } from "../tcp/congestion.ts";
import { RECOVERY_MODES, type RecoveryMode } from "../tcp/recovery.ts";
import {
  formatDuration,
  formatPercent,
  formatRate,
  parseBytes,
  parseDuration,
  parsePercent,
  parseRate,
  parseWhole,
} from "../units.ts";

/** Where a setting is read from: a `socklab sim` flag or a playground query field. */
export type Surface = "flag" | "query";

/** How one kind of value is read from text and written back as a flag's argument. */
export interface Kind<T> {
  /** A toggle takes no text on the command line: the flag alone sets it. */
  readonly toggle: boolean;
  /** The words it accepts, for a kind that takes one of a list (a form offers them). */
  readonly values?: readonly string[];
  /**
   * Reads a value.
   *
   * @param text The text given.
   * @param name How the surface names the setting; opens any error message.
   * @param surface Whose bounds apply.
   * @returns The value.
   * @throws {SyntaxError} If the text cannot be read.
   * @throws {RangeError} If the value is out of bounds.
   */
  parse(text: string, name: string, surface: Surface): T;
  /**
   * Writes a value as text {@link Kind.parse} reads back to the same value.
   *
   * @param value The value.
   * @returns The text.
   */
  format(value: T): string;
}

/** One setting: where it is read from, its help, its default and how its text reads. */
export interface Field<T> {
  /** The `socklab sim` flag, without dashes; left out when the CLI lacks the setting. */
  readonly flag?: string;
  /** The playground's query field; left out when the playground lacks the setting. */
  readonly query?: string;
  /** The heading of `--help` the flag is listed under. */
  readonly group: string;
  /** What the help shows after the flag ("PCT", "TIME"); left out for a toggle. */
  readonly arg?: string;
  /** The help line, the default included as a user would type it. */
  readonly help: string;
  /** The value when the setting is not given. */
  readonly default: T;
  /** How the text is read and the value written back. */
  readonly kind: Kind<T>;
  /**
   * A further check, run once every setting is read: returns why the value
   * is not accepted (the name is added in front), or null.
   */
  readonly check?: (value: T, settings: Readonly<Record<string, unknown>>) => string | null;
  /** Whether the replay command carries it even at its default (the seed). */
  readonly always?: boolean;
}

/** A table of settings by key. */
// deno-lint-ignore no-explicit-any
export type FieldTable = Readonly<Record<string, Field<any>>>;

/** The settings a table describes: each key's value type. */
export type SettingsOf<F extends FieldTable> = {
  readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never;
};

/**
 * Declares one field, fixing its value type from its kind and default.
 *
 * @param f The field.
 * @returns The same field.
 *
 * @example
 * ```ts
 * import { field, whole } from "./settings.ts";
 * const lines = field({ flag: "lines", group: "Output", arg: "N", help: "lines", default: 80, kind: whole(0, 1e9) });
 * ```
 */
export function field<T>(f: Field<T>): Field<T> {
  return f;
}

/** A setting that could not be read; names it the way its surface does. */
export class FieldError extends Error {
  /** Always "FieldError". */
  override name = "FieldError";
  /**
   * Makes the error.
   *
   * @param field The flag or query field at fault, without dashes.
   * @param message What is wrong with it, opening with its name.
   */
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** Most bytes a playground run sends in each direction. */
export const MAX_QUERY_BYTES = 1_000_000;
/** Longest time a playground query may ask for (delay, jitter, stall, MSL), ms. */
export const MAX_QUERY_TIME = 60_000;
/** Most bytes `socklab sim` sends in each direction: 256 MiB. */
export const MAX_FLAG_BYTES: number = 256 * 1024 * 1024;

/**
 * A whole number in `[min, max]`.
 *
 * @param min The smallest value.
 * @param max The largest value.
 * @returns The kind.
 */
export function whole(min: number, max: number): Kind<number> {
  return {
    toggle: false,
    parse: (text, name) => parseWhole(text, name, min, max),
    format: String,
  };
}

/**
 * A percentage from 0 to 100% ("5", "2.5%"), held as a fraction.
 *
 * @returns The kind.
 */
export function percent(): Kind<number> {
  return { toggle: false, parse: (text, name) => parsePercent(text, name), format: formatPercent };
}

/**
 * A duration ("40ms", "2s"), held in ms.
 *
 * @param bounds `queryMax`: the most a playground query may ask for.
 * @returns The kind.
 */
export function duration(bounds: { queryMax?: number } = {}): Kind<number> {
  return {
    toggle: false,
    parse(text, name, surface) {
      const ms = parseDuration(text, name);
      const max = surface === "query" ? bounds.queryMax : undefined;
      if (max !== undefined && ms > max) {
        throw new RangeError(
          `${name}: ${ms} ms is more than the playground's limit of ${formatDuration(max)}`,
        );
      }
      return ms;
    },
    format: formatDuration,
  };
}

/**
 * A byte count ("1500", "64KiB", "10MB").
 *
 * @param bounds `max`: the most bytes on the command line; `queryMax`: in a playground query.
 * @returns The kind.
 */
export function bytes(bounds: { max?: number; queryMax?: number } = {}): Kind<number> {
  return {
    toggle: false,
    parse: (text, name, surface) =>
      parseBytes(text, name, surface === "query" ? bounds.queryMax : bounds.max),
    format: String,
  };
}

/**
 * A rate in bits per second ("10Mbit"), held in bytes per second.
 *
 * @returns The kind.
 */
export function rate(): Kind<number> {
  return { toggle: false, parse: (text, name) => parseRate(text, name), format: formatRate };
}

/**
 * One of a fixed list of words.
 *
 * @param values The words accepted.
 * @returns The kind.
 */
export function choice<T extends string>(values: readonly T[]): Kind<T> {
  return {
    toggle: false,
    values,
    parse(text, name) {
      if (!(values as readonly string[]).includes(text)) {
        throw new RangeError(`${name}: must be one of ${values.join(", ")}, got "${text}"`);
      }
      return text as T;
    },
    format: String,
  };
}

/**
 * On or off. On the command line the flag alone sets the opposite of the
 * default; a query field takes on, off, 1, 0, true or false (empty is on,
 * as a checked box sends).
 */
export const toggle: Kind<boolean> = {
  toggle: true,
  parse(text, name) {
    if (["", "1", "on", "true"].includes(text)) return true;
    if (["0", "off", "false"].includes(text)) return false;
    throw new SyntaxError(`${name}: expected on or off, got "${text}"`);
  },
  format: (value) => (value ? "on" : "off"),
};

/**
 * Congestion controllers by name, a comma-separated list (one per flow,
 * the last repeated for any flow left), held as written. On the command
 * line an entry may also be a module file (`.ts`, `.js`, `.mjs`) whose
 * default export makes a controller, which the CLI loads; a playground
 * query takes names only.
 */
export const controllers: Kind<string> = {
  toggle: false,
  values: CONTROLLERS.map((c) => c.name),
  parse(text, name, surface) {
    const names = CONTROLLERS.map((c) => c.name);
    const list = text.split(",").map((s) => s.trim());
    for (const entry of list) {
      if ((names as string[]).includes(entry)) continue;
      if (surface === "flag" && /\.(m?js|ts)$/.test(entry)) continue;
      const files = surface === "flag" ? ", or a controller module (.ts, .js, .mjs)" : "";
      throw new RangeError(
        `${name}: unknown congestion controller "${entry}"; the controllers are ${
          names.join(", ")
        }${files}`,
      );
    }
    return list.join(",");
  },
  format: String,
};

/** Any text, such as a file name; undefined when not given. */
export const text: Kind<string | undefined> = {
  toggle: false,
  parse: (given) => given,
  format: (value) => value ?? "",
};

const LINK = "Link (both directions)";

/**
 * Every setting of a simulated transfer, in the order `socklab sim --help`
 * lists them. The playground reads those with a `query` name.
 */
export const SIM_FIELDS = {
  bytes: field({
    flag: "bytes",
    query: "bytes",
    group: "Transfer",
    arg: "SIZE",
    help: "client to server (default 10KB)",
    default: 10_000,
    kind: bytes({ max: MAX_FLAG_BYTES, queryMax: MAX_QUERY_BYTES }),
  }),
  replyBytes: field({
    flag: "reply-bytes",
    query: "reply-bytes",
    group: "Transfer",
    arg: "SIZE",
    help: "server to client (default 0)",
    default: 0,
    kind: bytes({ max: MAX_FLAG_BYTES, queryMax: MAX_QUERY_BYTES }),
  }),
  close: field<CloseOrder>({
    flag: "close",
    query: "close",
    group: "Transfer",
    arg: "ORDER",
    help: "client-first, server-first or simultaneous (default client-first)",
    default: "client-first",
    kind: choice(CLOSE_ORDERS),
  }),
  simultaneousOpen: field({
    flag: "simultaneous-open",
    query: "simultaneous-open",
    group: "Transfer",
    help: "both ends connect at once",
    default: false,
    kind: toggle,
  }),
  stall: field({
    flag: "stall",
    query: "stall",
    group: "Transfer",
    arg: "TIME",
    help: "the server reads nothing until this time (zero window)",
    default: 0,
    kind: duration({ queryMax: MAX_QUERY_TIME }),
  }),
  seed: field({
    flag: "seed",
    query: "seed",
    group: "Transfer",
    arg: "N",
    help: "random seed (default 1)",
    default: 1,
    kind: whole(0, 2 ** 32 - 1),
    always: true,
  }),
  flows: field({
    flag: "flows",
    query: "flows",
    group: "Transfer",
    arg: "N",
    help: "flows through the same bottleneck, each sending --bytes (default 1)",
    default: 1,
    kind: whole(1, 64),
    check: (n, s) =>
      n > 1 && (s.replyBytes as number) > 0
        ? "several flows send one way only; leave out --reply-bytes"
        : null,
  }),
  duration: field({
    flag: "duration",
    query: "duration",
    group: "Transfer",
    arg: "TIME",
    help: "with --flows, send without end for this long and measure each flow's share",
    default: 0,
    kind: duration({ queryMax: MAX_QUERY_TIME }),
  }),
  maxTime: field({
    flag: "max-time",
    group: "Transfer",
    arg: "TIME",
    help: "bound on virtual time (default 6h)",
    default: 6 * 3_600_000,
    kind: duration(),
  }),
  loss: field({
    flag: "loss",
    query: "loss",
    group: LINK,
    arg: "PCT",
    help: "packets lost, percent (default 0)",
    default: 0,
    kind: percent(),
    check: (loss) => loss >= 1 ? "100% would never deliver anything" : null,
  }),
  reorder: field({
    flag: "reorder",
    query: "reorder",
    group: LINK,
    arg: "PCT",
    help: "packets held back behind later ones, percent",
    default: 0,
    kind: percent(),
  }),
  duplicate: field({
    flag: "duplicate",
    query: "duplicate",
    group: LINK,
    arg: "PCT",
    help: "packets delivered twice, percent",
    default: 0,
    kind: percent(),
  }),
  corrupt: field({
    flag: "corrupt",
    query: "corrupt",
    group: LINK,
    arg: "PCT",
    help: "packets with one bit flipped, percent (checksums catch them)",
    default: 0,
    kind: percent(),
  }),
  delay: field({
    flag: "delay",
    query: "delay",
    group: LINK,
    arg: "TIME",
    help: "one-way delay (default 10ms)",
    default: 10,
    kind: duration({ queryMax: MAX_QUERY_TIME }),
  }),
  jitter: field({
    flag: "jitter",
    query: "jitter",
    group: LINK,
    arg: "TIME",
    help: "uniform jitter, plus or minus (default 0)",
    default: 0,
    kind: duration({ queryMax: MAX_QUERY_TIME }),
  }),
  rate: field({
    flag: "rate",
    query: "rate",
    group: LINK,
    arg: "RATE",
    help: "bandwidth, e.g. 10Mbit (default unlimited)",
    default: 0,
    kind: rate(),
  }),
  queue: field({
    flag: "queue",
    query: "queue",
    group: LINK,
    arg: "SIZE",
    help: "bytes queued behind the rate limit (default 64KiB)",
    default: 65536,
    kind: bytes(),
    check: (queue, s) =>
      (s.rate as number) > 0 && queue < (s.mtu as number)
        ? `${queue} bytes cannot hold one --mtu ${s.mtu} packet`
        : null,
  }),
  mtu: field({
    flag: "mtu",
    query: "mtu",
    group: LINK,
    arg: "BYTES",
    help: "largest IP packet, 68 to 65535 (default 1500)",
    default: 1500,
    kind: whole(68, 65535),
  }),
  msl: field({
    flag: "msl",
    query: "msl",
    group: "TCP",
    arg: "TIME",
    help: "maximum segment lifetime; TIME-WAIT is 2*MSL (default 1s)",
    default: 1000,
    kind: duration({ queryMax: MAX_QUERY_TIME }),
  }),
  recvBuffer: field({
    flag: "recv-buffer",
    query: "recv-buffer",
    group: "TCP",
    arg: "SIZE",
    help: "receive buffer, the largest window (default 1MiB)",
    default: 1 << 20,
    kind: bytes(),
    check: (n) =>
      n < 1 || n > 2 ** 30
        ? `${n} bytes is out of range: at least 1 byte, at most 1GiB (the largest scaled window)`
        : null,
  }),
  cc: field({
    flag: "cc",
    query: "cc",
    group: "TCP",
    arg: "NAME|FILE",
    help:
      "congestion control: fixed, reno, newreno, cubic, or a module file; a comma list gives each of --flows its own (default cubic)",
    default: "cubic",
    kind: controllers,
  }),
  recovery: field<RecoveryMode>({
    flag: "recovery",
    query: "recovery",
    group: "TCP",
    arg: "MODE",
    help: "loss recovery: newreno, sack or rack (default rack; newreno without SACK)",
    default: "rack",
    kind: choice(RECOVERY_MODES),
  }),
  sack: field({
    flag: "no-sack",
    query: "sack",
    group: "TCP",
    help: "offer no SACK (RFC 2018)",
    default: true,
    kind: toggle,
  }),
  timestamps: field({
    flag: "no-timestamps",
    query: "timestamps",
    group: "TCP",
    help: "offer no timestamps (RFC 7323)",
    default: true,
    kind: toggle,
  }),
  windowScaling: field({
    flag: "no-window-scaling",
    query: "window-scaling",
    group: "TCP",
    help: "offer no window scaling (the window stays within 64 KiB)",
    default: true,
    kind: toggle,
  }),
  delayedAck: field({
    flag: "delayed-ack",
    group: "TCP",
    arg: "TIME",
    help: "delayed-ACK timeout, 0 for none (default 40ms)",
    default: 40,
    kind: duration(),
  }),
  nagle: field({
    flag: "no-nagle",
    group: "TCP",
    help: "turn off Nagle's algorithm",
    default: true,
    kind: toggle,
  }),
  pacing: field({
    flag: "no-pacing",
    query: "pacing",
    group: "TCP",
    help: "send what each ACK allows at once, not spread over the round trip",
    default: true,
    kind: toggle,
  }),
};

/** The settings of a simulated transfer: one value per entry of {@link SIM_FIELDS}. */
export type SimSettings = SettingsOf<typeof SIM_FIELDS>;

/**
 * The defaults of a table: the settings when nothing is given.
 *
 * @param fields The table.
 * @returns Each key's default.
 *
 * @example
 * ```ts
 * import { defaultsOf, SIM_FIELDS } from "./settings.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultsOf(SIM_FIELDS).delay, 10);
 * ```
 */
export function defaultsOf<F extends FieldTable>(fields: F): SettingsOf<F> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, f]) => [key, f.default]),
  ) as SettingsOf<F>;
}

/** The settings of a run nobody changed: `socklab sim`'s defaults. */
export const DEFAULT_SETTINGS: SimSettings = defaultsOf(SIM_FIELDS);

/**
 * The node:util `parseArgs` options of a table's flags: a toggle is a
 * boolean flag, anything else takes a string.
 *
 * @param fields The table.
 * @returns The options, by flag name.
 */
export function flagOptions(
  fields: FieldTable,
): Record<string, { type: "string" | "boolean" }> {
  const out: Record<string, { type: "string" | "boolean" }> = {};
  for (const f of Object.values(fields)) {
    if (f.flag !== undefined) out[f.flag] = { type: f.kind.toggle ? "boolean" : "string" };
  }
  return out;
}

/** Runs `parse`, turning a SyntaxError or RangeError into a {@link FieldError}. */
function reading<T>(fieldName: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof RangeError) {
      throw new FieldError(fieldName, error.message);
    }
    throw error;
  }
}

/**
 * Runs every field's check over the settings read and throws the first
 * complaint, for fields the surface has: `nameOf` gives the field's name
 * there and how its messages open, or undefined.
 */
function checkAll(
  fields: FieldTable,
  settings: Record<string, unknown>,
  nameOf: (f: Field<unknown>) => [name: string, label: string] | undefined,
): void {
  for (const [key, f] of Object.entries(fields)) {
    const why = f.check?.(settings[key], settings);
    const named = nameOf(f);
    if (why && named) throw new FieldError(named[0], `${named[1]}: ${why}`);
  }
}

/**
 * Reads a table's settings from parsed command-line flags (node:util
 * `parseArgs` values, made with {@link flagOptions}). Flags not given keep
 * their defaults.
 *
 * @param fields The table.
 * @param values The flags given, by flag name: text, or true for a toggle.
 * @param command The subcommand, which opens error messages ("sim").
 * @returns The settings.
 * @throws {FieldError} Naming the flag: `sim --loss: 150% is out of range (0 to 100%)`.
 *
 * @example
 * ```ts
 * import { readFlags, SIM_FIELDS } from "./settings.ts";
 * import assert from "node:assert/strict";
 * assert.equal(readFlags(SIM_FIELDS, { "no-nagle": true }, "sim").nagle, false);
 * assert.throws(() => readFlags(SIM_FIELDS, { mtu: "30" }, "sim"), {
 *   name: "FieldError",
 *   message: "sim --mtu: 30 is out of range (68 to 65535)",
 * });
 * ```
 */
export function readFlags<F extends FieldTable>(
  fields: F,
  values: Readonly<Record<string, unknown>>,
  command: string,
): SettingsOf<F> {
  const out: Record<string, unknown> = { ...defaultsOf(fields) };
  for (const [key, f] of Object.entries(fields)) {
    if (f.flag === undefined) continue;
    const given = values[f.flag];
    if (given === undefined || given === false) continue;
    const name = `${command} --${f.flag}`;
    out[key] = f.kind.toggle
      ? !f.default
      : reading(f.flag, () => f.kind.parse(String(given), name, "flag"));
  }
  checkAll(
    fields,
    out,
    (f) => f.flag === undefined ? undefined : [f.flag, `${command} --${f.flag}`],
  );
  return out as SettingsOf<F>;
}

/**
 * Reads a table's settings from a query string (field names are the
 * `query` names: `loss=5&delay=20ms&close=server-first`). Fields left out
 * or empty keep their defaults; an empty toggle is on.
 *
 * @param fields The table.
 * @param query The query.
 * @param bounds Whose bounds apply: the playground server's (`"query"`, the
 *   default), or the command line's (`"flag"`) for a run the visitor's own
 *   browser makes.
 * @returns The settings.
 * @throws {FieldError} Naming the field, for an unknown, repeated or bad field.
 *
 * @example
 * ```ts
 * import { readQuery, SIM_FIELDS } from "./settings.ts";
 * import assert from "node:assert/strict";
 * assert.equal(readQuery(SIM_FIELDS, new URLSearchParams("simultaneous-open=on")).simultaneousOpen, true);
 * assert.throws(() => readQuery(SIM_FIELDS, new URLSearchParams("stall=2m")), /stall: 120000 ms is more than the playground's limit of 60s/);
 * ```
 */
export function readQuery<F extends FieldTable>(
  fields: F,
  query: URLSearchParams,
  bounds: Surface = "query",
): SettingsOf<F> {
  const out: Record<string, unknown> = { ...defaultsOf(fields) };
  const byName = new Map<string, [string, Field<unknown>]>();
  for (const [key, f] of Object.entries(fields)) {
    if (f.query !== undefined) byName.set(f.query, [key, f]);
  }
  const seen = new Set<string>();
  for (const [name, text] of query) {
    const entry = byName.get(name);
    if (entry === undefined) {
      throw new FieldError(
        name,
        `${name}: unknown field; the fields are ${[...byName.keys()].join(", ")}`,
      );
    }
    if (seen.has(name)) throw new FieldError(name, `${name}: given twice`);
    seen.add(name);
    const [key, f] = entry;
    if (text.trim() === "" && !f.kind.toggle) continue;
    out[key] = reading(name, () => f.kind.parse(text, name, bounds));
  }
  checkAll(fields, out, (f) => f.query === undefined ? undefined : [f.query, f.query]);
  return out as SettingsOf<F>;
}

/**
 * The `socklab sim` flags that give these settings: those that differ from
 * the defaults, in table order, and those marked `always` (the seed) last.
 * A setting the CLI lacks cannot be replayed and is left out.
 *
 * @param s The settings.
 * @returns The arguments after `socklab sim`.
 *
 * @example
 * ```ts
 * import { DEFAULT_SETTINGS, replayArgs } from "./settings.ts";
 * import assert from "node:assert/strict";
 * const args = replayArgs({ ...DEFAULT_SETTINGS, bytes: 0, simultaneousOpen: true });
 * assert.deepEqual(args, ["--bytes", "0", "--simultaneous-open", "--seed", "1"]);
 * ```
 */
export function replayArgs(s: SimSettings): string[] {
  const args: string[] = [];
  const last: string[] = [];
  for (const [key, f] of Object.entries(SIM_FIELDS) as [keyof SimSettings, Field<unknown>][]) {
    const value = s[key];
    if (f.flag === undefined || (value === f.default && !f.always)) continue;
    const to = f.always ? last : args;
    if (f.kind.toggle) {
      if (value !== f.default) to.push(`--${f.flag}`);
    } else to.push(`--${f.flag}`, f.kind.format(value));
  }
  return [...args, ...last];
}

/**
 * The flag lines of a `--help`, grouped under each field's heading, in table
 * order: `      --loss PCT          packets lost, percent (default 0)`.
 *
 * @param tables The tables, in the order to list them.
 * @returns The lines, each heading ending with ":".
 *
 * @example
 * ```ts
 * import { flagHelp, SIM_FIELDS } from "./settings.ts";
 * import assert from "node:assert/strict";
 * assert.match(flagHelp([SIM_FIELDS]).join("\n"), /^TCP:\n {6}--msl TIME {10}maximum segment lifetime/m);
 * ```
 */
export function flagHelp(tables: readonly FieldTable[]): string[] {
  const lines: string[] = [];
  let group: string | undefined;
  for (const f of tables.flatMap((t) => Object.values(t))) {
    if (f.flag === undefined) continue;
    if (f.group !== group) lines.push(`${f.group}:`);
    group = f.group;
    const left = f.arg === undefined ? `--${f.flag}` : `--${f.flag} ${f.arg}`;
    lines.push(`      ${left.padEnd(19)} ${f.help}`);
  }
  return lines;
}

/**
 * The options of `runTransfer()` that run these settings (the same link
 * impairments both ways); add `trace` and `fault` as needed.
 *
 * @param s The settings.
 * @param loaded Controllers loaded from files (see {@link controllersOf}).
 * @returns The options.
 *
 * @example
 * ```ts
 * import { DEFAULT_SETTINGS, transferOptions } from "./settings.ts";
 * import { runTransfer } from "./transfer.ts";
 * import assert from "node:assert/strict";
 * assert.equal(runTransfer(transferOptions({ ...DEFAULT_SETTINGS, bytes: 0 })).ok, true);
 * ```
 */
export function transferOptions(
  s: SimSettings,
  loaded: Readonly<Record<string, () => CongestionController>> = {},
): TransferOptions {
  return {
    seed: s.seed,
    bytes: s.bytes,
    replyBytes: s.replyBytes,
    forward: {
      loss: s.loss,
      reorder: s.reorder,
      duplicate: s.duplicate,
      corrupt: s.corrupt,
      delay: s.delay,
      jitter: s.jitter,
      rate: s.rate,
      queue: s.queue,
      mtu: s.mtu,
    },
    closeOrder: s.close,
    simultaneousOpen: s.simultaneousOpen,
    serverReadsFrom: s.stall,
    maxTime: s.maxTime,
    config: {
      msl: s.msl,
      recvBufferSize: s.recvBuffer,
      delayedAck: s.delayedAck,
      nagle: s.nagle,
      pacing: s.pacing,
      recovery: s.recovery,
      sack: s.sack,
      timestamps: s.timestamps,
      windowScaling: s.windowScaling,
      congestion: controllersOf(s, loaded)[0],
    },
  };
}

/**
 * The controller factory of each flow: the `cc` list, its last entry
 * repeated for flows it does not name. Names come from the built-in table;
 * a file must be in `loaded` (the CLI imports it first).
 *
 * @param s The settings.
 * @param loaded Controllers loaded from files, by the name given in `cc`.
 * @returns One factory per flow.
 * @throws {RangeError} For a file nobody loaded.
 */
export function controllersOf(
  s: SimSettings,
  loaded: Readonly<Record<string, () => CongestionController>> = {},
): (() => CongestionController)[] {
  const list = s.cc.split(",");
  return Array.from({ length: s.flows }, (_, i) => {
    const entry = list[Math.min(i, list.length - 1)];
    return loaded[entry] ?? controllerFactory(entry);
  });
}

/**
 * The options of `runFlows()` that run these settings: `flows` flows, each
 * with its controller from `cc`, through the same link.
 *
 * @param s The settings.
 * @param loaded Controllers loaded from files (see {@link controllersOf}).
 * @returns The options.
 */
export function flowsOptions(
  s: SimSettings,
  loaded: Readonly<Record<string, () => CongestionController>> = {},
): FlowsOptions {
  const t = transferOptions(s, loaded);
  return {
    seed: s.seed,
    controllers: controllersOf(s, loaded),
    bytes: s.bytes,
    duration: s.duration > 0 ? s.duration : undefined,
    forward: t.forward,
    config: t.config,
    maxTime: s.maxTime,
  };
}
