#!/usr/bin/env python3
"""The program examples/ci/exec-program.yml tests: a u16be length-prefix decoder behind
framecheck's exec protocol (README, "Test a decoder in any language").

Frames are a two-byte big-endian length, then that many bytes of payload, at most MAX_LEN.
It has one known bug, on purpose, listed with its reason in known.json beside it: a stream
that ends inside a length header (one byte of it) ends cleanly instead of as an error. The
workflow's --baseline lets that one through; any other failure fails the job.
"""
import sys

MAX_LEN = 4096
HEADER = 2


class FrameError(Exception):
    """The stream is invalid: the decoder rejects it."""


class Decoder:
    """feed() one recv() at a time, eof() when the peer closes."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, chunk, emit):
        self.buf += chunk
        # The drain loop: every frame the bytes complete, not just the first.
        while len(self.buf) >= HEADER:
            length = int.from_bytes(self.buf[:HEADER], "big")
            if length > MAX_LEN:
                raise FrameError(f"frame of {length} bytes exceeds the maximum {MAX_LEN}")
            end = HEADER + length
            if len(self.buf) < end:
                return
            emit(bytes(self.buf[HEADER:end]))
            del self.buf[:end]

    def eof(self, emit):
        # The known bug (known.json): half a header left over is not noticed.
        if len(self.buf) >= HEADER:
            raise FrameError(f"stream ended inside a frame ({len(self.buf)} bytes buffered)")


def main():
    out = sys.stdout
    emit = lambda frame: out.write(f"FRAME {frame.hex()}\n")
    decoder = Decoder()
    for line in sys.stdin:
        request, _, arg = line.rstrip("\n").partition(" ")
        try:
            if request == "BEGIN":
                decoder = Decoder()
            elif request == "CHUNK":
                decoder.feed(bytes.fromhex(arg), emit)
            elif request == "EOF":
                decoder.eof(emit)
            else:
                raise FrameError(f"unknown request {request!r}")
        except FrameError as e:
            out.write(f"ERROR {e}\n")
        else:
            out.write("DONE\n")
        out.flush()


if __name__ == "__main__":
    main()
