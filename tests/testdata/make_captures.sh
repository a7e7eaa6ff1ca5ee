#!/usr/bin/env bash
# Regenerates the captures in this folder: the Linux kernel's TCP between
# curl (namespace a) and socat (namespace b), joined through a router
# namespace by veth pairs with checksum offload off (so every checksum on the
# wire is computed), and for some captures random loss from iptables in the
# router. Needs root, iproute2, ethtool, iptables, tcpdump, editcap
# (wireshark-common), curl, socat and node.
#
#   clean.pcap       Ethernet, pcap, IPv4: two HTTP-ish transfers, FIN/FIN
#   loss.pcapng      Ethernet, pcapng, IPv4: 8% random loss each way
#   rst.pcap         Linux cooked v1 (tcpdump -i any), IPv4: the client aborts (RST)
#   ipv6.pcapng      Linux cooked v2, pcapng, IPv6, 5% loss
#   badsum.pcap      clean.pcap with one payload byte flipped after capture
#   snap.pcapng      loss.pcapng cut to a 96-byte snap length (headers only)
#   reuse.pcap       Ethernet, IPv4: two connections from the same client port
#
# Usage: sudo tests/testdata/make_captures.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")"
out=$PWD
tag=sl$$
a=$tag-a
r=$tag-r
b=$tag-b
work=$(mktemp -d)

