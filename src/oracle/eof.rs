//! Contract clause 6: an EOF in the middle of a frame is an error; the partial frame is
//! neither dropped silently nor emitted as if it were whole. Under lines declared `:eof=emit`,
//! the unterminated last line is a frame, and only `eof` may push it.

use crate::framing::{At, End, ErrorClass};

use super::judge::{breach, Judge, Step};
use super::verdict::FailureKind;

/// Clause 6: a frame pushed by the EOF call `c` of a stream that ends inside a frame, after the
/// last whole one, is the partial frame emitted as if it were whole.
pub(super) fn no_partial_frame(j: &Judge, c: usize, f: &[u8]) -> Step {
    let truncated = matches!(
        j.end,
        End::Reject {
            class: ErrorClass::TruncatedAtEof,
            ..
        }
    );
    if j.next < j.seg_end || c != j.n || !truncated {
        return Ok(());
    }
    breach(
        FailureKind::PartialFrameAtEof,
        format!(
            "emitted a {}-byte frame at EOF although {}",
            f.len(),
            j.describe_end()
        ),
    )
}

/// Clause 6: an unterminated last line (`:eof=emit`) came out of EOF, not of call `c` before.
pub(super) fn unterminated_line_from_eof(j: &Judge, c: usize) -> Step {
    let next = j.next;
    if !j.frames[next].at_eof || c >= j.due[next] {
        return Ok(());
    }
    breach(
        FailureKind::WrongFrame,
        format!(
            "{} came out at {}, before EOF: it is an unterminated last line, \
             which only EOF ends (more bytes, and its newline, could still come)",
            j.frame_desc(next),
            j.call_at(c)
        ),
    )
}

/// Clause 6: an EOF that returned `Ok` did not end a stream that stops inside a frame.
pub(super) fn truncation_reported(j: &Judge) -> Step {
    match j.end {
        End::Reject { at: At::Eof, .. } => breach(
            FailureKind::TruncationIgnored,
            format!("{}, and EOF returned Ok", j.describe_end()),
        ),
        _ => Ok(()),
    }
}
