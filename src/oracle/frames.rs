//! Contract clauses 3 and 4: every frame a call completes comes out of that call, in stream
//! order, with its own bytes; none is stuck, lost, reordered or made up.
//!
//! The steps compare each pushed frame with the next one the stream holds ([`Judge::next`]),
//! and the call it came out of with the call its last byte arrived in ([`Judge::due`]). A frame
//! that a call returning `Ok` should have pushed but did not is remembered as *overdue*: if it
//! comes out later it is stuck, and if it never does, the rejection or the EOF that ends the
//! case says so.

use super::judge::{breach, Judge, Step};
use super::verdict::FailureKind;
use super::{plural, short_hex};
use crate::framing::{End, Framing, Wire};

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
            "emitted frame #{} ({}: {}), but the stream holds only {} frames{more}",
            j.next,
            plural(f.len(), "byte"),
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
    // Lengths first: comparing two empty slices through `memcmp` reads from their dangling
    // pointers with a masked load that costs hundreds of cycles on some CPUs, and a stream of
    // a million empty frames makes a million of those comparisons.
    if f.len() == want.len() && (want.is_empty() || f == want) {
        return Ok(());
    }
    let crlf = crlf_hint(j.framing, want, f);
    let skipped_to = (next + 1..j.seg_end).find(|&i| j.payload(i) == f);
    if let Some(i) = skipped_to {
        return breach(
            FailureKind::MissingFrame,
            format!(
                "{} was never emitted: the next frame to come out was #{i}{crlf}",
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
            "{}: expected {}, got {}: {}; they differ from byte {diff}{crlf}",
            j.frame_desc(next),
            short_hex(want),
            plural(f.len(), "byte"),
            short_hex(f)
        ),
    )
}

/// For a frame of plain `lines` that came out as expected but for the `\r` it ends with: does
/// the decoder strip `\r\n`, which the framing does not say? (`""` otherwise.) A question: the
/// same frame may also be the next one, come out early.
fn crlf_hint(framing: Framing, want: &[u8], got: &[u8]) -> &'static str {
    let plain_lines = matches!(framing.wire(), Wire::Lines(l) if !l.crlf);
    if plain_lines && want.last() == Some(&b'\r') && got == &want[..want.len() - 1] {
        "; did the decoder drop the \\r before the newline? Under plain lines a \\r stays in \
         the frame; if the decoder strips \\r\\n line ends on purpose, say so with :crlf \
         (--framing lines:crlf)"
    } else {
        ""
    }
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

/// Clause 3: every frame a call completes comes out of that call, pushed onto the output.
#[cfg(test)]
mod clause3_tests {
    use crate::oracle::testing::{case, fails, passes, two_frames, Script, Then};
    use crate::oracle::{Call, FailureKind};

    #[test]
    fn pushing_every_frame_from_the_call_that_completes_it_passes() {
        let script = Script::new()
            .call(&[b"abc"], Then::Ok)
            .call(&[b"hi"], Then::Ok);
        passes(script, &two_frames(&[5]));
    }

    #[test]
    fn clearing_the_output_vector_is_caught_by_pushes_only() {
        let script = Script::new().call(&[b"abc", b"hi"], Then::Clear);
        let f = fails(
            script,
            &two_frames(&[]),
            FailureKind::WrongFrame,
            Call::Chunk(0),
        );
        assert!(f.detail.contains("must only push onto it"), "{}", f.detail);
    }

    #[test]
    fn a_frame_out_of_a_later_call_is_caught_by_on_time() {
        let script = Script::new()
            .call(&[b"abc"], Then::Ok)
            .call(&[b"hi"], Then::Ok);
        let f = fails(script, &two_frames(&[]), FailureKind::StuckFrame, Call::Eof);
        assert_eq!(
            f.detail,
            "frame #1 (2 bytes at offset 4) was complete after chunk 0 but came out only at EOF"
        );
    }

    /// `abc`, then an oversized header (9 > max 3) in the second read.
    #[test]
    fn a_frame_still_owed_at_a_rejection_is_caught_by_none_overdue() {
        let bad = case("u8:max=3", b"\x03abc\x09", &[4]);
        let script = Script::new()
            .call(&[], Then::Ok)
            .call(&[], Then::Err("too long"));
        let f = fails(script, &bad, FailureKind::StuckFrame, Call::Chunk(1));
        assert_eq!(
            f.detail,
            "frame #0 (3 bytes at offset 0) was complete after chunk 0 but never came out; \
             chunk 1 then rejected the stream: too long"
        );
        let script = Script::new()
            .call(&[b"abc"], Then::Ok)
            .call(&[], Then::Err("too long"));
        passes(script, &bad);
    }
}

