import assert from "node:assert/strict";
import * as libc from "./_libc.ts";
import { NetError, PermissionDenied, SocketClosed } from "./errors.ts";
import { TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TunDevice, tunOpenError } from "./tun.ts";
import * as ipv4 from "../wire/ipv4.ts";
import * as icmp from "../wire/icmp.ts";
import {
  ifName,
  missingCommand,
  missingRoot,
  missingTun,
  requires,
  runUnprivileged,
  sh,
  sweepStaleNetns,
  within,
  withNetns,
} from "../_testing.ts";

Deno.test("tunOpenError() says a TUN device needs root, or the tun module, or a free name", () => {
  const cases: [number, RegExp, typeof NetError][] = [
    [1, /needs root \(or CAP_NET_ADMIN\)/, PermissionDenied],
    [13, /needs root \(or CAP_NET_ADMIN\)/, PermissionDenied],
    [2, /\/dev\/net\/tun does not exist .*modprobe tun/, NetError],
    [19, /modprobe tun/, NetError],
    [16, /an interface named tun7 exists already/, NetError],
  ];
  libc.withLibc(() => {
    for (const [errno, message, type] of cases) {
      const error = tunOpenError(new libc.Errno("ioctl", errno), "tun7");
      assert.ok(error instanceof type, `errno ${errno}`);
      assert.match((error as Error).message, /^open TUN device tun7: /);
      assert.match((error as Error).message, message);
    }
  });
  const other = new TypeError("not an errno");
  assert.equal(tunOpenError(other, "tun7"), other);
});

Deno.test("TunDevice.open() refuses a name the kernel could not take, before opening anything", () => {
  for (const name of ["", "a-name-of-16-chr", "has space", "..", "x/y"]) {
    assert.throws(() => TunDevice.open({ name }), RangeError, name);
  }
  assert.throws(() => TunDevice.open({ name: 7 as unknown as string }), TypeError);
});

Deno.test(requires([missingRoot(), missingCommand("setpriv")], {
  name: "TunDevice.open() without CAP_NET_ADMIN says a TUN device needs root",
  async fn() {
    const module = new URL("./tun.ts", import.meta.url).href;
    const script = `import { TunDevice } from ${JSON.stringify(module)};
try { TunDevice.open({ name: "sltest%d" }); console.log("opened"); }
catch (e) { console.log(e.name + ": " + e.message); }`;
    const out = await runUnprivileged(["eval", "--no-config", script]);
    assert.match(
      out.stdout,
      /^PermissionDenied: open TUN device sltest%d: permission denied on \/dev\/net\/tun: a TUN device needs root \(or CAP_NET_ADMIN\)\n$/,
    );
  },
}));

/** The echo reply to an IPv4 echo request. */
function echoReply(request: Uint8Array): Uint8Array {
  const { repr, payload } = ipv4.parsePacket(request);
  const echo = icmp.parse(payload);
  assert.equal(echo.type, "echoRequest");
  if (echo.type !== "echoRequest") throw new Error("unreachable");
  const reply: icmp.IcmpRepr = {
    type: "echoReply",
    ident: echo.ident,
    seq: echo.seq,
    data: echo.data,
  };
  const length = icmp.bufferLen(reply);
  const out = new Uint8Array(ipv4.HEADER_LEN + length);
  ipv4.emit({ ...repr, src: repr.dst, dst: repr.src, ident: 1, payloadLen: length }, out);
  icmp.emit(reply, out.subarray(ipv4.HEADER_LEN));
  return out;
}

