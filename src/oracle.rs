//! The oracle: runs one case against a decoder and judges what came out.
//!
//! For a valid stream the decoder must emit exactly the input messages, in order, each from
//! the very call that delivered its last byte, return no error, and end cleanly at EOF. For an
//! invalid stream it must emit exactly the frames before the bad one and then reject the
//! stream: a bad header from the call that completes it, a truncated frame at EOF.
//!
//! Three kinds of outcome are kept apart: the decoder's own result ([`Rejection`]), the
//! harness's [`Verdict`] on a case, and the library's [`Error`](crate::Error).
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

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use crate::adapter::FrameDecoder;
use crate::alloc::metered_with_ceiling;
use crate::case::Case;
use crate::error::hex;
use crate::framing::{At, End, ErrorClass, ExpectedFrame, Framing};

/// The kind of a failed case. Each has a stable kebab-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureKind {
    /// A frame came out with the wrong bytes.
    WrongFrame,
    /// A frame never came out, while later ones did (or EOF found nothing buffered).
    MissingFrame,
    /// More frames came out than the stream holds.
    ExtraFrame,
    /// A frame came out later than the call that completed it, or stayed buffered: the
    /// missing drain loop of the seed explainer's "Check yourself".
    StuckFrame,
    /// The stream ended inside a frame, and the partial frame was emitted as if whole.
    PartialFrameAtEof,
    /// A valid stream, or a valid prefix, was rejected.
    FalseRejection,
    /// A bad header was rejected, but only after the call that completed it (after buffering
    /// the payload, say).
    LateRejection,
    /// A bad header was never rejected.
    MissedRejection,
    /// The stream ended inside a frame and EOF reported nothing.
    TruncationIgnored,
    /// The decoder panicked.
    Panic,
    /// A call did not return within the timeout.
    Hang,
    /// A call allocated more than the budget tied to the maximum frame length.
    MemoryBomb,
    /// A decoder in another process exited or was killed by a signal.
    Crash,
    /// A decoder in another process broke the exec protocol (a line that is not `FRAME`,
    /// `DONE` or `ERROR`, bad hex).
    ProtocolError,
}

impl FailureKind {
    /// Every kind, in report order.
    pub const ALL: [FailureKind; 14] = [
        FailureKind::WrongFrame,
        FailureKind::MissingFrame,
        FailureKind::ExtraFrame,
        FailureKind::StuckFrame,
        FailureKind::PartialFrameAtEof,
        FailureKind::FalseRejection,
        FailureKind::LateRejection,
        FailureKind::MissedRejection,
        FailureKind::TruncationIgnored,
        FailureKind::Panic,
        FailureKind::Hang,
        FailureKind::MemoryBomb,
        FailureKind::Crash,
        FailureKind::ProtocolError,
    ];

    /// The stable kebab-case name, as printed in reports.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::WrongFrame => "wrong-frame",
            FailureKind::MissingFrame => "missing-frame",
            FailureKind::ExtraFrame => "extra-frame",
            FailureKind::StuckFrame => "stuck-frame",
            FailureKind::PartialFrameAtEof => "partial-frame-at-eof",
            FailureKind::FalseRejection => "false-rejection",
            FailureKind::LateRejection => "late-rejection",
            FailureKind::MissedRejection => "missed-rejection",
            FailureKind::TruncationIgnored => "truncation-ignored",
            FailureKind::Panic => "panic",
            FailureKind::Hang => "hang",
            FailureKind::MemoryBomb => "memory-bomb",
            FailureKind::Crash => "crash",
            FailureKind::ProtocolError => "protocol-error",
        }
    }

    /// The kind named `name` (the inverse of [`name`](FailureKind::name)).
    pub fn from_name(name: &str) -> Option<FailureKind> {
        FailureKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the kind is a fault of the decoder's process or thread (hang, crash, protocol
    /// error, memory bomb) rather than a wrong answer: such faults cost a timeout, a restart of
    /// the program or gigabytes, and a run stops after too many of them.
    pub fn is_fault(self) -> bool {
        matches!(
            self,
            FailureKind::Hang
                | FailureKind::Crash
                | FailureKind::ProtocolError
                | FailureKind::MemoryBomb
        )
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A call into the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// `feed` with read number N (from 0).
    Chunk(usize),
    /// `eof`.
    Eof,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Chunk(i) => write!(f, "chunk {i}"),
            Call::Eof => f.write_str("EOF"),
        }
    }
}

