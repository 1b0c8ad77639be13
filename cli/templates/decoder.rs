//! A framecheck exec-protocol adapter for the framing {{SPEC}}, written by `framecheck new`.
//!
//! Build and run it (from this folder; `rustc` alone, no Cargo project and no network):
//!
//!     {{BUILD}}
//!     framecheck run --exec '{{RUN}}' --framing {{SPEC}}
//!
//! framecheck writes one request per line on stdin (BEGIN, CHUNK <hex>, EOF) and reads, for
//! each, zero or more "FRAME <hex>" lines then one "DONE" or "ERROR <message>" on stdout, which
//! must be flushed after each answer. Debug output belongs on stderr (eprintln!): anything on
//! stdout that is not an answer is a protocol error.
//!
//! Replace the part marked YOUR DECODER HERE with your own decoder (or a call into it); the
//! protocol loop below it needs no change. (A decoder written in Rust can also be tested in
//! process, through framecheck's `FrameDecoder` trait.)

use std::io::{self, BufRead, Write};

// ===== YOUR DECODER HERE: from this line to "END OF YOUR DECODER" ==========================
// An incremental decoder for {{SPEC}}: `feed` gets the bytes of one recv() at a time and emits
// every frame they complete; `eof` is called when the peer closes the stream. Each returns the
// error that rejects the stream, if any.

@@prefix
/// Bytes in the length field.
const WIDTH: usize = {{WIDTH}};
/// The byte order of the length field.
const BIG_ENDIAN: bool = {{BIG_ENDIAN}};
@@end
/// The longest valid payload in bytes, inclusive.
const MAX: u64 = {{MAX}};

@@prefix
/// A length prefix of `WIDTH` bytes, then that many payload bytes.
#[derive(Default)]
struct Decoder {
    /// The bytes received and not yet consumed.
    buf: Vec<u8>,
}

impl Decoder {
    fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        self.buf.extend_from_slice(chunk);
        let mut pos = 0;
        // The drain loop: one read may complete several frames, or none.
        let result = loop {
            if self.buf.len() - pos < WIDTH {
                break Ok(());
            }
            let header = &self.buf[pos..pos + WIDTH];
            let length = (0..WIDTH).fold(0u64, |n, i| {
                n << 8 | u64::from(header[if BIG_ENDIAN { i } else { WIDTH - 1 - i }])
            });
            if length > MAX {
                // Reject as soon as the header is complete: do not wait for the payload.
                break Err(format!("frame of {length} bytes exceeds the maximum {MAX}"));
            }
            if ((self.buf.len() - pos - WIDTH) as u64) < length {
                break Ok(()); // the payload is still incomplete
            }
            let end = pos + WIDTH + length as usize;
            emit(&self.buf[pos + WIDTH..end]);
            pos = end;
        };
        self.buf.drain(..pos);
        result
    }

    fn eof(&mut self, _emit: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        match self.buf.len() {
            0 => Ok(()),
            n => Err(format!("stream ended inside a frame ({n} bytes buffered)")),
        }
    }
}
@@end
@@lines
/// An unterminated last line: a frame (true) or an error.
const EOF_EMITS_LAST_LINE: bool = {{EOF_EMIT}};

/// Lines: a frame is the bytes before each newline (0a), the newline not included.
#[derive(Default)]
struct Decoder {
    /// The bytes received and not yet consumed.
    buf: Vec<u8>,
    /// The first bytes of `buf`, known to hold no newline.
    scanned: usize,
}

impl Decoder {
    fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        self.buf.extend_from_slice(chunk);
        let mut pos = 0;
        // The drain loop: one read may complete several lines, or none.
        while let Some(i) = self.buf[self.scanned..].iter().position(|&b| b == b'\n') {
            let newline = self.scanned + i;
            if (newline - pos) as u64 > MAX {
                break; // an over-long line: rejected below
            }
            emit(&self.buf[pos..newline]);
            pos = newline + 1;
            self.scanned = pos;
        }
        if (self.buf.len() - pos) as u64 > MAX {
            // No newline among the first MAX + 1 bytes: reject now, do not buffer it all.
            return Err(format!("a line of more than {MAX} bytes"));
        }
        self.buf.drain(..pos);
        self.scanned = self.buf.len();
        Ok(())
    }

    fn eof(&mut self, emit: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        if !self.buf.is_empty() && EOF_EMITS_LAST_LINE {
            emit(&self.buf);
        } else if !self.buf.is_empty() {
            return Err(format!("stream ended inside a line ({} bytes buffered)", self.buf.len()));
        }
        self.buf.clear();
        Ok(())
    }
}
@@end
// ===== END OF YOUR DECODER ==================================================================

/// The exec protocol: one answer per request, flushed.
fn main() -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut answer = String::new();
    let mut decoder = Decoder::default();
    let mut line = String::new();
    // read_line grows `line`: no limit on the length of a line, and a CHUNK can be long.
    while input.read_line(&mut line)? > 0 {
        let text = line.trim_end_matches('\n');
        let (request, arg) = text.split_once(' ').unwrap_or((text, ""));
        answer.clear();
        let mut emit = |frame: &[u8]| {
            answer.push_str("FRAME ");
            for b in frame {
                answer.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
                answer.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
            }
            answer.push('\n');
        };
        let result = match request {
            "BEGIN" => {
                decoder = Decoder::default(); // a fresh decoder for every stream
                Ok(())
            }
            "CHUNK" => unhex(arg).and_then(|chunk| decoder.feed(&chunk, &mut emit)),
            "EOF" => decoder.eof(&mut emit),
            other => Err(format!("unknown request {other:?}")),
        };
        // Frames emitted before the error in this request stay: they came first.
        match result {
            Ok(()) => answer.push_str("DONE\n"),
            Err(e) => answer.push_str(&format!("ERROR {e}\n")),
        }
        out.write_all(answer.as_bytes())?;
        out.flush()?;
        line.clear();
    }
    Ok(())
}

/// The bytes of a CHUNK's hex.
fn unhex(hex: &str) -> Result<Vec<u8>, String> {
    if hex.len() % 2 != 0 {
        return Err("odd number of hex digits in CHUNK".to_string());
    }
    let digit = |b: u8| char::from(b).to_digit(16).ok_or("bad hex in CHUNK".to_string());
    let pairs = hex.as_bytes().chunks(2);
    pairs.map(|p| Ok((digit(p[0])? << 4 | digit(p[1])?) as u8)).collect()
}
