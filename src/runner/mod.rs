//! The runner: cases run against a decoder on a worker thread with a hang watchdog, each
//! verdict counted into a [`Report`], and the first failure of each kind shrunk.
//!
//! A [`Runner`] holds how cases run (timeout, limits, shrinking, the `Reproduce with:` line),
//! not which cases: the default suite (`suite`) and the golden-vector runner
//! (`vectors::run()`) each build their cases and hand them to it. It sits below both,
//! so that neither needs the other to run anything.
//!
//! ```
//! use std::sync::Arc;
//! use framecheck::runner::Runner;
//! use framecheck::{Case, Framing, ReferenceDecoder, Schedule, Stream};
//!
//! let framing: Framing = "u8".parse().unwrap();
//! let stream = Arc::new(Stream::from_messages(framing, "abc", vec![b"abc".to_vec()]).unwrap());
//! let cases = vec![Case::new(stream, "whole", Schedule::whole())];
//! let report = Runner::new().run_cases(framing, cases, move || ReferenceDecoder::new(framing));
//! assert!(report.is_pass());
//! ```
//!
//! # The watchdog
//! Cases run on a worker thread; the calling thread waits for each verdict, and when no call
//! into the decoder has returned for the timeout, the case is a hang. A decoder that does not
//! return is reported as a [`Hang`](FailureKind::Hang) and its thread is abandoned (Rust
//! cannot kill a thread), so the factory must be `'static`. Each abandoned thread keeps
//! whatever it was doing, so after [`max_hangs`](Runner::max_hangs) hangs the remaining cases
//! are skipped, with the reason in the report. A decoder that may abort the process belongs
//! in a child process.
//!
//! # Leaks
//! Each case is one stream, so the runner also watches what is left between streams: the live
//! bytes each in-process decoder leaves behind after its drop (with
//! [`CountingAlloc`](crate::CountingAlloc) installed), and the resident memory an exec program
//! reports at each `BEGIN`. A steady growth beyond [`leak_slack`](Runner::leak_slack) is a
//! [`MemoryLeak`](FailureKind::MemoryLeak) (the rule is in [`crate::leak`]). It is a verdict
//! on the run, not on one case, so the report carries it on the last passing stream sampled:
//! that case's status becomes `memory-leak`, and its detail gives the growth and says that
//! replaying the stream alone passes. It is not shrunk.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::adapter::FrameDecoder;
use crate::baseline::Known;
use crate::case::Case;
use crate::framing::Framing;
use crate::leak::{self, Memory, Taken};
use crate::oracle::{Failure, FailureKind, Verdict};
use crate::report::{CaseResult, FoundFailure, Report, Status};
use crate::shrink::shrink;

mod executor;
mod parallel;

use executor::Executor;
use parallel::Parallel;

/// What runs cases for [`Runner`]: in process with a watchdog ([`Executor`]), or through a
/// judge function on several threads at once ([`Parallel`]).
trait Execute {
    /// Runs `cases` in order, handing each verdict to `on_verdict` in case order, which
    /// returns whether to go on.
    fn run_batch(&mut self, cases: &[Case], on_verdict: impl FnMut(usize, Verdict, Taken) -> bool);

    /// Runs one case (a shrinking candidate).
    fn run_one(&mut self, case: &Case) -> Verdict {
        let mut out = Verdict::Skip("not run".into());
        self.run_batch(std::slice::from_ref(case), |_, v, _| {
            out = v;
            true
        });
        out
    }
}

/// The most time spent shrinking one failure kind.
const SHRINK_TIME: Duration = Duration::from_secs(10);
/// The most runs spent shrinking a fault (a crash or protocol error), each of which may cost a
/// process start.
const FAULT_SHRINK_RUNS: usize = 100;

/// What a hang was, without what changes from case to case: `(the detail up to what the
/// program printed, the same with every number blanked)`. A program's stderr tail, the frame
/// count of its answer and the like differ between two hangs of the same mistake.
fn hang_key(detail: &str) -> (String, String) {
    let what = ["; the program was killed", "; stderr", "\n"]
        .iter()
        .filter_map(|cut| detail.find(cut))
        .min()
        .map_or(detail, |at| &detail[..at]);
    let mut key = String::with_capacity(what.len());
    for c in what.chars() {
        if c.is_ascii_digit() {
            if !key.ends_with('#') {
                key.push('#');
            }
        } else {
            key.push(c);
        }
    }
    (what.to_string(), key)
}

