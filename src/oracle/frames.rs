//! Contract clauses 3 and 4: every frame a call completes comes out of that call, in stream
//! order, with its own bytes; none is stuck, lost, reordered or made up.
//!
//! The steps compare each pushed frame with the next one the stream holds ([`Judge::next`]),
//! and the call it came out of with the call its last byte arrived in ([`Judge::due`]). A frame
//! that a call returning `Ok` should have pushed but did not is remembered as *overdue*: if it
//! comes out later it is stuck, and if it never does, the rejection or the EOF that ends the
//! case says so.

use super::judge::{breach, Judge, Step};
use super::short_hex;
use super::verdict::FailureKind;
use crate::framing::End;

/// Clause 3: the call only pushed onto the output vector (the sentinel the driver put first is
/// still there), so a caller collecting frames across calls keeps them.
pub(super) fn pushes_only(kept: bool) -> Step {
    if kept {
        return Ok(());
    }
    breach(
        FailureKind::WrongFrame,
        "removed or replaced what was already in the output vector: `feed` and `eof` \
         must only push onto it (a caller may be collecting frames across calls)"
            .to_string(),
    )
}

/// Clause 4: the stream (or its segment, before an error) still owes a frame.
pub(super) fn expected_frame(j: &Judge, f: &[u8]) -> Step {
    if j.next < j.seg_end {
        return Ok(());
    }
    let more = if matches!(j.end, End::Clean) {
        String::new()
    } else {
        format!(" before the bad one ({})", j.describe_end())
    };
    breach(
        FailureKind::ExtraFrame,
        format!(
            "emitted frame #{} ({} bytes: {}), but the stream holds only {} frames{more}",
            j.next,
            f.len(),
            short_hex(f),
            j.seg_end
        ),
    )
}

/// Clause 4: the frame has the bytes of the next frame the stream holds; if it has those of a
/// later one, the frames between were lost.
pub(super) fn right_bytes(j: &Judge, f: &[u8]) -> Step {
    let next = j.next;
    let want = j.payload(next);
    if f == want {
        return Ok(());
    }
    let skipped_to = (next + 1..j.seg_end).find(|&i| j.payload(i) == f);
    if let Some(i) = skipped_to {
        return breach(
            FailureKind::MissingFrame,
            format!(
                "{} was never emitted: the next frame to come out was #{i}",
                j.frame_desc(next)
            ),
        );
    }
    let diff = want
        .iter()
        .zip(f.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(f.len()));
    breach(
        FailureKind::WrongFrame,
        format!(
            "{}: expected {}, got {} bytes: {}; they differ from byte {diff}",
            j.frame_desc(next),
            short_hex(want),
            f.len(),
            short_hex(f)
        ),
    )
}

/// Clause 3: the next frame came out of call `c` no later than the call it was due from.
pub(super) fn on_time(j: &Judge, c: usize) -> Step {
    let next = j.next;
    if c <= j.due[next] {
        return Ok(());
    }
    breach(
        FailureKind::StuckFrame,
        format!(
            "{} was {} but came out only at {}",
            j.frame_desc(next),
            j.when_due(j.due[next]),
            j.call_at(c)
        ),
    )
}

/// Clause 3: after call `c` returned `Ok`, remembers the first frame it should have pushed and
/// did not.
pub(super) fn note_overdue(j: &mut Judge, c: usize) {
    if j.overdue.is_none() && j.next < j.seg_end && j.due[j.next] <= c {
        j.overdue = Some(j.next);
    }
}

/// Clause 3: no frame was overdue when call `c` rejected the stream with `msg`.
pub(super) fn none_overdue(j: &Judge, c: usize, msg: &str) -> Step {
    match j.overdue {
        None => Ok(()),
        Some(i) => breach(
            FailureKind::StuckFrame,
            format!(
                "{} was {} but never came out; {} then rejected the stream: {msg}",
                j.frame_desc(i),
                j.when_due(j.due[i]),
                j.call_at(c)
            ),
        ),
    }
}

/// Clause 4: by an EOF that returned `Ok`, every frame of the stream came out.
pub(super) fn none_lost(j: &Judge) -> Step {
    if j.next >= j.seg_end {
        return Ok(());
    }
    let i = j.overdue.unwrap_or(j.next);
    breach(
        FailureKind::MissingFrame,
        format!(
            "{} was {} but never came out, and EOF returned Ok",
            j.frame_desc(i),
            j.when_due(j.due[i])
        ),
    )
}
