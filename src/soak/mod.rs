//! Soak runs: one decoder fed a long generated stream (gigabytes, billions of frames), every
//! frame checked, nothing stored.
//!
//! The default suite feeds each decoder short streams with a fresh decoder each. Some bugs
//! only show after a long life: a counter that wraps at 2^8, 2^16 or 2^32 frames, a buffer
//! compaction that loses a byte every 4 KiB, a ring buffer off by one at its wrap. A [`Soak`]
//! streams `N` frames or `N` bytes through one decoder, cut into reads by a seeded schedule,
//! and checks the decoder contract on every call:
//! - every frame that comes out is the message that went in (same bytes, same order);
//! - every frame comes out of the call that delivered its last byte (the stuck-frame rule),
//!   and none before;
//! - no call rejects the (valid) stream, panics, hangs (a watchdog, as in the
//!   [runner](crate::runner)) or faults; and EOF after the last frame is clean.
//!
//! ```
//! use std::sync::Arc;
//! use framecheck::soak::{Factory, Limit, Soak};
//! use framecheck::{FrameDecoder, Framing, ReferenceDecoder};
//!
//! let framing: Framing = "u16be".parse().unwrap();
//! let factory: Factory = Arc::new(move || Box::new(ReferenceDecoder::new(framing)) as Box<dyn FrameDecoder>);
//! let outcome = Soak::new(framing, Limit::Frames(20_000)).seed(7).run(&factory).unwrap();
//! assert!(outcome.is_pass());
//! assert_eq!(outcome.covered.frames, 20_000);
//! ```
//!
//! # Why regenerate instead of store
//! Message `i` is a pure function of the seed and `i`, and read `r`'s length a pure function
//! of the seed and `r` (see [`Generator`] and [`Cuts`]). The stream is made just ahead of each
//! read, and the only part kept is the window from the oldest frame not yet out to the end of
//! the read: expected frames are ranges into that window, not copies. Memory stays at a few
//! reads' worth whatever the length of the soak, and the soak loop costs a few nanoseconds per
//! frame on top of the decoder (see `benches/soak.rs`).
//!
//! # Shrinking
//! The same purity makes a soak of `N` frames a prefix of every longer one with its seed. A
//! failure records how many frames the failing call needed; [`Soak::shrink`] then bisects on
//! the frame count by re-running shorter soaks, to the smallest `N` that still fails
//! (`framecheck soak … --frames N` replays it). When a window of the last frames, fed with the
//! same cuts to a fresh decoder, fails too, [`Soak::window_case`] turns it into an ordinary
//! replay token, shrunk by the runner.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use crate::adapter::FrameDecoder;
use crate::error::Error;
use crate::framing::Framing;
use crate::oracle::{catch_quietly, Caught, FailureKind};

mod check;
mod shrink;
mod stream;

pub use check::Found;
use stream::Window;
pub use stream::{Cuts, Generator, Limit, Sizes, MAX_GENERATED};

/// Makes a fresh decoder; a soak builds one per run (the soak, and each shorter run while
/// shrinking), on the run's worker thread.
pub type Factory = Arc<dyn Fn() -> Box<dyn FrameDecoder> + Send + Sync>;

/// A callback told what is covered so far, about ten times a second.
pub type ProgressFn = Arc<dyn Fn(&Covered) + Send + Sync>;

/// The default longest read, 256 KiB: thousands of small frames in one call.
pub const DEFAULT_MAX_READ: usize = 256 * 1024;
/// The longest read a soak accepts (1 GiB): a read is held in memory whole.
pub const MAX_READ_LIMIT: usize = 1 << 30;
/// The default time spent shrinking a failure.
pub const DEFAULT_SHRINK_TIME: Duration = Duration::from_secs(60);
/// The largest window (in stream bytes) tried as a replay token.
const WINDOW_BYTES: u64 = 1 << 20;
/// The most frames in a window tried as a replay token.
const WINDOW_FRAMES: u64 = 1 << 16;
/// The longest replay token printed.
pub const MAX_TOKEN_CHARS: usize = 16 * 1024;
/// How often the watchdog looks.
const POLL: Duration = Duration::from_millis(100);

/// A soak run's settings. Built with [`Soak::new`], then run with [`Soak::run`].
#[derive(Clone)]
#[must_use]
pub struct Soak {
    framing: Framing,
    limit: Limit,
    seed: u64,
    sizes: Sizes,
    max_read: usize,
    timeout: Duration,
    shrink_time: Duration,
    stop: Option<&'static AtomicBool>,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for Soak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Soak")
            .field("framing", &self.framing)
            .field("limit", &self.limit)
            .field("seed", &self.seed)
            .field("sizes", &self.sizes)
            .field("max_read", &self.max_read)
            .finish()
    }
}

