//! The oracle: runs one case against a decoder and judges what came out.
//!
//! For a valid stream the decoder must emit exactly the input messages, in order, each from
//! the very call that delivered its last byte, return no error, and end cleanly at EOF. For an
//! invalid stream it must emit exactly the frames before the bad one and then reject the
//! stream: a bad header from the call that completes it, a truncated frame at EOF.
//!
//! Three kinds of outcome are kept apart: the decoder's own result
//! ([`Rejection`](crate::Rejection)), the harness's [`Verdict`] on a case, and the library's
//! [`Error`](crate::Error).
//!
//! ```
//! use std::sync::Arc;
//! use framecheck::{check, Case, FailureKind, Framing, ReferenceDecoder, Schedule, Stream, Verdict};
//!
//! let framing: Framing = "u8".parse().unwrap();
//! let messages = vec![b"abc".to_vec(), b"hi".to_vec(), b"ping".to_vec()];
//! let stream = Arc::new(Stream::from_messages(framing, "worked-example", messages).unwrap());
//! // All three frames in one read: every one must come out of that one call.
//! let case = Case::new(stream, "whole", Schedule::whole());
//! assert!(check(&mut ReferenceDecoder::new(framing), &case).is_pass());
//!
//! // A decoder without the drain loop takes one frame per read: the rest are stuck.
//! let mut stuck = framecheck::zoo::by_name("no-drain-loop").unwrap().build(framing);
//! match check(&mut stuck, &case) {
//!     Verdict::Fail(f) => assert_eq!(f.kind, FailureKind::StuckFrame),
//!     other => panic!("not caught: {other:?}"),
//! }
//! ```
//!
//! # Layout: one step per contract clause
//! The driver here ([`judge`]) makes the calls and hands what each returned to small steps,
//! one function each, named after the clause of the [`FrameDecoder`] contract they check:
//!
//! | clause | what it says                                  | steps in                    |
//! |--------|-----------------------------------------------|-----------------------------|
//! | 1      | chunk boundaries carry no meaning             | this driver (the reads)     |
//! | 2      | an incomplete frame is never an error         | `rejection.rs`              |
//! | 3      | every completed frame comes out of that call  | `frames.rs`                 |
//! | 4      | no byte lost, none reordered                  | `frames.rs`                 |
//! | 5      | a bad header is rejected when it completes    | `rejection.rs`              |
//! | 6      | an EOF inside a frame is an error             | `eof.rs`                    |
//! | 7      | no calls after `Err`, except recovered errors | `rejection.rs`, this driver |
//! | 8      | memory bounded by the maximum frame length    | `returns.rs`                |
//! | 9      | no panic, every call returns                  | `returns.rs`, `catch.rs`    |
//!
//! The steps run in a fixed order within a call (see `judge_call`), and the first that fails
//! decides the verdict: the order is part of the behaviour, as it decides which kind a
//! decoder that breaks several clauses at once is reported under. Each step file tests its
//! steps at its bottom with a decoder that breaks exactly that clause, and one that keeps it.
//! The data types are in `verdict.rs`, the state the steps read in `judge.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::adapter::FrameDecoder;
use crate::alloc::{metered_with_ceiling, Usage};
use crate::case::Case;
use crate::error::hex;
use crate::framing::{At, End};

mod catch;
mod eof;
mod frames;
mod judge;
mod rejection;
mod returns;
#[cfg(test)]
mod testing;
mod verdict;

pub use catch::Fault;
pub(crate) use catch::{catch_quietly, Caught};
pub use returns::{
    memory_budget, memory_budget_for_frames, DEFAULT_MEMORY_SLACK, MEMORY_HARD_LIMIT,
    OUTPUT_BYTES_PER_FRAME,
};
pub use verdict::{Call, CallOutcome, CallRecord, Failure, FailureKind, Transcript, Verdict};

use judge::{Breach, Judge};