/// How a call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `Ok(())`.
    Ok,
    /// `Err`, with the decoder's message.
    Rejected(String),
    /// A panic, with its message.
    Panicked(String),
    /// A fault raised by an out-of-process adapter ([`Fault`]).
    Fault(FailureKind, String),
    /// It did not return in time.
    Hung,
}

/// One call into the decoder and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// Which call.
    pub call: Call,
    /// The frames it pushed.
    pub frames: Vec<Vec<u8>>,
    /// How it returned.
    pub outcome: Outcome,
}

/// Everything the decoder did in one case, call by call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// The calls, in order.
    pub calls: Vec<CallRecord>,
}

/// Why a case failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The kind, by which failures are grouped and shrunk.
    pub kind: FailureKind,
    /// The call at which the failure became certain.
    pub call: Call,
    /// What went wrong, in one or two sentences.
    pub detail: String,
    /// What the decoder did.
    pub transcript: Transcript,
}

/// The harness's judgement of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The decoder did exactly what the specification says.
    Pass,
    /// It did not.
    Fail(Failure),
    /// The case was not run, for the reason given.
    Skip(String),
}

impl Verdict {
    /// Whether the case passed.
    pub fn is_pass(&self) -> bool {
        matches!(self, Verdict::Pass)
    }

    /// The failure, if the case failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Verdict::Fail(f) => Some(f),
            _ => None,
        }
    }
}

/// The most a single call may allocate before the case fails as a memory bomb: twice the
/// largest frame (a buffer that doubles as it grows), four times the chunk (the chunk copied
/// in and the frames it completes copied out), and a slack ([`DEFAULT_MEMORY_SLACK`], 256 KiB,
/// unless [`Suite::memory_slack`](crate::Suite::memory_slack) says otherwise).
///
/// Never more than [`MEMORY_HARD_LIMIT`] (64 GiB), whatever the maximum frame length: with no
/// practical maximum (`u64be:max=18446744073709551615`), a decoder that reserves what a hostile
/// header announces still asks for more than any machine has, and that is a memory bomb too.
pub fn memory_budget(framing: &Framing, chunk_len: usize, slack: u64) -> u64 {
    let max = framing.max_frame_len();
    let frame = max.saturating_add(framing.header_len(max) as u64);
    frame
        .saturating_mul(2)
        .saturating_add((chunk_len as u64).saturating_mul(4))
        .saturating_add(slack)
        .min(MEMORY_HARD_LIMIT)
}

/// The most any call may allocate, whatever the framing declares: 64 GiB.
pub const MEMORY_HARD_LIMIT: u64 = 64 << 30;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that stays silent for panics inside decoder calls and records
/// where they happened; other panics go to the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) {
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let msg = payload_message(info.payload());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic with a non-string payload)".to_string()
    }
}

/// A fault of a decoder that is not a wrong answer: an adapter that drives a decoder in
/// another process raises one (with [`Fault::raise`]) when the process crashes, hangs, breaks
/// the protocol or outgrows its memory budget, and the oracle turns it into a verdict of that
/// kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The verdict kind.
    pub kind: FailureKind,
    /// What happened, for the report.
    pub detail: String,
}

impl Fault {
    /// Unwinds out of the decoder call with this fault; the oracle catches it.
    pub fn raise(self) -> ! {
        panic::panic_any(self)
    }
}

/// What a decoder call ended with, when it did not return.
#[derive(Clone, Debug)]
pub(crate) enum Caught {
    Panic(String),
    Fault(Fault),
}

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caught::Panic(m) => f.write_str(m),
            Caught::Fault(fault) => write!(f, "{}: {}", fault.kind, fault.detail),
        }
    }
}

/// Runs `f` with the panic hook quiet, turning a panic into its message (or its [`Fault`]).
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    install_panic_hook();
    let was_quiet = QUIET.with(|q| q.replace(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was_quiet));
    r.map_err(|payload| {
        let message = LAST_PANIC.with(|p| p.borrow_mut().take());
        match payload.downcast::<Fault>() {
            Ok(fault) => Caught::Fault(*fault),
            Err(payload) => Caught::Panic(message.unwrap_or_else(|| payload_message(&*payload))),
        }
    })
}

