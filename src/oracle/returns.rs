//! Contract clauses 8 and 9: every call returns, without panicking, within a memory budget
//! tied to the maximum frame length.
//!
//! These are the first steps of every call: a call that panicked, faulted or blew its budget
//! has no output worth judging. A panic is caught by [`catch_quietly`](super::catch_quietly)
//! and a hang by the suite's watchdog; an adapter around a decoder in another process raises a
//! [`Fault`](super::Fault) for a crash, a hang, a protocol error or its own memory bomb.

use crate::alloc::Usage;
use crate::framing::Framing;

use super::judge::{breach, Step};
use super::verdict::{CallOutcome, FailureKind};

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

/// [`memory_budget`] for a call that completes `frames` frames: [`OUTPUT_BYTES_PER_FRAME`]
/// more for each, for the output vector they are pushed onto. A read that completes a million
/// one-byte frames makes the best decoder push a million `Vec`s; that is no memory bomb.
pub fn memory_budget_for_frames(
    framing: &Framing,
    chunk_len: usize,
    frames: usize,
    slack: u64,
) -> u64 {
    memory_budget(framing, chunk_len, slack)
        .saturating_add((frames as u64).saturating_mul(OUTPUT_BYTES_PER_FRAME))
        .min(MEMORY_HARD_LIMIT)
}

/// What each frame a call completes adds to its memory budget: three `Vec` headers (24 bytes
/// each on 64-bit targets), for an output vector that doubles as it grows, holding its old
/// and its new buffer at once while it moves. (The frames' bytes are in the budget already:
/// they are the read's, and at most one frame begun before it.)
pub const OUTPUT_BYTES_PER_FRAME: u64 = 3 * std::mem::size_of::<Vec<u8>>() as u64;

/// The most any call may allocate, whatever the framing declares: 64 GiB.
pub const MEMORY_HARD_LIMIT: u64 = 64 << 30;

/// The default slack of the memory budget ([`memory_budget`]).
pub const DEFAULT_MEMORY_SLACK: u64 = 256 * 1024;

/// Clause 9: the call did not panic.
pub(super) fn no_panic(outcome: &CallOutcome) -> Step {
    match outcome {
        CallOutcome::Panicked(msg) => breach(FailureKind::Panic, format!("panicked: {msg}")),
        _ => Ok(()),
    }
}

/// Clause 9 (and 8, for a decoder in another process): the adapter raised no fault.
pub(super) fn no_fault(outcome: &CallOutcome) -> Step {
    match outcome {
        CallOutcome::Fault(kind, detail) => breach(*kind, detail.clone()),
        _ => Ok(()),
    }
}

/// Clause 8: the call held no more than `budget` bytes at its peak (when the counting
/// allocator is installed and measured it).
pub(super) fn within_budget(
    usage: Option<Usage>,
    budget: u64,
    framing: &Framing,
    chunk_len: usize,
    frames: usize,
) -> Step {
    match usage.filter(|u| u.peak > budget) {
        Some(u) => {
            let completes = match frames {
                0 => String::new(),
                1 => " that completes 1 frame".to_string(),
                n => format!(" that completes {n} frames"),
            };
            breach(
                FailureKind::MemoryBomb,
                format!(
                    "held {} bytes more at its peak than before the call (largest single \
                     request {} bytes); the budget is {budget} bytes, from the maximum frame \
                     length {} and a {chunk_len}-byte read{completes}",
                    u.peak,
                    u.largest,
                    framing.max_frame_len()
                ),
            )
        }
        None => Ok(()),
    }
}

/// Clause 8: memory use stays bounded by the maximum frame length. (The lib's tests install
/// the counting allocator, so the budget is measured here.)
#[cfg(test)]
mod clause8_tests {
    use crate::oracle::testing::{fails, passes, two_frames, Script, Then};
    use crate::oracle::{Call, FailureKind};

    #[test]
    fn holding_a_few_bytes_passes_within_budget() {
        let script = Script::new().call(&[b"abc", b"hi"], Then::Hold(64));
        passes(script, &two_frames(&[]));
    }

    #[test]
    fn holding_a_mebibyte_for_three_byte_frames_is_caught_by_within_budget() {
        let script = Script::new().call(&[b"abc", b"hi"], Then::Hold(1 << 20));
        let f = fails(
            script,
            &two_frames(&[]),
            FailureKind::MemoryBomb,
            Call::Chunk(0),
        );
        assert!(
            f.detail.ends_with(
                "the budget is 262324 bytes, from the maximum frame length 3 and a 7-byte read \
                 that completes 2 frames"
            ),
            "{}",
            f.detail
        );
    }
}

/// Clause 8 at scale: the output vector a read's frames are pushed onto is in the budget.
#[cfg(test)]
mod clause8_scale_tests {
    use std::sync::Arc;

    use crate::oracle::testing::{fails, passes, Script, Then};
    use crate::oracle::{Call, FailureKind};
    use crate::{Case, ReferenceDecoder, Schedule, Stream};

    /// 100,000 empty frames (a zero length byte each) in one read.
    fn bulk() -> Case {
        let f = "u8".parse().unwrap();
        let stream = Stream::raw(f, "bulk", vec![0; 100_000]);
        Case::new(Arc::new(stream), "whole", Schedule::whole())
    }

    /// Without the frames in the budget (about 4.6 MB here, for a 0.7 MB read), the
    /// reference decoder itself was a memory bomb.
    #[test]
    fn a_read_that_completes_a_hundred_thousand_frames_passes_within_budget() {
        passes(ReferenceDecoder::new("u8".parse().unwrap()), &bulk());
    }

    #[test]
    fn holding_far_more_than_the_frames_need_is_still_caught_by_within_budget() {
        let frames: Vec<&[u8]> = vec![&[]; 100_000];
        let script = Script::new().call(&frames, Then::Hold(64 << 20));
        let f = fails(script, &bulk(), FailureKind::MemoryBomb, Call::Chunk(0));
        assert!(
            f.detail
                .ends_with("and a 100000-byte read that completes 100000 frames"),
            "{}",
            f.detail
        );
    }
}

/// Clause 9: the decoder does not panic and returns from every call (an adapter around another
/// process raises a fault when it does not).
#[cfg(test)]
mod clause9_tests {
    use crate::oracle::testing::{fails, passes, two_frames, Script, Then};
    use crate::oracle::{Call, FailureKind};

    #[test]
    fn returning_from_every_call_passes() {
        let script = Script::new()
            .call(&[b"abc"], Then::Ok)
            .call(&[b"hi"], Then::Ok);
        passes(script, &two_frames(&[4]));
    }

    #[test]
    fn a_panic_is_caught_by_no_panic() {
        let script = Script::new()
            .call(&[b"abc"], Then::Ok)
            .call(&[], Then::Panic);
        let f = fails(
            script,
            &two_frames(&[4]),
            FailureKind::Panic,
            Call::Chunk(1),
        );
        assert!(
            f.detail.starts_with("panicked: scripted panic at "),
            "{}",
            f.detail
        );
    }

    #[test]
    fn a_fault_raised_by_an_adapter_is_caught_by_no_fault() {
        for kind in [
            FailureKind::Crash,
            FailureKind::Hang,
            FailureKind::ProtocolError,
        ] {
            let script = Script::new().call(&[], Then::Fault(kind));
            let f = fails(script, &two_frames(&[4]), kind, Call::Chunk(0));
            assert_eq!(f.detail, "scripted fault");
        }
    }
}