/// A run stops after the same hang (same call, EOF or a chunk, same detail but for numbers and
/// what the program printed) this many times.
pub const SAME_HANG_LIMIT: usize = 3;

/// The default seed: runs are reproducible unless a seed is chosen.
pub const DEFAULT_SEED: u64 = 0x5eed_f4a3;
/// The default timeout per call into the decoder.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// The default fault limit (see [`Runner::max_faults`]).
pub const DEFAULT_MAX_FAULTS: usize = 25;

/// How cases are run: the watchdog's timeout, the limits after which the rest are skipped,
/// the shrinking budget and the `Reproduce with:` line.
#[derive(Clone, Debug)]
#[must_use]
pub struct Runner {
    seed: u64,
    timeout: Duration,
    fail_fast: bool,
    shrink_runs: usize,
    max_hangs: usize,
    max_faults: usize,
    memory_slack: u64,
    leak_slack: u64,
    reproduce: String,
    progress: Option<ProgressFn>,
    shrink_hangs: bool,
    known: Known,
}

/// A callback told `(cases done, cases in all)` as a run goes.
#[derive(Clone)]
pub struct ProgressFn(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl fmt::Debug for ProgressFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressFn")
    }
}

impl Default for Runner {
    fn default() -> Runner {
        Runner::new()
    }
}

impl Runner {
    /// Seed [`DEFAULT_SEED`], a 2-second timeout per call, shrinking up to 2000 runs per
    /// failure kind, stopping after 1 hang or 25 faults.
    pub fn new() -> Runner {
        Runner {
            seed: DEFAULT_SEED,
            timeout: DEFAULT_TIMEOUT,
            fail_fast: false,
            shrink_runs: 2000,
            max_hangs: 1,
            max_faults: DEFAULT_MAX_FAULTS,
            memory_slack: crate::oracle::DEFAULT_MEMORY_SLACK,
            leak_slack: leak::DEFAULT_LEAK_SLACK,
            reproduce: "framecheck::replay(&mut decoder, \"{token}\")".to_string(),
            progress: None,
            shrink_hangs: false,
            known: Known::default(),
        }
    }

    /// The seed the report names (the one the cases were generated from).
    pub fn seed(mut self, seed: u64) -> Runner {
        self.seed = seed;
        self
    }

    /// How long one call into the decoder may take before it is a hang.
    pub fn timeout(mut self, timeout: Duration) -> Runner {
        self.timeout = timeout;
        self
    }

    /// Stop at the first failing case.
    pub fn fail_fast(mut self, yes: bool) -> Runner {
        self.fail_fast = yes;
        self
    }

    /// The most runs spent shrinking each failure kind (0: no shrinking); a fault kind gets at
    /// most 100, and no kind more than 10 seconds.
    pub fn shrink_runs(mut self, runs: usize) -> Runner {
        self.shrink_runs = runs;
        self
    }

    /// After this many hangs, skip the remaining cases (default 1: each in-process hang leaves
    /// a thread behind, and each costs a timeout).
    pub fn max_hangs(mut self, n: usize) -> Runner {
        self.max_hangs = n.max(1);
        self
    }

    /// After this many faults (hangs, crashes, protocol errors, memory bombs), skip the
    /// remaining cases (default 25: each costs a timeout, a process restart or gigabytes).
    pub fn max_faults(mut self, n: usize) -> Runner {
        self.max_faults = n.max(1);
        self
    }

    /// The slack of the per-call memory budget (default 256 KiB): raise it for a decoder that
    /// reserves a fixed receive buffer larger than that.
    pub fn memory_slack(mut self, bytes: u64) -> Runner {
        self.memory_slack = bytes;
        self
    }

    /// How much the live bytes left behind by in-process decoders may grow across the run,
    /// steadily, before it is a [`MemoryLeak`](FailureKind::MemoryLeak) (default 4 MiB; the
    /// rule is in [`crate::leak`]). An exec program's resident memory is held to its own
    /// slack (`ExecProgram::leak_slack`.
    pub fn leak_slack(mut self, bytes: u64) -> Runner {
        self.leak_slack = bytes;
        self
    }

    /// Whether hangs are shrunk too (default: no, since an in-process hang leaves a thread
    /// behind at every try; a decoder in a child process that is killed on a hang can be).
    pub fn shrink_hangs(mut self, yes: bool) -> Runner {
        self.shrink_hangs = yes;
        self
    }

