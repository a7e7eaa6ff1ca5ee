// Broadcast and multicast, which only make sense with a network of their
// own: inside a network namespace this test creates and removes, whose
// loopback is the whole network. Needs root and iproute2.
import assert from "node:assert/strict";
import { missingCommand, missingRoot, requires, sh } from "../deno/_testing.ts";

const NET = new URL("../deno/net/mod.ts", import.meta.url).href;

// Runs inside the namespace. Prints one line per finding.
const SCRIPT = `
import { listenDatagram, setSocketOption } from ${JSON.stringify(NET)};
const enc = new TextEncoder(), dec = new TextDecoder();
await using rx = listenDatagram({ hostname: "0.0.0.0", port: 0 });
await using tx = listenDatagram({ hostname: "127.0.0.1", port: 0 });
const port = rx.addr.port;
const broadcast = { family: "inet", hostname: "127.255.255.255", port };
await setSocketOption(tx, "broadcast", false);
try {
  await tx.send(enc.encode("x"), broadcast);
  console.log("broadcast without SO_BROADCAST: sent");
} catch (e) {
  console.log("broadcast without SO_BROADCAST: " + e.name);
}
await setSocketOption(tx, "broadcast", true);
await tx.send(enc.encode("to everyone"), broadcast);
console.log("broadcast received: " + dec.decode((await rx.receive({ timeout: 5000 })).data));
const group = await rx.joinMulticast("239.1.2.3", "127.0.0.1");
await tx.send(enc.encode("to the group"), { family: "inet", hostname: "239.1.2.3", port });
console.log("multicast received: " + dec.decode((await rx.receive({ timeout: 5000 })).data));
await group.leave();
`;

Deno.test(requires([missingRoot(), missingCommand("ip")], {
  name: "UDP broadcast needs SO_BROADCAST and multicast reaches a joined group (in a netns)",
  async fn() {
    const ns = `socklab-${Deno.pid}-bcast`;
    await sh("ip", "netns", "add", ns);
    try {
      await sh("ip", "-n", ns, "link", "set", "lo", "up", "multicast", "on");
      await sh("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "lo");
      const out = await sh(
        "ip",
        "netns",
        "exec",
        ns,
        Deno.execPath(),
        "eval",
        "--unstable-net",
        SCRIPT,
      );
      assert.equal(
        out,
        [
          "broadcast without SO_BROADCAST: PermissionDenied",
          "broadcast received: to everyone",
          "multicast received: to the group",
          "",
        ].join("\n"),
      );
    } finally {
      await sh("ip", "netns", "del", ns);
    }
  },
}));
