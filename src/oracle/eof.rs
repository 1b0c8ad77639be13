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

/// Clause 6: an EOF inside a frame is an error; an unterminated last line under `:eof=emit` is
/// a frame that only `eof` pushes.
#[cfg(test)]
mod clause6_tests {
    use crate::oracle::testing::{case, fails, passes, Script, Then};
    use crate::oracle::{Call, FailureKind};

    /// `abc`, then a frame of 2 cut short after 1 byte.
    fn truncated() -> crate::case::Case {
        case("u8:max=3", b"\x03abc\x02h", &[])
    }

    #[test]
    fn rejecting_a_truncated_frame_at_eof_passes() {
        let script = Script::new()
            .call(&[b"abc"], Then::Ok)
            .call(&[], Then::Err("truncated"));
        passes(script, &truncated());
    }

    #[test]
    fn a_partial_frame_emitted_at_eof_is_caught_by_no_partial_frame() {
        let script = Script::new()
            .call(&[b"abc"], Then::Ok)
            .call(&[b"h"], Then::Ok);
        let f = fails(
            script,
            &truncated(),
            FailureKind::PartialFrameAtEof,
            Call::Eof,
        );
        assert!(
            f.detail.starts_with(
                "emitted a 1-byte frame at EOF although the frame at offset 4 is \
                 truncated-at-eof: "
            ),
            "{}",
            f.detail
        );
    }

    #[test]
    fn a_truncated_frame_dropped_at_eof_is_caught_by_truncation_reported() {
        let script = Script::new().call(&[b"abc"], Then::Ok).call(&[], Then::Ok);
        let f = fails(
            script,
            &truncated(),
            FailureKind::TruncationIgnored,
            Call::Eof,
        );
        assert!(f.detail.ends_with(", and EOF returned Ok"), "{}", f.detail);
    }

    #[test]
    fn an_unterminated_line_from_eof_passes() {
        let script = Script::new()
            .call(&[b"ab"], Then::Ok)
            .call(&[b"cd"], Then::Ok);
        passes(script, &case("lines:max=16:eof=emit", b"ab\ncd", &[]));
    }

    #[test]
    fn an_unterminated_line_before_eof_is_caught_by_unterminated_line_from_eof() {
        let script = Script::new().call(&[b"ab", b"cd"], Then::Ok);
        let lines = case("lines:max=16:eof=emit", b"ab\ncd", &[]);
        let f = fails(script, &lines, FailureKind::WrongFrame, Call::Chunk(0));
        assert_eq!(
            f.detail,
            "frame #1 (2 bytes at offset 3) came out at chunk 0, before EOF: it is an \
             unterminated last line, which only EOF ends (more bytes, and its newline, could \
             still come)"
        );
    }
}
