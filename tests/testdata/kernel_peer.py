# A kernel TCP peer for socklab's TUN tests, driven line by line on standard
# input; each command answers one line on standard output.
#
#   listen HOST PORT   bind and listen             -> "listening"
#   accept             wait for a connection       -> "accepted HOST PORT"
#   connect HOST PORT  connect                     -> "connected PORT" | "error NAME"
#   send N             send N bytes                -> "sent N"
#   read N             read exactly N bytes        -> "read N"
#   recv               read until the peer's FIN   -> "eof N" | "reset N"
#   shutdown           shutdown(SHUT_WR): our FIN  -> "ok"
#   close              close(): FIN, or RST with unread data -> "ok"
#   abort              SO_LINGER 0, close(): RST   -> "ok"
#   quit               exit                        -> "bye"
import socket
import struct
import sys

listener = None
conn = None


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def answer(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    cmd = words[0]
    if cmd == "listen":
        listener = socket.socket(family(words[1]), socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((words[1], int(words[2])))
        listener.listen()
        answer("listening")
    elif cmd == "accept":
        conn, addr = listener.accept()
        answer("accepted %s %d" % (addr[0], addr[1]))
    elif cmd == "connect":
        conn = socket.socket(family(words[1]), socket.SOCK_STREAM)
        try:
            conn.connect((words[1], int(words[2])))
            answer("connected %d" % conn.getsockname()[1])
        except OSError as e:
            answer("error %s" % type(e).__name__)
    elif cmd == "send":
        n = int(words[1])
        conn.sendall(bytes(i % 251 for i in range(n)))
        answer("sent %d" % n)
    elif cmd == "read":
        n, total = int(words[1]), 0
        while total < n:
            data = conn.recv(n - total)
            if not data:
                break
            total += len(data)
        answer("read %d" % total)
    elif cmd == "recv":
        total = 0
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                total += len(data)
            answer("eof %d" % total)
        except ConnectionResetError:
            answer("reset %d" % total)
    elif cmd == "shutdown":
        conn.shutdown(socket.SHUT_WR)
        answer("ok")
    elif cmd == "close":
        conn.close()
        answer("ok")
    elif cmd == "abort":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        answer("ok")
    elif cmd == "quit":
        answer("bye")
        break
    else:
        answer("unknown %s" % cmd)