/// What a soak covered.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Covered {
    /// Frames checked.
    pub frames: u64,
    /// Stream bytes delivered.
    pub bytes: u64,
    /// Reads (calls to `feed`) made.
    pub reads: u64,
    /// Time since the soak started.
    pub elapsed: Duration,
}

impl Covered {
    /// Throughput in megabytes (10^6 bytes) per second.
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Frames per second.
    pub fn frames_per_s(&self) -> f64 {
        self.frames as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Covered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} frames, {} bytes ({:.2} GiB) in {} reads, {:.2} s: {:.1} MB/s, {:.0} frames/s",
            self.frames,
            self.bytes,
            self.bytes as f64 / (1u64 << 30) as f64,
            self.reads,
            self.elapsed.as_secs_f64(),
            self.mb_per_s(),
            self.frames_per_s()
        )
    }
}

/// A failed soak: what went wrong, in which call, and how many frames replay it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failed {
    /// The verdict kind.
    pub kind: FailureKind,
    /// What happened.
    pub detail: String,
    /// The failing read's number, or `None` for EOF.
    pub read: Option<u64>,
    /// The stream bytes the failing call delivered (empty for EOF).
    pub bytes: std::ops::Range<u64>,
    /// A frame count whose soak makes every call up to the failing one exactly as this one
    /// did: `--frames` of this is a replay.
    pub frames: u64,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.read {
            Some(r) => write!(
                f,
                "{} at read {r} (stream bytes {}..{}): {}",
                self.kind, self.bytes.start, self.bytes.end, self.detail
            ),
            None => write!(f, "{} at EOF: {}", self.kind, self.detail),
        }
    }
}

/// How a soak ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Every frame checked, EOF clean.
    Pass,
    /// Stopped from outside (Ctrl-C) before the end; no failure so far.
    Interrupted,
    /// The decoder failed.
    Fail(Failed),
}

/// A soak's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// What was covered.
    pub covered: Covered,
    /// How it ended.
    pub end: End,
}

impl Outcome {
    /// Whether the soak ran to its end and passed.
    pub fn is_pass(&self) -> bool {
        self.end == End::Pass
    }
}

/// A shrunk failure: the smallest frame count found that still fails.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// `--frames` of this replays the failure.
    pub frames: u64,
    /// The failure of that shorter soak.
    pub failure: Failed,
    /// Shorter soaks run.
    pub runs: usize,
    /// Whether the search ended (`frames - 1` passes); otherwise time ran out, or the failure
    /// is a hang (not shrunk: each try costs a timeout), or it did not reproduce.
    pub minimal: bool,
    /// Whether a soak of `frames` failed again; if not, the failure depends on more than the
    /// stream (timing, or state outside the decoder).
    pub reproduced: bool,
}

/// Shared between a soak's worker and its watchdog.
struct Shared {
    base: Instant,
    /// When the call in progress started (ns after `base`), or `IDLE`.
    started: AtomicU64,
    /// The call in progress: read number (`EOF` for EOF), bytes, frames needed.
    read: AtomicU64,
    from: AtomicU64,
    to: AtomicU64,
    need: AtomicU64,
    frames: AtomicU64,
    bytes: AtomicU64,
    reads: AtomicU64,
    stop: AtomicBool,
}

const IDLE: u64 = u64::MAX;
const EOF: u64 = u64::MAX;

impl Shared {
    fn covered(&self) -> Covered {
        Covered {
            frames: self.frames.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            reads: self.reads.load(Ordering::Relaxed),
            elapsed: self.base.elapsed(),
        }
    }

    fn begin(&self, read: u64, bytes: std::ops::Range<u64>, need: u64) {
        self.read.store(read, Ordering::Relaxed);
        self.from.store(bytes.start, Ordering::Relaxed);
        self.to.store(bytes.end, Ordering::Relaxed);
        self.need.store(need, Ordering::Relaxed);
        let now = self.base.elapsed().as_nanos() as u64;
        self.started.store(now, Ordering::SeqCst);
    }

    fn end(&self) {
        self.started.store(IDLE, Ordering::SeqCst);
    }
}

impl Soak {
    /// A soak of `framing` up to `limit`, with seed [`DEFAULT_SEED`](crate::runner::DEFAULT_SEED),
    /// mixed message sizes, reads up to [`DEFAULT_MAX_READ`] and the runner's timeout per call.
    pub fn new(framing: Framing, limit: Limit) -> Soak {
        Soak {
            framing,
            limit,
            seed: crate::runner::DEFAULT_SEED,
            sizes: Sizes::Mixed,
            max_read: DEFAULT_MAX_READ,
            timeout: crate::runner::DEFAULT_TIMEOUT,
            shrink_time: DEFAULT_SHRINK_TIME,
            stop: None,
            progress: None,
        }
    }

