#!/usr/bin/env python3
"""A framecheck exec-protocol adapter around a type-length-value decoder.

Usage: python3 decoder.py [--bug=NAME]

The framing (see README.md): each frame is a 1-byte type (0 is reserved), a 2-byte big-endian
length of at most 64, then that many bytes of value. The decoder emits the value.

framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for each,
zero or more "FRAME <hex>" lines and then "DONE" or "ERROR <message>" on stdout. The loop in
main() is the whole protocol.

--bug plants a mistake, for the tests that show framecheck catching it:
  one-frame-per-read   emit at most one frame per read (no drain loop)
  drop-last-at-eof     at EOF, drop a frame cut short instead of rejecting the stream
"""
import sys

HEADER = 3
MAX_LEN = 64


class FrameError(Exception):
    """The stream is invalid: the decoder rejects it."""


class Decoder:
    """The decoder under test: feed() one recv() at a time, eof() when the peer closes."""

    def __init__(self, bug=None):
        self.bug = bug
        self.buf = bytearray()

    def feed(self, chunk, emit):
        """Appends chunk and emits every frame it completes (the drain loop)."""
        self.buf += chunk
        while self.buf:
            if self.buf[0] == 0:
                raise FrameError("type 0 is reserved")
            if len(self.buf) < HEADER:
                return
            length = int.from_bytes(self.buf[1:HEADER], "big")
            if length > MAX_LEN:
                # Reject as soon as the header is complete: do not wait for the value.
                raise FrameError(f"a value of {length} bytes exceeds the maximum {MAX_LEN}")
            end = HEADER + length
            if len(self.buf) < end:
                return
            emit(bytes(self.buf[HEADER:end]))
            del self.buf[:end]
            if self.bug == "one-frame-per-read":
                return

    def eof(self, emit):
        if self.buf and self.bug != "drop-last-at-eof":
            raise FrameError(f"the stream ended inside a frame ({len(self.buf)} bytes buffered)")


def main():
    bug = None
    for arg in sys.argv[1:]:
        if arg.startswith("--bug="):
            bug = arg[len("--bug="):]
        else:
            sys.exit(f"usage: decoder.py [--bug=one-frame-per-read|drop-last-at-eof], not {arg!r}")
    out = sys.stdout
    emit = lambda frame: out.write(f"FRAME {frame.hex()}\n")
    decoder = Decoder(bug)
    for line in sys.stdin:
        request, _, arg = line.rstrip("\n").partition(" ")
        try:
            if request == "BEGIN":
                decoder = Decoder(bug)
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
