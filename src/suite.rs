//! The default suite and the runner: every generated stream under every catalog schedule, the
//! adversarial streams, and seeded random cases, run against a decoder with a hang watchdog,
//! then the failures shrunk and reported.
//!
//! ```
//! use framecheck::{Framing, ReferenceDecoder, Suite};
//!
//! let framing: Framing = "u16be:max=1000".parse().unwrap();
//! let report = Suite::new(framing).seed(7).run(move || ReferenceDecoder::new(framing));
//! assert!(report.is_pass(), "{report}");
//! assert!(report.total > 1000);
//! ```
//!
//! # The watchdog
//! Cases run on a worker thread; the calling thread waits for each verdict, and when no call
//! into the decoder has returned for the timeout, the case is a hang. A decoder that does not return is reported as a [`Hang`](FailureKind::Hang) and
//! its thread is abandoned (Rust cannot kill a thread), so the factory must be `'static`. Each
//! abandoned thread keeps whatever it was doing, so after [`max_hangs`](Suite::max_hangs) hangs
//! the remaining cases are skipped, with the reason in the report. A decoder that may abort
//! the process belongs in a child process.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::adapter::FrameDecoder;
use crate::adversarial::{self, pattern, LARGEST_MESSAGE};
use crate::case::{Case, Stream};
use crate::framing::{Framing, LineEof, Wire};
use crate::oracle::{
    catch_quietly, check_with_progress, Call, CallRecord, Failure, FailureKind, Outcome, Progress,
    Transcript, Verdict,
};
use crate::report;
use crate::schedule::{catalog, Schedule};
use crate::shrink::shrink;

/// The most time spent shrinking one failure kind.
const SHRINK_TIME: Duration = Duration::from_secs(10);
/// The most runs spent shrinking a fault (a crash or protocol error), each of which may cost a
/// process start.
const FAULT_SHRINK_RUNS: usize = 100;

/// The default seed: runs are reproducible unless a seed is chosen.
pub const DEFAULT_SEED: u64 = 0x5eed_f4a3;
/// How many random cases [`Suite::new`] adds to the deterministic ones.
pub const DEFAULT_RANDOM_CASES: usize = 500;
/// [`Suite::new`]'s timeout per call into the decoder.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// [`Suite::new`]'s fault limit (see [`Suite::max_faults`]).
pub const DEFAULT_MAX_FAULTS: usize = 25;

/// A configured run of the default suite for one framing.
#[derive(Clone, Debug)]
#[must_use]
pub struct Suite {
    framing: Framing,
    seed: u64,
    random_cases: usize,
    timeout: Duration,
    fail_fast: bool,
    shrink_runs: usize,
    max_hangs: usize,
    max_faults: usize,
    memory_slack: u64,
    reproduce: String,
    progress: Option<ProgressFn>,
    vectors: bool,
    shrink_hangs: bool,
}

/// A callback told `(cases done, cases in all)` as a run goes.
#[derive(Clone)]
pub struct ProgressFn(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl fmt::Debug for ProgressFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressFn")
    }
}

impl Suite {
    /// The default suite for `framing`: 500 random cases, seed [`DEFAULT_SEED`], a 2-second
    /// timeout per call, shrinking up to 2000 runs per failure kind.
    pub fn new(framing: Framing) -> Suite {
        Suite {
            framing,
            seed: DEFAULT_SEED,
            random_cases: DEFAULT_RANDOM_CASES,
            timeout: DEFAULT_TIMEOUT,
            fail_fast: false,
            shrink_runs: 2000,
            max_hangs: 1,
            max_faults: DEFAULT_MAX_FAULTS,
            memory_slack: crate::oracle::DEFAULT_MEMORY_SLACK,
            reproduce: "framecheck::replay(&mut decoder, \"{token}\")".to_string(),
            progress: None,
            vectors: true,
            shrink_hangs: false,
        }
    }

    /// The seed of the random cases.
    pub fn seed(mut self, seed: u64) -> Suite {
        self.seed = seed;
        self
    }

