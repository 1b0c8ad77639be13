//! A u16be length-prefix decoder: a two-byte big-endian length, then that many bytes, at most
//! a configured maximum. The crate the CI recipe `examples/ci/rust-crate.yml` tests.

use std::fmt;

/// The stream is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A length header announces more than the maximum.
    TooLong(usize),
    /// The stream ended inside a frame.
    Truncated(usize),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooLong(n) => write!(f, "a frame of {n} bytes is over the maximum"),
            Error::Truncated(n) => write!(f, "the stream ended inside a frame ({n} bytes)"),
        }
    }
}

/// Decodes frames from bytes as they arrive.
pub struct Decoder {
    max: usize,
    buf: Vec<u8>,
}

impl Decoder {
    /// A decoder of frames of at most `max` bytes.
    pub fn new(max: usize) -> Decoder {
        Decoder {
            max,
            buf: Vec::new(),
        }
    }

    /// Takes the bytes of one read and appends every frame they complete to `frames`, also
    /// those before an invalid header: they came first.
    pub fn push(&mut self, bytes: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Error> {
        self.buf.extend_from_slice(bytes);
        // The drain loop: every frame the bytes complete, not just the first.
        while self.buf.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([self.buf[0], self.buf[1]]));
            if len > self.max {
                return Err(Error::TooLong(len));
            }
            if self.buf.len() < 2 + len {
                break;
            }
            frames.push(self.buf[2..2 + len].to_vec());
            self.buf.drain(..2 + len);
        }
        Ok(())
    }

    /// The peer closed the stream: an error if a frame was cut short.
    pub fn finish(&mut self) -> Result<(), Error> {
        match self.buf.len() {
            0 => Ok(()),
            n => Err(Error::Truncated(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_frames_in_one_read() {
        let mut d = super::Decoder::new(16);
        let mut frames = Vec::new();
        d.push(b"\x00\x02hi\x00\x03abc", &mut frames).unwrap();
        assert_eq!(frames, [&b"hi"[..], b"abc"]);
        d.finish().unwrap();
    }
}
