//! From the wire to a verdict: what each call got back becomes what a decoder call returned,
//! and the oracle judges it as it judges any decoder, so that every verdict, shrink and
//! report reads the same in process and over a socket.
//!
//! A server has fewer ways to speak than a decoder: it sends frames back and it ends the
//! connection. So:
//!
//! | on the wire, in a call's window | as a decoder call |
//! |---|---|
//! | frames that came back | the frames it pushed |
//! | the server closed (FIN) or reset the connection, before the half-close | `Err`: the server rejected the stream |
//! | after the half-close, the server closed | `Ok`, or `Err` when the stream ends inside a frame (the server cannot say more than that it closed without sending the partial frame back) |
//! | after the half-close, a reset | `Err`: a server closes, it does not reset, at the end of a valid stream |
//! | a bad header, then nothing more: no frame back and no close until the half-close | `Err` at the call that completed the header: the server ignored the rest |
//! | the server stopped reading, or did not close after the half-close | a `hang` |
//! | what came back is not valid framing | a `protocol-error` |
//!
//! In reply mode the content of each reply is not the server's to match: the `i`th reply stands
//! for the `i`th expected frame, so count and timing are judged and bytes are not.

use crate::adapter::{FrameDecoder, Rejection};
use crate::alloc::unmetered;
use crate::case::Case;
use crate::oracle::{judge, reject_window, Call, CallOutcome, CallRecord, Fault, Verdict};

use super::conn::Closed;
use super::drive::WireLog;

/// Judges what `case` did on the wire.
pub(crate) fn judge_wire(case: &Case, log: WireLog, reply: bool) -> Verdict {
    let mut replayed = Replayed {
        calls: as_calls(case, log, reply).into_iter(),
    };
    judge(&mut replayed, case)
}

/// What `case` did on the wire, as the decoder calls the oracle judges, for a replay to show.
pub(crate) fn transcript(case: &Case, log: WireLog, reply: bool) -> Vec<CallRecord> {
    let n = log.chunks;
    as_calls(case, log, reply)
        .into_iter()
        .enumerate()
        .map(|(c, (frames, outcome))| CallRecord {
            call: if c < n { Call::Chunk(c) } else { Call::Eof },
            frames,
            outcome,
        })
        .collect()
}

/// Each call's frames and outcome, as a decoder would have returned them.
fn as_calls(case: &Case, log: WireLog, reply: bool) -> Vec<(Vec<Vec<u8>>, CallOutcome)> {
    let n = log.chunks;
    let window = reject_window(case, n);
    let truncated_at_eof = window.is_some_and(|(_, at)| at == n);
    let mut calls: Vec<(Vec<Vec<u8>>, CallOutcome)> = Vec::with_capacity(log.calls.len());
    let last = log.calls.len().saturating_sub(1);
    for (c, call) in log.calls.into_iter().enumerate() {
        let outcome = match (&call.closed, c == n) {
            (_, _) if c == last && log.fault.is_some() => {
                let f = log.fault.clone().expect("checked");
                CallOutcome::Fault(f.kind, f.detail)
            }
            (None, _) => CallOutcome::Ok,
            (Some(Closed::Fin), false) => {
                CallOutcome::Rejected("the server closed the connection".into())
            }
            (Some(Closed::Reset(e)), false) => {
                CallOutcome::Rejected(format!("the server reset the connection ({e})"))
            }
            (Some(Closed::Fin), true) if truncated_at_eof => CallOutcome::Rejected(
                "after the half-close, the server closed the connection without sending back \
                 the cut-short frame"
                    .into(),
            ),
            (Some(Closed::Fin), true) => CallOutcome::Ok,
            (Some(Closed::Reset(e)), true) => CallOutcome::Rejected(format!(
                "after the half-close, the server reset the connection ({e}) instead of closing \
                 it"
            )),
        };
        calls.push((call.frames, outcome));
    }
    if let Some((_, at)) = window {
        went_quiet(&mut calls, at, n);
    }
    if reply {
        let expected: Vec<&[u8]> = case
            .stream
            .expectation()
            .segments()
            .iter()
            .flat_map(|s| &s.frames)
            .map(|f| &case.stream.bytes()[f.payload.clone()])
            .collect();
        let mut k = 0;
        for (frames, _) in &mut calls {
            for f in frames.iter_mut() {
                if let Some(e) = expected.get(k) {
                    *f = e.to_vec();
                }
                k += 1;
            }
        }
    }
    calls
}

/// A bad header completed at call `at`, after which the server sent nothing and kept the
/// connection open until the half-close: it ignored the rest, which is a rejection at `at`.
fn went_quiet(calls: &mut Vec<(Vec<Vec<u8>>, CallOutcome)>, at: usize, n: usize) {
    if at >= n || calls.len() != n + 1 {
        return;
    }
    let open_until_eof = calls[at..n].iter().all(|(_, o)| *o == CallOutcome::Ok);
    let silent = calls[at + 1..].iter().all(|(f, _)| f.is_empty());
    let closed_at_eof = matches!(calls[n].1, CallOutcome::Ok | CallOutcome::Rejected(_));
    if open_until_eof && silent && closed_at_eof {
        calls.truncate(at + 1);
        calls[at].1 = CallOutcome::Rejected(
            "after the bad header the server sent nothing more, and closed when the stream \
             ended"
                .into(),
        );
    }
}

/// A decoder that returns what the wire recorded, call by call.
struct Replayed {
    calls: std::vec::IntoIter<(Vec<Vec<u8>>, CallOutcome)>,
}

impl Replayed {
    fn next(&mut self, out: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        let Some((frames, outcome)) = self.calls.next() else {
            return Ok(());
        };
        unmetered(|| out.extend(frames));
        match outcome {
            CallOutcome::Ok => Ok(()),
            CallOutcome::Rejected(m) => Err(Rejection::new(m)),
            CallOutcome::Fault(kind, detail) => Fault { kind, detail }.raise(),
            CallOutcome::Panicked(m) => panic!("{m}"),
            CallOutcome::Hung => Fault {
                kind: crate::oracle::FailureKind::Hang,
                detail: "the server did not answer".into(),
            }
            .raise(),
        }
    }
}

impl FrameDecoder for Replayed {
    fn feed(&mut self, _chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.next(frames)
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.next(frames)
    }
}
