//! Failures that show only after earlier streams: a program that keeps state across `BEGIN`
//! (a buffer not reset, a counter, a cache) fails a case that passes on a fresh process, so
//! its replay line alone prints `PASS`.
//!
//! After a run, [`explain_state`] replays each failure kind's minimal case on a fresh process.
//! When it passes there, twice (a flaky program's one pass proves nothing), it looks for the shortest run of the streams that ran before the
//! failing case on the same process (those since the program's last restart: a fault kills
//! the program, and its state with it) after which the case fails again with the same kind,
//! and records it in the report ([`FoundFailure::state`](crate::report::FoundFailure::state)):
//! the text and HTML reports explain it inside the failure, and the `Reproduce with:` line runs
//! those streams first (`framecheck replay --after TOKEN ... TOKEN`).
//!
//! The search ([`shortest_prefix`]) is delta debugging over that list, order kept: it leaves
//! out halves, then quarters, and so on down to single streams, keeping each removal after
//! which the case still fails, so the result is 1-minimal (no one stream of it can go). One
//! culprit stream among a thousand takes about a dozen tries, two among twenty seventeen, two
//! far apart among a thousand under forty (ddmin's tries of each chunk alone cost more for
//! several culprits). Each try is a fresh process fed the chosen streams (their verdicts not
//! judged) and then the case, so it costs a program start; the search is bounded like the shrinker, in tries
//! ([`STATE_SEARCH_RUNS`]) and time ([`STATE_SEARCH_TIME`]), and when it runs out it keeps the
//! smallest failing run found so far. When even the whole list does not bring the failure back
//! (timing, or state the shrinker's own tries left), the report says so instead.
//!
//! The search is written over a function "fresh decoder state, these streams, then this case
//! → verdict", so that it does not depend on processes: [`fresh_process`] is that function for
//! a program, and a test can give one over an in-process decoder whose state carries over.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::program::ExecProgram;
use crate::case::Case;
use crate::oracle::{judge, FailureKind, Verdict};
use crate::report::{Report, StateDependence, Status};

/// The most tries (fresh processes) the search spends per failure kind.
pub const STATE_SEARCH_RUNS: usize = 64;
/// The most time the search spends per failure kind.
pub const STATE_SEARCH_TIME: Duration = Duration::from_secs(10);

/// The function the search tries cases through: on a fresh decoder state (a new process), run
/// the streams of the first argument in order, verdicts not judged, then judge the case. `None`
/// when it could not be tried at all (the program would not start).
pub type TryFresh<'a> = dyn FnMut(&[Case], &Case) -> Option<Verdict> + 'a;

/// Tries cases on fresh processes of `program` (its command and settings: [`ExecProgram::again`],
/// so the start-up allowance, timeout and memory slack are the run's). A try stops early, as
/// not failing, when one of the earlier streams meets a fault: the program was restarted, so
/// what it kept is gone.
pub fn fresh_process(program: &ExecProgram) -> impl FnMut(&[Case], &Case) -> Option<Verdict> {
    let template = program.again();
    move |after, case| {
        let program = Arc::new(template.again());
        program.preflight().ok()?;
        for earlier in after {
            if let Verdict::Fail(f) = judge(&mut program.decoder(), earlier) {
                if f.kind.is_fault() {
                    program.shutdown();
                    return Some(Verdict::Skip(format!(
                        "an earlier stream met a fault ({}): the program restarted",
                        f.kind
                    )));
                }
            }
        }
        let verdict = judge(&mut program.decoder(), case);
        program.shutdown();
        Some(verdict)
    }
}

/// The cases that ran on the same process before case `i` of a run, in order: those after the
/// last case that met a fault (a fault kills the program, so a restart follows it), less the
/// skipped ones. `report.results` must be the run's results for `cases`, in run order.
pub fn same_process_before(report: &Report, cases: &[Case], i: usize) -> Vec<Case> {
    let i = i.min(report.results.len()).min(cases.len());
    let results = &report.results[..i];
    let restarts = |s: Status| matches!(s, Status::Fail(k) | Status::Known(k) if k.is_fault());
    let start = results
        .iter()
        .rposition(|r| restarts(r.status))
        .map_or(0, |j| j + 1);
    (start..i)
        .filter(|&j| results[j].status != Status::Skip)
        .map(|j| cases[j].clone())
        .collect()
}

