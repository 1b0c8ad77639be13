#!/usr/bin/env python3
"""Buggy exec-protocol adapters for framecheck's tests: examples/python/length_prefix.py with
one bug switched on. Usage: buggy.py BUG [FRAMING] [MAX]

BUG `buffer-once` is no bug: a one-time 10 MiB buffer, which the leak check must let pass.
Any other name (`no-bug`) is the correct decoder.

BUG `setsid-OTHER` and `daemon-OTHER` (usage: buggy.py BUG FRAMING MAX PIDFILE) start a process
that escapes the program's process group and session, append its pid and start time to PIDFILE
(one line, `PID STARTTIME`, per program start), and then
behave as BUG OTHER (`setsid` or `daemon` alone: the correct decoder). `setsid`: a child of the
program calls setsid() and sleeps for 60 s. `daemon`: the classic double fork: that child forks
the sleeper and exits at once, so the sleeper is an orphan, no descendant of the program."""
import os
import signal
import sys
import time

BUG = sys.argv[1]
ESCAPE = None
for _mode in ("setsid", "daemon"):
    if BUG == _mode or BUG.startswith(_mode + "-"):
        ESCAPE, BUG = _mode, BUG[len(_mode) + 1:] or "no-bug"
FRAMING = sys.argv[2] if len(sys.argv) > 2 else "u32be"
MAX = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
WIDTH = {"u8": 1, "u16be": 2, "u16le": 2, "u32be": 4, "u32le": 4, "u64be": 8, "u64le": 8}[FRAMING]
ENDIAN = "little" if FRAMING.endswith("le") else "big"


class FrameError(Exception):
    pass


# The leak modes' memory: kept for the life of the program.
KEPT = []
BEGINS = [0]


class Decoder:
    def __init__(self):
        self.buf = bytearray()
        self.reserved = None

    def feed(self, chunk, emit):
        self.buf += chunk
        while len(self.buf) >= WIDTH:
            length = int.from_bytes(self.buf[:WIDTH], ENDIAN, signed=(BUG == "signed-length"))
            if BUG == "prealloc":
                self.reserved = bytearray(length)  # BUG: reserve, then check
            if BUG == "off-by-one-at-max":
                if length >= MAX:  # BUG: >= for >
                    raise FrameError("too long")
            elif length > MAX:
                raise FrameError("too long")
            if length == 0 and BUG == "hang-on-empty":
                while True:  # BUG: waits forever on an empty frame
                    time.sleep(1)
            if length == 3 and BUG == "crash":
                os.kill(os.getpid(), signal.SIGSEGV)  # BUG: dies on a 3-byte frame
            end = WIDTH + length
            if len(self.buf) < end:
                return
            emit(bytes(self.buf[WIDTH:end]))
            del self.buf[:end]
            if BUG == "no-drain-loop":
                return  # BUG: one frame per read

    def eof(self, emit):
        if BUG == "truncation-ignored":
            return  # BUG: a partial frame is dropped silently
        if BUG == "exit-at-eof":
            sys.exit(0)  # BUG: the program quits at the first EOF
        if self.buf:
            raise FrameError("truncated")


def escape(pidfile):
    """Starts the escaped sleeper (see ESCAPE) and appends `PID STARTTIME` to `pidfile` once it
    has left the process group and the session, so that the test knows every one of them."""
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(r)
            os.setsid()  # BUG: out of the program's process group and session
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            if ESCAPE == "daemon" and os.fork() != 0:
                os._exit(0)  # the middle process: its child is now an orphan
            with open("/proc/self/stat") as f:
                # The pid and the start time (field 22): together, this process and no other.
                start = f.read().rpartition(")")[2].split()[19]
            os.write(w, f"{os.getpid()} {start}\n".encode())
            os.close(w)
            time.sleep(60)  # bounded, even when nothing kills it
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        pid = f.readline().strip()
    if ESCAPE == "daemon":
        os.waitpid(child, 0)
    with open(pidfile, "a") as f:
        f.write(f"{pid}\n")


def main():
    out = sys.stdout
    if ESCAPE:
        escape(sys.argv[4])
    decoder = Decoder()

    def emit(frame):
        if BUG == "huge-line":
            out.write("FRAME " + "00" * 3_000_000 + "\n")  # BUG: a 6 MB line
        elif BUG == "bad-hex":
            out.write("FRAME " + frame.hex().replace("6", "g") + "\n")  # BUG: not hex
        elif BUG == "flood":
            line = f"FRAME {frame.hex()}\n"
            for _ in range(100_001):  # BUG: every frame 100,001 times
                out.write(line)
        elif BUG == "chatter" and len(frame) >= 300:
            for _ in range(len(frame)):  # BUG: a frame every 10 ms for seconds, within bounds
                out.write("FRAME \n")
                out.flush()
                time.sleep(0.01)
        else:
            out.write(f"FRAME {frame.hex()}\n")

    for line in sys.stdin:
        request, _, arg = line.rstrip("\n").partition(" ")
        if BUG == "deaf" and request == "CHUNK" and len(arg) > 2000:
            while True:  # BUG: stops reading its input, forever
                time.sleep(1)
        if BUG == "garbage" and request == "CHUNK" and len(arg) > 8:
            out.write(f"debug: got {len(arg) // 2} bytes\n")  # BUG: chatter on stdout
        try:
            if request == "BEGIN":
                if BUG == "leak":
                    # BUG: every stream leaves 16 KiB behind (written, so resident).
                    KEPT.append(bytes([len(KEPT) % 251]) * 16384)
                BEGINS[0] += 1
                if BUG == "buffer-once" and BEGINS[0] == 1000:
                    # Not a bug: a 10 MiB buffer, made once (a thousand streams in), and kept.
                    KEPT.append(bytes([1]) * (10 << 20))
                if BUG != "noreset":  # BUG (noreset): the old stream's bytes carry over
                    decoder = Decoder()
            elif request == "CHUNK":
                decoder.feed(bytes.fromhex(arg), emit)
            elif request == "EOF":
                decoder.eof(emit)
        except FrameError as e:
            if BUG == "errdone":
                # BUG: a terminator too many. One write, so that it arrives with the ERROR
                # even when Python's output is unbuffered (PYTHONUNBUFFERED): written apart,
                # the extra DONE may come after the next request and pass for its answer.
                out.write(f"ERROR {e}\nDONE\n")
            else:
                out.write(f"ERROR {e}\n")
        else:
            out.write("DONE\n")
        out.flush()


if __name__ == "__main__":
    main()
