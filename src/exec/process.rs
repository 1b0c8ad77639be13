//! The program's process: starting it, writing requests, reading answers, watching its
//! memory, and killing its whole process group.
//!
//! Contract: a [`Proc`] is one running `sh -c` program. Every way it can misbehave while the
//! harness waits on it (exit, silence past the timeout, a line that is not an answer, memory
//! past the budget) comes back as a [`Fault`], never as a block or a panic in the harness. Each
//! program runs in a process group of its own, registered so that
//! [`kill_all`](reaper::kill_all) (and the signal handlers of
//! [`kill_all_on_signals`](reaper::kill_all_on_signals)) can end every one of them, from any
//! thread; a kill ends the program's whole tree, the descendants that left its group included,
//! and then the orphans it left ([`reaper`]).

use std::collections::VecDeque;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::answer::{free_text_hint, parse_answer, show_line, Answer};
use super::diagnose::{self, Mistake};
use super::reaper;
use super::request::write_request;
use super::system::{describe, read_status, shell_line};
use crate::adapter::Rejection;
use crate::error::n_frames;
use crate::oracle::{FailureKind, Fault};

const MEMORY_POLL: Duration = Duration::from_millis(50);
/// The least and most time a program that read `EOF` and went silent is given more, to tell a
/// late answer from a missing `DONE`.
const GRACE_MIN: Duration = Duration::from_secs(1);
const GRACE_MAX: Duration = Duration::from_secs(30);
/// How much of the program's stderr is kept.
const STDERR_TAIL: usize = 4096;

pub(super) struct Proc {
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
    /// Whether `child` was reaped (its exit status read): its pid may be another process's.
    reaped: bool,
    /// The last request sent (`CHUNK` or `EOF`, or `BEGIN` alone) and its line's length, with
    /// its newline: named in a protocol error that follows a long one.
    last_what: String,
    last_len: usize,
    /// The request before it, likewise: a stray line may be read as the next answer.
    prev_what: String,
    prev_len: usize,
    /// Whether the last answer completed was `EOF`'s.
    eof_answered: bool,
    /// The adapter mistake the last fault was recognised as.
    mistake: Option<Mistake>,
}

/// How the wait for the rest of a late answer ended.
enum Late {
    /// With `DONE` or `ERROR`.
    Ended,
    /// With the program's exit (or the end of its output), the answer not ended.
    Exited,
    /// With a line that is not an answer.
    Other,
    /// It did not: the program stayed silent.
    Silent,
}

