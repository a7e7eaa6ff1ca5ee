// ping: ICMP echo over a raw socket (root or CAP_NET_RAW). The request is
// built, and the reply decoded, with socklab's wire formats: a raw IPv4
// socket hands us the whole IP packet, header first.
//
//   sudo deno run -A examples/ping.ts [host] [count]      (host: 127.0.0.1, ::1, ...)
import { isIPv6, PermissionDenied, Pinger, TimedOut } from "../deno/net/mod.ts";

const host = Deno.args[0] ?? "127.0.0.1";
const count = Number(Deno.args[1] ?? 4);

let pinger: Pinger;
try {
  pinger = new Pinger(isIPv6(host) ? "inet6" : "inet");
} catch (error) {
  if (error instanceof PermissionDenied) {
    console.error(`${error.message}\nRaw sockets need root: try sudo.`);
    Deno.exit(1);
  }
  throw error;
}

const payload = new TextEncoder().encode("socklab ping, 32 bytes of data..");
console.log(`PING ${host}: ${payload.length} data bytes`);
for (let seq = 1; seq <= count; seq++) {
  const start = performance.now();
  await pinger.send(host, seq, payload);
  try {
    const reply = await pinger.reply(seq, 1000);
    const ms = (performance.now() - start).toFixed(3);
    const ttl = reply.ttl === null ? "" : ` ttl=${reply.ttl}`;
    console.log(
      `${
        reply.data.length + 8
      } bytes from ${reply.from.hostname}: icmp_seq=${seq}${ttl} time=${ms} ms`,
    );
  } catch (error) {
    if (!(error instanceof TimedOut)) throw error;
    console.log(`no reply for icmp_seq=${seq}`);
  }
  if (seq < count) await new Promise((r) => setTimeout(r, 200));
}
pinger.close();
