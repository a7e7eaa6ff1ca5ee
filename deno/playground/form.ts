/**
 * The playground's settings form, described from the one settings table
 * (`../link/settings.ts`): every setting with a query field, in table order,
 * as plain data the Web Worker hands to the page (which builds the form from
 * it) — so a setting added to the table appears in the form, in the shared
 * URL and in the replay command without a change here.
 *
 * @module
 */
import { type Field, SIM_FIELDS } from "../link/settings.ts";

/** One control of the form. */
export interface FormField {
  /** The query field. */
  readonly name: string;
  /** The help line of `socklab sim --help`, which says what it does and its default. */
  readonly help: string;
  /** The fieldset it goes in: the help's heading. */
  readonly group: string;
  /** What the value looks like ("PCT", "TIME"), or "" for a toggle. */
  readonly arg: string;
  /** A checkbox (on or off) rather than text. */
  readonly toggle: boolean;
  /** The default as the field would be written ("10ms", "on"). */
  readonly placeholder: string;
  /** For a toggle, whether it is on by default. */
  readonly defaultOn: boolean;
  /** The values to pick from, for a setting that takes one of a list. */
  readonly values: readonly string[] | null;
}

/**
 * The form's controls, in the table's order.
 *
 * @returns One control per query field of the settings table.
 *
 * @example
 * ```ts
 * import { formFields } from "./form.ts";
 * import assert from "node:assert/strict";
 * const loss = formFields().find((f) => f.name === "loss")!;
 * assert.equal(loss.group, "Link (both directions)");
 * assert.equal(loss.placeholder, "0%");
 * ```
 */
export function formFields(): FormField[] {
  return (Object.values(SIM_FIELDS) as Field<unknown>[])
    .filter((f) => f.query !== undefined)
    .map((f) => ({
      name: f.query!,
      help: f.help,
      group: f.group,
      arg: f.arg ?? "",
      toggle: f.kind.toggle,
      placeholder: f.kind.format(f.default),
      defaultOn: f.default === true,
      values: f.kind.values ?? null,
    }));
}
