#!/usr/bin/env python3
"""A u16be echo server (max 1000) for the `framecheck tcp` tests, correct but for one fault.

Usage: python3 tcp_buggy.py MODE PORT [PIDFILE]
  correct         echoes each frame, closes on a bad header and after the peer's half-close
  crash-on-empty  exits (status 3) when a connection sends an empty frame
  no-close        never closes after the peer's half-close (a hang)
  reset-on-abc    resets the connection (SO_LINGER 0) when a frame is "abc"
  garbage         answers a frame "abc" with bytes that are not a frame
  flood           answers a frame "abc" with "abc" frames forever
  escape          correct, but first starts a descendant that leaves the process group and
                  session (setsid) and sleeps, writing its pid to PIDFILE
Listens on 127.0.0.1 only; one thread per connection.
"""
import os
import socket
import struct
import sys
import threading
import time

MODE, PORT = sys.argv[1], int(sys.argv[2])
MAX = 1000


def serve(conn):
    buf = bytearray()
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                if MODE == "no-close":
                    time.sleep(60)
                break
            buf += chunk
            while len(buf) >= 2:
                (n,) = struct.unpack(">H", buf[:2])
                if n > MAX:
                    return
                if len(buf) < 2 + n:
                    break
                frame = bytes(buf[2:2 + n])
                del buf[:2 + n]
                if MODE == "crash-on-empty" and not frame:
                    os._exit(3)
                if MODE == "reset-on-abc" and frame == b"abc":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if MODE == "flood" and frame == b"abc":
                    while True:
                        conn.sendall(b"\x00\x03abc" * 4096)
                if MODE == "garbage" and frame == b"abc":
                    conn.sendall(b"\xff\xff\xff")
                    continue
                conn.sendall(struct.pack(">H", n) + frame)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    if MODE == "escape":
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                with open(sys.argv[3], "w") as f:
                    f.write(str(os.getpid()))
                time.sleep(60)
            os._exit(0)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", PORT))
    s.listen(64)
    while True:
        conn, _ = s.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
