#!/usr/bin/env node
// A framecheck exec-protocol adapter for the framing {{SPEC}}, written by `framecheck new`.
//
// Run it (from this folder):
//
//     framecheck run --exec '{{RUN}}' --framing {{SPEC}}
//
// framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for
// each, zero or more "FRAME <hex>" lines then one "DONE" or "ERROR <message>" on stdout. Debug
// output belongs on stderr (console.error): anything on stdout that is not an answer is a
// protocol error.
//
// Replace the part marked YOUR DECODER HERE with your own decoder (or a call into it); the
// protocol loop below it needs no change.
'use strict';
const readline = require('readline');

// ===== YOUR DECODER HERE: from this line to "END OF YOUR DECODER" =========================
// An incremental decoder for {{SPEC}}: feed() gets the bytes of one recv() at a time and
// emits every frame they complete; eof() is called when the peer closes the stream.
@@prefix
const WIDTH = {{WIDTH}}; // bytes in the length field
const BIG_ENDIAN = {{BIG_ENDIAN}}; // byte order of the length field
@@end
const MAX = {{MAX}}; // the longest valid payload in bytes, inclusive (a BigInt)

// The stream is invalid: the decoder rejects it (answered with ERROR).
class FrameError extends Error {}

@@prefix
// A length prefix of WIDTH bytes, then that many payload bytes.
class Decoder {
  constructor() {
    this.buf = Buffer.alloc(0);
  }

  // The length field at the start of buf, as a BigInt: a u64 length stays exact.
  length() {
    let n = 0n;
    for (let i = 0; i < WIDTH; i++) {
      n = (n << 8n) | BigInt(this.buf[BIG_ENDIAN ? i : WIDTH - 1 - i]);
    }
    return n;
  }

  feed(chunk, emit) {
    this.buf = Buffer.concat([this.buf, chunk]);
    // The drain loop: one read may complete several frames, or none.
    while (this.buf.length >= WIDTH) {
      const len = this.length();
      if (len > MAX) {
        // Reject as soon as the header is complete: do not wait for the payload.
        throw new FrameError(`frame of ${len} bytes exceeds the maximum ${MAX}`);
      }
      if (BigInt(this.buf.length - WIDTH) < len) return; // the payload is still incomplete
      const end = WIDTH + Number(len);
      emit(this.buf.subarray(WIDTH, end));
      this.buf = this.buf.subarray(end);
    }
  }

  eof(emit) {
    if (this.buf.length > 0) {
      throw new FrameError(`stream ended inside a frame (${this.buf.length} bytes buffered)`);
    }
  }
}
@@end
@@lines
const EOF_EMITS_LAST_LINE = {{EOF_EMIT}}; // an unterminated last line: a frame (true) or an error

// Lines: a frame is the bytes before each newline (0a), the newline not included.
class Decoder {
  constructor() {
    this.buf = Buffer.alloc(0);
    this.scanned = 0; // the first bytes of buf, known to hold no newline
  }

  feed(chunk, emit) {
    this.buf = Buffer.concat([this.buf, chunk]);
    // The drain loop: one read may complete several lines, or none.
    for (;;) {
      const newline = this.buf.indexOf(0x0a, this.scanned);
      if (newline < 0) break;
      if (BigInt(newline) > MAX) throw new FrameError(`a line of more than ${MAX} bytes`);
      emit(this.buf.subarray(0, newline));
      this.buf = this.buf.subarray(newline + 1);
      this.scanned = 0;
    }
    this.scanned = this.buf.length;
    if (BigInt(this.buf.length) > MAX) {
      // No newline among the first MAX + 1 bytes: reject now, do not buffer it all.
      throw new FrameError(`a line of more than ${MAX} bytes`);
    }
  }

  eof(emit) {
    if (this.buf.length > 0 && EOF_EMITS_LAST_LINE) {
      emit(this.buf);
    } else if (this.buf.length > 0) {
      throw new FrameError(`stream ended inside a line (${this.buf.length} bytes buffered)`);
    }
    this.buf = Buffer.alloc(0);
  }
}
@@end
// ===== END OF YOUR DECODER ================================================================

// The exec protocol: one answer per request, written in one piece.
let decoder = new Decoder();
let out = [];
const emit = (frame) => out.push(`FRAME ${Buffer.from(frame).toString('hex')}\n`);

// readline puts no limit on the length of a line: a CHUNK can be long.
const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  const space = line.indexOf(' ');
  const request = space < 0 ? line : line.slice(0, space);
  const arg = space < 0 ? '' : line.slice(space + 1);
  out = [];
  try {
    if (request === 'BEGIN') decoder = new Decoder(); // a fresh decoder for every stream
    else if (request === 'CHUNK') decoder.feed(Buffer.from(arg, 'hex'), emit);
    else if (request === 'EOF') decoder.eof(emit);
    else throw new FrameError(`unknown request ${request}`);
    out.push('DONE\n');
  } catch (e) {
    if (!(e instanceof FrameError)) throw e;
    // Frames emitted before the error in this request stay: they came first.
    out.push(`ERROR ${e.message}\n`);
  }
  // On Linux, writes to a pipe are synchronous: the answer is out before the next request.
  process.stdout.write(out.join(''));
});
