#!/usr/bin/env python3
"""A framecheck exec-protocol adapter around a length-prefix decoder.

Usage: python3 length_prefix.py [FRAMING] [MAX]
  FRAMING  u8, u16be, u16le, u32be (default), u32le, u64be or u64le
  MAX      the largest valid payload in bytes, inclusive (default: framecheck's for the
           framing, 8388608, or the largest the field holds: 255 for u8, 65535 for u16)

framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for each,
zero or more "FRAME <hex>" lines and then "DONE" or "ERROR <message>" on stdout. Anything on
stderr is kept for the report. Replace Decoder with your own; the loop in main() is the whole
protocol.
"""
import sys

FORMATS = {
    "u8": (1, "big"),
    "u16be": (2, "big"), "u16le": (2, "little"),
    "u32be": (4, "big"), "u32le": (4, "little"),
    "u64be": (8, "big"), "u64le": (8, "little"),
}


class FrameError(Exception):
    """The stream is invalid: the decoder rejects it."""


class Decoder:
    """The decoder under test: feed() one recv() at a time, eof() when the peer closes."""

    def __init__(self, width, endian, max_len):
        self.width, self.endian, self.max_len = width, endian, max_len
        self.buf = bytearray()

    def feed(self, chunk, emit):
        """Appends chunk and emits every frame it completes (the drain loop)."""
        self.buf += chunk
        while len(self.buf) >= self.width:
            length = int.from_bytes(self.buf[:self.width], self.endian)
            if length > self.max_len:
                # Reject as soon as the header is complete: do not wait for the payload.
                raise FrameError(f"frame of {length} bytes exceeds the maximum {self.max_len}")
            end = self.width + length
            if len(self.buf) < end:
                return
            emit(bytes(self.buf[self.width:end]))
            del self.buf[:end]

    def eof(self, emit):
        if self.buf:
            raise FrameError(f"stream ended inside a frame ({len(self.buf)} bytes buffered)")


def main():
    framing = sys.argv[1] if len(sys.argv) > 1 else "u32be"
    width, endian = FORMATS[framing]
    max_len = int(sys.argv[2]) if len(sys.argv) > 2 else min(8 << 20, (1 << 8 * width) - 1)
    out = sys.stdout
    emit = lambda frame: out.write(f"FRAME {frame.hex()}\n")
    decoder = Decoder(width, endian, max_len)
    for line in sys.stdin:
        request, _, arg = line.rstrip("\n").partition(" ")
        try:
            if request == "BEGIN":
                decoder = Decoder(width, endian, max_len)
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
