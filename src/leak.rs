//! The leak check: memory sampled once per stream across a whole run, and the trend rule that
//! tells a leak from an allocator's noise and from one-time growth.
//!
//! A decoder that keeps a little of every stream (a connection table never pruned, a cache
//! with no bound, a `Box::leak` per instance) passes every case, since each case alone is
//! small. What shows it is the trend over many streams. The runner ([`crate::runner`]) takes
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
//! The rule looks at levels, not at a least-squares slope, because a slope over a one-time
//! step is steep (a 10 MiB step halfway through fits a line that climbs 15 MiB); the slope is
//! still what the report gives as bytes per stream.

use std::cell::Cell;
use std::fmt;

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
