//! The server under test: one already running (`--connect`), or one the harness starts,
//! watches and restarts (`--spawn`).
//!
//! Contract: only loopback addresses are ever targets. A spawned server runs as `sh -c CMD` in
//! a process group of its own, with `{port}` in the command and `FRAMECHECK_PORT` in its
//! environment set to a free loopback port; the harness waits (at most the start-up timeout)
//! until that port accepts connections. When the server dies, the case that met it is a
//! `crash` (with the exit status and the end of its output), and the next connection starts
//! it again. At the end the whole process tree is killed, including descendants that left
//! the group.

use std::collections::VecDeque;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::conn::TcpConnection;
use crate::error::Error;
use crate::exec::reaper;
use crate::oracle::{FailureKind, Fault};

/// How much of a spawned server's output is kept for reports.
const OUTPUT_TAIL: usize = 4096;

/// Resolves `addr` (`HOST:PORT`) and refuses anything that is not loopback.
///
/// ```
/// use framecheck::tcp::loopback_addr;
/// assert!(loopback_addr("127.0.0.1:7000").is_ok());
/// assert!(loopback_addr("[::1]:7000").is_ok());
/// let e = loopback_addr("10.0.0.1:7000").unwrap_err().to_string();
/// assert!(e.contains("loopback"), "{e}");
/// ```
pub fn loopback_addr(addr: &str) -> Result<SocketAddr, Error> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| Error::new(format!("--connect {addr:?}: not HOST:PORT ({e})")))?
        .collect();
    match addrs.iter().find(|a| a.ip().is_loopback()) {
        Some(a) if addrs.iter().all(|a| a.ip().is_loopback()) => Ok(*a),
        _ => Err(Error::new(format!(
            "--connect {addr:?}: framecheck only tests servers on a loopback address \
             (127.0.0.0/8 or ::1); {addr:?} is {}",
            addrs
                .iter()
                .map(|a| a.ip().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Where the cases connect.
pub enum Target {
    /// A server that is already running.
    Connect(SocketAddr),
    /// A server the harness starts.
    Spawn(Arc<Server>),
}

impl Target {
    /// A new connection for one case; a fault when there is no server to connect to.
    pub(crate) fn connect(&self, timeout: Duration) -> Result<TcpConnection, Fault> {
        match self {
            Target::Connect(addr) => TcpConnection::connect(*addr, timeout).map_err(|e| Fault {
                kind: FailureKind::Crash,
                detail: format!("cannot connect to {addr}: {e} (is the server still running?)"),
            }),
            Target::Spawn(server) => server.connect(timeout),
        }
    }

    /// If the server died, what happened to it (a spawned server only).
    pub(crate) fn died(&self) -> Option<String> {
        match self {
            Target::Connect(_) => None,
            Target::Spawn(server) => server.died(),
        }
    }
}

/// A server started by the harness.
pub struct Server {
    command: String,
    startup: Duration,
    proc: Mutex<Option<Running>>,
    starts: AtomicU64,
    closed: AtomicBool,
}

struct Running {
    child: Child,
    addr: SocketAddr,
    output: Arc<Mutex<VecDeque<u8>>>,
}

impl Server {
    /// A server run as `sh -c command` (`{port}` replaced), given `startup` to listen.
    pub fn new(command: impl Into<String>, startup: Duration) -> Server {
        Server {
            command: command.into(),
            startup,
            proc: Mutex::new(None),
            starts: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// Starts the server now, so that one that cannot start is a usage error, not ten
    /// thousand failed cases.
    pub fn start(&self) -> Result<SocketAddr, Error> {
        let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = guard.take() {
            kill(r);
        }
        let r = self.spawn().map_err(Error::new)?;
        let addr = r.addr;
        *guard = Some(r);
        Ok(addr)
    }

    /// How many times the server was started.
    pub fn starts(&self) -> u64 {
        self.starts.load(Ordering::Relaxed)
    }

    /// The command, as given.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Kills the server's whole process tree, for good.
    pub fn shutdown(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = guard.take() {
            kill(r);
        }
    }

    fn connect(&self, timeout: Duration) -> Result<TcpConnection, Fault> {
        let crash = |detail: String| Fault {
            kind: FailureKind::Crash,
            detail,
        };
        let addr = {
            let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
            if self.closed.load(Ordering::SeqCst) {
                return Err(crash("the server was shut down: the run is over".into()));
            }
            if let Some(r) = guard.as_mut() {
                if let Ok(Some(status)) = r.child.try_wait() {
                    let why = describe(status.code(), status.signal(), &r.output);
                    kill(guard.take().expect("checked"));
                    // Started again for the next case.
                    return Err(crash(format!("the server {why}")));
                }
            }
            if guard.is_none() {
                *guard = Some(self.spawn().map_err(crash)?);
            }
            guard.as_ref().expect("started").addr
        };
        TcpConnection::connect(addr, timeout).map_err(|e| {
            crash(format!(
                "cannot connect to the server at {addr}: {e}{}",
                self.died()
                    .map_or(String::new(), |d| format!("; the server {d}"))
            ))
        })
    }

    /// If the running server has exited, how.
    fn died(&self) -> Option<String> {
        let mut guard = self.proc.lock().unwrap_or_else(|e| e.into_inner());
        let r = guard.as_mut()?;
        let status = r.child.try_wait().ok()??;
        Some(describe(status.code(), status.signal(), &r.output))
    }

    fn spawn(&self) -> Result<Running, String> {
        let port = free_port().map_err(|e| format!("cannot find a free loopback port: {e}"))?;
        let line = self.command.replace("{port}", &port.to_string());
        let mut child = reaper::spawn_noted(
            Command::new("sh")
                .arg("-c")
                .arg(&line)
                .env("FRAMECHECK_PORT", port.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .process_group(0),
        )
        .map_err(|e| format!("cannot start `sh -c {line:?}`: {e}"))?;
        self.starts.fetch_add(1, Ordering::Relaxed);
        reaper::register_group(child.id());
        let output = Arc::new(Mutex::new(VecDeque::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tail = output.clone();
            let _ = thread::Builder::new()
                .name("framecheck-server-output".into())
                .spawn(move || keep_tail(pipe, tail));
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut running = Running {
            child,
            addr,
            output,
        };
        let deadline = Instant::now() + self.startup;
        loop {
            if let Ok(Some(status)) = running.child.try_wait() {
                thread::sleep(Duration::from_millis(20));
                let how = how_it_ended(status.code(), status.signal());
                let tail = tail_text(&running.output);
                kill(running);
                return Err(format!(
                    "the server `{line}` {how} before it listened on 127.0.0.1:{port}; {tail}"
                ));
            }
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(running);
            }
            if Instant::now() >= deadline {
                let why = tail_text(&running.output);
                kill(running);
                return Err(format!(
                    "the server `{line}` did not listen on 127.0.0.1:{port} within {} ms (does \
                     it take the port from {{port}} or FRAMECHECK_PORT, and listen on \
                     127.0.0.1?); {why}",
                    self.startup.as_millis()
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Kills the server's whole tree (descendants that left its group included) and reaps it.
fn kill(mut r: Running) {
    let pid = r.child.id();
    // Once its exit status is taken, its pid may be another process's: the group only.
    if matches!(r.child.try_wait(), Ok(None)) {
        reaper::kill_tree(pid);
    } else {
        // SAFETY: kill(2) on the server's process group; no memory is involved.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGKILL);
        }
    }
    let _ = r.child.kill();
    let _ = r.child.wait();
    reaper::note_reaped(pid);
    reaper::unregister_group(pid);
    reaper::reap_orphans();
}

/// A port nothing listens on now (the kernel's choice for port 0).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn keep_tail(mut pipe: Box<dyn Read + Send>, tail: Arc<Mutex<VecDeque<u8>>>) {
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = pipe.read(&mut buf) {
        let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
        t.extend(&buf[..n]);
        let excess = t.len().saturating_sub(OUTPUT_TAIL);
        t.drain(..excess);
    }
}

fn tail_text(output: &Mutex<VecDeque<u8>>) -> String {
    let t = output.lock().unwrap_or_else(|e| e.into_inner());
    let bytes: Vec<u8> = t.iter().copied().collect();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    if text.is_empty() {
        "(its output was empty)".into()
    } else {
        format!("its output ends with:\n{text}")
    }
}

/// `exited with status 3`, `was killed by signal 9`.
fn how_it_ended(code: Option<i32>, signal: Option<i32>) -> String {
    match (code, signal) {
        (_, Some(sig)) => format!("was killed by signal {sig}"),
        (Some(c), None) => format!("exited with status {c}"),
        (None, None) => "ended".into(),
    }
}

/// How the server ended, and the end of its output.
fn describe(code: Option<i32>, signal: Option<i32>, output: &Mutex<VecDeque<u8>>) -> String {
    format!("{}; {}", how_it_ended(code, signal), tail_text(output))
}
