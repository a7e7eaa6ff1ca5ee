// The segmentation parameter record is laid out twice by hand: P_* in
// core/assembly/packet/segment.ts (which reads it) and P in
// core/js/packet_api.js (which writes it), with the option bits and error
// codes beside them. Nothing at run time checks that the two agree, so this
// test reads both sources and fails when they drift: an offset, a width, a
// field the core reads that the wrapper never writes, overlapping fields,
// the record's size, an option bit or an error code.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const AS_SOURCE = readFileSync(new URL("../assembly/packet/segment.ts", import.meta.url), "utf8");
const JS_SOURCE = readFileSync(new URL("./packet_api.js", import.meta.url), "utf8");

/** The wrapper's names for option bits the core names otherwise. */
const OPT_NAMES = { OPT_DONT_FRAGMENT: "OPT_DF" };

/** Bytes a field's comment says it spans: "u16", "4 x (u32 left, u32 right)", "4 or 16 bytes". */
function extent(comment) {
  const scalar = /^u(8|16|32)\b/.exec(comment);
  if (scalar) return Number(scalar[1]) / 8;
  const array = /^(\d+) x \(u32 \w+, u32 \w+\)/.exec(comment);
  if (array) return Number(array[1]) * 8;
  const bytes = /^\d+ or (\d+) bytes/.exec(comment);
  if (bytes) return Number(bytes[1]);
  throw new Error(`segment.ts: cannot tell the size of a field from its comment "${comment}"`);
}

