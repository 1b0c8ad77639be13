//! tokio-util 0.7 codecs under test, two ways.
//!
//! - [`DecodeLoop`] calls `Decoder::decode` until it returns `None` after each chunk, and
//!   `decode_eof` until it returns `None` at EOF: the decoder alone.
//! - [`FramedReadDriver`] runs the real `FramedRead` over a scripted `AsyncRead` that returns
//!   exactly the schedule's chunks and then `Pending` until the next one; EOF is a read of zero
//!   bytes. Several real bugs live in the driver rather than in `decode` (how it treats EOF,
//!   what it does after an error), which only this way exposes.
//!
//! ```
//! use framecheck::adapters::tokio_util07::{length_delimited, DecodeLoop, FramedReadDriver};
//! use framecheck::{Framing, Suite};
//!
//! let framing: Framing = "u32be:max=1000".parse().unwrap();
//! let codec = move || length_delimited(framing).unwrap();
//! let direct = Suite::new(framing).random_cases(20).run(move || DecodeLoop::new(codec(), |b| b.to_vec()));
//! let framed = Suite::new(framing).random_cases(20).run(move || FramedReadDriver::new(codec(), |b| b.to_vec()));
//! assert!(direct.total > 0 && framed.total > 0);
//! ```

use std::cell::RefCell;
use std::fmt::Display;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::BytesMut;
use futures_core::Stream as _;
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::codec::length_delimited::Builder;
use tokio_util::codec::{AnyDelimiterCodec, Decoder, FramedRead, LengthDelimitedCodec, LinesCodec};

use super::{Script, Scripted};
use crate::adapter::{FrameDecoder, Rejection};
use crate::bundled::Entry;
use crate::framing::{Endian, Format, Framing, LineEof, Wire};

/// This module's decoders in the registry: `LengthDelimitedCodec` (for length prefixes and
/// layouts, see [`field_codec`]), `AnyDelimiterCodec` and `LinesCodec`, each in a decode loop
/// and through `FramedRead`; and `LengthDelimitedCodec` with the naive maximum
/// ([`naive_max_codec`]) in a decode loop.
pub fn entries() -> Vec<Entry> {
    // The profile each driver gives AnyDelimiterCodec: both emit an unterminated last line;
    // the decode loop goes on after an over-long line, FramedRead ends the stream there.
    fn lines(f: Framing, resync: bool) -> bool {
        matches!(f.wire(), Wire::Lines(l) if l.eof == LineEof::Emit && l.resync == resync)
    }
    fn around(f: Framing) -> Option<FieldCodec> {
        field_codec(f, MaxFrameLength::FieldOfMaxBody)
    }
    vec![
        Entry::adapter(
            "tokio-util07-decode",
            "tokio-util 0.7 LengthDelimitedCodec (decode loop)",
            |f| around(f).map(|c| DecodeLoop::new(c, |b| b.to_vec())),
        )
        .rank(10),
        Entry::adapter(
            "tokio-util07-framed",
            "tokio-util 0.7 LengthDelimitedCodec (FramedRead)",
            |f| around(f).map(|c| FramedReadDriver::new(c, |b| b.to_vec())),
        )
        .rank(10),
        // The same codec with `max_frame_length` set to the body maximum: tokio-rs/tokio#4815
        // as a finding of its own, where the adjustment is not zero.
        Entry::adapter(
            "tokio-util07-naive-max",
            "tokio-util 0.7 LengthDelimitedCodec, max_frame_length = the body maximum (decode loop)",
            |f| naive_max_codec(f).map(|c| DecodeLoop::new(c, |b| b.to_vec())),
        )
        .rank(10),
        Entry::adapter(
            "tokio-util07-lines-decode",
            "tokio-util 0.7 AnyDelimiterCodec `\\n` (decode loop)",
            |f| {
                any_delimiter(f)
                    .filter(|_| lines(f, true))
                    .map(|c| DecodeLoop::new(c, |b| b.to_vec()))
            },
        )
        .rank(30),
        Entry::adapter(
            "tokio-util07-lines-framed",
            "tokio-util 0.7 AnyDelimiterCodec `\\n` (FramedRead)",
            |f| {
                any_delimiter(f)
                    .filter(|_| lines(f, false))
                    .map(|c| FramedReadDriver::new(c, |b| b.to_vec()))
            },
        )
        .rank(30),
        // LinesCodec: the decode loop goes on after an error (`:resync`); FramedRead ends the
        // stream there.
        Entry::adapter(
            "tokio-util07-linescodec-decode",
            "tokio-util 0.7 LinesCodec (decode loop)",
            |f| {
                lines_codec(f)
                    .filter(|_| f.resyncs())
                    .map(|c| DecodeLoop::new(c, String::into_bytes))
            },
        )
        .rank(30),
        Entry::adapter(
            "tokio-util07-linescodec-framed",
            "tokio-util 0.7 LinesCodec (FramedRead)",
            |f| {
                lines_codec(f)
                    .filter(|_| !f.resyncs())
                    .map(|c| FramedReadDriver::new(c, String::into_bytes))
            },
        )
        .rank(30),
    ]
}

