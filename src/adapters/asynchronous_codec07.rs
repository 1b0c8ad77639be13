//! asynchronous-codec 0.7 (the codec crate of the `futures` I/O traits) under test, two ways.
//!
//! - [`DecodeLoop`] calls `Decoder::decode` until it returns `None` after each chunk and
//!   `decode_eof` at EOF, then applies the end-of-stream rule of asynchronous-codec's own
//!   `FramedRead`: bytes left over at EOF are an error ("bytes remaining in stream"). The rule
//!   lives in the driver, not in the `Decoder` (whose `decode_eof` defaults to `decode`), so a
//!   loop without it would charge the codec with a driver's duty.
//! - [`FramedReadDriver`] runs the real `asynchronous_codec::FramedRead` over a scripted
//!   `futures::AsyncRead` that returns exactly the schedule's chunks, then `Pending`.
//!
//! `LinesCodec` is declared as [`lines_codec_framing`]. The serde codecs decode user framings
//! (`framing::user`): `CborCodec` a CBOR sequence ([`cbor_codec_framing`]), `JsonCodec`
//! whitespace-separated JSON values, run as newline-delimited JSON and as RFC 7464 JSON text
//! sequences ([`json_codec_framings`]). Each item is written back (CBOR, compact JSON) to be
//! compared with the message, which the user framing made in that form.
//!
//! `LengthCodec` is a `u64` big-endian length prefix **with no maximum**: its profile is
//! `u64be:max=18446744073709551615`, so a hostile header is not an error for it, only a frame
//! that never completes (and a truncated one at EOF). A peer can make it buffer without bound;
//! that is by design, and the matrix says so rather than failing it against a maximum it never
//! claimed.
//!
//! ```
//! use framecheck::adapters::asynchronous_codec07::{length_codec_framing, DecodeLoop};
//! use framecheck::Suite;
//!
//! let framing = length_codec_framing();
//! let report = Suite::new(framing)
//!     .random_cases(20)
//!     .run(|| DecodeLoop::new(asynchronous_codec::LengthCodec, |b| b.to_vec()));
//! assert!(report.is_pass());
//! ```

use std::cell::RefCell;
use std::fmt::Display;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use asynchronous_codec::{Decoder, FramedRead};
use bytes::BytesMut;
use futures_core::Stream as _;
use futures_io::AsyncRead;

use super::{Script, Scripted};
use crate::adapter::{FrameDecoder, Rejection};
use crate::bundled::Entry;
use crate::framing::{Endian, Framing};

/// This module's decoders in the registry: `LengthCodec` and `LinesCodec`,
/// each in a decode loop and through `FramedRead`, for the one framing each decodes.
pub fn entries() -> Vec<Entry> {
    use asynchronous_codec::{LengthCodec, LinesCodec};
    vec![
        Entry::adapter(
            "asynchronous-codec07-decode",
            "asynchronous-codec 0.7 LengthCodec (decode loop)",
            |f| (f == length_codec_framing()).then(|| DecodeLoop::new(LengthCodec, |b| b.to_vec())),
        )
        .rank(50),
        Entry::adapter(
            "asynchronous-codec07-lines-decode",
            "asynchronous-codec 0.7 LinesCodec (decode loop)",
            |f| (f == lines_codec_framing()).then(|| DecodeLoop::new(LinesCodec, line_to_vec)),
        )
        .rank(50),
        Entry::adapter(
            "asynchronous-codec07-lines-framed",
            "asynchronous-codec 0.7 LinesCodec (FramedRead)",
            |f| {
                (f == lines_codec_framing()).then(|| FramedReadDriver::new(LinesCodec, line_to_vec))
            },
        )
        .rank(50),
        Entry::adapter(
            "asynchronous-codec07-framed",
            "asynchronous-codec 0.7 LengthCodec (FramedRead)",
            |f| {
                (f == length_codec_framing())
                    .then(|| FramedReadDriver::new(LengthCodec, |b| b.to_vec()))
            },
        )
        .rank(50),
        Entry::adapter(
            "asynchronous-codec07-cbor-decode",
            "asynchronous-codec 0.7 CborCodec (decode loop)",
            |f| (f == cbor_codec_framing()).then(|| DecodeLoop::new(CborCodec::new(), cbor_to_vec)),
        )
        .rank(51),
        Entry::adapter(
            "asynchronous-codec07-cbor-framed",
            "asynchronous-codec 0.7 CborCodec (FramedRead)",
            |f| {
                (f == cbor_codec_framing())
                    .then(|| FramedReadDriver::new(CborCodec::new(), cbor_to_vec))
            },
        )
        .rank(51),
        Entry::adapter(
            "asynchronous-codec07-json-decode",
            "asynchronous-codec 0.7 JsonCodec (decode loop)",
            |f| {
                json_codec_framings()
                    .contains(&f)
                    .then(|| DecodeLoop::new(JsonCodec::new(), json_to_vec))
            },
        )
        .rank(51),
        Entry::adapter(
            "asynchronous-codec07-json-framed",
            "asynchronous-codec 0.7 JsonCodec (FramedRead)",
            |f| {
                json_codec_framings()
                    .contains(&f)
                    .then(|| FramedReadDriver::new(JsonCodec::new(), json_to_vec))
            },
        )
        .rank(51),
    ]
}