    /// Failures a baseline expects (see [`crate::baseline`]): reported as known, not failed,
    /// and not what `fail_fast` stops at.
    pub fn known(mut self, known: Known) -> Runner {
        self.known = known;
        self
    }

    /// Calls `f(done, total)` after each case.
    pub fn on_progress(mut self, f: impl Fn(usize, usize) + Send + Sync + 'static) -> Runner {
        self.progress = Some(ProgressFn(Arc::new(f)));
        self
    }

    /// The `Reproduce with:` line printed under each failure; `{token}` is replaced by the
    /// case's replay token.
    pub fn reproduce_with(mut self, template: impl Into<String>) -> Runner {
        self.reproduce = template.into();
        self
    }

    /// Runs `cases` (all in `framing`) against decoders made by `factory` (one per case).
    pub fn run_cases<F, D>(&self, framing: Framing, cases: Vec<Case>, factory: F) -> Report
    where
        F: Fn() -> D + Send + Sync + 'static,
        D: FrameDecoder,
    {
        let exec = Executor::new(
            Arc::new(factory),
            self.timeout,
            self.max_hangs,
            self.memory_slack,
        );
        self.run_with(framing, cases, exec)
    }

    /// Runs `cases` (all in `framing`) through `judge`, on `workers` threads at once (at least
    /// one), with the limits, shrinking and report of [`run_cases`](Runner::run_cases).
    ///
    /// This is for a decoder the harness reaches through something that bounds every wait
    /// itself (a server over a socket, in the `tcp` module): there is no watchdog, so `judge` must
    /// return, and it must be safe to call from several threads at once. Verdicts are
    /// reported in case order whatever order they finish in; shrinking runs one candidate at
    /// a time.
    pub fn run_judged<J>(
        &self,
        framing: Framing,
        cases: Vec<Case>,
        workers: usize,
        judge: J,
    ) -> Report
    where
        J: Fn(&Case) -> Verdict + Send + Sync + 'static,
    {
        self.run_with(framing, cases, Parallel::new(Arc::new(judge), workers))
    }

