//! The default suite: the golden vectors that apply to a framing, every generated stream
//! under every catalog schedule, the adversarial streams, and seeded random cases, run against
//! a decoder by the [`Runner`] (hang watchdog, shrinking) into a
//! [`Report`].
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
//! A suite is which cases run; how they run (the watchdog, the limits, shrinking) is the
//! runner's, which the golden-vector runner shares. The report types and the stream
//! generators this module used to hold are re-exported here from their own modules
//! ([`crate::report`], [`crate::messages`]), which sit below it.

use std::sync::Arc;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::adapter::FrameDecoder;
use crate::adversarial;
use crate::case::Case;
use crate::framing::{Framing, LineEof};
use crate::oracle::catch_quietly;
use crate::runner::Runner;
use crate::schedule::{catalog, Schedule};

pub use crate::messages::{message_sets, random_stream};
pub use crate::report::{CaseResult, FoundFailure, Report, Status};
pub use crate::runner::{ProgressFn, DEFAULT_MAX_FAULTS, DEFAULT_SEED, DEFAULT_TIMEOUT};

/// How many random cases [`Suite::new`] adds to the deterministic ones.
pub const DEFAULT_RANDOM_CASES: usize = 500;

/// How long the long-lived stream is at least: a megabyte.
pub const LONG_LIVED_BYTES: usize = 1 << 20;
/// How many frames the long-lived stream holds at least.
pub const LONG_LIVED_FRAMES: usize = 5000;

/// The many-frames cases for `framing`: each bulk stream under its few schedules, and the
/// long-lived stream (drawn from `seed`) under its own mixed cuts.
///
/// They come last in the suite so that a decoder caught earlier is reported as before.
pub fn bulk_cases(framing: Framing, seed: u64) -> Vec<Case> {
    let mut cases = Vec::new();
    for s in crate::bulk::streams(framing) {
        let schedules = crate::bulk::schedules(&s);
        let s = Arc::new(s);
        for (name, schedule) in schedules {
            cases.push(Case::new(s.clone(), name, schedule));
        }
    }
    if let Some((s, mixed)) =
        crate::bulk::long_lived(framing, seed, LONG_LIVED_BYTES, LONG_LIVED_FRAMES)
    {
        cases.push(Case::new(Arc::new(s), format!("mixed#{seed:x}"), mixed));
    }
    cases
}

/// A configured run of the default suite for one framing.
#[derive(Clone, Debug)]
#[must_use]
pub struct Suite {
    framing: Framing,
    seed: u64,
    random_cases: usize,
    vectors: bool,
    bulk: bool,
    runner: Runner,
}

impl Suite {
    /// The default suite for `framing`: 500 random cases, seed [`DEFAULT_SEED`], a 2-second
    /// timeout per call, shrinking up to 2000 runs per failure kind.
    pub fn new(framing: Framing) -> Suite {
        Suite {
            framing,
            seed: DEFAULT_SEED,
            random_cases: DEFAULT_RANDOM_CASES,
            vectors: true,
            bulk: true,
            runner: Runner::new(),
        }
    }

    /// How this suite runs its cases (timeout, limits, shrinking, the `Reproduce with:` line),
    /// for a driver that runs them its own way (`tcp::duplex`).
    pub fn runner(&self) -> Runner {
        self.runner.clone().seed(self.seed)
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
        self.runner = self.runner.timeout(timeout);
        self
    }

    /// Stop at the first failing case.
    pub fn fail_fast(mut self, yes: bool) -> Suite {
        self.runner = self.runner.fail_fast(yes);
        self
    }

    /// The most runs spent shrinking each failure kind (0: no shrinking); a fault kind gets at
    /// most 100, and no kind more than 10 seconds.
    pub fn shrink_runs(mut self, runs: usize) -> Suite {
        self.runner = self.runner.shrink_runs(runs);
        self
    }

    /// After this many hangs, skip the remaining cases (default 1: each in-process hang leaves
    /// a thread behind, and each costs a timeout).
    pub fn max_hangs(mut self, n: usize) -> Suite {
        self.runner = self.runner.max_hangs(n);
        self
    }

    /// After this many faults (hangs, crashes, protocol errors, memory bombs), skip the
    /// remaining cases (default 25: each costs a timeout, a process restart or gigabytes).
    pub fn max_faults(mut self, n: usize) -> Suite {
        self.runner = self.runner.max_faults(n);
        self
    }

    /// The slack of the per-call memory budget (default 256 KiB): raise it for a decoder that
    /// reserves a fixed receive buffer larger than that.
    pub fn memory_slack(mut self, bytes: u64) -> Suite {
        self.runner = self.runner.memory_slack(bytes);
        self
    }

