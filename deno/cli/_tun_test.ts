// tunOptions(): the TUN flags of `serve --tun` and `fetch --tun`, read into TunLink's options.
import assert from "node:assert/strict";
import { tunOptions } from "./_tun.ts";
import { UsageError } from "./_args.ts";
import { DEFAULT_TCP_CONFIG } from "../tcp/socket.ts";

Deno.test("tunOptions() gives socklab's TCP its own defaults: a 15-minute user timeout, pacing on", () => {
  const plan = tunOptions("fetch", { tun: "tun0", address: "10.0.0.2/24" })!;
  const config = plan.options.config!;
  assert.equal(config.userTimeout, DEFAULT_TCP_CONFIG.userTimeout);
  assert.equal(config.userTimeout, 15 * 60_000);
  assert.equal(config.pacing, true);
  assert.equal(plan.options.impairments?.delay, 0);
});

Deno.test("tunOptions() hands the TCP flags to the stack: --no-pacing, --no-sack, --user-timeout", () => {
  const plan = tunOptions("serve", {
    tun: "tun0",
    address: "10.0.0.2/24",
    "no-pacing": true,
    "no-sack": true,
    "user-timeout": "90s",
  })!;
  const config = plan.options.config!;
  assert.equal(config.pacing, false);
  assert.equal(config.sack, false);
  assert.equal(config.userTimeout, 90_000);
});

Deno.test("tunOptions() is null without --tun, and a TCP flag without it is a usage error", () => {
  assert.equal(tunOptions("fetch", {}), null);
  assert.throws(
    () => tunOptions("fetch", { "no-pacing": true }),
    (e) =>
      e instanceof UsageError &&
      e.message === "fetch: --no-pacing needs --tun (it sets up the TUN link)",
  );
});

Deno.test("tunOptions() takes --offload, and refuses it beside an impairment, naming both flags", () => {
  const plan = tunOptions("serve", { tun: "tun0", address: "10.0.0.2/24", offload: true })!;
  assert.equal(plan.options.offload, true);
  assert.throws(
    () => tunOptions("serve", { tun: "tun0", address: "10.0.0.2/24", offload: true, loss: "1" }),
    (e) =>
      e instanceof UsageError &&
      e.message ===
        "serve --offload: super-packets of up to 64 KB cannot be impaired per packet on the wire; drop --loss or --offload",
  );
});
