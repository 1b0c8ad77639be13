//! The result of a run: per-case statuses, the first failure of each kind (shrunk), and the
//! counts, with its renderers.
//!
//! The model ([`Report`], [`CaseResult`], [`Status`], [`FoundFailure`], and the
//! [`KnownFailure`]s a baseline expects) is filled in by the runner (`runner`) and read by the
//! renderers beside it:
//!
//! | module | what it writes |
//! |---|---|
//! | [`text`] | failures and summaries for a terminal ([`Report`]'s `Display`) |
//! | [`json`] | reports as JSON, for CI |
//! | `junit` | reports as JUnit XML (feature `junit`) |
//! | [`html`] | reports as one self-contained HTML page, each minimal case drawn |
//!
//! Both the text and the HTML read their call-by-call tables from [`calls`], one row per call
//! up to the failing one, and the paragraphs that explain a failure beyond its case (the
//! searches after an exec run) from [`explain`].
//!
//! The report imports no runner and no suite: a report is data, and whoever runs cases
//! fills it in, so the suite, the vector runner and the matrix all produce the same type.
//!
//! ```
//! use framecheck::{Framing, ReferenceDecoder, Suite};
//!
//! let framing: Framing = "u8:max=16".parse().unwrap();
//! let report = Suite::new(framing).random_cases(10).run(move || ReferenceDecoder::new(framing));
//! assert!(report.is_pass());
//! assert_eq!(report.results.len(), report.total);
//! println!("{}", framecheck::report::summary(&report));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::case::{Case, StreamKind};
use crate::framing::Framing;
use crate::oracle::{Failure, FailureKind};

pub mod calls;
pub mod explain;
pub mod html;
pub mod json;
#[cfg(feature = "junit")]
pub mod junit;
pub mod text;

pub use html::to_html;
pub use json::{error_json, to_json};
#[cfg(feature = "junit")]
pub use junit::{error_junit, to_junit};
pub use text::{render_case, render_failure, summary};

/// How one case ended, for per-case reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed with this kind.
    Fail(FailureKind),
    /// Failed with this kind, as a baseline expects (see `Report::known`): reported as
    /// skipped, with the baseline's reason, and not counted as failed.
    Known(FailureKind),
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
    /// What its stream tests.
    pub kind: StreamKind,
    /// How it ended.
    pub status: Status,
    /// For a failed case: what went wrong, and its replay token.
    pub detail: Option<String>,
    /// For a known failure ([`Status::Known`]): its entry in [`Report::known`].
    pub known: Option<usize>,
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
    /// Whether a baseline expects this failure: its entry in [`Report::known`]. A kind with
    /// new failures besides known ones is not marked known.
    pub known: Option<usize>,
    /// Set when the minimal case passes on a fresh process (a decoder program that keeps state
    /// across streams): the earlier streams that make it fail again, if any were found. `None`
    /// when it was not checked, or fails alone.
    pub state: Option<StateDependence>,
    /// Set when the minimal case fails as it is but passes with its reads cut smaller, so with
    /// shorter request lines (a program that reads lines into a fixed-size buffer): the
    /// bounds the search found. `None` when it was not checked, or short lines do not cure it.
    pub line_limit: Option<LineLimit>,
    /// Set for a `false-rejection` of a large frame when the program takes frames up to some
    /// length under the framing's maximum and rejects longer ones: the bounds the search found.
    /// `None` when it was not checked, or no such limit showed.
    pub frame_limit: Option<FrameLimit>,
}

/// A decoder's own maximum frame length, under the framing's: found by trying one frame of
/// each length, read whole (the exec module's `frame_limit` search).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameLimit {
    /// The longest frame it takes, in bytes of payload.
    pub takes_up_to: u64,
    /// The shortest it rejects (`takes_up_to + 1`).
    pub rejects_from: u64,
    /// Fresh processes the search started.
    pub runs: usize,
    /// How long the search took.
    pub elapsed: Duration,
}

/// A failure that needs a long read, so a long request line: a program that reads its request
/// lines into a fixed-size buffer shows it, and so does a decoder that mishandles long reads
/// (the two cannot be told apart: a `CHUNK` line is twice its read, and 7). The bounds the
/// search found (the exec module's `line_length` search); line lengths are in characters, the
/// newline included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineLimit {
    /// The longest read, in bytes, with which the minimal case, its reads cut smaller, passes.
    pub read_passes_up_to: usize,
    /// The shortest with which it fails (more than one byte longer when the search ran out of
    /// tries or time first).
    pub read_fails_from: usize,
    /// The `CHUNK` request line of the longest read that passes (twice the read, and 7).
    pub line_passes_up_to: usize,
    /// The `CHUNK` request line of the shortest read that fails.
    pub line_fails_from: usize,
    /// Fresh processes the search started.
    pub runs: usize,
    /// How long the search took.
    pub elapsed: Duration,
}

