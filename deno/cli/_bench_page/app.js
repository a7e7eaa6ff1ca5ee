// The checksum benchmark in the browser: the core's builds beside the
// plain-JavaScript baselines of `socklab bench checksum`, measured with the
// same loop (bench/_measure.js), shown as tables of GB/s and ratios. The
// query may set `budget` (ms per round and contender), `rounds`, and `run`
// to start at once. The results are left in `window.benchResult` as well.
// The modules are the server's paths (_bench_page.ts), imported by a
// computed URL so that type checks of the repository pass them by.
const served = (path) => import(new URL(path, location.origin).href);
const [{ instantiate, simdSupported }, { measureAll, testData }, plain] = await Promise.all([
  served("/bench/core/instantiate.js"),
  served("/bench/lib/_measure.js"),
  served("/bench/lib/_plain_js.js"),
]);
const { crc32cJs, crc32Js, inetChecksumJs } = plain;

const SIZES = [64, 1500, 64 * 1024, 1024 * 1024];
const query = new URLSearchParams(location.search);
const options = {
  budgetMs: Number(query.get("budget") ?? 20),
  rounds: Number(query.get("rounds") ?? 6),
};

const status = document.getElementById("status");
const results = document.getElementById("results");
const button = document.getElementById("run");

function sizeLabel(n) {
  if (n === 1500) return "1500 B (MTU)";
  if (n >= 1 << 20) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10) return `${n / (1 << 10)} KiB`;
  return `${n} B`;
}

function table(title, sizes, rows) {
  const section = document.createElement("section");
  const h2 = document.createElement("h2");
  h2.textContent = title;
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  for (const text of ["GB/s", ...sizes.map(sizeLabel)]) {
    const th = document.createElement("th");
    th.textContent = text;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const { name, cells, ratio } of rows) {
    const row = body.insertRow();
    if (ratio) row.className = "ratio";
    for (const text of [name, ...cells]) row.insertCell().textContent = text;
  }
  section.append(h2, t);
  results.appendChild(section);
}

/** The contenders of one checksum: each socklab build, in place and copied in, and plain JS. */
function contenders(cores, fn, plain) {
  const list = [];
  for (const core of cores) {
    const run = (data) => core[fn](data);
    list.push({ name: `socklab ${core.engine}`, run });
    list.push({
      name: `socklab ${core.engine}, in core memory`,
      run,
      prepare: (data) => {
        const buf = core.alloc(data.length);
        buf.bytes.set(data);
        return buf.bytes;
      },
    });
  }
  list.push({ name: "plain JavaScript", run: plain });
  return list;
}

async function benchmark() {
  button.disabled = true;
  results.replaceChildren();
  const engines = simdSupported ? ["simd", "scalar"] : ["scalar"];
  const cores = await Promise.all(engines.map((engine) => instantiate({ engine })));
  document.getElementById("environment").textContent =
    `${navigator.userAgent}; ${navigator.hardwareConcurrency ?? "?"} logical CPUs; ` +
    (simdSupported ? "WebAssembly SIMD supported" : "no WebAssembly SIMD: scalar build only");
  const out = { engines, sizes: SIZES, options, tables: [] };
  const algorithms = [
    ["Internet checksum (RFC 1071)", "inetChecksum", inetChecksumJs],
    ["CRC-32 (IEEE)", "crc32", crc32Js],
    ["CRC-32C (Castagnoli)", "crc32c", crc32cJs],
  ];
  for (const [a, [title, fn, plain]] of algorithms.entries()) {
    const list = contenders(cores, fn, plain);
    // Every contender must give the baseline's answer before it is timed.
    const sample = testData(1500);
    for (const c of list) {
      const got = c.run(c.prepare ? c.prepare(sample) : sample);
      if (got !== plain(sample)) {
        throw new Error(`${title}: ${c.name} gave ${got}, plain JavaScript ${plain(sample)}`);
      }
    }
    const measured = await measureAll(list, SIZES, {
      ...options,
      onProgress: (p) => {
        status.textContent = `${title} (${a + 1} of ${algorithms.length}): ${
          sizeLabel(p.size)
        }, round ${p.round + 1} of ${p.rounds}`;
      },
    });
    const baseline = measured.get("plain JavaScript");
    const rows = [...measured].map(([name, values]) => ({
      name,
      values,
      cells: values.map((v) => v.toFixed(2)),
    }));
    for (const engine of engines) {
      const values = measured.get(`socklab ${engine}`).map((v, i) => v / baseline[i]);
      rows.push({
        name: `ratio socklab ${engine} / plain JavaScript`,
        values,
        cells: values.map((v) => `${v.toFixed(2)}x`),
        ratio: true,
      });
    }
    table(title, SIZES, rows);
    out.tables.push({
      title,
      rows: rows.map(({ name, values, ratio }) => ({ name, values, ratio: !!ratio })),
    });
  }
  status.textContent = "Done. Run it again for a second opinion: the best of each is kept per run.";
  button.disabled = false;
  globalThis.benchResult = out;
}

function run() {
  benchmark().catch((error) => {
    status.textContent = `The benchmark failed: ${error.message}`;
    status.className = "error";
    button.disabled = false;
    globalThis.benchResult = { error: error.message };
  });
}

button.addEventListener("click", run);
if (query.has("run")) run();
