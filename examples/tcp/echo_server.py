#!/usr/bin/env python3
"""A TCP echo server that framecheck tcp can test, in Python asyncio (standard library only).

Usage: python3 echo_server.py [--port N] [--framing F] [--max N] [--reply] [--bug NAME]
  --port N     the port on 127.0.0.1 (default: $FRAMECHECK_PORT, else 0 = any free port)
  --framing F  u8, u16be, u16le, u32be (default), u32le or lines
  --max N      the largest valid payload in bytes, inclusive (default 1048576)
  --reply      answer each frame with one reply frame ("ok <length>") instead of its echo
  --bug NAME   serve with a known framing bug, to see framecheck catch it:
               one-per-recv   decodes at most one frame per recv() (the missing while loop)
               shared-buffer  one buffer for the whole server, shared by every connection
               no-max         never checks the maximum: waits for any announced payload

Each connection keeps its own buffer. Every frame is echoed, in the same framing, as soon as it
is complete; a header above the maximum closes the connection at once, without reading the
payload; the peer's half-close (EOF) closes the connection, and a truncated frame at EOF is
never echoed. See README.md beside this file for the whole contract. Replace Decoder with your
own; handle() is the read loop around it.
"""
import argparse
import asyncio
import os
import sys

LENGTH_PREFIXES = {
    "u8": (1, "big"),
    "u16be": (2, "big"), "u16le": (2, "little"),
    "u32be": (4, "big"), "u32le": (4, "little"),
}
FRAMINGS = [*LENGTH_PREFIXES, "lines"]
BUGS = ["one-per-recv", "shared-buffer", "no-max"]


class BadHeader(Exception):
    """The buffered bytes announce a frame above the maximum: the connection must close."""


# ---- The decoder under test: replace this class with your own. ------------------------------
class Decoder:
    """One reassembly buffer. feed() each recv(), then take frames with next_frame()."""

    def __init__(self, framing, max_len):
        self.framing, self.max_len = framing, max_len  # max_len None: unchecked (bug no-max)
        self.buf = bytearray()

    def feed(self, chunk):
        self.buf += chunk

    def next_frame(self):
        """Removes and returns the next complete frame, or None if none is buffered yet.

        Raises BadHeader as soon as the header is known to exceed the maximum: before the payload
        arrives, so that nothing of it is waited for, read or allocated."""
        if self.framing == "lines":
            # A newline at index <= max ends a valid line; none there means too long (or not yet).
            end = len(self.buf) if self.max_len is None else self.max_len + 1
            i = self.buf.find(b"\n", 0, end)
            if i < 0:
                if self.max_len is not None and len(self.buf) > self.max_len:
                    raise BadHeader(f"line longer than the maximum {self.max_len}")
                return None
            frame = bytes(self.buf[:i])
            del self.buf[:i + 1]
            return frame
        width, endian = LENGTH_PREFIXES[self.framing]
        if len(self.buf) < width:
            return None                          # not even a whole header yet
        length = int.from_bytes(self.buf[:width], endian)
        if self.max_len is not None and length > self.max_len:
            raise BadHeader(f"frame of {length} bytes exceeds the maximum {self.max_len}")
        if len(self.buf) < width + length:
            return None                          # header here, payload incomplete
        frame = bytes(self.buf[width:width + length])
        del self.buf[:width + length]
        return frame


def encode(framing, frame):
    """The frame on the wire, in the same framing (the echo re-encodes what was decoded)."""
    if framing == "lines":
        return frame + b"\n"
    width, endian = LENGTH_PREFIXES[framing]
    return len(frame).to_bytes(width, endian) + frame
# ---- End of the decoder. ---------------------------------------------------------------------


async def handle(reader, writer, args, shared):
    """One connection: read, decode, answer, until EOF or a bad header."""
    max_len = None if args.bug == "no-max" else args.max
    decoder = shared if shared is not None else Decoder(args.framing, max_len)
    try:
        while True:
            chunk = await reader.read(65536)     # one read ~ one recv()
            if not chunk:
                break                            # the peer's half-close: a partial frame is dropped
            decoder.feed(chunk)
            # The drain loop: every frame this chunk completes, before reading again.
            # Bug one-per-recv: at most one frame per recv(), the rest waits in the buffer.
            while (frame := decoder.next_frame()) is not None:
                if args.reply:
                    # One reply per frame; cut to the maximum so that it is itself a valid frame.
                    frame = (b"ok %d" % len(frame))[:args.max]
                writer.write(encode(args.framing, frame))
                if args.bug == "one-per-recv":
                    break
            await writer.drain()
    except BadHeader:
        pass                                     # close now, without reading the payload
    except ConnectionError:
        pass                                     # the peer reset: nothing left to answer
    finally:
        writer.close()                           # flushes the echoes already written, then FIN
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("FRAMECHECK_PORT", "0")))
    parser.add_argument("--framing", choices=FRAMINGS, default="u32be")
    parser.add_argument("--max", type=int, default=1048576)
    parser.add_argument("--reply", action="store_true")
    parser.add_argument("--bug", choices=BUGS)
    args = parser.parse_args()
    if args.max < 0:
        parser.error("--max must be at least 0")
    # Bug shared-buffer: one Decoder (one buffer) for every connection of the server.
    shared = Decoder(args.framing, args.max) if args.bug == "shared-buffer" else None
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args, shared), "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