/// The shortest run of `earlier` (order kept) for which `fails` holds, by delta debugging
/// (chunks of halving size left out),
/// spending at most `max_runs` calls of `fails` and stopping at `deadline`; with the number of
/// calls spent. `None` when `fails` does not hold for the whole of `earlier` (or the budget
/// ended before that was known); otherwise the smallest failing run found, 1-minimal (no one
/// stream can be left out) when the budget sufficed. The empty run is not tried: the caller
/// knows it passes.
pub fn shortest_prefix(
    earlier: &[Case],
    max_runs: usize,
    deadline: Instant,
    mut fails: impl FnMut(&[Case]) -> bool,
) -> (Option<Vec<Case>>, usize) {
    let mut runs = 0;
    let mut attempt = |idx: &[usize]| -> Option<bool> {
        if runs >= max_runs || Instant::now() >= deadline {
            return None;
        }
        runs += 1;
        let subset: Vec<Case> = idx.iter().map(|&i| earlier[i].clone()).collect();
        Some(fails(&subset))
    };
    let mut current: Vec<usize> = (0..earlier.len()).collect();
    if earlier.is_empty() || attempt(&current) != Some(true) {
        return (None, runs);
    }
    // Leave out chunks of half the list, then of a quarter, and so on down to one stream,
    // keeping each removal after which the case still fails.
    let mut size = current.len().div_ceil(2);
    'search: while size >= 1 {
        let mut i = 0;
        while i < current.len() {
            let end = (i + size).min(current.len());
            if end - i == current.len() {
                break; // the empty run: known to pass
            }
            let candidate: Vec<usize> = current[..i]
                .iter()
                .chain(&current[end..])
                .copied()
                .collect();
            match attempt(&candidate) {
                Some(true) => current = candidate,
                Some(false) => i = end,
                None => break 'search,
            }
        }
        if size == 1 {
            break;
        }
        size = size.div_ceil(2);
    }
    (
        Some(current.iter().map(|&i| earlier[i].clone()).collect()),
        runs,
    )
}