    /// How many random cases to add to the deterministic ones.
    pub fn random_cases(mut self, n: usize) -> Suite {
        self.random_cases = n;
        self
    }

    /// How long one call into the decoder may take before it is a hang.
    pub fn timeout(mut self, timeout: Duration) -> Suite {
        self.timeout = timeout;
        self
    }

    /// Stop at the first failing case.
    pub fn fail_fast(mut self, yes: bool) -> Suite {
        self.fail_fast = yes;
        self
    }

    /// The most runs spent shrinking each failure kind (0: no shrinking); a fault kind gets at
    /// most 100, and no kind more than 10 seconds.
    pub fn shrink_runs(mut self, runs: usize) -> Suite {
        self.shrink_runs = runs;
        self
    }

    /// After this many hangs, skip the remaining cases (default 1: each in-process hang leaves
    /// a thread behind, and each costs a timeout).
    pub fn max_hangs(mut self, n: usize) -> Suite {
        self.max_hangs = n.max(1);
        self
    }

    /// After this many faults (hangs, crashes, protocol errors, memory bombs), skip the
    /// remaining cases (default 25: each costs a timeout, a process restart or gigabytes).
    pub fn max_faults(mut self, n: usize) -> Suite {
        self.max_faults = n.max(1);
        self
    }

    /// The slack of the per-call memory budget (default 256 KiB): raise it for a decoder that
    /// reserves a fixed receive buffer larger than that.
    pub fn memory_slack(mut self, bytes: u64) -> Suite {
        self.memory_slack = bytes;
        self
    }

    /// Whether hangs are shrunk too (default: no, since an in-process hang leaves a thread
    /// behind at every try; a decoder in a child process that is killed on a hang can be).
    pub fn shrink_hangs(mut self, yes: bool) -> Suite {
        self.shrink_hangs = yes;
        self
    }

    /// Whether the suite starts with the bundled golden vectors that apply to its framing
    /// (default: yes).
    pub fn vectors(mut self, yes: bool) -> Suite {
        self.vectors = yes;
        self
    }

    /// Calls `f(done, total)` after each case.
    pub fn on_progress(mut self, f: impl Fn(usize, usize) + Send + Sync + 'static) -> Suite {
        self.progress = Some(ProgressFn(Arc::new(f)));
        self
    }

    /// The `Reproduce with:` line printed under each failure; `{token}` is replaced by the
    /// case's replay token.
    pub fn reproduce_with(mut self, template: impl Into<String>) -> Suite {
        self.reproduce = template.into();
        self
    }

