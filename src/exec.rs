//! The exec protocol (version 1): a decoder in any language, driven through a child process.
//!
//! The harness starts the user's command with `sh -c` and talks to it over stdin/stdout in
//! ASCII lines ending in `\n`.
//!
//! ```text
//! harness -> program            program -> harness (per request)
//! BEGIN                         zero or more  FRAME <hex>   (one per frame completed, in order;
//! CHUNK <hex>                                               `FRAME` alone is an empty frame)
//! EOF                           then exactly  DONE  or  ERROR <message>
//! ```
//!
//! `BEGIN` starts a new stream with a fresh decoder (answered by `DONE`); `CHUNK` carries the
//! bytes of one `recv()` in lowercase hex (at least one byte); `EOF` says the peer closed the
//! stream. After `ERROR` the harness starts the next stream with `BEGIN`, except under a
//! framing whose errors the decoder recovers from (`lines:resync`): there it goes on with the
//! same stream (`CHUNK`, or `EOF` again), as it does in process. Anything the program writes to
//! stderr is kept (the last 4 KiB) for the report.
//!
//! [`ExecProgram`] keeps one process alive across cases and restarts it only after a fault.
//! Each fault is a verdict on the case ([`Fault`]), and the run goes on:
//!
//! | what the program does | verdict |
//! |---|---|
//! | exits, or is killed by a signal | `crash`, with the exit status or signal and the stderr tail |
//! | does not answer a request within the timeout | `hang` (the process group is killed) |
//! | writes a line that is not `FRAME`/`DONE`/`ERROR`, or bad hex | `protocol-error`, with the line |
//! | grows its peak resident memory beyond the budget | `memory-bomb` (read from `/proc/PID/status`, reset through `/proc/PID/clear_refs` at each `BEGIN`) |

use std::collections::VecDeque;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::adapter::{FrameDecoder, Rejection};
use crate::alloc::unmetered;
use crate::error::{decode_hex, hex, write_hex, Error};
use crate::framing::Framing;
use crate::oracle::{FailureKind, Fault};

/// How often memory is checked while waiting for an answer.
const MEMORY_POLL: Duration = Duration::from_millis(50);
/// How much of the program's stderr is kept.
const STDERR_TAIL: usize = 4096;
/// Resident memory a program may grow by beyond four frames, by default.
pub const DEFAULT_MEMORY_SLACK: u64 = 64 * 1024 * 1024;

/// A decoder program, started on demand and kept alive across cases.
pub struct ExecProgram {
    command: String,
    framing: Framing,
    timeout: Duration,
    memory_slack: u64,
    proc: Mutex<Option<Proc>>,
    /// Set by [`ExecProgram::shutdown`]: no process is started after it.
    closed: std::sync::atomic::AtomicBool,
    starts: AtomicU64,
    round_trips: AtomicU64,
}

struct Proc {
    child: Child,
    /// Non-blocking, so that a program that stops reading cannot block the harness.
    stdin: ChildStdin,
    /// The request being written, reused.
    request: Vec<u8>,
    lines: mpsc::Receiver<Line>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    /// The process whose memory is watched: the program itself when `sh` forked it.
    watched: Option<u32>,
    baseline: u64,
    /// Whether the program has answered anything yet.
    answered: bool,
}

enum Line {
    /// A line, and whether more bytes came with it in the same read (so were written before
    /// the harness could have asked for them, if this line ends an answer).
    Text(Vec<u8>, bool),
    TooLong(usize),
    End,
}

impl ExecProgram {
    /// A program run as `sh -c command`, decoding `framing`, with `timeout` per request.
    pub fn new(command: impl Into<String>, framing: Framing, timeout: Duration) -> ExecProgram {
        ExecProgram {
            command: command.into(),
            framing,
            timeout,
            memory_slack: DEFAULT_MEMORY_SLACK,
            proc: Mutex::new(None),
            closed: std::sync::atomic::AtomicBool::new(false),
            starts: AtomicU64::new(0),
            round_trips: AtomicU64::new(0),
        }
    }

    /// The resident-memory growth allowed beyond four maximum-size frames.
    #[must_use]
    pub fn memory_slack(mut self, bytes: u64) -> ExecProgram {
        self.memory_slack = bytes;
        self
    }

    /// The resident-memory budget: four maximum-size frames and the slack.
    pub fn memory_budget(&self) -> u64 {
        let max = self.framing.max_frame_len();
        max.saturating_add(self.framing.header_len(max) as u64)
            .saturating_mul(4)
            .saturating_add(self.memory_slack)
    }

