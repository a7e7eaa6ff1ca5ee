// @ts-self-types="./_measure.d.ts"
// The throughput loop of the benchmarks: run a function over a buffer until
// a time budget passes, several rounds, keep the best. Peers are measured in
// the same run as socklab, their rounds interleaved so that load from other
// processes falls on all of them alike; only ratios are compared. Plain
// JavaScript (types beside it in _measure.d.ts) so that `socklab bench` and
// the browser page of `socklab serve` (/bench) measure the same way.

let sink;

/** Best throughput in GB/s of `fn` over `data` across `rounds` rounds of `budgetMs`. */
export function throughput(fn, data, budgetMs = 60, rounds = 3) {
  for (let i = 0; i < 3; i++) sink = fn(data); // warm up
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    let batch = Math.max(1, Math.floor(65536 / Math.max(1, data.length)));
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < budgetMs) {
      for (let i = 0; i < batch; i++) sink = fn(data);
      calls += batch;
      elapsed = performance.now() - start;
      if (elapsed < budgetMs / 10) batch *= 2;
    }
    best = Math.max(best, (calls * data.length) / (elapsed * 1e6));
  }
  return best;
}

/** Deterministic bytes that no checksum shortcut can exploit. */
export function testData(size) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.imul(i, 2654435761) >>> 24;
  return data;
}

/** Lets the event loop run (a page paints, a progress line is written) between rounds. */
const breathe = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Best GB/s of every contender at every size, by contender name. Rounds
 * alternate between contenders, so a burst of load elsewhere on the machine
 * cannot favour one of them. Between rounds it yields to the event loop and
 * reports where it is through `onProgress`.
 */
export async function measureAll(contenders, sizes, options = {}) {
  const { budgetMs = 60, rounds = 3, data: make = testData, onProgress } = options;
  const results = new Map(contenders.map((c) => [c.name, []]));
  for (const [s, size] of sizes.entries()) {
    const data = make(size);
    const inputs = contenders.map((c) => (c.prepare ? c.prepare(data) : data));
    const best = contenders.map(() => 0);
    const budget = size >= 1 << 20 ? budgetMs * 3 : budgetMs;
    // An untimed round first: engines compile hot code in the background
    // (WebAssembly starts in a baseline tier), which a loaded machine delays.
    // Growing core memory (another contender's prepare) detaches views.
    const input = (c, i) => inputs[i].length === size ? inputs[i] : (inputs[i] = c.prepare(data));
    contenders.forEach((c, i) => throughput(c.run, input(c, i), budget, 1));
    for (let r = 0; r < rounds; r++) {
      onProgress?.({ size, sizeIndex: s, sizes: sizes.length, round: r, rounds });
      await breathe();
      contenders.forEach((c, i) => {
        best[i] = Math.max(best[i], throughput(c.run, input(c, i), budget, 1));
      });
    }
    contenders.forEach((c, i) => results.get(c.name).push(best[i]));
  }
  return results;
}

/** Keeps results observable. */
export function keep() {
  return sink;
}
