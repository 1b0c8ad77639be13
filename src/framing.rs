//! Wire formats: what a framed stream looks like, a reference encoder, the specification of
//! what a stream must decode to, and a strict reference decoder.
//!
//! # Length prefix
//! Every message is preceded by a fixed-width unsigned length field, big or little endian:
//!
//! ```text
//!  u32be, length counts the payload only (the default, as in the seed explainer)
//! +----+----+----+----+----------------------+
//! | 00 | 00 | 00 | 03 |  61  62  63  ("abc") |
//! +----+----+----+----+----------------------+
//!   length field = 3     payload, 3 bytes
//!
//!  u8, the seed's worked example: three frames back to back
//! +----+----------+----+-------+----+-------------+
//! | 03 | 61 62 63 | 02 | 68 69 | 04 | 70 69 6e 67 |
//! +----+----------+----+-------+----+-------------+
//! ```
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "u8".parse().unwrap();
//! let stream = [0x03, 0x61, 0x62, 0x63, 0x02, 0x68, 0x69, 0x04, 0x70, 0x69, 0x6e, 0x67];
//! let spec = framing.expect(&stream);
//! let frames: Vec<&[u8]> = spec.frames.iter().map(|f| &stream[f.payload.clone()]).collect();
//! assert_eq!(frames, [&b"abc"[..], b"hi", b"ping"]);
//! assert_eq!(framing.encode(&[b"abc".to_vec(), b"hi".to_vec(), b"ping".to_vec()]).unwrap().bytes, stream);
//! ```
//!
//! Names: `u8`, `u16be`, `u16le`, `u32be`, `u32le`, `u64be`, `u64le`. Options follow after
//! colons: `u32be:max=1024` sets the maximum frame length (inclusive: a payload of exactly
//! `max` bytes is valid, `max + 1` is not), and `:incl` says the length field counts the header
//! too (a field value below the header width is then a malformed header), and `:noempty` makes a
//! zero-length frame a reason to reject the stream, for protocols that forbid them.
//!
//! The maximum always applies to the *payload* (the message), whether or not the field counts
//! the header; it defaults to the smaller of 8 MiB (tokio-util's default) and the largest
//! payload the field can describe.
//!
//! # Design
//! [`Framing`] holds a [`Wire`] format, which is `#[non_exhaustive]` so that varint (LEB128)
//! prefixes, delimited lines and fixed-size frames join as new variants. The specification
//! ([`Framing::expect`]) is deliberately written as a plain whole-stream parse, apart from the
//! incremental [`ReferenceDecoder`], so that the harness checks the reference decoder too.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::adapter::{FrameDecoder, Rejection};
use crate::error::Error;

/// Byte order of a length field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endian {
    /// Most significant byte first (network order).
    Big,
    /// Least significant byte first.
    Little,
}

/// A fixed-width unsigned length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LengthPrefix {
    /// Width of the length field in bytes: 1, 2, 4 or 8.
    pub width: u8,
    /// Byte order of the field (ignored for a width of 1).
    pub endian: Endian,
    /// Whether the field value counts the header bytes as well as the payload.
    pub includes_header: bool,
}

/// A wire format. New formats join as new variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Wire {
    /// A fixed-width length field, then that many payload bytes.
    LengthPrefix(LengthPrefix),
}

/// What is wrong with an invalid stream, as the specification sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    /// A header announces a payload larger than the maximum frame length.
    Oversized,
    /// A header that no valid frame has (a length that counts the header but is smaller than it).
    MalformedHeader,
    /// The stream ends inside a frame.
    TruncatedAtEof,
    /// A zero-length frame, where the framing does not allow them (`:noempty`).
    EmptyFrame,
}

impl ErrorClass {
    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Oversized => "oversized",
            ErrorClass::MalformedHeader => "malformed-header",
            ErrorClass::TruncatedAtEof => "truncated-at-eof",
            ErrorClass::EmptyFrame => "empty-frame",
        }
    }

    /// The class named `name` (the inverse of [`name`](ErrorClass::name)).
    pub fn from_name(name: &str) -> Option<ErrorClass> {
        [
            ErrorClass::Oversized,
            ErrorClass::MalformedHeader,
            ErrorClass::TruncatedAtEof,
            ErrorClass::EmptyFrame,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }
}