    /// The command.
    pub fn command(&self) -> &str {
        &self.command
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
    /// not (command not found, exit status, stderr). Run this before a suite, so that a program
    /// that cannot run at all is a usage error and not ten thousand failed cases.
    pub fn preflight(&self) -> Result<(), Error> {
        let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = guard.take() {
            p.kill();
        }
        let mut p = self
            .spawn()
            .map_err(|e| Error::new(format!("cannot start `sh -c {:?}`: {e}", self.command)))?;
        let answer = p
            .send(false, "BEGIN", None, self.timeout)
            .and_then(|_| p.response("BEGIN", &mut Vec::new(), self.timeout, u64::MAX));
        match answer {
            Ok(Ok(())) => {
                *guard = Some(p);
                Ok(())
            }
            Ok(Err(rejection)) => {
                p.kill();
                Err(Error::new(format!(
                    "`{}` answered BEGIN with ERROR {rejection}; it must answer DONE",
                    self.command
                )))
            }
            Err(fault) => {
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
        }
    }

    fn spawn(&self) -> io::Result<Proc> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(shell_line(&self.command))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        self.starts.fetch_add(1, Ordering::Relaxed);
        register_group(child.id());
        let stdin = child.stdin.take().expect("stdin is piped");
        // SAFETY: fcntl on a pipe descriptor this process owns; no memory is involved.
        unsafe {
            let fd = stdin.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        let max_line = self
            .framing
            .max_frame_len()
            .saturating_mul(2)
            .saturating_add(1 << 20)
            .min(usize::MAX as u64) as usize;
        thread::Builder::new()
            .name("framecheck-exec-stdout".into())
            .spawn(move || read_lines(stdout, max_line, tx))?;
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = stderr.clone();
        thread::Builder::new()
            .name("framecheck-exec-stderr".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stderr_pipe.read(&mut buf) {
                    let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                    t.extend(&buf[..n]);
                    let excess = t.len().saturating_sub(STDERR_TAIL);
                    t.drain(..excess);
                }
            })?;
        Ok(Proc {
            child,
            stdin,
            request: Vec::new(),
            lines,
            stderr,
            watched: None,
            baseline: 0,
            answered: false,
        })
    }

    /// Sends one request, `what` with an optional hex argument (after `BEGIN` on a stream's
    /// first call), and reads its answer.
    fn request(
        &self,
        begun: &mut bool,
        what: &str,
        arg: Option<&[u8]>,
        frames: &mut Vec<Vec<u8>>,
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
        let result = (|| {
            // The previous answer must have been all the program said.
            match p.lines.try_recv() {
                Ok(Line::Text(extra, _)) => {
                    return Err(Fault {
                        kind: FailureKind::ProtocolError,
                        detail: format!(
                            "before {what}: unexpected output after the previous answer: {}",
                            show_line(&String::from_utf8_lossy(&extra))
                        ),
                    })
                }
                Ok(Line::TooLong(n)) => {
                    return Err(Fault {
                        kind: FailureKind::ProtocolError,
                        detail: format!("before {what}: a line longer than {n} bytes"),
                    })
                }
                Ok(Line::End) => return Err(p.crashed(&format!("before {what}"))),
                Err(_) => {}
            }
            if !*begun {
                p.reset_peak();
            }
            let deadline = Instant::now() + self.timeout;
            p.send(!*begun, what, arg, self.timeout)?;
            if !*begun {
                let mut none = Vec::new();
                match p.response_by("BEGIN", &mut none, deadline, self.timeout, budget)? {
                    Ok(()) if none.is_empty() => {}
                    other => {
                        return Err(Fault {
                            kind: FailureKind::ProtocolError,
                            detail: format!(
                                "BEGIN must be answered by DONE alone; the answer was {} \
                                 frame(s) and {:?}",
                                none.len(),
                                other
                            ),
                        })
                    }
                }
                *begun = true;
                p.watch();
            }
            let answer = p.response_by(what, frames, deadline, self.timeout, budget)?;
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

fn read_lines(stdout: impl Read, max_line: usize, tx: mpsc::Sender<Line>) {
    let mut r = BufReader::with_capacity(1 << 16, stdout);
    loop {
        let mut line = Vec::new();
        let n = (&mut r)
            .take(max_line as u64 + 1)
            .read_until(b'\n', &mut line)
            .unwrap_or_default();
        if n == 0 {
            let _ = tx.send(Line::End);
            return;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() > max_line {
            let _ = tx.send(Line::TooLong(max_line));
            return;
        }
        let more = !r.buffer().is_empty();
        if tx.send(Line::Text(line, more)).is_err() {
            return;
        }
    }
}

impl Proc {
    /// Writes `[BEGIN\n]WHAT[ HEX]\n`, giving up after `timeout` if the program does not
    /// read it (a hang), or reporting a crash if the pipe is closed.
    fn send(
        &mut self,
        begin: bool,
        what: &str,
        arg: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<(), Fault> {
        let mut req = std::mem::take(&mut self.request);
        req.clear();
        if begin {
            req.extend_from_slice(b"BEGIN\n");
        }
        req.extend_from_slice(what.as_bytes());
        if let Some(bytes) = arg {
            req.push(b' ');
            write_hex(&mut req, bytes).expect("writing to a Vec cannot fail");
        }
        req.push(b'\n');
        let result = self.write_all(&req, timeout, what);
        self.request = req;
        result
    }

    fn write_all(&mut self, mut buf: &[u8], timeout: Duration, what: &str) -> Result<(), Fault> {
        let deadline = Instant::now() + timeout;
        while !buf.is_empty() {
            match self.stdin.write(buf) {
                Ok(0) => return Err(self.crashed(&format!("writing {what} failed (closed)"))),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Fault {
                            kind: FailureKind::Hang,
                            detail: format!(
                                "the program did not read {what} within {} ms (its stdin \
                                 stayed full); it was killed; {}",
                                timeout.as_millis(),
                                self.stderr_tail()
                            ),
                        });
                    }
                    let mut pfd = libc::pollfd {
                        fd: self.stdin.as_raw_fd(),
                        events: libc::POLLOUT,
                        revents: 0,
                    };
                    let ms = left.as_millis().clamp(1, 1000) as libc::c_int;
                    // SAFETY: one valid pollfd for a descriptor this process owns.
                    unsafe {
                        libc::poll(&mut pfd, 1, ms);
                    }
                }
                Err(e) => {
                    return Err(self.crashed(&format!("writing {what} failed ({e})")));
                }
            }
        }
        Ok(())
    }

    fn stderr_tail(&self) -> String {
        let t = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let bytes: Vec<u8> = t.iter().copied().collect();
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        if text.is_empty() {
            "(stderr was empty)".to_string()
        } else {
            format!("stderr ends with:\n{text}")
        }
    }

    fn crashed(&mut self, what: &str) -> Fault {
        // Give the process a moment to finish dying, for its exit status.
        let deadline = Instant::now() + Duration::from_millis(500);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                _ => break None,
            }
        };
        // Let the stderr reader catch up.
        thread::sleep(Duration::from_millis(20));
        Fault {
            kind: FailureKind::Crash,
            detail: format!(
                "{what}: the program {}; {}",
                status.map_or(
                    "is still running but closed its output".to_string(),
                    describe
                ),
                self.stderr_tail()
            ),
        }
    }

    fn response(
        &mut self,
        what: &str,
        frames: &mut Vec<Vec<u8>>,
        timeout: Duration,
        budget: u64,
    ) -> Result<Result<(), Rejection>, Fault> {
        self.response_by(what, frames, Instant::now() + timeout, timeout, budget)
    }

    /// Reads the answer to `what`, which must be complete by `deadline` (`timeout` is the
    /// request's whole allowance, for messages).
    fn response_by(
        &mut self,
        what: &str,
        frames: &mut Vec<Vec<u8>>,
        deadline: Instant,
        timeout: Duration,
        budget: u64,
    ) -> Result<Result<(), Rejection>, Fault> {
        let protocol = |detail: String| Fault {
            kind: FailureKind::ProtocolError,
            detail,
        };
        loop {
            // Wait in slices, watching memory meanwhile: a program that is busy filling
            // gigabytes is stopped as a memory bomb, not left to exhaust the machine.
            let left = deadline.saturating_duration_since(Instant::now());
            let slice = left.min(MEMORY_POLL);
            let got = self.lines.recv_timeout(slice);
            if matches!(got, Err(mpsc::RecvTimeoutError::Timeout)) && slice < left {
                self.check_memory(budget)?;
                // A program that died while something else holds its stdout open sends no
                // end of output: notice the exit itself.
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return Err(self.crashed(&format!("no answer to {what}")));
                }
                continue;
            }
            match got {
                Ok(Line::Text(bytes, more)) => {
                    self.answered = true;
                    // Output that came in the same read as an answer's terminator was written
                    // before the next request: a terminator too many, or stray lines. (An
                    // answer to BEGIN, sent together with the first request, may be followed
                    // by the next answer.)
                    let stray = more && what != "BEGIN";
                    let after = || {
                        protocol(format!(
                            "after the answer to {what}: unexpected output after the previous \
                             answer (more bytes came with its terminator)"
                        ))
                    };
                    match parse_answer(&bytes) {
                        Ok(Answer::Done) if stray => return Err(after()),
                        Ok(Answer::Error(_)) if stray => return Err(after()),
                        Ok(Answer::Done) => return Ok(Ok(())),
                        Ok(Answer::Frame(f)) => frames.push(f),
                        Ok(Answer::Error(m)) => return Ok(Err(Rejection::new(m))),
                        Err(e) => return Err(protocol(format!("in the answer to {what}: {e}"))),
                    }
                }
                Ok(Line::TooLong(n)) => {
                    return Err(protocol(format!(
                        "in the answer to {what}: a line longer than {n} bytes"
                    )))
                }
                Ok(Line::End) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(self.crashed(&format!("no answer to {what}")))
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(Fault {
                        kind: FailureKind::Hang,
                        detail: format!(
                            "no DONE or ERROR within {} ms of {what}{}; the program was killed; {}",
                            timeout.as_millis(),
                            if self.answered {
                                ""
                            } else {
                                " (it has not answered anything yet: does it flush its stdout \
                                 after each answer?)"
                            },
                            self.stderr_tail()
                        ),
                    })
                }
            }
        }
    }

