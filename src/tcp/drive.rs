//! One case on the wire: its chunks written one by one, what came back after each, and how the
//! connection ended, as a [`WireLog`] that `verdict.rs` judges.
//!
//! For each chunk the driver
//! 1. waits until the server has read everything sent so far (its receive queue is empty, see
//!    `diag.rs`), at most the gap, so that the chunk arrives as a `recv()` of its own;
//! 2. writes the chunk;
//! 3. waits, at most the promptness timeout, until every frame the bytes sent so far complete
//!    has come back, and at the call that completes a bad header, until the server closes;
//!    what arrives meanwhile belongs to this call.
//!
//! After the last chunk it half-closes (`shutdown(Write)`) and reads until the server closes,
//! at most the timeout. The driver makes no judgement: a frame that does not come back in its
//! window is simply not in it, and the oracle calls it stuck or missing.

use std::time::{Duration, Instant};

use super::conn::{Closed, Connection, Received, Sent, Settled};
use super::echo::EchoReader;
use crate::case::Case;
use crate::oracle::{call_of, reject_window, FailureKind, Fault};

/// How the driver paces a case.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pace {
    /// The most time to wait for the server to read a chunk before the next one goes out.
    pub(crate) gap: Duration,
    /// How long the frames a chunk completes (or a bad header's close) may take to come back.
    pub(crate) prompt: Duration,
    /// How long a write may block, and how long the close after the half-close may take.
    pub(crate) timeout: Duration,
}

/// What one call (a chunk, or the half-close) got back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WireCall {
    /// The frames that came back in its window.
    pub(crate) frames: Vec<Vec<u8>>,
    /// How the server ended the connection in its window, if it did.
    pub(crate) closed: Option<Closed>,
}

/// Everything one case did on the wire.
#[derive(Clone, Debug, Default)]
pub(crate) struct WireLog {
    /// One per call made, in order; the last is the half-close when the case got that far.
    pub(crate) calls: Vec<WireCall>,
    /// The fault that stopped the case at its last call, if one did.
    pub(crate) fault: Option<Fault>,
    /// Chunks that went out while the server still had bytes of the earlier ones unread:
    /// `(chunk, unread bytes)`. Those cuts may not have been reads of their own.
    pub(crate) unconfirmed: Vec<(usize, u32)>,
    /// The number of chunks.
    pub(crate) chunks: usize,
}

