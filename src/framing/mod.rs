//! Wire formats: what a framed stream looks like, how to encode one, how to read a header
//! incrementally, and the specification of what a whole stream must decode to.
//!
//! | format | string | module |
//! |---|---|---|
//! | fixed-width length prefix | `u8`, `u16be`, `u16le`, `u32be`, `u32le`, `u64be`, `u64le` | [`length_prefix`] |
//! | LEB128 varint length | `varint` | [`varint`](mod@varint) |
//! | netstrings | `netstring` | [`netstring`] |
//! | newline-delimited lines | `lines` | [`lines`] |
//! | fixed-size frames | `fixed:size=N` | [`fixed`] |
//!
//! Every format takes `:max=N` (the maximum payload, inclusive) and `:noempty` (a zero-length
//! frame is a reason to reject the stream) after its name, then options of its own; each
//! format's module draws its layout and lists its options.
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "u16le:max=300:incl".parse().unwrap();
//! assert_eq!(framing.to_string(), "u16le:max=300:incl");
//! let stream = framing.encode(&[b"hi".to_vec()]).unwrap().bytes;
//! assert_eq!(stream, [4, 0, b'h', b'i']); // the field counts its own 2 bytes
//! ```
//!
//! # Adding a format
//! A format is one file in this folder and one line of the `formats!` list below.
//! - **The file** holds a small `Copy` type that implements two traits: [`Format`], what the
//!   harness asks of it, and [`Registered`], how it is found by name in a framing string or a
//!   vector file.
//! - **The line** declares the module, adds the variant to [`Wire`] and registers the names.
//!
//! The generators, the oracle, the schedules, the vectors and the CLI reach a format only
//! through [`Framing`]'s methods. Three places look at a format's own options, each for a
//! reason of its own:
//! - the reference decoder scans lines itself, for linear time on long
//!   lines, and decodes every other format through [`Framing::parse_header`];
//! - the zoo's decoders are length prefixes by design;
//! - each third-party adapter maps a framing onto its codec's settings.
//!
//! For a format `crc` in `src/framing/crc.rs`:
//!
//! ```text
//! // src/framing/crc.rs
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
//! pub struct Crc { /* its options */ }
//!
//! impl Registered for Crc {
//!     const NAMES: &'static str = "crc32";
//!     const JSON_TYPE: &'static str = "crc";
//!     const JSON_FIELDS: &'static [&'static str] = &[];
//!     fn from_name(name: &str) -> Option<Crc> { (name == "crc32").then_some(Crc {}) }
//!     fn from_json(o: &Map<String, Value>) -> Result<Crc, FieldError> { Ok(Crc {}) }
//! }
//!
//! impl Format for Crc {
//!     fn name(&self) -> String { "crc32".into() }
//!     fn options_help(&self) -> &'static str { "max=N and noempty" }
//!     fn json_type(&self) -> &'static str { Self::JSON_TYPE }
//!     fn largest_payload(&self) -> u64 { u32::MAX.into() }
//!     fn parse_header(&self, framing: &Framing, avail: &[u8]) -> HeaderParse { … }
//!     fn adversaries(&self, framing: &Framing) -> Vec<Adversary> { … }
//!     // and, as the format needs: header_for_field, trailer, check_trailer, expect, …
//! }
//!
//! // src/framing/mod.rs
//! formats! {
//!     …
//!     /// Frames of one fixed size.
//!     Fixed(fixed::Fixed),
//!     /// Frames with a CRC-32 trailer.
//!     Crc(crc::Crc),          // <- the one line
//! }
//! ```
//!
//! # Design
//! [`Framing`] is a `Copy` value: a [`Wire`] (which format, with its options) and the limits
//! every format shares. The specification ([`Framing::expect`]) is deliberately written as a
//! plain whole-stream parse, apart from the incremental
//! [`ReferenceDecoder`](crate::ReferenceDecoder) in `reference`, so that the harness
//! checks the reference decoder too.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

mod adversary;
pub mod cbor_seq;
mod format;
mod json;
pub mod json_seq;
mod preset;
mod spec;

pub use adversary::{
    header_adversaries, length_edges, pattern, truncations, Adversary, AdversaryBytes, HeaderEdges,
    LARGEST_MESSAGE,
};
pub use fixed::{Fixed, LARGEST_FIXED_SIZE};
pub use format::{set_flag, write_flag, Format, Registered};
pub use json::FieldError;
pub use layout::{AdjustBase, Layout, MaxOf, MAX_TRAILER};
pub use length_prefix::{Endian, LengthPrefix};
pub use lines::{LineEof, Lines};
pub use netstring::{decimal_len, Netstring};
pub use preset::Preset;
pub use spec::{expect_headers, At, End, ErrorClass, Expectation, ExpectedFrame, HeaderParse};
pub use varint::{varint, varint_len, Varint, VARINT_MAX_LEN};