    /// Finds the process to watch: `sh -c` may have forked the program instead of becoming it.
    fn watch(&mut self) {
        if self.watched.is_some() {
            return;
        }
        let mut pid = self.child.id();
        for _ in 0..4 {
            let children =
                fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
            let kids: Vec<u32> = children
                .split_whitespace()
                .filter_map(|k| k.parse().ok())
                .collect();
            match kids[..] {
                [only] => pid = only,
                _ => break,
            }
        }
        self.watched = Some(pid);
        self.reset_peak();
    }

    /// Resets the peak resident memory and takes the current one as the baseline.
    fn reset_peak(&mut self) {
        if let Some(pid) = self.watched {
            let _ = fs::write(format!("/proc/{pid}/clear_refs"), "5");
            self.baseline = read_status(pid, "VmRSS:").unwrap_or(0);
        }
    }

    fn check_memory(&mut self, budget: u64) -> Result<(), Fault> {
        let Some(pid) = self.watched else {
            return Ok(());
        };
        let Some(peak) = read_status(pid, "VmHWM:") else {
            return Ok(());
        };
        let grown = peak.saturating_sub(self.baseline);
        if grown > budget {
            return Err(Fault {
                kind: FailureKind::MemoryBomb,
                detail: format!(
                    "peak resident memory grew by {} MiB (from {} to {} MiB); the budget is {} \
                     MiB (four maximum-size frames and the slack)",
                    grown >> 20,
                    self.baseline >> 20,
                    peak >> 20,
                    budget >> 20
                ),
            });
        }
        Ok(())
    }

