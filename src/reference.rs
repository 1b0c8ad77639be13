//! The reference decoder: a strict, incremental decoder for any [`Framing`], the behaviour
//! every decoder is held to.
//!
//! It is kept apart from the specification ([`Framing::expect`], a whole-stream parse) on
//! purpose: the suite runs it like any other decoder, so the two check each other. It reads
//! headers through the format ([`Framing::parse_header`], [`Framing::check_trailer`]), and
//! scans lines itself, remembering how far it has looked so that a long line fed a byte at a
//! time costs linear time.

use crate::adapter::{FrameDecoder, Rejection};
use crate::bundled::{Entry, Kind};
use crate::framing::{Framing, HeaderParse, LineEof, Lines, Wire};

/// partial frame at EOF.
///
/// ```
/// use framecheck::{FrameDecoder, Framing, ReferenceDecoder};
///
/// let mut d = ReferenceDecoder::new("u8".parse::<Framing>().unwrap());
/// let mut out = Vec::new();
/// // The seed explainer's worked example, chunk by chunk.
/// d.feed(&[0x03, 0x61, 0x62], &mut out).unwrap();
/// assert!(out.is_empty());
/// d.feed(&[0x63, 0x02, 0x68], &mut out).unwrap();
/// assert_eq!(out, [b"abc".to_vec()]);
/// d.feed(&[0x69, 0x04, 0x70, 0x69], &mut out).unwrap();
/// d.feed(&[0x6e, 0x67], &mut out).unwrap();
/// d.eof(&mut out).unwrap();
/// assert_eq!(out, [b"abc".to_vec(), b"hi".to_vec(), b"ping".to_vec()]);
/// ```
#[derive(Clone, Debug)]
pub struct ReferenceDecoder {
    framing: Framing,
    buf: Vec<u8>,
    /// Lines: how many bytes at the start of `buf` are known to hold no newline.
    scanned: usize,
    /// Lines under `:resync`: skipping the rest of an over-long line.
    discarding: bool,
}

impl ReferenceDecoder {
    /// A decoder for `framing`.
    pub fn new(framing: Framing) -> ReferenceDecoder {
        ReferenceDecoder {
            framing,
            buf: Vec::new(),
            scanned: 0,
            discarding: false,
        }
    }

    /// Takes every complete frame out of the buffer, up to the first error.
    fn drain(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        let mut pos = 0;
        let result = loop {
            let rest = &self.buf[pos..];
            if let Wire::Lines(l) = self.framing.wire() {
                if self.discarding {
                    // Skipping the rest of an over-long line, up to and including its newline.
                    match rest.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            self.discarding = false;
                            pos += i + 1;
                            continue;
                        }
                        None => {
                            pos = self.buf.len();
                            break Ok(());
                        }
                    }
                }
                // Only the first `max + 1` bytes of a line can hold its newline.
                let window = rest.len().min(Lines::window(self.framing.max_frame_len()));
                let from = self.scanned.min(window);
                match rest[from..window].iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        let len = from + i;
                        self.scanned = 0;
                        pos += len + 1;
                        let line = &rest[l.content(rest, 0..len)];
                        if line.is_empty() && !self.framing.empty_frames() {
                            break Err(Rejection::new("an empty line"));
                        }
                        if l.text && std::str::from_utf8(line).is_err() {
                            break Err(Rejection::new("a line that is not UTF-8"));
                        }
                        frames.push(line.to_vec());
                    }
                    None if rest.len() as u64 > self.framing.max_frame_len() => {
                        // Over-long: drop the line so far; under `:resync` the rest of it is
                        // skipped on later calls.
                        self.discarding = true;
                        self.scanned = 0;
                        pos += window;
                        break Err(Rejection::new(Lines::overlong(
                            self.framing.max_frame_len(),
                        )));
                    }
                    None => {
                        self.scanned = window;
                        break Ok(());
                    }
                }
                continue;
            }
            let (w, payload) = match self.framing.parse_header(rest) {
                HeaderParse::NeedMore { .. } => break Ok(()),
                HeaderParse::Bad { why, .. } => break Err(Rejection::new(why)),
                HeaderParse::Frame {
                    header_len,
                    payload,
                } => (header_len, payload),
            };
            // `payload <= max_frame_len`; compare in u64 so that no cast can truncate.
            let trailer = self.framing.trailer_len();
            if ((rest.len() - w) as u64) < payload {
                break Ok(());
            }
            // The payload is here, so it fits in usize; check what of the trailer is.
            let end = w + payload as usize;
            let got = &rest[end..rest.len().min(end + trailer)];
            if let Err((_, why)) = self.framing.check_trailer(got) {
                break Err(Rejection::new(why));
            }
            if got.len() < trailer {
                break Ok(());
            }
            frames.push(rest[self.framing.format().emit_start(w)..end].to_vec());
            pos += end + trailer;
        };
        self.buf.drain(..pos);
        result
    }
}

impl FrameDecoder for ReferenceDecoder {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        self.drain(frames)
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        // Under `:resync`, frames after an error in the last read come out here.
        self.drain(frames)?;
        if self.discarding {
            self.buf.clear();
            return Ok(());
        }
        match self.framing.wire() {
            _ if self.buf.is_empty() => Ok(()),
            Wire::Lines(l) if l.eof == LineEof::Emit => {
                let rest = std::mem::take(&mut self.buf);
                if l.crlf && rest == b"\r" {
                    return Ok(());
                }
                let line = &rest[l.content(&rest, 0..rest.len())];
                if l.text && std::str::from_utf8(line).is_err() {
                    return Err(Rejection::new("a last line that is not UTF-8"));
                }
                frames.push(line.to_vec());
                Ok(())
            }
            _ => Err(Rejection::new(format!(
                "stream ended with {} of an incomplete frame",
                crate::error::n_bytes(self.buf.len() as u64)
            ))),
        }
    }

    fn max_frame_len(&self) -> Option<u64> {
        Some(self.framing.max_frame_len())
    }

    fn empty_frames(&self) -> bool {
        self.framing.empty_frames()
    }

    fn unterminated_line(&self) -> Option<LineEof> {
        self.framing.line_eof()
    }

    fn resyncs(&self) -> Option<bool> {
        self.framing.line_resync()
    }
}

/// The reference decoder's entry. (It declares its own profile: no [`declare`](crate::adapter::declare) around it.)
pub fn entry() -> Entry {
    Entry::new(Kind::Reference, "reference", "framecheck reference", |f| {
        // A user framing is known by its encoder alone: there is nothing to decode it with.
        (!matches!(f.wire(), Wire::User(_)))
            .then(|| Box::new(ReferenceDecoder::new(f)) as Box<dyn FrameDecoder>)
    })
}