/// Where in a stream something must be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum At {
    /// By the call that delivers the byte at this offset.
    Byte(usize),
    /// At EOF.
    Eof,
}

/// One frame the specification says a stream holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedFrame {
    /// Offset of the frame's first header byte.
    pub start: usize,
    /// The payload's byte range within the stream.
    pub payload: Range<usize>,
    /// Offset of the frame's last byte: the call that delivers it must emit the frame.
    pub last_byte: usize,
}

/// How a stream ends, according to the specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Every byte belongs to a complete frame; EOF is clean.
    Clean,
    /// The stream is invalid from the frame starting at `start`.
    Reject {
        /// What is wrong.
        class: ErrorClass,
        /// Offset of the first byte of the bad or truncated frame.
        start: usize,
        /// The latest point at which the rejection is due: the last byte of a bad header, or
        /// EOF for a truncated frame.
        at: At,
        /// The earliest point at which a rejection is justified: the first byte after which
        /// the header's bytes so far already prove it bad, whatever follows (`ff` as the first
        /// byte of a big-endian `u32` with a small max). Equal to `at` when nothing is proven
        /// earlier.
        earliest: At,
        /// What the specification read, for reports.
        why: String,
    },
}

/// What a stream must decode to: the specification's verdict on a whole stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// The complete frames, in order, before any error.
    pub frames: Vec<ExpectedFrame>,
    /// Whether the stream ends cleanly or must be rejected.
    pub end: End,
}

/// A complete description of a wire format and its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Framing {
    wire: Wire,
    max_frame_len: u64,
    empty_frames: bool,
}

/// The result of [`Framing::encode`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Encoded {
    /// The stream.
    pub bytes: Vec<u8>,
    /// The byte range of each message's whole frame (header and payload).
    pub frames: Vec<Range<usize>>,
}

const DEFAULT_MAX: u64 = 8 * 1024 * 1024;

impl Framing {
    /// A length prefix of `width` bytes (1, 2, 4 or 8) counting the payload only, with the
    /// default maximum frame length.
    ///
    /// # Panics
    /// If `width` is not 1, 2, 4 or 8.
    pub fn length_prefix(width: u8, endian: Endian) -> Framing {
        assert!(
            matches!(width, 1 | 2 | 4 | 8),
            "length prefix width must be 1, 2, 4 or 8, not {width}"
        );
        let mut f = Framing {
            wire: Wire::LengthPrefix(LengthPrefix {
                width,
                endian,
                includes_header: false,
            }),
            max_frame_len: 0,
            empty_frames: true,
        };
        f.max_frame_len = DEFAULT_MAX.min(f.largest_payload());
        f
    }

    /// Every built-in framing, with default options: `u8`, `u16be`, `u16le`, `u32be`, `u32le`,
    /// `u64be`, `u64le`.
    pub fn catalog() -> Vec<Framing> {
        ["u8", "u16be", "u16le", "u32be", "u32le", "u64be", "u64le"]
            .iter()
            .map(|n| n.parse().expect("built-in framing names parse"))
            .collect()
    }

    /// Sets the maximum payload length, inclusive. Clamped to what the field can describe.
    #[must_use]
    pub fn with_max_frame_len(mut self, max: u64) -> Framing {
        self.max_frame_len = max.min(self.largest_payload());
        self
    }

    /// Sets whether the length field counts the header bytes too.
    #[must_use]
    pub fn with_length_includes_header(mut self, yes: bool) -> Framing {
        let Wire::LengthPrefix(ref mut lp) = self.wire;
        lp.includes_header = yes;
        self.max_frame_len = self.max_frame_len.min(self.largest_payload());
        self
    }

    /// Sets whether zero-length frames are valid (the default) or a reason to reject the stream,
    /// as some protocols declare.
    #[must_use]
    pub fn with_empty_frames(mut self, allowed: bool) -> Framing {
        self.empty_frames = allowed;
        self
    }

    /// Whether zero-length frames are valid.
    pub fn empty_frames(&self) -> bool {
        self.empty_frames
    }

    /// The wire format.
    pub fn wire(&self) -> Wire {
        self.wire
    }