/// Runs `case` over `conn`.
pub(crate) fn drive(conn: &mut dyn Connection, case: &Case, pace: Pace) -> WireLog {
    let bytes = case.stream.bytes();
    let ranges = case.schedule.ranges(bytes.len());
    let n = ranges.len();
    let expectation = case.stream.expectation();
    // For each chunk, how many frames the bytes up to its end complete.
    let mut due = vec![0usize; n + 1];
    for f in &expectation.frames {
        due[call_of(case, n, f.due())] += 1;
    }
    for c in 1..=n {
        due[c] += due[c - 1];
    }
    let reject_at = reject_window(case, n).map(|(_, at)| at);
    let mut echo = EchoReader::new(case);
    let mut log = WireLog {
        chunks: n,
        ..WireLog::default()
    };
    let mut got = 0usize;
    // Stream bytes sent so far: no more frames than that can come back.
    let mut sent = 0usize;
    // Set once a frame did not come back in its window: the case fails there whatever
    // follows, so the rest is sent without waiting again (one timeout per case, not one per
    // chunk), and only what is already back is taken.
    let mut late = false;
    let mut inbox = Vec::new();
    for (c, range) in ranges.iter().enumerate() {
        if c > 0 {
            match conn.settle(Instant::now() + pace.gap) {
                Settled::Unread(left) => log.unconfirmed.push((c, left)),
                Settled::Read | Settled::Unknown => {}
            }
        }
        let mut call = WireCall::default();
        sent += range.len();
        match conn.send(&bytes[range.clone()], Instant::now() + pace.timeout) {
            Sent::All => {}
            Sent::Closed(how) => {
                // What the server sent before it closed is still there to read (a reset
                // after a bad header follows the echoes of the frames before it).
                while let Received::Data(_) = conn.recv(&mut inbox, Instant::now()) {
                    if let Err(e) = take_frames(&mut echo, &mut inbox, &mut call, &mut got)
                        .and_then(|()| within_room(got, sent))
                    {
                        log.calls.push(call);
                        log.fault = Some(protocol_error(e, c, n));
                        return log;
                    }
                }
                call.closed = Some(how);
                log.calls.push(call);
                return log;
            }
            Sent::Blocked { taken } => {
                log.calls.push(call);
                log.fault = Some(Fault {
                    kind: FailureKind::Hang,
                    detail: format!(
                        "the server stopped reading: it took {taken} of the {} bytes of chunk {c} \
                         in {} ms, and did not close the connection",
                        range.len(),
                        pace.timeout.as_millis()
                    ),
                });
                return log;
            }
        }
        let wants_close = reject_at == Some(c);
        let deadline = Instant::now() + pace.prompt;
        loop {
            let wait = (got < due[c] && !late) || wants_close;
            // Due frames are in: take only what is here already.
            let until = if wait { deadline } else { Instant::now() };
            match conn.recv(&mut inbox, until) {
                Received::Data(_) => {}
                Received::TimedOut => {
                    late |= got < due[c];
                    break;
                }
                Received::Closed(how) => call.closed = Some(how),
            }
            if let Err(e) = take_frames(&mut echo, &mut inbox, &mut call, &mut got)
                .and_then(|()| within_room(got, sent))
            {
                log.calls.push(call);
                log.fault = Some(protocol_error(e, c, n));
                return log;
            }
            if call.closed.is_some() {
                break;
            }
            // A server that keeps sending bytes is stopped at the deadline too, not only by
            // the bound on frames.
            if Instant::now() >= deadline {
                late |= got < due[c];
                break;
            }
        }
        let closed = call.closed.is_some();
        log.calls.push(call);
        if closed {
            return log;
        }
    }
    // The half-close: the server finishes and closes.
    let mut call = WireCall::default();
    if let Err(e) = conn.finish() {
        call.closed = Some(Closed::Reset(e.to_string()));
        log.calls.push(call);
        return log;
    }
    let deadline = Instant::now() + pace.timeout;
    loop {
        match conn.recv(&mut inbox, deadline) {
            Received::Data(_) => {}
            Received::TimedOut => {
                log.calls.push(call);
                log.fault = Some(Fault {
                    kind: FailureKind::Hang,
                    detail: format!(
                        "the server did not close the connection within {} ms of the \
                         harness's half-close (shutdown(Write)): a server must finish and \
                         close when its peer's stream ends",
                        pace.timeout.as_millis()
                    ),
                });
                return log;
            }
            Received::Closed(how) => call.closed = Some(how),
        }
        let taken = take_frames(&mut echo, &mut inbox, &mut call, &mut got)
            .and_then(|()| within_room(got, sent));
        let ended = match (&call.closed, taken) {
            (_, Err(e)) => Err(e),
            (Some(_), Ok(())) => echo.end(),
            (None, Ok(())) => Ok(()),
        };
        if let Err(e) = ended {
            log.calls.push(call);
            log.fault = Some(protocol_error(e, n, n));
            return log;
        }
        if call.closed.is_some() {
            log.calls.push(call);
            return log;
        }
        if Instant::now() >= deadline {
            log.calls.push(call);
            log.fault = Some(Fault {
                kind: FailureKind::Hang,
                detail: format!(
                    "the server was still sending, and had not closed the connection, {} ms \
                     after the harness's half-close",
                    pace.timeout.as_millis()
                ),
            });
            return log;
        }
    }
}

/// More frames came back than the `sent` bytes can hold (each frame takes at least one):
/// the server sends what it was not sent, and is stopped there.
fn within_room(got: usize, sent: usize) -> Result<(), String> {
    if got > sent {
        return Err(format!(
            "{got} frames came back for the {sent} bytes sent so far, which can hold at most \
             {sent}: it sends frames it was never sent"
        ));
    }
    Ok(())
}

/// Moves what arrived through the echo reader into `call`.
fn take_frames(
    echo: &mut EchoReader,
    inbox: &mut Vec<u8>,
    call: &mut WireCall,
    got: &mut usize,
) -> Result<(), String> {
    let before = call.frames.len();
    let result = echo.push(inbox, &mut call.frames);
    inbox.clear();
    *got += call.frames.len() - before;
    result
}

/// The server's answers after call `c` of `n` were not frames.
fn protocol_error(e: String, c: usize, n: usize) -> Fault {
    let call = if c < n {
        format!("chunk {c}")
    } else {
        "the half-close".to_string()
    };
    Fault {
        kind: FailureKind::ProtocolError,
        detail: format!("after {call}, the server broke the echo deal: {e}"),
    }
}