    /// Whether hangs are shrunk too (default: no, since an in-process hang leaves a thread
    /// behind at every try; a decoder in a child process that is killed on a hang can be).
    pub fn shrink_hangs(mut self, yes: bool) -> Suite {
        self.runner = self.runner.shrink_hangs(yes);
        self
    }

    /// How much memory held between streams may grow, steadily, across the run before it is a
    /// `memory-leak` (default 4 MiB; the rule is in [`crate::leak`]).
    pub fn leak_slack(mut self, bytes: u64) -> Suite {
        self.runner = self.runner.leak_slack(bytes);
        self
    }

    /// Whether the suite starts with the bundled golden vectors that apply to its framing
    /// (default: yes).
    pub fn vectors(mut self, yes: bool) -> Suite {
        self.vectors = yes;
        self
    }

    /// Whether the suite ends with the many-frames cases ([`crate::bulk`]: thousands of frames,
    /// buffer wraps, one long-lived decoder; default: yes).
    pub fn bulk(mut self, yes: bool) -> Suite {
        self.bulk = yes;
        self
    }

    /// Failures a baseline expects ([`Baseline::for_run`](crate::baseline::Baseline::for_run)):
    /// they are reported as known (skipped, with their reason), do not fail the run, and
    /// `fail_fast` does not stop at them.
    pub fn known(mut self, known: crate::baseline::Known) -> Suite {
        self.runner = self.runner.known(known);
        self
    }

    /// Calls `f(done, total)` after each case.
    pub fn on_progress(mut self, f: impl Fn(usize, usize) + Send + Sync + 'static) -> Suite {
        self.runner = self.runner.on_progress(f);
        self
    }

    /// The `Reproduce with:` line printed under each failure; `{token}` is replaced by the
    /// case's replay token.
    pub fn reproduce_with(mut self, template: impl Into<String>) -> Suite {
        self.runner = self.runner.reproduce_with(template);
        self
    }

    /// The framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Every case of the suite, in the order they run: the golden vectors that apply to the
    /// framing (as given), generated messages under the schedule catalog, the adversarial
    /// streams, the random cases, then the many-frames cases ([`bulk_cases`]).
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
        if self.bulk {
            cases.extend(bulk_cases(self.framing, self.seed));
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
            // The line policies, for formats that have them (`None` elsewhere).
            let current_eof = self.framing.line_eof();
            if let Some(e) = eof.filter(|&e| current_eof.is_some_and(|c| c != e)) {
                suite.framing = suite.framing.with_line_eof(e);
                declared.push(
                    match e {
                        LineEof::Emit => "an unterminated last line is a frame (eof=emit)",
                        LineEof::Reject => "an unterminated last line is an error (eof=reject)",
                    }
                    .to_string(),
                );
            }
            let current_resync = self.framing.line_resync();
            if let Some(r) = resync.filter(|&r| current_resync.is_some_and(|c| c != r)) {
                suite.framing = suite.framing.with_resync(r);
                declared.push(if r {
                    "goes on after an error, from the next newline (resync)".to_string()
                } else {
                    "an error ends the stream (no resync)".to_string()
                });
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

    /// [`check`](Suite::check) against a baseline of known failures ([`crate::baseline`]):
    /// panics on a new failure, on a baseline entry that applies to nothing here (stale), and,
    /// with `ratchet`, on a known failure that no longer happens (the baseline must shrink).
    pub fn check_known<F, D>(&self, factory: F, baseline: &crate::baseline::Baseline, ratchet: bool)
    where
        F: Fn() -> D + Send + Sync + 'static,
        D: FrameDecoder,
    {
        if let Err(e) = baseline.check_applies(&[(None, self.framing)]) {
            panic!("{e}");
        }
        let report = self
            .clone()
            .known(baseline.for_run(None, self.framing).ratchet(ratchet))
            .run(factory);
        if let Err(e) = crate::baseline::check_streams(baseline, std::slice::from_ref(&report)) {
            panic!("{e}");
        }
        let outcome = crate::baseline::Outcome::of([&report]);
        if !outcome.passes() {
            panic!("{report}{outcome}");
        }
        if !outcome.fixed.is_empty() {
            eprintln!("{outcome}");
        }
    }

    /// Runs the given cases against decoders made by `factory`.
    pub fn run_cases<F, D>(&self, cases: Vec<Case>, factory: F) -> Report
    where
        F: Fn() -> D + Send + Sync + 'static,
        D: FrameDecoder,
    {
        self.runner
            .clone()
            .seed(self.seed)
            .run_cases(self.framing, cases, factory)
    }
}
