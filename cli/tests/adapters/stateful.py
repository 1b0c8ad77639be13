#!/usr/bin/env python3
"""A length-prefix exec adapter (examples/python/length_prefix.py) that keeps state across
BEGIN, for framecheck's tests of state-dependent failures. Usage: stateful.py MODE [FRAMING] [MAX]

MODE `leftover`: the buffer is not reset at BEGIN, so the bytes a rejected stream left behind
are read as the start of the next stream.
MODE `second-error`: the program counts the streams that ended in an error; from the second
one on, every stream's first frame is dropped (a flag the error path sets and BEGIN never
clears). Any stream passes on a fresh process; one fails only after two rejected streams.
Any other MODE (`none`): the correct decoder."""
import sys

MODE = sys.argv[1]
FRAMING = sys.argv[2] if len(sys.argv) > 2 else "u32be"
MAX = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
WIDTH = {"u8": 1, "u16be": 2, "u16le": 2, "u32be": 4, "u32le": 4}[FRAMING]
ENDIAN = "little" if FRAMING.endswith("le") else "big"


class FrameError(Exception):
    pass


class Decoder:
    def __init__(self):
        self.buf = bytearray()
        self.first = True

    def feed(self, chunk, emit):
        self.buf += chunk
        while len(self.buf) >= WIDTH:
            length = int.from_bytes(self.buf[:WIDTH], ENDIAN)
            if length > MAX:
                raise FrameError("too long")
            end = WIDTH + length
            if len(self.buf) < end:
                return
            frame = bytes(self.buf[WIDTH:end])
            del self.buf[:end]
            if self.first and MODE == "second-error" and ERRORS[0] >= 2:
                self.first = False  # BUG: the first frame of the stream is dropped
                continue
            self.first = False
            emit(frame)

    def eof(self, emit):
        if self.buf:
            raise FrameError("truncated")


ERRORS = [0]  # streams that ended in an error, for the life of the program


def main():
    out = sys.stdout
    decoder = Decoder()

    def emit(frame):
        out.write(f"FRAME {frame.hex()}\n")

    for line in sys.stdin:
        request, _, arg = line.rstrip("\n").partition(" ")
        try:
            if request == "BEGIN":
                if MODE != "leftover":  # BUG (leftover): the old stream's bytes carry over
                    decoder = Decoder()
            elif request == "CHUNK":
                decoder.feed(bytes.fromhex(arg), emit)
            elif request == "EOF":
                decoder.eof(emit)
        except FrameError as e:
            ERRORS[0] += 1
            out.write(f"ERROR {e}\n")
        else:
            out.write("DONE\n")
        out.flush()


if __name__ == "__main__":
    main()