    /// The framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Every case of the suite, in the order they run: the golden vectors that apply to the
    /// framing (as given), generated messages under the schedule catalog, the adversarial
    /// streams, then the random cases.
    pub fn cases(&self) -> Vec<Case> {
        let mut cases = Vec::new();
        if self.vectors {
            cases.extend(crate::vectors::cases_for(self.framing));
        }
        let mut streams = message_sets(self.framing);
        streams.extend(adversarial::streams(self.framing));
        for s in streams {
            let s = Arc::new(s);
            for (name, schedule) in catalog(&s.layout()) {
                cases.push(Case::new(s.clone(), name, schedule));
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        for i in 0..self.random_cases {
            let s = random_stream(self.framing, &mut rng, format!("random#{i}"));
            let schedule = Schedule::random(s.bytes().len(), &mut rng);
            cases.push(Case::new(Arc::new(s), "random", schedule));
        }
        cases
    }

    /// Runs the suite against decoders made by `factory` (one per case).
    ///
    /// What the decoder declares about itself ([`FrameDecoder::max_frame_len`],
    /// [`FrameDecoder::empty_frames`], and for lines [`FrameDecoder::unterminated_line`] and
    /// [`FrameDecoder::resyncs`]) adjusts the framing first, and the report lists it.
    pub fn run<F, D>(&self, factory: F) -> Report
    where
        F: Fn() -> D + Send + Sync + 'static,
        D: FrameDecoder,
    {
        let mut suite = self.clone();
        let mut declared = Vec::new();
        if let Ok((max, empty, eof, resync)) = catch_quietly(|| {
            let d = factory();
            (
                d.max_frame_len(),
                d.empty_frames(),
                d.unterminated_line(),
                d.resyncs(),
            )
        }) {
            // A declaration is listed when it changes the framing (a fixed size is its own
            // maximum, and its frames are never empty).
            if let Some(m) = max {
                let before = suite.framing;
                suite.framing = suite.framing.with_max_frame_len(m);
                if suite.framing != before {
                    declared.push(format!("maximum frame length {m}"));
                }
            }
            if !empty && self.framing.empty_frames() {
                let before = suite.framing;
                suite.framing = suite.framing.with_empty_frames(false);
                if suite.framing != before {
                    declared.push("no empty frames".to_string());
                }
            }
            if let Wire::Lines(l) = self.framing.wire() {
                if let Some(e) = eof.filter(|&e| e != l.eof) {
                    suite.framing = suite.framing.with_line_eof(e);
                    declared.push(
                        match e {
                            LineEof::Emit => "an unterminated last line is a frame (eof=emit)",
                            LineEof::Reject => "an unterminated last line is an error (eof=reject)",
                        }
                        .to_string(),
                    );
                }
                if let Some(r) = resync.filter(|&r| r != l.resync) {
                    suite.framing = suite.framing.with_resync(r);
                    declared.push(if r {
                        "goes on after an error, from the next newline (resync)".to_string()
                    } else {
                        "an error ends the stream (no resync)".to_string()
                    });
                }
            }
        }
        let mut report = suite.run_cases(suite.cases(), factory);
        report.declared = declared;
        report
    }

    /// Runs the suite and panics with the report if any case failed: the one-call form for a
    /// `#[test]`.
    pub fn check<F, D>(&self, factory: F)
    where
        F: Fn() -> D + Send + Sync + 'static,
        D: FrameDecoder,
    {
        let report = self.run(factory);
        if !report.is_pass() {
            panic!("{report}");
        }
    }

    /// Runs the given cases against decoders made by `factory`.
    pub fn run_cases<F, D>(&self, cases: Vec<Case>, factory: F) -> Report
    where
        F: Fn() -> D + Send + Sync + 'static,
        D: FrameDecoder,
    {
        let started = Instant::now();
        let mut exec = Executor::new(
            Arc::new(factory),
            self.timeout,
            self.max_hangs,
            self.memory_slack,
        );
        let mut report = Report {
            framing: self.framing,
            seed: self.seed,
            total: cases.len(),
            passed: 0,
            failed: 0,
            skipped: 0,
            by_kind: BTreeMap::new(),
            failures: Vec::new(),
            results: Vec::with_capacity(cases.len()),
            first_failure_after: None,
            skip_reason: None,
            alloc_metering: false,
            elapsed: Duration::ZERO,
            reproduce: self.reproduce.clone(),
            declared: Vec::new(),
        };
        let mut first: BTreeMap<FailureKind, (usize, Failure)> = BTreeMap::new();
        let (mut hangs, mut faults) = (0, 0);
        let mut stop: Option<String> = None;
        let total = cases.len();
        exec.run_batch(&cases, |i, verdict| {
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
                    faults += f.kind.is_fault() as usize;
                    *report.by_kind.entry(f.kind).or_default() += 1;
                    report.first_failure_after.get_or_insert(i + 1);
                    first.entry(f.kind).or_insert_with(|| (i, f.clone()));
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
                status,
                detail,
            });
            if let Some(p) = &self.progress {
                (p.0)(i + 1, total);
            }
            if self.fail_fast && report.failed > 0 {
                stop = Some("not run: stopped at the first failure (fail-fast)".to_string());
            } else if hangs >= self.max_hangs {
                stop = Some(format!(
                    "not run: the decoder hung {hangs} time(s), the limit (each hang costs a \
                     timeout)"
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
            report.results.push(CaseResult {
                label: case.label(),
                stream: case.stream.name().to_string(),
                status: Status::Skip,
                detail: None,
            });
        }
        if stop.is_some() {
            report.skip_reason = stop;
        }
        for (kind, (i, failure)) in first {
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
            });
        }
        report.alloc_metering = crate::alloc::is_installed();
        report.elapsed = started.elapsed();
        report
    }
}

/// The messages every framing is tested with, from the empty stream up to field-width
/// boundaries that the maximum frame length allows.
pub fn message_sets(framing: Framing) -> Vec<Stream> {
    let max = framing.max_frame_len();
    let b = |s: &str| s.as_bytes().to_vec();
    let mut sets: Vec<(String, Vec<Vec<u8>>)> = vec![
        ("empty-stream".into(), vec![]),
        ("one-empty".into(), vec![vec![]]),
        ("one-byte".into(), vec![b("a")]),
        ("worked-example".into(), vec![b("abc"), b("hi"), b("ping")]),
        ("empty-x3".into(), vec![vec![]; 3]),
        (
            "mixed".into(),
            vec![b("hello"), vec![], b("world!"), vec![], vec![]],
        ),
        ("ascending".into(), (0..10).map(pattern).collect()),
    ];
    for len in [255u64, 256, 65535, 65536, 65537] {
        if len <= max && len <= LARGEST_MESSAGE {
            sets.push((format!("len={len}"), vec![pattern(len as usize), b("z")]));
        }
    }
    sets.into_iter()
        .map(|(name, msgs)| {
            let msgs: Vec<Vec<u8>> = msgs.into_iter().filter(|m| m.len() as u64 <= max).collect();
            Stream::with_tail_lenient(framing, name, msgs, Vec::new())
                .expect("messages within max encode")
        })
        .collect()
}

/// A random stream: up to six messages of mostly short lengths, sometimes followed by a
/// truncated frame or a hostile header.
pub fn random_stream(framing: Framing, rng: &mut impl Rng, name: String) -> Stream {
    let max = framing.max_frame_len();
    let small_max = max.min(4096) as usize;
    let count = rng.random_range(0..=6);
    let len = |rng: &mut dyn rand::RngCore| -> usize {
        let l = match rng.random_range(0..10) {
            0 | 1 => 0,
            2..=6 => rng.random_range(1..=16),
            7 | 8 => rng.random_range(17..=300),
            _ => small_max.saturating_sub(rng.random_range(0..=2)),
        };
        l.min(small_max)
    };
    let messages: Vec<Vec<u8>> = (0..count)
        .map(|_| {
            let l = len(rng);
            (0..l).map(|_| rng.random()).collect()
        })
        .collect();
    let tail = match rng.random_range(0..8) {
        0 => {
            // A truncated frame.
            let l = len(rng);
            let m: Vec<u8> = (0..l).map(|_| rng.random()).collect();
            let full = framing
                .encode(&[framing.conform(m)])
                .map(|e| e.bytes)
                .unwrap_or_default();
            let cut = rng.random_range(0..full.len().max(1));
            full[..cut].to_vec()
        }
        1 => {
            // A hostile header and a few bytes.
            let field = match rng.random_range(0..3) {
                0 => max.saturating_add(1),
                1 => framing.field_max(),
                _ => rng.random::<u64>() & framing.field_max(),
            };
            let mut t = framing.header_for_field(field).unwrap_or_default();
            t.extend((0..rng.random_range(0..4)).map(|_| rng.random::<u8>()));
            t
        }
        _ => Vec::new(),
    };
    Stream::with_tail_lenient(framing, name, messages, tail)
        .expect("random messages are within max")
}

/// How one case ended, for per-case reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed with this kind.
    Fail(FailureKind),
    /// Not run.
    Skip,
}

/// One case's label and status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// The case label.
    pub label: String,
    /// The name of its stream (`worked-example`, `len=max+1`, `vector:ID`, `random#3`).
    pub stream: String,
    /// How it ended.
    pub status: Status,
    /// For a failed case: what went wrong, and its replay token.
    pub detail: Option<String>,
}

