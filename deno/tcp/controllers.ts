/**
 * The congestion controllers socklab ships, by name, in one table: what
 * `socklab sim --cc NAME` offers and what its help lists. A controller of
 * one's own (`--cc FILE`) is a module whose default export makes one; the
 * CLI imports it and {@link controllerFromModule} checks its shape, so a
 * mistake is a clear TypeError at load and not a NaN window mid-transfer.
 *
 * @module
 */
import { type CongestionController, FixedWindow } from "./congestion.ts";
import { Reno } from "./reno.ts";
import { Cubic } from "./cubic.ts";

/** One entry of {@link CONTROLLERS}. */
export interface ControllerInfo {
  /** The name `--cc` takes, and the controller's own `name`. */
  readonly name: ControllerName;
  /** One line for help texts and summaries. */
  readonly description: string;
  /** Makes a fresh controller for one connection. */
  readonly create: () => CongestionController;
}

/** The names of the built-in controllers. */
export type ControllerName = "fixed" | "reno" | "newreno" | "cubic";

/**
 * Reno's window under the name "newreno". NewReno (RFC 6582) changes no
 * window rule: it changes how the sender recovers (a partial ACK during fast
 * recovery retransmits the next hole at once, and recovery lasts until the
 * recovery point), which is the sender's `recovery: "newreno"`. Linux and
 * ns-3 likewise give both names the same window; the name exists so traces
 * and summaries say what was run.
 */
class NewReno extends Reno {
  override readonly name: string = "newreno";
}

/**
 * The built-in controllers, in the order help lists them.
 *
 * @example
 * ```ts
 * import { CONTROLLERS } from "./controllers.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(CONTROLLERS.map((c) => c.name), ["fixed", "reno", "newreno", "cubic"]);
 * ```
 */
export const CONTROLLERS: readonly ControllerInfo[] = [
  {
    name: "fixed",
    description: "no congestion control: a constant window, so only the receive window limits",
    create: () => new FixedWindow(),
  },
  {
    name: "reno",
    description: "RFC 5681 slow start and AIMD (+1 segment per RTT, halve on loss), HyStart++",
    create: () => new Reno(),
  },
  {
    name: "newreno",
    description: "Reno's window; NewReno's partial-ACK rule (RFC 6582) is the sender's recovery",
    create: () => new NewReno(),
  },
  {
    name: "cubic",
    description: "RFC 9438 CUBIC: a cubic curve in time since the last loss, β = 0.7, HyStart++",
    create: () => new Cubic(),
  },
];

/**
 * The factory of the built-in controller called `name`.
 *
 * @param name A name from {@link CONTROLLERS}.
 * @returns A function that makes a fresh controller per connection.
 * @throws {RangeError} If no built-in controller has that name; the message lists them.
 *
 * @example
 * ```ts
 * import { controllerFactory } from "./controllers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(controllerFactory("cubic")().name, "cubic");
 * assert.throws(() => controllerFactory("bbr"), RangeError);
 * ```
 */
export function controllerFactory(name: string): () => CongestionController {
  const entry = CONTROLLERS.find((c) => c.name === name);
  if (!entry) {
    const names = CONTROLLERS.map((c) => c.name).join(", ");
    throw new RangeError(
      `unknown congestion controller ${JSON.stringify(name)}: expected one of ${names}, ` +
        `or a file whose default export makes a controller`,
    );
  }
  return entry.create;
}

const METHODS = ["start", "onAck", "onCongestion", "onRecoveryEnd", "onIdle"] as const;

/**
 * Checks that `value` has the shape of a {@link CongestionController}: a
 * non-empty string `name`, numbers `cwnd` and `ssthresh` (ssthresh may be
 * Infinity, neither may be NaN), and the five methods.
 *
 * @param value What a factory made.
 * @param source Where it came from, for the message (a file name).
 * @returns `value`, typed.
 * @throws {TypeError} Naming everything missing or of the wrong type.
 *
 * @example
 * ```ts
 * import { checkController } from "./controllers.ts";
 * import assert from "node:assert/strict";
 * assert.throws(
 *   () => checkController({ name: "mine", cwnd: 0, ssthresh: Infinity }, "mine.ts"),
 *   /mine\.ts .*no start\(\) method/,
 * );
 * ```
 */
export function checkController(value: unknown, source = "controller"): CongestionController {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `congestion controller from ${source} must be an object, got ${describe(value)}`,
    );
  }
  const c = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof c.name !== "string" || c.name === "") {
    problems.push(`its name is ${describe(c.name)}, not a non-empty string`);
  }
  for (const field of ["cwnd", "ssthresh"]) {
    const n = c[field];
    if (typeof n !== "number" || Number.isNaN(n)) {
      problems.push(`its ${field} is ${describe(n)}, not a number of bytes`);
    }
  }
  for (const method of METHODS) {
    if (typeof c[method] !== "function") problems.push(`it has no ${method}() method`);
  }
  if (problems.length) {
    throw new TypeError(
      `congestion controller from ${source} does not fit the CongestionController interface: ` +
        problems.join("; "),
    );
  }
  return value as CongestionController;
}

/**
 * Turns a module's default export into a controller factory: a class is
 * called with `new`, any other function is called plainly, and what either
 * makes is checked with {@link checkController} (once now, with a probe,
 * and again for every connection).
 *
 * @param exported The module's default export.
 * @param source Where it came from, for messages (the file name).
 * @returns A function that makes a fresh, checked controller per connection.
 * @throws {TypeError} If `exported` is not a function, if calling it throws,
 *   or if what it makes is not a controller.
 *
 * @example A class as the default export
 * ```ts
 * import { controllerFromModule } from "./controllers.ts";
 * import { Reno } from "./reno.ts";
 * import assert from "node:assert/strict";
 * const make = controllerFromModule(Reno, "reno.ts");
 * assert.equal(make().name, "reno");
 * assert.throws(() => controllerFromModule(new Reno(), "x.ts"), /factory function or a class/);
 * ```
 */
export function controllerFromModule(
  exported: unknown,
  source: string,
): () => CongestionController {
  if (typeof exported !== "function") {
    const hint = typeof exported === "object" && exported !== null
      ? " (export a function that returns a new controller, so each connection gets its own)"
      : "";
    throw new TypeError(
      `${source}: the default export must be a factory function or a class that makes a ` +
        `congestion controller, got ${describe(exported)}${hint}`,
    );
  }
  const isClass = /^class\b/.test(Function.prototype.toString.call(exported));
  const make = isClass
    ? () => new (exported as new () => unknown)()
    : () => (exported as () => unknown)();
  const create = () => {
    let made: unknown;
    try {
      made = make();
    } catch (error) {
      throw new TypeError(
        `${source}: making a controller with its default export threw: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    return checkController(made, source);
  };
  create();
  return create;
}

/** A value for an error message: `undefined`, `the string "x"`, `NaN`, `a Reno object`. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : `the number ${value}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "function") return "a function";
  if (typeof value !== "object") return `the ${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return "an array";
  const kind = Object.getPrototypeOf(value)?.constructor?.name;
  return kind && kind !== "Object" ? `a ${kind} object` : "a plain object";
}
