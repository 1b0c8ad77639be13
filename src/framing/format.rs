//! The [`Format`] trait: everything the harness needs to know about one wire format.
//!
//! A format is a small `Copy` value (its own options, such as a field width or a line policy)
//! that implements this trait. [`Framing`] pairs it with the limits every format shares (the
//! maximum frame length, whether empty frames are allowed) and forwards to it; nothing outside
//! the format's file matches on the format. The required methods are the ones no default can
//! answer: the name, the help text, the largest payload and the incremental header parse. The
//! defaults describe a header-delimited format (header, payload, optional fixed trailer) and
//! are the answers that are never wrong for one: no options, a zero-length header, no trailer.

use std::fmt;

use serde_json::{Map, Value};

use super::adversary::Adversary;
use super::json::FieldError;
use super::spec::{expect_headers, ErrorClass, Expectation, HeaderParse};
use super::{Framing, LineEof};
use crate::error::Error;

/// One wire format: its string form, its geometry, its encoder, its incremental header parse
/// and its whole-stream specification.
///
/// Six methods are required ([`name`](Format::name), [`options_help`](Format::options_help),
/// [`json_type`](Format::json_type), [`largest_payload`](Format::largest_payload),
/// [`parse_header`](Format::parse_header), [`adversaries`](Format::adversaries)); the
/// rest have defaults that fit a header-delimited format. Methods that depend on the shared
/// limits take the whole [`Framing`], whose [`max_frame_len`](Framing::max_frame_len) and
/// [`empty_frames`](Framing::empty_frames) they read.
///
/// The contract between the methods, which the harness's tests check for every built-in
/// format:
/// 1. [`encode_frame`](Format::encode_frame) writes exactly the frames that
///    [`expect`](Format::expect) reads back, and [`parse_header`](Format::parse_header) on a
///    frame it wrote answers `Frame` with [`header_len`](Format::header_len) header bytes.
/// 2. `parse_header` is incremental: given a prefix of a header it answers `NeedMore`, and its
///    `proven` count never goes down as bytes are added.
/// 3. The `Display` of a [`Framing`] (name, `:max=N`, then
///    [`fmt_options`](Format::fmt_options)) parses back to the same framing through
///    [`set_option`](Format::set_option).
pub trait Format: fmt::Debug + Send + Sync {
    /// The short name that starts the framing string, such as `u32be` or `lines`.
    fn name(&self) -> String;

    /// The options this format takes, for error messages: `"max=N, noempty and incl"`.
    fn options_help(&self) -> &'static str;

    /// The `"type"` of this format's `framing` object in vector files.
    fn json_type(&self) -> &'static str;

    /// Writes this format's own fields into its `framing` object in vector files (the shared
    /// `type` and `max_frame_len` are written already); they are read back by
    /// [`Registered::from_json`]. None by default.
    fn to_json(&self, _out: &mut Map<String, Value>) {}