    /// The maximum payload length, inclusive.
    pub fn max_frame_len(&self) -> u64 {
        self.max_frame_len
    }

    /// The short name of the wire format, such as `u32be`.
    pub fn name(&self) -> String {
        let Wire::LengthPrefix(lp) = self.wire;
        match (lp.width, lp.endian) {
            (1, _) => "u8".to_string(),
            (w, Endian::Big) => format!("u{}be", w as u32 * 8),
            (w, Endian::Little) => format!("u{}le", w as u32 * 8),
        }
    }

    /// The header length of a frame with a payload of `payload_len` bytes.
    pub fn header_len(&self, _payload_len: u64) -> usize {
        let Wire::LengthPrefix(lp) = self.wire;
        lp.width as usize
    }

    /// The largest value the length field can hold.
    pub fn field_max(&self) -> u64 {
        let Wire::LengthPrefix(lp) = self.wire;
        if lp.width == 8 {
            u64::MAX
        } else {
            (1u64 << (lp.width as u32 * 8)) - 1
        }
    }

    /// The largest payload the length field can describe.
    pub fn largest_payload(&self) -> u64 {
        let Wire::LengthPrefix(lp) = self.wire;
        if lp.includes_header {
            self.field_max() - lp.width as u64
        } else {
            self.field_max()
        }
    }

    /// The header bytes that carry the raw field value `value`, or `None` if it does not fit.
    pub fn header_for_field(&self, value: u64) -> Option<Vec<u8>> {
        if value > self.field_max() {
            return None;
        }
        let Wire::LengthPrefix(lp) = self.wire;
        let w = lp.width as usize;
        let be = value.to_be_bytes();
        let mut h = be[8 - w..].to_vec();
        if lp.endian == Endian::Little {
            h.reverse();
        }
        Some(h)
    }

    /// The header bytes for a payload of `payload_len` bytes, or `None` if the field cannot
    /// describe it. The maximum frame length is not applied here.
    pub fn header_for_payload(&self, payload_len: u64) -> Option<Vec<u8>> {
        let Wire::LengthPrefix(lp) = self.wire;
        let value = if lp.includes_header {
            payload_len.checked_add(lp.width as u64)?
        } else {
            payload_len
        };
        self.header_for_field(value)
    }

    /// Encodes `messages` as a stream. Fails if a message is longer than the maximum frame
    /// length.
    pub fn encode(&self, messages: &[Vec<u8>]) -> Result<Encoded, Error> {
        let mut enc = Encoded::default();
        for (i, m) in messages.iter().enumerate() {
            let len = m.len() as u64;
            if len == 0 && !self.empty_frames {
                return Err(Error::new(format!(
                    "message {i} is empty, and {self} does not allow empty frames"
                )));
            }
            if len > self.max_frame_len {
                return Err(Error::new(format!(
                    "message {i} is {len} bytes, over the maximum frame length {} of {}",
                    self.max_frame_len, self
                )));
            }
            let header = self
                .header_for_payload(len)
                .ok_or_else(|| Error::new(format!("message {i}: length {len} does not fit")))?;
            let start = enc.bytes.len();
            enc.bytes.extend_from_slice(&header);
            enc.bytes.extend_from_slice(m);
            enc.frames.push(start..enc.bytes.len());
        }
        Ok(enc)
    }

    /// Reads a complete header: the payload length it announces, or why it is invalid.
    ///
    /// `header` must be exactly [`header_len`](Framing::header_len) bytes long.
    pub fn read_header(&self, header: &[u8]) -> Result<u64, (ErrorClass, String)> {
        let Wire::LengthPrefix(lp) = self.wire;
        let mut be = [0u8; 8];
        let w = lp.width as usize;
        be[8 - w..].copy_from_slice(&header[..w]);
        if lp.endian == Endian::Little {
            be[8 - w..].reverse();
        }
        let value = u64::from_be_bytes(be);
        let payload = if lp.includes_header {
            match value.checked_sub(w as u64) {
                Some(p) => p,
                None => {
                    return Err((
                        ErrorClass::MalformedHeader,
                        format!(
                            "length field {value} is smaller than the {w}-byte header it counts"
                        ),
                    ))
                }
            }
        } else {
            value
        };
        if payload > self.max_frame_len {
            return Err((
                ErrorClass::Oversized,
                format!(
                    "header announces {payload} payload bytes, over the maximum {}",
                    self.max_frame_len
                ),
            ));
        }
        if payload == 0 && !self.empty_frames {
            return Err((
                ErrorClass::EmptyFrame,
                "a zero-length frame, which this framing does not allow".to_string(),
            ));
        }
        Ok(payload)
    }