/** The record as segment.ts declares and reads it. */
function coreLayout(source) {
  const fields = new Map();
  for (const m of source.matchAll(/export const P_(\w+): usize = (\d+);\s*\/\/ ([^\n]+)/g)) {
    fields.set(m[1], { offset: Number(m[2]), size: extent(m[3]), reads: new Set() });
  }
  const size = Number(/export const PARAMS_BYTES: usize = (\d+);/.exec(source)?.[1]);
  for (const m of source.matchAll(/load<u(8|16|32)>\(params \+ P_(\w+)\b/g)) {
    fields.get(m[2])?.reads.add(Number(m[1]) / 8);
  }
  for (const m of source.matchAll(/memory\.copy\([^,]+, params \+ P_(\w+)\b/g)) {
    fields.get(m[1])?.reads.add("bytes");
  }
  const options = new Map(
    [...source.matchAll(/export const (OPT_\w+): u8 = (\d+);/g)].map((m) => [m[1], Number(m[2])]),
  );
  const errors = new Set(
    [...source.matchAll(/export const SEG_\w+: i32 = (-\d+);/g)].map((m) => Number(m[1])),
  );
  return { fields, size, options, errors };
}

/** The record as packet_api.js writes it. */
function wrapperLayout(source) {
  const body = /const P = \{([^}]*)\};/.exec(source)?.[1] ?? "";
  const offsets = new Map([...body.matchAll(/(\w+): (\d+),/g)].map((m) => [m[1], Number(m[2])]));
  const writes = new Map();
  for (const m of source.matchAll(/view\.setUint(8|16|32)\(\s*at \+ P\.(\w+)\b/g)) {
    writes.set(m[2], Number(m[1]) / 8);
  }
  for (const m of source.matchAll(/mem\.set\(\w+, params \+ P\.(\w+)\)/g)) {
    writes.set(m[1], "bytes");
  }
  const options = new Map(
    [...source.matchAll(/(OPT_\w+) = (\d+)/g)].map((m) => [m[1], Number(m[2])]),
  );
  const errorsBody = /const SEGMENT_ERRORS = \{([^}]*)\};/.exec(source)?.[1] ?? "";
  const errors = new Set([...errorsBody.matchAll(/\[(-\d+)\]:/g)].map((m) => Number(m[1])));
  return { offsets, writes, options, errors };
}

/** Every way the two layouts disagree, in words. */
function drift(asSource, jsSource) {
  const core = coreLayout(asSource);
  const js = wrapperLayout(jsSource);
  const problems = [];
  if (core.fields.size === 0 || js.offsets.size === 0) problems.push("no record found");
  for (const [name, offset] of js.offsets) {
    if (name === "BYTES") {
      if (offset !== core.size) problems.push(`P.BYTES is ${offset}, PARAMS_BYTES ${core.size}`);
      continue;
    }
    const field = core.fields.get(name);
    if (!field) problems.push(`P.${name} has no P_${name} in segment.ts`);
    else if (field.offset !== offset) {
      problems.push(`P.${name} is at ${offset}, P_${name} at ${field.offset}`);
    }
  }
  for (const [name, field] of core.fields) {
    if (field.reads.size === 0) continue; // declared but never read (P_URGENT)
    if (!js.offsets.has(name)) problems.push(`the core reads P_${name}, which P lacks`);
    const written = js.writes.get(name);
    if (written === undefined) {
      problems.push(`the core reads P_${name}, which the wrapper never writes`);
    }
    for (const width of field.reads) {
      if (width !== "bytes" && width !== field.size && name !== "SACK") {
        problems.push(`P_${name} is read as ${width} bytes, declared as ${field.size}`);
      }
      if (written !== undefined && written !== width) {
        problems.push(`P_${name} is read as ${width} bytes, written as ${written}`);
      }
    }
  }
  const spans = [...core.fields].map(([name, f]) => [name, f.offset, f.offset + f.size])
    .sort((a, b) => a[1] - b[1]);
  spans.forEach(([name, , end], i) => {
    const next = spans[i + 1];
    if (next && end > next[1]) problems.push(`P_${name} overlaps P_${next[0]}`);
    if (end > core.size) problems.push(`P_${name} ends at ${end}, past PARAMS_BYTES ${core.size}`);
  });
  for (const [name, bit] of core.options) {
    const jsName = OPT_NAMES[name] ?? name;
    if (js.options.get(jsName) !== bit) {
      problems.push(`${name} is ${bit} in segment.ts, ${js.options.get(jsName)} in packet_api.js`);
    }
  }
  const codes = (set) => [...set].sort().join(" ");
  if (codes(core.errors) !== codes(js.errors)) {
    problems.push(`error codes ${codes(core.errors)} in segment.ts, ${codes(js.errors)} explained`);
  }
  return problems;
}

describe("the segmentation parameter record", () => {
  test("segment.ts and packet_api.js lay it out the same: offsets, widths, size, option bits, error codes", () => {
    expect(drift(AS_SOURCE, JS_SOURCE)).toEqual([]);
    // What the comparison found, so a parse that finds nothing cannot pass.
    expect(wrapperLayout(JS_SOURCE).offsets.size).toBe(22); // 21 fields and BYTES
    expect(coreLayout(AS_SOURCE).fields.size).toBe(22); // P_URGENT too
  });

  test("the comparison catches each kind of drift", () => {
    const cases = [
      [
        AS_SOURCE.replace("P_WINDOW: usize = 12;", "P_WINDOW: usize = 13;"),
        JS_SOURCE,
        /P\.WINDOW is at 12/,
      ],
      [AS_SOURCE, JS_SOURCE.replace("TS_ECR: 36,", "TS_ECR: 37,"), /P\.TS_ECR is at 37/],
      [AS_SOURCE, JS_SOURCE.replace("BYTES: 104,", "BYTES: 100,"), /P\.BYTES is 100/],
      [
        AS_SOURCE,
        JS_SOURCE.replace("view.setUint16(at + P.WINDOW", "view.setUint32(at + P.WINDOW"),
        /P_WINDOW is read as 2 bytes, written as 4/,
      ],
      [
        AS_SOURCE.replace("load<u16>(params + P_IP_ID)", "load<u16>(params + P_URGENT)"),
        JS_SOURCE,
        /the core reads P_URGENT, which P lacks/,
      ],
      [
        AS_SOURCE.replace("P_SACK: usize = 40;", "P_SACK: usize = 36;"),
        JS_SOURCE,
        /P_TS_ECR overlaps P_SACK/,
      ],
      [
        AS_SOURCE,
        JS_SOURCE.replace("OPT_SACK_PERMITTED = 4", "OPT_SACK_PERMITTED = 32"),
        /OPT_SACK_PERMITTED is 4/,
      ],
      [AS_SOURCE, JS_SOURCE.replace('[-6]: "at most 4 SACK blocks fit",', ""), /error codes/],
    ];
    for (const [as, js, why] of cases) {
      expect(as !== AS_SOURCE || js !== JS_SOURCE, String(why)).toBe(true);
      expect(drift(as, js).join("\n")).toMatch(why);
    }
  });
});
