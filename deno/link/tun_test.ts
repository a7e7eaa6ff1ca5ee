import assert from "node:assert/strict";
import { planTunAddresses, TunLink } from "./tun.ts";
import { TunRelay } from "./relay.ts";
import { REAL_TIME_CLOCK_JITTER } from "./driver.ts";
import type { TraceEvent } from "../tcp/events.ts";
import {
  ifName,
  missingCommand,
  missingTun,
  randomBytes,
  readToEnd,
  requires,
  sh,
  spawnIn,
  untilListening,
  within,
  withNetns,
} from "../_testing.ts";

Deno.test("planTunAddresses() gives the kernel the first free host address of each prefix", () => {
  const kernelOf = (cidr: string) => planTunAddresses(cidr)[0].kernel;
  assert.equal(kernelOf("10.0.0.2/24"), "10.0.0.1");
  assert.equal(kernelOf("10.0.0.1/24"), "10.0.0.2");
  assert.equal(kernelOf("10.0.0.1/30"), "10.0.0.2");
  assert.equal(kernelOf("10.0.0.0/31"), "10.0.0.1"); // RFC 3021: both are hosts
  assert.equal(kernelOf("10.0.0.1/31"), "10.0.0.0");
  assert.equal(kernelOf("192.168.7.200/16"), "192.168.0.1");
  assert.equal(kernelOf("fd00::2/64"), "fd00::1");
  assert.equal(kernelOf("fd00::1/64"), "fd00::2");
  assert.equal(kernelOf("fd00::/127"), "fd00::1");
  assert.deepEqual(planTunAddresses(["10.0.0.2/24", "fd00::2/64"], ["10.0.0.9"]), [
    { socklab: "10.0.0.2", kernel: "10.0.0.9", prefix: 24 },
    { socklab: "fd00::2", kernel: "fd00::1", prefix: 64 },
  ]);
});

Deno.test("TunLink.open() refuses super-segments without offload, before opening a device", async () => {
  await assert.rejects(
    TunLink.open({ address: "10.0.0.2/24", config: { segmentOffload: 20_000 } }),
    (e) => e instanceof RangeError && /segmentOffload needs offload: true/.test(e.message),
  );
});

Deno.test("TunLink.open() refuses offload beside impairments that act per packet, before opening a device", async () => {
  await assert.rejects(
    TunLink.open({ address: "10.0.0.2/24", offload: true, impairments: { loss: 0.01, delay: 5 } }),
    (e) =>
      e instanceof RangeError &&
      e.message.endsWith("loss, delay cannot go with offload"),
  );
});