enum Line {
    /// A line, and whether more bytes came with it in the same read (so were written before
    /// the harness could have asked for them, if this line ends an answer).
    Text(Vec<u8>, bool),
    TooLong(usize),
    End,
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
    /// Starts `sh -c command` in a process group of its own, with readers for its stdout
    /// (lines of at most `max_line` bytes) and stderr (the tail), and counts the start in
    /// `starts`.
    pub(super) fn spawn(command: &str, max_line: usize, starts: &AtomicU64) -> io::Result<Proc> {
        let mut child = reaper::spawn_noted(
            Command::new("sh")
                .arg("-c")
                .arg(shell_line(command))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .process_group(0),
        )?;
        starts.fetch_add(1, Ordering::Relaxed);
        reaper::register_group(child.id());
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
            reaped: false,
            last_what: String::new(),
            last_len: 0,
            prev_what: String::new(),
            prev_len: 0,
            eof_answered: false,
            mistake: None,
        })
    }

    /// Checks that the previous answer was all the program said before request `what`.
    pub(super) fn check_quiet(&mut self, what: &str) -> Result<(), Fault> {
        match self.lines.try_recv() {
            Ok(Line::Text(extra, _)) => {
                let extra = String::from_utf8_lossy(&extra);
                Err(Fault {
                    kind: FailureKind::ProtocolError,
                    detail: format!(
                        "before {what}: unexpected output after the previous answer: {}{}{}",
                        show_line(&extra),
                        free_text_hint(&extra),
                        self.long_request()
                    ),
                })
            }
            Ok(Line::TooLong(n)) => Err(Fault {
                kind: FailureKind::ProtocolError,
                detail: format!("before {what}: a line longer than {n} bytes"),
            }),
            Ok(Line::End) => Err(self.crashed(&format!("before {what}"))),
            Err(_) => Ok(()),
        }
    }

    /// Writes `[BEGIN\n]WHAT[ HEX]\n`, giving up after `timeout` if the program does not
    /// read it (a hang), or reporting a crash if the pipe is closed.
    pub(super) fn send(
        &mut self,
        begin: bool,
        what: &str,
        arg: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<(), Fault> {
        let mut req = std::mem::take(&mut self.request);
        write_request(&mut req, begin, what, arg);
        std::mem::swap(&mut self.prev_what, &mut self.last_what);
        self.prev_len = self.last_len;
        self.last_what.clear();
        self.last_what.push_str(what);
        self.last_len = req.len() - if begin { "BEGIN\n".len() } else { 0 };
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

    /// The exit status of a program whose output ended, given a moment (half a second) to
    /// finish dying; `None` if it is still running.
    fn exit_status_soon(&mut self) -> Option<ExitStatus> {
        let deadline = Instant::now() + Duration::from_millis(500);
        loop {
            match self.try_wait() {
                Ok(Some(s)) => return Some(s),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                _ => return None,
            }
        }
    }

    pub(super) fn crashed(&mut self, what: &str) -> Fault {
        let status = self.exit_status_soon();
        // Let the stderr reader catch up.
        thread::sleep(Duration::from_millis(20));
        if self.eof_answered && status.is_some_and(|s| s.code() == Some(0)) {
            self.mistake = Some(Mistake::ExitAfterEof);
            return Fault {
                kind: FailureKind::Crash,
                detail: format!(
                    "{what}: the program {} (status 0): {}; {}",
                    diagnose::EXIT_AFTER_EOF,
                    diagnose::ONE_PROCESS,
                    self.stderr_tail()
                ),
            };
        }
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

    pub(super) fn response(
        &mut self,
        what: &str,
        frames: &mut Vec<Vec<u8>>,
        timeout: Duration,
        budget: u64,
    ) -> Result<Result<(), Rejection>, Fault> {
        let deadline = Instant::now() + timeout;
        self.response_by(what, frames, deadline, timeout, budget, u64::MAX)
    }

    /// Reads the answer to `what`, which must be complete by `deadline` (`timeout` is the
    /// request's whole allowance, for messages), and may hold at most `room` frames (each
    /// frame takes at least one byte of the stream, so no more than the bytes sent so far, less
    /// the frames already answered, can come out).
    pub(super) fn response_by(
        &mut self,
        what: &str,
        frames: &mut Vec<Vec<u8>>,
        deadline: Instant,
        timeout: Duration,
        budget: u64,
        room: u64,
    ) -> Result<Result<(), Rejection>, Fault> {
        let protocol = |detail: String| Fault {
            kind: FailureKind::ProtocolError,
            detail,
        };
        let mut answered = 0u64;
        // Whether the last wait for a line ended without one: a deadline that passes then is
        // the program's silence, not its talking.
        let mut quiet = true;
        loop {
            // The timeout covers the whole answer: a program that keeps talking is stopped
            // at the deadline as surely as one that says nothing.
            if Instant::now() >= deadline && quiet {
                let asked = deadline.checked_sub(timeout).unwrap_or(deadline);
                return Err(self.silence(what, answered, asked, timeout));
            }
            if Instant::now() >= deadline {
                return Err(Fault {
                    kind: FailureKind::Hang,
                    detail: format!(
                        "the answer to {what} was still going after {} ms (--timeout-ms) \
                         ({answered} frame(s) so far, no DONE or ERROR); the program was killed; \
                         {}",
                        timeout.as_millis(),
                        self.stderr_tail()
                    ),
                });
            }
            // Wait in slices, watching memory meanwhile: a program that is busy filling
            // gigabytes is stopped as a memory bomb, not left to exhaust the machine.
            let left = deadline.saturating_duration_since(Instant::now());
            let slice = left.min(MEMORY_POLL);
            let got = self.lines.recv_timeout(slice);
            quiet = matches!(got, Err(mpsc::RecvTimeoutError::Timeout));
            if quiet && slice < left {
                self.check_memory(budget)?;
                // A program that died while something else holds its stdout open sends no
                // end of output: notice the exit itself.
                if matches!(self.try_wait(), Ok(Some(_))) {
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
                    let answer = parse_answer(&bytes);
                    if matches!(answer, Ok(Answer::Done | Answer::Error(_))) && !stray {
                        self.eof_answered = what == "EOF";
                    }
                    let long = self.long_request();
                    let after = || {
                        protocol(format!(
                            "after the answer to {what}: unexpected output after the previous \
                             answer (more bytes came with its terminator){long}"
                        ))
                    };
                    match answer {
                        Ok(Answer::Done) if stray => return Err(after()),
                        Ok(Answer::Error(_)) if stray => return Err(after()),
                        Ok(Answer::Done) => return Ok(Ok(())),
                        Ok(Answer::Frame(_)) if answered >= room => {
                            return Err(protocol(format!(
                                "in the answer to {what}: more frames than the stream can hold \
                                 ({room} more at most: every frame takes at least one of the \
                                 bytes sent so far, and the earlier frames took the rest); the \
                                 program was stopped there"
                            )))
                        }
                        Ok(Answer::Frame(f)) => {
                            answered += 1;
                            frames.push(f);
                        }
                        Ok(Answer::Error(m)) => return Ok(Err(Rejection::new(m))),
                        Err(e) => {
                            return Err(protocol(format!("in the answer to {what}: {e}{long}")))
                        }
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
                    let asked = deadline.checked_sub(timeout).unwrap_or(deadline);
                    return Err(self.silence(what, answered, asked, timeout));
                }
            }
        }
    }

    /// The hang of a program that went silent for `timeout` in the middle of its answer to
    /// `what` (sent at `asked`), after `frames` frames: named as an adapter mistake where it
    /// fits one. A program that read `EOF` and is alive is given as long again (1 to 30 s) to
    /// end its answer, to tell a slow answer (a late `DONE`) from a missing `DONE`; the frames
    /// it sends meanwhile are not judged (the verdict is a hang either way), and its memory is
    /// not watched (the wait is bounded, and the program is killed after it).
    fn silence(&mut self, what: &str, frames: u64, asked: Instant, timeout: Duration) -> Fault {
        let ms = timeout.as_millis();
        let unread = diagnose::unread(&self.stdin);
        let alive = matches!(self.try_wait(), Ok(None));
        let why = if !self.answered {
            // The first answer of this process: `timeout` is the start-up allowance.
            if unread.is_some_and(|n| n > 0) {
                format!(
                    "no answer to {what} within the start-up allowance of {ms} ms \
                     (--startup-ms): the program has not even read its first request: it is \
                     still starting, or stuck before it reads stdin; if it starts slowly (a JVM, \
                     a large interpreter), raise --startup-ms"
                )
            } else {
                format!(
                    "no answer to {what} within the start-up allowance of {ms} ms \
                     (--startup-ms): the program read {what} but has not answered anything yet: \
                     does it flush its stdout after each answer? (if it only answers slowly at \
                     first, raise --startup-ms)"
                )
            }
        } else if what == "EOF" && alive && unread == Some(0) {
            let grace = timeout.clamp(GRACE_MIN, GRACE_MAX);
            let (late, waited) = self.late_end(grace);
            let waited = waited.as_millis();
            let no_done = format!(
                "{}: the program read EOF and answered it with {}, but no DONE or ERROR came \
                 within {ms} ms (--timeout-ms)",
                diagnose::NO_DONE_AFTER_EOF,
                n_frames(frames)
            );
            match late {
                Late::Ended => {
                    self.mistake = Some(Mistake::SlowEofAnswer);
                    diagnose::slow_answer(what, asked.elapsed().as_millis(), ms)
                }
                Late::Silent => {
                    self.mistake = Some(Mistake::NoDoneAfterEof);
                    format!("{no_done}, nor in {waited} ms more, and it is still running")
                }
                Late::Exited => {
                    self.mistake = Some(Mistake::NoDoneAfterEof);
                    let status = self
                        .exit_status_soon()
                        .map_or("closed its output".to_string(), describe);
                    format!("{no_done}; {waited} ms later it {status}, still without one")
                }
                Late::Other => {
                    format!("{no_done}; {waited} ms later it wrote a line that is not an answer")
                }
            }
        } else {
            format!("no DONE or ERROR within {ms} ms of {what} (--timeout-ms)")
        };
        Fault {
            kind: FailureKind::Hang,
            detail: format!("{why}; the program was killed; {}", self.stderr_tail()),
        }
    }

    /// Waits up to `grace` for the rest of an answer that is late: its frames, then `DONE` or
    /// `ERROR`. How the wait ended, and how long it took.
    fn late_end(&mut self, grace: Duration) -> (Late, Duration) {
        let start = Instant::now();
        let deadline = start + grace;
        let late = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break Late::Silent;
            }
            match self.lines.recv_timeout(left.min(MEMORY_POLL)) {
                Ok(Line::Text(bytes, _)) => match parse_answer(&bytes) {
                    Ok(Answer::Frame(_)) => {}
                    Ok(Answer::Done | Answer::Error(_)) => break Late::Ended,
                    Err(_) => break Late::Other,
                },
                Ok(Line::TooLong(_)) => break Late::Other,
                Ok(Line::End) | Err(mpsc::RecvTimeoutError::Disconnected) => break Late::Exited,
                // A program that died while something else holds its stdout open sends no end
                // of output: notice the exit itself.
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if matches!(self.try_wait(), Ok(Some(_))) {
                        break Late::Exited;
                    }
                }
            }
        };
        (late, start.elapsed())
    }

    /// For a protocol error: the longer of the last two requests, if it was long, with the
    /// fixed-buffer question (a stray line may be read as the answer to the request after the
    /// one that caused it).
    pub(super) fn long_request(&self) -> String {
        if self.prev_len > self.last_len {
            diagnose::long_request(&self.prev_what, self.prev_len)
        } else {
            diagnose::long_request(&self.last_what, self.last_len)
        }
    }

    /// How many bytes of the requests sent the program has not read yet.
    pub(super) fn unread(&self) -> Option<usize> {
        diagnose::unread(&self.stdin)
    }

    /// Whether the program has answered anything yet.
    pub(super) fn answered(&self) -> bool {
        self.answered
    }

    /// The adapter mistake the last fault was recognised as, if any.
    pub(super) fn mistake(&self) -> Option<Mistake> {
        self.mistake
    }

    /// Forgets the last fault's mistake, for a process that goes on after it.
    pub(super) fn forget_mistake(&mut self) {
        self.mistake = None;
    }

    /// Finds the process to watch: `sh -c` may have forked the program instead of becoming it.
    pub(super) fn watch(&mut self) {
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
        let _ = self.reset_peak();
    }

    /// Resets the peak resident memory and takes the current one as the baseline, which it
    /// returns (`None` before the process is watched, or without `/proc`).
    pub(super) fn reset_peak(&mut self) -> Option<u64> {
        let pid = self.watched?;
        let _ = fs::write(format!("/proc/{pid}/clear_refs"), "5");
        let rss = read_status(pid, "VmRSS:");
        self.baseline = rss.unwrap_or(0);
        rss
    }

    pub(super) fn check_memory(&mut self, budget: u64) -> Result<(), Fault> {
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
                     MiB (eight maximum-size frames and the slack)",
                    grown >> 20,
                    self.baseline >> 20,
                    peak >> 20,
                    budget >> 20
                ),
            });
        }
        Ok(())
    }

    /// The program's exit status, if it has ended (reaping it).
    fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let status = self.child.try_wait()?;
        self.reaped |= status.is_some();
        Ok(status)
    }

    /// Kills the program's whole tree ([`reaper::kill_tree`]: its process group, and the
    /// descendants that left it), reaps the program, and then the orphans it left behind.
    pub(super) fn kill(mut self) {
        let pid = self.child.id();
        if self.reaped {
            // Its pid may be another process's now, but not its group's id while the group
            // has members: kill what is left of the group.
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is
            // involved.
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
        } else {
            // Running, or a zombie not reaped yet: the pid is still the program's.
            reaper::kill_tree(pid);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        reaper::note_reaped(pid);
        reaper::unregister_group(pid);
        // The orphans of the program (a daemon's double fork, the children of a program that
        // crashed) are no descendants of it any more.
        reaper::reap_orphans();
    }
}