    fn run_with(&self, framing: Framing, cases: Vec<Case>, mut exec: impl Execute) -> Report {
        let started = Instant::now();
        let mut report = Report::new(framing, self.seed, cases.len(), self.reproduce.clone());
        let mut first: BTreeMap<FailureKind, (usize, Failure, bool)> = BTreeMap::new();
        let (mut hangs, mut faults) = (0, 0);
        let mut stop: Option<String> = None;
        // Failures no baseline entry expects: what `fail_fast` stops at.
        let mut new_failures = 0;
        // Hangs by what they were (the call, EOF or a chunk, and the detail): the same hang
        // again and again is one mistake (an adapter that never answers DONE after EOF, say),
        // not a reason to pay a timeout per case up to the fault limit.
        let mut same_hangs: BTreeMap<(bool, String), usize> = BTreeMap::new();
        let mut repeated_hang: Option<String> = None;
        let total = cases.len();
        let mut memory = Memory::default();
        exec.run_batch(&cases, |i, verdict, taken| {
            memory.take(i, taken);
            let mut detail = None;
            let status = match &verdict {
                Verdict::Pass => {
                    report.passed += 1;
                    Status::Pass
                }
                Verdict::Skip(why) => {
                    report.skipped += 1;
                    report.skip_reason.get_or_insert_with(|| why.clone());
                    Status::Skip
                }
                Verdict::Fail(f) => {
                    report.failed += 1;
                    hangs += (f.kind == FailureKind::Hang) as usize;
                    *report.by_kind.entry(f.kind).or_default() += 1;
                    report.first_failure_after.get_or_insert(i + 1);
                    let stream = &cases[i].stream;
                    let new = self.known.find(f.kind, stream.name(), stream.kind()).is_none();
                    new_failures += usize::from(new);
                    // A known fault costs as much as a new one (a timeout, a restart), but it
                    // does not stop the run: a baseline must see every case. Hangs in process
                    // leave a thread each, so they count whatever the baseline says.
                    faults += usize::from(f.kind.is_fault() && new);
                    if f.kind == FailureKind::Hang && new {
                        let at_eof = matches!(f.call, crate::oracle::Call::Eof);
                        let (what, key) = hang_key(&f.detail);
                        let n = same_hangs.entry((at_eof, key)).or_default();
                        *n += 1;
                        if *n >= SAME_HANG_LIMIT {
                            repeated_hang.get_or_insert_with(|| format!("{}: {what}", f.call));
                        }
                    }
                    // The first failure of each kind is shrunk; a new one over a known one.
                    if first.get(&f.kind).is_none_or(|(_, _, was_new)| new && !was_new) {
                        first.insert(f.kind, (i, f.clone(), new));
                    }
                    // The token of a long stream would cost megabytes per case: only short ones.
                    let token = if cases[i].stream.bytes().len() <= 1024 {
                        format!("token {}", cases[i].token())
                    } else {
                        format!("a {}-byte stream", cases[i].stream.bytes().len())
                    };
                    detail = Some(format!("{} at {}: {} ({token})", f.kind, f.call, f.detail));
                    Status::Fail(f.kind)
                }
            };
            report.results.push(CaseResult {
                label: cases[i].label(),
                stream: cases[i].stream.name().to_string(),
                kind: cases[i].stream.kind(),
                status,
                detail,
                known: None,
            });
            if let Some(p) = &self.progress {
                (p.0)(i + 1, total);
            }
            if self.fail_fast && new_failures > 0 {
                stop = Some("not run: stopped at the first failure (fail-fast)".to_string());
            } else if hangs >= self.max_hangs {
                stop = Some(format!(
                    "not run: the decoder hung {hangs} time(s), the limit (each hang costs a \
                     timeout)"
                ));
            } else if let Some(hang) = &repeated_hang {
                stop = Some(format!(
                    "not run: the same hang {SAME_HANG_LIMIT} times ({hang}): stopped rather \
                     than wait out a timeout per case; fix that first"
                ));
            } else if faults >= self.max_faults {
                stop = Some(format!(
                    "not run: {faults} faults (hangs, crashes, protocol errors, memory bombs), the limit"
                ));
            }
            stop.is_none()
        });
        for case in &cases[report.results.len()..] {
            report.skipped += 1;
            report.not_run += 1;
            report.results.push(CaseResult {
                label: case.label(),
                stream: case.stream.name().to_string(),
                kind: case.stream.kind(),
                status: Status::Skip,
                detail: None,
                known: None,
            });
        }
        if stop.is_some() {
            report.skip_reason = stop;
        }
        memory.judge(self.leak_slack, &mut report, &cases);
        for (kind, (i, failure, _)) in first {
            let count = report.by_kind[&kind];
            let original = cases[i].clone();
            // A fault costs a timeout or a process start per run: fewer runs for those.
            let runs = if kind.is_fault() {
                self.shrink_runs.min(FAULT_SHRINK_RUNS)
            } else {
                self.shrink_runs
            };
            let no_shrink = kind == FailureKind::Hang && !self.shrink_hangs;
            let (minimal, failure, runs) = if no_shrink || runs == 0 {
                (original.clone(), failure, 0)
            } else {
                let deadline = Instant::now() + SHRINK_TIME;
                let s = shrink(&original, &failure, runs, deadline, |c| exec.run_one(c));
                (s.case, s.failure, s.runs)
            };
            report.failures.push(FoundFailure {
                original,
                minimal,
                failure,
                shrink_runs: runs,
                count,
                known: None,
                state: None,
                line_limit: None,
                frame_limit: None,
            });
        }
        report.failures.sort_by_key(|f| f.failure.kind);
        self.known.apply(&mut report);
        report.alloc_metering = crate::alloc::is_installed();
        report.elapsed = started.elapsed();
        report
    }
}

#[cfg(test)]
mod hang_tests {
    use super::hang_key;

    /// Two hangs of the same mistake differ in the frames answered and in the program's stderr
    /// tail; they count as the same hang.
    #[test]
    fn hangs_that_differ_in_numbers_and_stderr_are_the_same_hang() {
        let a = "no DONE after EOF: it answered it with 2 frame(s), but no DONE came within 300 \
                 ms; the program was killed; stderr ends with:\nrequest 17: EOF 0 bytes";
        let b = "no DONE after EOF: it answered it with 0 frame(s), but no DONE came within 300 \
                 ms; the program was killed; stderr ends with:\nrequest 94: EOF 0 bytes";
        assert_eq!(hang_key(a).1, hang_key(b).1);
        assert!(!hang_key(a).0.contains("stderr"));
        let other = "the answer to CHUNK was still going after 300 ms";
        assert_ne!(hang_key(a).1, hang_key(other).1);
    }
}
