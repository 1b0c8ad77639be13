//! A vector's stream cut after every byte, as `framecheck run --vectors` runs it: the frames
//! wholly before the cut must come out, and a cut inside a frame is a frame cut short, a
//! rejection due at EOF.
//!
//! For a framing the harness knows, the specification reads each truncated stream. For an
//! opaque framing ([`super::opaque`]), [`truncate`] derives its expectation from the one the
//! file states, by one rule: a cut at a frame boundary ends the stream cleanly, a cut inside a
//! frame is `truncated-at-eof`, and a cut inside the bad bytes of an invalid vector keeps its
//! error when the byte the error is due at is still delivered (or the error is due at EOF);
//! before that byte, the stream is cut short (`truncated-at-eof`, due at EOF), and may be
//! rejected from the byte the file says proves it bad (`earliest`), if that byte is kept.
//!
//! The truncation's name is `ID trunc@K`: the stream's first `K` bytes. Each is cut into reads
//! three ways: as the vector's chunks deliver those bytes (`as-given`), in one read (`whole`),
//! and one byte at a time (`bytewise`). Not under the whole catalog: what a truncation adds to
//! the vector is its EOF, and a decoder cannot tell the calls before it from those of the whole
//! stream, which runs under the catalog. Bytewise puts a read boundary at every byte, so every
//! point a frame can be cut short at meets EOF both right after a boundary and with the rest of
//! a read; the catalog on every truncation would cost the cube of the stream's length (its
//! pair cuts on each of its prefixes).

use std::sync::Arc;

use crate::case::{Case, Stream, StreamKind, Truncation};
use crate::framing::{At, End, ErrorClass, Expectation};
use crate::schedule::Schedule;

use super::model::{given_schedule, Profile, Vector};

/// The expectation of the first `k` bytes of a stream whose expectation is `exp` (see the
/// module docs); `k` is at most the stream's length.
pub fn truncate(exp: &Expectation, k: usize) -> Expectation {
    let n = exp.frames.partition_point(|f| f.last_byte < k);
    let frames = exp.frames[..n].to_vec();
    let split = frames.last().map_or(0, |f| f.last_byte + 1);
    let cut_short = |earliest: At, why: String| End::Reject {
        class: ErrorClass::TruncatedAtEof,
        start: split,
        at: At::Eof,
        earliest,
        why,
    };
    let end = if split == k {
        End::Clean
    } else {
        match &exp.end {
            // The cut is inside the bad bytes after the last frame.
            End::Reject {
                class,
                start,
                at,
                earliest,
                why,
            } if *start == split => {
                let kept = |a: &At| matches!(a, At::Byte(b) if *b < k);
                match at {
                    At::Byte(b) if *b < k => exp.end.clone(),
                    At::Eof => End::Reject {
                        class: *class,
                        start: split,
                        at: At::Eof,
                        earliest: if kept(earliest) { *earliest } else { At::Eof },
                        why: why.clone(),
                    },
                    At::Byte(b) => cut_short(
                        if kept(earliest) { *earliest } else { At::Eof },
                        format!(
                            "the stream is cut after byte {}, before byte {b}, where its \
                             error ({}) is due: the bad frame is cut short",
                            k - 1,
                            class.name()
                        ),
                    ),
                }
            }
            _ => cut_short(
                At::Eof,
                format!(
                    "the stream is cut after byte {}, inside the frame at {split}",
                    k - 1
                ),
            ),
        }
    };
    Expectation {
        frames,
        end,
        resumed: Vec::new(),
    }
}

impl Vector {
    /// The vector's stream cut after every byte (`ID trunc@K` for `K` from 1 to its length
    /// less one), each as the vector's chunks deliver its bytes, in one read, and one byte at
    /// a time (module docs), for a decoder with `profile`.
    pub fn truncated_cases(&self, profile: Profile) -> Vec<Case> {
        let (framing, _) = self.resolve(profile);
        let whole = self.stream(framing, self.id.clone());
        let given = given_schedule(&self.chunks);
        let mut cases = Vec::new();
        for k in 1..whole.bytes().len() {
            let name = format!("{} trunc@{k}", self.id);
            let bytes = whole.bytes()[..k].to_vec();
            let stream = match &self.expectation {
                Some(exp) => Stream::explicit(framing, name, bytes, truncate(exp, k))
                    .unwrap_or_else(|e| panic!("vector {} cut after {k} bytes: {e}", self.id)),
                None => Stream::raw(framing, name, bytes),
            };
            let stream = Arc::new(stream.with_kind(StreamKind::Truncation(Truncation::At(k))));
            let as_given =
                Schedule::from_cuts(given.cuts().iter().copied().filter(|&c| c < k).collect(), k);
            let mut seen = Vec::new();
            for (name, schedule) in [
                ("as-given", as_given),
                ("whole", Schedule::whole()),
                ("bytewise", Schedule::fixed(1, k)),
            ] {
                if !seen.contains(&schedule) {
                    seen.push(schedule.clone());
                    cases.push(Case::new(stream.clone(), name, schedule));
                }
            }
        }
        cases
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explicit::{check, from_text, to_text};

    /// Two frames of 3 and 4 bytes, then 3 bad bytes whose error is due at byte 8 and provable
    /// from byte 7.
    const EXP: &str = "3,4:1+3;oversized@8~7";

    #[test]
    fn cuts_keep_whole_frames_and_cut_the_rest_short() {
        let exp = from_text(EXP, 10).unwrap();
        for (k, want) in [
            (1, ";truncated-at-eof@eof"),
            (3, "3;clean"),
            (5, "3;truncated-at-eof@eof"),
            (7, "3,4:1+3;clean"),
            // Inside the bad bytes, before the byte the error is due at: cut short, and
            // provably bad from byte 7 once it is there.
            (8, "3,4:1+3;truncated-at-eof@eof~7"),
            (9, "3,4:1+3;oversized@8~7"),
        ] {
            let t = truncate(&exp, k);
            assert_eq!(to_text(&t), want, "cut after {k} bytes");
            check(&vec![0; k], &t).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
    }

    #[test]
    fn an_error_due_at_eof_stays_due_at_eof() {
        let exp = from_text("2;truncated-at-eof@eof", 5).unwrap();
        assert_eq!(to_text(&truncate(&exp, 4)), "2;truncated-at-eof@eof");
        assert_eq!(to_text(&truncate(&exp, 2)), "2;clean");
    }
}
