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
        End::Reject {
            at: At::Byte(_), ..
        } => breach(
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

/// Clause 2: an incomplete frame is never an error by itself.
#[cfg(test)]
mod clause2_tests {
    use crate::oracle::testing::{case, fails, passes, two_frames, Script, Then};
    use crate::oracle::{Call, FailureKind};

    /// `ab`, then an oversized header (9 > max 3) in the second read with the `b`.
    fn bad() -> crate::case::Case {
        case("u8:max=3", b"\x02ab\x09", &[2])
    }

    #[test]
    fn rejecting_from_the_read_that_proves_the_stream_bad_passes() {
        let script = Script::new()
            .call(&[], Then::Ok)
            .call(&[b"ab"], Then::Err("too long"));
        passes(script, &bad());
    }

    #[test]
    fn rejecting_an_incomplete_frame_of_a_valid_stream_is_caught_by_no_false_rejection() {
        let script = Script::new().call(&[], Then::Err("incomplete"));
        let f = fails(
            script,
            &two_frames(&[2]),
            FailureKind::FalseRejection,
            Call::Chunk(0),
        );
        assert_eq!(f.detail, "rejected a valid stream at chunk 0: incomplete");
    }

    #[test]
    fn rejecting_before_the_bytes_prove_the_stream_bad_is_caught_by_no_false_rejection() {
        let script = Script::new().call(&[], Then::Err("incomplete"));
        let f = fails(script, &bad(), FailureKind::FalseRejection, Call::Chunk(0));
        assert!(
            f.detail.starts_with(
                "rejected at chunk 0, before the stream went wrong (the frame at offset 3 is \
                 oversized: "
            ),
            "{}",
            f.detail
        );
        assert!(
            f.detail.ends_with("; due at chunk 1): incomplete"),
            "{}",
            f.detail
        );
    }
}

/// Clause 5: a bad header is rejected from the call that completes it, after the frames
/// before it, and it is rejected at all.
#[cfg(test)]
mod clause5_tests {
    use crate::oracle::testing::{case, fails, passes, Script, Then};
    use crate::oracle::{Call, FailureKind};

    /// `ab` and an oversized header (9 > max 3) in the first read, 3 payload bytes in the
    /// second.
    fn bad() -> crate::case::Case {
        case("u8:max=3", b"\x02ab\x09xyz", &[4])
    }

    #[test]
    fn rejecting_from_the_call_that_completes_the_bad_header_passes() {
        let script = Script::new().call(&[b"ab"], Then::Err("too long"));
        passes(script, &bad());
    }

    #[test]
    fn rejecting_before_the_frames_ahead_of_the_bad_one_is_caught_by_rejected_in_time() {
        let script = Script::new().call(&[], Then::Err("too long"));
        let f = fails(script, &bad(), FailureKind::MissingFrame, Call::Chunk(0));
        assert_eq!(
            f.detail,
            "frame #0 (2 bytes at offset 0) was never emitted before the rejection at chunk 0: \
             too long"
        );
    }

    #[test]
    fn rejecting_after_the_call_that_completes_the_bad_header_is_caught_by_rejected_in_time() {
        let script = Script::new()
            .call(&[b"ab"], Then::Ok)
            .call(&[], Then::Err("too long"));
        let f = fails(script, &bad(), FailureKind::LateRejection, Call::Chunk(1));
        assert!(
            f.detail
                .ends_with("; that was certain at chunk 0, but the rejection came only at chunk 1"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn never_rejecting_a_bad_header_is_caught_by_rejected_at_all() {
        let script = Script::new().call(&[b"ab"], Then::Ok);
        let f = fails(script, &bad(), FailureKind::MissedRejection, Call::Eof);
        assert!(
            f.detail.ends_with(", and the stream was never rejected"),
            "{}",
            f.detail
        );
    }
}

/// Clause 7: after an error it recovers from (`lines:resync`) the decoder goes on, and what
/// the rest of the erroring read completes is due from the next call.
#[cfg(test)]
mod clause7_tests {
    use crate::oracle::testing::{case, fails, passes, Script, Then};
    use crate::oracle::{Call, FailureKind};

    /// `ab`, an over-long line, and `cd` in the first read; `ef` in the second.
    fn resync() -> crate::case::Case {
        let c = case("lines:max=3:resync", b"ab\ntoolong\ncd\nef\n", &[14]);
        assert_eq!(c.stream.expectation().segments().len(), 2);
        c
    }

    #[test]
    fn going_on_after_a_recovered_error_passes() {
        let script = Script::new()
            .call(&[b"ab"], Then::Err("line too long"))
            .call(&[b"cd", b"ef"], Then::Ok);
        passes(script, &resync());
    }

    /// Without the move of `cd`'s due call past the error, this would be a stuck frame.
    #[test]
    fn recover_makes_the_rest_of_the_erroring_read_due_from_the_next_call() {
        let script = Script::new()
            .call(&[b"ab"], Then::Err("line too long"))
            .call(&[b"cd"], Then::Ok)
            .call(&[b"ef"], Then::Ok);
        let f = fails(script, &resync(), FailureKind::StuckFrame, Call::Eof);
        assert_eq!(
            f.detail,
            "frame #2 (2 bytes at offset 14) was complete after chunk 1 but came out only at EOF"
        );
    }

    #[test]
    fn rejecting_what_follows_a_recovered_error_is_caught_by_no_rejection_after_recovery() {
        let script = Script::new()
            .call(&[b"ab"], Then::Err("line too long"))
            .call(&[], Then::Err("dead after an error"));
        let f = fails(
            script,
            &resync(),
            FailureKind::FalseRejection,
            Call::Chunk(1),
        );
        assert_eq!(
            f.detail,
            "rejected at chunk 1 what follows a recovered error, which is valid: dead after an \
             error"
        );
    }
}
