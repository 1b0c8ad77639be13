//! Over real sockets: a server under test driven through TCP on loopback, with the cuts, the
//! verdicts, the shrinking and the replay of the in-process suite.
//!
//! Many decoders cannot be lifted out of their server: they live in its read loop, in another
//! language, behind a port. Such a server only has to keep one deal:
//!
//! > Read frames from each connection and **echo each frame back**, in the same framing, as
//! > soon as it is complete. On a bad header, close the connection without waiting for the
//! > payload it announces. When the peer half-closes, finish and close.
//!
//! (In reply mode, each frame gets exactly one reply frame instead, whose content is not
//! checked: for a server that cannot echo.)
//!
//! Each case is one connection. Its chunks go out as separate writes with `TCP_NODELAY`, and
//! before each write the harness waits, at most the gap, until the server has read everything
//! sent so far (its receive queue, asked of the kernel: `diag.rs`), so that each chunk arrives
//! as a `recv()` of its own. A chunk that had to go out before the server read the previous
//! one is noted in the case's failure, if it fails, and counted in [`WireStats`].
//!
//! What the wire shows becomes a verdict as follows (the table of `verdict.rs` has the
//! details):
//! - **valid streams**: every message comes back, in order, byte for byte;
//! - **promptness**: the frames a chunk completes must come back within the promptness
//!   timeout, before the next byte is sent: a server without the drain loop leaves a frame
//!   stuck;
//! - **bad headers**: the server closes the connection (or sends nothing more) from the chunk
//!   that completes the header;
//! - **EOF**: after the half-close the server closes; a frame cut short is never echoed;
//! - **faults**: a server that dies (`crash`, and it is started again), stops reading or does
//!   not close (`hang`), or sends back bytes that are not frames, or more frames than the
//!   bytes sent so far can hold (`protocol-error`: a server that keeps sending is stopped
//!   there, never waited on).
//!
//! [`supports`] names the two things the wire cannot judge: `lines:resync`, and replies under
//! a user framing.
//!
//! Failures shrink as they do in process, and each prints a `framecheck tcp ... --replay TOKEN`
//! line. [`shared_state`] finds a server that keeps one buffer for all its connections.
//!
//! | file | what |
//! |---|---|
//! | `conn.rs` | [`Connection`]: write, read with a deadline, half-close, wait until read |
//! | `diag.rs` | the server's unread bytes, from the kernel (Linux `sock_diag`) |
//! | `target.rs` | [`Target`]: a running server (`--connect`) or a spawned one (`--spawn`) |
//! | `echo.rs` | the server's answers, read back into frames |
//! | `drive.rs` | one case on the wire, as a log of what each call got back |
//! | `verdict.rs` | that log judged by the oracle |
//! | `shared.rs` | two connections interleaved: state shared across connections |
//! | `probe.rs` | how reliably writes arrive as reads of their own, measured |
//! | [`duplex`] | a Rust connection handler in process, over tokio's in-memory stream (feature `tokio1`) |

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::case::Case;
use crate::framing::Framing;
use crate::oracle::{Call, CallRecord, Failure, Fault, Transcript, Verdict};
use crate::report::Report;
use crate::runner::Runner;

mod conn;
mod diag;
mod drive;
#[cfg(feature = "tokio1")]
pub mod duplex;
mod echo;
mod probe;
mod shared;
mod target;
mod verdict;

pub use conn::{Closed, Connection, Received, Sent, Settled, TcpConnection};
pub use probe::{probe_cuts, CutProbe};
pub use shared::shared_state;
pub use target::{loopback_addr, Server, Target};

use drive::{drive, Pace};

/// The default most time to wait for the server to read a chunk before the next goes out.
pub const DEFAULT_GAP: Duration = Duration::from_millis(50);
/// The default time the frames a chunk completes have to come back.
pub const DEFAULT_PROMPT: Duration = Duration::from_millis(200);
/// The default time a write may block, and the close after the half-close may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// How cases go over the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wire {
    /// Reply mode: one reply frame per frame, content not checked (instead of the echo).
    pub reply: bool,
    /// The most time to wait for the server to read a chunk before the next goes out.
    pub gap: Duration,
    /// How long the frames a chunk completes (or a bad header's close) may take.
    pub prompt: Duration,
    /// How long a write may block, and the close after the half-close may take.
    pub timeout: Duration,
}

