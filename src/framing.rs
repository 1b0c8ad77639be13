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
//! # Varints, lines and fixed-size frames
//! `varint` is an unsigned LEB128 length prefix (see [`Varint`]); `:overlong` accepts
//! non-minimal encodings.
//!
//! `lines` is newline-delimited: a frame is the bytes before a `0a`, and `max` is the longest
//! line, not counting the newline. A line with more than `max` bytes and no newline among them
//! is an `oversized` error from the call that delivers its `max + 1`-th byte. Two policies are
//! the decoder's to declare (see [`Lines`]): `:eof=emit` makes an unterminated last line a frame
//! at EOF (the default, `:eof=reject`, makes it a truncated frame), and `:resync` makes an
//! over-long line an error *after which the decoder goes on*, from the byte after the next
//! newline, as tokio-util's `LinesCodec` does:
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "lines:max=3:resync".parse().unwrap();
//! let stream = b"ab\ntoo long\nok\n";
//! let spec = framing.expect(stream);
//! assert_eq!(spec.frames.len(), 1); // "ab", then an error at the 4th byte of "too long"
//! let after = &spec.resumed[0];
//! assert_eq!(&stream[after.frames[0].payload.clone()], b"ok");
//! ```
//!
//! `fixed:size=N` cuts the stream into frames of exactly `N` bytes; a shorter remainder at EOF
//! is a truncated frame.
//!
//! `netstring` is D. J. Bernstein's `<length>:<payload>,` (`3:abc,`, `0:,`): the length in
//! ASCII decimal without leading zeros, a colon, the payload, a comma. A byte that is not a
//! digit where the length is, a leading zero, an empty length or a missing comma is a
//! `malformed-header`; a length over the maximum is `oversized` from the digit that makes it
//! so (`9999` with `max=100` is proven bad at its third digit).
//!
//! # Design
//! [`Framing`] holds a [`Wire`] format, which is `#[non_exhaustive]` so that new formats join
//! as new variants. The specification
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

/// An unsigned LEB128 (base-128 varint) length prefix, as protobuf's length-delimited
/// messages use (`prost::decode_length_delimiter`, `unsigned-varint`): seven bits per byte,
/// least significant group first, the top bit set on every byte but the last, at most ten bytes
/// for a `u64`.
///
/// ```text
///  300 = 0b10_0101100:  [ac 02] then 300 payload bytes
///                        |  `- 0000010 (high group, last byte: top bit clear)
///                        `- 1 0101100 (low group, top bit: more follows)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Varint {
    /// Whether non-minimal encodings (`80 00` for 0, `81 00` for 1) are accepted. By default
    /// they are a malformed header, as in a strict decoder.
    pub overlong: bool,
}

/// Newline-delimited lines: a frame is the bytes before each `0a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lines {
    /// What an unterminated last line is at EOF.
    pub eof: LineEof,
    /// Whether an over-long line is an error the decoder recovers from, skipping to the byte
    /// after the next newline (`:resync`, as tokio-util's `LinesCodec`), rather than the end of
    /// the stream.
    pub resync: bool,
    /// Whether lines are text (`:text`): a line that is not UTF-8 is an error (`not-utf8`),
    /// reported by the read that delivers its newline (or at EOF, for the last line), after
    /// which a decoder under `:resync` goes on with the next line. The `String` line codecs
    /// (tokio-util's, asynchronous-codec's) declare it.
    pub text: bool,
    /// Whether one `\r` before the newline ends the line too and is not part of it (`:crlf`,
    /// as tokio-util's `LinesCodec`). The `\r` still counts against the maximum, and an
    /// unterminated last line that is a lone `\r` is no line at all.
    pub crlf: bool,
}

impl Lines {
    /// The part of the line `range` (without its newline) that is the frame: all of it, or
    /// under `:crlf` all but a last `\r`.
    fn content(&self, stream: &[u8], range: Range<usize>) -> Range<usize> {
        if self.crlf && range.end > range.start && stream[range.end - 1] == b'\r' {
            range.start..range.end - 1
        } else {
            range
        }
    }
}

/// Where a decoder of lines goes on after a segment of the specification.
enum Resume {
    /// It does not: the stream ended, or the error ends it.
    No,
    /// From this offset, the byte after the newline that follows the error.
    At(usize),
    /// It skips to EOF (no newline follows the error), which is then clean.
    AtEof,
}

/// What a decoder of lines does with bytes after the last newline at EOF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineEof {
    /// They are a truncated frame: EOF must report an error (the default, `:eof=reject`).
    Reject,
    /// They are a last line, emitted by the EOF call (`:eof=emit`, as tokio-util's
    /// `LinesCodec::decode_eof`).
    Emit,
}

/// Fixed-size frames: the stream is cut every `size` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fixed {
    /// Bytes per frame, at least 1.
    pub size: u64,
}

/// How many decimal digits `value` takes.
pub fn decimal_len(value: u64) -> usize {
    value.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The most bytes a `u64` varint takes.
pub const VARINT_MAX_LEN: usize = 10;

/// How many bytes the minimal varint encoding of `value` takes.
pub fn varint_len(value: u64) -> usize {
    (64 - value.leading_zeros() as usize).div_ceil(7).max(1)
}

/// The minimal varint encoding of `value`.
pub fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(varint_len(value));
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
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
}

