#!/usr/bin/env python3
"""A framecheck exec-protocol adapter around a newline-delimited (`lines`) decoder.

Usage: python3 lines.py [MAX] [--eof-emit]
  MAX         the longest valid line in bytes, not counting the newline (default 1024)
  --eof-emit  an unterminated last line is a frame at EOF (framing `lines:max=MAX:eof=emit`);
              without it, the framing is `lines:max=MAX`, where it is a truncated frame

Run it with:
  framecheck run --framing lines:max=64 --exec 'python3 examples/python/lines.py 64'
  framecheck run --framing lines:max=64:eof=emit --exec 'python3 examples/python/lines.py 64 --eof-emit'

The rules of the `lines` framing that a decoder must follow (README, "The exec protocol, to
the letter"):
- a frame is the bytes before each 0a (the newline is not part of it; a 0d before it is);
- a line of more than MAX bytes is rejected by the read that delivers its (MAX+1)-th byte,
  without waiting for its newline;
- at EOF, bytes after the last newline are an error (`lines:max=N`) or one last frame
  (`:eof=emit`); nothing after the last newline is a clean end.
"""
import sys


class FrameError(Exception):
    """The stream is invalid: the decoder rejects it."""


class LineDecoder:
    """The decoder under test: feed() one recv() at a time, eof() when the peer closes."""

    def __init__(self, max_len, eof_emit):
        self.max_len, self.eof_emit = max_len, eof_emit
        self.buf = bytearray()

    def feed(self, chunk, emit):
        """Appends chunk and emits every line it completes (the drain loop)."""
        self.buf += chunk
        while True:
            end = self.buf.find(b"\n")
            if end < 0:
                break
            if end > self.max_len:
                raise FrameError(f"line of {end} bytes exceeds the maximum {self.max_len}")
            emit(bytes(self.buf[:end]))
            del self.buf[: end + 1]
        # No newline in what is left: reject it as soon as it is too long to be a line.
        if len(self.buf) > self.max_len:
            raise FrameError(f"line longer than the maximum {self.max_len}, no newline yet")

    def eof(self, emit):
        if not self.buf:
            return
        if self.eof_emit:
            emit(bytes(self.buf))
            self.buf.clear()
        else:
            raise FrameError(f"stream ended inside a line ({len(self.buf)} bytes, no newline)")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    max_len = int(args[0]) if args else 1024
    eof_emit = "--eof-emit" in sys.argv
    out = sys.stdout
    emit = lambda frame: out.write(f"FRAME {frame.hex()}\n")
    decoder = LineDecoder(max_len, eof_emit)
    # Request lines have no length limit (a CHUNK carries a whole read in hex): iterating over
    # sys.stdin reads each line whole, however long.
    for line in sys.stdin:
        request, _, arg = line.rstrip("\n").partition(" ")
        try:
            if request == "BEGIN":
                decoder = LineDecoder(max_len, eof_emit)
            elif request == "CHUNK":
                decoder.feed(bytes.fromhex(arg), emit)
            elif request == "EOF":
                decoder.eof(emit)
            else:
                raise FrameError(f"unknown request {request!r}")
        except FrameError as e:
            # Frames emitted before the error in this request stay: they came first.
            out.write(f"ERROR {e}\n")
        else:
            out.write("DONE\n")
        out.flush()


if __name__ == "__main__":
    main()
