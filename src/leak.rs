//! The leak check: memory sampled once per stream across a whole run, and the trend rule that
//! tells a leak from an allocator's noise and from one-time growth.
//!
//! A decoder that keeps a little of every stream (a connection table never pruned, a cache
//! with no bound, a `Box::leak` per instance) passes every case, since each case alone is
//! small. What shows it is the trend over many streams. The runner (`runner`) takes
//! one [`Sample`] per stream and hands the run's samples to [`Trend::measure`]:
//!
//! - **in process**, the live bytes the decoders left behind: for each passing case, what the
//!   worker thread allocated and did not free from the decoder's construction to its drop
//!   ([`crate::alloc::retained`]), summed over the run. A decoder is built fresh per case, so
//!   "after each stream" means after its decoder is dropped; whatever is still held then is
//!   held by a global: a static cache, a thread-local, a leaked box.
//! - **through the exec protocol**, the program's resident memory (`VmRSS`) just before each
//!   `BEGIN`, one series per process (a restart after a fault starts a new one).
//!
//! # The rule
//! Resident memory is noisy (pages, arenas, a garbage collector), and a decoder may grow once
//! and keep what it grew (a 10 MiB buffer allocated at the first big frame). Neither is a leak;
//! a leak keeps growing for as long as the run goes on. So:
//!
//! 1. The first tenth of the samples is a warm-up, and dropped.
//! 2. The rest is cut into four quarters, and each quarter is summed up by its median, which
//!    neither a spike nor a drop moves.
//! 3. It is a leak when the median rises from each quarter to the next, each rise at least a
//!    sixth of the rise from the first quarter to the last, and that rise is above the slack.
//!
//! A one-time growth, wherever it happens in the run, lifts one quarter over the one before
//! it and leaves the other steps flat, so it passes; so does growth that levels off (a bounded
//! cache). Growth in every quarter of the run passes only if it stays within the slack. At
//! least [`MIN_SAMPLES`] samples after the warm-up are needed: fewer say nothing.
//!
//! ```
//! use framecheck::leak::{Sample, Trend};
//!
//! // 2 KiB more at every stream: 400 streams, 800 KiB in all.
//! let leaky: Vec<Sample> = (0..400).map(|i| Sample::new(i, 1_000_000 + 2048 * i as u64)).collect();
//! let trend = Trend::measure(&leaky).unwrap();
//! assert!(trend.leaks(256 << 10));
//! assert!((trend.per_stream - 2048.0).abs() < 1.0);
//!
//! // 10 MiB once, at stream 150, and kept.
//! let once: Vec<Sample> =
//!     (0..400).map(|i| Sample::new(i, if i < 150 { 1 << 20 } else { 11 << 20 })).collect();
//! assert!(!Trend::measure(&once).unwrap().leaks(256 << 10));
//! ```
//!
//! # In a report
//! A leak is a verdict on the run, not on one case. The report carries it on the last passing
//! stream sampled: that case's status becomes `memory-leak` (so the counts, the JSON and JUnit
//! reports and the matrix cells all see one failed case), and its failure's detail gives the
//! growth (first and last samples, streams sampled, bytes per stream, the quarter medians)
//! and says that replaying that stream alone passes. It is not shrunk: no single stream shows
//! it.
//!
//! The rule looks at levels, not at a least-squares slope, because a slope over a one-time
//! step is steep (a 10 MiB step halfway through fits a line that climbs 15 MiB); the slope is
//! still what the report gives as bytes per stream.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use crate::case::Case;
use crate::oracle::{Call, CallOutcome, CallRecord, Failure, FailureKind, Transcript};
use crate::report::{FoundFailure, Report, Status};

/// How much steady growth across a run is tolerated by default: 4 MiB.
pub const DEFAULT_LEAK_SLACK: u64 = 4 << 20;

/// The fewest samples, after the warm-up, that the rule judges (eight per quarter).
pub const MIN_SAMPLES: usize = 32;

/// Memory held at one point of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The case (stream) it was taken at, from 0, in run order.
    pub stream: usize,
    /// Bytes held.
    pub bytes: u64,
}

impl Sample {
    /// `bytes` held at stream `stream`.
    pub fn new(stream: usize, bytes: u64) -> Sample {
        Sample { stream, bytes }
    }
}

/// The shape of a run's samples, as the rule sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    /// The first sample (warm-up included).
    pub first: Sample,
    /// The last sample.
    pub last: Sample,
    /// How many samples (streams) there are.
    pub samples: usize,
    /// How many of them were the warm-up.
    pub warmup: usize,
    /// Bytes per stream: the least-squares slope over the samples after the warm-up.
    pub per_stream: f64,
    /// The median of each quarter of the samples after the warm-up.
    pub quarters: [u64; 4],
}

