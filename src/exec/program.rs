//! The harness's side of a running program: [`ExecProgram`] keeps one process alive across
//! cases, and each stream gets an [`ExecDecoder`] that turns `feed`/`eof` into requests.
//!
//! Contract: one request is in flight at a time (a lock around the process); a fault kills the
//! process, becomes the verdict of the case that met it, and the next request starts a fresh
//! process. What this process allocates to talk to the program is not metered as the
//! decoder's memory: the program's own resident memory is, through `/proc`.
//!
//! The resident memory read just before each `BEGIN` (the memory-bomb check's baseline) is
//! also noted for the leak check ([`crate::leak`]): one sample per stream, one series per
//! process, judged by the runner against [`ExecProgram::leak_slack`].

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::diagnose::{self, Mistake};
use super::process::Proc;
use crate::adapter::{FrameDecoder, Rejection};
use crate::alloc::unmetered;
use crate::error::Error;
use crate::framing::Framing;
use crate::leak::{note_resident, Resident};
use crate::oracle::{FailureKind, Fault};

/// Resident memory a program may grow by beyond four frames, by default.
pub const DEFAULT_MEMORY_SLACK: u64 = 64 * 1024 * 1024;

/// How long a program may take to answer one request, by default (`framecheck replay
/// --exec`'s `--timeout-ms`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a fresh process may take to answer its first `BEGIN`, by default: a JVM or a large
/// interpreter takes seconds to start (the same allowance `framecheck tcp --spawn` gives a
/// server to listen).
pub const DEFAULT_STARTUP: Duration = Duration::from_secs(10);

/// How much longer than the program's own timeout a suite waits on one call: the program's
/// timeout fires first, and the suite's watchdog only guards the harness.
const WATCHDOG_MARGIN: Duration = Duration::from_secs(5);

/// The least and most time a program that has not read its first `BEGIN` within the start-up
/// allowance is given more, at preflight, to learn how long it takes to start.
const GRACE_MIN: Duration = Duration::from_secs(5);
const GRACE_MAX: Duration = Duration::from_secs(30);

/// A decoder program, started on demand and kept alive across cases.
pub struct ExecProgram {
    command: String,
    framing: Framing,
    timeout: Duration,
    startup: Duration,
    memory_slack: u64,
    leak_slack: u64,
    proc: Mutex<Option<Proc>>,
    /// Set by [`ExecProgram::shutdown`]: no process is started after it.
    closed: AtomicBool,
    starts: AtomicU64,
    round_trips: AtomicU64,
}

impl ExecProgram {
    /// A program run as `sh -c command`, decoding `framing`, with `timeout` per request.
    pub fn new(command: impl Into<String>, framing: Framing, timeout: Duration) -> ExecProgram {
        ExecProgram {
            command: command.into(),
            framing,
            timeout,
            startup: DEFAULT_STARTUP.max(timeout),
            memory_slack: DEFAULT_MEMORY_SLACK,
            leak_slack: crate::leak::DEFAULT_LEAK_SLACK,
            proc: Mutex::new(None),
            closed: AtomicBool::new(false),
            starts: AtomicU64::new(0),
            round_trips: AtomicU64::new(0),
        }
    }

    /// How long a fresh process may take to answer its first `BEGIN` (default
    /// [`DEFAULT_STARTUP`], or the per-request timeout if that is longer); every later request
    /// has the timeout.
    #[must_use]
    pub fn startup(mut self, allowance: Duration) -> ExecProgram {
        self.startup = allowance;
        self
    }

    /// The resident-memory growth allowed beyond eight maximum-size frames.
    #[must_use]
    pub fn memory_slack(mut self, bytes: u64) -> ExecProgram {
        self.memory_slack = bytes;
        self
    }

    /// How much the program's resident memory at `BEGIN` may grow, steadily, across a run
    /// before it is a `memory-leak` (default 4 MiB; the rule is in [`crate::leak`]).
    #[must_use]
    pub fn leak_slack(mut self, bytes: u64) -> ExecProgram {
        self.leak_slack = bytes;
        self
    }