    /// How many leading bytes of the invalid header `header` already prove it invalid, whatever
    /// the remaining bytes are: the smallest `k` for which no completion of `header[..k]` is a
    /// valid header. (Bounds are used: the values a prefix allows are taken as the interval
    /// between its completions with zeros and with `ff`s, which is exact for big endian and
    /// conservative for little endian.)
    pub fn proof_len(&self, header: &[u8]) -> usize {
        let Wire::LengthPrefix(lp) = self.wire;
        let w = lp.width as usize;
        let offset = if lp.includes_header { w as u64 } else { 0 };
        let lo = offset + u64::from(!self.empty_frames);
        let hi = offset.saturating_add(self.max_frame_len);
        for k in 1..w {
            let mut low = header[..w].to_vec();
            let mut high = header[..w].to_vec();
            low[k..].fill(0);
            high[k..].fill(0xff);
            let (a, b) = (self.field_value(&low), self.field_value(&high));
            let (min, max) = (a.min(b), a.max(b));
            if max < lo || min > hi {
                return k;
            }
        }
        w
    }

    /// The raw field value of a complete header, as read in stream order (`bytes[0]` arrives
    /// first).
    fn field_value(&self, bytes: &[u8]) -> u64 {
        let Wire::LengthPrefix(lp) = self.wire;
        let w = lp.width as usize;
        let mut be = [0u8; 8];
        be[8 - w..].copy_from_slice(&bytes[..w]);
        if lp.endian == Endian::Little {
            be[8 - w..].reverse();
        }
        u64::from_be_bytes(be)
    }

    /// The specification: what the whole stream `stream` must decode to.
    pub fn expect(&self, stream: &[u8]) -> Expectation {
        let mut frames = Vec::new();
        let mut pos = 0usize;
        loop {
            if pos == stream.len() {
                return Expectation {
                    frames,
                    end: End::Clean,
                };
            }
            let w = self.header_len(0);
            let rest = stream.len() - pos;
            if rest < w {
                return truncated(frames, pos, format!("{rest} of {w} header bytes"));
            }
            let header_end = pos + w;
            let payload = match self.read_header(&stream[pos..header_end]) {
                Ok(p) => p,
                Err((class, why)) => {
                    let known = self.proof_len(&stream[pos..header_end]);
                    return Expectation {
                        frames,
                        end: End::Reject {
                            class,
                            start: pos,
                            at: At::Byte(header_end - 1),
                            earliest: At::Byte(pos + known - 1),
                            why,
                        },
                    };
                }
            };
            let have = (stream.len() - header_end) as u64;
            if have < payload {
                return truncated(frames, pos, format!("{have} of {payload} payload bytes"));
            }
            // `payload <= have`, so it fits in usize.
            let end = header_end + payload as usize;
            frames.push(ExpectedFrame {
                start: pos,
                payload: header_end..end,
                last_byte: end - 1,
            });
            pos = end;
        }
    }
}

fn truncated(frames: Vec<ExpectedFrame>, start: usize, what: String) -> Expectation {
    Expectation {
        frames,
        end: End::Reject {
            class: ErrorClass::TruncatedAtEof,
            start,
            at: At::Eof,
            earliest: At::Eof,
            why: format!("the stream ends inside a frame ({what})"),
        },
    }
}

impl Default for Framing {
    /// `u32be` with the default maximum, as in the seed explainer.
    fn default() -> Framing {
        Framing::length_prefix(4, Endian::Big)
    }
}

impl fmt::Display for Framing {
    /// The canonical spec string, which [`FromStr`] reads back: `u32be:max=8388608`, with
    /// `:incl` when the length counts the header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:max={}", self.name(), self.max_frame_len)?;
        let Wire::LengthPrefix(lp) = self.wire;
        if lp.includes_header {
            f.write_str(":incl")?;
        }
        if !self.empty_frames {
            f.write_str(":noempty")?;
        }
        Ok(())
    }
}

