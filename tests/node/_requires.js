// The vitest twin of deno/_testing.ts `requires()`: a test that needs
// something this machine may lack is skipped with its reason, or fails with
// that reason when SOCKLAB_REQUIRE_ALL=1 (as CI sets).
import { existsSync } from "node:fs";
import { test } from "vitest";

/** Null when `path` exists, else why it is missing. */
export function missingFile(path, hint) {
  return existsSync(path) ? null : `${path} does not exist (${hint})`;
}

/** Declares a test that runs only when `missing` is null. */
export function testRequiring(missing, name, fn, timeout) {
  if (missing === null) return test(name, fn, timeout);
  if (process.env.SOCKLAB_REQUIRE_ALL === "1") {
    return test(name, () => {
      throw new Error(`required by SOCKLAB_REQUIRE_ALL=1 but unavailable: ${missing}`);
    });
  }
  return test.skip(`${name} (skipped: ${missing})`, fn);
}