/// The first failure of one kind, shrunk.
#[derive(Clone, Debug)]
pub struct FoundFailure {
    /// The case as the suite ran it.
    pub original: Case,
    /// The smallest case found that fails the same way.
    pub minimal: Case,
    /// The failure of the minimal case.
    pub failure: Failure,
    /// Runs the shrinker spent.
    pub shrink_runs: usize,
    /// How many cases failed with this kind.
    pub count: usize,
}

/// The result of a suite run.
#[derive(Clone, Debug)]
pub struct Report {
    /// The framing.
    pub framing: Framing,
    /// The seed of the random cases.
    pub seed: u64,
    /// Cases in the suite.
    pub total: usize,
    /// Cases passed.
    pub passed: usize,
    /// Cases failed.
    pub failed: usize,
    /// Cases not run (after a hang, or after the first failure with `fail_fast`).
    pub skipped: usize,
    /// Failed cases by kind.
    pub by_kind: BTreeMap<FailureKind, usize>,
    /// The first failure of each kind, shrunk.
    pub failures: Vec<FoundFailure>,
    /// Every case's label and status, in run order.
    pub results: Vec<CaseResult>,
    /// How many cases had run when the first failure was found.
    pub first_failure_after: Option<usize>,
    /// Why cases were skipped.
    pub skip_reason: Option<String>,
    /// Whether allocations were metered (the memory-bomb check was on).
    pub alloc_metering: bool,
    /// Wall time.
    pub elapsed: Duration,
    /// What the decoder declared that changed the framing (see [`Suite::run`]).
    pub declared: Vec<String>,
    reproduce: String,
}