impl FromStr for Framing {
    type Err = Error;

    fn from_str(s: &str) -> Result<Framing, Error> {
        let mut parts = s.split(':');
        let name = parts.next().unwrap_or("");
        let (width, endian) = match name {
            "u8" => (1, Endian::Big),
            "u16be" => (2, Endian::Big),
            "u16le" => (2, Endian::Little),
            "u32be" => (4, Endian::Big),
            "u32le" => (4, Endian::Little),
            "u64be" => (8, Endian::Big),
            "u64le" => (8, Endian::Little),
            _ => {
                return Err(Error::new(format!(
                    "framing {s:?}: unknown wire format {name:?} \
                     (expected u8, u16be, u16le, u32be, u32le, u64be or u64le)"
                )))
            }
        };
        let mut framing = Framing::length_prefix(width, endian);
        let mut max = None;
        for opt in parts {
            if opt == "incl" {
                framing = framing.with_length_includes_header(true);
            } else if opt == "noempty" {
                framing = framing.with_empty_frames(false);
            } else if let Some(v) = opt.strip_prefix("max=") {
                let v: u64 = v.parse().map_err(|_| {
                    Error::new(format!("framing {s:?}: max={v:?} is not a whole number"))
                })?;
                max = Some(v);
            } else {
                return Err(Error::new(format!(
                    "framing {s:?}: unknown option {opt:?} (expected max=N, incl or noempty)"
                )));
            }
        }
        if let Some(v) = max {
            if v > framing.largest_payload() {
                return Err(Error::new(format!(
                    "framing {s:?}: max={v} is more than a {name} field can describe ({})",
                    framing.largest_payload()
                )));
            }
            framing = framing.with_max_frame_len(v);
        }
        Ok(framing)
    }
}

/// A strict, incremental reference decoder for any [`Framing`]: the behaviour every decoder is
/// held to.
///
/// It keeps one buffer across calls, drains every complete frame on each call, rejects a bad
/// header as soon as it is complete (before buffering the payload it announces), and reports a
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
}

impl ReferenceDecoder {
    /// A decoder for `framing`.
    pub fn new(framing: Framing) -> ReferenceDecoder {
        ReferenceDecoder {
            framing,
            buf: Vec::new(),
        }
    }
}

