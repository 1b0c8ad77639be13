//! Test support for the clause steps: small cases, and a decoder that plays back a script of
//! call results, so that a test breaks exactly the clause it is about (scripted I/O as data,
//! after tokio's `Mock` and partial-io's `PartialOp`).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::adapter::{FrameDecoder, Rejection};
use crate::case::{Case, Stream};
use crate::schedule::Schedule;

use super::{judge, Call, Failure, FailureKind, Fault, Verdict};

/// The case of the raw `bytes` in `framing` (such as `u8:max=3`), cut at `cuts`.
pub(super) fn case(framing: &str, bytes: &[u8], cuts: &[usize]) -> Case {
    let framing = framing.parse().expect("a framing");
    let stream = Stream::raw(framing, "test", bytes.to_vec());
    let schedule = Schedule::from_cuts(cuts.to_vec(), bytes.len());
    Case::new(Arc::new(stream), "test", schedule)
}

/// Two u8 frames, `abc` and `hi`, in one read unless cut.
pub(super) fn two_frames(cuts: &[usize]) -> Case {
    case("u8:max=3", b"\x03abc\x02hi", cuts)
}

/// How a scripted call returns, after pushing its frames.
#[derive(Clone, Debug)]
pub(super) enum Then {
    /// `Ok(())`.
    Ok,
    /// `Err` with this message.
    Err(&'static str),
    /// Clears the output vector, then `Ok(())`.
    Clear,
    /// Holds this many more bytes, then `Ok(())`.
    Hold(usize),
    /// Panics.
    Panic,
    /// Raises a fault of this kind.
    Fault(FailureKind),
}

/// A decoder that ignores its input and plays back one scripted call after another (a call
/// past the end of the script pushes nothing and returns `Ok`).
#[derive(Debug, Default)]
pub(super) struct Script {
    calls: VecDeque<(Vec<Vec<u8>>, Then)>,
    held: Vec<Vec<u8>>,
}

impl Script {
    /// An empty script.
    pub(super) fn new() -> Script {
        Script::default()
    }

    /// Appends a call that pushes `frames` and returns as `then` says.
    pub(super) fn call(mut self, frames: &[&[u8]], then: Then) -> Script {
        let frames = frames.iter().map(|f| f.to_vec()).collect();
        self.calls.push_back((frames, then));
        self
    }

    fn play(&mut self, out: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        let Some((frames, then)) = self.calls.pop_front() else {
            return Ok(());
        };
        out.extend(frames);
        match then {
            Then::Ok => Ok(()),
            Then::Err(msg) => Err(Rejection::new(msg)),
            Then::Clear => {
                out.clear();
                Ok(())
            }
            Then::Hold(n) => {
                self.held.push(vec![1; n]);
                Ok(())
            }
            Then::Panic => panic!("scripted panic"),
            Then::Fault(kind) => Fault {
                kind,
                detail: "scripted fault".to_string(),
            }
            .raise(),
        }
    }
}

impl FrameDecoder for Script {
    fn feed(&mut self, _chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.play(frames)
    }
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.play(frames)
    }
}

/// The failure of `decoder` on `case`, which must fail with `kind` at `call`.
pub(super) fn fails<D: FrameDecoder>(
    mut decoder: D,
    case: &Case,
    kind: FailureKind,
    call: Call,
) -> Failure {
    match judge(&mut decoder, case) {
        Verdict::Fail(f) => {
            assert_eq!((f.kind, f.call), (kind, call), "{}", f.detail);
            f
        }
        other => panic!("expected {kind} at {call}, got {other:?}"),
    }
}

/// Asserts that `decoder` passes `case`.
pub(super) fn passes<D: FrameDecoder>(mut decoder: D, case: &Case) {
    let verdict = judge(&mut decoder, case);
    assert!(verdict.is_pass(), "{verdict:?}");
}