/// What a `LengthDelimitedCodec`'s `max_frame_length` is set to.
///
/// tokio-util compares `max_frame_length` with the raw field value, *before* the length
/// adjustment (tokio-rs/tokio#4815). A framing's maximum bounds the body, after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxFrameLength {
    /// The field value a body of the maximum length has: the framing's maximum minus the body
    /// adjustment. That configures around #4815; it is what a user needs for the limit the
    /// framing declares.
    FieldOfMaxBody,
    /// The framing's body maximum itself, as a user who reads `max_frame_length` as "the
    /// longest frame" writes it. With a negative adjustment the codec then refuses valid
    /// frames; with a positive one it passes frames over the maximum.
    BodyMax,
}

/// A `LengthDelimitedCodec` configured for a length-prefix framing (`u32be:…`): its width and
/// byte order, its maximum frame length, and a length adjustment of minus the width when the
/// length counts the header. `None` for other framings (see [`field_codec`] for layouts).
///
/// tokio-util checks `max_frame_length` against the length field *before* applying the
/// adjustment (tokio-rs/tokio#4815), so with a header-counting length the codec is given the
/// field value that a maximum-size payload has: max + width
/// ([`MaxFrameLength::FieldOfMaxBody`]).
pub fn length_delimited(framing: Framing) -> Option<LengthDelimitedCodec> {
    let Wire::LengthPrefix(_) = framing.wire() else {
        return None;
    };
    builder(framing, MaxFrameLength::FieldOfMaxBody).map(|(b, _)| b.new_codec())
}

/// A `LengthDelimitedCodec` configured through its builder for a length prefix or a
/// length-field layout (`field:…` and the presets that expand to one), with `max` choosing
/// what `max_frame_length` is. `None` for what the builder cannot express.
///
/// A layout maps onto the builder one to one: `offset` is `length_field_offset`, `width` is
/// `length_field_length` (3 included), `le` is `little_endian`, `strip` is `num_skip`, and
/// tokio-util's `length_adjustment` counts from the end of the `num_skip` bytes, so it is the
/// body adjustment plus `offset + width - strip`. A trailer (AMQP's frame-end byte) the builder
/// has no word for: the codec is given an adjustment that counts it as part of the frame, and
/// [`FieldCodec`] itself (adapter code, not tokio-util's) checks the trailer bytes at the end of
/// each frame and drops them. That is only sound when no field value makes the body negative
/// and nothing past the header is stripped, so a layout with a trailer and a negative
/// adjustment or `strip` past the header gets `None`, as does a framing that refuses empty
/// bodies (`noempty`), which the codec cannot refuse.
pub fn field_codec(framing: Framing, max: MaxFrameLength) -> Option<FieldCodec> {
    let (b, trailer) = builder(framing, max)?;
    Some(FieldCodec {
        codec: b.new_codec(),
        trailer,
    })
}