cleanup() {
  set +e
  ip netns pids "$a" 2>/dev/null | xargs -r kill 2>/dev/null
  ip netns pids "$b" 2>/dev/null | xargs -r kill 2>/dev/null
  for ns in "$a" "$r" "$b"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
[ "${DEBUG:-}" ] && trap 'cat "$work/tcpdump.log"; cleanup' EXIT

ip netns add "$a"
ip netns add "$r"
ip netns add "$b"
# client a [va]--[ra] router r [rb]--[vb] server b
ip link add va-$tag netns "$a" type veth peer name ra-$tag netns "$r"
ip link add vb-$tag netns "$b" type veth peer name rb-$tag netns "$r"
setup() { # ns dev v4/len v6/len
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$1" addr add "$4" dev "$2" nodad
  ip -n "$1" link set "$2" mtu 1500 up
  # Checksums computed by the kernel, segments no larger than the MTU.
  ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}
setup "$a" va-$tag 10.99.1.1/24 fd00:99:1::1/64
setup "$r" ra-$tag 10.99.1.254/24 fd00:99:1::254/64
setup "$r" rb-$tag 10.99.2.254/24 fd00:99:2::254/64
setup "$b" vb-$tag 10.99.2.2/24 fd00:99:2::2/64
ip -n "$a" route add default via 10.99.1.254
ip -n "$a" -6 route add default via fd00:99:1::254
ip -n "$b" route add default via 10.99.2.254
ip -n "$b" -6 route add default via fd00:99:2::254
ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# A deterministic body: 48 KiB (clean, rst) and 96 KiB (loss, ipv6).
node -e '
  const fs = require("fs");
  const body = (n, seed) => { const b = Buffer.alloc(n); let x = seed;
    for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; } return b; };
  for (const [name, n] of [["small", 48 * 1024], ["large", 96 * 1024]]) {
    const b = body(n, n);
    fs.writeFileSync(process.argv[1] + "/" + name,
      Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${n}\r\n\r\n`), b]));
  }
  // No Content-Length: the body ends when the server closes, so it closes first.
  fs.writeFileSync(process.argv[1] + "/eof",
    Buffer.concat([Buffer.from("HTTP/1.0 200 OK\r\n\r\n"), body(8192, 8192)]));' "$work"

serve() { # port file [extra socat listen options]
  ip netns exec "$b" socat -T5 "TCP-LISTEN:$1,reuseaddr,fork${3:-}" \
    "SYSTEM:sleep 0.05; cat $work/$2" >/dev/null 2>&1 &
  ip netns exec "$b" socat -T5 "TCP6-LISTEN:$1,reuseaddr,fork,ipv6only=1${3:-}" \
    "SYSTEM:sleep 0.05; cat $work/$2" >/dev/null 2>&1 &
}

capture() { # file iface [tcpdump flags...]
  local file=$1 dev=$2
  shift 2
  ip netns exec "$a" tcpdump --immediate-mode -B 32768 -i "$dev" -U -s 0 -w "$work/$file" "$@" 'tcp or icmp or icmp6' \
    >/dev/null 2>>"$work/tcpdump.log" &
  capture_pid=$!
  sleep 1
}

stop_capture() {
  sleep 0.5
  kill -INT "$capture_pid"
  wait "$capture_pid" || true
}

loss() { # percent: random drops of TCP in the router, both ways, and on the
  # client's INPUT. The capture is at the client: downstream of the router's
  # drops of the server's data (gaps that retransmissions fill later, out of
  # order) and upstream of the client's own drops (data seen twice).
  for tables in iptables ip6tables; do
    ip netns exec "$r" $tables -F FORWARD
    ip netns exec "$a" $tables -F INPUT
    if [ "$1" != 0 ]; then
      ip netns exec "$r" $tables -A FORWARD -p tcp -m statistic --mode random \
        --probability "0.$(printf %02d "$1")" -j DROP
      ip netns exec "$a" $tables -A INPUT -p tcp -m statistic --mode random \
        --probability "0.$(printf %02d "$1")" -j DROP
    fi
  done
}

fetch() { # url
  ip netns exec "$a" curl -s -g --max-time 20 -o /dev/null "$1"
}

serve 8080 small
serve 8081 large
serve 8083 eof
sleep 0.5

# 1. Clean IPv4 transfers over Ethernet.
capture clean.pcap va-$tag
fetch http://10.99.2.2:8080/
fetch http://10.99.2.2:8080/again
stop_capture

# 2. Random loss, IPv4, pcapng.
loss 8
capture loss.pcap va-$tag
fetch http://10.99.2.2:8081/
stop_capture
loss 0
editcap -F pcapng "$work/loss.pcap" "$work/loss.pcapng"

# 3. curl aborts on seeing a body larger than --max-filesize: closing with
# unread data makes its kernel send RST. Linux cooked capture.
capture rst.pcap any -y LINUX_SLL
ip netns exec "$a" curl -s --max-filesize 1000 -o /dev/null http://10.99.2.2:8081/ || true
stop_capture

# 4. IPv6 with loss, Linux cooked v2, pcapng.
loss 5
capture ipv6.pcap any -y LINUX_SLL2
fetch "http://[fd00:99:2::2]:8081/"
stop_capture
loss 0
editcap -F pcapng "$work/ipv6.pcap" "$work/ipv6.pcapng"

# 5. A bad checksum: flip the last byte of the 10th data-carrying frame.
node -e '
  const fs = require("fs");
  const [src, dst] = process.argv.slice(1);
  const f = fs.readFileSync(src);
  let at = 24, seen = 0;
  while (at < f.length) {
    const len = f.readUInt32LE(at + 8);
    if (len > 200 && ++seen === 10) { f[at + 16 + len - 1] ^= 0xff; break; }
    at += 16 + len;
  }
  fs.writeFileSync(dst, f);' "$work/clean.pcap" "$work/badsum.pcap"

# 6. The same 4-tuple twice: tcp.stream numbers a new SYN after a close anew.
# The server closes first, so the client's port is free again at once.
capture reuse.pcap va-$tag
ip netns exec "$a" curl -s --local-port 45000 -o /dev/null http://10.99.2.2:8083/
sleep 0.2
ip netns exec "$a" curl -s --local-port 45000 -o /dev/null http://10.99.2.2:8083/ || true
stop_capture

# 7. Headers only, as tcpdump -s 96 would have captured them.
editcap -s 96 "$work/loss.pcapng" "$work/snap.pcapng"

cp "$work/clean.pcap" "$work/loss.pcapng" "$work/rst.pcap" "$work/ipv6.pcapng" \
  "$work/badsum.pcap" "$work/snap.pcapng" "$work/reuse.pcap" "$out/"
ls -l "$out"/*.pcap "$out"/*.pcapng