impl Report {
    /// No case failed.
    pub fn is_pass(&self) -> bool {
        self.failed == 0
    }

    /// The `Reproduce with:` line for a failure. A token too long for a command line
    /// (over 16 KB) is written to a file in the temporary folder and given as `@FILE`.
    pub fn reproduce_line(&self, failure: &FoundFailure) -> String {
        let token = failure.minimal.token();
        let arg = if token.len() > 16 * 1024 {
            let path = std::env::temp_dir().join(format!(
                "framecheck-{}-{}.token",
                std::process::id(),
                failure.failure.kind
            ));
            match std::fs::write(&path, &token) {
                Ok(()) => format!("@{}", path.display()),
                Err(_) => token,
            }
        } else {
            token
        };
        self.reproduce.replace("{token}", &arg)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for found in &self.failures {
            f.write_str(&report::render_failure(found, &self.reproduce_line(found)))?;
            writeln!(f)?;
        }
        write!(f, "{}", report::summary(self))
    }
}

/// Runs cases on a worker thread and waits for each at most the timeout.
struct Executor<F> {
    factory: Arc<F>,
    timeout: Duration,
    memory_slack: u64,
    worker: Option<Worker>,
    hangs: usize,
    max_hangs: usize,
}

struct Worker {
    jobs: mpsc::Sender<(usize, Case)>,
    results: mpsc::Receiver<(usize, Verdict)>,
    progress: Arc<Progress>,
    /// Set when the worker is dropped: cases still queued are not started.
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Worker {
    /// Stops the worker and waits for the case it is running to end, so that nothing else
    /// talks to a shared decoder (an exec program) meanwhile; a call that runs past `timeout`
    /// is a hang, and the thread is abandoned.
    fn retire(mut self, timeout: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        // With the job sender replaced, the worker's queue ends once it has drained it.
        let (dead, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.jobs, dead));
        loop {
            let wait = timeout.saturating_sub(self.progress.age());
            match self
                .results
                .recv_timeout(wait.max(Duration::from_millis(1)))
            {
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) if self.progress.age() < timeout => {}
                Err(mpsc::RecvTimeoutError::Timeout) => return,
            }
        }
    }
}

const IN_FLIGHT: usize = 64;

