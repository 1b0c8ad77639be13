//! False rejections of large frames: a program whose decoder has a smaller maximum than the
//! framing's (a newcomer's `MAX = 1 << 20` against `u32be`'s 8 MiB) rejects valid streams,
//! and the minimal case, shrunk by halves, names a frame of some megabytes rather than the
//! limit itself.
//!
//! After a run, [`explain_frame_limit`] takes each `false-rejection` whose minimal case holds
//! a frame of [`LARGE_FRAME`] bytes or more, and tries streams of one frame, a prefix of that
//! frame, read whole: when the whole frame is rejected and a shorter one taken (one byte less
//! first, as the shrinker leaves a frame one byte past a limit), it bisects the length at which
//! rejection starts, tries both bounds once more and the rejected one in short reads (a limit
//! on reads is no maximum), and records them in the report
//! ([`FoundFailure::frame_limit`](crate::report::FoundFailure::frame_limit)), which the text
//! and HTML reports give inside the failure's block with the `--framing …:max=N` to pass if
//! that is the decoder's limit.
//!
//! A framing whose payload cannot be cut short and stay valid (a JSON or CBOR sequence, text
//! lines that would split a character) gives no valid probe, and is not searched.
//!
//! The reason for the design: the framing's maximum is the contract (a decoder must take every
//! frame up to it), so the failure stands; but a smaller limit in the program is the commonest
//! reason for it in a first run, and the exact figure turns "rejected a valid stream" into one
//! flag to pass or one constant to fix. The search is bounded in tries ([`FRAME_SEARCH_RUNS`])
//! and time ([`FRAME_SEARCH_TIME`]), and written over the same [`TryFresh`] as the other
//! searches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::state::TryFresh;
use crate::case::{Case, Stream};
use crate::framing::End;
use crate::oracle::{FailureKind, Verdict};
use crate::report::{FrameLimit, Report};
use crate::schedule::Schedule;

/// The most tries (fresh processes) the search spends per failure.
pub const FRAME_SEARCH_RUNS: usize = 40;
/// The most time the search spends per failure.
pub const FRAME_SEARCH_TIME: Duration = Duration::from_secs(10);
/// A rejected frame at least this long is searched: below it, a limit is the framing's own
/// business (a `u8` frame is at most 255 bytes).
pub const LARGE_FRAME: usize = 256;
/// The rejected length is tried once more in reads of this many bytes.
const SHORT_READ: usize = 256;

/// For each `false-rejection` of `report` whose minimal case holds a frame of [`LARGE_FRAME`]
/// bytes or more: the longest prefix of that frame, alone in a stream, that the program takes
/// through `fresh`, and the shortest it rejects, recorded in the failure's `frame_limit` when
/// the whole frame is rejected, a one-byte one taken, and both bounds hold when tried once
/// more. Known failures are left as they are.
pub fn explain_frame_limit(report: &mut Report, fresh: &mut TryFresh<'_>) {
    explain_within(report, fresh, FRAME_SEARCH_TIME);
}

