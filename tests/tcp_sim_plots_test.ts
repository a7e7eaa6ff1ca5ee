// examples/tcp_sim_plots.ts writes both plots of a lossy transfer.
import assert from "node:assert/strict";

Deno.test("examples/tcp_sim_plots.ts writes a time-sequence graph and a cwnd plot", async () => {
  const dir = await Deno.makeTempDir({ prefix: "socklab-plots-" });
  try {
    const example = new URL("../examples/tcp_sim_plots.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", example, dir, "reno", "4"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /^OK: reno, (\d+) retransmissions for \1 packets lost/m);
    const ts = await Deno.readTextFile(`${dir}/time-sequence.svg`);
    const cc = await Deno.readTextFile(`${dir}/cwnd.svg`);
    for (const svg of [ts, cc]) {
      assert.match(svg, /^<svg [^]*<\/svg>\n$/);
      assert.doesNotMatch(svg, /NaN|Infinity|no data/);
    }
    assert.match(ts, /<g class="rtx">/);
    assert.match(cc, /<title>Congestion window: 10\.0\.0\.1:49152 \(reno\)<\/title>/);
    assert.match(cc, /<rect class="episode" data-phase="recovery"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