    fn kill(mut self) {
        // The program runs in its own process group: kill all of it.
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        unregister_group(self.child.id());
    }
}

/// The line given to `sh -c`: a simple command is prefixed with `exec`, so that the shell
/// becomes the program rather than forking it (one process to watch and kill, and no orphan
/// left for an init that may not reap it); anything with shell syntax is left as it is.
fn shell_line(command: &str) -> String {
    let simple = command
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -_./=:,+@%'\"".contains(c));
    let first = command.split_whitespace().next().unwrap_or("");
    let keyword = ["exec", "if", "for", "while", "case", "until", "!"].contains(&first);
    if simple && !keyword && !first.contains('=') {
        format!("exec {command}")
    } else {
        command.to_string()
    }
}

/// Process groups of the programs alive now, for [`kill_all`].
static LIVE_GROUPS: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];

fn register_group(pgid: u32) {
    for slot in &LIVE_GROUPS {
        if slot
            .compare_exchange(0, u64::from(pgid), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

fn unregister_group(pgid: u32) {
    for slot in &LIVE_GROUPS {
        let _ = slot.compare_exchange(u64::from(pgid), 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// One line of a program's answer (protocol v1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `DONE`: the call returned `Ok`.
    Done,
    /// `FRAME <hex>` (or `FRAME` alone, an empty frame).
    Frame(Vec<u8>),
    /// `ERROR <message>` (or `ERROR` alone): the call returned `Err`.
    Error(String),
}

/// Reads one line of an answer, without its `\n` (a trailing `\r` is allowed). The error says
/// what is wrong with the line, quoting it: a `protocol-error` verdict. Never panics, whatever
/// the bytes (`fuzz/fuzz_targets/exec_answer.rs` checks that).
///
/// ```
/// use framecheck::exec::{parse_answer, Answer};
///
/// assert_eq!(parse_answer(b"FRAME 6869"), Ok(Answer::Frame(b"hi".to_vec())));
/// assert_eq!(parse_answer(b"DONE\r"), Ok(Answer::Done));
/// assert!(parse_answer(b"FRAME 6g").unwrap_err().contains("FRAME 6g"));
/// ```
pub fn parse_answer(bytes: &[u8]) -> Result<Answer, String> {
    let Ok(line) = std::str::from_utf8(bytes) else {
        return Err(format!(
            "a line that is not text: {}",
            hex(&bytes[..bytes.len().min(32)])
        ));
    };
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line == "DONE" {
        return Ok(Answer::Done);
    }
    if line == "FRAME" {
        return Ok(Answer::Frame(Vec::new()));
    }
    if let Some(h) = line.strip_prefix("FRAME ") {
        return decode_hex("FRAME", h)
            .map(Answer::Frame)
            .map_err(|e| format!("{} ({e})", show_line(line)));
    }
    if line == "ERROR" {
        return Ok(Answer::Error("(ERROR without a message)".to_string()));
    }
    if let Some(m) = line.strip_prefix("ERROR ") {
        return Ok(Answer::Error(m.to_string()));
    }
    Err(format!("{} is not FRAME, DONE or ERROR", show_line(line)))
}

/// Kills every program this process started and has not stopped yet (their whole process
/// groups). Async-signal-safe: a SIGINT or SIGTERM handler may call it, so that an
/// interrupted run leaves no program behind.
pub fn kill_all() {
    for slot in &LIVE_GROUPS {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid != 0 {
            // SAFETY: kill(2) is async-signal-safe and touches no memory.
            unsafe {
                libc::kill(-(pgid as i32), libc::SIGKILL);
            }
        }
    }
}

/// A value in bytes from a `kB` line of `/proc/PID/status`.
fn read_status(pid: u32, key: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn describe(status: ExitStatus) -> String {
    if let Some(sig) = status.signal() {
        return format!("was killed by signal {sig} ({})", signal_name(sig));
    }
    match status.code() {
        Some(code) if code > 128 && code < 160 => format!(
            "exited with status {code} (the shell's report of signal {}, {})",
            code - 128,
            signal_name(code - 128)
        ),
        Some(127) => "exited with status 127 (command not found)".to_string(),
        Some(code) => format!("exited with status {code}"),
        None => "ended".to_string(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        _ => "a signal",
    }
}

fn show_line(line: &str) -> String {
    if line.len() <= 80 {
        format!("{line:?}")
    } else {
        let cut = (0..=80)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        format!("{:?}… ({} bytes)", &line[..cut], line.len())
    }
}

/// One stream's decoder in an [`ExecProgram`]: `feed` sends `CHUNK`, `eof` sends `EOF`.
pub struct ExecDecoder {
    program: Arc<ExecProgram>,
    begun: bool,
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
        let answer = unmetered(|| self.program.request(&mut self.begun, what, arg, frames));
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
    use super::shell_line;

    #[test]
    fn simple_commands_are_execed_and_shell_syntax_is_left_alone() {
        assert_eq!(
            shell_line("python3 my.py u32be 10"),
            "exec python3 my.py u32be 10"
        );
        assert_eq!(
            shell_line("'/a b/framecheck' serve --decoder x"),
            "exec '/a b/framecheck' serve --decoder x"
        );
        assert_eq!(shell_line("cd x && python3 y"), "cd x && python3 y");
        assert_eq!(shell_line("FOO=1 prog"), "FOO=1 prog");
        assert_eq!(shell_line("exec prog"), "exec prog");
        assert_eq!(shell_line("prog | tee log"), "prog | tee log");
    }
}