    /// The seed of the messages and the cuts.
    pub fn seed(mut self, seed: u64) -> Soak {
        self.seed = seed;
        self
    }

    /// Which message sizes to generate.
    pub fn sizes(mut self, sizes: Sizes) -> Soak {
        self.sizes = sizes;
        self
    }

    /// The longest read, in bytes (see [`MAX_READ_LIMIT`]).
    pub fn max_read(mut self, bytes: usize) -> Soak {
        self.max_read = bytes;
        self
    }

    /// How long one call may take before it is a hang.
    pub fn timeout(mut self, timeout: Duration) -> Soak {
        self.timeout = timeout;
        self
    }

    /// The most time [`shrink`](Soak::shrink) spends.
    pub fn shrink_time(mut self, time: Duration) -> Soak {
        self.shrink_time = time;
        self
    }

    /// Stops the soak (as [`End::Interrupted`]) once `flag` is set, as by
    /// [`stop_on_interrupt`].
    pub fn stop_when(mut self, flag: &'static AtomicBool) -> Soak {
        self.stop = Some(flag);
        self
    }

    /// Calls `f` with what is covered, about ten times a second.
    pub fn on_progress(mut self, f: impl Fn(&Covered) + Send + Sync + 'static) -> Soak {
        self.progress = Some(Arc::new(f));
        self
    }

    /// The framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Where the stream ends.
    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// The seed.
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// Checks the settings: sizes the framing can carry, a read size in range.
    pub fn validate(&self) -> Result<Generator, Error> {
        if self.max_read == 0 || self.max_read > MAX_READ_LIMIT {
            return Err(Error::new(format!(
                "the longest read must be 1 byte to {} MiB (a read is held in memory whole); \
                 got {} bytes",
                MAX_READ_LIMIT >> 20,
                self.max_read
            )));
        }
        Generator::new(self.framing, self.seed, self.sizes)
    }

    /// The options that make `framecheck soak` run this soak with `frames` frames:
    /// `--framing F --seed S --frames N`, and `--sizes`, `--max-read` when not the defaults.
    pub fn args(&self, frames: u64) -> String {
        let mut s = format!(
            "--framing {} --seed {:#x} --frames {frames}",
            self.framing, self.seed
        );
        if self.sizes != Sizes::Mixed {
            s += &format!(" --sizes {}", self.sizes);
        }
        if self.max_read != DEFAULT_MAX_READ {
            s += &format!(" --max-read {}", self.max_read);
        }
        s
    }

    /// Runs the soak against a decoder from `factory`, on a worker thread under a watchdog.
    pub fn run(&self, factory: &Factory) -> Result<Outcome, Error> {
        self.run_limit(self.limit, factory, self.progress.clone())
    }

