// Stands in for node:util in the browser bundle (see ../build.mjs): the
// playground parses query fields with the CLI's unit parsers, never a whole
// command line.
export function parseArgs(): never {
  throw new Error("parseArgs: the browser build parses no command lines");
}
export type ParseArgsOptionsConfig = Record<string, unknown>;