/// A wire format. New formats join as new variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Wire {
    /// A fixed-width length field, then that many payload bytes.
    LengthPrefix(LengthPrefix),
    /// A varint length, then that many payload bytes.
    Varint(Varint),
    /// Lines, each ended by a newline.
    Lines(Lines),
    /// Frames of one fixed size.
    Fixed(Fixed),
    /// Netstrings (D. J. Bernstein): `<decimal length>:<payload>,`, as `3:abc,`.
    Netstring,
}

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

/// The largest size of a fixed-size frame, 8 MiB.
pub const LARGEST_FIXED_SIZE: u64 = 8 * 1024 * 1024;

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

    /// A varint (LEB128) length prefix with the default maximum, rejecting non-minimal
    /// encodings.
    pub fn varint() -> Framing {
        Framing {
            wire: Wire::Varint(Varint { overlong: false }),
            max_frame_len: DEFAULT_MAX,
            empty_frames: true,
        }
    }

    /// Netstrings (`3:abc,`) with the default maximum.
    pub fn netstring() -> Framing {
        Framing {
            wire: Wire::Netstring,
            max_frame_len: DEFAULT_MAX,
            empty_frames: true,
        }
    }

    /// Newline-delimited lines with the default maximum line length, rejecting an unterminated
    /// last line, and ending the stream at an over-long line.
    pub fn lines() -> Framing {
        Framing {
            wire: Wire::Lines(Lines {
                eof: LineEof::Reject,
                resync: false,
                text: false,
                crlf: false,
            }),
            max_frame_len: DEFAULT_MAX,
            empty_frames: true,
        }
    }

    /// Frames of exactly `size` bytes.
    ///
    /// # Panics
    /// If `size` is 0 or more than [`LARGEST_FIXED_SIZE`] (8 MiB: every generated message is
    /// a whole frame, so the size is what the harness allocates per message).
    pub fn fixed(size: u64) -> Framing {
        assert!(
            (1..=LARGEST_FIXED_SIZE).contains(&size),
            "a fixed frame size must be 1 to {LARGEST_FIXED_SIZE}, not {size}"
        );
        Framing {
            wire: Wire::Fixed(Fixed { size }),
            max_frame_len: size,
            empty_frames: true,
        }
    }

    /// Sets what a lines framing does with an unterminated last line (no effect on others).
    #[must_use]
    pub fn with_line_eof(mut self, eof: LineEof) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.eof = eof;
        }
        self
    }

    /// Sets whether a lines framing recovers from an over-long line at the next newline (no
    /// effect on others).
    #[must_use]
    pub fn with_resync(mut self, resync: bool) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.resync = resync;
        }
        self
    }

    /// Sets whether a lines framing's lines are UTF-8 text (`:text`; no effect on others).
    #[must_use]
    pub fn with_text(mut self, text: bool) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.text = text;
        }
        self
    }

    /// Sets whether a lines framing strips one `\r` before the newline (`:crlf`; no effect on
    /// others).
    #[must_use]
    pub fn with_crlf(mut self, crlf: bool) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.crlf = crlf;
        }
        self
    }

    /// For lines, the EOF policy (`None` for other framings): what a decoder of this framing
    /// declares (`FrameDecoder::unterminated_line`).
    pub fn line_eof(&self) -> Option<LineEof> {
        match self.wire {
            Wire::Lines(l) => Some(l.eof),
            _ => None,
        }
    }

    /// For lines, whether errors are recovered from (`None` for other framings): what a decoder
    /// of this framing declares (`FrameDecoder::resyncs`).
    pub fn line_resync(&self) -> Option<bool> {
        match self.wire {
            Wire::Lines(l) => Some(l.resync),
            _ => None,
        }
    }

    /// Whether an error is one the decoder recovers from (`lines:resync`): the harness then
    /// keeps calling it after it returns `Err`.
    pub fn resyncs(&self) -> bool {
        matches!(self.wire, Wire::Lines(l) if l.resync)
    }

    /// A message as this framing can carry it, for generators: a newline in a line becomes
    /// `0b` (and, in text lines, every byte is made ASCII, and a last `\r` under `:crlf` becomes
    /// `0b`), and a fixed-size frame is cut or padded (with the `pattern` bytes) to its size.
    /// Other framings carry any message unchanged.
    pub fn conform(&self, mut message: Vec<u8>) -> Vec<u8> {
        match self.wire {
            Wire::Lines(l) => {
                for b in message.iter_mut() {
                    if l.text {
                        *b &= 0x7f;
                    }
                    if *b == b'\n' {
                        *b = 0x0b;
                    }
                }
                if l.crlf && message.last() == Some(&b'\r') {
                    *message.last_mut().expect("not empty") = 0x0b;
                }
                message
            }
            Wire::Fixed(f) => {
                let size = f.size as usize;
                let have = message.len();
                message.extend((have..size).map(|i| ((i + i / 255) % 256) as u8));
                message.truncate(size);
                message
            }
            _ => message,
        }
    }

    /// Sets whether a varint framing accepts non-minimal encodings (no effect on others).
    #[must_use]
    pub fn with_overlong_varints(mut self, accepted: bool) -> Framing {
        if let Wire::Varint(ref mut v) = self.wire {
            v.overlong = accepted;
        }
        self
    }

    /// Every built-in framing, with default options: `u8`, `u16be`, `u16le`, `u32be`, `u32le`,
    /// `u64be`, `u64le`, `varint`, `netstring`, `lines` and `fixed:size=16`.
    pub fn catalog() -> Vec<Framing> {
        [
            "u8",
            "u16be",
            "u16le",
            "u32be",
            "u32le",
            "u64be",
            "u64le",
            "varint",
            "netstring",
            "lines",
            "fixed:size=16",
        ]
        .iter()
        .map(|n| n.parse().expect("built-in framing names parse"))
        .collect()
    }

    /// Sets the maximum payload length, inclusive. Clamped to what the field can describe. A
    /// fixed size is its own maximum, which this does not change.
    #[must_use]
    pub fn with_max_frame_len(mut self, max: u64) -> Framing {
        if matches!(self.wire, Wire::Fixed(_)) {
            return self;
        }
        self.max_frame_len = max.min(self.largest_payload());
        self
    }

    /// Sets whether a fixed-width length field counts the header bytes too (no effect on a
    /// varint).
    #[must_use]
    pub fn with_length_includes_header(mut self, yes: bool) -> Framing {
        if let Wire::LengthPrefix(ref mut lp) = self.wire {
            lp.includes_header = yes;
        }
        self.max_frame_len = self.max_frame_len.min(self.largest_payload());
        self
    }

    /// Sets whether zero-length frames are valid (the default) or a reason to reject the stream,
    /// as some protocols declare. No effect on fixed-size frames, which are never empty.
    #[must_use]
    pub fn with_empty_frames(mut self, allowed: bool) -> Framing {
        if !matches!(self.wire, Wire::Fixed(_)) {
            self.empty_frames = allowed;
        }
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

    /// The short name of the wire format, such as `u32be` or `varint`.
    pub fn name(&self) -> String {
        match self.wire {
            Wire::LengthPrefix(lp) => match (lp.width, lp.endian) {
                (1, _) => "u8".to_string(),
                (w, Endian::Big) => format!("u{}be", w as u32 * 8),
                (w, Endian::Little) => format!("u{}le", w as u32 * 8),
            },
            Wire::Varint(_) => "varint".to_string(),
            Wire::Netstring => "netstring".to_string(),
            Wire::Lines(_) => "lines".to_string(),
            Wire::Fixed(_) => "fixed".to_string(),
        }
    }

    /// The header length of a frame with a payload of `payload_len` bytes.
    pub fn header_len(&self, payload_len: u64) -> usize {
        match self.wire {
            Wire::LengthPrefix(lp) => lp.width as usize,
            Wire::Varint(_) => varint_len(payload_len),
            Wire::Netstring => decimal_len(payload_len) + 1,
            Wire::Lines(_) | Wire::Fixed(_) => 0,
        }
    }

    /// Bytes after the payload: the comma of a netstring, none otherwise.
    pub fn trailer_len(&self) -> usize {
        usize::from(matches!(self.wire, Wire::Netstring))
    }

    /// The longest header the wire format has (0 for lines and fixed-size frames).
    pub fn max_header_len(&self) -> usize {
        match self.wire {
            Wire::LengthPrefix(lp) => lp.width as usize,
            Wire::Varint(_) => VARINT_MAX_LEN,
            Wire::Netstring => decimal_len(u64::MAX) + 1,
            Wire::Lines(_) | Wire::Fixed(_) => 0,
        }
    }

    /// Whether frames carry a length header (a length prefix or a varint).
    pub fn has_length_field(&self) -> bool {
        matches!(
            self.wire,
            Wire::LengthPrefix(_) | Wire::Varint(_) | Wire::Netstring
        )
    }

    /// The largest value the length field can hold (0 for framings without one).
    pub fn field_max(&self) -> u64 {
        match self.wire {
            Wire::LengthPrefix(lp) if lp.width < 8 => (1u64 << (lp.width as u32 * 8)) - 1,
            Wire::Lines(_) | Wire::Fixed(_) => 0,
            _ => u64::MAX,
        }
    }

    /// The largest payload the framing can describe.
    pub fn largest_payload(&self) -> u64 {
        match self.wire {
            Wire::LengthPrefix(lp) if lp.includes_header => self.field_max() - lp.width as u64,
            Wire::Lines(_) => u64::MAX,
            Wire::Fixed(f) => f.size,
            _ => self.field_max(),
        }
    }

    /// The header bytes that carry the raw field value `value` (minimally encoded, for a
    /// varint), or `None` if it does not fit.
    pub fn header_for_field(&self, value: u64) -> Option<Vec<u8>> {
        if value > self.field_max() {
            return None;
        }
        let lp = match self.wire {
            Wire::LengthPrefix(lp) => lp,
            Wire::Varint(_) => return Some(varint(value)),
            Wire::Netstring => return Some(format!("{value}:").into_bytes()),
            Wire::Lines(_) | Wire::Fixed(_) => return None,
        };
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
        let value = match self.wire {
            Wire::LengthPrefix(lp) if lp.includes_header => {
                payload_len.checked_add(lp.width as u64)?
            }
            _ => payload_len,
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
            let start = enc.bytes.len();
            match self.wire {
                Wire::Lines(l) => {
                    if let Some(at) = m.iter().position(|&b| b == b'\n') {
                        return Err(Error::new(format!(
                            "message {i} holds a newline at byte {at}, which {self} cannot carry"
                        )));
                    }
                    if l.text && std::str::from_utf8(m).is_err() {
                        return Err(Error::new(format!(
                            "message {i} is not UTF-8, and {self} carries text"
                        )));
                    }
                    if l.crlf && m.last() == Some(&b'\r') {
                        return Err(Error::new(format!(
                            "message {i} ends with \\r, which {self} strips"
                        )));
                    }
                    enc.bytes.extend_from_slice(m);
                    enc.bytes.push(b'\n');
                }
                Wire::Fixed(f) => {
                    if len != f.size {
                        return Err(Error::new(format!(
                            "message {i} is {len} bytes, and {self} carries exactly {}",
                            f.size
                        )));
                    }
                    enc.bytes.extend_from_slice(m);
                }
                _ => {
                    let header = self.header_for_payload(len).ok_or_else(|| {
                        Error::new(format!("message {i}: length {len} does not fit"))
                    })?;
                    enc.bytes.extend_from_slice(&header);
                    enc.bytes.extend_from_slice(m);
                    if self.trailer_len() == 1 {
                        enc.bytes.push(b',');
                    }
                }
            }
            enc.frames.push(start..enc.bytes.len());
        }
        Ok(enc)
    }

    /// Reads a complete header: the payload length it announces, or why it is invalid.
    ///
    /// `header` must hold a complete header (for a fixed-width field, exactly its width).
    pub fn read_header(&self, header: &[u8]) -> Result<u64, (ErrorClass, String)> {
        let lp = match self.wire {
            Wire::LengthPrefix(lp) => lp,
            Wire::Lines(_) | Wire::Fixed(_) => {
                return Err((
                    ErrorClass::MalformedHeader,
                    format!("{} frames have no length header", self.name()),
                ))
            }
            Wire::Varint(_) | Wire::Netstring => {
                return match self.parse_header(header) {
                    HeaderParse::Frame { payload, .. } => Ok(payload),
                    HeaderParse::Bad { class, why, .. } => Err((class, why)),
                    HeaderParse::NeedMore { .. } => Err((
                        ErrorClass::TruncatedAtEof,
                        format!("an unfinished {} header", self.name()),
                    )),
                };
            }
        };
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

    /// How many leading bytes of `header` (a fixed-width header, complete or not) already
    /// prove it invalid whatever the remaining bytes are: the smallest `k` for which no
    /// completion of `header[..k]` is a valid header, or `None`. (Bounds are used: the values a
    /// prefix allows are taken as the interval between its completions with zeros and with
    /// `ff`s, which is exact for big endian and conservative for little endian.)
    fn prefix_proof(&self, lp: LengthPrefix, header: &[u8]) -> Option<usize> {
        let w = lp.width as usize;
        let offset = if lp.includes_header { w as u64 } else { 0 };
        let lo = offset + u64::from(!self.empty_frames);
        let hi = offset.saturating_add(self.max_frame_len);
        (1..=header.len().min(w)).find(|&k| {
            let mut low = vec![0u8; w];
            let mut high = vec![0xffu8; w];
            low[..k].copy_from_slice(&header[..k]);
            high[..k].copy_from_slice(&header[..k]);
            let (a, b) = (self.field_value(&low), self.field_value(&high));
            a.max(b) < lo || a.min(b) > hi
        })
    }

    /// Reads the header at the start of `avail`, which may hold less than a header or more.
    pub fn parse_header(&self, avail: &[u8]) -> HeaderParse {
        match self.wire {
            Wire::LengthPrefix(lp) => {
                let w = lp.width as usize;
                if avail.len() < w {
                    return HeaderParse::NeedMore {
                        proven: self.prefix_proof(lp, avail),
                    };
                }
                match self.read_header(&avail[..w]) {
                    Ok(payload) => HeaderParse::Frame {
                        header_len: w,
                        payload,
                    },
                    Err((class, why)) => HeaderParse::Bad {
                        class,
                        why,
                        header_len: w,
                        proven: self.prefix_proof(lp, &avail[..w]).unwrap_or(w),
                    },
                }
            }
            Wire::Varint(v) => self.parse_varint(v, avail),
            Wire::Netstring => self.parse_netstring_header(avail),
            // No header: the frame is the bytes up to the newline (the header "length" is 0).
            Wire::Lines(_) => {
                let window = avail.len().min(self.window());
                match avail[..window].iter().position(|&b| b == b'\n') {
                    Some(i) => HeaderParse::Frame {
                        header_len: 0,
                        payload: i as u64,
                    },
                    None if avail.len() as u64 > self.max_frame_len => HeaderParse::Bad {
                        class: ErrorClass::Oversized,
                        why: self.overlong_line(),
                        header_len: window,
                        proven: window,
                    },
                    None => HeaderParse::NeedMore { proven: None },
                }
            }
            Wire::Fixed(f) => HeaderParse::Frame {
                header_len: 0,
                payload: f.size,
            },
        }
    }

    /// A netstring's `<digits>:`, at the start of `avail`. The header is complete at its colon
    /// or, for a length that is too long, at the digit past the most a valid length has
    /// (`decimal_len(max)`): a decoder must not wait for a colon forever. A length over the
    /// maximum is proven from the digit that makes it so.
    fn parse_netstring_header(&self, avail: &[u8]) -> HeaderParse {
        let max = self.max_frame_len;
        let most_digits = decimal_len(max);
        let mut value: u64 = 0;
        // The index of the digit that proved the length over the maximum.
        let mut over: Option<usize> = None;
        for (i, &b) in avail.iter().enumerate() {
            let oversized = |at: usize, first: usize| HeaderParse::Bad {
                class: ErrorClass::Oversized,
                why: format!(
                    "a netstring length of more than {max} ({}…)",
                    String::from_utf8_lossy(&avail[..=first])
                ),
                header_len: at + 1,
                proven: first + 1,
            };
            let malformed = |why: String| HeaderParse::Bad {
                class: ErrorClass::MalformedHeader,
                why,
                header_len: i + 1,
                proven: i + 1,
            };
            match b {
                _ if over.is_some() && !b.is_ascii_digit() => {
                    return oversized(i, over.unwrap_or(i));
                }
                b':' if i == 0 => {
                    return malformed("an empty netstring length (a colon first)".to_string())
                }
                b':' if value == 0 && !self.empty_frames => {
                    return HeaderParse::Bad {
                        class: ErrorClass::EmptyFrame,
                        why: "a zero-length frame, which this framing does not allow".to_string(),
                        header_len: i + 1,
                        proven: i + 1,
                    };
                }
                b':' => {
                    return HeaderParse::Frame {
                        header_len: i + 1,
                        payload: value,
                    }
                }
                b'0'..=b'9' if i == 1 && avail[0] == b'0' => {
                    return malformed("a netstring length with a leading zero".to_string())
                }
                b'0'..=b'9' => {
                    if over.is_none() {
                        match value
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(b - b'0')))
                        {
                            Some(v) if v <= max => value = v,
                            _ => over = Some(i),
                        }
                    }
                    if i + 1 > most_digits {
                        return oversized(i, over.unwrap_or(i));
                    }
                }
                _ => {
                    return malformed(format!(
                        "byte {b:02x} where a netstring length's digit or colon goes"
                    ))
                }
            }
        }
        HeaderParse::NeedMore {
            proven: over.map(|i| i + 1),
        }
    }

    /// How many bytes of a line decide it: `max` bytes and a newline.
    fn window(&self) -> usize {
        usize::try_from(self.max_frame_len.saturating_add(1)).unwrap_or(usize::MAX)
    }

    fn overlong_line(&self) -> String {
        format!(
            "a line of more than {} bytes: no newline among its first {}",
            self.max_frame_len,
            self.max_frame_len.saturating_add(1)
        )
    }

    fn parse_varint(&self, v: Varint, avail: &[u8]) -> HeaderParse {
        let max = self.max_frame_len;
        let mut value: u64 = 0;
        // Later bytes only add to the value: once it is over the max, the header is bad.
        let mut proven: Option<usize> = None;
        for (i, &b) in avail.iter().enumerate().take(VARINT_MAX_LEN) {
            if i == VARINT_MAX_LEN - 1 && b > 1 {
                return HeaderParse::Bad {
                    class: ErrorClass::MalformedHeader,
                    why: format!(
                        "the 10th byte of a varint is {b:02x}: more than 64 bits, or more than \
                         ten bytes"
                    ),
                    header_len: i + 1,
                    proven: proven.unwrap_or(i + 1),
                };
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if proven.is_none() && value > max {
                proven = Some(i + 1);
            }
            if b & 0x80 != 0 {
                continue;
            }
            let len = i + 1;
            let bad = |class, why| HeaderParse::Bad {
                class,
                why,
                header_len: len,
                proven: proven.unwrap_or(len),
            };
            if !v.overlong && len > 1 && b == 0 {
                return bad(
                    ErrorClass::MalformedHeader,
                    format!(
                        "a non-minimal varint: {len} bytes for {value}, which takes {}",
                        varint_len(value)
                    ),
                );
            }
            if value > max {
                return bad(
                    ErrorClass::Oversized,
                    format!("header announces {value} payload bytes, over the maximum {max}"),
                );
            }
            if value == 0 && !self.empty_frames {
                return bad(
                    ErrorClass::EmptyFrame,
                    "a zero-length frame, which this framing does not allow".to_string(),
                );
            }
            return HeaderParse::Frame {
                header_len: len,
                payload: value,
            };
        }
        HeaderParse::NeedMore { proven }
    }

    /// The raw field value of a complete header, as read in stream order (`bytes[0]` arrives
    /// first).
    fn field_value(&self, bytes: &[u8]) -> u64 {
        let w = bytes.len().min(8);
        let little = matches!(self.wire, Wire::LengthPrefix(lp) if lp.endian == Endian::Little);
        let mut be = [0u8; 8];
        be[8 - w..].copy_from_slice(&bytes[..w]);
        if little {
            be[8 - w..].reverse();
        }
        u64::from_be_bytes(be)
    }

    /// The specification: what the whole stream `stream` must decode to.
    pub fn expect(&self, stream: &[u8]) -> Expectation {
        match self.wire {
            Wire::Lines(l) => self.expect_lines(l, stream),
            Wire::Fixed(f) => {
                let size = f.size as usize;
                let whole = stream.len() / size * size;
                let frames = (0..whole)
                    .step_by(size)
                    .map(|start| ExpectedFrame {
                        start,
                        payload: start..start + size,
                        last_byte: start + size - 1,
                        at_eof: false,
                    })
                    .collect();
                if whole == stream.len() {
                    Expectation {
                        frames,
                        end: End::Clean,
                        resumed: Vec::new(),
                    }
                } else {
                    let have = stream.len() - whole;
                    truncated(frames, whole, format!("{have} of {size} bytes"))
                }
            }
            _ => self.expect_length_prefixed(stream),
        }
    }

    /// The specification for lines: one segment, then under `:resync` one more after each
    /// error, built in a loop.
    fn expect_lines(&self, l: Lines, stream: &[u8]) -> Expectation {
        let mut segments = Vec::new();
        let mut pos = 0;
        loop {
            let (segment, next) = self.line_segment(l, stream, pos);
            segments.push(segment);
            match next {
                Resume::No => break,
                Resume::At(p) => pos = p,
                // No newline left: the decoder skips to EOF, which is then clean.
                Resume::AtEof => {
                    segments.push(Expectation {
                        frames: Vec::new(),
                        end: End::Clean,
                        resumed: Vec::new(),
                    });
                    break;
                }
            }
        }
        let mut first = segments.remove(0);
        first.resumed = segments;
        first
    }

    /// The lines from offset `pos` up to the end of the stream or the first error, and where a
    /// decoder under `:resync` goes on.
    fn line_segment(&self, l: Lines, stream: &[u8], mut pos: usize) -> (Expectation, Resume) {
        let mut frames = Vec::new();
        loop {
            let rest = &stream[pos..];
            if rest.is_empty() {
                let clean = Expectation {
                    frames,
                    end: End::Clean,
                    resumed: Vec::new(),
                };
                return (clean, Resume::No);
            }
            let reject = |frames, class, at: usize, why: String, resume: Option<usize>| {
                let next = match resume {
                    Some(p) if l.resync => Resume::At(p),
                    None if l.resync => Resume::AtEof,
                    _ => Resume::No,
                };
                let segment = Expectation {
                    frames,
                    end: End::Reject {
                        class,
                        start: pos,
                        at: At::Byte(at),
                        earliest: At::Byte(at),
                        why,
                    },
                    resumed: Vec::new(),
                };
                (segment, next)
            };
            let next_newline = |from: usize| {
                stream[from..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map(|i| from + i + 1)
            };
            match self.parse_header(rest) {
                HeaderParse::Frame { payload, .. } => {
                    let end = pos + payload as usize;
                    let line = l.content(stream, pos..end);
                    if line.is_empty() && !self.empty_frames {
                        return reject(
                            frames,
                            ErrorClass::EmptyFrame,
                            end,
                            "an empty line, which this framing does not allow".to_string(),
                            Some(end + 1),
                        );
                    }
                    if l.text && std::str::from_utf8(&stream[line.clone()]).is_err() {
                        return reject(
                            frames,
                            ErrorClass::NotUtf8,
                            end,
                            "a line that is not UTF-8".to_string(),
                            Some(end + 1),
                        );
                    }
                    frames.push(ExpectedFrame {
                        start: pos,
                        payload: line,
                        last_byte: end,
                        at_eof: false,
                    });
                    pos = end + 1;
                }
                HeaderParse::Bad { why, proven, .. } => {
                    let at = pos + proven - 1;
                    return reject(frames, ErrorClass::Oversized, at, why, next_newline(at + 1));
                }
                HeaderParse::NeedMore { .. } => match l.eof {
                    LineEof::Emit => {
                        let line = l.content(stream, pos..stream.len());
                        if l.crlf && rest == b"\r" {
                            // The `\r` of a `\r\n` cut short: no line.
                        } else if l.text && std::str::from_utf8(&stream[line.clone()]).is_err() {
                            let segment = Expectation {
                                frames,
                                end: End::Reject {
                                    class: ErrorClass::NotUtf8,
                                    start: pos,
                                    at: At::Eof,
                                    earliest: At::Eof,
                                    why: "a last line that is not UTF-8".to_string(),
                                },
                                resumed: Vec::new(),
                            };
                            let next = if l.resync { Resume::AtEof } else { Resume::No };
                            return (segment, next);
                        } else {
                            frames.push(ExpectedFrame {
                                start: pos,
                                payload: line,
                                last_byte: stream.len() - 1,
                                at_eof: true,
                            });
                        }
                        let clean = Expectation {
                            frames,
                            end: End::Clean,
                            resumed: Vec::new(),
                        };
                        return (clean, Resume::No);
                    }
                    LineEof::Reject => {
                        let what = format!("an unterminated line of {} bytes", rest.len());
                        return (truncated(frames, pos, what), Resume::No);
                    }
                },
            }
        }
    }

    fn expect_length_prefixed(&self, stream: &[u8]) -> Expectation {
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
            let (header_len, payload) = match self.parse_header(&stream[pos..]) {
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
            let trailer = self.trailer_len() as u64;
            if have < payload + trailer {
                let what = if have < payload {
                    format!("{have} of {payload} payload bytes")
                } else {
                    "the payload, but not the comma after it".to_string()
                };
                return truncated(frames, pos, what);
            }
            // `payload <= have`, so it fits in usize.
            let end = header_end + payload as usize;
            if trailer == 1 && stream[end] != b',' {
                return Expectation {
                    frames,
                    end: End::Reject {
                        class: ErrorClass::MalformedHeader,
                        start: pos,
                        at: At::Byte(end),
                        earliest: At::Byte(end),
                        why: format!("byte {:02x} where a netstring's comma goes", stream[end]),
                    },
                    resumed: Vec::new(),
                };
            }
            let last = end + trailer as usize;
            frames.push(ExpectedFrame {
                start: pos,
                payload: header_end..end,
                last_byte: last - 1,
                at_eof: false,
            });
            pos = last;
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
        resumed: Vec::new(),
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
        if let Wire::Fixed(fx) = self.wire {
            return write!(f, "fixed:size={}", fx.size);
        }
        write!(f, "{}:max={}", self.name(), self.max_frame_len)?;
        match self.wire {
            Wire::LengthPrefix(lp) if lp.includes_header => f.write_str(":incl")?,
            Wire::Varint(v) if v.overlong => f.write_str(":overlong")?,
            Wire::Lines(l) => {
                if l.eof == LineEof::Emit {
                    f.write_str(":eof=emit")?;
                }
                if l.resync {
                    f.write_str(":resync")?;
                }
                if l.text {
                    f.write_str(":text")?;
                }
                if l.crlf {
                    f.write_str(":crlf")?;
                }
            }
            _ => {}
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
        let bad_number = |opt: &str, v: &str| {
            Error::new(format!("framing {s:?}: {opt}={v:?} is not a whole number"))
        };
        let mut framing = match name {
            "varint" => Framing::varint(),
            "netstring" => Framing::netstring(),
            "lines" => Framing::lines(),
            "u8" => Framing::length_prefix(1, Endian::Big),
            "u16be" => Framing::length_prefix(2, Endian::Big),
            "u16le" => Framing::length_prefix(2, Endian::Little),
            "u32be" => Framing::length_prefix(4, Endian::Big),
            "u32le" => Framing::length_prefix(4, Endian::Little),
            "u64be" => Framing::length_prefix(8, Endian::Big),
            "u64le" => Framing::length_prefix(8, Endian::Little),
            "fixed" => {
                let size = parts
                    .next()
                    .and_then(|o| o.strip_prefix("size="))
                    .ok_or_else(|| {
                        Error::new(format!(
                            "framing {s:?}: fixed needs its size, as fixed:size=16"
                        ))
                    })?;
                let n: u64 = size.parse().map_err(|_| bad_number("size", size))?;
                if !(1..=LARGEST_FIXED_SIZE).contains(&n) {
                    return Err(Error::new(format!(
                        "framing {s:?}: size={n} (from 1 to {LARGEST_FIXED_SIZE})"
                    )));
                }
                Framing::fixed(n)
            }
            _ => {
                return Err(Error::new(format!(
                    "framing {s:?}: unknown wire format {name:?} (expected u8, u16be, u16le, \
                     u32be, u32le, u64be, u64le, varint, netstring, lines or fixed:size=N)"
                )))
            }
        };
        let wire = framing.wire;
        let mut max = None;
        for opt in parts {
            match (opt, wire) {
                ("incl", Wire::LengthPrefix(_)) => {
                    framing = framing.with_length_includes_header(true);
                }
                ("overlong", Wire::Varint(_)) => framing = framing.with_overlong_varints(true),
                (
                    "noempty",
                    Wire::LengthPrefix(_) | Wire::Varint(_) | Wire::Lines(_) | Wire::Netstring,
                ) => {
                    framing = framing.with_empty_frames(false);
                }
                ("resync", Wire::Lines(_)) => framing = framing.with_resync(true),
                ("text", Wire::Lines(_)) => framing = framing.with_text(true),
                ("crlf", Wire::Lines(_)) => framing = framing.with_crlf(true),
                ("eof=emit", Wire::Lines(_)) => framing = framing.with_line_eof(LineEof::Emit),
                ("eof=reject", Wire::Lines(_)) => {
                    framing = framing.with_line_eof(LineEof::Reject);
                }
                (_, Wire::LengthPrefix(_) | Wire::Varint(_) | Wire::Lines(_) | Wire::Netstring)
                    if opt.starts_with("max=") =>
                {
                    let v = &opt[4..];
                    max = Some(v.parse::<u64>().map_err(|_| bad_number("max", v))?);
                }
                _ => {
                    return Err(Error::new(format!(
                        "framing {s:?}: unknown option {opt:?} for {name} (expected max=N and \
                         noempty; incl for a fixed width; overlong for a varint; eof=emit, \
                         eof=reject, resync, text and crlf for lines; nothing after a fixed \
                         size)"
                    )));
                }
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
            if let Wire::Lines(l) = self.framing.wire {
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
                let window = rest.len().min(self.framing.window());
                let from = self.scanned.min(window);
                match rest[from..window].iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        let len = from + i;
                        self.scanned = 0;
                        pos += len + 1;
                        let line = &rest[l.content(rest, 0..len)];
                        if line.is_empty() && !self.framing.empty_frames {
                            break Err(Rejection::new("an empty line"));
                        }
                        if l.text && std::str::from_utf8(line).is_err() {
                            break Err(Rejection::new("a line that is not UTF-8"));
                        }
                        frames.push(line.to_vec());
                    }
                    None if rest.len() as u64 > self.framing.max_frame_len => {
                        // Over-long: drop the line so far; under `:resync` the rest of it is
                        // skipped on later calls.
                        self.discarding = true;
                        self.scanned = 0;
                        pos += window;
                        break Err(Rejection::new(self.framing.overlong_line()));
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
            if ((rest.len() - w) as u64) < payload + trailer as u64 {
                break Ok(());
            }
            let end = w + payload as usize;
            if trailer == 1 && rest[end] != b',' {
                break Err(Rejection::new(format!(
                    "byte {:02x} where a netstring's comma goes",
                    rest[end]
                )));
            }
            frames.push(rest[w..end].to_vec());
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
        match self.framing.wire {
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
                "stream ended with {} bytes of an incomplete frame",
                self.buf.len()
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

    fn proven(f: &Framing, header: &[u8]) -> Option<usize> {
        match f.parse_header(header) {
            HeaderParse::Bad { proven, .. } => Some(proven),
            HeaderParse::NeedMore { proven } => proven,
            HeaderParse::Frame { .. } => None,
        }
    }

    #[test]
    fn a_header_prefix_can_prove_the_header_bad() {
        let be: Framing = "u32be:max=1000".parse().unwrap();
        // ff as the first of four big-endian bytes: at least 0xff000000.
        assert_eq!(proven(&be, &[0xff, 0, 0, 0]), Some(1));
        assert_eq!(proven(&be, &[0xff]), Some(1));
        assert_eq!(proven(&be, &[0, 0, 0x03, 0xe9]), Some(4));
        assert_eq!(proven(&be, &[0, 0, 0x04, 0]), Some(3));
        assert_eq!(proven(&be, &[0, 0, 0x03]), None);
        let le: Framing = "u32le:max=1000".parse().unwrap();
        // e9 03 ..: at least 0x03e9 = 1001.
        assert_eq!(proven(&le, &[0xe9, 0x03, 0, 0]), Some(2));
        let incl: Framing = "u16be:incl".parse().unwrap();
        assert_eq!(proven(&incl, &[0, 1]), Some(2));
        let e = be.expect(&[0, 0, 0, 1, 9, 0xff, 0, 0, 0]);
        assert!(matches!(
            e.end,
            End::Reject {
                at: At::Byte(8),
                earliest: At::Byte(5),
                ..
            }
        ));
        // A truncated header that already proves itself too long may be rejected early.
        let e = be.expect(&[0, 0, 0, 1, 9, 0xff]);
        assert!(matches!(
            e.end,
            End::Reject {
                at: At::Eof,
                earliest: At::Byte(5),
                ..
            }
        ));
    }

    #[test]
    fn varints_encode_minimally_and_parse_back() {
        for v in [0u64, 1, 127, 128, 300, 16383, 16384, 1 << 35, u64::MAX] {
            let bytes = varint(v);
            assert_eq!(bytes.len(), varint_len(v), "{v}");
            let f = Framing::varint().with_max_frame_len(u64::MAX);
            assert_eq!(
                f.parse_header(&bytes),
                HeaderParse::Frame {
                    header_len: bytes.len(),
                    payload: v
                }
            );
        }
        assert_eq!(varint(300), [0xac, 0x02]);
        assert_eq!(varint(u64::MAX).len(), 10);
    }

    #[test]
    fn varint_edge_cases_are_malformed() {
        let f: Framing = "varint:max=1000".parse().unwrap();
        let class = |h: &[u8]| match f.parse_header(h) {
            HeaderParse::Bad { class, .. } => Some(class),
            _ => None,
        };
        assert_eq!(class(&[0x80, 0x00]), Some(ErrorClass::MalformedHeader));
        assert_eq!(class(&[0x81, 0x00]), Some(ErrorClass::MalformedHeader));
        let overflow = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
        assert_eq!(class(&overflow), Some(ErrorClass::MalformedHeader));
        assert_eq!(class(&[0x80; 12]), Some(ErrorClass::MalformedHeader));
        assert_eq!(
            f.parse_header(&[0x80, 0x80]),
            HeaderParse::NeedMore { proven: None }
        );
        // e9 07 = 1001: oversized once complete; e9 87 .. proves it as soon as 2 bytes are in.
        assert_eq!(class(&[0xe9, 0x07]), Some(ErrorClass::Oversized));
        assert_eq!(proven(&f, &[0xe9, 0x87]), Some(2));
        let lenient: Framing = "varint:max=1000:overlong".parse().unwrap();
        assert_eq!(
            lenient.parse_header(&[0x81, 0x00]),
            HeaderParse::Frame {
                header_len: 2,
                payload: 1
            }
        );
        assert_eq!(lenient.to_string(), "varint:max=1000:overlong");
        assert!("varint:incl".parse::<Framing>().is_err());
        assert!("u32be:overlong".parse::<Framing>().is_err());
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