/// A failure that shows only after earlier streams on the same decoder (a program that keeps
/// state across `BEGIN`): what the search for the shortest run of those streams found.
#[derive(Clone, Debug)]
pub struct StateDependence {
    /// The earlier streams, in the order they ran, after which the minimal case fails again
    /// on one fresh decoder (process); empty when none was found within the budget. The
    /// `Reproduce with:` line runs them first (`--after`).
    pub after: Vec<Case>,
    /// How many streams had run on the same process before the failing case: the search
    /// started from them.
    pub earlier: usize,
    /// Fresh processes the search started (each fed some earlier streams, then the case).
    pub runs: usize,
    /// How long the search took.
    pub elapsed: Duration,
}

/// A failure a baseline expects, for one report: the baseline entry's scope and reason, and
/// how many of the report's cases it covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFailure {
    /// The entry's place in its baseline file (`known[N]`): what identifies it across the
    /// reports of one run.
    pub entry: usize,
    /// The entry's scope as the file gives it (`decoder: kind under framing in stream`).
    pub scope: String,
    /// The failure kind.
    pub kind: FailureKind,
    /// The stream (or stream group) the entry is limited to, if any.
    pub stream: Option<String>,
    /// Why it is known.
    pub reason: String,
    /// Where it is tracked, if anywhere.
    pub link: Option<String>,
    /// Cases of this report that failed this way.
    pub cases: usize,
}

impl fmt::Display for KnownFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(stream) = &self.stream {
            write!(f, " in {stream}")?;
        }
        write!(f, " ({})", self.reason)?;
        if let Some(link) = &self.link {
            write!(f, " {link}")?;
        }
        Ok(())
    }
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
    /// Cases failed, but for the known failures a baseline expects.
    pub failed: usize,
    /// Cases that failed as a baseline expects ([`Status::Known`]).
    pub known_failed: usize,
    /// Cases not run (after a hang, or after the first failure with `fail_fast`).
    pub skipped: usize,
    /// Of the skipped cases, those never run because the run stopped early (`fail_fast`, the
    /// hang or fault limit): with known failures let through, a run that stopped early does
    /// not pass, since the baseline cannot vouch for what was not run.
    pub not_run: usize,
    /// Whether a known failure that no longer happens fails the run (`--ratchet`): then
    /// [`fixed`](Report::fixed) entries fail it.
    pub ratchet: bool,
    /// Failed cases by kind (known failures not counted).
    pub by_kind: BTreeMap<FailureKind, usize>,
    /// The baseline entries that apply to this run, with the cases each covered.
    pub known: Vec<KnownFailure>,
    /// The baseline entries that apply to this run and covered no case: fixed, or no longer
    /// reached (see `baseline`).
    pub fixed: Vec<KnownFailure>,
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
    /// What the decoder declared that changed the framing (see [`Suite::run`](crate::Suite::run)).
    pub declared: Vec<String>,
    reproduce: String,
}

impl Report {
    /// Adds a failure found outside the report's own cases (a check that needs two
    /// connections, say) as one more failed case, under the stream name `stream`, with a
    /// failure entry of its own (after the suite's); it is not shrunk.
    pub fn add_failure(&mut self, stream: &str, case: Case, failure: Failure) {
        self.total += 1;
        self.failed += 1;
        *self.by_kind.entry(failure.kind).or_default() += 1;
        self.first_failure_after
            .get_or_insert(self.results.len() + 1);
        self.results.push(CaseResult {
            label: format!("{stream} / {}", case.label()),
            stream: stream.to_string(),
            kind: case.stream.kind(),
            status: Status::Fail(failure.kind),
            detail: Some(format!(
                "{} at {}: {}",
                failure.kind, failure.call, failure.detail
            )),
            known: None,
        });
        let count = self.by_kind[&failure.kind];
        match self
            .failures
            .iter_mut()
            .find(|f| f.failure.kind == failure.kind)
        {
            Some(found) => found.count = count,
            None => {
                self.failures.push(FoundFailure {
                    original: case.clone(),
                    minimal: case,
                    failure,
                    shrink_runs: 0,
                    count,
                    known: None,
                    state: None,
                    line_limit: None,
                    frame_limit: None,
                });
                self.failures.sort_by_key(|f| f.failure.kind);
            }
        }
    }