    fn run_limit(
        &self,
        limit: Limit,
        factory: &Factory,
        progress: Option<ProgressFn>,
    ) -> Result<Outcome, Error> {
        let gen = self.validate()?;
        let shared = Arc::new(Shared {
            base: Instant::now(),
            started: AtomicU64::new(IDLE),
            read: AtomicU64::new(0),
            from: AtomicU64::new(0),
            to: AtomicU64::new(0),
            need: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            reads: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel();
        let worker = shared.clone();
        let make = factory.clone();
        let cuts = Cuts::new(self.seed, self.max_read);
        thread::Builder::new()
            .name("framecheck-soak".into())
            .spawn(move || {
                let end = drive(gen, limit, &cuts, &make, &worker);
                let _ = tx.send(end);
            })
            .map_err(|e| Error::new(format!("cannot start the soak's worker thread: {e}")))?;
        let outcome = |end| Outcome {
            covered: shared.covered(),
            end,
        };
        loop {
            match rx.recv_timeout(POLL) {
                Ok(end) => return end.map(outcome),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Error::new(
                        "the soak's worker thread ended without a verdict",
                    ))
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if let Some(p) = &progress {
                p(&shared.covered());
            }
            if self.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
                // Let the call in progress return (a program is then killed by the caller).
                shared.stop.store(true, Ordering::SeqCst);
                return match rx.recv_timeout(Duration::from_secs(1)) {
                    Ok(end) => end.map(outcome),
                    Err(_) => Ok(outcome(End::Interrupted)),
                };
            }
            let started = shared.started.load(Ordering::SeqCst);
            let now = shared.base.elapsed().as_nanos() as u64;
            if started != IDLE && now.saturating_sub(started) > self.timeout.as_nanos() as u64 {
                shared.stop.store(true, Ordering::SeqCst);
                let read = shared.read.load(Ordering::Relaxed);
                let bytes = shared.from.load(Ordering::Relaxed)..shared.to.load(Ordering::Relaxed);
                let call = if read == EOF {
                    "EOF".to_string()
                } else {
                    format!("read {read}")
                };
                return Ok(outcome(End::Fail(Failed {
                    kind: FailureKind::Hang,
                    detail: format!(
                        "{call} did not return within {} ms; its thread was abandoned",
                        self.timeout.as_millis()
                    ),
                    read: (read != EOF).then_some(read),
                    bytes,
                    frames: shared.need.load(Ordering::Relaxed),
                })));
            }
        }
    }
}

/// The soak loop, on the worker thread.
fn drive(
    gen: Generator,
    limit: Limit,
    cuts: &Cuts,
    factory: &Factory,
    shared: &Shared,
) -> Result<End, Error> {
    let fail = |found: Found, read: Option<u64>, bytes: std::ops::Range<u64>, frames: u64| {
        Ok(End::Fail(Failed {
            kind: found.kind,
            detail: found.detail,
            read,
            bytes,
            frames,
        }))
    };
    let caught = |c: Caught, call: &str| match c {
        Caught::Panic(m) => Found::new(FailureKind::Panic, format!("{call} panicked: {m}")),
        Caught::Fault(f) => Found::new(f.kind, format!("{call}: {}", f.detail)),
    };
    let mut decoder = match catch_quietly(|| factory()) {
        Ok(d) => d,
        Err(c) => return fail(caught(c, "the decoder's constructor"), Some(0), 0..0, 1),
    };
    let mut w = Window::new(gen, limit);
    let mut out: Vec<Vec<u8>> = Vec::new();
    let (mut read, mut delivered) = (0u64, 0u64);
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return Ok(End::Interrupted);
        }
        let target = delivered.saturating_add(cuts.len_of(read) as u64);
        w.fill(target)?;
        let read_end = target.min(w.encoded());
        if read_end == delivered {
            break;
        }
        // Frames up to the one holding the read's last byte: a soak of that many replays it.
        let need = w.first + w.pending.partition_point(|p| p.end < read_end) as u64 + 1;
        let bytes = delivered..read_end;
        let call = || format!("read {read} (stream bytes {delivered}..{read_end})");
        shared.begin(read, bytes.clone(), need);
        let chunk = w.bytes(delivered, read_end);
        let result = catch_quietly(|| decoder.feed(chunk, &mut out));
        shared.end();
        let checked = match result {
            Err(c) => Err(caught(c, &call())),
            Ok(Err(rejection)) => Err(Found::new(
                FailureKind::FalseRejection,
                format!("{} rejected the valid stream: {rejection}", call()),
            )),
            Ok(Ok(())) => check::check_call(&mut w, read_end, &out, &call),
        };
        if let Err(found) = checked {
            return fail(found, Some(read), bytes, need);
        }
        out.clear();
        delivered = read_end;
        read += 1;
        shared.frames.store(w.first, Ordering::Relaxed);
        shared.bytes.store(delivered, Ordering::Relaxed);
        shared.reads.store(read, Ordering::Relaxed);
        w.compact(delivered);
    }
    let frames = w.next;
    shared.begin(EOF, delivered..delivered, frames);
    let result = catch_quietly(|| decoder.eof(&mut out));
    shared.end();
    let found = match result {
        Err(c) => Some(caught(c, "EOF")),
        Ok(Err(rejection)) => Some(Found::new(
            FailureKind::FalseRejection,
            format!(
                "EOF right after frame #{} was rejected: {rejection}",
                frames.wrapping_sub(1)
            ),
        )),
        Ok(Ok(())) if !out.is_empty() => Some(Found::new(
            FailureKind::ExtraFrame,
            format!(
                "EOF returned {} frame(s) after the last frame had come out",
                out.len()
            ),
        )),
        Ok(Ok(())) => None,
    };
    let _ = catch_quietly(move || drop(decoder));
    match found {
        Some(f) => fail(f, None, delivered..delivered, frames),
        None => Ok(End::Pass),
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs a SIGINT handler for a soak: the first Ctrl-C sets the returned flag (pass it to
/// [`Soak::stop_when`]), so the soak stops after the call in progress and its caller can
/// report what was covered and kill a program under test; a second one kills every program
/// under test ([`exec::kill_all`](crate::exec::kill_all)) and exits with status 130.
#[cfg(unix)]
pub fn stop_on_interrupt() -> &'static AtomicBool {
    extern "C" fn on_sigint(sig: libc::c_int) {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            crate::exec::kill_all();
            // SAFETY: _exit is async-signal-safe.
            unsafe { libc::_exit(128 + sig) }
        }
    }
    // SAFETY: installs a handler that only touches an atomic and calls async-signal-safe
    // functions.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
    &INTERRUPTED
}

#[cfg(test)]
mod tests;