impl Default for Wire {
    fn default() -> Wire {
        Wire {
            reply: false,
            gap: DEFAULT_GAP,
            prompt: DEFAULT_PROMPT,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl Wire {
    fn pace(&self) -> Pace {
        Pace {
            gap: self.gap,
            prompt: self.prompt,
            timeout: self.timeout,
        }
    }
}

/// What a run did on the wire, counted across its connections.
#[derive(Debug, Default)]
pub struct WireStats {
    /// Connections made (one per case run, shrinking included).
    pub connections: AtomicU64,
    /// Cuts between chunks (a chunk after the first of its case).
    pub cuts: AtomicU64,
    /// Cuts at which the server had not read the earlier chunks when the next went out.
    pub unconfirmed: AtomicU64,
}

impl WireStats {
    /// `(cuts, of which unconfirmed)`.
    pub fn cuts(&self) -> (u64, u64) {
        (
            self.cuts.load(Ordering::Relaxed),
            self.unconfirmed.load(Ordering::Relaxed),
        )
    }
}

/// Whether a server speaking `framing` can be judged on the wire with `wire`'s mode; the reason
/// when not.
///
/// ```
/// use framecheck::tcp::{supports, Wire};
/// assert!(supports("u32be".parse().unwrap(), &Wire::default()).is_ok());
/// let e = supports("lines:resync".parse().unwrap(), &Wire::default()).unwrap_err();
/// assert!(e.to_string().contains("cannot say on the wire"), "{e}");
/// ```
pub fn supports(framing: Framing, wire: &Wire) -> Result<(), crate::Error> {
    if framing.line_resync() == Some(true) {
        return Err(crate::Error::new(format!(
            "{framing}: a server that skips bad lines and goes on (`:resync`) cannot say on \
             the wire which line it skipped; test that decoder in process or through --exec, \
             and its server under the same framing without `:resync`"
        )));
    }
    if wire.reply && matches!(framing.wire(), crate::framing::Wire::User(_)) {
        return Err(crate::Error::new(format!(
            "{framing} is a user framing, known by its encoder alone: the harness cannot read \
             replies it did not write; test that server in echo mode (without --reply)"
        )));
    }
    Ok(())
}

/// Runs `case` against the server at `target` on a connection of its own and judges it.
pub fn judge_case(target: &Target, case: &Case, wire: &Wire, stats: &WireStats) -> Verdict {
    stats.connections.fetch_add(1, Ordering::Relaxed);
    let mut conn = match target.connect(wire.timeout) {
        Ok(c) => c,
        Err(fault) => {
            return Verdict::Fail(Failure {
                kind: fault.kind,
                call: Call::Chunk(0),
                detail: fault.detail,
                transcript: Transcript::default(),
            })
        }
    };
    judge_on(&mut conn, case, wire, stats, || died(target))
}

/// Runs `case` over `conn` (any [`Connection`]) and judges it; `died` says, when the case
/// failed, whether the server itself is gone.
pub fn judge_on(
    conn: &mut dyn Connection,
    case: &Case,
    wire: &Wire,
    stats: &WireStats,
    died: impl FnOnce() -> Option<String>,
) -> Verdict {
    let log = drive(conn, case, wire.pace());
    judge_log(case, log, wire, stats, died)
}

/// Judges what `case` did on the wire, counting its cuts into `stats`.
fn judge_log(
    case: &Case,
    mut log: drive::WireLog,
    wire: &Wire,
    stats: &WireStats,
    died: impl FnOnce() -> Option<String>,
) -> Verdict {
    stats
        .cuts
        .fetch_add(log.chunks.saturating_sub(1) as u64, Ordering::Relaxed);
    stats
        .unconfirmed
        .fetch_add(log.unconfirmed.len() as u64, Ordering::Relaxed);
    let unconfirmed = std::mem::take(&mut log.unconfirmed);
    let ended_early = log.fault.is_some() || log.calls.iter().any(|c| c.closed.is_some());
    let mut verdict = verdict::judge_wire(case, log, wire.reply);
    if let Verdict::Fail(f) = &mut verdict {
        if ended_early {
            if let Some(why) = died() {
                f.kind = crate::oracle::FailureKind::Crash;
                f.detail = format!("the server {why}");
            }
        }
        if let Some(&(c, left)) = unconfirmed.first() {
            f.detail.push_str(&format!(
                " (on the wire, chunk {c} went out while the server still had {left} bytes \
                 unread, after the gap: the server may have read chunks together, so it saw \
                 fewer cuts than this case has{})",
                if unconfirmed.len() > 1 {
                    format!("; {} cuts in all", unconfirmed.len())
                } else {
                    String::new()
                }
            ));
        }
    }
    verdict
}

/// Runs `case` against the server at `target` and returns, beside the verdict, what each call
/// got back (what `framecheck tcp --replay` shows).
pub fn replay(
    target: &Target,
    case: &Case,
    wire: &Wire,
) -> Result<(Verdict, Vec<CallRecord>), Fault> {
    let mut conn = target.connect(wire.timeout)?;
    let log = drive(&mut conn, case, wire.pace());
    let calls = verdict::transcript(case, log.clone(), wire.reply);
    let verdict = judge_log(case, log, wire, &WireStats::default(), || died(target));
    Ok((verdict, calls))
}

/// Waits a moment for a spawned server that is dying to be seen as dead.
fn died(target: &Target) -> Option<String> {
    let deadline = Instant::now() + Duration::from_millis(100);
    loop {
        if let Some(why) = target.died() {
            return Some(why);
        }
        if Instant::now() >= deadline || matches!(target, Target::Connect(_)) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `cases` against the server at `target` over `connections` connections at once, with
/// `runner`'s limits, shrinking and `Reproduce with:` line.
pub fn run(
    target: Arc<Target>,
    framing: Framing,
    cases: Vec<Case>,
    wire: Wire,
    connections: usize,
    runner: &Runner,
    stats: Arc<WireStats>,
) -> Report {
    runner.run_judged(framing, cases, connections, move |case| {
        judge_case(&target, case, &wire, &stats)
    })
}