    /// An empty report of `total` cases, to be filled in as they run; `reproduce` is the
    /// `Reproduce with:` template (`{token}` stands for the case's replay token).
    pub(crate) fn new(framing: Framing, seed: u64, total: usize, reproduce: String) -> Report {
        Report {
            framing,
            seed,
            total,
            passed: 0,
            failed: 0,
            known_failed: 0,
            skipped: 0,
            not_run: 0,
            ratchet: false,
            by_kind: BTreeMap::new(),
            known: Vec::new(),
            fixed: Vec::new(),
            failures: Vec::new(),
            results: Vec::with_capacity(total),
            first_failure_after: None,
            skip_reason: None,
            alloc_metering: false,
            elapsed: Duration::ZERO,
            declared: Vec::new(),
            reproduce,
        }
    }

    /// No case failed but for the known failures a baseline expects; and, with known failures,
    /// every case ran, and under a ratchet no known failure went missing.
    pub fn is_pass(&self) -> bool {
        self.failed == 0 && self.why_not_pass_beyond_failures().is_none()
    }

    /// Why a run with no new failure does not pass, if it does not: it let known failures
    /// through and then stopped early, or (with `ratchet`) a known failure no longer happens.
    pub fn why_not_pass_beyond_failures(&self) -> Option<String> {
        if self.known_failed > 0 && self.not_run > 0 {
            return Some(format!(
                "{} case(s) not run after the known failures ({}): a baseline cannot vouch for \
                 cases that did not run (raise --max-faults or --max-hangs)",
                self.not_run,
                self.skip_reason.as_deref().unwrap_or("stopped early")
            ));
        }
        if self.ratchet && !self.fixed.is_empty() {
            let fixed: Vec<String> = self.fixed.iter().map(|k| k.scope.clone()).collect();
            return Some(format!(
                "known failure(s) no longer happen, and the ratchet is on: remove {} from \
                 the baseline",
                fixed.join("; ")
            ));
        }
        None
    }

    /// The `Reproduce with:` line for a failure. A token too long for a command line
    /// (over 16 KB) is written to a file in the temporary folder and given as `@FILE`. When
    /// the failure shows only after earlier streams ([`FoundFailure::state`]), those run first,
    /// each as an `--after TOKEN` before the case's token (in a template that quotes
    /// `'{token}'`, as `framecheck replay`'s do).
    pub fn reproduce_line(&self, failure: &FoundFailure) -> String {
        let kind = failure.failure.kind;
        let arg = token_arg(failure.minimal.token(), &kind.to_string());
        let after = failure.state.as_ref().map_or(&[][..], |s| &s.after[..]);
        if after.is_empty() || !self.reproduce.contains("'{token}'") {
            return self.reproduce.replace("{token}", &arg);
        }
        let mut first = String::new();
        for (i, case) in after.iter().enumerate() {
            let a = token_arg(case.token(), &format!("{kind}-after-{i}"));
            first.push_str(&format!("--after '{a}' "));
        }
        self.reproduce
            .replace("'{token}'", &format!("{first}'{{token}}'"))
            .replace("{token}", &arg)
    }
}

/// `token` as a command-line argument: itself, or `@FILE` for one over 16 KB (written to the
/// temporary folder, under a name made of this process's id and `name`).
fn token_arg(token: String, name: &str) -> String {
    if token.len() <= 16 * 1024 {
        return token;
    }
    let path = std::env::temp_dir().join(format!("framecheck-{}-{name}.token", std::process::id()));
    match std::fs::write(&path, &token) {
        Ok(()) => format!("@{}", path.display()),
        Err(_) => token,
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for found in &self.failures {
            if let Some(known) = found.known.and_then(|i| self.known.get(i)) {
                // Known: one line, and the replay line for whoever works on it.
                writeln!(
                    f,
                    "KNOWN {}: {} case(s), as the baseline expects: {}\n  Reproduce with: {}\n",
                    found.failure.kind,
                    found.count,
                    known.reason,
                    self.reproduce_line(found)
                )?;
                continue;
            }
            f.write_str(&text::render_failure(found, &self.reproduce_line(found)))?;
            writeln!(f)?;
        }
        write!(f, "{}", text::summary(self))
    }
}