/// [`field_codec`] with `max_frame_length` set to the body maximum, for a framing where that
/// bounds the field differently from the field value of a maximum body (a non-zero adjustment,
/// and a maximum below the field's largest value): the codec as it is configured without
/// knowing tokio-rs/tokio#4815. `None` where the two bound the field alike, since the row
/// would repeat [`MaxFrameLength::FieldOfMaxBody`]'s.
pub fn naive_max_codec(framing: Framing) -> Option<FieldCodec> {
    let s = shape(framing)?;
    let top = if s.width < 8 {
        (1i128 << (8 * s.width)) - 1
    } else {
        i128::from(u64::MAX)
    };
    let around = field_max(framing, &s, MaxFrameLength::FieldOfMaxBody).min(top);
    let naive = field_max(framing, &s, MaxFrameLength::BodyMax).min(top);
    if around == naive {
        return None;
    }
    field_codec(framing, MaxFrameLength::BodyMax)
}

/// The shape of a length field as the builder sees it, and the trailer the adapter checks.
struct Shape {
    offset: usize,
    width: usize,
    little: bool,
    /// Netty's meaning: the field plus it is the body.
    body_adjust: i128,
    strip: usize,
    trailer: Vec<u8>,
}

fn shape(framing: Framing) -> Option<Shape> {
    match framing.wire() {
        Wire::LengthPrefix(lp) => Some(Shape {
            offset: 0,
            width: lp.width as usize,
            little: lp.endian == Endian::Little,
            body_adjust: if lp.includes_header {
                -i128::from(lp.width)
            } else {
                0
            },
            strip: lp.width as usize,
            trailer: Vec::new(),
        }),
        Wire::Layout(l) => {
            let trailer = Format::trailer(&l).to_vec();
            let s = Shape {
                offset: l.offset as usize,
                width: l.width as usize,
                little: l.endian == Endian::Little,
                body_adjust: l.body_adjust(),
                strip: l.strip_at(),
                trailer,
            };
            // The adapter checks a trailer once tokio-util hands it the whole frame: a trailer of
            // more than one byte would be checked later than its first wrong byte is due, and
            // that lateness would be the adapter's, not tokio-util's.
            let sound = s.trailer.is_empty()
                || (s.trailer.len() == 1 && s.body_adjust >= 0 && s.strip <= s.head());
            (sound && framing.empty_frames()).then_some(s)
        }
        _ => None,
    }
}

impl Shape {
    fn head(&self) -> usize {
        self.offset + self.width
    }
}

/// The `max_frame_length` `max` gives (never negative).
fn field_max(framing: Framing, s: &Shape, max: MaxFrameLength) -> i128 {
    let body_max = i128::from(framing.max_frame_len());
    match max {
        MaxFrameLength::FieldOfMaxBody => (body_max - s.body_adjust).max(0),
        MaxFrameLength::BodyMax => body_max,
    }
}

/// The builder for `framing`, and the trailer the adapter checks.
fn builder(framing: Framing, max: MaxFrameLength) -> Option<(Builder, Vec<u8>)> {
    let s = shape(framing)?;
    let max_frame_length = usize::try_from(field_max(framing, &s, max)).unwrap_or(usize::MAX);
    let tokio_adjust = s.body_adjust + s.head() as i128 - s.strip as i128 + s.trailer.len() as i128;
    let mut b = LengthDelimitedCodec::builder();
    b.length_field_offset(s.offset)
        .length_field_length(s.width)
        .length_adjustment(isize::try_from(tokio_adjust).ok()?)
        .num_skip(s.strip)
        .max_frame_length(max_frame_length);
    if s.little {
        b.little_endian();
    } else {
        b.big_endian();
    }
    Some((b, s.trailer))
}

/// A `LengthDelimitedCodec`, and the trailer bytes that end each of its frames (none but for
/// a layout with `trailer=`): the adapter checks them and drops them from the frame. A wrong
/// trailer byte is an `InvalidData` error when the frame completes, which is the trailer's
/// last byte.
pub struct FieldCodec {
    codec: LengthDelimitedCodec,
    trailer: Vec<u8>,
}

impl Decoder for FieldCodec {
    type Item = BytesMut;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> std::io::Result<Option<BytesMut>> {
        let Some(mut frame) = self.codec.decode(src)? else {
            return Ok(None);
        };
        // The codec's frame counts the trailer (`builder` adds it to the adjustment), and no
        // frame is shorter than it (`shape` refuses layouts where the body could be negative).
        let end = frame.len() - self.trailer.len();
        if frame[end..] != self.trailer[..] {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "frame ends with {:02x?}, not the trailer {:02x?}",
                    &frame[end..],
                    self.trailer
                ),
            ));
        }
        frame.truncate(end);
        Ok(Some(frame))
    }
}

