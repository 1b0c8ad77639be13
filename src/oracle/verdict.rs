//! The harness's side of a case: what a decoder call did ([`Call`], [`CallOutcome`],
//! [`CallRecord`], [`Transcript`]) and the judgement on the case ([`Verdict`], [`Failure`],
//! [`FailureKind`]).
//!
//! These are plain data, kept apart from the checks that produce them so that the suite, the
//! shrinker, the reports and the exec protocol can read them without the oracle's machinery.

use std::fmt;

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
    /// Memory held between streams grew steadily across the run, beyond a slack: a verdict on
    /// the whole run, carried by its last stream (see `leak`).
    MemoryLeak,
    /// A decoder in another process exited or was killed by a signal.
    Crash,
    /// A decoder in another process broke the exec protocol (a line that is not `FRAME`,
    /// `DONE` or `ERROR`, bad hex).
    ProtocolError,
}

impl FailureKind {
    /// Every kind, in report order.
    pub const ALL: [FailureKind; 15] = [
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
        FailureKind::MemoryLeak,
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
            FailureKind::MemoryLeak => "memory-leak",
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
pub enum CallOutcome {
    /// `Ok(())`.
    Ok,
    /// `Err`, with the decoder's message.
    Rejected(String),
    /// A panic, with its message.
    Panicked(String),
    /// A fault raised by an out-of-process adapter ([`Fault`](crate::oracle::Fault)).
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
    pub outcome: CallOutcome,
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

#[cfg(test)]
mod tests {
    use super::FailureKind;

    #[test]
    fn every_kind_name_reads_back_as_that_kind() {
        for kind in FailureKind::ALL {
            assert_eq!(FailureKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(FailureKind::from_name("no-such-kind"), None);
    }
}