/// Runs `case` against `decoder` and judges it. Panics are caught and allocations metered
/// (when [`CountingAlloc`](crate::CountingAlloc) is installed); there is no hang watchdog here:
/// [`Suite`](crate::Suite) adds one.
pub fn judge<D: FrameDecoder + ?Sized>(decoder: &mut D, case: &Case) -> Verdict {
    judge_with_progress(decoder, case, None, DEFAULT_MEMORY_SLACK)
}

/// The old name of [`judge`]. In this crate `check` means "run, and panic with the report on
/// a failure" ([`Suite::check`](crate::Suite::check), `fuzz::check_bytes`);
/// a function that returns a [`Verdict`] judges.
#[deprecated(since = "0.2.0", note = "renamed `judge`")]
pub fn check<D: FrameDecoder + ?Sized>(decoder: &mut D, case: &Case) -> Verdict {
    judge(decoder, case)
}

/// Where a running case is, for a watchdog on another thread.
#[derive(Debug)]
pub(crate) struct Progress {
    base: std::time::Instant,
    /// The call in progress: its chunk index, or the chunk count for EOF.
    pub call: AtomicUsize,
    /// When the call in progress started, in nanoseconds after `base`.
    started: std::sync::atomic::AtomicU64,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress {
            base: std::time::Instant::now(),
            call: AtomicUsize::new(0),
            started: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn begin(&self, call: usize) {
        self.call.store(call, Ordering::SeqCst);
        let now = self.base.elapsed().as_nanos() as u64;
        self.started.store(now, Ordering::SeqCst);
    }

    /// Stops the clock while the harness works between calls (building the judge of a case,
    /// checking a million frames that one call pushed, writing a failure's transcript): the
    /// watchdog times the decoder, and the harness's own work is never a hang. The next
    /// [`begin`](Progress::begin) starts it again.
    fn pause(&self) {
        self.started.store(PAUSED, Ordering::SeqCst);
    }

    /// How long the latest call has been running (or ran, if it returned since); zero while
    /// the harness works between calls.
    pub(crate) fn age(&self) -> std::time::Duration {
        let started = self.started.load(Ordering::SeqCst);
        if started == PAUSED {
            return std::time::Duration::ZERO;
        }
        let now = self.base.elapsed().as_nanos() as u64;
        std::time::Duration::from_nanos(now.saturating_sub(started))
    }
}

/// [`Progress::started`] while the harness works between calls.
const PAUSED: u64 = u64::MAX;

/// The bytes always in the output vector before a call: a decoder must push, never clear.
const SENTINEL: &[u8] = b"\xf0framecheck: a frame pushed by an earlier call\xf0";

/// What the driver does after a call that broke no clause.
enum Flow {
    /// The case passed.
    Pass,
    /// Make call `c` next.
    Next(usize),
}

/// [`judge`], publishing each call in `progress` before making it.
///
/// Clause 1 is the driver's own: each read is fed once, in order, never empty (the schedule's
/// ranges), and `eof` follows the last; nothing the decoder sees tells it where frames start.
pub(crate) fn judge_with_progress<D: FrameDecoder + ?Sized>(
    decoder: &mut D,
    case: &Case,
    progress: Option<&Progress>,
    memory_slack: u64,
) -> Verdict {
    if let Some(p) = progress {
        p.pause();
    }
    let verdict = judge_calls(decoder, case, progress, memory_slack);
    if let Some(p) = progress {
        // The clock runs again for what follows in the decoder's own code (its drop, the next
        // case's constructor), counted against the last call, as before.
        p.begin(p.call.load(Ordering::SeqCst));
    }
    verdict
}

/// The body of [`judge_with_progress`], with the watchdog's clock paused but during calls.
fn judge_calls<D: FrameDecoder + ?Sized>(
    decoder: &mut D,
    case: &Case,
    progress: Option<&Progress>,
    memory_slack: u64,
) -> Verdict {
    let stream = case.stream.bytes();
    let framing = case.stream.framing();
    let ranges = case.schedule.ranges(stream.len());
    let mut judge = Judge::new(case, ranges.len());
    // Earlier calls: how many frames each emitted (they matched the expected ones, so their
    // bytes need not be kept) and how it returned. A transcript is built only on failure.
    let mut done: Vec<(usize, CallOutcome)> = Vec::new();
    // The output vector the decoder pushes onto, kept across calls with a sentinel frame first:
    // a decoder that clears or replaces it is caught, at the cost of no allocation per call.
    let mut out: Vec<Vec<u8>> = vec![SENTINEL.to_vec()];
    let mut c = 0;
    loop {
        let chunk_len = ranges.get(c).map_or(0, |r| r.len());
        let completes = judge.due_by(c);
        let budget = memory_budget_for_frames(&framing, chunk_len, completes, memory_slack);
        if let Some(p) = progress {
            p.begin(c);
        }
        let (outcome, usage) = metered_with_ceiling(budget, || {
            call_decoder(decoder, stream, &ranges, c, &mut out)
        });
        if let Some(p) = progress {
            p.pause();
        }
        let kept = out.first().is_some_and(|f| f.as_slice() == SENTINEL);
        let current: &[Vec<u8>] = if kept { &out[1..] } else { &out[..] };
        let returned = Returned {
            c,
            outcome: &outcome,
            kept,
            current,
            usage,
            budget,
            chunk_len,
            completes,
        };
        match judge_call(&mut judge, &returned) {
            Err(breach) => return failure(&judge, &done, &returned, breach),
            Ok(Flow::Pass) => return Verdict::Pass,
            Ok(Flow::Next(following)) => {
                done.push((current.len(), outcome));
                out.truncate(1);
                c = following;
            }
        }
    }
}

/// What call `c` returned, as the steps see it.
struct Returned<'o> {
    c: usize,
    outcome: &'o CallOutcome,
    /// Whether the output vector still starts with the sentinel.
    kept: bool,
    /// The frames the call pushed.
    current: &'o [Vec<u8>],
    usage: Option<Usage>,
    budget: u64,
    chunk_len: usize,
    /// The frames the call completes, by the expectation.
    completes: usize,
}