impl Trend {
    /// The trend of `samples` (in run order), or `None` when there are too few to judge.
    pub fn measure(samples: &[Sample]) -> Option<Trend> {
        let warmup = samples.len() / 10;
        let judged = &samples[warmup..];
        if judged.len() < MIN_SAMPLES {
            return None;
        }
        let q = judged.len() / 4;
        let quarters = [0, 1, 2, 3].map(|j| {
            let end = if j == 3 { judged.len() } else { (j + 1) * q };
            median(&judged[j * q..end])
        });
        Some(Trend {
            first: samples[0],
            last: samples[samples.len() - 1],
            samples: samples.len(),
            warmup,
            per_stream: slope(judged),
            quarters,
        })
    }

    /// The rise from the first quarter's median to the last's (negative when it fell).
    pub fn rise(&self) -> i64 {
        self.quarters[3] as i64 - self.quarters[0] as i64
    }

    /// Whether this is a leak beyond `slack` bytes (see the module docs for the rule).
    pub fn leaks(&self, slack: u64) -> bool {
        let rise = self.rise();
        rise > 0
            && rise as u64 > slack
            && self
                .quarters
                .windows(2)
                .all(|w| (w[1] as i64 - w[0] as i64) * 6 >= rise)
    }
}

impl fmt::Display for Trend {
    /// `from 12.0 MiB at stream 3 to 51.4 MiB at stream 9870 (9868 streams sampled), 4.1 KiB
    /// per stream; the median of each quarter after a warm-up of 986: 13.1 MiB, 22.8 MiB, …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q: Vec<String> = self.quarters.iter().map(|&b| size(b as f64)).collect();
        write!(
            f,
            "from {} at stream {} to {} at stream {} ({} streams sampled), {} per stream; the \
             median of each quarter after a warm-up of {}: {}",
            size(self.first.bytes as f64),
            self.first.stream,
            size(self.last.bytes as f64),
            self.last.stream,
            self.samples,
            size(self.per_stream),
            self.warmup,
            q.join(", ")
        )
    }
}

/// `bytes` for a person: `512 B`, `4.0 KiB`, `12.3 MiB`, `1.5 GiB` (negative with a sign).
pub fn size(bytes: f64) -> String {
    let sign = if bytes < 0.0 { "-" } else { "" };
    let b = bytes.abs();
    let (v, unit) = if b < 1024.0 {
        return format!("{sign}{b:.0} B");
    } else if b < (1u64 << 20) as f64 {
        (b / 1024.0, "KiB")
    } else if b < (1u64 << 30) as f64 {
        (b / (1u64 << 20) as f64, "MiB")
    } else {
        (b / (1u64 << 30) as f64, "GiB")
    };
    format!("{sign}{v:.1} {unit}")
}

fn median(samples: &[Sample]) -> u64 {
    let mut v: Vec<u64> = samples.iter().map(|s| s.bytes).collect();
    v.sort_unstable();
    v[v.len() / 2]
}

/// The least-squares slope of bytes over stream index.
fn slope(samples: &[Sample]) -> f64 {
    let n = samples.len() as f64;
    let mx = samples.iter().map(|s| s.stream as f64).sum::<f64>() / n;
    let my = samples.iter().map(|s| s.bytes as f64).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for s in samples {
        let dx = s.stream as f64 - mx;
        sxy += dx * (s.bytes as f64 - my);
        sxx += dx * dx;
    }
    if sxx == 0.0 {
        0.0
    } else {
        sxy / sxx
    }
}

/// A sample of memory outside this process, noted by the adapter that drives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Resident {
    /// Which process (a start count): a series is judged per process.
    pub(crate) process: u64,
    /// Its resident memory.
    pub(crate) bytes: u64,
    /// The slack its owner allows.
    pub(crate) slack: u64,
}

thread_local! {
    static RESIDENT: Cell<Option<Resident>> = const { Cell::new(None) };
}

/// Notes, for the case running on this thread, the resident memory of the process that
/// decodes it, as it starts a stream (the exec program at `BEGIN`).
pub(crate) fn note_resident(sample: Resident) {
    let _ = RESIDENT.try_with(|r| r.set(Some(sample)));
}

/// The sample noted on this thread since the last call, if any.
pub(crate) fn take_resident() -> Option<Resident> {
    RESIDENT.try_with(|r| r.take()).ok().flatten()
}

