#!/usr/bin/env python3
"""A framecheck exec-protocol adapter for the framing {{SPEC}}, written by `framecheck new`.

Run it (from this folder):

    framecheck run --exec '{{RUN}}' --framing {{SPEC}}

framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for each,
zero or more "FRAME <hex>" lines then one "DONE" or "ERROR <message>" on stdout. Debug output
belongs on stderr: anything on stdout that is not an answer is a protocol error.

Replace the part marked YOUR DECODER HERE with your own decoder (or a call into it); the
protocol loop below it needs no change.
"""
import sys

# ===== YOUR DECODER HERE: from this line to "END OF YOUR DECODER" ==========================
# An incremental decoder for {{SPEC}}: feed() gets the bytes of one recv() at a time and emits
# every frame they complete; eof() is called when the peer closes the stream.
@@prefix
WIDTH = {{WIDTH}}  # bytes in the length field
BYTE_ORDER = "{{BYTE_ORDER}}"  # of the length field
@@end
MAX = {{MAX}}  # the longest valid payload in bytes, inclusive


class FrameError(Exception):
    """The stream is invalid: the decoder rejects it (answered with ERROR)."""


@@prefix
class Decoder:
    """A length prefix of WIDTH bytes ({{BYTE_ORDER}}-endian), then that many payload bytes."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, chunk, emit):
        self.buf += chunk
        # The drain loop: one read may complete several frames, or none.
        while len(self.buf) >= WIDTH:
            length = int.from_bytes(self.buf[:WIDTH], BYTE_ORDER)
            if length > MAX:
                # Reject as soon as the header is complete: do not wait for the payload.
                raise FrameError(f"frame of {length} bytes exceeds the maximum {MAX}")
            if len(self.buf) - WIDTH < length:
                return  # the payload is still incomplete
            emit(bytes(self.buf[WIDTH:WIDTH + length]))
            del self.buf[:WIDTH + length]

    def eof(self, emit):
        if self.buf:
            raise FrameError(f"stream ended inside a frame ({len(self.buf)} bytes buffered)")
@@end
@@lines
EOF_EMITS_LAST_LINE = {{EOF_EMIT}}  # an unterminated last line: a frame (True) or an error


class Decoder:
    """Lines: a frame is the bytes before each newline (0a), the newline not included."""

    def __init__(self):
        self.buf = bytearray()
        self.scanned = 0  # the first bytes of buf, known to hold no newline

    def feed(self, chunk, emit):
        self.buf += chunk
        # The drain loop: one read may complete several lines, or none.
        while True:
            newline = self.buf.find(b"\n", self.scanned)
            if newline < 0:
                break
            if newline > MAX:
                raise FrameError(f"a line of more than {MAX} bytes")
            emit(bytes(self.buf[:newline]))
            del self.buf[:newline + 1]
            self.scanned = 0
        self.scanned = len(self.buf)
        if len(self.buf) > MAX:
            # No newline among the first MAX + 1 bytes: reject now, do not buffer it all.
            raise FrameError(f"a line of more than {MAX} bytes")

    def eof(self, emit):
        if self.buf and EOF_EMITS_LAST_LINE:
            emit(bytes(self.buf))
        elif self.buf:
            raise FrameError(f"stream ended inside a line ({len(self.buf)} bytes buffered)")
        self.buf.clear()
@@end
# ===== END OF YOUR DECODER ==================================================================


def main():
    """The exec protocol: one answer per request, flushed."""
    out = sys.stdout
    emit = lambda frame: out.write(f"FRAME {frame.hex()}\n")
    decoder = Decoder()
    for line in sys.stdin:  # no limit on the length of a line: a CHUNK can be long
        request, _, arg = line.rstrip("\n").partition(" ")
        try:
            if request == "BEGIN":
                decoder = Decoder()  # a fresh decoder for every stream
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
