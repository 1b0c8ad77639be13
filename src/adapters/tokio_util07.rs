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
use std::collections::VecDeque;
use std::fmt::Display;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use bytes::BytesMut;
use futures_core::Stream as _;
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::codec::{Decoder, FramedRead, LengthDelimitedCodec};

use crate::adapter::{FrameDecoder, Rejection};
use crate::framing::{Endian, Framing, Wire};

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

/// What the scripted reader will return: the chunks not yet read, then EOF once set.
#[derive(Default)]
struct Script {
    chunks: VecDeque<Vec<u8>>,
    eof: bool,
}

/// An `AsyncRead` that returns exactly the scripted chunks (a chunk larger than the caller's
/// buffer is returned over several reads), `Pending` when it has none, and EOF once told.
struct ScriptedReader(Rc<RefCell<Script>>);

impl AsyncRead for ScriptedReader {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let mut script = self.0.borrow_mut();
        let Some(front) = script.chunks.front_mut() else {
            // The driver polls again after each chunk, so no waker needs registering.
            return if script.eof {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            };
        };
        let n = front.len().min(buf.remaining());
        buf.put_slice(&front[..n]);
        front.drain(..n);
        if front.is_empty() {
            script.chunks.pop_front();
        }
        Poll::Ready(Ok(()))
    }
}

/// How many polls one call may take before the driver gives up on a `FramedRead` that keeps
/// returning frames or never settles (each poll consumes input or yields a frame).
const MAX_POLLS: usize = 1 << 20;

/// A tokio-util `Decoder` inside the real `FramedRead`, over a scripted reader.
pub struct FramedReadDriver<D: Decoder> {
    framed: FramedRead<ScriptedReader, D>,
    script: Rc<RefCell<Script>>,
    to_vec: fn(D::Item) -> Vec<u8>,
    done: bool,
}

impl<D: Decoder> FramedReadDriver<D> {
    /// Drives `decoder` through `FramedRead`; `to_vec` turns an item into the frame's bytes.
    pub fn new(decoder: D, to_vec: fn(D::Item) -> Vec<u8>) -> Self {
        let script = Rc::new(RefCell::new(Script::default()));
        FramedReadDriver {
            framed: FramedRead::new(ScriptedReader(script.clone()), decoder),
            script,
            to_vec,
            done: false,
        }
    }

    /// Polls until the stream is `Pending` (more input needed) or ends.
    fn pump(&mut self, frames: &mut Vec<Vec<u8>>, at_eof: bool) -> Result<(), Rejection>
    where
        D::Error: Display,
    {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..MAX_POLLS {
            if self.done {
                return Ok(());
            }
            match Pin::new(&mut self.framed).poll_next(&mut cx) {
                Poll::Ready(Some(Ok(item))) => frames.push((self.to_vec)(item)),
                Poll::Ready(Some(Err(e))) => return Err(Rejection::new(e)),
                Poll::Ready(None) => {
                    self.done = true;
                    return Ok(());
                }
                Poll::Pending if at_eof => {
                    return Err(Rejection::new(
                        "FramedRead returned Pending after its reader reached EOF",
                    ))
                }
                Poll::Pending => return Ok(()),
            }
        }
        Err(Rejection::new(format!(
            "FramedRead did not settle within {MAX_POLLS} polls"
        )))
    }
}

impl<D> FrameDecoder for FramedReadDriver<D>
where
    D: Decoder,
    D::Error: Display + From<std::io::Error>,
{
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.script.borrow_mut().chunks.push_back(chunk.to_vec());
        self.pump(frames, false)
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.script.borrow_mut().eof = true;
        self.pump(frames, true)
    }
}
