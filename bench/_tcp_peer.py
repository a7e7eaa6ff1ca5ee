# The kernel's end of bench/tun.ts's transfers: a bulk sender or a sink over
# the kernel's TCP, timed on its own side. Prints one JSON line.
#
#   sink HOST PORT       listen; take one connection; read to its FIN; close
#                        -> {"ready": true} once listening, then {"bytes": N}
#   send HOST PORT N [CC]
#                        connect; send N bytes; half-close; wait for the
#                        peer's close -> {"bytes": N, "seconds": S, "retrans": R,
#                        "cc": CC} (R: tcpi_total_retrans, segments
#                        retransmitted; CC: the congestion controller, the
#                        namespace's default unless named, TCP_CONGESTION)
import json
import socket
import struct
import sys
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "sink":
    listener = socket.socket(family(host), socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen()
    say({"ready": True})
    conn, _ = listener.accept()
    buf = bytearray(1 << 20)
    total = 0
    while True:
        n = conn.recv_into(buf)
        if n == 0:
            break
        total += n
    conn.close()
    say({"bytes": total})
else:
    n = int(sys.argv[4])
    chunk = memoryview(bytes(1 << 20))
    started = time.perf_counter()
    conn = socket.socket(family(host), socket.SOCK_STREAM)
    if len(sys.argv) > 5:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, sys.argv[5].encode())
    cc = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
    conn.connect((host, port))
    sent = 0
    while sent < n:
        sent += conn.send(chunk[: min(len(chunk), n - sent)])
    conn.shutdown(socket.SHUT_WR)
    while conn.recv(65536):
        pass
    seconds = time.perf_counter() - started
    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    retrans = struct.unpack_from("I", info, 100)[0]
    conn.close()
    say({"bytes": sent, "seconds": seconds, "retrans": retrans,
         "cc": cc.rstrip(b"\0").decode()})