Deno.test(requires([missingTun(), missingCommand("ip"), missingCommand("ping")], {
  name:
    "TunDevice moved into a network namespace reads the kernel's ping and writes the replies, whole and in two pieces (writev)",
  async fn() {
    await withNetns("tundev", async (ns) => {
      await using tun = TunDevice.open({ name: ifName("d") });
      await tun.configure({
        netns: ns,
        mtu: 1500,
        addresses: [{ address: "10.7.0.1", prefix: 24 }],
      });
      assert.equal(tun.netns, ns);
      // The interface left this namespace for the test's one, up, with the kernel's address.
      assert.match(
        await sh("ip", "-n", ns, "addr", "show", "dev", tun.name),
        /UP[^]*10\.7\.0\.1\/24/,
      );
      const ping = new Deno.Command("ip", {
        args: ["netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.7.0.2"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const buf = new Uint8Array(65535);
      let replies = 0;
      await within(
        5000,
        "two echo requests",
        (async () => {
          while (replies < 2 && await tun.readable()) {
            for (let n = tun.read(buf); n !== null; n = tun.read(buf)) {
              const packet = buf.subarray(0, n);
              // Only the IPv4 echo requests: the kernel also sends IPv6 router solicitations.
              if (packet[0] >> 4 !== 4 || packet[9] !== 1) continue;
              const reply = echoReply(packet);
              // The first whole, the second as its IP header and the rest.
              const ok = replies === 0
                ? tun.write(reply)
                : tun.writev(reply.subarray(0, 20), reply.subarray(20));
              assert.equal(ok, true);
              replies++;
            }
          }
        })(),
      );
      const out = await ping;
      assert.ok(out.success, new TextDecoder().decode(out.stdout));
      assert.match(new TextDecoder().decode(out.stdout), /2 packets transmitted, 2 received/);
    });
  },
}));

Deno.test(requires([missingTun(), missingCommand("ip")], {
  name: "TunDevice.close() ends a waiting readable() and the kernel removes the interface",
  async fn() {
    const tun = TunDevice.open({ name: ifName("c") });
    assert.match(await sh("ip", "link", "show", "dev", tun.name), new RegExp(tun.name));
    const waiting = tun.readable();
    await tun.close();
    assert.equal(await waiting, false);
    assert.equal(await tun.readable(), false);
    assert.throws(() => tun.read(new Uint8Array(10)), SocketClosed);
    assert.throws(() => tun.write(new Uint8Array(20)), SocketClosed);
    await assert.rejects(sh("ip", "link", "show", "dev", tun.name), /does not exist/);
    await tun.close(); // idempotent
  },
}));

Deno.test(requires(missingTun(), {
  name: "TunDevice.open() with a name in use says the interface exists",
  async fn() {
    await using first = TunDevice.open({ name: ifName("u") });
    assert.throws(() => TunDevice.open({ name: first.name }), /exists already/);
  },
}));

Deno.test(requires(missingTun(), {
  name:
    "TunDevice.setOffload() takes the offloads with the virtio-net header, and refuses them without it",
  async fn() {
    await using plain = TunDevice.open({ name: ifName("n") });
    assert.throws(() => plain.setOffload(TUN_F_CSUM | TUN_F_TSO4), TypeError, "vnetHeader");
    await using vnet = TunDevice.open({ name: ifName("v"), vnetHeader: true });
    vnet.setOffload(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
    // The kernel now lets the interface take super-packets: TSO is on.
    const features = await sh("ethtool", "-k", vnet.name).catch(() => null);
    if (features !== null) assert.match(features, /tcp-segmentation-offload: on/);
  },
}));

Deno.test(requires([missingRoot(), missingCommand("ip")], {
  name:
    "withNetns() first deletes the namespaces of test processes that were killed, and no one else's",
  async fn() {
    // No process has pid 999999999 (above pid_max); this process is alive.
    const dead = "socklab-999999999-stale", mine = `socklab-${Deno.pid}-mine`;
    const other = `notsocklab-999999999-x`;
    for (const ns of [dead, mine, other]) await sh("ip", "netns", "add", ns);
    try {
      await sweepStaleNetns();
      const left = (await sh("ip", "netns", "list")).split("\n").map((l) => l.split(" ")[0]);
      assert.ok(!left.includes(dead), "the dead process's namespace is gone");
      assert.ok(left.includes(mine), "this process's own namespace stays");
      assert.ok(left.includes(other), "a namespace not named by socklab stays");
    } finally {
      for (const ns of [dead, mine, other]) await sh("ip", "netns", "del", ns).catch(() => {});
    }
  },
}));