/// Runs `case` against `decoder` and judges it. Panics are caught and allocations metered
/// (when [`CountingAlloc`](crate::CountingAlloc) is installed); there is no hang watchdog here:
/// [`Suite`](crate::Suite) adds one.
pub fn check<D: FrameDecoder + ?Sized>(decoder: &mut D, case: &Case) -> Verdict {
    check_with_progress(decoder, case, None, DEFAULT_MEMORY_SLACK)
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

    /// How long the latest call has been running (or ran, if it returned since).
    pub(crate) fn age(&self) -> std::time::Duration {
        let started = self.started.load(Ordering::SeqCst);
        let now = self.base.elapsed().as_nanos() as u64;
        std::time::Duration::from_nanos(now.saturating_sub(started))
    }
}

/// The bytes always in the output vector before a call: a decoder must push, never clear.
const SENTINEL: &[u8] = b"\xf0framecheck: a frame pushed by an earlier call\xf0";

/// The default slack of the memory budget ([`memory_budget`]).
pub const DEFAULT_MEMORY_SLACK: u64 = 256 * 1024;

/// [`check`], publishing each call in `progress` before making it.
pub(crate) fn check_with_progress<D: FrameDecoder + ?Sized>(
    decoder: &mut D,
    case: &Case,
    progress: Option<&Progress>,
    memory_slack: u64,
) -> Verdict {
    let stream = case.stream.bytes();
    let framing = case.stream.framing();
    let ranges = case.schedule.ranges(stream.len());
    let n = ranges.len();
    let call_at = |c: usize| if c < n { Call::Chunk(c) } else { Call::Eof };
    // The expectation, and the ones it resumes into after errors the decoder recovers from
    // (`lines:resync`): one segment each, their frames numbered together.
    let segments = case.stream.expectation().segments();
    let frames: Vec<&ExpectedFrame> = segments.iter().flat_map(|s| &s.frames).collect();
    let seg_ends: Vec<usize> = segments
        .iter()
        .scan(0, |k, s| {
            *k += s.frames.len();
            Some(*k)
        })
        .collect();
    let mut seg = 0;
    let mut seg_end = seg_ends[0];
    let mut end = &segments[0].end;
    let mut due: Vec<usize> = frames.iter().map(|f| call_of(case, n, f.due())).collect();
    let mut window = reject_window_of(case, n, end);
    let describe_end = |end: &End| match end {
        End::Clean => String::new(),
        End::Reject {
            class, start, why, ..
        } => format!("the frame at offset {start} is {}: {why}", class.name()),
    };
    // "complete after chunk 3", or for an unterminated last line (or a frame after an error
    // in the last read) "due at EOF".
    let when_due = |c: usize| {
        if c < n {
            format!("complete after chunk {c}")
        } else {
            "due at EOF".to_string()
        }
    };
    let frame_desc = |i: usize| {
        let f = &frames[i];
        format!(
            "frame #{i} ({} at offset {})",
            plural(f.payload.len(), "byte"),
            f.start
        )
    };

    // Earlier calls: how many frames each emitted (they matched the expected ones, so their
    // bytes need not be kept) and how it returned. A transcript is built only on failure.
    let mut done: Vec<(usize, Outcome)> = Vec::new();
    let mut next = 0usize;
    let mut overdue: Option<usize> = None;
    // The output vector the decoder pushes onto, kept across calls with a sentinel frame first:
    // a decoder that clears or replaces it is caught, at the cost of no allocation per call.
    let mut out: Vec<Vec<u8>> = vec![SENTINEL.to_vec()];
    let mut c = 0;
    loop {
        let (reject_from, reject_due) = (window.map(|w| w.0), window.map(|w| w.1));
        let call = call_at(c);
        let chunk_len = ranges.get(c).map_or(0, |r| r.len());
        let budget = memory_budget(&framing, chunk_len, memory_slack);
        if let Some(p) = progress {
            p.begin(c);
        }
        let (outcome, usage) = metered_with_ceiling(budget, || {
            call_decoder(decoder, stream, &ranges, c, &mut out)
        });
        let kept = out.first().is_some_and(|f| f.as_slice() == SENTINEL);
        let current: &[Vec<u8>] = if kept { &out[1..] } else { &out[..] };
        let fail = |kind, detail: String| {
            let mut calls = Vec::with_capacity(done.len() + 1);
            let mut k = 0;
            for (j, (count, outcome)) in done.iter().enumerate() {
                let emitted = frames[k..k + count]
                    .iter()
                    .map(|f| stream[f.payload.clone()].to_vec())
                    .collect();
                k += count;
                calls.push(CallRecord {
                    call: call_at(j.min(n)),
                    frames: emitted,
                    outcome: outcome.clone(),
                });
            }
            calls.push(CallRecord {
                call,
                frames: current.to_vec(),
                outcome: outcome.clone(),
            });
            Verdict::Fail(Failure {
                kind,
                call,
                detail,
                transcript: Transcript { calls },
            })
        };
        if let Outcome::Panicked(msg) = &outcome {
            return fail(FailureKind::Panic, format!("panicked: {msg}"));
        }
        if let Outcome::Fault(kind, detail) = &outcome {
            return fail(*kind, detail.clone());
        }
        if !kept {
            return fail(
                FailureKind::WrongFrame,
                "removed or replaced what was already in the output vector: `feed` and `eof` \
                 must only push onto it (a caller may be collecting frames across calls)"
                    .to_string(),
            );
        }
        if let Some(u) = usage.filter(|u| u.peak > budget) {
            return fail(
                FailureKind::MemoryBomb,
                format!(
                    "held {} bytes more at its peak than before the call (largest single \
                     request {} bytes); the budget is {budget} bytes, from the maximum frame \
                     length {} and a {chunk_len}-byte read",
                    u.peak,
                    u.largest,
                    framing.max_frame_len()
                ),
            );
        }

        for f in current {
            if next >= seg_end {
                let truncated = matches!(
                    end,
                    End::Reject {
                        class: ErrorClass::TruncatedAtEof,
                        ..
                    }
                );
                let (kind, detail) = if c == n && truncated {
                    (
                        FailureKind::PartialFrameAtEof,
                        format!(
                            "emitted a {}-byte frame at EOF although {}",
                            f.len(),
                            describe_end(end)
                        ),
                    )
                } else {
                    let more = if matches!(end, End::Clean) {
                        String::new()
                    } else {
                        format!(" before the bad one ({})", describe_end(end))
                    };
                    (
                        FailureKind::ExtraFrame,
                        format!(
                            "emitted frame #{next} ({} bytes: {}), but the stream holds only \
                             {} frames{more}",
                            f.len(),
                            short_hex(f),
                            seg_end
                        ),
                    )
                };
                return fail(kind, detail);
            }
            let want = &stream[frames[next].payload.clone()];
            if f.as_slice() != want {
                let skipped_to = (next + 1..seg_end)
                    .find(|&j| &stream[frames[j].payload.clone()] == f.as_slice());
                if let Some(j) = skipped_to {
                    return fail(
                        FailureKind::MissingFrame,
                        format!(
                            "{} was never emitted: the next frame to come out was #{j}",
                            frame_desc(next)
                        ),
                    );
                }
                let diff = want
                    .iter()
                    .zip(f.iter())
                    .position(|(a, b)| a != b)
                    .unwrap_or(want.len().min(f.len()));
                return fail(
                    FailureKind::WrongFrame,
                    format!(
                        "{}: expected {}, got {} bytes: {}; they differ from byte {diff}",
                        frame_desc(next),
                        short_hex(want),
                        f.len(),
                        short_hex(f)
                    ),
                );
            }
            if frames[next].at_eof && c < due[next] {
                return fail(
                    FailureKind::WrongFrame,
                    format!(
                        "{} came out at {call}, before EOF: it is an unterminated last line, \
                         which only EOF ends (more bytes, and its newline, could still come)",
                        frame_desc(next)
                    ),
                );
            }
            if c > due[next] {
                return fail(
                    FailureKind::StuckFrame,
                    format!(
                        "{} was {} but came out only at {call}",
                        frame_desc(next),
                        when_due(due[next])
                    ),
                );
            }
            next += 1;
        }

        match &outcome {
            Outcome::Rejected(msg) => {
                if let Some(i) = overdue {
                    return fail(
                        FailureKind::StuckFrame,
                        format!(
                            "{} was {} but never came out; {call} then rejected the stream: \
                             {msg}",
                            frame_desc(i),
                            when_due(due[i])
                        ),
                    );
                }
                let verdict = match reject_due {
                    None if seg > 0 => fail(
                        FailureKind::FalseRejection,
                        format!(
                            "rejected at {call} what follows a recovered error, which is \
                             valid: {msg}"
                        ),
                    ),
                    None => fail(
                        FailureKind::FalseRejection,
                        format!("rejected a valid stream at {call}: {msg}"),
                    ),
                    Some(r) if reject_from.is_some_and(|from| c < from) => fail(
                        FailureKind::FalseRejection,
                        format!(
                            "rejected at {call}, before the stream went wrong ({}; due at {}): \
                             {msg}",
                            describe_end(end),
                            call_at(r)
                        ),
                    ),
                    Some(_) if next < seg_end => fail(
                        FailureKind::MissingFrame,
                        format!(
                            "{} was never emitted before the rejection at {call}: {msg}",
                            frame_desc(next)
                        ),
                    ),
                    Some(r) if c > r => fail(
                        FailureKind::LateRejection,
                        format!(
                            "{}; that was certain at {}, but the rejection came only at {call}",
                            describe_end(end),
                            call_at(r)
                        ),
                    ),
                    Some(_) => Verdict::Pass,
                };
                if !verdict.is_pass() || seg + 1 == segments.len() {
                    return verdict;
                }
                // A recoverable error, reported in time: the decoder goes on. What the rest of
                // this call's bytes complete is due from the next call (the `Err` ended this
                // one), and at EOF the harness calls `eof` again.
                seg += 1;
                seg_end = seg_ends[seg];
                end = &segments[seg].end;
                window = reject_window_of(case, n, end).map(|(a, b)| (a.max(c + 1), b.max(c + 1)));
                for d in &mut due[next..seg_end] {
                    *d = (*d).max(c + 1).min(n);
                }
                if let Some((a, b)) = window.as_mut() {
                    *a = (*a).min(n);
                    *b = (*b).min(n);
                }
                overdue = None;
                let emitted = current.len();
                out.truncate(1);
                done.push((emitted, outcome.clone()));
                c = (c + 1).min(n);
                continue;
            }
            Outcome::Ok => {
                if overdue.is_none() && next < seg_end && due[next] <= c {
                    overdue = Some(next);
                }
                if c < n {
                    let emitted = current.len();
                    out.truncate(1);
                    done.push((emitted, Outcome::Ok));
                    c += 1;
                    continue;
                }
                if next < seg_end {
                    let i = overdue.unwrap_or(next);
                    return fail(
                        FailureKind::MissingFrame,
                        format!(
                            "{} was {} but never came out, and EOF returned Ok",
                            frame_desc(i),
                            when_due(due[i])
                        ),
                    );
                }
                return match end {
                    End::Clean => Verdict::Pass,
                    End::Reject { at: At::Eof, .. } => fail(
                        FailureKind::TruncationIgnored,
                        format!("{}, and EOF returned Ok", describe_end(end)),
                    ),
                    End::Reject { .. } => fail(
                        FailureKind::MissedRejection,
                        format!("{}, and the stream was never rejected", describe_end(end)),
                    ),
                };
            }
            Outcome::Panicked(_) | Outcome::Fault(..) | Outcome::Hung => {
                unreachable!("handled above")
            }
        }
    }
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
        let recovered = matches!(outcome, Outcome::Rejected(_)) && recoveries > 0;
        let stop = outcome != Outcome::Ok && !recovered;
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
) -> Outcome {
    let result = catch_quietly(|| match ranges.get(c) {
        Some(r) => decoder.feed(&stream[r.clone()], out),
        None => decoder.eof(out),
    });
    match result {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(rejection)) => Outcome::Rejected(rejection.to_string()),
        Err(Caught::Panic(msg)) => Outcome::Panicked(msg),
        Err(Caught::Fault(f)) => Outcome::Fault(f.kind, f.detail),
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