/// The registry of formats: each line declares a format's module, its [`Wire`] variant and
/// its string names. See the module doc, "Adding a format".
macro_rules! formats {
    ($( $(#[$doc:meta])* $variant:ident($module:ident::$ty:ident), )*) => {
        $( pub mod $module; )*

        /// A wire format with its own options: one variant per format, each implementing
        /// [`Format`]. New formats join as new variants.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Wire {
            $( $(#[$doc])* $variant($module::$ty), )*
        }

        impl Wire {
            /// The format, as the trait every format implements.
            pub fn format(&self) -> &dyn Format {
                match self {
                    $( Wire::$variant(f) => f, )*
                }
            }

            fn format_mut(&mut self) -> &mut dyn Format {
                match self {
                    $( Wire::$variant(f) => f, )*
                }
            }

            /// The format a framing string's first part names, with default options.
            pub fn from_name(name: &str) -> Option<Wire> {
                $(
                    if let Some(f) = <$module::$ty as Registered>::from_name(name) {
                        return Some(Wire::$variant(f));
                    }
                )*
                None
            }

            /// The names of every format, for help texts.
            pub const NAMES: &'static [&'static str] = &[$( <$module::$ty as Registered>::NAMES, )*];

            /// The `"type"` of every format in vector files.
            pub const JSON_TYPES: &'static [&'static str] =
                &[$( <$module::$ty as Registered>::JSON_TYPE, )*];

            /// The fields and the reader of the format whose vector-file `"type"` is `ty`.
            #[allow(clippy::type_complexity)]
            fn json_reader(
                ty: &str,
            ) -> Option<(
                &'static [&'static str],
                fn(&serde_json::Map<String, serde_json::Value>) -> Result<Wire, FieldError>,
            )> {
                $(
                    if ty == <$module::$ty as Registered>::JSON_TYPE {
                        return Some((
                            <$module::$ty as Registered>::JSON_FIELDS,
                            |o| <$module::$ty as Registered>::from_json(o).map(Wire::$variant),
                        ));
                    }
                )*
                None
            }
        }
    };
}

formats! {
    /// A framing a user defines by its encoder, registered by name ([`user::register`]).
    User(user::UserFormat),
    /// A fixed-width length field, then that many payload bytes.
    LengthPrefix(length_prefix::LengthPrefix),
    /// A varint length, then that many payload bytes.
    Varint(varint::Varint),
    /// Netstrings (D. J. Bernstein): `<decimal length>:<payload>,`, as `3:abc,`.
    Netstring(netstring::Netstring),
    /// Lines, each ended by a newline.
    Lines(lines::Lines),
    /// Frames of one fixed size.
    Fixed(fixed::Fixed),
    /// A length-field layout: offset bytes, a field, an adjusted body, a trailer.
    Layout(layout::Layout),
}

/// A complete description of a wire format and its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Framing {
    wire: Wire,
    max_frame_len: u64,
    empty_frames: bool,
    preset: Option<Preset>,
}

/// The result of [`Framing::encode`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Encoded {
    /// The stream.
    pub bytes: Vec<u8>,
    /// The byte range of each message's whole frame (header and payload).
    pub frames: Vec<std::ops::Range<usize>>,
}

/// The default maximum frame length, 8 MiB (tokio-util's), or less where the field is smaller.
pub const DEFAULT_MAX: u64 = 8 * 1024 * 1024;

impl Framing {
    /// The framing of `wire` with the default limits: the maximum is 8 MiB, or the largest
    /// payload the format describes if that is less, or the format's fixed size; empty frames
    /// are allowed.
    pub fn of(wire: Wire) -> Framing {
        let format = wire.format();
        let max = format
            .fixed_size()
            .unwrap_or_else(|| DEFAULT_MAX.min(format.largest_payload()));
        Framing {
            wire,
            max_frame_len: max,
            empty_frames: true,
            preset: None,
        }
    }

    /// Every preset ([`Preset`]) with its default options: `postgres`, `grpc`, `mysql`,
    /// `http2`, `tls`, `amqp`, `kafka`, `dns` and `mqtt`.
    pub fn presets() -> Vec<Framing> {
        Preset::all()
            .map(|p| p.name().parse().expect("presets parse"))
            .collect()
    }