impl<F, D> Executor<F>
where
    F: Fn() -> D + Send + Sync + 'static,
    D: FrameDecoder,
{
    fn new(factory: Arc<F>, timeout: Duration, max_hangs: usize, memory_slack: u64) -> Self {
        Executor {
            factory,
            timeout,
            memory_slack,
            worker: None,
            hangs: 0,
            max_hangs,
        }
    }

    fn spawn(&self) -> Worker {
        let (jobs, job_rx) = mpsc::channel::<(usize, Case)>();
        let (result_tx, results) = mpsc::channel();
        let progress = Arc::new(Progress::new());
        let factory = self.factory.clone();
        let slack = self.memory_slack;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let prog = progress.clone();
        thread::Builder::new()
            .name("framecheck-worker".into())
            .spawn(move || {
                for (i, case) in job_rx {
                    if stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let verdict = match catch_quietly(|| factory()) {
                        Ok(mut decoder) => {
                            let v = check_with_progress(&mut decoder, &case, Some(&prog), slack);
                            // A decoder whose drop panics is judged by what it did before.
                            let _ = catch_quietly(move || drop(decoder));
                            v
                        }
                        Err(caught) => Verdict::Fail(Failure {
                            kind: FailureKind::Panic,
                            call: Call::Chunk(0),
                            detail: format!("the decoder's constructor panicked: {caught}"),
                            transcript: Transcript::default(),
                        }),
                    };
                    if result_tx.send((i, verdict)).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the worker thread");
        Worker {
            jobs,
            results,
            progress,
            stop,
        }
    }

    /// Runs `cases` in order, handing each verdict to `on_verdict`, which returns whether to
    /// go on. Cases after the hang limit get `Verdict::Skip`.
    fn run_batch(&mut self, cases: &[Case], mut on_verdict: impl FnMut(usize, Verdict) -> bool) {
        let mut next_result = 0;
        while next_result < cases.len() {
            if self.hangs >= self.max_hangs {
                let why = format!(
                    "not run: the decoder hung {} time(s), and each hang leaves a thread behind",
                    self.hangs
                );
                for i in next_result..cases.len() {
                    if !on_verdict(i, Verdict::Skip(why.clone())) {
                        return;
                    }
                }
                return;
            }
            let worker = match self.worker.take() {
                Some(w) => w,
                None => self.spawn(),
            };
            let mut next_send = next_result;
            let mut hung = false;
            while next_result < cases.len() {
                while next_send < cases.len() && next_send < next_result + IN_FLIGHT {
                    if worker
                        .jobs
                        .send((next_send, cases[next_send].clone()))
                        .is_err()
                    {
                        break;
                    }
                    next_send += 1;
                }
                // Wait until the call in progress has run for the timeout.
                let wait = self.timeout.saturating_sub(worker.progress.age());
                match worker
                    .results
                    .recv_timeout(wait.max(Duration::from_millis(1)))
                {
                    Ok((i, verdict)) => {
                        debug_assert_eq!(i, next_result);
                        next_result += 1;
                        if !on_verdict(i, verdict) {
                            // Cases already queued would answer later calls: retire the
                            // worker, waiting for the case it is running.
                            worker.retire(self.timeout);
                            return;
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout)
                        if worker.progress.age() < self.timeout =>
                    {
                        // A new call started meanwhile: the decoder is slow, not stuck.
                    }
                    Err(_) => {
                        let case = &cases[next_result];
                        let c = worker.progress.call.load(Ordering::SeqCst);
                        let n = case.schedule.chunk_count(case.stream.bytes().len());
                        let call = if c < n { Call::Chunk(c) } else { Call::Eof };
                        let verdict = Verdict::Fail(Failure {
                            kind: FailureKind::Hang,
                            call,
                            detail: format!(
                                "{call} did not return within {} ms; its thread was abandoned",
                                self.timeout.as_millis()
                            ),
                            transcript: Transcript {
                                calls: vec![CallRecord {
                                    call,
                                    frames: Vec::new(),
                                    outcome: Outcome::Hung,
                                }],
                            },
                        });
                        self.hangs += 1;
                        hung = true;
                        let i = next_result;
                        next_result += 1;
                        if !on_verdict(i, verdict) {
                            return;
                        }
                        break;
                    }
                }
            }
            if !hung {
                self.worker = Some(worker);
            }
        }
    }

    fn run_one(&mut self, case: &Case) -> Verdict {
        let mut out = Verdict::Skip("not run".into());
        self.run_batch(std::slice::from_ref(case), |_, v| {
            out = v;
            true
        });
        out
    }
}
