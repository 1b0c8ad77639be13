//! The adapter trait: how the harness sees a decoder under test.
//!
//! A decoder under test is driven the way a TCP read loop drives it: it is handed one `recv()`
//! worth of bytes at a time and hands back every frame those bytes completed, it may reject the
//! stream, and it is told when the peer closed the stream. That is the whole surface:
//! [`FrameDecoder::feed`] and [`FrameDecoder::eof`] are required, everything else has a default.
//!
//! Because the harness, not the decoder, decides how the stream is cut, it knows exactly which
//! call delivered the last byte of each frame, and so it can tell a frame that is *late* (stuck
//! in the decoder's buffer, the seed explainer's missing drain loop) from one that is merely
//! missing.
//!
//! # Adapting a pull-style decoder
//! A decoder that pulls (tokio-util's `Decoder::decode(&mut BytesMut)`, a reader over
//! `std::io::Read`) is adapted by keeping its input buffer inside the adapter: `feed` appends the
//! chunk and then pulls frames until the decoder says it needs more bytes. For a reader, `feed`
//! hands the chunk to a reader that returns `WouldBlock` when drained. Either way each frame is
//! still produced inside the `feed` call that delivered its bytes.
//!
//! ```
//! use framecheck::{FrameDecoder, Rejection};
//!
//! /// A one-byte length prefix, the seed explainer's worked example.
//! #[derive(Default)]
//! struct U8Prefix { buf: Vec<u8> }
//!
//! impl FrameDecoder for U8Prefix {
//!     fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
//!         self.buf.extend_from_slice(chunk);
//!         // The drain loop: take every complete frame, not just the first.
//!         while let Some(&len) = self.buf.first() {
//!             let end = 1 + len as usize;
//!             if self.buf.len() < end {
//!                 break;
//!             }
//!             frames.push(self.buf[1..end].to_vec());
//!             self.buf.drain(..end);
//!         }
//!         Ok(())
//!     }
//!     fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
//!         if self.buf.is_empty() { Ok(()) } else { Err(Rejection::new("truncated frame at EOF")) }
//!     }
//! }
//!
//! let mut d = U8Prefix::default();
//! let mut out = Vec::new();
//! for chunk in [&b"\x03ab"[..], b"c\x02h", b"i\x04pi", b"ng"] {
//!     d.feed(chunk, &mut out).unwrap();
//! }
//! d.eof(&mut out).unwrap();
//! assert_eq!(out, [&b"abc"[..], b"hi", b"ping"]);
//! ```
//!
//! # A decoder that lives inside a server
//! When the decoder cannot be lifted out of its read loop, test the server instead: the `tcp`
//! module drives a running server over loopback (`framecheck tcp`), and with the `tokio1`
//! feature, its `duplex` submodule drives a Rust connection handler (an `async fn` over any
//! `AsyncRead + AsyncWrite`) over tokio's in-memory stream from a `cargo test`, no port
//! needed: `framecheck::tcp::duplex::check_handler(&suite, |stream| handle(stream))`. The
//! server's side of that deal is to echo each frame; its verdicts are this trait's contract,
//! seen on the wire.

use std::fmt;

use crate::framing::{Framing, LineEof};