    /// The resident-memory budget: eight maximum-size frames and the slack. A plain adapter
    /// holds, at its peak, the request line in hex (two bytes per byte of a read that may be a
    /// whole frame), the read decoded, its own buffer, the frame, and the frame's answer in
    /// hex: seven frames' worth, and one to spare. A decoder that reserves what a hostile
    /// header announces (gigabytes) is still far past it.
    pub fn memory_budget(&self) -> u64 {
        let max = self.framing.max_frame_len();
        max.saturating_add(self.framing.header_len(max) as u64)
            .saturating_mul(8)
            .saturating_add(self.memory_slack)
    }

    /// The command.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The timeout of every request after the first `BEGIN` of a process.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The start-up allowance: how long a fresh process may take to answer its first `BEGIN`.
    pub fn startup_allowance(&self) -> Duration {
        self.startup
    }

    /// A program with the same command and settings, not started: for a try on a fresh
    /// process (the state search, the line-length search).
    pub fn again(&self) -> ExecProgram {
        ExecProgram::new(self.command.clone(), self.framing, self.timeout)
            .startup(self.startup)
            .memory_slack(self.memory_slack)
            .leak_slack(self.leak_slack)
    }

    /// The `Reproduce with:` template of this program ([`replay_template`]): its command, and
    /// the settings that differ from `framecheck replay`'s defaults.
    ///
    /// [`replay_template`]: super::replay_template
    pub fn replay_template(&self) -> String {
        super::replay_template(&self.command, self.timeout, self.startup, self.memory_slack)
    }

    /// The timeout for a [`Suite`](crate::Suite) that runs this program: the program's own
    /// per-request timeout (after a start-up allowance, for a call that starts a fresh
    /// process), and a margin, so that a hang is the program's timeout (which kills it) and not
    /// the suite's watchdog (which could only leave it behind).
    pub fn suite_timeout(&self) -> Duration {
        self.startup + self.timeout + WATCHDOG_MARGIN
    }

    /// Stops the program (its whole process group), if it is running, for good: a request
    /// after this fails at once instead of starting it again (a case still running on a
    /// worker thread when a run ends must not leave a process behind).
    pub fn shutdown(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = guard.take() {
            p.kill();
        }
    }

    /// How many times the program was started.
    pub fn starts(&self) -> u64 {
        self.starts.load(Ordering::Relaxed)
    }

    /// How many requests were answered.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// Starts the program and checks that it answers `BEGIN` with `DONE`; the error says why
    /// not (command not found, exit status, stderr, a slow start and how long it took). Run
    /// this before a suite, so that a program that cannot run at all is a usage error and not
    /// ten thousand failed cases.
    ///
    /// It then sends an empty stream (`EOF`, then `BEGIN` again), so that the adapter
    /// mistakes that would fail every case are a usage error too, named: a program that exits
    /// after answering `EOF`, one that never ends its answer to `EOF` with `DONE`, and one that
    /// does, but always after the timeout (a first late answer may be a warm-up: the empty
    /// stream is sent once more, on the same process, and only a second late answer counts).
    /// Any other fault there is the decoder's, left for the suite to find and shrink: the
    /// program is started again.
    pub fn preflight(&self) -> Result<(), Error> {
        let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = guard.take() {
            p.kill();
        }
        let mut p = self.first_begin()?;
        let mut sent = "BEGIN, EOF (an empty stream) and BEGIN";
        let mut probe = self.empty_stream(&mut p);
        if probe.is_err() && p.mistake() == Some(Mistake::SlowEofAnswer) {
            p.forget_mistake();
            // It ended its answer, late: its first EOF may be a warm-up. Once more.
            sent = "BEGIN, EOF (an empty stream) and BEGIN, twice";
            probe = p
                .send(false, "BEGIN", None, self.timeout)
                .and_then(|_| p.response("BEGIN", &mut Vec::new(), self.timeout, u64::MAX))
                .and_then(|_| self.empty_stream(&mut p));
        }
        match probe {
            Ok(Ok(())) => {
                *guard = Some(p);
                Ok(())
            }
            Err(fault) if p.mistake().is_some() => {
                p.kill();
                Err(Error::new(format!(
                    "`{}` was sent {sent}: {}",
                    self.command, fault.detail
                )))
            }
            _ => {
                // The empty stream met a fault of the decoder's (or an ERROR for BEGIN, which
                // the suite reports): start afresh, and leave it to the suite.
                p.kill();
                *guard = Some(self.first_begin()?);
                Ok(())
            }
        }
    }

