//! The specification's vocabulary: what a header says ([`HeaderParse`]), what is wrong with a
//! stream ([`ErrorClass`]), and what a whole stream must decode to ([`Expectation`]), with the
//! whole-stream parse that every header-delimited format shares ([`expect_headers`]).
//!
//! Every format's [`Format::expect`](super::Format::expect) answers in these terms; the oracle
//! holds a decoder to them and the golden vectors are written from them.

use std::ops::Range;

use super::Framing;

/// What the bytes at the start of a frame say about its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderParse {
    /// The header is not complete yet. `proven` is how many of the bytes so far already prove
    /// it bad whatever follows (a rejection is then justified already), if they do.
    NeedMore {
        /// Bytes that prove the header bad, if any.
        proven: Option<usize>,
    },
    /// A valid header of `header_len` bytes announcing `payload` bytes.
    Frame {
        /// Header bytes.
        header_len: usize,
        /// Payload bytes announced.
        payload: u64,
    },
    /// An invalid header, complete (the rejection due) after `header_len` bytes and provably
    /// bad after `proven` bytes.
    Bad {
        /// What is wrong.
        class: ErrorClass,
        /// Why, for reports.
        why: String,
        /// Bytes up to the one that completes the header.
        header_len: usize,
        /// Bytes that already prove it bad.
        proven: usize,
    },
}

impl HeaderParse {
    /// The length of the header at the start of `bytes` under `framing`, if it is complete.
    pub fn header_len_in(framing: Framing, bytes: &[u8]) -> Option<usize> {
        match framing.parse_header(bytes) {
            HeaderParse::Frame { header_len, .. } | HeaderParse::Bad { header_len, .. } => {
                Some(header_len)
            }
            HeaderParse::NeedMore { .. } => None,
        }
    }

    /// How many of the bytes read prove the header bad whatever follows, if they do: `None`
    /// for a valid header, and for an incomplete one that may still turn out valid.
    ///
    /// ```
    /// use framecheck::Framing;
    ///
    /// let f: Framing = "u32be:max=1000".parse().unwrap();
    /// // ff as the first of four big-endian bytes: at least 0xff000000.
    /// assert_eq!(f.parse_header(&[0xff]).proven(), Some(1));
    /// assert_eq!(f.parse_header(&[0, 0, 3]).proven(), None);
    /// ```
    pub fn proven(&self) -> Option<usize> {
        match self {
            HeaderParse::Bad { proven, .. } => Some(*proven),
            HeaderParse::NeedMore { proven } => *proven,
            HeaderParse::Frame { .. } => None,
        }
    }
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
    /// A line that is not UTF-8, where the framing says lines are text (`lines:text`).
    NotUtf8,
}