/// An `AnyDelimiterCodec` splitting at `0a` with the framing's maximum line length, for a
/// lines framing (`None` for others). It emits an unterminated last line at EOF and, driven
/// directly, goes on after an over-long line from the next newline: the profile is
/// `lines:max=N:eof=emit:resync` (through `FramedRead`, which ends the stream at an error,
/// `lines:max=N:eof=emit`).
pub fn any_delimiter(framing: Framing) -> Option<AnyDelimiterCodec> {
    // Bytes, not text, and a `\r` is part of the line.
    let Wire::Lines(l) = framing.wire() else {
        return None;
    };
    if l.text || l.crlf {
        return None;
    }
    let max = usize::try_from(framing.max_frame_len()).unwrap_or(usize::MAX);
    Some(AnyDelimiterCodec::new_with_max_length(
        b"\n".to_vec(),
        b"\n".to_vec(),
        max,
    ))
}

/// A `LinesCodec` with the framing's maximum line length, for a lines framing that declares
/// what it does: UTF-8 text, a `\r` before the newline stripped (and counted against the
/// maximum), an unterminated last line emitted at EOF (`lines:max=N:eof=emit:text:crlf`, plus
/// `:resync` when driven directly). `None` for other framings.
pub fn lines_codec(framing: Framing) -> Option<LinesCodec> {
    let Wire::Lines(l) = framing.wire() else {
        return None;
    };
    if !(l.text && l.crlf && l.eof == LineEof::Emit) {
        return None;
    }
    let max = usize::try_from(framing.max_frame_len()).unwrap_or(usize::MAX);
    Some(LinesCodec::new_with_max_length(max))
}

/// A tokio-util `Decoder` driven directly: `decode` in a loop per chunk, `decode_eof` at EOF.
pub struct DecodeLoop<D: Decoder> {
    decoder: D,
    buf: BytesMut,
    to_vec: fn(D::Item) -> Vec<u8>,
}

impl<D: Decoder> DecodeLoop<D> {
    /// Drives `decoder`; `to_vec` turns an item into the frame's bytes.
    pub fn new(decoder: D, to_vec: fn(D::Item) -> Vec<u8>) -> Self {
        DecodeLoop {
            decoder,
            buf: BytesMut::new(),
            to_vec,
        }
    }
}

impl<D> FrameDecoder for DecodeLoop<D>
where
    D: Decoder,
    D::Error: Display,
{
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(item)) => frames.push((self.to_vec)(item)),
                Ok(None) => return Ok(()),
                Err(e) => return Err(Rejection::new(e)),
            }
        }
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        loop {
            match self.decoder.decode_eof(&mut self.buf) {
                Ok(Some(item)) => frames.push((self.to_vec)(item)),
                Ok(None) => return Ok(()),
                Err(e) => return Err(Rejection::new(e)),
            }
        }
    }
}

/// An `AsyncRead` that returns exactly the scripted chunks (a chunk larger than the caller's
/// buffer is returned over several reads), `Pending` when it has none, and EOF once told. As an
/// `AsyncWrite` (for drivers of both directions, such as actix-codec's `Framed`) it accepts and
/// drops everything.
pub(crate) struct ScriptedReader(pub(crate) Rc<RefCell<Script>>);

impl AsyncRead for ScriptedReader {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // The driver polls again after each chunk, so no waker needs registering. Only what is
        // copied is initialized: a codec may have reserved gigabytes after a hostile header,
        // and zeroing them all would be the harness's slowness, not the decoder's.
        let mut script = self.0.borrow_mut();
        let want = script.next_len().unwrap_or(0).min(buf.remaining());
        match script.read(buf.initialize_unfilled_to(want)) {
            Some(n) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            None => Poll::Pending,
        }
    }
}