    /// Sends `EOF` (ending the stream begun) and `BEGIN`, and reads their answers.
    fn empty_stream(&self, p: &mut Proc) -> Result<Result<(), Rejection>, Fault> {
        p.send(false, "EOF", None, self.timeout)
            .and_then(|_| p.response("EOF", &mut Vec::new(), self.timeout, u64::MAX))
            .and_then(|_| p.send(false, "BEGIN", None, self.timeout))
            .and_then(|_| p.response("BEGIN", &mut Vec::new(), self.timeout, u64::MAX))
    }

    /// Starts a process and sees its first `BEGIN` answered with `DONE` within the start-up
    /// allowance. A program that has not even read `BEGIN` by then is given as long again
    /// (at least 5 s, at most 30 s) to show how long it does take, for the message.
    fn first_begin(&self) -> Result<Proc, Error> {
        let started = Instant::now();
        let mut p = self
            .spawn()
            .map_err(|e| Error::new(format!("cannot start `sh -c {:?}`: {e}", self.command)))?;
        let mut answer = p.send(false, "BEGIN", None, self.timeout).and_then(|_| {
            p.response_by(
                "BEGIN",
                &mut Vec::new(),
                started + self.startup,
                self.startup,
                u64::MAX,
                0,
            )
        });
        let mut late = None;
        if matches!(&answer, Err(f) if f.kind == FailureKind::Hang)
            && !p.answered()
            && p.unread().is_some_and(|n| n > 0)
        {
            let grace = self.startup.clamp(GRACE_MIN, GRACE_MAX);
            let more = p.response_by(
                "BEGIN",
                &mut Vec::new(),
                Instant::now() + grace,
                grace,
                u64::MAX,
                0,
            );
            if p.answered() {
                late = Some(started.elapsed());
                answer = more;
            }
        }
        match (answer, late) {
            (Ok(Ok(())), None) => Ok(p),
            (_, Some(took)) => {
                p.kill();
                Err(Error::new(format!(
                    "`{}` did not answer BEGIN in time: {}",
                    self.command,
                    diagnose::slow_start(took.as_millis(), self.startup.as_millis())
                )))
            }
            (Ok(Err(rejection)), None) => {
                p.kill();
                Err(Error::new(format!(
                    "`{}` answered BEGIN with ERROR {rejection}; it must answer DONE",
                    self.command
                )))
            }
            (Err(fault), None) => {
                p.kill();
                Err(Error::new(format!(
                    "`{}` did not answer BEGIN: {}",
                    self.command, fault.detail
                )))
            }
        }
    }

    /// A decoder for one stream; its first call sends `BEGIN`.
    pub fn decoder(self: &Arc<Self>) -> ExecDecoder {
        ExecDecoder {
            program: self.clone(),
            begun: false,
            room: 0,
        }
    }

    /// The longest answer line read: twice the largest frame in hex, and a MiB more.
    fn max_line(&self) -> usize {
        self.framing
            .max_frame_len()
            .saturating_mul(2)
            .saturating_add(1 << 20)
            .min(usize::MAX as u64) as usize
    }

    fn spawn(&self) -> io::Result<Proc> {
        Proc::spawn(&self.command, self.max_line(), &self.starts)
    }

