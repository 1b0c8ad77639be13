//! Failures that need a long request line: an adapter that reads its request lines into a
//! fixed-size buffer (C's `fgets` into a `char[4096]`, a `read` of 4 KiB, Go's `bufio.Scanner`
//! at 64 KiB) sees a long `CHUNK` in pieces. What the harness then sees depends on what the
//! adapter does with the pieces: stray answers (a protocol error), or, when it skips what it
//! does not know or decodes an odd number of hex digits, wrong, missing or stuck frames that
//! look like the decoder's own faults.
//!
//! After a run, [`explain_line_length`] takes each failure kind whose minimal case sends a
//! request line of [`LONG_REQUEST`] characters or more and fails alone on a fresh process, and
//! tries it again with its reads cut smaller (the same bytes, more cuts: a correct decoder
//! gives the same frames). When the case passes with every read cut to [`SHORT_READ`] bytes,
//! the failure needs a long line: the search then narrows, by bisection on the longest read,
//! the longest request line the case passes with and the shortest it fails with, and records
//! both in the report ([`FoundFailure::line_limit`](crate::report::FoundFailure::line_limit)),
//! which the text and HTML reports explain inside the failure's block. The bounds are where the
//! program's buffer ends: `fgets` into 4,096 bytes passes 4,095-character lines and fails from
//! 4,097.
//!
//! The reason for the design: a fixed line buffer is the one adapter mistake that shows as the
//! decoder's failures, with counts that vary with the schedule, so no one message can name it;
//! cutting the minimal case is a fact about the program that needs no guess about its code.
//! The search is bounded in tries ([`LINE_SEARCH_RUNS`]) and time ([`LINE_SEARCH_TIME`]), and is
//! written over the same "fresh decoder, then this case → verdict" function as the state search
//! ([`TryFresh`]), so that a test can give it an in-process decoder.

use std::time::{Duration, Instant};

use super::diagnose::LONG_REQUEST;
use super::state::TryFresh;
use crate::case::Case;
use crate::oracle::{FailureKind, Verdict};
use crate::report::{LineLimit, Report};
use crate::schedule::Schedule;

/// The most tries (fresh processes) the search spends per failure kind.
pub const LINE_SEARCH_RUNS: usize = 24;
/// The most time the search spends per failure kind.
pub const LINE_SEARCH_TIME: Duration = Duration::from_secs(10);
/// Reads cut to this many bytes make `CHUNK` lines of 263 characters: short enough for any line
/// buffer worth the name.
pub const SHORT_READ: usize = 128;

/// The length of the `CHUNK` request line (`CHUNK <hex>\n`) for a read of `read` bytes.
///
/// ```
/// assert_eq!(framecheck::exec::line_length::request_line(2044), 4095);
/// ```
pub fn request_line(read: usize) -> usize {
    read.saturating_mul(2).saturating_add("CHUNK \n".len())
}

/// `case` with every read longer than `max` bytes cut into reads of `max` bytes (the last one
/// of each, what is left): the same bytes, the same cuts, and more.
pub fn with_reads_up_to(case: &Case, max: usize) -> Case {
    let max = max.max(1);
    let len = case.stream.bytes().len();
    let mut cuts = Vec::new();
    for range in case.schedule.ranges(len) {
        cuts.extend((range.start..range.end).step_by(max));
    }
    Case::new(
        case.stream.clone(),
        format!("{}, reads cut to {max} bytes", case.schedule_name),
        Schedule::from_cuts(cuts, len),
    )
}

/// The longest read of `case`, in bytes.
fn longest_read(case: &Case) -> usize {
    let len = case.stream.bytes().len();
    case.schedule
        .ranges(len)
        .iter()
        .map(|r| r.len())
        .max()
        .unwrap_or(0)
}

/// For each failure kind of `report` whose minimal case sends a long request line, fails
/// through `fresh`, and passes with its reads cut to [`SHORT_READ`] bytes: the longest request
/// line it passes with and the shortest it fails with, recorded in the failure's
/// `line_limit`. A case that fails only after earlier streams (its `state`, which
/// [`explain_state`](super::state::explain_state) found first) is tried after them, theirs
/// cut too. Memory leaks and memory bombs (verdicts on memory, not on what was read), known
/// failures, and failures that pass alone with no earlier streams found, are left as they are.
pub fn explain_line_length(report: &mut Report, fresh: &mut TryFresh<'_>) {
    explain_within(report, fresh, LINE_SEARCH_TIME);
}

