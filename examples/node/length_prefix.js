#!/usr/bin/env node
// A framecheck exec-protocol adapter around a length-prefix decoder, in JavaScript (Node.js).
//
// Usage: node length_prefix.js [FRAMING] [MAX]   (as examples/python/length_prefix.py)
'use strict';
const readline = require('readline');

const FORMATS = {
  u8: [1, 'big'], u16be: [2, 'big'], u16le: [2, 'little'],
  u32be: [4, 'big'], u32le: [4, 'little'], u64be: [8, 'big'], u64le: [8, 'little'],
};

class FrameError extends Error {}

class Decoder {
  constructor(width, endian, max) {
    this.width = width; this.endian = endian; this.max = max;
    this.buf = Buffer.alloc(0);
  }

  length() {
    let n = 0n;
    for (let i = 0; i < this.width; i++) {
      const b = this.buf[this.endian === 'big' ? i : this.width - 1 - i];
      n = (n << 8n) | BigInt(b);
    }
    return n; // BigInt: a u64 length stays exact
  }

  feed(chunk, emit) {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= this.width) {
      const len = this.length();
      if (len > this.max) throw new FrameError(`frame of ${len} bytes exceeds the maximum ${this.max}`);
      const end = this.width + Number(len);
      if (this.buf.length < end) return;
      emit(this.buf.subarray(this.width, end));
      this.buf = this.buf.subarray(end);
    }
  }

  eof() {
    if (this.buf.length > 0) throw new FrameError(`stream ended inside a frame (${this.buf.length} bytes buffered)`);
  }
}

const framing = process.argv[2] || 'u32be';
const [width, endian] = FORMATS[framing];
// framecheck's default maximum: 8 MiB, or the largest the field holds (255 for u8, 65535 for u16).
const fieldMax = (1n << BigInt(8 * width)) - 1n;
const max = process.argv[3] ? BigInt(process.argv[3]) : (fieldMax < 8388608n ? fieldMax : 8388608n);
let decoder = new Decoder(width, endian, max);
let out = '';
const emit = (frame) => { out += `FRAME ${Buffer.from(frame).toString('hex')}\n`; };

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  const space = line.indexOf(' ');
  const request = space < 0 ? line : line.slice(0, space);
  const arg = space < 0 ? '' : line.slice(space + 1);
  out = '';
  try {
    if (request === 'BEGIN') decoder = new Decoder(width, endian, max);
    else if (request === 'CHUNK') decoder.feed(Buffer.from(arg, 'hex'), emit);
    else if (request === 'EOF') decoder.eof();
    else throw new FrameError(`unknown request ${request}`);
    out += 'DONE\n';
  } catch (e) {
    if (!(e instanceof FrameError)) throw e;
    out += `ERROR ${e.message}\n`;
  }
  process.stdout.write(out);
});
