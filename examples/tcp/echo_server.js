#!/usr/bin/env node
// A TCP echo server that framecheck tcp can test, in Node.js (the `net` module, no packages).
//
// Usage: node echo_server.js [--port N] [--framing F] [--max N] [--reply]
//   (the flags of echo_server.py beside this file, without --bug)
//   --port N     the port on 127.0.0.1 (default: $FRAMECHECK_PORT, else 0 = any free port)
//   --framing F  u8, u16be, u16le, u32be (default), u32le or lines
//   --max N      the largest valid payload in bytes, inclusive (default 1048576)
//   --reply      answer each frame with one reply frame ("ok <length>") instead of its echo
//
// Each connection keeps its own Decoder. Every 'data' event (one read from the socket) is
// drained of all the frames it completes, each echoed at once in the same framing; a header
// above the maximum closes the connection without reading the payload; the peer's half-close
// closes the connection (Node's default allowHalfOpen: false), and a truncated frame at EOF is
// never echoed. See README.md beside this file. Replace Decoder with your own.
'use strict';
const net = require('net');

// [width, little-endian]
const PREFIXES = { u8: [1, false], u16be: [2, false], u16le: [2, true], u32be: [4, false], u32le: [4, true] };

class BadHeader extends Error {}

// ---- The decoder under test: replace this class with your own. ------------------------------
class Decoder {
  constructor(framing, max) {
    this.framing = framing; this.max = max;
    this.buf = Buffer.alloc(0); this.start = 0; this.end = 0; // live bytes: buf[start..end)
  }

  // Appends one read, growing the buffer geometrically so that a frame cut in many reads costs
  // linear time.
  feed(chunk) {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(live + chunk.length, 2 * live, 4096);
      const next = size <= this.buf.length ? this.buf : Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, this.start, this.end); // overlapping copies are safe
      this.buf = next; this.start = 0; this.end = live;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  // The next complete frame (a copy), or null if none is buffered yet. Throws BadHeader as soon
  // as the header is known to exceed the maximum, before any of the payload is waited for.
  next() {
    const data = this.buf.subarray(this.start, this.end);
    if (this.framing === 'lines') {
      // A newline at index <= max ends a valid line; none there means too long (or not yet).
      const i = data.subarray(0, this.max + 1).indexOf(0x0a);
      if (i < 0) {
        if (data.length > this.max) throw new BadHeader(`line longer than the maximum ${this.max}`);
        return null;
      }
      this.start += i + 1;
      return Buffer.from(data.subarray(0, i));
    }
    const [width, le] = PREFIXES[this.framing];
    if (data.length < width) return null; // not even a whole header yet
    const len = le ? data.readUIntLE(0, width) : data.readUIntBE(0, width);
    if (len > this.max) throw new BadHeader(`frame of ${len} bytes exceeds the maximum ${this.max}`);
    if (data.length < width + len) return null; // header here, payload incomplete
    this.start += width + len;
    return Buffer.from(data.subarray(width, width + len));
  }
}

// The frame on the wire, in the same framing (the echo re-encodes what was decoded).
function encode(framing, frame) {
  if (framing === 'lines') return Buffer.concat([frame, Buffer.from('\n')]);
  const [width, le] = PREFIXES[framing];
  const header = Buffer.alloc(width);
  if (le) header.writeUIntLE(frame.length, 0, width); else header.writeUIntBE(frame.length, 0, width);
  return Buffer.concat([header, frame]);
}
// ---- End of the decoder. ---------------------------------------------------------------------

function usage(message) {
  process.stderr.write(`echo_server.js: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { port: process.env.FRAMECHECK_PORT || '0', framing: 'u32be', max: '1048576', reply: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--reply') { args.reply = true; continue; }
    if (!['--port', '--framing', '--max'].includes(flag)) usage(`unknown argument ${flag}`);
    if (i + 1 >= argv.length) usage(`${flag} needs a value`);
    args[flag.slice(2)] = argv[++i];
  }
  if (!(args.framing in PREFIXES) && args.framing !== 'lines') usage(`unknown framing ${args.framing}`);
  for (const name of ['port', 'max']) {
    if (!/^[0-9]+$/.test(args[name])) usage(`--${name} must be a whole number, not ${args[name]}`);
    args[name] = Number(args[name]);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));

const server = net.createServer({ noDelay: true }, (socket) => {
  const decoder = new Decoder(args.framing, args.max);
  let closing = false;
  socket.on('data', (chunk) => {
    if (closing) return;
    decoder.feed(chunk);
    try {
      // The drain loop: every frame this read completes, before reading again.
      for (let frame = decoder.next(); frame !== null; frame = decoder.next()) {
        // One reply per frame; cut to the maximum so that it is itself a valid frame.
        if (args.reply) frame = Buffer.from(`ok ${frame.length}`).subarray(0, args.max);
        socket.write(encode(args.framing, frame));
      }
      // Backpressure: while the peer does not read its echoes, do not read more from it.
      if (socket.writableNeedDrain) {
        socket.pause();
        socket.once('drain', () => { if (!closing) socket.resume(); });
      }
    } catch (e) {
      if (!(e instanceof BadHeader)) throw e;
      // Close now, without reading the payload. destroy() closes the descriptor at once but
      // drops writes Node still holds, so with echoes pending: stop reading, flush, then close.
      // (Payload bytes already in the kernel make the close a reset (RST) instead of a FIN.)
      closing = true;
      if (socket.writableLength === 0) {
        socket.destroy();
      } else {
        socket.pause();
        socket.end(() => socket.destroy());
      }
    }
  });
  socket.on('error', () => {}); // the peer reset: nothing left to answer
});

server.on('error', (e) => usage(`cannot listen on 127.0.0.1:${args.port}: ${e.message}`));
server.listen(args.port, '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