/// A stream-framing decoder under test, seen as a TCP read loop sees it.
///
/// Two methods are required, [`feed`](FrameDecoder::feed) and [`eof`](FrameDecoder::eof); the
/// two declarations, [`max_frame_len`](FrameDecoder::max_frame_len) and
/// [`empty_frames`](FrameDecoder::empty_frames), have defaults.
///
/// # Contract
/// The harness checks each of these sentences under every chunk schedule:
///
/// 1. `feed` is called once per `recv()` with at least one byte. The chunk boundaries carry no
///    meaning: a chunk may hold less than one frame, exactly one, or several, and may end
///    anywhere, including inside a length header.
/// 2. When the bytes seen so far hold **fewer than one** new complete frame, `feed` pushes
///    nothing and returns `Ok(())`. An incomplete frame is never an error by itself.
/// 3. When they complete **one or more** frames, `feed` pushes **every one** of them onto
///    `frames`, in stream order, before it returns. A frame that only comes out on a later call
///    (or at EOF) is *stuck*: a peer that sent it may wait for an answer forever.
/// 4. Bytes after the last complete frame are kept for the next call; none are lost, none are
///    reordered.
/// 5. When the stream is invalid (a length header larger than the decoder's maximum, a malformed
///    header), `feed` returns `Err` from **the call that completes the bad header**, after
///    pushing the frames that came before it. It must not wait for (or buffer, or allocate) the
///    payload that the header announces.
/// 6. `eof` is called once when the peer closes the stream. With nothing buffered it returns
///    `Ok(())` and pushes nothing. **An EOF in the middle of a frame is an error**: the partial
///    frame must be neither dropped silently nor emitted as if it were whole. (Lines declared
///    `:eof=emit` are the exception the declaration makes: there the unterminated last line is
///    a frame, and `eof`, not an earlier call, must push it.)
/// 7. After the decoder returns `Err`, the harness makes no further calls on it. The one
///    exception is a framing whose errors the decoder recovers from (`lines:resync`): there the
///    harness goes on with the next read (or calls `eof` again, if `eof` returned the error),
///    and what the rest of the erroring read completed is due from that next call.
/// 8. Memory use stays bounded by the maximum frame length, whatever a header announces.
/// 9. The decoder must not panic and must return from every call.
///
/// Frames are owned `Vec<u8>`s; an adapter around a decoder that yields `Bytes` or
/// `BytesMut` converts with `.to_vec()`.
pub trait FrameDecoder {
    /// Accepts the bytes of one `recv()` (never empty) and pushes every frame they completed.
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection>;

    /// The peer closed the stream. Pushes nothing and returns `Ok(())` when nothing is buffered;
    /// returns `Err` when a frame was cut short.
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection>;

    /// The largest payload this decoder is configured to accept, if it declares one.
    ///
    /// The default, `None`, makes no claim, and the suite uses its framing's maximum. A
    /// declared maximum replaces the framing's in [`Suite::run`](crate::Suite::run), and the
    /// report says so.
    fn max_frame_len(&self) -> Option<u64> {
        None
    }

    /// Whether this decoder accepts zero-length frames. The default, `true`, is what most
    /// framings specify; a decoder for a protocol that forbids them returns `false`, and must
    /// then reject an empty frame from the call that completes its header. The declaration
    /// resolves the golden vectors whose outcome depends on it (`acceptable` ones).
    fn empty_frames(&self) -> bool {
        true
    }

    /// For lines: what this decoder does with bytes after the last newline at EOF, if it
    /// declares it. The default, `None`, makes no claim and the framing's `:eof` policy holds;
    /// a declaration replaces it in [`Suite::run`](crate::Suite::run), and the report says so.
    fn unterminated_line(&self) -> Option<LineEof> {
        None
    }

    /// For lines: whether this decoder goes on after an error from the byte after the next
    /// newline (`:resync`), if it declares it. `None` makes no claim, as above.
    fn resyncs(&self) -> Option<bool> {
        None
    }
}

impl<D: FrameDecoder + ?Sized> FrameDecoder for &mut D {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        (**self).feed(chunk, frames)
    }
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        (**self).eof(frames)
    }
    fn max_frame_len(&self) -> Option<u64> {
        (**self).max_frame_len()
    }
    fn empty_frames(&self) -> bool {
        (**self).empty_frames()
    }
    fn unterminated_line(&self) -> Option<LineEof> {
        (**self).unterminated_line()
    }
    fn resyncs(&self) -> Option<bool> {
        (**self).resyncs()
    }
}

impl<D: FrameDecoder + ?Sized> FrameDecoder for Box<D> {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        (**self).feed(chunk, frames)
    }
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        (**self).eof(frames)
    }
    fn max_frame_len(&self) -> Option<u64> {
        (**self).max_frame_len()
    }
    fn empty_frames(&self) -> bool {
        (**self).empty_frames()
    }
    fn unterminated_line(&self) -> Option<LineEof> {
        (**self).unterminated_line()
    }
    fn resyncs(&self) -> Option<bool> {
        (**self).resyncs()
    }
}

/// The decoder under test refused the stream.
///
/// Only the fact of the rejection and the call that made it are judged; the message is shown in
/// reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    message: String,
}