impl FrameDecoder for ReferenceDecoder {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        let mut pos = 0;
        let result = loop {
            let rest = &self.buf[pos..];
            let w = self.framing.header_len(0);
            if rest.len() < w {
                break Ok(());
            }
            let payload = match self.framing.read_header(&rest[..w]) {
                Ok(p) => p,
                Err((_, why)) => break Err(Rejection::new(why)),
            };
            // `payload <= max_frame_len`; compare in u64 so that no cast can truncate.
            if ((rest.len() - w) as u64) < payload {
                break Ok(());
            }
            let end = w + payload as usize;
            frames.push(rest[w..end].to_vec());
            pos += end;
        };
        self.buf.drain(..pos);
        result
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new(format!(
                "stream ended with {} bytes of an incomplete frame",
                self.buf.len()
            )))
        }
    }

    fn max_frame_len(&self) -> Option<u64> {
        Some(self.framing.max_frame_len())
    }

    fn empty_frames(&self) -> bool {
        self.framing.empty_frames()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_display() {
        for f in Framing::catalog() {
            let again: Framing = f.to_string().parse().unwrap();
            assert_eq!(again, f);
        }
        let f: Framing = "u16le:max=300:incl:noempty".parse().unwrap();
        assert_eq!(f.to_string(), "u16le:max=300:incl:noempty");
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let e = "u24be".parse::<Framing>().unwrap_err().to_string();
        assert!(e.contains("unknown wire format"), "{e}");
        let e = "u8:max=256".parse::<Framing>().unwrap_err().to_string();
        assert!(e.contains("max=256") && e.contains("255"), "{e}");
        let e = "u8:max=x".parse::<Framing>().unwrap_err().to_string();
        assert!(e.contains("not a whole number"), "{e}");
        let e = "u8:frob".parse::<Framing>().unwrap_err().to_string();
        assert!(e.contains("unknown option"), "{e}");
    }

    #[test]
    fn little_endian_header_is_reversed() {
        let f: Framing = "u16le".parse().unwrap();
        assert_eq!(f.header_for_field(0x0102).unwrap(), [0x02, 0x01]);
        assert_eq!(f.read_header(&[0x02, 0x01]), Ok(0x0102));
    }

    #[test]
    fn max_is_inclusive() {
        let f: Framing = "u8:max=3".parse().unwrap();
        assert_eq!(f.read_header(&[3]), Ok(3));
        assert_eq!(f.read_header(&[4]).unwrap_err().0, ErrorClass::Oversized);
    }

    #[test]
    fn length_including_header_below_header_is_malformed() {
        let f: Framing = "u16be:incl".parse().unwrap();
        assert_eq!(f.read_header(&[0, 2]), Ok(0));
        assert_eq!(
            f.read_header(&[0, 1]).unwrap_err().0,
            ErrorClass::MalformedHeader
        );
        assert_eq!(f.header_for_payload(3).unwrap(), [0, 5]);
    }

    #[test]
    fn oversized_header_is_due_at_its_last_byte() {
        let f: Framing = "u32be:max=10".parse().unwrap();
        let e = f.expect(&[0, 0, 0, 1, 9, 0, 0, 0, 11, 1, 2]);
        assert_eq!(e.frames.len(), 1);
        assert!(matches!(
            e.end,
            End::Reject {
                class: ErrorClass::Oversized,
                start: 5,
                at: At::Byte(8),
                ..
            }
        ));
    }

    #[test]
    fn a_header_prefix_can_prove_the_header_bad() {
        let be: Framing = "u32be:max=1000".parse().unwrap();
        // ff as the first of four big-endian bytes: at least 0xff000000.
        assert_eq!(be.proof_len(&[0xff, 0, 0, 0]), 1);
        assert_eq!(be.proof_len(&[0, 0, 0x03, 0xe9]), 4);
        assert_eq!(be.proof_len(&[0, 0, 0x04, 0]), 3);
        let le: Framing = "u32le:max=1000".parse().unwrap();
        // e9 03 ..: at least 0x03e9 = 1001.
        assert_eq!(le.proof_len(&[0xe9, 0x03, 0, 0]), 2);
        let incl: Framing = "u16be:incl".parse().unwrap();
        assert_eq!(incl.proof_len(&[0, 1]), 2);
        let e = be.expect(&[0, 0, 0, 1, 9, 0xff, 0, 0, 0]);
        assert!(matches!(
            e.end,
            End::Reject {
                at: At::Byte(8),
                earliest: At::Byte(5),
                ..
            }
        ));
    }

    #[test]
    fn stream_ending_after_a_header_is_truncated() {
        let f: Framing = "u32be".parse().unwrap();
        let e = f.expect(&[0, 0, 0, 1]);
        assert!(matches!(
            e.end,
            End::Reject {
                class: ErrorClass::TruncatedAtEof,
                at: At::Eof,
                ..
            }
        ));
        let e = f.expect(&[0, 0, 0, 0]);
        assert_eq!(e.end, End::Clean);
        assert_eq!(e.frames[0].last_byte, 3);
    }

    #[test]
    fn noempty_rejects_a_zero_length_frame_at_its_header() {
        let f: Framing = "u16be:noempty".parse().unwrap();
        let e = f.expect(&[0, 1, 9, 0, 0, 0, 1, 9]);
        assert_eq!(e.frames.len(), 1);
        assert!(matches!(
            e.end,
            End::Reject {
                class: ErrorClass::EmptyFrame,
                start: 3,
                at: At::Byte(4),
                ..
            }
        ));
        assert!(f.encode(&[vec![]]).is_err());
    }

    #[test]
    fn encode_refuses_messages_over_max() {
        let f: Framing = "u8:max=2".parse().unwrap();
        let e = f.encode(&[b"abc".to_vec()]).unwrap_err().to_string();
        assert!(e.contains("message 0") && e.contains("3 bytes"), "{e}");
    }
}
