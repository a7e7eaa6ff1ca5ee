import assert from "node:assert/strict";
import { formFields } from "./form.ts";
import { readQuery, SIM_FIELDS } from "../link/settings.ts";

Deno.test("formFields() offers every query field of the settings table, in its order", () => {
  const names = formFields().map((f) => f.name);
  const table = Object.values(SIM_FIELDS).flatMap((f) => f.query === undefined ? [] : [f.query]);
  assert.deepEqual(names, table);
});

Deno.test("formFields() describes toggles, lists and defaults as the form needs them", () => {
  const by = Object.fromEntries(formFields().map((f) => [f.name, f]));
  assert.deepEqual([by.sack.toggle, by.sack.defaultOn], [true, true]);
  assert.deepEqual([by["simultaneous-open"].toggle, by["simultaneous-open"].defaultOn], [
    true,
    false,
  ]);
  assert.deepEqual(by.close.values, ["client-first", "server-first", "simultaneous"]);
  assert.ok(by.cc.values!.includes("reno"));
  assert.equal(by.bytes.values, null);
  // Each placeholder is a default the query reads back to the same setting.
  for (const f of formFields()) {
    if (f.toggle) continue;
    const given = readQuery(SIM_FIELDS, new URLSearchParams({ [f.name]: f.placeholder }));
    assert.deepEqual(given, readQuery(SIM_FIELDS, new URLSearchParams()), f.name);
  }
});
