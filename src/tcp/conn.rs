//! One connection to the server under test, as the driver sees it: write a chunk, wait for
//! bytes or the end, half-close, and wait until the server has read what was sent.
//!
//! Contract: every method returns by the deadline it is given (nothing here blocks past it),
//! and the ends of a connection are told apart: the server closed it (`Fin`), reset it
//! (`Reset`), or is still there. [`TcpConnection`] is a real socket on loopback; the
//! in-process driver (`duplex`) implements the same trait over tokio's in-memory stream.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::diag;

/// How the server ended the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closed {
    /// An orderly close (a FIN): `recv()` returned 0.
    Fin,
    /// A reset, with the system's message.
    Reset(String),
}

/// What a write came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Every byte was taken.
    All,
    /// The server had ended the connection.
    Closed(Closed),
    /// The server stopped reading: only `taken` bytes were taken by the deadline.
    Blocked {
        /// The bytes taken.
        taken: usize,
    },
}

/// What a wait for bytes came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// This many bytes were appended.
    Data(usize),
    /// The server ended the connection.
    Closed(Closed),
    /// Nothing by the deadline.
    TimedOut,
}

/// Whether the server read everything sent before the next chunk went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// It had: the next chunk reaches an empty receive queue.
    Read,
    /// It had not: this many bytes were still unread at the deadline.
    Unread(u32),
    /// Nothing tells (not Linux): the whole gap was waited.
    Unknown,
}

/// What came back while a write waited, handed out by the next `recv` of either connection
/// kind: a server that answers while the harness still writes a long chunk must not find both
/// directions full.
#[derive(Debug, Default)]
pub(crate) struct ReadAhead {
    bytes: Vec<u8>,
    /// How the server ended the connection, if that was seen while writing.
    ended: Option<Closed>,
}

impl ReadAhead {
    /// The most bytes read ahead: past it, the server is left to block (no case needs more
    /// of it at once).
    const MAX: usize = 1 << 25;

    /// Whether to read no further ahead: the connection ended, or the bound is reached.
    pub(crate) fn full(&self) -> bool {
        self.ended.is_some() || self.bytes.len() >= ReadAhead::MAX
    }

    /// Keeps `bytes` that came back (`[]`: the server closed).
    pub(crate) fn data(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            self.ended = Some(Closed::Fin);
        } else {
            self.bytes.extend_from_slice(bytes);
        }
    }

    /// Notes that the server ended the connection, as `how`.
    pub(crate) fn end(&mut self, how: Closed) {
        self.ended = Some(how);
    }

    /// What a `recv` returns first: the bytes read ahead (into `buf`), then the end seen.
    pub(crate) fn take(&mut self, buf: &mut Vec<u8>) -> Option<Received> {
        if !self.bytes.is_empty() {
            let n = self.bytes.len();
            buf.append(&mut self.bytes);
            return Some(Received::Data(n));
        }
        self.ended.take().map(Received::Closed)
    }
}

/// Set once a receive queue has been read from the kernel: from then on a socket the kernel
/// does not know is one the server closed, not a system that cannot say.
static DIAG_WORKS: AtomicBool = AtomicBool::new(false);

/// One connection to the server under test.
pub trait Connection {
    /// Writes all of `bytes`, giving up at `deadline`.
    fn send(&mut self, bytes: &[u8], deadline: Instant) -> Sent;
    /// Waits until bytes arrive (appended to `buf`), the server ends the connection, or
    /// `deadline`.
    fn recv(&mut self, buf: &mut Vec<u8>, deadline: Instant) -> Received;
    /// Closes the harness's side for writing: the server's next read returns end of stream.
    fn finish(&mut self) -> io::Result<()>;
    /// Waits until the server has read every byte sent so far, at most until `deadline`.
    fn settle(&mut self, deadline: Instant) -> Settled;
}

/// A TCP connection on loopback, with `TCP_NODELAY`, so that each write leaves as a segment of
/// its own.
pub struct TcpConnection {
    stream: TcpStream,
    server: SocketAddr,
    client: SocketAddr,
    /// What came back while a write was blocked.
    ahead: ReadAhead,
}

impl TcpConnection {
    /// Connects to `server`, giving up after `timeout`.
    pub fn connect(server: SocketAddr, timeout: Duration) -> io::Result<TcpConnection> {
        let stream = TcpStream::connect_timeout(&server, timeout)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        let client = stream.local_addr()?;
        Ok(TcpConnection {
            stream,
            server,
            client,
            ahead: ReadAhead::default(),
        })
    }

    /// Polls the socket for `events` until `deadline`; whether it became ready.
    fn wait(&self, events: libc::c_short, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut pfd = libc::pollfd {
            fd: self.stream.as_raw_fd(),
            events,
            revents: 0,
        };
        let ms = left.as_millis().min(1000) as libc::c_int;
        // SAFETY: one valid pollfd for a socket this value owns.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        n > 0
    }
}

fn closed_by(e: &io::Error) -> Option<Closed> {
    match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => Some(Closed::Reset(e.to_string())),
        _ => None,
    }
}

impl TcpConnection {
    /// Reads what the server has sent so far ahead, without waiting.
    fn read_ahead(&mut self) {
        let mut chunk = [0u8; 1 << 16];
        while !self.ahead.full() {
            match self.stream.read(&mut chunk) {
                Ok(n) => self.ahead.data(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => self
                    .ahead
                    .end(closed_by(&e).unwrap_or(Closed::Reset(e.to_string()))),
            }
        }
    }
}

impl Connection for TcpConnection {
    fn send(&mut self, mut bytes: &[u8], deadline: Instant) -> Sent {
        let total = bytes.len();
        while !bytes.is_empty() {
            match self.stream.write(bytes) {
                Ok(0) => return Sent::Closed(Closed::Fin),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Sent::Blocked {
                            taken: total - bytes.len(),
                        };
                    }
                    self.wait(libc::POLLOUT | libc::POLLIN, deadline);
                    self.read_ahead();
                }
                Err(e) => {
                    return Sent::Closed(closed_by(&e).unwrap_or(Closed::Reset(e.to_string())))
                }
            }
        }
        Sent::All
    }

    fn recv(&mut self, buf: &mut Vec<u8>, deadline: Instant) -> Received {
        if let Some(r) = self.ahead.take(buf) {
            return r;
        }
        let mut chunk = [0u8; 1 << 16];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Received::Closed(Closed::Fin),
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    return Received::Data(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Received::TimedOut;
                    }
                    self.wait(libc::POLLIN, deadline);
                }
                Err(e) => {
                    return Received::Closed(closed_by(&e).unwrap_or(Closed::Reset(e.to_string())))
                }
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    fn settle(&mut self, deadline: Instant) -> Settled {
        let mut pause = Duration::from_micros(20);
        loop {
            match diag::unread(self.server, self.client) {
                Some(0) => {
                    DIAG_WORKS.store(true, Ordering::Relaxed);
                    return Settled::Read;
                }
                // The server's socket is gone (it closed): nothing is left for it to read.
                None if DIAG_WORKS.load(Ordering::Relaxed) => return Settled::Read,
                None => {
                    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                    return Settled::Unknown;
                }
                Some(n) if Instant::now() >= deadline => return Settled::Unread(n),
                Some(_) => {
                    std::thread::sleep(
                        pause.min(deadline.saturating_duration_since(Instant::now())),
                    );
                    pause = (pause * 2).min(Duration::from_millis(2));
                }
            }
        }
    }
}
