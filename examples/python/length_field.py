#!/usr/bin/env python3
"""A framecheck exec-protocol adapter around a length-field decoder in the style of Netty's
LengthFieldBasedFrameDecoder: the framings framecheck calls `field:…` and the protocol presets
(postgres, grpc, mysql, http2, tls, amqp, kafka, dns).

Usage: python3 length_field.py [PRESET | OPTION=VALUE ...]
  PRESET      one of the names in PRESETS below (default: postgres)
  offset=N    bytes before the length field, of any value
  width=N     width of the field: 1, 2, 3, 4 or 8
  endian=big|little
  adjust=N    added to the field to give the body length (the bytes after the field)
  strip=N     bytes dropped from the start of the emitted frame (default: offset + width)
  max=N       the largest valid body, inclusive
  trailer=HEX bytes every frame ends with after its body, checked and dropped

Run it against the matching framing, e.g.
  framecheck run --exec 'python3 examples/python/length_field.py postgres' --framing postgres

framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for each,
zero or more "FRAME <hex>" lines and then "DONE" or "ERROR <message>" on stdout.
"""
import sys

PRESETS = {
    "postgres": dict(offset=1, width=4, adjust=-4, strip=0),
    "grpc": dict(offset=1, width=4, max=4194304),
    "mysql": dict(width=3, endian="little", adjust=1, strip=3, max=16777216),
    "http2": dict(width=3, adjust=6, strip=0, max=16390),
    "tls": dict(offset=3, width=2, strip=0, max=18432),
    # frame-max 131072 counts the whole frame: 7 header bytes and the frame end besides the body.
    "amqp": dict(offset=3, width=4, strip=0, trailer="ce", max=131064),
    "kafka": dict(width=4, max=104857600),
    "dns": dict(width=2, max=65535),
}


class FrameError(Exception):
    """The stream is invalid: the decoder rejects it."""


class Decoder:
    """The decoder under test: feed() one recv() at a time, eof() when the peer closes."""

    def __init__(self, offset=0, width=4, endian="big", adjust=0, strip=None, max=8388608,
                 trailer=""):
        self.offset, self.width, self.endian, self.adjust = offset, width, endian, adjust
        self.head = offset + width
        self.strip = self.head if strip is None else strip
        self.max, self.trailer = max, bytes.fromhex(trailer)
        self.buf = bytearray()

    def feed(self, chunk, emit):
        """Appends chunk and emits every frame it completes (the drain loop)."""
        self.buf += chunk
        while len(self.buf) >= self.head:
            field = int.from_bytes(self.buf[self.offset:self.head], self.endian)
            body = field + self.adjust
            # Reject as soon as the header is complete: do not wait for the body.
            if body < 0:
                raise FrameError(f"field {field} plus adjustment {self.adjust} is negative")
            if body > self.max:
                raise FrameError(f"a body of {body} bytes exceeds the maximum {self.max}")
            if self.head + body < self.strip:
                raise FrameError(f"a {self.head + body}-byte frame is shorter than strip")
            end = self.head + body
            have = self.buf[end:end + len(self.trailer)]
            if have != self.trailer[:len(have)]:
                raise FrameError(f"wrong trailer {bytes(have).hex()}")
            if len(have) < len(self.trailer) or len(self.buf) < end:
                return
            emit(bytes(self.buf[self.strip:end]))
            del self.buf[:end + len(self.trailer)]

    def eof(self, emit):
        if self.buf:
            raise FrameError(f"stream ended inside a frame ({len(self.buf)} bytes buffered)")


def settings(args):
    """The decoder's settings from the command line: a preset, then OPTION=VALUE overrides."""
    out = dict(PRESETS["postgres"])
    for arg in args:
        if arg in PRESETS:
            out = dict(PRESETS[arg])
            continue
        key, _, value = arg.partition("=")
        out[key] = value if key in ("endian", "trailer") else int(value)
    return out


def main():
    config = settings(sys.argv[1:])
    out = sys.stdout
    emit = lambda frame: out.write(f"FRAME {frame.hex()}\n")
    decoder = Decoder(**config)
    for line in sys.stdin:
        request, _, arg = line.rstrip("\n").partition(" ")
        try:
            if request == "BEGIN":
                decoder = Decoder(**config)
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