/// Runs the clause steps on what call `r.c` returned, in the order that decides which kind a
/// decoder breaking several clauses is reported under, and moves `judge` on.
fn judge_call(judge: &mut Judge, r: &Returned) -> Result<Flow, Breach> {
    let c = r.c;
    returns::no_panic(r.outcome)?;
    returns::no_fault(r.outcome)?;
    frames::pushes_only(r.kept)?;
    returns::within_budget(r.usage, r.budget, &judge.framing, r.chunk_len, r.completes)?;
    for f in r.current {
        eof::no_partial_frame(judge, c, f)?;
        frames::expected_frame(judge, f)?;
        frames::right_bytes(judge, f)?;
        eof::unterminated_line_from_eof(judge, c)?;
        frames::on_time(judge, c)?;
        judge.next += 1;
    }
    match r.outcome {
        CallOutcome::Rejected(msg) => {
            frames::none_overdue(judge, c, msg)?;
            rejection::no_rejection_after_recovery(judge, c, msg)?;
            rejection::no_false_rejection(judge, c, msg)?;
            rejection::rejected_in_time(judge, c, msg)?;
            if judge.in_last_segment() {
                return Ok(Flow::Pass);
            }
            rejection::recover(judge, c);
            Ok(Flow::Next((c + 1).min(judge.n)))
        }
        CallOutcome::Ok => {
            frames::note_overdue(judge, c);
            if c < judge.n {
                return Ok(Flow::Next(c + 1));
            }
            frames::none_lost(judge)?;
            eof::truncation_reported(judge)?;
            rejection::rejected_at_all(judge)?;
            Ok(Flow::Pass)
        }
        CallOutcome::Panicked(_) | CallOutcome::Fault(..) | CallOutcome::Hung => {
            unreachable!("handled above")
        }
    }
}

