//! actix-codec 0.5's own `Framed` driver under test, around a tokio-util codec.
//!
//! actix-codec re-exports tokio-util's `Decoder` trait but drives it with its own read loop
//! (`Framed::next_item`: `decode` while readable, `decode_eof` once the reader returned 0), so
//! the same codec can behave differently under it than under tokio-util's `FramedRead`, most
//! visibly after an error: actix's `Framed` goes on decoding, where `FramedRead` ends the
//! stream. [`FramedDriver`] runs it over a scripted `AsyncRead + AsyncWrite` that returns
//! exactly the schedule's chunks, then `Pending`.
//!
//! ```
//! use framecheck::adapters::actix_codec05::FramedDriver;
//! use framecheck::adapters::tokio_util07::length_delimited;
//! use framecheck::{Framing, Suite};
//!
//! let framing: Framing = "u32be:max=1000".parse().unwrap();
//! let report = Suite::new(framing)
//!     .random_cases(20)
//!     .run(move || FramedDriver::new(length_delimited(framing).unwrap(), |b| b.to_vec()));
//! assert!(report.total > 0);
//! ```

use std::fmt::Display;
use std::pin::Pin;

use actix_codec::{Decoder, Framed};

use super::tokio_util07::{any_delimiter, length_delimited, ScriptedReader};
use super::Scripted;
use crate::adapter::{FrameDecoder, Rejection};
use crate::bundled::Entry;
use crate::framing::{LineEof, Wire};

/// This module's decoders in the registry: tokio-util's
/// `LengthDelimitedCodec` and `AnyDelimiterCodec` inside actix's `Framed`.
pub fn entries() -> Vec<Entry> {
    vec![
        Entry::adapter(
            "actix-codec05-length",
            "actix-codec 0.5 Framed + tokio-util LengthDelimitedCodec",
            |f| length_delimited(f).map(|c| FramedDriver::new(c, |b| b.to_vec())),
        )
        .rank(40),
        Entry::adapter(
            "actix-codec05-lines",
            "actix-codec 0.5 Framed + tokio-util AnyDelimiterCodec `\\n`",
            |f| {
                // actix's Framed goes on decoding after an error: the codec's own recovery.
                let profile =
                    matches!(f.wire(), Wire::Lines(l) if l.eof == LineEof::Emit && l.resync);
                any_delimiter(f)
                    .filter(|_| profile)
                    .map(|c| FramedDriver::new(c, |b| b.to_vec()))
            },
        )
        .rank(40),
    ]
}

/// A tokio-util `Decoder` inside actix-codec's `Framed`, over a scripted reader.
pub struct FramedDriver<D: Decoder>(Scripted<Pin<Box<Framed<ScriptedReader, D>>>, D::Item>);

impl<D: Decoder> FramedDriver<D> {
    /// Drives `decoder` through `Framed`; `to_vec` turns an item into the frame's bytes.
    pub fn new(decoder: D, to_vec: fn(D::Item) -> Vec<u8>) -> Self {
        FramedDriver(Scripted::new(
            |script| Box::pin(Framed::new(ScriptedReader(script), decoder)),
            to_vec,
        ))
    }
}

impl<D> FrameDecoder for FramedDriver<D>
where
    D: Decoder,
    D::Error: Display,
{
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0
            .call(Some(chunk), frames, |f, cx| f.as_mut().next_item(cx))
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.0.call(None, frames, |f, cx| f.as_mut().next_item(cx))
    }
}