/// What the worker measured around one case, for the leak check.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Taken {
    /// Bytes the case left allocated after its decoder was dropped (a passing case, with the
    /// counting allocator installed).
    pub(crate) held: Option<i64>,
    /// The resident memory of the decoder's process as the stream began (an exec program).
    pub(crate) resident: Option<Resident>,
}

/// The run's memory samples, one per stream.
#[derive(Default)]
pub(crate) struct Memory {
    /// Live bytes left behind, summed over the run, after each passing case.
    live: Vec<(usize, i64)>,
    level: i64,
    /// Resident memory at each stream's start, per process: its slack and its samples.
    resident: BTreeMap<u64, (u64, Vec<Sample>)>,
}

/// A leak found: what was measured, its trend, and the slack it broke.
struct Leak {
    what: &'static str,
    trend: Trend,
    slack: u64,
}

impl Memory {
    /// Takes the samples of case `i`.
    pub(crate) fn take(&mut self, i: usize, taken: Taken) {
        if let Some(held) = taken.held {
            self.level = self.level.saturating_add(held);
            self.live.push((i, self.level));
        }
        if let Some(r) = taken.resident {
            let series = self
                .resident
                .entry(r.process)
                .or_insert((r.slack, Vec::new()));
            series.1.push(Sample::new(i, r.bytes));
        }
    }

    /// The leak the samples show, if any: the in-process one first, then the process whose
    /// resident memory grew the most.
    fn leak(&self, slack: u64) -> Option<Leak> {
        // Levels may dip below where they began (a decoder that frees a global): shift them up.
        let low = self.live.iter().map(|&(_, l)| l).min().unwrap_or(0).min(0);
        let live: Vec<Sample> = self
            .live
            .iter()
            .map(|&(i, l)| Sample::new(i, l.abs_diff(low)))
            .collect();
        if let Some(trend) = Trend::measure(&live).filter(|t| t.leaks(slack)) {
            return Some(Leak {
                what: "the live bytes the decoders left behind after their drop",
                trend,
                slack,
            });
        }
        self.resident
            .values()
            .filter_map(|(slack, samples)| {
                let trend = Trend::measure(samples).filter(|t| t.leaks(*slack))?;
                Some(Leak {
                    what: "the program's resident memory at BEGIN",
                    trend,
                    slack: *slack,
                })
            })
            .max_by_key(|l| l.trend.rise())
    }
}

/// Puts `leak` in `report`, carried by the last passing case at or before its last sample.
fn add_leak(report: &mut Report, cases: &[Case], leak: Leak) {
    let Leak { what, trend, slack } = leak;
    let detail = format!(
        "{what} grew steadily across the run: {trend}; a rise of {} from the first quarter to \
         the last, beyond the {} leak slack. A verdict on the whole run, carried by its last \
         passing stream: replaying that stream alone passes; run the suite again to see the \
         growth",
        size(trend.rise() as f64),
        size(slack as f64),
    );
    let at = (0..=trend.last.stream.min(cases.len().saturating_sub(1)))
        .rev()
        .find(|&i| {
            report
                .results
                .get(i)
                .is_some_and(|r| r.status == Status::Pass)
        });
    let Some(at) = at else {
        return;
    };
    let kind = FailureKind::MemoryLeak;
    report.passed -= 1;
    report.failed += 1;
    *report.by_kind.entry(kind).or_default() += 1;
    report.first_failure_after.get_or_insert(at + 1);
    let result = &mut report.results[at];
    result.status = Status::Fail(kind);
    result.detail = Some(format!(
        "{kind} over the run: {what} grew by {} ({} per stream over {} streams)",
        size(trend.rise() as f64),
        size(trend.per_stream),
        trend.samples
    ));
    let case = cases[at].clone();
    let calls = expected_calls(&case);
    report.failures.push(FoundFailure {
        original: case.clone(),
        minimal: case,
        failure: Failure {
            kind,
            call: Call::Eof,
            detail,
            transcript: Transcript { calls },
        },
        shrink_runs: 0,
        count: 1,
        known: None,
        state: None,
        line_limit: None,
        frame_limit: None,
    });
}