/// For each failure kind of `report` whose minimal case passes when tried alone through
/// `fresh`, searches the streams that ran before the failing case on the same process
/// ([`same_process_before`] of `cases()`, the run's cases in run order, made only when a case
/// passes alone) for the shortest run that
/// makes it fail again, and records the outcome in the failure's `state`. The failure's
/// verdict becomes the one of the confirming try (the earlier streams found, then the case),
/// which is what its `Reproduce with:` line shows. When the minimal case does not fail after
/// the earlier streams but the case the run failed does, the failure is given as that case.
///
/// Memory leaks (a verdict on the whole run), crashes and memory bombs (faults that end the
/// process) and known failures are left as they are, and so is a failure whose case fails
/// alone.
pub fn explain_state(
    report: &mut Report,
    cases: impl FnOnce() -> Vec<Case>,
    fresh: &mut TryFresh<'_>,
) {
    let mut cases = Some(cases);
    let mut made: Vec<Case> = Vec::new();
    for f in 0..report.failures.len() {
        let found = &report.failures[f];
        let kind = found.failure.kind;
        // Not for a verdict on the whole run (a leak), nor for a fault that ends the process
        // (a crash, a memory bomb: the process is gone, or its growth is what the earlier
        // streams add up to, which a list of thousands of them would only restate).
        if matches!(
            kind,
            FailureKind::MemoryLeak | FailureKind::Crash | FailureKind::MemoryBomb
        ) || found.known.is_some()
        {
            continue;
        }
        let started = Instant::now();
        // Alone, it must pass twice: a flaky program's one pass proves nothing.
        let passes_alone =
            |fresh: &mut TryFresh<'_>| matches!(fresh(&[], &found.minimal), Some(Verdict::Pass));
        if !passes_alone(fresh) || !passes_alone(fresh) {
            continue;
        }
        let mut runs = 2;
        if let Some(make) = cases.take() {
            made = make();
        }
        let cases = &made[..];
        // Where the failing case ran: the first result of its label that failed this way.
        let label = found.original.label();
        let at = (cases.len() == report.results.len())
            .then(|| {
                report.results.iter().position(|r| {
                    r.label == label
                        && matches!(r.status, Status::Fail(k) | Status::Known(k) if k == kind)
                })
            })
            .flatten();
        let earlier = at.map_or_else(Vec::new, |i| same_process_before(report, cases, i));
        let deadline = started + STATE_SEARCH_TIME;
        let fails_after = |fresh: &mut TryFresh<'_>, case: &Case, after: &[Case]| matches!(fresh(after, case), Some(Verdict::Fail(x)) if x.kind == kind);
        let found = &report.failures[f];
        let mut candidates = vec![found.minimal.clone()];
        if found.original.token() != found.minimal.token() {
            candidates.push(found.original.clone());
        }
        let mut outcome = None;
        for case in candidates {
            let budget = STATE_SEARCH_RUNS.saturating_sub(runs);
            let (after, spent) = shortest_prefix(&earlier, budget, deadline, |after| {
                fails_after(fresh, &case, after)
            });
            runs += spent;
            if let Some(after) = after {
                outcome = Some((case, after));
                break;
            }
        }
        let mut after = Vec::new();
        if let Some((case, found_after)) = outcome {
            // Confirm, and take the verdict the replay line will show.
            runs += 1;
            if let Some(Verdict::Fail(failure)) = fresh(&found_after, &case) {
                if failure.kind == kind {
                    let found = &mut report.failures[f];
                    if case.token() != found.minimal.token() {
                        found.shrink_runs = 0;
                    }
                    found.minimal = case;
                    found.failure = failure;
                    after = found_after;
                }
            }
        }
        report.failures[f].state = Some(StateDependence {
            after,
            earlier: earlier.len(),
            runs,
            elapsed: started.elapsed(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::{FrameDecoder, Rejection};
    use crate::schedule::Schedule;
    use crate::{Framing, ReferenceDecoder, Stream};
    use std::sync::Mutex;

    /// A `u8` decoder whose "process" keeps state across streams: it counts the streams that
    /// ended in an error, and from the second one on it drops the first frame of every stream
    /// (as a decoder whose error path leaves a flag set would).
    struct Sticky {
        errors: Arc<Mutex<usize>>,
        inner: ReferenceDecoder,
        dropped: bool,
    }

    impl FrameDecoder for Sticky {
        fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            let before = frames.len();
            let r = self.inner.feed(chunk, frames);
            if *self.errors.lock().unwrap() >= 2 && !self.dropped && frames.len() > before {
                frames.remove(before);
                self.dropped = true;
            }
            if r.is_err() {
                *self.errors.lock().unwrap() += 1;
            }
            r
        }

        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            let r = self.inner.eof(frames);
            if r.is_err() {
                *self.errors.lock().unwrap() += 1;
            }
            r
        }
    }

    fn framing() -> Framing {
        "u8:max=4".parse().unwrap()
    }

    fn case(name: &str, bytes: &[u8]) -> Case {
        let stream = Stream::raw(framing(), name, bytes.to_vec());
        Case::new(Arc::new(stream), "whole", Schedule::whole())
    }

    /// A fresh "process" per try: a new shared error count, its streams run in order.
    fn fresh(tries: &mut usize) -> impl FnMut(&[Case], &Case) -> Option<Verdict> + '_ {
        move |after, case| {
            *tries += 1;
            let errors = Arc::new(Mutex::new(0));
            let make = || Sticky {
                errors: errors.clone(),
                inner: ReferenceDecoder::new(framing()),
                dropped: false,
            };
            for c in after {
                let _ = judge(&mut make(), c);
            }
            Some(judge(&mut make(), case))
        }
    }

    /// Twenty clean streams with two invalid ones among them: the search finds exactly those
    /// two, in order, and the case fails after them but passes alone.
    #[test]
    fn the_two_streams_that_leave_state_behind_are_found_among_twenty() {
        let mut earlier: Vec<Case> = (0..20).map(|i| case(&format!("ok{i}"), &[1, i])).collect();
        earlier[5] = case("bad-a", &[9, 1]); // over the maximum: an error
        earlier[14] = case("bad-b", &[3, 1]); // truncated: an error at EOF
        let target = case("target", &[1, 7]);
        let mut tries = 0;
        let mut f = fresh(&mut tries);
        assert!(f(&[], &target).unwrap().is_pass(), "passes alone");
        let (after, runs) = shortest_prefix(
            &earlier,
            64,
            Instant::now() + Duration::from_secs(5),
            |a| matches!(f(a, &target), Some(Verdict::Fail(x)) if x.kind == FailureKind::MissingFrame),
        );
        let names: Vec<String> = after
            .unwrap()
            .iter()
            .map(|c| c.stream.name().to_string())
            .collect();
        assert_eq!(names, ["bad-a", "bad-b"]);
        assert!(runs <= 20, "{runs} tries");
    }

    /// When even the whole list does not make the case fail, there is nothing to find; and the
    /// budget in tries is kept.
    #[test]
    fn no_prefix_is_reported_when_the_whole_list_passes_and_the_budget_is_kept() {
        let earlier: Vec<Case> = (0..8).map(|i| case(&format!("ok{i}"), &[1, i])).collect();
        let target = case("target", &[1, 7]);
        let mut tries = 0;
        let mut f = fresh(&mut tries);
        let deadline = Instant::now() + Duration::from_secs(5);
        let (after, runs) = shortest_prefix(&earlier, 64, deadline, |a| {
            matches!(f(a, &target), Some(Verdict::Fail(_)))
        });
        assert!(after.is_none());
        assert_eq!(runs, 1);
        // One bad stream among many, with a budget of three tries: a failing run is kept, not
        // necessarily the shortest.
        let mut earlier: Vec<Case> = (0..16).map(|i| case(&format!("ok{i}"), &[1, i])).collect();
        earlier[3] = case("bad-a", &[9]);
        earlier[11] = case("bad-b", &[9]);
        let (after, runs) = shortest_prefix(&earlier, 3, deadline, |a| {
            matches!(f(a, &target), Some(Verdict::Fail(_)))
        });
        assert_eq!(runs, 3);
        let after = after.unwrap();
        assert!(after.len() >= 2 && after.len() <= 16);
    }

    /// Over a report: the streams since the last fault count, the failure gets its `state`,
    /// and its replay line runs the streams found first.
    #[test]
    fn a_report_failure_gets_the_earlier_streams_and_a_replay_line_with_after() {
        // ok0, bad-a, ok2, ok3, bad-b, then the first case that fails: target.
        let mut cases: Vec<Case> = (0..5).map(|i| case(&format!("ok{i}"), &[1, i])).collect();
        cases[1] = case("bad-a", &[9]);
        cases[4] = case("bad-b", &[9]);
        cases.push(case("target", &[1, 7]));
        let errors = Arc::new(Mutex::new(0));
        let e = errors.clone();
        let report = crate::runner::Runner::new()
            .reproduce_with("framecheck replay --exec 'x' '{token}'")
            .run_cases(framing(), cases.clone(), move || Sticky {
                errors: e.clone(),
                inner: ReferenceDecoder::new(framing()),
                dropped: false,
            });
        let mut report = report;
        let at = report.results.len() - 1;
        assert_eq!(same_process_before(&report, &cases, at).len(), 5);
        let mut tries = 0;
        let mut f = fresh(&mut tries);
        explain_state(&mut report, || cases.clone(), &mut f);
        drop(f);
        let found = report
            .failures
            .iter()
            .find(|x| x.failure.kind == FailureKind::MissingFrame)
            .expect("the target fails after two errors");
        let state = found.state.as_ref().expect("passes alone, so searched");
        let names: Vec<&str> = state.after.iter().map(|c| c.stream.name()).collect();
        assert_eq!(names, ["bad-a", "bad-b"]);
        assert_eq!(state.earlier, 5);
        assert!(
            state.runs >= 3 && state.runs <= tries,
            "{} of {tries}",
            state.runs
        );
        let line = report.reproduce_line(found);
        assert!(
            line.contains(&format!(
                "--after '{}' --after '{}' '{}'",
                state.after[0].token(),
                state.after[1].token(),
                found.minimal.token()
            )),
            "{line}"
        );
        let text = crate::report::render_failure(found, &line);
        assert!(
            text.contains("fails only after 2 earlier streams"),
            "{text}"
        );
        // A crash between them would have restarted the program: only what follows counts.
        let mut report = report;
        report.results[2].status = Status::Fail(FailureKind::Crash);
        let after_crash = same_process_before(&report, &cases, at);
        let names: Vec<&str> = after_crash.iter().map(|c| c.stream.name()).collect();
        assert_eq!(names, ["ok3", "bad-b"]);
    }

    /// A flaky failure: the case passes alone once, then fails alone. It is no state
    /// dependence, and no search is made.
    #[test]
    fn a_case_that_passes_alone_only_once_is_not_searched() {
        let cases = vec![case("bad-a", &[9]), case("target", &[1, 7])];
        let errors = Arc::new(Mutex::new(1));
        let e = errors.clone();
        let mut report =
            crate::runner::Runner::new().run_cases(framing(), cases.clone(), move || Sticky {
                errors: e.clone(),
                inner: ReferenceDecoder::new(framing()),
                dropped: false,
            });
        report
            .failures
            .retain(|x| x.failure.kind == FailureKind::MissingFrame);
        assert_eq!(report.failures.len(), 1);
        let mut tries = 0;
        let mut f = |_: &[Case], c: &Case| {
            tries += 1;
            // Then it fails alone, as the flaky program it is: one stuck with errors.
            let errors = Arc::new(Mutex::new(if tries == 1 { 0 } else { 2 }));
            Some(judge(
                &mut Sticky {
                    errors,
                    inner: ReferenceDecoder::new(framing()),
                    dropped: false,
                },
                c,
            ))
        };
        explain_state(&mut report, || cases.clone(), &mut f);
        assert!(report.failures[0].state.is_none());
        assert_eq!(tries, 2, "passed alone once, then failed alone: no search");
    }
}