/// The verdict for `breach` at the call `r`, with the transcript of every call so far: the
/// earlier ones rebuilt from the expected frames they emitted.
fn failure(judge: &Judge, done: &[(usize, CallOutcome)], r: &Returned, breach: Breach) -> Verdict {
    let mut calls = Vec::with_capacity(done.len() + 1);
    let mut k = 0;
    for (j, (count, outcome)) in done.iter().enumerate() {
        let emitted = (k..k + count).map(|i| judge.payload(i).to_vec()).collect();
        k += count;
        calls.push(CallRecord {
            call: judge.call_at(j.min(judge.n)),
            frames: emitted,
            outcome: outcome.clone(),
        });
    }
    let call = judge.call_at(r.c);
    calls.push(CallRecord {
        call,
        frames: r.current.to_vec(),
        outcome: r.outcome.clone(),
    });
    Verdict::Fail(Failure {
        kind: breach.kind,
        call,
        detail: breach.detail,
        transcript: Transcript { calls },
    })
}

/// Runs `case` against `decoder` without judging it, recording every call (until one does not
/// return `Ok`): what `framecheck replay` shows for a case that passes.
pub fn transcript<D: FrameDecoder + ?Sized>(decoder: &mut D, case: &Case) -> Vec<CallRecord> {
    let bytes = case.stream.bytes();
    let ranges = case.schedule.ranges(bytes.len());
    let n = ranges.len();
    let mut calls = Vec::new();
    // Under `lines:resync` the decoder goes on after an error: as many as the stream has.
    let mut recoveries = case.stream.expectation().segments().len() - 1;
    let mut c = 0;
    while c <= n {
        let call = if c < n { Call::Chunk(c) } else { Call::Eof };
        let mut frames = Vec::new();
        let outcome = call_decoder(decoder, bytes, &ranges, c, &mut frames);
        let recovered = matches!(outcome, CallOutcome::Rejected(_)) && recoveries > 0;
        let stop = outcome != CallOutcome::Ok && !recovered;
        calls.push(CallRecord {
            call,
            frames,
            outcome,
        });
        if stop || (c == n && !recovered) {
            break;
        }
        if recovered {
            recoveries -= 1;
        }
        c = (c + 1).min(n);
    }
    calls
}

/// Makes call `c` of `n` reads: `feed` with read `c`, or `eof` when `c == n`, catching a panic
/// or a fault.
fn call_decoder<D: FrameDecoder + ?Sized>(
    decoder: &mut D,
    stream: &[u8],
    ranges: &[std::ops::Range<usize>],
    c: usize,
    out: &mut Vec<Vec<u8>>,
) -> CallOutcome {
    let result = catch_quietly(|| match ranges.get(c) {
        Some(r) => decoder.feed(&stream[r.clone()], out),
        None => decoder.eof(out),
    });
    match result {
        Ok(Ok(())) => CallOutcome::Ok,
        Ok(Err(rejection)) => CallOutcome::Rejected(rejection.to_string()),
        Err(Caught::Panic(msg)) => CallOutcome::Panicked(msg),
        Err(Caught::Fault(f)) => CallOutcome::Fault(f.kind, f.detail),
    }
}

/// The calls between which a rejection of `case` is right: from the first whose bytes prove
/// the stream bad to the one that completes the bad header (or EOF, call `n`); `None` for a
/// valid stream.
pub(crate) fn reject_window(case: &Case, n: usize) -> Option<(usize, usize)> {
    reject_window_of(case, n, &case.stream.expectation().end)
}

fn reject_window_of(case: &Case, n: usize, end: &End) -> Option<(usize, usize)> {
    match end {
        End::Clean => None,
        End::Reject { at, earliest, .. } => {
            Some((call_of(case, n, *earliest), call_of(case, n, *at)))
        }
    }
}

/// The call (a chunk index, or `n` for EOF) that delivers `at`.
pub(crate) fn call_of(case: &Case, n: usize, at: At) -> usize {
    match at {
        At::Byte(b) => case.schedule.chunk_of(b),
        At::Eof => n,
    }
}

/// `1 byte`, `2 bytes`.
pub(crate) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Hex of at most 16 bytes, with the length of the rest.
pub(crate) fn short_hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty)".to_string();
    }
    if bytes.len() <= 16 {
        hex(bytes)
    } else {
        format!("{}… (+{} bytes)", hex(&bytes[..16]), bytes.len() - 16)
    }
}

