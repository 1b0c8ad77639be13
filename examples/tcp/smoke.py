#!/usr/bin/env python3
"""A quick self-test for a server under framecheck tcp's contract (run by hand, not by cargo).

Usage: python3 smoke.py [--framing F] [--max N] [--reply] [--timeout S] 'SERVER COMMAND'
  The command gets a free port through "{port}" and the environment variable FRAMECHECK_PORT.
  Example: python3 examples/tcp/smoke.py 'python3 examples/tcp/echo_server.py --port {port}'

It starts the server (in its own process group), waits until it accepts, runs each check on
fresh connections, kills the server and exits 0 if every check passed, 1 if one failed, 2 if the
server could not be started. Every socket operation has a timeout. This is a smoke test: it
checks one case of each rule; framecheck tcp is the harness.
"""
import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time

LENGTH_PREFIXES = {
    "u8": (1, "big"),
    "u16be": (2, "big"), "u16le": (2, "little"),
    "u32be": (4, "big"), "u32le": (4, "little"),
}
GAP = 0.05  # seconds between writes that must arrive as separate recv() calls


class Failed(Exception):
    """A check failed; the message says what was sent and what came back."""


class Framing:
    def __init__(self, name, max_len):
        self.name, self.max_len = name, max_len

    def encode(self, frame):
        if self.name == "lines":
            return frame + b"\n"
        width, endian = LENGTH_PREFIXES[self.name]
        return len(frame).to_bytes(width, endian) + frame

    def bad_header(self):
        """Bytes that are already invalid: a header above max (lines: max+1 bytes, no newline)."""
        if self.name == "lines":
            return b"x" * (self.max_len + 1)
        width, endian = LENGTH_PREFIXES[self.name]
        if self.max_len + 1 >= 1 << (8 * width):
            return None  # every length this header can hold is valid
        return (self.max_len + 1).to_bytes(width, endian)

    def split(self, buf):
        """The complete frames at the front of buf, and the rest."""
        frames = []
        while True:
            if self.name == "lines":
                i = buf.find(b"\n")
                if i < 0:
                    return frames, buf
                frames.append(buf[:i])
                buf = buf[i + 1:]
                continue
            width, endian = LENGTH_PREFIXES[self.name]
            if len(buf) < width:
                return frames, buf
            n = int.from_bytes(buf[:width], endian)
            if len(buf) < width + n:
                return frames, buf
            frames.append(buf[width:width + n])
            buf = buf[width + n:]


