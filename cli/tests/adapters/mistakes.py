#!/usr/bin/env python3
"""Exec-protocol adapters with one *adapter* mistake each (not a decoder bug), for the
diagnoses that `cli/tests/exec_mistakes.rs` checks. Usage: mistakes.py MODE[+MODE...] [MAX]

The decoder is a correct `u16be` length prefix with maximum MAX (default 1000). Modes combine
with `+` (`slow-start-2+drop-last`). MODE:
- `ok`: no mistake.
- `upper`: no mistake either, in another dialect: FRAME in upper-case hex, an empty frame as
  `FRAME` alone, ERROR with a free-text message.
- `slow-start-S`: sleeps S seconds before it reads anything (a JVM's start).
- `no-flush`: never flushes its stdout (answers sit in the buffer).
- `slow-eof-S`: sleeps S seconds before it answers each EOF (a slow decoder, or machine).
- `slow-first-eof-S`: the same for the first EOF of the process only (a warm-up).
- `slow-data-eof-S`: the same for the EOF of a stream that carried data only (so the start-up
  check's empty stream is answered in time).
- `exit-data-eof-S`: after the EOF of a stream that carried data, answers no DONE, waits S
  seconds and exits (status 0).
- `exit-after-eof`: exits (status 0) after answering EOF: one process per stream.
- `no-done-after-eof`: answers EOF with its frames but no DONE.
- `no-done-after-data`: the same, but only after a stream that carried data (so an empty
  stream, as the start-up check sends, is answered right); it logs each request to stderr, as
  a debugging adapter does, so that no two hangs read alike.
- `line-buffer-N`: reads lines as C's fgets into an N-byte buffer does (N-1 bytes at most),
  so a longer request comes in pieces; a piece it does not know gets `ERROR unknown request`.
- `debug-stdout`: prints a debug line on stdout for each CHUNK.
- `drop-last`: a decoder bug, to check the wording of a wrong frame: every frame of two bytes
  or more loses its last byte.
"""
import io
import os
import sys
import time

MODES = sys.argv[1].split("+")
MAX = int(sys.argv[2]) if len(sys.argv) > 2 else 1000


def mode(name):
    """Whether mode `name` is on."""
    return name in MODES


def param(prefix):
    """The number of mode `prefix`N, if that mode is on."""
    for m in MODES:
        if m.startswith(prefix):
            return float(m[len(prefix):])
    return None


LINE_BUFFER = param("line-buffer-")


class FrameError(Exception):
    pass


class Decoder:
    def __init__(self):
        self.buf = bytearray()

    def feed(self, chunk, emit):
        self.buf += chunk
        while len(self.buf) >= 2:
            length = int.from_bytes(self.buf[:2], "big")
            if length > MAX:
                raise FrameError(f"a frame of {length} bytes is longer than the maximum, {MAX}")
            if len(self.buf) < 2 + length:
                return
            frame = bytes(self.buf[2:2 + length])
            if mode("drop-last") and len(frame) >= 2:
                frame = frame[:-1]  # BUG: the last byte of the frame is lost
            emit(frame)
            del self.buf[:2 + length]

    def eof(self, emit):
        if self.buf:
            raise FrameError(f"the stream ended inside a frame ({len(self.buf)} bytes buffered)")


# Stdout: a buffer of its own for the modes that choose when to flush (whatever
# PYTHONUNBUFFERED says), large enough to hold every answer to the pieces of one request.
if mode("no-flush") or LINE_BUFFER:
    OUT = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False), 1 << 20))
else:
    OUT = sys.stdout


def requests():
    """The request lines, as the mode reads them."""
    if LINE_BUFFER:
        size = int(LINE_BUFFER)
        buf = b""
        while True:
            # MISTAKE: fgets(buf, size, stdin): a line of size-1 bytes at most. Answers are
            # flushed only when all the input read so far is handled, so that the answers to
            # the pieces of one request leave in one write (deterministic for the test).
            while b"\n" not in buf[: size - 1] and len(buf) < size - 1:
                if not buf:
                    OUT.flush()
                data = os.read(0, 1 << 16)
                if not data:
                    return
                buf += data
            end = buf.find(b"\n", 0, size - 1)
            end = size - 1 if end < 0 else end + 1
            piece, buf = buf[:end], buf[end:]
            yield piece.decode("ascii", "replace").rstrip("\n")
    else:
        for line in sys.stdin:
            yield line.rstrip("\n")


def main():
    if param("slow-start-"):
        time.sleep(param("slow-start-"))  # MISTAKE? no: a slow start
    out = OUT

    def emit(frame):
        if mode("upper"):
            out.write(f"FRAME {frame.hex().upper()}\n" if frame else "FRAME\n")
        else:
            out.write(f"FRAME {frame.hex()}\n")

    decoder = Decoder()
    had_data = False
    seen = 0
    eofs = 0
    for line in requests():
        request, _, arg = line.partition(" ")
        seen += 1
        if mode("no-done-after-data"):
            print(f"request {seen}: {request} {len(arg) // 2} bytes", file=sys.stderr, flush=True)
        ended = "DONE"
        try:
            if request == "BEGIN":
                decoder = Decoder()
                had_data = False
            elif request == "CHUNK":
                had_data = True
                if mode("debug-stdout"):
                    out.write(f"decoding {len(arg) // 2} bytes\n")  # MISTAKE: debug on stdout
                # fgets-style pieces may hold an odd number of digits: the last one is lost.
                decoder.feed(bytes.fromhex(arg[: len(arg) // 2 * 2]), emit)
            elif request == "EOF":
                decoder.eof(emit)
                eofs += 1
                slow = param("slow-eof-")
                slow = slow or (eofs == 1 and param("slow-first-eof-"))
                slow = slow or (had_data and param("slow-data-eof-"))
                if slow:
                    out.flush()  # the frames now, the DONE late
                    time.sleep(slow)
                if had_data and param("exit-data-eof-"):
                    out.flush()
                    time.sleep(param("exit-data-eof-"))
                    sys.exit(0)  # MISTAKE: no DONE, and one process per stream
                if mode("no-done-after-eof") or (mode("no-done-after-data") and had_data):
                    ended = None  # MISTAKE: EOF's answer is not ended with DONE
            else:
                raise FrameError("unknown request")
        except (FrameError, ValueError) as e:
            ended = f"ERROR {e}"
        if ended:
            out.write(ended + "\n")
        if not mode("no-flush") and not LINE_BUFFER:
            out.flush()
        if mode("exit-after-eof") and request == "EOF":
            sys.exit(0)  # MISTAKE: one process per stream


if __name__ == "__main__":
    main()