/// The watchdog times the decoder's calls, not the harness's work between them.
#[cfg(test)]
mod progress_tests {
    use std::time::Duration;

    use super::{judge_with_progress, testing::two_frames, Progress, DEFAULT_MEMORY_SLACK};
    use crate::adapter::{FrameDecoder, Rejection};

    #[test]
    fn the_clock_stops_while_the_harness_works_and_runs_in_calls() {
        let p = Progress::new();
        p.pause();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(p.age(), Duration::ZERO);
        p.begin(3);
        std::thread::sleep(Duration::from_millis(5));
        assert!(p.age() >= Duration::from_millis(5));
    }

    /// A decoder that notes how long the watchdog thinks its call has run, on entry.
    struct Watched<'p>(&'p Progress, Vec<Duration>);

    impl FrameDecoder for Watched<'_> {
        fn feed(&mut self, _: &[u8], _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.1.push(self.0.age());
            Ok(())
        }

        fn eof(&mut self, _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.1.push(self.0.age());
            Ok(())
        }
    }

    /// Built 50 ms before the case, the clock would say the first call had run 50 ms; the
    /// case's judge starts it only with the call. After the case it runs again (the decoder's
    /// drop is its own code).
    #[test]
    fn a_case_starts_the_clock_with_each_call_and_leaves_it_running() {
        let p = Progress::new();
        std::thread::sleep(Duration::from_millis(50));
        let mut d = Watched(&p, Vec::new());
        let _ = judge_with_progress(&mut d, &two_frames(&[3]), Some(&p), DEFAULT_MEMORY_SLACK);
        assert!(
            d.1.iter().all(|&a| a < Duration::from_millis(50)),
            "{:?}",
            d.1
        );
        std::thread::sleep(Duration::from_millis(5));
        assert!(p.age() >= Duration::from_millis(5));
    }
}

/// Clause 1: the driver feeds each read once, in order, never empty, then calls `eof`; nothing
/// but the bytes tells the decoder where frames start.
#[cfg(test)]
mod clause1_tests {
    use super::testing::{fails, passes, two_frames};
    use super::{Call, FailureKind};
    use crate::adapter::{FrameDecoder, Rejection};
    use crate::ReferenceDecoder;

    /// The reference decoder, recording the reads it is fed.
    struct Recorder {
        inner: ReferenceDecoder,
        reads: Vec<Vec<u8>>,
        eofs: usize,
    }

    impl FrameDecoder for Recorder {
        fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.reads.push(chunk.to_vec());
            self.inner.feed(chunk, frames)
        }
        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.eofs += 1;
            self.inner.eof(frames)
        }
    }

    /// A decoder that takes every read for one whole frame: the boundaries mean something to it.
    struct ReadIsFrame;

    impl FrameDecoder for ReadIsFrame {
        fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            frames.push(chunk[1..].to_vec());
            Ok(())
        }
        fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            Ok(())
        }
    }

    #[test]
    fn the_driver_feeds_each_read_once_in_order_then_eof() {
        let mut recorder = Recorder {
            inner: ReferenceDecoder::new("u8:max=3".parse().unwrap()),
            reads: Vec::new(),
            eofs: 0,
        };
        passes(&mut recorder, &two_frames(&[2, 5]));
        assert_eq!(recorder.reads, [&b"\x03a"[..], b"bc\x02", b"hi"]);
        assert_eq!(recorder.eofs, 1);
    }

    #[test]
    fn a_decoder_that_reads_meaning_into_chunk_boundaries_passes_only_when_they_fall_on_frames() {
        passes(ReadIsFrame, &two_frames(&[4]));
    }

    #[test]
    fn a_decoder_that_reads_meaning_into_chunk_boundaries_fails_when_a_read_splits_a_frame() {
        let f = fails(
            ReadIsFrame,
            &two_frames(&[2]),
            FailureKind::WrongFrame,
            Call::Chunk(0),
        );
        assert_eq!(
            f.detail,
            "frame #0 (3 bytes at offset 0): expected 616263, got 1 byte: 61; they differ from \
             byte 1"
        );
    }
}