Deno.test("planTunAddresses() refuses what the kernel could not route to socklab", () => {
  const cases: [string | string[], string | string[] | undefined, RegExp][] = [
    ["10.0.0.2", undefined, /such as 10\.0\.0\.2\/24/],
    ["10.0.0.02/24", undefined, /such as 10\.0\.0\.2\/24/],
    ["10.0.0.2/33", undefined, /longer than 32 bits/],
    ["10.0.0.2/32", undefined, /leaves no address for the kernel/],
    ["fd00::2/128", undefined, /leaves no address for the kernel/],
    [["10.0.0.2/24", "10.0.1.2/24"], undefined, /two IPv4 addresses/],
    ["10.0.0.2/24", "10.0.1.1", /outside 10\.0\.0\.2\/24/],
    ["10.0.0.2/24", "10.0.0.2", /socklab's own address/],
    ["10.0.0.2/24", "fd00::1", /no address of its family/],
    ["10.0.0.2/24", "nowhere", /canonical/],
    [[], undefined, /needs an address/],
  ];
  for (const [address, peer, message] of cases) {
    assert.throws(() => planTunAddresses(address, peer), message, JSON.stringify(address));
  }
});

const NEEDS = [missingTun(), missingCommand("ip")];
const FAST = { rtt: { initialRto: 200, minRto: 50, maxRto: 2000 }, msl: 100 };

/** Runs `fn` with a TUN link in a fresh namespace: socklab 10.0.0.2 and fd00::2, the kernel .1 and ::1. */
async function withLink(
  tag: string,
  options: Partial<Parameters<typeof TunLink.open>[0]>,
  fn: (link: TunLink, ns: string) => Promise<void>,
): Promise<void> {
  await withNetns(tag, async (ns) => {
    const link = await TunLink.open({
      name: ifName(tag),
      address: ["10.0.0.2/24", "fd00::2/64"],
      netns: ns,
      config: FAST,
      ...options,
    });
    try {
      await fn(link, ns);
    } finally {
      await link.close();
    }
  });
}

Deno.test(requires([...NEEDS, missingCommand("ping")], {
  name: "TunLink answers the kernel's ping over IPv4 and IPv6, and a 4000-byte ping in fragments",
  async fn() {
    await withLink("p", {}, async (link, ns) => {
      assert.equal(link.netns, ns);
      assert.deepEqual(link.addresses.map((a) => a.kernel), ["10.0.0.1", "fd00::1"]);
      for (
        const args of [["10.0.0.2"], ["fd00::2"], ["-s", "4000", "10.0.0.2"], [
          "-s",
          "3000",
          "fd00::2",
        ]]
      ) {
        const out = await sh(
          "ip",
          "netns",
          "exec",
          ns,
          "ping",
          "-c",
          "2",
          "-i",
          "0.2",
          "-W",
          "2",
          ...args,
        );
        assert.match(out, /2 packets transmitted, 2 received/, args.join(" "));
      }
      assert.equal(link.host.stats.echoReplies, 8);
      assert.ok(link.host.stats.reassembled >= 4);
    });
  },
}));

const ECHO_SERVER = `
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen()
for _ in range(2):
    c, _ = s.accept()
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
`;

Deno.test(requires([...NEEDS, missingCommand("python3")], {
  name: "TunLink connects socklab's TCP to a kernel echo server over IPv4 and IPv6, byte-exact",
  async fn() {
    await withLink("e", {}, async (link, ns) => {
      for (const [kernel, port] of [["10.0.0.1", 7001], ["fd00::1", 7002]] as const) {
        const server = spawnIn(ns, ["python3", "-c", ECHO_SERVER, kernel, String(port)]);
        try {
          await untilListening(ns, port);
          const data = randomBytes(60_000);
          const conn = await link.connect(kernel, port);
          assert.equal(conn.localAddr.hostname, kernel.includes(":") ? "fd00::2" : "10.0.0.2");
          // A real-time link: its timers fire late, and the TCP is told.
          assert.equal(conn.socket.config.clockJitter, REAL_TIME_CLOCK_JITTER);
          const writing = conn.writeAll(data).then(() => conn.closeWrite());
          const back = await within(10_000, "the echo", readToEnd(conn));
          await writing;
          assert.deepEqual(back, data);
          conn.close();
        } finally {
          await server.stop();
        }
      }
    });
  },
}));

Deno.test(requires([...NEEDS, missingCommand("curl")], {
  name:
    "TunLink: curl in the namespace reaches socklab's listener, and a closed port is refused at once",
  async fn() {
    await withLink("l", {}, async (link, ns) => {
      const listener = link.listen(8080);
      const serving = (async () => {
        for (let i = 0; i < 2; i++) {
          const conn = await listener.accept();
          const request = new TextDecoder().decode(await readUntilBlankLine(conn));
          const body = `hello ${conn.remoteAddr.hostname} ${request.split(" ")[1]}`;
          await conn.writeAll(new TextEncoder().encode(
            `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
          ));
          conn.close();
        }
      })();
      assert.equal(
        await sh("ip", "netns", "exec", ns, "curl", "-sS", "http://10.0.0.2:8080/a"),
        "hello 10.0.0.1 /a",
      );
      assert.equal(
        await sh("ip", "netns", "exec", ns, "curl", "-sS", "-g", "http://[fd00::2]:8080/b"),
        "hello fd00::1 /b",
      );
      await serving;
      listener.close();
      const started = performance.now();
      await assert.rejects(
        sh("ip", "netns", "exec", ns, "curl", "-sS", "http://10.0.0.2:8081/"),
        /Couldn't connect to server|Connection refused/,
      );
      assert.ok(performance.now() - started < 2000, "refused at once, not after a timeout");
      assert.ok(link.driver.stack.resets >= 1);
    });
  },
}));

async function readUntilBlankLine(conn: { read(p: Uint8Array): Promise<number | null> }) {
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return new TextEncoder().encode(text);
}

Deno.test(requires([...NEEDS, missingCommand("python3")], {
  name:
    "TunLink's impairments lose, corrupt and duplicate packets in both directions, and TCP still delivers every byte",
  async fn() {
    const events: TraceEvent[] = [];
    const impairments = { loss: 0.05, corrupt: 0.05, duplicate: 0.05 };
    await withLink(
      "i",
      { impairments, seed: 7, trace: (e) => events.push(e) },
      async (link, ns) => {
        const server = spawnIn(ns, ["python3", "-c", ECHO_SERVER, "10.0.0.1", "7003"]);
        try {
          await untilListening(ns, 7003);
          const data = randomBytes(300_000);
          const conn = await within(20_000, "connect", link.connect("10.0.0.1", 7003));
          const writing = conn.writeAll(data).then(() => conn.closeWrite());
          const back = await within(60_000, "the echo", readToEnd(conn));
          await writing;
          assert.deepEqual(back, data);
          conn.close();
        } finally {
          await server.stop();
        }
        const { outbound, inbound, host } = link.stats;
        assert.ok(outbound.lost > 0 && inbound.lost > 0, JSON.stringify(link.stats));
        assert.ok(outbound.corrupted > 0 && inbound.corrupted > 0);
        assert.ok(outbound.duplicated > 0 && inbound.duplicated > 0);
        // What the kernel corrupted on the way in, socklab's host caught by checksum.
        assert.equal(host.rejected, inbound.corrupted);
        const drops = events.filter((e) => e.kind === "drop" && e.reason === "loss");
        assert.equal(drops.length, outbound.lost + inbound.lost);
      },
    );
  },
}));

Deno.test(requires(NEEDS, {
  name: "TunLink.close() removes the interface from its namespace",
  async fn() {
    await withNetns("x", async (ns) => {
      const link = await TunLink.open({ name: ifName("x"), address: "10.0.0.2/24", netns: ns });
      assert.match(await sh("ip", "-n", ns, "addr", "show", "dev", link.name), /10\.0\.0\.1\/24/);
      await link.close();
      await assert.rejects(sh("ip", "-n", ns, "link", "show", "dev", link.name), /does not exist/);
      await link.close(); // idempotent
    });
  },
}));

Deno.test(requires(NEEDS, {
  name: "TunLink.open() refuses an MTU too small for IPv6 before it opens anything",
  async fn() {
    await assert.rejects(
      TunLink.open({ address: "fd00::2/64", impairments: { mtu: 1000 } }),
      /IPv6 needs 1280/,
    );
  },
}));

Deno.test(requires([...NEEDS, missingCommand("ping")], {
  name: "TunRelay joins two kernels in two namespaces through the impairments, both ways",
  async fn() {
    await withNetns("ra", async (a) => {
      await withNetns("rb", async (b) => {
        const relay = await TunRelay.open({
          a: { name: ifName("ra"), netns: a, address: "10.1.0.1/24", routes: ["10.2.0.0/24"] },
          b: { name: ifName("rb"), netns: b, address: "10.2.0.1/24", routes: ["10.1.0.0/24"] },
          impairments: { delay: 20 },
        });
        try {
          const out = await sh(
            "ip",
            "netns",
            "exec",
            a,
            "ping",
            "-c",
            "3",
            "-i",
            "0.2",
            "10.2.0.1",
          );
          assert.match(out, /3 packets transmitted, 3 received/);
          // 20 ms each way: the round trip takes 40 ms (a timer may fire up to 1 ms early).
          const min = Number(/= ([\d.]+)\//.exec(out)![1]);
          assert.ok(min >= 38, `rtt min ${min} ms`);
          assert.ok(relay.stats.aToB.relayed >= 3 && relay.stats.bToA.relayed >= 3);
        } finally {
          await relay.close();
        }
      });
    });
  },
}));