    /// The preset this framing is, if it is one (and only its shared limits differ).
    pub fn preset(&self) -> Option<Preset> {
        self.preset
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

    /// The wire format, with its options.
    pub fn wire(&self) -> Wire {
        self.wire
    }

    /// The wire format, as the trait every format implements.
    pub fn format(&self) -> &dyn Format {
        self.wire.format()
    }

    /// Sets the maximum payload length, inclusive. Clamped to what the field can describe, and
    /// to at least the shortest payload the format has ([`check_max`](Framing::check_max) says
    /// whether `max` needs that). A fixed size is its own maximum, which this does not change.
    #[must_use]
    pub fn with_max_frame_len(mut self, max: u64) -> Framing {
        if self.format().fixed_size().is_some() {
            return self;
        }
        self.max_frame_len = max
            .min(self.largest_payload())
            .max(self.format().min_payload());
        self
    }

    /// Sets whether zero-length frames are valid (the default) or a reason to reject the stream,
    /// as some protocols declare. No effect on fixed-size frames, which are never empty.
    #[must_use]
    pub fn with_empty_frames(mut self, allowed: bool) -> Framing {
        if self.format().fixed_size().is_none() {
            self.empty_frames = allowed;
        }
        self
    }

    /// Checks that a maximum of `max` body bytes leaves room for a valid frame: at least the
    /// format's shortest payload ([`Format::min_payload`]). `Err` says why, for the caller to
    /// put after the option that set the maximum.
    pub fn check_max(&self, max: u64) -> Result<(), String> {
        let shortest = self.format().min_payload();
        if max < shortest {
            return Err(format!(
                "a maximum body of {max} bytes is shorter than the shortest body {} can have \
                 ({shortest} bytes, set by its adjustment or strip): no frame would be valid",
                self.name()
            ));
        }
        Ok(())
    }

    /// Whether zero-length frames are valid.
    pub fn empty_frames(&self) -> bool {
        self.empty_frames
    }

    /// The maximum payload length, inclusive.
    pub fn max_frame_len(&self) -> u64 {
        self.max_frame_len
    }

    /// The short name of the wire format, such as `u32be` or `varint`.
    pub fn name(&self) -> String {
        self.format().name()
    }

    /// For lines, the EOF policy (`None` for other framings): what a decoder of this framing
    /// declares (`FrameDecoder::unterminated_line`).
    pub fn line_eof(&self) -> Option<LineEof> {
        self.format().line_eof()
    }

    /// For lines, whether errors are recovered from (`None` for other framings): what a decoder
    /// of this framing declares (`FrameDecoder::resyncs`).
    pub fn line_resync(&self) -> Option<bool> {
        self.format().line_resync()
    }

    /// Whether an error is one the decoder recovers from (`lines:resync`): the harness then
    /// keeps calling it after it returns `Err`.
    pub fn resyncs(&self) -> bool {
        self.line_resync() == Some(true)
    }

    /// A message as this framing can carry it, for generators: a newline in a line becomes
    /// `0b` (and, in text lines, every byte is made ASCII, and a last `\r` under `:crlf` becomes
    /// `0b`), and a fixed-size frame is cut or padded (with the `pattern` bytes) to its size.
    /// Other framings carry any message unchanged.
    pub fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        self.format().conform(message)
    }

    /// The header length of a frame with a payload of `payload_len` bytes.
    pub fn header_len(&self, payload_len: u64) -> usize {
        self.format().header_len(payload_len)
    }

    /// Bytes after the payload: the comma of a netstring, none otherwise.
    pub fn trailer_len(&self) -> usize {
        self.format().trailer().len()
    }

    /// What the trailer is called in reports (`"comma"`).
    pub fn trailer_name(&self) -> &'static str {
        self.format().trailer_name()
    }

    /// Checks the trailer bytes that are there: `Err((i, why))` if `got[i]` is the first that
    /// is wrong.
    pub fn check_trailer(&self, got: &[u8]) -> Result<(), (usize, String)> {
        self.format().check_trailer(got)
    }

    /// The longest header the wire format has (0 for lines and fixed-size frames).
    pub fn max_header_len(&self) -> usize {
        self.format().max_header_len()
    }

    /// Whether frames carry a length header (a length prefix, a varint or a netstring).
    pub fn has_length_field(&self) -> bool {
        self.format().has_length_field()
    }

    /// The largest value the length field can hold (0 for framings without one).
    pub fn field_max(&self) -> u64 {
        self.format().field_max()
    }

    /// The largest payload the framing can describe.
    pub fn largest_payload(&self) -> u64 {
        self.format().largest_payload()
    }

    /// The header bytes that carry the raw field value `value` (minimally encoded, for a
    /// varint), or `None` if it does not fit.
    pub fn header_for_field(&self, value: u64) -> Option<Vec<u8>> {
        if value > self.field_max() {
            return None;
        }
        self.format().header_for_field(value)
    }

    /// The header bytes for a payload of `payload_len` bytes, or `None` if the field cannot
    /// describe it. The maximum frame length is not applied here.
    pub fn header_for_payload(&self, payload_len: u64) -> Option<Vec<u8>> {
        self.format().header_for_payload(self, payload_len)
    }

    /// Encodes `messages` as a stream. Fails if a message is longer than the maximum frame
    /// length, or is one the format cannot carry.
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
            self.format().encode_frame(self, i, m, &mut enc.bytes)?;
            enc.frames.push(start..enc.bytes.len());
        }
        Ok(enc)
    }

    /// Reads a complete header: the payload length it announces, or why it is invalid.
    ///
    /// `header` must hold a complete header (for a fixed-width field, exactly its width).
    pub fn read_header(&self, header: &[u8]) -> Result<u64, (ErrorClass, String)> {
        self.format().read_header(self, header)
    }

    /// Reads the header at the start of `avail`, which may hold less than a header or more.
    pub fn parse_header(&self, avail: &[u8]) -> HeaderParse {
        self.format().parse_header(self, avail)
    }

    /// The specification: what the whole stream `stream` must decode to.
    pub fn expect(&self, stream: &[u8]) -> Expectation {
        self.format().expect(self, stream)
    }

    /// The format's adversarial streams, as descriptions ([`Format::adversaries`]).
    pub fn adversaries(&self) -> Vec<Adversary> {
        self.format().adversaries(self)
    }
}