impl Rejection {
    /// A rejection with a message for the report.
    pub fn new(message: impl fmt::Display) -> Rejection {
        Rejection {
            message: message.to_string(),
        }
    }

    /// The decoder's own message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for Rejection {
    fn from(e: std::io::Error) -> Rejection {
        Rejection::new(e)
    }
}

impl From<String> for Rejection {
    fn from(message: String) -> Rejection {
        Rejection { message }
    }
}

impl From<&str> for Rejection {
    fn from(message: &str) -> Rejection {
        Rejection::new(message)
    }
}

/// A decoder made of two closures over a piece of state, for one-off decoders.
///
/// Built by [`from_fn`].
pub struct FnDecoder<S, F, E> {
    state: S,
    feed: F,
    eof: E,
}

/// Builds a [`FrameDecoder`] from a state value and two closures, one for `feed` and one for
/// `eof`.
///
/// ```
/// use framecheck::{adapter::from_fn, FrameDecoder, Rejection};
///
/// // Every byte is a frame of its own (a degenerate "fixed-size 1" framing).
/// let mut d = from_fn(
///     (),
///     |_, chunk: &[u8], frames: &mut Vec<Vec<u8>>| {
///         frames.extend(chunk.iter().map(|b| vec![*b]));
///         Ok(())
///     },
///     |_, _: &mut Vec<Vec<u8>>| Ok(()),
/// );
/// let mut out = Vec::new();
/// d.feed(b"ab", &mut out).unwrap();
/// assert_eq!(out, [b"a".to_vec(), b"b".to_vec()]);
/// ```
pub fn from_fn<S, F, E>(state: S, feed: F, eof: E) -> FnDecoder<S, F, E>
where
    F: FnMut(&mut S, &[u8], &mut Vec<Vec<u8>>) -> Result<(), Rejection>,
    E: FnMut(&mut S, &mut Vec<Vec<u8>>) -> Result<(), Rejection>,
{
    FnDecoder { state, feed, eof }
}

impl<S, F, E> FrameDecoder for FnDecoder<S, F, E>
where
    F: FnMut(&mut S, &[u8], &mut Vec<Vec<u8>>) -> Result<(), Rejection>,
    E: FnMut(&mut S, &mut Vec<Vec<u8>>) -> Result<(), Rejection>,
{
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        (self.feed)(&mut self.state, chunk, frames)
    }
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        (self.eof)(&mut self.state, frames)
    }
}

/// A decoder with a declared profile: everything a [`Framing`] says about the decoder (its
/// maximum frame length, whether it takes empty frames, and for lines its EOF and recovery
/// policies) becomes the decoder's declarations, which [`Suite::run`](crate::Suite::run)
/// applies and lists in the report. Built by [`declare`].
pub struct Declared<D> {
    decoder: D,
    profile: Framing,
}

/// Declares that `decoder` is configured as `profile` says: how an adapter around a
/// third-party codec states what it set the codec up to do.
///
/// ```
/// use framecheck::adapter::declare;
/// use framecheck::{FrameDecoder, Framing, ReferenceDecoder};
///
/// let profile: Framing = "lines:max=64:eof=emit".parse().unwrap();
/// let d = declare(ReferenceDecoder::new(profile), profile);
/// assert_eq!(d.max_frame_len(), Some(64));
/// assert_eq!(d.unterminated_line(), Some(framecheck::framing::LineEof::Emit));
/// assert_eq!(d.resyncs(), Some(false));
/// ```
pub fn declare<D: FrameDecoder>(decoder: D, profile: Framing) -> Declared<D> {
    Declared { decoder, profile }
}

impl<D: FrameDecoder> FrameDecoder for Declared<D> {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.decoder.feed(chunk, frames)
    }
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.decoder.eof(frames)
    }
    fn max_frame_len(&self) -> Option<u64> {
        Some(self.profile.max_frame_len())
    }
    fn empty_frames(&self) -> bool {
        self.profile.empty_frames()
    }
    fn unterminated_line(&self) -> Option<LineEof> {
        self.profile.line_eof()
    }
    fn resyncs(&self) -> Option<bool> {
        self.profile.line_resync()
    }
}
