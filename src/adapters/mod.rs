//! Adapters for third-party decoders, each behind a feature named after its crate and major
//! version.
//!
//! | feature | module | what it drives |
//! |---|---|---|
//! | (always) | [`read`] | a pull decoder over `std::io::Read`, fed short reads, `Interrupted` and `WouldBlock` |
//! | `tokio-util07` | `tokio_util07` | a tokio-util 0.7 `codec::Decoder`, directly (`decode` in a loop, `decode_eof` at EOF) and through the real `FramedRead` over a scripted `AsyncRead` |
//! | `unsigned-varint08` | `unsigned_varint08` | unsigned-varint 0.8's `UviBytes`, through the tokio-util drivers |
//! | `prost014` | `prost014` | prost 0.14's `decode_length_delimiter` and the payload after it |
//! | `asynchronous-codec07` | `asynchronous_codec07` | an asynchronous-codec 0.7 `Decoder` (`LengthCodec`, `LinesCodec`), in a decode loop and through its own `FramedRead` over a scripted `futures::AsyncRead` |
//! | `actix-codec05` | `actix_codec05` | a tokio-util codec inside actix-codec 0.5's own `Framed` driver, over a scripted `AsyncRead` |
//!
//! Each feature-gated module declares its bundled decoders with an `entries()` function, and
//! `entries()` here lists the modules once, each under its feature: that is how they reach the
//! registry, and through it the command line, the matrix and the fuzz
//! targets. ([`read`] wraps a decoder the user supplies, so it has no entries.)

#[cfg(feature = "actix-codec05")]
pub mod actix_codec05;
#[cfg(feature = "asynchronous-codec07")]
pub mod asynchronous_codec07;
#[cfg(feature = "prost014")]
pub mod prost014;
pub mod read;
#[cfg(feature = "tokio-util07")]
pub mod tokio_util07;
#[cfg(feature = "unsigned-varint08")]
pub mod unsigned_varint08;

/// The registry entries of every adapter module compiled in (the registry puts them in row
/// order).
pub(crate) fn entries() -> Vec<crate::bundled::Entry> {
    #[allow(unused_mut)]
    let mut out = Vec::new();
    #[cfg(feature = "tokio-util07")]
    out.extend(tokio_util07::entries());
    #[cfg(feature = "unsigned-varint08")]
    out.extend(unsigned_varint08::entries());
    #[cfg(feature = "actix-codec05")]
    out.extend(actix_codec05::entries());
    #[cfg(feature = "asynchronous-codec07")]
    out.extend(asynchronous_codec07::entries());
    #[cfg(feature = "prost014")]
    out.extend(prost014::entries());
    out
}

/// What a scripted reader returns: the chunks not yet read, then EOF once set. The async
/// drivers read from it; the harness fills it, one `feed` at a time.
#[derive(Default)]
#[allow(dead_code)] // Unused when no async adapter is compiled in.
pub(crate) struct Script {
    pub(crate) chunks: std::collections::VecDeque<Vec<u8>>,
    /// How much of the front chunk has been read (a large chunk goes out over several reads).
    pub(crate) read: usize,
    pub(crate) eof: bool,
}

#[allow(dead_code)]
impl Script {
    /// The length of the next chunk, `Some(0)` at EOF, `None` when there is nothing yet.
    pub(crate) fn next_len(&self) -> Option<usize> {
        match self.chunks.front() {
            Some(c) => Some(c.len() - self.read),
            None => self.eof.then_some(0),
        }
    }

    /// Copies up to `buf.len()` bytes of the next chunk (a chunk larger than `buf` is returned
    /// over several reads): `Some(n)`, `Some(0)` at EOF, or `None` when there is nothing yet
    /// (the reader is then `Pending`).
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        let Some(front) = self.chunks.front() else {
            return self.eof.then_some(0);
        };
        let rest = &front[self.read..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        if self.read == front.len() {
            self.chunks.pop_front();
            self.read = 0;
        }
        Some(n)
    }
}

/// How many polls one call may take before a driver gives up on a stream that keeps returning
/// frames or never settles (each poll consumes input or yields a frame).
#[allow(dead_code)]
const MAX_POLLS: usize = 1 << 20;

/// A frame stream (a `FramedRead`, a `Framed`) over a reader of a [`Script`]: what the async
/// adapters share. Each `feed` queues a chunk, `eof` ends the script, and either one polls the
/// stream until it is `Pending` (more input needed) or ends, pushing each frame; an error item
/// is the call's rejection. Once the stream has ended it is not polled again. At EOF, `Pending`
/// is an error: the reader has nothing more to give.
#[allow(dead_code)] // Unused when no async adapter is compiled in.
pub(crate) struct Scripted<F, T> {
    framed: F,
    script: std::rc::Rc<std::cell::RefCell<Script>>,
    to_vec: fn(T) -> Vec<u8>,
    done: bool,
}

#[allow(dead_code)]
impl<F, T> Scripted<F, T> {
    /// `make` builds the stream around the script (which its reader reads); `to_vec` turns an
    /// item into the frame's bytes.
    pub(crate) fn new(
        make: impl FnOnce(std::rc::Rc<std::cell::RefCell<Script>>) -> F,
        to_vec: fn(T) -> Vec<u8>,
    ) -> Self {
        let script = std::rc::Rc::new(std::cell::RefCell::new(Script::default()));
        Scripted {
            framed: make(script.clone()),
            script,
            to_vec,
            done: false,
        }
    }

    /// Queues `chunk` (`None`: EOF), then polls with `poll_next`.
    pub(crate) fn call<E: std::fmt::Display>(
        &mut self,
        chunk: Option<&[u8]>,
        frames: &mut Vec<Vec<u8>>,
        mut poll_next: impl FnMut(
            &mut F,
            &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<T, E>>>,
    ) -> Result<(), crate::adapter::Rejection> {
        use crate::adapter::Rejection;
        use std::task::{Context, Poll, Waker};
        match chunk {
            Some(c) => self.script.borrow_mut().chunks.push_back(c.to_vec()),
            None => self.script.borrow_mut().eof = true,
        }
        // The stream polls the reader, which returns `Pending` when the script is empty; the
        // next call queues more and polls again, so no waker needs registering.
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..MAX_POLLS {
            if self.done {
                return Ok(());
            }
            match poll_next(&mut self.framed, &mut cx) {
                Poll::Ready(Some(Ok(item))) => frames.push((self.to_vec)(item)),
                Poll::Ready(Some(Err(e))) => return Err(Rejection::new(e)),
                Poll::Ready(None) => {
                    self.done = true;
                    return Ok(());
                }
                Poll::Pending if chunk.is_none() => {
                    return Err(Rejection::new(
                        "the driver returned Pending after its reader reached EOF",
                    ))
                }
                Poll::Pending => return Ok(()),
            }
        }
        Err(Rejection::new(format!(
            "the driver did not settle within {MAX_POLLS} polls"
        )))
    }
}