class Conn:
    """A client connection that reads the server's frames with a deadline."""

    def __init__(self, port, framing, timeout):
        self.framing, self.timeout = framing, timeout
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.closed = None  # None while open, else "EOF" or "RST"

    def send(self, data):
        self.sock.sendall(data)
        time.sleep(GAP)

    def _recv(self, deadline):
        """One recv() before the deadline; False if the deadline passed first."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            self.closed = "RST"
            return True
        if not data:
            self.closed = "EOF"
        self.buf += data
        return True

    def frames(self, n):
        """Exactly the next n frames, within the timeout; Failed otherwise."""
        deadline = time.monotonic() + self.timeout
        while True:
            frames, _ = self.framing.split(self.buf)
            if len(frames) >= n:
                break
            if self.closed or not self._recv(deadline):
                why = f"closed ({self.closed})" if self.closed else f"{self.timeout}s passed"
                raise Failed(f"expected {n} frame(s), got {len(frames)} before the server {why}"
                             if self.closed else
                             f"expected {n} frame(s), got {len(frames)}: {why} (a stuck frame?)")
        frames, self.buf = self.framing.split(self.buf)
        del frames[n:]
        return frames

    def expect_close(self, what):
        """The server closes (EOF or RST) within the timeout and sends no further byte."""
        deadline = time.monotonic() + self.timeout
        while not self.closed:
            if not self._recv(deadline):
                raise Failed(f"the server did not close within {self.timeout}s after {what}")
        if self.buf:
            raise Failed(f"the server sent {len(self.buf)} more byte(s) after {what}: "
                         f"{self.buf[:32]!r}")
        return self.closed

    def close(self):
        self.sock.close()


def run_checks(port, args):
    framing = Framing(args.framing, args.max)
    conn = lambda: Conn(port, framing, args.timeout)

    def expect(got, sent):
        want = [(b"ok %d" % len(f))[:args.max] for f in sent] if args.reply else sent
        if args.reply:
            if len(got) != len(sent):  # reply content is not checked, only one per frame
                raise Failed(f"expected {len(sent)} replies, got {len(got)}")
        elif got != want:
            raise Failed(f"sent {sent!r}, echoed {got!r}")

    def two_frames_in_one_write():
        c = conn()
        c.send(framing.encode(b"abc") + framing.encode(b"hi"))
        expect(c.frames(2), [b"abc", b"hi"])
        c.close()

    def one_frame_in_two_writes():
        c = conn()
        wire = framing.encode(b"ping")
        c.send(wire[:1])   # a cut inside the header (lines: inside the line)
        c.send(wire[1:])
        expect(c.frames(1), [b"ping"])
        c.close()

    def two_connections_interleaved():
        a, b = conn(), conn()
        wire_a = framing.encode(b"from-a")
        a.send(wire_a[:3])
        b.send(framing.encode(b"from-b"))
        expect(b.frames(1), [b"from-b"])
        a.send(wire_a[3:])
        expect(a.frames(1), [b"from-a"])
        a.close()
        b.close()

    def half_close_closes():
        c = conn()
        partial = framing.encode(b"truncated")[:-1]
        c.send(framing.encode(b"last") + partial)
        c.sock.shutdown(socket.SHUT_WR)
        expect(c.frames(1), [b"last"])
        how = c.expect_close("the half-close (a truncated frame must not be echoed)")
        c.close()
        return f"closed by {how}"

    def frame_of_max_bytes_in_three_writes():
        c = conn()
        payload = b"m" * args.max  # the maximum is inclusive
        wire = framing.encode(payload)
        third = len(wire) // 3
        for cut in (wire[:third], wire[third:2 * third], wire[2 * third:]):
            c.send(cut)
        expect(c.frames(1), [payload])
        c.close()

    def header_above_max_closes():
        if framing.bad_header() is None:
            return "skipped: no header can exceed this maximum"
        c = conn()
        c.send(framing.bad_header())  # and no payload: the server must not wait for it
        how = c.expect_close(f"a header above the maximum {args.max}")
        c.close()
        return f"closed by {how}"

    def frame_then_header_above_max_then_payload():
        # Payload bytes the server leaves unread make its close a reset (RST) rather than a FIN:
        # the echo of the frame before the bad header must still arrive first.
        if framing.bad_header() is None:
            return "skipped: no header can exceed this maximum"
        c = conn()
        try:
            c.send(framing.encode(b"before") + framing.bad_header() + b"p" * 200_000)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before the last byte is written; the echo is queued
        expect(c.frames(1), [b"before"])
        how = c.expect_close(f"a header above the maximum {args.max} and 200000 payload bytes")
        c.close()
        return f"closed by {how}"

    checks = [two_frames_in_one_write, one_frame_in_two_writes, two_connections_interleaved,
              frame_of_max_bytes_in_three_writes, half_close_closes, header_above_max_closes,
              frame_then_header_above_max_then_payload]
    failed = 0
    for check in checks:
        try:
            note = check()
            print(f"ok    {check.__name__}" + (f" ({note})" if note else ""))
        except (Failed, OSError) as e:
            failed += 1
            print(f"FAIL  {check.__name__}: {e}")
    return failed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_accepting(port, proc, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framing", choices=[*LENGTH_PREFIXES, "lines"], default="u32be")
    parser.add_argument("--max", type=int, default=1048576)
    parser.add_argument("--reply", action="store_true", help="the server replies, not echoes")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per socket wait")
    parser.add_argument("command", help="the server command; {port} is replaced by the port")
    args = parser.parse_args()
    if args.max < 9:
        parser.error("--max must be at least 9: the checks send frames of up to 9 bytes")
    port = free_port()
    argv = shlex.split(args.command.replace("{port}", str(port)))
    env = dict(os.environ, FRAMECHECK_PORT=str(port))
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        if not wait_until_accepting(port, proc, 10.0):
            print(f"FAIL  the server did not accept on 127.0.0.1:{port} within 10s "
                  f"(exit status {proc.poll()})")
            return 2
        failed = run_checks(port, args)
        if proc.poll() is not None:
            print(f"FAIL  the server exited during the checks (status {proc.returncode})")
            failed += 1
        print(f"{'FAILED' if failed else 'PASSED'}: {failed} check(s) failed: {args.command}")
        return 1 if failed else 0
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