impl ErrorClass {
    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Oversized => "oversized",
            ErrorClass::MalformedHeader => "malformed-header",
            ErrorClass::TruncatedAtEof => "truncated-at-eof",
            ErrorClass::EmptyFrame => "empty-frame",
            ErrorClass::NotUtf8 => "not-utf8",
        }
    }

    /// The class named `name` (the inverse of [`name`](ErrorClass::name)).
    pub fn from_name(name: &str) -> Option<ErrorClass> {
        [
            ErrorClass::Oversized,
            ErrorClass::MalformedHeader,
            ErrorClass::TruncatedAtEof,
            ErrorClass::EmptyFrame,
            ErrorClass::NotUtf8,
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
    /// Whether only EOF completes the frame (an unterminated last line under `:eof=emit`): it
    /// must come out of the EOF call, not of the call that delivers its last byte.
    pub at_eof: bool,
}

impl ExpectedFrame {
    /// The frame's payload as its header describes it, which the encoder wrote from one
    /// message: the emitted bytes ([`payload`](ExpectedFrame::payload)) unless the format
    /// emits part of its header too, or strips part of the payload (a length-field layout's
    /// `strip`).
    pub fn body(&self, framing: &Framing, stream: &[u8]) -> Range<usize> {
        match framing.parse_header(&stream[self.start..]) {
            HeaderParse::Frame {
                header_len,
                payload,
            } if framing.has_length_field() => {
                let start = self.start + header_len;
                start..start + payload as usize
            }
            _ => self.payload.clone(),
        }
    }

    /// When the frame is due: by the call that delivers its last byte, or at EOF.
    pub fn due(&self) -> At {
        if self.at_eof {
            At::Eof
        } else {
            At::Byte(self.last_byte)
        }
    }
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
    /// After an error the decoder recovers from (an over-long line under `:resync`), what the
    /// rest of the stream decodes to: one expectation per stretch between recovered errors, in
    /// order, each with an empty `resumed`; offsets stay those of the whole stream. Empty when
    /// the error ends the stream, or there is none. (A flat list, not a chain: a stream of a
    /// million bad lines is a million segments, and nothing recurses over them.)
    pub resumed: Vec<Expectation>,
}

impl Expectation {
    /// This expectation and every one it resumes into, in stream order.
    pub fn segments(&self) -> Vec<&Expectation> {
        std::iter::once(self).chain(&self.resumed).collect()
    }
}

pub(crate) fn truncated(frames: Vec<ExpectedFrame>, start: usize, what: String) -> Expectation {
    Expectation {
        frames,
        end: End::Reject {
            class: ErrorClass::TruncatedAtEof,
            start,
            at: At::Eof,
            earliest: At::Eof,
            why: format!("the stream ends inside a frame ({what})"),
        },
        resumed: Vec::new(),
    }
}

/// The specification of a stream of header-delimited frames (a length field, a varint, a
/// netstring): header, payload, then the format's trailer, up to the end of the stream or the
/// first bad header, payload or trailer. Formats with a length field use this as their
/// [`Format::expect`](super::Format::expect).
pub fn expect_headers(framing: &Framing, stream: &[u8]) -> Expectation {
    let mut frames = Vec::new();
    let mut pos = 0usize;
    loop {
        if pos == stream.len() {
            return Expectation {
                frames,
                end: End::Clean,
                resumed: Vec::new(),
            };
        }
        let (header_len, payload) = match framing.parse_header(&stream[pos..]) {
            HeaderParse::Frame {
                header_len,
                payload,
            } => (header_len, payload),
            HeaderParse::NeedMore { proven } => {
                let rest = stream.len() - pos;
                let mut e = truncated(
                    frames,
                    pos,
                    format!("{rest} header byte(s), not a complete header"),
                );
                if let (Some(k), End::Reject { earliest, .. }) = (proven, &mut e.end) {
                    // The partial header already proves the stream bad.
                    *earliest = At::Byte(pos + k - 1);
                }
                return e;
            }
            HeaderParse::Bad {
                class,
                why,
                header_len,
                proven,
            } => {
                return Expectation {
                    frames,
                    end: End::Reject {
                        class,
                        start: pos,
                        at: At::Byte(pos + header_len - 1),
                        earliest: At::Byte(pos + proven - 1),
                        why,
                    },
                    resumed: Vec::new(),
                };
            }
        };
        let header_end = pos + header_len;
        let have = (stream.len() - header_end) as u64;
        if have < payload {
            return truncated(frames, pos, format!("{have} of {payload} payload bytes"));
        }
        // `payload <= have`, so it fits in usize.
        let end = header_end + payload as usize;
        let trailer = framing.trailer_len();
        let got = &stream[end..stream.len().min(end + trailer)];
        if let Err((at, why)) = framing.check_trailer(got) {
            return Expectation {
                frames,
                end: End::Reject {
                    class: ErrorClass::MalformedHeader,
                    start: pos,
                    at: At::Byte(end + at),
                    earliest: At::Byte(end + at),
                    why,
                },
                resumed: Vec::new(),
            };
        }
        if got.len() < trailer {
            let what = format!(
                "the payload, but not the {} after it",
                framing.trailer_name()
            );
            return truncated(frames, pos, what);
        }
        let last = end + trailer;
        frames.push(ExpectedFrame {
            start: pos,
            payload: pos + framing.format().emit_start(header_len)..end,
            last_byte: last - 1,
            at_eof: false,
        });
        pos = last;
    }
}