    /// Sends one request, `what` with an optional hex argument (after `BEGIN` on a stream's
    /// first call), and reads its answer.
    fn request(
        &self,
        begun: &mut bool,
        what: &str,
        arg: Option<&[u8]>,
        frames: &mut Vec<Vec<u8>>,
        room: u64,
    ) -> Result<Result<(), Rejection>, Fault> {
        let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
        if self.closed.load(Ordering::SeqCst) {
            return Err(Fault {
                kind: FailureKind::Crash,
                detail: "the program was shut down: the run is over".to_string(),
            });
        }
        if guard.is_none() {
            let p = self.spawn().map_err(|e| Fault {
                kind: FailureKind::Crash,
                detail: format!("cannot start `sh -c {:?}`: {e}", self.command),
            })?;
            *guard = Some(p);
        }
        let p = guard.as_mut().expect("started above");
        let budget = self.memory_budget();
        // A fresh process has the start-up allowance for its first answer.
        let first = if p.answered() {
            self.timeout
        } else {
            self.startup
        };
        let result = (|| {
            // The previous answer must have been all the program said.
            p.check_quiet(what)?;
            if !*begun {
                if let Some(bytes) = p.reset_peak() {
                    note_resident(Resident {
                        process: self.starts(),
                        bytes,
                        slack: self.leak_slack,
                    });
                }
            }
            let sent = Instant::now();
            p.send(!*begun, what, arg, self.timeout)?;
            let mut deadline = sent + first;
            if !*begun {
                let mut none = Vec::new();
                match p.response_by("BEGIN", &mut none, deadline, first, budget, 0)? {
                    Ok(()) if none.is_empty() => {}
                    other => {
                        return Err(Fault {
                            kind: FailureKind::ProtocolError,
                            detail: format!(
                                "BEGIN must be answered by DONE alone; the answer was {} \
                                 frame(s) and {}{}",
                                none.len(),
                                match other {
                                    Ok(()) => "DONE".to_string(),
                                    Err(e) => format!("ERROR {e}"),
                                },
                                p.long_request()
                            ),
                        })
                    }
                }
                *begun = true;
                p.watch();
                deadline = Instant::now() + self.timeout;
            }
            let answer = p.response_by(what, frames, deadline, self.timeout, budget, room)?;
            self.round_trips.fetch_add(1, Ordering::Relaxed);
            p.check_memory(budget)?;
            Ok(answer)
        })();
        if result.is_err() {
            if let Some(p) = guard.take() {
                p.kill();
            }
        }
        result
    }
}

impl Drop for ExecProgram {
    fn drop(&mut self) {
        if let Some(p) = self.proc.get_mut().ok().and_then(|p| p.take()) {
            p.kill();
        }
    }
}

/// One stream's decoder in an [`ExecProgram`]: `feed` sends `CHUNK`, `eof` sends `EOF`.
pub struct ExecDecoder {
    program: Arc<ExecProgram>,
    begun: bool,
    /// Stream bytes sent so far, less the frames answered: how many more frames the stream
    /// can hold (every frame takes at least one byte of it).
    room: u64,
}

impl ExecDecoder {
    fn call(
        &mut self,
        what: &str,
        arg: Option<&[u8]>,
        frames: &mut Vec<Vec<u8>>,
    ) -> Result<(), Rejection> {
        // The program's memory is its resident set, read from /proc; what this process
        // allocates to talk to it is the harness's, not the decoder's.
        if let Some(chunk) = arg {
            self.room += chunk.len() as u64;
        }
        let before = frames.len();
        let room = self.room;
        let answer = unmetered(|| {
            self.program
                .request(&mut self.begun, what, arg, frames, room)
        });
        self.room = self.room.saturating_sub((frames.len() - before) as u64);
        match answer {
            Ok(answer) => answer,
            Err(fault) => fault.raise(),
        }
    }
}

impl FrameDecoder for ExecDecoder {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.call("CHUNK", Some(chunk), frames)
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.call("EOF", None, frames)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::ExecProgram;

    /// The state and line-length searches try cases on `again()`: a program the run needed a
    /// longer start-up allowance, timeout or memory slack for gets them there too.
    #[test]
    fn a_program_again_keeps_every_setting() {
        let p = ExecProgram::new("./dec", "u8".parse().unwrap(), Duration::from_millis(300))
            .startup(Duration::from_secs(40))
            .memory_slack(8 << 20)
            .leak_slack(1 << 20);
        let q = p.again();
        assert_eq!(q.replay_template(), p.replay_template());
        assert_eq!(
            q.replay_template(),
            "framecheck replay --exec './dec' --timeout-ms 300 --startup-ms 40000 \
             --memory-slack-mb 8 '{token}'"
        );
        assert_eq!(q.memory_budget(), p.memory_budget());
        assert_eq!(q.leak_slack, p.leak_slack);
        assert_eq!(q.suite_timeout(), p.suite_timeout());
    }
}