/// The calls of a case that passed, as the specification has them (so as the decoder made
/// them), up to the first error: for a report that shows the case.
fn expected_calls(case: &Case) -> Vec<CallRecord> {
    let stream = case.stream.bytes();
    let n = case.schedule.chunk_count(stream.len());
    let mut calls: Vec<CallRecord> = (0..=n)
        .map(|c| CallRecord {
            call: if c < n { Call::Chunk(c) } else { Call::Eof },
            frames: Vec::new(),
            outcome: CallOutcome::Ok,
        })
        .collect();
    for fr in &case.stream.expectation().frames {
        let c = crate::oracle::call_of(case, n, fr.due());
        calls[c].frames.push(stream[fr.payload.clone()].to_vec());
    }
    if let Some((_, r)) = crate::oracle::reject_window(case, n) {
        calls[r].outcome = CallOutcome::Rejected("(as expected)".to_string());
        calls.truncate(r + 1);
    }
    calls
}

impl Memory {
    /// Judges the run's samples, and puts the leak they show, if any, in `report` (in-process
    /// samples against `slack`, a program's against its own).
    pub(crate) fn judge(&self, slack: u64, report: &mut Report, cases: &[Case]) {
        if let Some(leak) = self.leak(slack) {
            add_leak(report, cases, leak);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;
    const SLACK: u64 = 4 * MIB;

    /// `n` samples from `f(i)`.
    fn series(n: usize, f: impl Fn(usize) -> u64) -> Vec<Sample> {
        (0..n).map(|i| Sample::new(i, f(i))).collect()
    }

    /// A small deterministic noise in [0, amplitude).
    fn noise(i: usize, amplitude: u64) -> u64 {
        (i as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(17)
            % amplitude
    }

    #[test]
    fn flat_memory_is_no_leak() {
        let t = Trend::measure(&series(1000, |_| 30 * MIB)).unwrap();
        assert!(!t.leaks(SLACK), "{t}");
        assert_eq!(t.per_stream, 0.0);
        assert_eq!(t.rise(), 0);
    }

    #[test]
    fn noisy_flat_memory_is_no_leak() {
        // Pages come and go by up to 3 MiB, at random.
        let t = Trend::measure(&series(5000, |i| 30 * MIB + noise(i, 3 * MIB))).unwrap();
        assert!(!t.leaks(SLACK), "{t}");
        assert!(t.rise().unsigned_abs() < MIB / 4, "{t}");
    }

    #[test]
    fn one_time_growth_anywhere_is_no_leak() {
        for at in [0, 1, 100, 250, 499, 500, 501, 750, 999] {
            let t = Trend::measure(&series(1000, |i| {
                20 * MIB + if i >= at { 10 * MIB } else { 0 } + noise(i, MIB / 8)
            }))
            .unwrap();
            assert!(!t.leaks(SLACK), "a 10 MiB step at stream {at}: {t}");
        }
    }

    #[test]
    fn growth_that_levels_off_is_no_leak() {
        // A cache that fills up over the first half, then stays full.
        let t = Trend::measure(&series(1000, |i| {
            20 * MIB + (i.min(500) as u64) * 64 * 1024
        }))
        .unwrap();
        assert!(!t.leaks(SLACK), "{t}");
    }

    #[test]
    fn linear_growth_beyond_the_slack_is_a_leak() {
        let t = Trend::measure(&series(2000, |i| 20 * MIB + i as u64 * 8192)).unwrap();
        assert!(t.leaks(SLACK), "{t}");
        assert!((t.per_stream - 8192.0).abs() < 0.5, "{t}");
        assert_eq!(t.first, Sample::new(0, 20 * MIB));
        assert_eq!(t.last.stream, 1999);
    }

    #[test]
    fn noisy_linear_growth_is_a_leak() {
        let t = Trend::measure(&series(4000, |i| {
            20 * MIB + i as u64 * 4096 + noise(i, 2 * MIB)
        }))
        .unwrap();
        assert!(t.leaks(SLACK), "{t}");
        assert!((t.per_stream - 4096.0).abs() < 100.0, "{t}");
    }

    #[test]
    fn linear_growth_within_the_slack_passes() {
        // 1 KiB per stream over 2000 streams: under 2 MiB.
        let t = Trend::measure(&series(2000, |i| 20 * MIB + i as u64 * 1024)).unwrap();
        assert!(!t.leaks(SLACK), "{t}");
        assert!(t.leaks(MIB), "{t}");
    }

    #[test]
    fn growth_in_steps_as_an_allocator_grows_its_heap_is_a_leak() {
        // 4 KiB per stream, seen as 1 MiB steps every 256 streams.
        let t = Trend::measure(&series(4000, |i| 20 * MIB + (i as u64 / 256) * MIB)).unwrap();
        assert!(t.leaks(SLACK), "{t}");
    }

    #[test]
    fn too_few_samples_say_nothing() {
        // 34 samples: a warm-up of 3 leaves 31.
        assert_eq!(Trend::measure(&series(34, |i| i as u64 * MIB)), None);
        assert!(Trend::measure(&series(35, |i| i as u64 * MIB)).is_some());
        assert_eq!(Trend::measure(&[]), None);
    }

    #[test]
    fn sizes_read_as_a_person_writes_them() {
        assert_eq!(size(512.0), "512 B");
        assert_eq!(size(4096.0), "4.0 KiB");
        assert_eq!(size(12.5 * MIB as f64), "12.5 MiB");
        assert_eq!(size(-2048.0), "-2.0 KiB");
    }
}

#[cfg(test)]
mod runs {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use crate::adapter::{FrameDecoder, Rejection};
    use crate::case::Case;
    use crate::framing::Framing;
    use crate::oracle::FailureKind;
    use crate::reference::ReferenceDecoder;
    use crate::report::Status;
    use crate::runner::Runner;
    use crate::suite::Suite;

    /// The reference decoder, with something done at construction.
    struct Wrapped(ReferenceDecoder);

    impl FrameDecoder for Wrapped {
        fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.0.feed(chunk, frames)
        }
        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.0.eof(frames)
        }
    }

    fn cases(framing: Framing, n: usize) -> Vec<Case> {
        let mut cases = Suite::new(framing).random_cases(0).cases();
        cases.truncate(n);
        assert_eq!(cases.len(), n, "the suite is shorter than {n} cases");
        cases
    }

    #[test]
    fn a_decoder_that_leaks_into_a_global_per_instance_is_a_memory_leak() {
        static LEAKED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        let framing: Framing = "u16be".parse().unwrap();
        let report = Runner::new().run_cases(framing, cases(framing, 600), move || {
            // BUG: every connection registers 16 KiB that nothing ever frees.
            LEAKED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(vec![7; 16 << 10]);
            Wrapped(ReferenceDecoder::new(framing))
        });
        assert!(!report.is_pass());
        assert_eq!(report.by_kind.get(&FailureKind::MemoryLeak), Some(&1));
        assert_eq!(report.failed, 1, "{report}");
        assert_eq!(report.passed, 599);
        let found = &report.failures[0];
        assert_eq!(found.failure.kind, FailureKind::MemoryLeak);
        assert_eq!(found.minimal.label(), report.results[599].label);
        assert_eq!(
            report.results[599].status,
            Status::Fail(FailureKind::MemoryLeak)
        );
        let detail = &found.failure.detail;
        assert!(detail.contains("16.0 KiB per stream"), "{detail}");
        assert!(detail.contains("600 streams sampled"), "{detail}");
        assert!(
            detail.contains("replaying that stream alone passes"),
            "{detail}"
        );
        let text = report.to_string();
        assert!(text.contains("FAIL memory-leak: the live bytes"), "{text}");
        assert!(text.contains("memory-leak: 1"), "{text}");
        // A slack above the growth lets it pass.
        let report =
            Runner::new()
                .leak_slack(64 << 20)
                .run_cases(framing, cases(framing, 600), move || {
                    LEAKED
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(vec![7; 16 << 10]);
                    Wrapped(ReferenceDecoder::new(framing))
                });
        assert!(report.is_pass(), "{report}");
        LEAKED.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    #[test]
    fn a_decoder_that_keeps_one_10_mib_buffer_passes() {
        static BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());
        static BUILT: AtomicUsize = AtomicUsize::new(0);
        let framing: Framing = "u16be".parse().unwrap();
        let report = Runner::new().run_cases(framing, cases(framing, 600), move || {
            // Once, a third of the way into the run: a buffer it keeps for good.
            if BUILT.fetch_add(1, Ordering::SeqCst) == 200 {
                *BUFFER.lock().unwrap_or_else(|e| e.into_inner()) = vec![1; 10 << 20];
            }
            Wrapped(ReferenceDecoder::new(framing))
        });
        assert!(report.is_pass(), "{report}");
        assert_eq!(BUFFER.lock().unwrap().len(), 10 << 20);
    }

    #[test]
    fn a_short_run_says_nothing_about_leaks() {
        static LEAKED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        let framing: Framing = "u16be".parse().unwrap();
        // 30 samples: too few to tell a trend, however steep.
        let report = Runner::new().run_cases(framing, cases(framing, 30), move || {
            LEAKED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(vec![7; 1 << 20]);
            Wrapped(ReferenceDecoder::new(framing))
        });
        assert!(report.is_pass(), "{report}");
    }
}
