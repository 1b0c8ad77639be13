//! Contract clauses 2, 5 and 7: when a decoder may, must and may no longer reject.
//!
//! - Clause 2: an incomplete frame is never an error by itself, so a rejection of a valid
//!   stream, or before the bytes so far prove the stream bad, is false.
//! - Clause 5: a bad header is rejected from the call that completes it (or any call from the
//!   first whose bytes prove it bad), after the frames before it came out.
//! - Clause 7: after an error the decoder recovers from (`lines:resync`), it goes on, and
//!   what the rest of the erroring read completes is due from the next call.

use crate::framing::{At, End};

use super::judge::{breach, Judge, Step};
use super::verdict::FailureKind;

/// Clause 7: after a recovered error, call `c` did not reject what follows, which is valid.
pub(super) fn no_rejection_after_recovery(j: &Judge, c: usize, msg: &str) -> Step {
    if j.window.is_some() || j.seg == 0 {
        return Ok(());
    }
    breach(
        FailureKind::FalseRejection,
        format!(
            "rejected at {} what follows a recovered error, which is valid: {msg}",
            j.call_at(c)
        ),
    )
}

/// Clause 2: call `c` rejected a stream that is invalid, and not before its bytes so far
/// proved it.
pub(super) fn no_false_rejection(j: &Judge, c: usize, msg: &str) -> Step {
    let call = j.call_at(c);
    match j.window {
        None => breach(
            FailureKind::FalseRejection,
            format!("rejected a valid stream at {call}: {msg}"),
        ),
        Some((from, r)) if c < from => breach(
            FailureKind::FalseRejection,
            format!(
                "rejected at {call}, before the stream went wrong ({}; due at {}): {msg}",
                j.describe_end(),
                j.call_at(r)
            ),
        ),
        Some(_) => Ok(()),
    }
}

/// Clause 5: the rejection at call `c` came after every frame before the bad one, and no later
/// than the call that completed the bad header.
pub(super) fn rejected_in_time(j: &Judge, c: usize, msg: &str) -> Step {
    let call = j.call_at(c);
    match j.window {
        Some(_) if j.next < j.seg_end => breach(
            FailureKind::MissingFrame,
            format!(
                "{} was never emitted before the rejection at {call}: {msg}",
                j.frame_desc(j.next)
            ),
        ),
        Some((_, r)) if c > r => breach(
            FailureKind::LateRejection,
            format!(
                "{}; that was certain at {}, but the rejection came only at {call}",
                j.describe_end(),
                j.call_at(r)
            ),
        ),
        _ => Ok(()),
    }
}

/// Clause 5: an EOF that returned `Ok` did not end a stream whose bad header was never
/// rejected.
pub(super) fn rejected_at_all(j: &Judge) -> Step {
    match j.end {
        End::Reject { at: At::Byte(_), .. } => breach(
            FailureKind::MissedRejection,
            format!("{}, and the stream was never rejected", j.describe_end()),
        ),
        _ => Ok(()),
    }
}

/// Clause 7: a recoverable error, reported in time at call `c`: the decoder goes on into the
/// next segment. What the rest of this call's bytes complete is due from the next call (the
/// `Err` ended this one), and at EOF the harness calls `eof` again.
pub(super) fn recover(j: &mut Judge, c: usize) {
    j.resume_after(c);
}