impl Default for Framing {
    /// `u32be` with the default maximum, as in the seed explainer.
    fn default() -> Framing {
        Framing::length_prefix(4, Endian::Big)
    }
}

impl fmt::Display for Framing {
    /// The canonical spec string, which [`FromStr`] reads back: the name, `:max=N` (unless the
    /// format has a fixed size), the format's own options, then `:noempty`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = self.format();
        match self.preset {
            Some(p) => f.write_str(p.name())?,
            None => f.write_str(&format.name())?,
        }
        if format.fixed_size().is_none() {
            write!(f, ":max={}", format.max_from_body(self.max_frame_len))?;
        }
        if self.preset.is_none() {
            format.fmt_options(f)?;
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
        let (name, rest) = s.split_once(':').unwrap_or((s, ""));
        if let Some(p) = Preset::named(name) {
            let base = Framing::parse_plain(p.expands_to())?;
            let expanded = format!("{}:{rest}", p.expands_to());
            let framing = Framing::parse_plain(expanded.trim_end_matches(':')).map_err(|e| {
                Error::new(format!(
                    "framing {s:?}: preset {name} is {}: {e}",
                    p.expands_to()
                ))
            })?;
            let preset = (framing.wire == base.wire).then_some(p);
            return Ok(Framing { preset, ..framing });
        }
        Framing::parse_plain(s)
    }
}

impl Framing {
    /// Parses a framing string that does not start with a preset's name.
    fn parse_plain(s: &str) -> Result<Framing, Error> {
        let mut parts = s.split(':');
        let name = parts.next().unwrap_or("");
        let mut wire = Wire::from_name(name).ok_or_else(|| {
            let (last, rest) = Wire::NAMES.split_last().expect("formats are registered");
            Error::new(format!(
                "framing {s:?}: unknown wire format {name:?} (expected {}, {last}, or a \
                 preset: {})",
                rest.join(", "),
                Preset::names().join(", ")
            ))
        })?;
        let own_limits = wire.format().fixed_size().is_none();
        let mut max = None;
        let mut empty_frames = true;
        for opt in parts {
            if own_limits && opt == "noempty" {
                empty_frames = false;
            } else if let Some(v) = opt.strip_prefix("max=").filter(|_| own_limits) {
                max = Some(v.parse::<u64>().map_err(|_| {
                    Error::new(format!("framing {s:?}: max={v:?} is not a whole number"))
                })?);
            } else if !wire.format_mut().set_option(s, opt)? {
                return Err(Error::new(format!(
                    "framing {s:?}: unknown option {opt:?} for {name} (expected {})",
                    wire.format().options_help()
                )));
            }
        }
        wire.format().finish(s)?;
        let framing = Framing::of(wire).with_empty_frames(empty_frames);
        let Some(given) = max else {
            return Ok(framing);
        };
        let v = framing
            .format()
            .max_to_body(given)
            .map_err(|e| Error::new(format!("framing {s:?}: {e}")))?;
        if v > framing.largest_payload() {
            return Err(Error::new(format!(
                "framing {s:?}: max={given} is more than {name} can describe ({})",
                framing.format().max_from_body(framing.largest_payload())
            )));
        }
        framing
            .check_max(v)
            .map_err(|e| Error::new(format!("framing {s:?}: max={given}: {e}")))?;
        Ok(framing.with_max_frame_len(v))
    }
}

#[cfg(test)]
mod tests;
