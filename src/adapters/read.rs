//! Pull decoders over `std::io::Read`: a decoder that *reads* its frames, adapted so that the
//! harness still decides what each read returns.
//!
//! The decoder is a closure that reads one frame from a reader: `Ok(Some(frame))`,
//! `Ok(None)` at a clean end of stream, or an error. The adapter's [`ChunkReader`] behaves like
//! a non-blocking socket: it returns the schedule's chunks as short reads (never more than one
//! chunk, and, with [`PullDecoder::with_short_reads`], at most a few bytes at a time), fails
//! with `Interrupted` now and then when asked to (a read must then simply be retried), and with
//! `WouldBlock` when it has nothing (more input is needed). At EOF it returns `Ok(0)`.
//!
//! A pull decoder built on `read_exact` loses the bytes of a partial read when the reader
//! would block (docs/bug-classes.md #6, short reads treated as full ones); one that keeps its own
//! buffer does not:
//!
//! ```
//! use std::io::{self, Read};
//! use framecheck::adapters::read::PullDecoder;
//! use framecheck::{Framing, Suite};
//!
//! /// A correct pull decoder: a u16be length prefix, buffering what it has read so far.
//! fn buffered() -> impl FnMut(&mut dyn Read) -> io::Result<Option<Vec<u8>>> {
//!     let mut buf: Vec<u8> = Vec::new();
//!     move |r| loop {
//!         if buf.len() >= 2 {
//!             let len = u16::from_be_bytes([buf[0], buf[1]]) as usize;
//!             if len > 300 {
//!                 return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
//!             }
//!             if buf.len() >= 2 + len {
//!                 let frame = buf[2..2 + len].to_vec();
//!                 buf.drain(..2 + len);
//!                 return Ok(Some(frame));
//!             }
//!         }
//!         let mut tmp = [0u8; 64];
//!         match r.read(&mut tmp) {
//!             Ok(0) if buf.is_empty() => return Ok(None),
//!             Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
//!             Ok(n) => buf.extend_from_slice(&tmp[..n]),
//!             Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
//!             Err(e) => return Err(e),
//!         }
//!     }
//! }
//!
//! let framing: Framing = "u16be:max=300".parse().unwrap();
//! let report = Suite::new(framing)
//!     .random_cases(50)
//!     .run(|| PullDecoder::new(buffered()).with_short_reads(3).with_interrupts(true));
//! assert!(report.is_pass(), "{report}");
//! ```

use std::collections::VecDeque;
use std::io::{self, Read};

use crate::adapter::{FrameDecoder, Rejection};

/// The reader a pull decoder reads from: the chunks fed so far, as short reads.
#[derive(Debug, Default)]
pub struct ChunkReader {
    chunks: VecDeque<Vec<u8>>,
    eof: bool,
    short: usize,
    interrupts: bool,
    interrupted: bool,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.interrupts && !self.interrupted && !self.chunks.is_empty() {
            // Once before each read that has data: the caller must retry.
            self.interrupted = true;
            return Err(io::ErrorKind::Interrupted.into());
        }
        let Some(front) = self.chunks.front_mut() else {
            return if self.eof {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        };
        self.interrupted = false;
        let limit = if self.short > 0 {
            self.short
        } else {
            usize::MAX
        };
        let n = front.len().min(buf.len()).min(limit);
        buf[..n].copy_from_slice(&front[..n]);
        front.drain(..n);
        if front.is_empty() {
            self.chunks.pop_front();
        }
        Ok(n)
    }
}

/// A pull decoder driven chunk by chunk.
pub struct PullDecoder<F> {
    read_frame: F,
    reader: ChunkReader,
    done: bool,
}

impl<F> PullDecoder<F>
where
    F: FnMut(&mut dyn Read) -> io::Result<Option<Vec<u8>>>,
{
    /// Adapts `read_frame`, which reads one frame from the reader it is given.
    pub fn new(read_frame: F) -> Self {
        PullDecoder {
            read_frame,
            reader: ChunkReader::default(),
            done: false,
        }
    }

    /// Makes every read return at most `bytes` bytes (0: up to a whole chunk).
    #[must_use]
    pub fn with_short_reads(mut self, bytes: usize) -> Self {
        self.reader.short = bytes;
        self
    }

    /// Makes the reader fail with `Interrupted` once before each read that has data.
    #[must_use]
    pub fn with_interrupts(mut self, yes: bool) -> Self {
        self.reader.interrupts = yes;
        self
    }

    fn pull(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        while !self.done {
            match (self.read_frame)(&mut self.reader) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => self.done = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && !self.reader.eof => break,
                Err(e) => return Err(Rejection::new(e)),
            }
        }
        Ok(())
    }
}

impl<F> FrameDecoder for PullDecoder<F>
where
    F: FnMut(&mut dyn Read) -> io::Result<Option<Vec<u8>>>,
{
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.reader.chunks.push_back(chunk.to_vec());
        self.pull(frames)
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.reader.eof = true;
        self.pull(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FailureKind, Framing, Suite};

    /// The naive pull decoder: `read_exact` for the header and the payload. On a non-blocking
    /// reader, a partial `read_exact` consumes bytes and then fails with `WouldBlock`: they
    /// are lost. See: docs/bug-classes.md #6.
    fn read_exact_decoder() -> impl FnMut(&mut dyn Read) -> io::Result<Option<Vec<u8>>> {
        |r| {
            let mut header = [0u8; 2];
            match r.read_exact(&mut header) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            }
            let len = u16::from_be_bytes(header) as usize;
            if len > 300 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
            }
            let mut payload = vec![0u8; len];
            r.read_exact(&mut payload)?;
            Ok(Some(payload))
        }
    }

    #[test]
    fn read_exact_over_a_non_blocking_reader_is_caught() {
        let framing: Framing = "u16be:max=300".parse().unwrap();
        let report = Suite::new(framing)
            .random_cases(50)
            .fail_fast(true)
            .run(|| PullDecoder::new(read_exact_decoder()));
        assert!(!report.is_pass());
        let kind = report.failures[0].failure.kind;
        assert!(
            matches!(
                kind,
                FailureKind::WrongFrame
                    | FailureKind::MissingFrame
                    | FailureKind::StuckFrame
                    | FailureKind::FalseRejection
                    | FailureKind::TruncationIgnored
            ),
            "{report}"
        );
    }

    #[test]
    fn the_reader_returns_short_reads_interrupts_and_would_block() {
        let mut r = ChunkReader {
            short: 2,
            interrupts: true,
            ..ChunkReader::default()
        };
        r.chunks.push_back(b"abcde".to_vec());
        let mut buf = [0u8; 8];
        assert_eq!(
            r.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::Interrupted
        );
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ab");
        assert_eq!(
            r.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::Interrupted
        );
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        r.interrupts = false;
        assert_eq!(r.read(&mut buf).unwrap(), 1);
        assert_eq!(
            r.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        r.eof = true;
        assert_eq!(r.read(&mut buf).unwrap(), 0);
    }
}