impl tokio::io::AsyncWrite for ScriptedReader {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A tokio-util `Decoder` inside the real `FramedRead`, over a scripted reader.
pub struct FramedReadDriver<D: Decoder>(Scripted<FramedRead<ScriptedReader, D>, D::Item>);

impl<D: Decoder> FramedReadDriver<D> {
    /// Drives `decoder` through `FramedRead`; `to_vec` turns an item into the frame's bytes.
    pub fn new(decoder: D, to_vec: fn(D::Item) -> Vec<u8>) -> Self {
        FramedReadDriver(Scripted::new(
            |script| FramedRead::new(ScriptedReader(script), decoder),
            to_vec,
        ))
    }
}

impl<D> FrameDecoder for FramedReadDriver<D>
where
    D: Decoder,
    D::Error: Display + From<std::io::Error>,
{
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0
            .call(Some(chunk), frames, |f, cx| Pin::new(f).poll_next(cx))
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0.call(None, frames, |f, cx| Pin::new(f).poll_next(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::layout::examples::{NETTY, TOKIO};
    use crate::Suite;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn the_builder_decodes_every_worked_example_as_its_documentation_shows() {
        // The mapping of a layout onto the builder (offset, 3-byte fields, the adjustment
        // translated to tokio-util's base, num_skip), checked against both libraries' examples.
        for e in NETTY.iter().chain(TOKIO) {
            let framing: Framing = e.framing.parse().unwrap();
            let mut codec = field_codec(framing, MaxFrameLength::FieldOfMaxBody)
                .unwrap_or_else(|| panic!("{}: not expressible", e.id));
            let mut buf = BytesMut::from(&hex(e.input)[..]);
            let frame = codec.decode(&mut buf).unwrap().expect("a whole frame");
            assert_eq!(frame[..], hex(e.decoded)[..], "{}", e.id);
            assert!(buf.is_empty(), "{}", e.id);
        }
    }

    #[test]
    fn amqp_frames_lose_their_checked_trailer() {
        let amqp: Framing = "amqp".parse().unwrap();
        let mut codec = field_codec(amqp, MaxFrameLength::FieldOfMaxBody).unwrap();
        let mut buf = BytesMut::from(&hex("01000100000002abcdce")[..]);
        assert_eq!(
            codec.decode(&mut buf).unwrap().unwrap()[..],
            hex("01000100000002abcd")
        );
        let mut bad = BytesMut::from(&hex("01000100000002abcd00")[..]);
        assert!(codec.decode(&mut bad).is_err());
        assert!(Suite::new(amqp)
            .random_cases(50)
            .run(move || DecodeLoop::new(
                field_codec(amqp, MaxFrameLength::FieldOfMaxBody).unwrap(),
                |b| b.to_vec()
            ))
            .is_pass());
    }

    #[test]
    fn without_the_trailer_check_the_suite_catches_a_wrong_frame_end() {
        // The codec alone, with the trailer counted in the adjustment but not checked: what the
        // adapter's check is there for. A wrong frame-end byte passes, and the emitted frames
        // carry the trailer.
        let amqp: Framing = "amqp".parse().unwrap();
        let report = Suite::new(amqp).random_cases(20).run(move || {
            let (b, _) = builder(amqp, MaxFrameLength::FieldOfMaxBody).unwrap();
            DecodeLoop::new(
                FieldCodec {
                    codec: b.new_codec(),
                    trailer: Vec::new(),
                },
                |b| b.to_vec(),
            )
        });
        assert!(!report.is_pass());
    }

    #[test]
    fn the_naive_row_exists_only_where_the_two_maxima_differ() {
        for (framing, naive) in [
            ("u32be:max=1024", false),
            ("u32be:max=1024:incl", true),
            ("postgres", true),
            ("http2", true),
            ("mysql", false),
            ("amqp", false),
            ("dns", false),
        ] {
            let f: Framing = framing.parse().unwrap();
            assert_eq!(naive_max_codec(f).is_some(), naive, "{framing}");
        }
    }

    #[test]
    fn layouts_the_builder_cannot_express_get_none() {
        for framing in [
            "field:width=2:adjust=-2:trailer=ce",
            "field:width=2:strip=3:trailer=ce",
            "field:width=2:noempty",
            "varint:max=1024",
        ] {
            let f: Framing = framing.parse().unwrap();
            assert!(
                field_codec(f, MaxFrameLength::FieldOfMaxBody).is_none(),
                "{framing}"
            );
        }
    }
}
