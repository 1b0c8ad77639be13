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
use tokio_util::codec::{AnyDelimiterCodec, Decoder, FramedRead, LengthDelimitedCodec, LinesCodec};

use super::{Script, Scripted};
use crate::adapter::{FrameDecoder, Rejection};
use crate::bundled::Entry;
use crate::framing::{Endian, Framing, LineEof, Wire};

/// This module's decoders in the registry: `LengthDelimitedCodec`,
/// `AnyDelimiterCodec` and `LinesCodec`, each in a decode loop and through `FramedRead`.
pub fn entries() -> Vec<Entry> {
    // The profile each driver gives AnyDelimiterCodec: both emit an unterminated last line;
    // the decode loop goes on after an over-long line, FramedRead ends the stream there.
    fn lines(f: Framing, resync: bool) -> bool {
        matches!(f.wire(), Wire::Lines(l) if l.eof == LineEof::Emit && l.resync == resync)
    }
    vec![
        Entry::adapter(
            "tokio-util07-decode",
            "tokio-util 0.7 LengthDelimitedCodec (decode loop)",
            |f| length_delimited(f).map(|c| DecodeLoop::new(c, |b| b.to_vec())),
        )
        .rank(10),
        Entry::adapter(
            "tokio-util07-framed",
            "tokio-util 0.7 LengthDelimitedCodec (FramedRead)",
            |f| length_delimited(f).map(|c| FramedReadDriver::new(c, |b| b.to_vec())),
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

/// A `LengthDelimitedCodec` configured for `framing`: its width and byte order, its maximum
/// frame length, and a length adjustment of minus the width when the length counts the header.
/// `None` for framings it cannot express (a varint).
///
/// tokio-util checks `max_frame_length` against the length field *before* applying the
/// adjustment (<https://github.com/tokio-rs/tokio/issues/4815>), so with a header-counting
/// length the codec is given the field value that a maximum-size payload has: max + width.
/// That is the configuration a user would need for the payload limit the framing declares.
pub fn length_delimited(framing: Framing) -> Option<LengthDelimitedCodec> {
    let Wire::LengthPrefix(lp) = framing.wire() else {
        return None;
    };
    let field_max = if lp.includes_header {
        framing.max_frame_len().saturating_add(lp.width as u64)
    } else {
        framing.max_frame_len()
    };
    let mut b = LengthDelimitedCodec::builder();
    b.length_field_length(lp.width as usize)
        .max_frame_length(usize::try_from(field_max).unwrap_or(usize::MAX));
    if lp.endian == Endian::Little {
        b.little_endian();
    } else {
        b.big_endian();
    }
    if lp.includes_header {
        b.length_adjustment(-(lp.width as isize));
    }
    Some(b.new_codec())
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