/// Clause 4: the frames are the stream's own, in order, none lost, none made up.
#[cfg(test)]
mod clause4_tests {
    use crate::oracle::testing::{fails, passes, two_frames, Script, Then};
    use crate::oracle::{Call, FailureKind};
    use crate::ReferenceDecoder;

    #[test]
    fn the_streams_frames_in_order_pass_under_every_cut() {
        for cut in 0..7 {
            let decoder = ReferenceDecoder::new("u8:max=3".parse().unwrap());
            passes(decoder, &two_frames(&[cut]));
        }
    }

    #[test]
    fn a_frame_the_stream_does_not_hold_is_caught_by_expected_frame() {
        let script = Script::new().call(&[b"abc", b"hi", b"hi"], Then::Ok);
        let f = fails(
            script,
            &two_frames(&[]),
            FailureKind::ExtraFrame,
            Call::Chunk(0),
        );
        assert_eq!(
            f.detail,
            "emitted frame #2 (2 bytes: 6869), but the stream holds only 2 frames"
        );
    }

    #[test]
    fn a_frame_with_other_bytes_is_caught_by_right_bytes() {
        let script = Script::new().call(&[b"abd", b"hi"], Then::Ok);
        let f = fails(
            script,
            &two_frames(&[]),
            FailureKind::WrongFrame,
            Call::Chunk(0),
        );
        assert_eq!(
            f.detail,
            "frame #0 (3 bytes at offset 0): expected 616263, got 3 bytes: 616264; they differ \
             from byte 2"
        );
    }

    #[test]
    fn a_frame_skipped_is_caught_by_right_bytes() {
        let script = Script::new().call(&[b"hi"], Then::Ok);
        let f = fails(
            script,
            &two_frames(&[]),
            FailureKind::MissingFrame,
            Call::Chunk(0),
        );
        assert_eq!(
            f.detail,
            "frame #0 (3 bytes at offset 0) was never emitted: the next frame to come out was #1"
        );
    }

    #[test]
    fn a_frame_that_never_comes_out_is_caught_by_none_lost() {
        let script = Script::new().call(&[b"abc"], Then::Ok).call(&[], Then::Ok);
        let f = fails(
            script,
            &two_frames(&[]),
            FailureKind::MissingFrame,
            Call::Eof,
        );
        assert_eq!(
            f.detail,
            "frame #1 (2 bytes at offset 4) was complete after chunk 0 but never came out, and \
             EOF returned Ok"
        );
    }
}

/// Clause 2's hint: a `\r` dropped under plain `lines`.
#[cfg(test)]
mod crlf_tests {
    use std::sync::Arc;

    use crate::oracle::{judge, FailureKind, Verdict};
    use crate::{Case, Framing, ReferenceDecoder, Schedule, Stream};

    /// Under plain `lines`, a decoder that strips `\r\n` (one that declares `:crlf`) loses the
    /// `\r` of `z\r`, which then looks like the next frame, `z`: a missing frame (as a decoder
    /// that skips frame 0 would show it too), with the question; and a wrong frame with it when
    /// the next frame differs.
    #[test]
    fn a_decoder_that_strips_crlf_under_plain_lines_is_told_about_crlf() {
        let framing: Framing = "lines:max=100".parse().unwrap();
        let stream =
            Stream::from_messages(framing, "crlf", vec![b"z\r".to_vec(), b"z".to_vec()]).unwrap();
        let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
        let crlf: Framing = "lines:max=100:crlf".parse().unwrap();
        let Verdict::Fail(f) = judge(&mut ReferenceDecoder::new(crlf), &case) else {
            panic!("stripping the \\r must fail");
        };
        assert_eq!(f.kind, FailureKind::MissingFrame, "{}", f.detail);
        assert!(
            f.detail
                .contains("did the decoder drop the \\r before the newline?"),
            "{}",
            f.detail
        );
        let stream =
            Stream::from_messages(framing, "crlf", vec![b"z\r".to_vec(), b"y".to_vec()]).unwrap();
        let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
        let Verdict::Fail(f) = judge(&mut ReferenceDecoder::new(crlf), &case) else {
            panic!("stripping the \\r must fail");
        };
        assert_eq!(f.kind, FailureKind::WrongFrame, "{}", f.detail);
        assert!(
            f.detail
                .contains("say so with :crlf (--framing lines:crlf)"),
            "{}",
            f.detail
        );
        // Under :crlf itself, nothing is said: it passes.
        let stream = Stream::from_messages(crlf, "crlf", vec![b"z".to_vec()]).unwrap();
        let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
        assert!(judge(&mut ReferenceDecoder::new(crlf), &case).is_pass());
    }
}