/// [`explain_line_length`] with `time` per failure kind.
fn explain_within(report: &mut Report, fresh: &mut TryFresh<'_>, time: Duration) {
    for found in &mut report.failures {
        if matches!(
            found.failure.kind,
            FailureKind::MemoryLeak | FailureKind::MemoryBomb
        ) || found.known.is_some()
        {
            continue;
        }
        // A case that fails only after earlier streams is tried after them (the stray answers
        // to the pieces of one long line can be read as the answers of the next stream).
        let after = match &found.state {
            None => Vec::new(),
            Some(state) if state.after.is_empty() => continue,
            Some(state) => state.after.clone(),
        };
        let minimal = &found.minimal;
        let longest = after
            .iter()
            .chain([minimal])
            .map(longest_read)
            .max()
            .unwrap_or(0);
        if request_line(longest) < LONG_REQUEST {
            continue;
        }
        found.line_limit = bound(&after, minimal, longest, fresh, time);
    }
}

/// The bisection for one failure: `None` unless `minimal` (after `after`) fails as it is and
/// passes with its reads cut to [`SHORT_READ`] bytes, and the bounds found hold when tried once
/// more (a flaky program's single verdicts prove nothing). Every try but the first is made
/// only within the budget.
fn bound(
    after: &[Case],
    minimal: &Case,
    longest: usize,
    fresh: &mut TryFresh<'_>,
    time: Duration,
) -> Option<LineLimit> {
    let started = Instant::now();
    let deadline = started + time;
    let mut runs = 0;
    let mut passes_cut_to = |max: usize, runs: &mut usize| {
        *runs += 1;
        let after: Vec<Case> = after.iter().map(|c| with_reads_up_to(c, max)).collect();
        matches!(
            fresh(&after, &with_reads_up_to(minimal, max)),
            Some(Verdict::Pass)
        )
    };
    let within = |runs: usize| runs < LINE_SEARCH_RUNS && Instant::now() < deadline;
    // It must fail as it is, and pass with short lines.
    if passes_cut_to(longest, &mut runs) || !within(runs) || !passes_cut_to(SHORT_READ, &mut runs) {
        return None;
    }
    let (mut pass, mut fail) = (SHORT_READ, longest);
    while fail - pass > 1 && within(runs) {
        let mid = pass + (fail - pass) / 2;
        if passes_cut_to(mid, &mut runs) {
            pass = mid;
        } else {
            fail = mid;
        }
    }
    // Once more each: the case as it is fails, and the bounds hold.
    if passes_cut_to(longest, &mut runs)
        || !passes_cut_to(pass, &mut runs)
        || passes_cut_to(fail, &mut runs)
    {
        return None;
    }
    Some(LineLimit {
        read_passes_up_to: pass,
        read_fails_from: fail,
        line_passes_up_to: request_line(pass),
        line_fails_from: request_line(fail),
        runs,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::adapter::{FrameDecoder, Rejection};
    use crate::oracle::judge;
    use crate::{Framing, ReferenceDecoder, Stream};

    /// A `u16be` decoder behind an adapter that reads request lines into a `buffer`-byte
    /// buffer, as `fgets` does, and skips the pieces it does not know: of a read whose line is
    /// too long, only the bytes of the first piece reach the decoder.
    struct Fgets {
        buffer: usize,
        inner: ReferenceDecoder,
    }

    impl FrameDecoder for Fgets {
        fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            // `fgets(line, buffer)` holds buffer - 1 characters: "CHUNK " and the hex digits
            // that fit, whole bytes only.
            let fits = (self.buffer - 1).saturating_sub("CHUNK ".len()) / 2;
            self.inner.feed(&chunk[..chunk.len().min(fits)], frames)
        }

        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.inner.eof(frames)
        }
    }

    /// A failure that shows only after an earlier stream with a long line (whose leftover
    /// pieces poison the next stream) is tried after that stream, both cut.
    #[test]
    fn a_failure_after_an_earlier_long_line_is_tried_after_it_both_cut() {
        let earlier = one_frame(3000);
        let mut report = report_of(
            earlier.clone(),
            &mut Fgets {
                buffer: 4096,
                inner: ReferenceDecoder::new(framing()),
            },
        );
        // As the state search leaves it: a short case, after the long stream.
        report.failures[0].minimal = one_frame(10);
        report.failures[0].state = Some(crate::report::StateDependence {
            after: vec![earlier],
            earlier: 1,
            runs: 1,
            elapsed: Duration::ZERO,
        });
        // The "process": fails the case when an earlier stream had a line over 4,096.
        let mut fresh = |after: &[Case], case: &Case| {
            let long = after.iter().any(|c| request_line(longest_read(c)) > 4096);
            assert!(request_line(longest_read(case)) < LONG_REQUEST);
            Some(if long {
                Verdict::Skip("a stand-in for a failure".into())
            } else {
                Verdict::Pass
            })
        };
        explain_line_length(&mut report, &mut fresh);
        let limit = report.failures[0].line_limit.clone().expect("found");
        assert_eq!(
            (limit.line_passes_up_to, limit.line_fails_from),
            (4095, 4097)
        );
    }

    fn framing() -> Framing {
        "u16be:max=5000".parse().unwrap()
    }

    /// One frame of `n` bytes, read whole.
    fn one_frame(n: usize) -> Case {
        let stream = Stream::from_messages(framing(), "one", vec![vec![7; n]]).unwrap();
        Case::new(Arc::new(stream), "whole", Schedule::whole())
    }

    /// A report with one failure of `case` under `decoder`.
    fn report_of(case: Case, decoder: &mut dyn FrameDecoder) -> Report {
        let Verdict::Fail(failure) = judge(decoder, &case) else {
            panic!("the case must fail");
        };
        let mut report = Report::new(framing(), 0, 0, String::new());
        report.add_failure("one", case, failure);
        report
    }

    #[test]
    fn cutting_reads_keeps_the_bytes_and_every_cut() {
        let stream =
            Stream::from_messages(framing(), "two", vec![vec![1; 10], vec![2; 3]]).unwrap();
        let case = Case::new(Arc::new(stream), "s", Schedule::from_cuts(vec![5], 17));
        let cut = with_reads_up_to(&case, 4);
        assert_eq!(cut.schedule.cuts(), &[4, 5, 9, 13]);
        assert_eq!(longest_read(&cut), 4);
        assert!(cut.schedule_name.ends_with("reads cut to 4 bytes"));
    }

    /// An `fgets` buffer of 4,096 bytes: the case passes with lines up to 4,095 characters and
    /// fails from 4,097, whatever the frame that showed it.
    #[test]
    fn a_4096_byte_line_buffer_is_bounded_to_its_size() {
        let case = one_frame(3000);
        let mut report = report_of(
            case,
            &mut Fgets {
                buffer: 4096,
                inner: ReferenceDecoder::new(framing()),
            },
        );
        let mut fresh = |after: &[Case], case: &Case| {
            assert!(after.is_empty());
            let mut d = Fgets {
                buffer: 4096,
                inner: ReferenceDecoder::new(framing()),
            };
            Some(judge(&mut d, case))
        };
        explain_line_length(&mut report, &mut fresh);
        let limit = report.failures[0].line_limit.clone().expect("found");
        assert_eq!(
            (limit.line_passes_up_to, limit.line_fails_from),
            (4095, 4097)
        );
        assert_eq!(
            (limit.read_passes_up_to, limit.read_fails_from),
            (2044, 2045)
        );
        assert!(limit.runs <= LINE_SEARCH_RUNS + 3, "{}", limit.runs);
    }

    /// A decoder bug that cutting the reads does not cure (a frame of 3,000 bytes loses its
    /// last byte, however it is read) is no line-length failure.
    #[test]
    fn a_failure_that_short_lines_do_not_cure_is_left_alone() {
        struct DropLast(ReferenceDecoder);
        impl FrameDecoder for DropLast {
            fn feed(&mut self, c: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
                let from = frames.len();
                let r = self.0.feed(c, frames);
                for f in &mut frames[from..] {
                    f.pop();
                }
                r
            }
            fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
                self.0.eof(frames)
            }
        }
        let mut report = report_of(
            one_frame(3000),
            &mut DropLast(ReferenceDecoder::new(framing())),
        );
        let mut runs = 0;
        let mut fresh = |_: &[Case], case: &Case| {
            runs += 1;
            Some(judge(&mut DropLast(ReferenceDecoder::new(framing())), case))
        };
        explain_line_length(&mut report, &mut fresh);
        assert!(report.failures[0].line_limit.is_none());
        assert_eq!(runs, 2, "tried as it is, then cut short, and no more");
    }

    /// A try that takes the whole budget (a hang at the timeout) leaves time for no other.
    #[test]
    fn a_search_whose_first_try_spends_the_time_makes_no_other() {
        let mut report = report_of(
            one_frame(3000),
            &mut Fgets {
                buffer: 4096,
                inner: ReferenceDecoder::new(framing()),
            },
        );
        let mut runs = 0;
        let mut fresh = |_: &[Case], case: &Case| {
            runs += 1;
            std::thread::sleep(Duration::from_millis(60));
            Some(judge(&mut DropAll, case))
        };
        explain_within(&mut report, &mut fresh, Duration::from_millis(50));
        assert!(report.failures[0].line_limit.is_none());
        assert_eq!(runs, 1);
    }

    /// A decoder that loses the last byte of a read over 1,000 bytes, behind an adapter that
    /// reads whole lines: the search bounds the read, and the text (not this module's) names
    /// the decoder beside the line buffer, since the two look alike.
    #[test]
    fn a_decoder_that_mishandles_long_reads_is_bounded_by_its_read_length() {
        struct LongReads(ReferenceDecoder);
        impl FrameDecoder for LongReads {
            fn feed(&mut self, c: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
                let keep = if c.len() > 1000 { c.len() - 1 } else { c.len() };
                self.0.feed(&c[..keep], frames)
            }
            fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
                self.0.eof(frames)
            }
        }
        let new = || LongReads(ReferenceDecoder::new(framing()));
        let mut report = report_of(one_frame(3000), &mut new());
        let mut fresh = |_: &[Case], case: &Case| Some(judge(&mut new(), case));
        explain_line_length(&mut report, &mut fresh);
        let limit = report.failures[0].line_limit.clone().expect("found");
        assert_eq!(
            (limit.read_passes_up_to, limit.read_fails_from),
            (1000, 1001)
        );
        let text = crate::report::explain::line_limit_text(&limit);
        assert!(text.contains("or the decoder mishandles reads of more than 1,000 bytes"));
    }

    /// A flaky program: the case failed once as it was, and then passes however it is cut.
    /// The bisection ends at the longest read, and the check once more finds the case as it is
    /// passing: no bounds are invented.
    #[test]
    fn a_failure_that_does_not_come_back_gets_no_bounds() {
        let mut report = report_of(
            one_frame(3000),
            &mut Fgets {
                buffer: 4096,
                inner: ReferenceDecoder::new(framing()),
            },
        );
        let mut tries = 0;
        let mut fresh = |_: &[Case], case: &Case| {
            tries += 1;
            Some(if tries == 1 {
                judge(&mut DropAll, case)
            } else {
                Verdict::Pass
            })
        };
        explain_line_length(&mut report, &mut fresh);
        assert!(report.failures[0].line_limit.is_none());
    }

    /// A decoder that emits nothing: fails any case with a frame.
    struct DropAll;
    impl FrameDecoder for DropAll {
        fn feed(&mut self, _: &[u8], _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            Ok(())
        }
        fn eof(&mut self, _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            Ok(())
        }
    }

    /// A short minimal case is not tried at all.
    #[test]
    fn a_case_of_short_lines_is_not_searched() {
        let case = one_frame(100);
        let mut report = report_of(
            case,
            &mut Fgets {
                buffer: 64,
                inner: ReferenceDecoder::new(framing()),
            },
        );
        let mut fresh = |_: &[Case], _: &Case| -> Option<Verdict> {
            panic!("no try for a case whose lines are short")
        };
        explain_line_length(&mut report, &mut fresh);
        assert!(report.failures[0].line_limit.is_none());
    }
}