    /// The flags a generated vector of this format carries for the format itself (`varint`,
    /// `little-endian`; `resync` when the vector's decoder recovers from an error). Each must
    /// have a note in the vectors' flag list. None by default.
    fn vector_flags(&self, _recovered: bool) -> Vec<&'static str> {
        Vec::new()
    }

    /// Writes this format's own options, each after a colon, as they follow `:max=N` in the
    /// canonical string (`:incl`, `:eof=emit:resync`). None by default.
    fn fmt_options(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }

    /// Applies one option of the framing string (`incl`, `eof=emit`): `Ok(true)` if it is
    /// this format's, `Ok(false)` if it is unknown, `Err` if it is this format's but its value
    /// is bad (`spec` is the whole string, for the message).
    fn set_option(&mut self, _spec: &str, _opt: &str) -> Result<bool, Error> {
        Ok(false)
    }

    /// Checks the options once they are all read (a required option that is missing).
    fn finish(&self, _spec: &str) -> Result<(), Error> {
        Ok(())
    }

    /// For a format whose frames all have one size: that size, which is then the maximum, and
    /// neither `max=` nor `noempty` applies. `None` by default.
    fn fixed_size(&self) -> Option<u64> {
        None
    }

    /// The payload maximum that a framing string's `max=N` means: `N` itself by default. A
    /// format whose maximum may count something else (a layout's `maxof=frame`) converts it,
    /// or says why no frame fits.
    fn max_to_body(&self, given: u64) -> Result<u64, String> {
        Ok(given)
    }

    /// The inverse of [`max_to_body`](Format::max_to_body), for the canonical string.
    fn max_from_body(&self, body: u64) -> u64 {
        body
    }

    /// The shortest payload a frame can have (0 by default; a layout whose adjustment or
    /// `strip` sets a shortest body answers that). A maximum below it leaves no valid frame.
    fn min_payload(&self) -> u64 {
        0
    }

    /// The largest payload the format can describe.
    fn largest_payload(&self) -> u64;

    /// The largest value the length field can hold (0 for formats without one).
    fn field_max(&self) -> u64 {
        0
    }

    /// Whether frames carry a length header.
    fn has_length_field(&self) -> bool {
        false
    }

    /// The header length of a frame with `payload_len` payload bytes.
    fn header_len(&self, _payload_len: u64) -> usize {
        0
    }

    /// The longest header the format has.
    fn max_header_len(&self) -> usize {
        0
    }

    /// Where the frame a decoder emits starts, counted from the frame's first byte, for a
    /// frame whose header is `header_len` bytes: after the header by default. A length-field
    /// layout that keeps (or strips more than) its header answers otherwise; the emitted frame
    /// always ends where the payload does, before any trailer.
    fn emit_start(&self, header_len: usize) -> usize {
        header_len
    }

    /// The bytes every frame ends with after its payload (a netstring's comma); none by
    /// default.
    fn trailer(&self) -> &[u8] {
        b""
    }

    /// What the trailer is called in reports (`"comma"`).
    fn trailer_name(&self) -> &'static str {
        "trailer"
    }

    /// Checks the trailer bytes that are there (`got`, possibly fewer than the whole trailer):
    /// `Err((i, why))` if `got[i]` is the first that is wrong.
    fn check_trailer(&self, got: &[u8]) -> Result<(), (usize, String)> {
        match got.iter().zip(self.trailer()).position(|(a, b)| a != b) {
            None => Ok(()),
            Some(i) => Err((
                i,
                format!(
                    "byte {:02x} where the {}'s byte {i} ({:02x}) goes",
                    got[i],
                    self.trailer_name(),
                    self.trailer()[i]
                ),
            )),
        }
    }

    /// The header bytes that carry the raw field value `value`, which is at most
    /// [`field_max`](Format::field_max). `None` for formats without a length field.
    fn header_for_field(&self, _value: u64) -> Option<Vec<u8>> {
        None
    }

    /// The header bytes for a payload of `payload_len` bytes, or `None` if the field cannot
    /// describe it. The default is the field value `payload_len`.
    fn header_for_payload(&self, framing: &Framing, payload_len: u64) -> Option<Vec<u8>> {
        framing.header_for_field(payload_len)
    }

    /// A message as this format can carry it, for generators (a newline in a line replaced).
    /// Unchanged by default.
    fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        message
    }

    /// Appends message `index` as one frame to `out`. The maximum and the empty-frame rule are
    /// checked before this is called. The default writes the header for its length, the
    /// message and the trailer.
    fn encode_frame(
        &self,
        framing: &Framing,
        index: usize,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let len = message.len() as u64;
        let header = framing
            .header_for_payload(len)
            .ok_or_else(|| Error::new(format!("message {index}: length {len} does not fit")))?;
        out.extend_from_slice(&header);
        out.extend_from_slice(message);
        out.extend_from_slice(self.trailer());
        Ok(())
    }

    /// Reads the header at the start of `avail`, which may hold less than a header or more.
    fn parse_header(&self, framing: &Framing, avail: &[u8]) -> HeaderParse;

    /// The adversarial streams of this format: the lengths, headers, delimiters and cuts that
    /// decoders get wrong. Formats with a length field build on
    /// [`header_adversaries`](super::header_adversaries). Required, so that a new format
    /// says what is hostile to it.
    fn adversaries(&self, framing: &Framing) -> Vec<Adversary>;

    /// Reads a complete header: the payload length it announces, or why it is invalid. The
    /// default reads it with [`parse_header`](Format::parse_header), and says that formats
    /// without a length field have no header to read.
    fn read_header(&self, framing: &Framing, header: &[u8]) -> Result<u64, (ErrorClass, String)> {
        if !self.has_length_field() {
            return Err((
                ErrorClass::MalformedHeader,
                format!("{} frames have no length header", self.name()),
            ));
        }
        match self.parse_header(framing, header) {
            HeaderParse::Frame { payload, .. } => Ok(payload),
            HeaderParse::Bad { class, why, .. } => Err((class, why)),
            HeaderParse::NeedMore { .. } => Err((
                ErrorClass::TruncatedAtEof,
                format!("an unfinished {} header", self.name()),
            )),
        }
    }

    /// The specification: what the whole stream `stream` must decode to. The default is the
    /// header-delimited parse, [`expect_headers`].
    fn expect(&self, framing: &Framing, stream: &[u8]) -> Expectation {
        expect_headers(framing, stream)
    }

    /// For lines, the EOF policy a decoder declares (`FrameDecoder::unterminated_line`);
    /// `None` for other formats.
    fn line_eof(&self) -> Option<LineEof> {
        None
    }

    /// Whether a decoder goes on after an error (`lines:resync`), for formats where that is a
    /// declared policy; `None` for formats where it is not.
    fn line_resync(&self) -> Option<bool> {
        None
    }
}

/// Sets `field` if `opt` is the flag `name`: for [`Format::set_option`].
pub fn set_flag(opt: &str, name: &str, field: &mut bool) -> bool {
    let hit = opt == name;
    *field |= hit;
    hit
}

/// Writes `:name` if `on`: for [`Format::fmt_options`].
pub fn write_flag(f: &mut fmt::Formatter<'_>, name: &str, on: bool) -> fmt::Result {
    if on {
        write!(f, ":{name}")?;
    }
    Ok(())
}

/// How a format is found by name: what the `formats!` list in `framing/mod.rs` needs of each
/// format it registers, beyond [`Format`].
pub trait Registered: Format + Copy + Sized {
    /// The names this format answers to at the start of a framing string, for help texts
    /// (`"u8, u16be, …"`).
    const NAMES: &'static str;

    /// The `"type"` of its `framing` object in vector files.
    const JSON_TYPE: &'static str;

    /// The fields of that object that are this format's own (not `type`, `max_frame_len`).
    const JSON_FIELDS: &'static [&'static str];

    /// The format a framing string's first part names, with default options; `None` if the
    /// name is not this format's.
    fn from_name(name: &str) -> Option<Self>;

    /// Reads the format's own fields of a vector file's `framing` object (the inverse of
    /// [`Format::to_json`]).
    fn from_json(o: &Map<String, Value>) -> Result<Self, FieldError>;
}