/// `CborCodec<Value, Value>`: decodes one CBOR data item at a time into a `serde_cbor::Value`.
type CborCodec = asynchronous_codec::CborCodec<serde_cbor::Value, serde_cbor::Value>;

/// `JsonCodec<Value, Value>`: decodes one whitespace-separated JSON value at a time, with
/// serde_json's streaming deserializer.
type JsonCodec = asynchronous_codec::JsonCodec<serde_json::Value, serde_json::Value>;

/// What `CborCodec` decodes: a CBOR sequence (`cbor-seq`, a user framing, with its default
/// maximum; the codec has none).
pub fn cbor_codec_framing() -> Framing {
    "cbor-seq".parse().expect("cbor-seq is registered")
}

/// The framings `JsonCodec` is run under: newline-delimited JSON (`ndjson`), what a reader
/// of whitespace-separated values is made for, and RFC 7464's JSON text sequences
/// (`json-seq`), which it does not read (a row of its own, pinned as a finding).
pub fn json_codec_framings() -> [Framing; 2] {
    [
        "ndjson".parse().expect("ndjson is registered"),
        "json-seq".parse().expect("json-seq is registered"),
    ]
}

/// `CborCodec`'s item as a frame: the value written back as CBOR (the user framing's messages
/// are items in the form serde_cbor writes, so a value decoded right is written back byte for
/// byte).
pub fn cbor_to_vec(v: serde_cbor::Value) -> Vec<u8> {
    serde_cbor::to_vec(&v).unwrap_or_default()
}

/// `JsonCodec`'s item as a frame: the value written back as compact JSON.
pub fn json_to_vec(v: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap_or_default()
}

/// What `LengthCodec` decodes: a `u64` big-endian length, no maximum.
pub fn length_codec_framing() -> Framing {
    Framing::length_prefix(8, Endian::Big).with_max_frame_len(u64::MAX)
}

/// What `LinesCodec` decodes: UTF-8 lines with **no maximum**, each item ending with its
/// newline (the adapter drops it: see [`line_to_vec`]), and a `\r` kept. It goes on after a
/// line that is not UTF-8 (the line is consumed before the check), and leaves an unterminated
/// last line in the buffer, which `FramedRead` reports: `lines:max=18446744073709551615:resync:text`.
pub fn lines_codec_framing() -> Framing {
    Framing::lines()
        .with_max_frame_len(u64::MAX)
        .with_resync(true)
        .with_text(true)
}

/// `LinesCodec`'s item as a frame: the line without the newline it ends with.
pub fn line_to_vec(line: String) -> Vec<u8> {
    let mut bytes = line.into_bytes();
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    bytes
}

/// An asynchronous-codec `Decoder` driven directly, with `FramedRead`'s end-of-stream rule.
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
                Ok(None) if self.buf.is_empty() => return Ok(()),
                // FramedRead: "bytes remaining in stream".
                Ok(None) => {
                    return Err(Rejection::new(format!(
                        "{} bytes remaining in stream",
                        self.buf.len()
                    )))
                }
                Err(e) => return Err(Rejection::new(e)),
            }
        }
    }
}

/// A `futures::AsyncRead` over the script: its chunks, `Pending` when there is none, then EOF.
struct ScriptedReader(Rc<RefCell<Script>>);

impl AsyncRead for ScriptedReader {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        // The driver polls again after each chunk, so no waker needs registering.
        match self.0.borrow_mut().read(buf) {
            Some(n) => Poll::Ready(Ok(n)),
            None => Poll::Pending,
        }
    }
}

/// An asynchronous-codec `Decoder` inside its real `FramedRead`, over a scripted reader.
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
    D::Error: Display,
{
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0
            .call(Some(chunk), frames, |f, cx| Pin::new(f).poll_next(cx))
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0.call(None, frames, |f, cx| Pin::new(f).poll_next(cx))
    }
}