/// [`explain_frame_limit`] with `time` per failure.
fn explain_within(report: &mut Report, fresh: &mut TryFresh<'_>, time: Duration) {
    let framing = report.framing;
    for found in &mut report.failures {
        // A failure that short reads cure is about reads, not frames (`line_length`).
        if found.failure.kind != FailureKind::FalseRejection
            || found.known.is_some()
            || found.line_limit.is_some()
        {
            continue;
        }
        let Some(largest) = found
            .minimal
            .stream
            .messages()
            .iter()
            .max_by_key(|m| m.len())
            .filter(|m| m.len() >= LARGE_FRAME)
            .cloned()
        else {
            continue;
        };
        let started = Instant::now();
        let deadline = started + time;
        let mut runs = 0;
        // A stream of the first `n` bytes of the frame, read whole (or in reads of `split`
        // bytes): `Some(true)` taken, `Some(false)` rejected, `None` anything else (no such
        // valid stream, another verdict).
        let mut taken_in = |n: usize, split: Option<usize>, runs: &mut usize| -> Option<bool> {
            let stream = Stream::from_messages(
                framing,
                format!("one frame of {n} bytes"),
                vec![largest[..n].to_vec()],
            )
            .ok()?;
            let expected = stream.expectation();
            if !matches!(expected.end, End::Clean) || expected.frames.len() != 1 {
                return None;
            }
            *runs += 1;
            let len = stream.bytes().len();
            let (name, schedule) = match split {
                Some(size) => (format!("fixed-{size}"), Schedule::fixed(size, len)),
                None => ("whole".to_string(), Schedule::whole()),
            };
            match fresh(&[], &Case::new(Arc::new(stream), name, schedule))? {
                Verdict::Pass => Some(true),
                Verdict::Fail(f) if f.kind == FailureKind::FalseRejection => Some(false),
                _ => None,
            }
        };
        let mut taken = |n: usize, runs: &mut usize| taken_in(n, None, runs);
        let within = |runs: usize| runs < FRAME_SEARCH_RUNS && Instant::now() < deadline;
        // The shortest payload the framing encodes (a layout's body may have a floor).
        let least = (framing.format().min_payload() as usize).max(1);
        if largest.len() <= least || taken(largest.len(), &mut runs) != Some(false) {
            continue;
        }
        // The shrinker leaves a frame one byte past a limit: one byte less first.
        let (mut pass, mut fail) = match taken(largest.len() - 1, &mut runs) {
            Some(true) => (largest.len() - 1, largest.len()),
            Some(false) if within(runs) && taken(least, &mut runs) == Some(true) => {
                (least, largest.len() - 1)
            }
            _ => continue,
        };
        while fail - pass > 1 && within(runs) {
            let mid = pass + (fail - pass) / 2;
            match taken(mid, &mut runs) {
                Some(true) => pass = mid,
                Some(false) => fail = mid,
                None => break,
            }
        }
        // Once more each, and the rejected one in short reads too: a limit on reads (not on
        // frames) takes it then, and no maximum would cure it.
        if fail - pass > 1
            || taken(pass, &mut runs) != Some(true)
            || taken(fail, &mut runs) != Some(false)
            || taken_in(fail, Some(SHORT_READ), &mut runs) != Some(false)
        {
            continue;
        }
        found.frame_limit = Some(FrameLimit {
            takes_up_to: pass as u64,
            rejects_from: fail as u64,
            runs,
            elapsed: started.elapsed(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::{FrameDecoder, Rejection};
    use crate::oracle::judge;
    use crate::{Framing, ReferenceDecoder};

    /// The framing's reference decoder with a maximum of its own.
    struct Smaller(ReferenceDecoder);

    impl Smaller {
        fn new(max: u64) -> Smaller {
            Smaller(ReferenceDecoder::new(framing().with_max_frame_len(max)))
        }
    }

    impl FrameDecoder for Smaller {
        fn feed(&mut self, c: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.0.feed(c, frames)
        }
        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.0.eof(frames)
        }
    }

    fn framing() -> Framing {
        "u32be:max=100000".parse().unwrap()
    }

    /// A report with the false rejection of one frame of `n` bytes by a decoder of maximum
    /// `max`.
    fn report_of(n: usize, max: u64) -> Report {
        let stream = Stream::from_messages(framing(), "big", vec![vec![7; n]]).unwrap();
        let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
        let Verdict::Fail(failure) = judge(&mut Smaller::new(max), &case) else {
            panic!("the case must fail");
        };
        assert_eq!(failure.kind, FailureKind::FalseRejection);
        let mut report = Report::new(framing(), 0, 0, String::new());
        report.add_failure("big", case, failure);
        report
    }

    /// A program whose decoder takes at most 1,000 bytes: the bounds are 1,000 and 1,001.
    #[test]
    fn a_smaller_maximum_in_the_program_is_found_to_the_byte() {
        let mut report = report_of(50_000, 1000);
        let mut fresh = |_: &[Case], case: &Case| Some(judge(&mut Smaller::new(1000), case));
        explain_frame_limit(&mut report, &mut fresh);
        let limit = report.failures[0].frame_limit.clone().expect("found");
        assert_eq!((limit.takes_up_to, limit.rejects_from), (1000, 1001));
        assert!(limit.runs <= FRAME_SEARCH_RUNS + 2, "{}", limit.runs);
    }

    /// A decoder that rejects every frame (not a size limit) gets no bounds: the one-byte
    /// frame is rejected too.
    #[test]
    fn a_decoder_that_rejects_everything_has_no_limit() {
        let mut report = report_of(5000, 1000);
        let mut runs = 0;
        let mut fresh = |_: &[Case], case: &Case| {
            runs += 1;
            Some(judge(&mut Smaller::new(0), case))
        };
        explain_frame_limit(&mut report, &mut fresh);
        assert!(report.failures[0].frame_limit.is_none());
        assert_eq!(
            runs, 3,
            "the whole frame, one byte less, then one byte, and no more"
        );
    }

    /// A decoder that rejects reads of more than 1,000 bytes, not frames: the frame it rejects
    /// whole is taken in short reads, so no maximum is given (none would cure it).
    #[test]
    fn a_limit_on_reads_is_no_frame_maximum() {
        struct Reads(ReferenceDecoder);
        impl FrameDecoder for Reads {
            fn feed(&mut self, c: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
                if c.len() > 1000 {
                    return Err(Rejection::new("read too long"));
                }
                self.0.feed(c, frames)
            }
            fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
                self.0.eof(frames)
            }
        }
        let new = || Reads(ReferenceDecoder::new(framing()));
        let stream = Stream::from_messages(framing(), "big", vec![vec![7; 5000]]).unwrap();
        let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
        let Verdict::Fail(failure) = judge(&mut new(), &case) else {
            panic!("the case must fail");
        };
        let mut report = Report::new(framing(), 0, 0, String::new());
        report.add_failure("big", case, failure);
        let mut fresh = |_: &[Case], case: &Case| Some(judge(&mut new(), case));
        explain_frame_limit(&mut report, &mut fresh);
        assert!(report.failures[0].frame_limit.is_none());
    }

    /// A try that spends the whole budget leaves time for no bisection.
    #[test]
    fn a_search_out_of_time_gives_no_bounds() {
        let mut report = report_of(50_000, 1000);
        let mut runs = 0;
        let mut fresh = |_: &[Case], case: &Case| {
            runs += 1;
            std::thread::sleep(Duration::from_millis(30));
            Some(judge(&mut Smaller::new(1000), case))
        };
        explain_within(&mut report, &mut fresh, Duration::from_millis(20));
        assert!(report.failures[0].frame_limit.is_none());
        assert!(runs <= 3, "{runs} tries");
    }

    /// A small rejected frame is not searched: no try at all.
    #[test]
    fn a_small_frame_is_not_searched() {
        let mut report = report_of(200, 100);
        let mut fresh = |_: &[Case], _: &Case| -> Option<Verdict> { panic!("no try") };
        explain_frame_limit(&mut report, &mut fresh);
        assert!(report.failures[0].frame_limit.is_none());
    }

    /// A flaky program that took the whole frame when tried again gets no bounds.
    #[test]
    fn a_rejection_that_does_not_come_back_gets_no_bounds() {
        let mut report = report_of(5000, 1000);
        let mut fresh = |_: &[Case], case: &Case| Some(judge(&mut Smaller::new(100_000), case));
        explain_frame_limit(&mut report, &mut fresh);
        assert!(report.failures[0].frame_limit.is_none());
    }
}
