//! Rust servers in process: a connection handler over any `AsyncRead + AsyncWrite`, driven
//! through tokio's in-memory [`duplex`](tokio::io::duplex) stream with the cuts and verdicts of
//! `framecheck tcp`, and no port (feature `tokio1`).
//!
//! Many Rust servers handle each connection in one function, generic over the stream. Give that
//! function here instead of a running server: each case gets a fresh duplex pair and a fresh
//! current-thread runtime, the handler runs on one end as a task, and the harness writes the
//! case's chunks into the other end, one `write_all` each, letting the handler run until it
//! waits for more before the next. What comes back is judged as over TCP: the echo deal,
//! promptness, a bad header ends the connection (the handler returns, dropping its stream), and
//! after the harness's `shutdown()` the handler finishes and returns. A handler that panics is a
//! `crash`.
//!
//! ```
//! use framecheck::tcp::duplex::check_handler;
//! use framecheck::Suite;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! /// A u8-prefixed echo handler with the drain loop; a bad header cannot happen in u8:max=255.
//! async fn handle(mut s: tokio::io::DuplexStream) -> std::io::Result<()> {
//!     let mut buf = Vec::new();
//!     let mut chunk = [0u8; 4096];
//!     loop {
//!         let n = s.read(&mut chunk).await?;
//!         if n == 0 {
//!             return Ok(()); // EOF: a frame cut short is dropped with the stream
//!         }
//!         buf.extend_from_slice(&chunk[..n]);
//!         while let Some(&len) = buf.first() {
//!             let end = 1 + len as usize;
//!             if buf.len() < end {
//!                 break;
//!             }
//!             let frame: Vec<u8> = buf.drain(..end).collect();
//!             s.write_all(&frame).await?;
//!         }
//!     }
//! }
//!
//! let suite = Suite::new("u8".parse().unwrap()).random_cases(20).bulk(false);
//! check_handler(&suite, handle);
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use super::conn::{Closed, Connection, ReadAhead, Received, Sent, Settled};
use super::{judge_on, Wire, WireStats};
use crate::case::Case;
use crate::error::Error;
use crate::oracle::Verdict;
use crate::report::Report;
use crate::suite::Suite;

/// How much the in-memory stream holds in each direction before a write waits.
const BUFFER: usize = 1 << 16;

/// One case's connection: the harness's end of a duplex pair, the handler running on the
/// other end.
pub struct DuplexConnection {
    rt: Runtime,
    client: DuplexStream,
    /// What came back while a write waited.
    ahead: ReadAhead,
    task: Rc<RefCell<Option<JoinHandle<io::Result<()>>>>>,
}

impl DuplexConnection {
    /// Starts `handler` on a fresh duplex pair.
    pub fn start<H, Fut>(handler: &H) -> io::Result<DuplexConnection>
    where
        H: Fn(DuplexStream) -> Fut,
        Fut: Future<Output = io::Result<()>> + Send + 'static,
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        let (client, server) = tokio::io::duplex(BUFFER);
        let task = rt.spawn(handler(server));
        Ok(DuplexConnection {
            rt,
            client,
            ahead: ReadAhead::default(),
            task: Rc::new(RefCell::new(Some(task))),
        })
    }

    /// A closure that says, once the case is over, whether the handler panicked.
    fn panicked(&self) -> impl FnOnce() -> Option<String> {
        let task = self.task.clone();
        move || {
            let handle = task.borrow_mut().take()?;
            if !handle.is_finished() {
                handle.abort();
                return None;
            }
            let rt = tokio::runtime::Builder::new_current_thread().build().ok()?;
            match rt.block_on(handle) {
                Err(e) if e.is_panic() => {
                    let payload = e.into_panic();
                    let msg = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "a panic".into());
                    Some(format!("handler panicked: {msg}"))
                }
                _ => None,
            }
        }
    }

    /// Runs the runtime until `deadline` or until `fut` is done.
    fn within<T>(&self, deadline: Instant, fut: impl Future<Output = T>) -> Option<T> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.rt
            .block_on(async { tokio::time::timeout(left, fut).await.ok() })
    }
}

impl Connection for DuplexConnection {
    fn send(&mut self, bytes: &[u8], deadline: Instant) -> Sent {
        let (client, ahead) = (&mut self.client, &mut self.ahead);
        let left = deadline.saturating_duration_since(Instant::now());
        let mut taken = 0;
        let mut chunk = vec![0u8; BUFFER];
        // Writing while reading what comes back meanwhile: a handler that echoes while the
        // harness still writes a long chunk must not find both directions full.
        let write = std::future::poll_fn(|cx| loop {
            if taken == bytes.len() {
                return Poll::Ready(Ok(()));
            }
            match Pin::new(&mut *client).poll_write(cx, &bytes[taken..]) {
                Poll::Ready(Ok(n)) => {
                    taken += n;
                    continue;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
            if ahead.full() {
                return Poll::Pending;
            }
            let mut rb = ReadBuf::new(&mut chunk);
            match Pin::new(&mut *client).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => ahead.data(rb.filled()),
                Poll::Ready(Err(e)) => ahead.end(Closed::Reset(e.to_string())),
                Poll::Pending => return Poll::Pending,
            }
        });
        let result = self
            .rt
            .block_on(async { tokio::time::timeout(left, write).await });
        match result {
            Ok(Ok(())) => Sent::All,
            Ok(Err(_)) => Sent::Closed(Closed::Fin),
            Err(_) => Sent::Blocked { taken },
        }
    }

    fn recv(&mut self, buf: &mut Vec<u8>, deadline: Instant) -> Received {
        if let Some(r) = self.ahead.take(buf) {
            return r;
        }
        let mut chunk = vec![0u8; BUFFER];
        let client = &mut self.client;
        let left = deadline.saturating_duration_since(Instant::now());
        let got = if left.is_zero() {
            // Only what is there already: a timer of zero would still wait for the runtime's
            // next millisecond tick.
            let mut rb = ReadBuf::new(&mut chunk);
            match Pin::new(&mut *client).poll_read(
                &mut std::task::Context::from_waker(std::task::Waker::noop()),
                &mut rb,
            ) {
                Poll::Ready(r) => Ok(r.map(|()| rb.filled().len())),
                Poll::Pending => Err(()),
            }
        } else {
            self.rt
                .block_on(async { tokio::time::timeout(left, client.read(&mut chunk)).await })
                .map_err(|_| ())
        };
        match got {
            Ok(Ok(0)) => Received::Closed(Closed::Fin),
            Ok(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                Received::Data(n)
            }
            Ok(Err(e)) => Received::Closed(Closed::Reset(e.to_string())),
            Err(_) => Received::TimedOut,
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        let client = &mut self.client;
        let deadline = Instant::now() + Duration::from_secs(1);
        let left = deadline.saturating_duration_since(Instant::now());
        self.rt
            .block_on(async { tokio::time::timeout(left, client.shutdown()).await })
            .unwrap_or_else(|_| Err(io::Error::other("shutdown() did not finish")))
    }

    fn settle(&mut self, deadline: Instant) -> Settled {
        // The handler runs whenever the harness waits: let it take what was written, then go
        // on. A current-thread runtime runs every ready task before a yielded one resumes.
        let _ = self.within(deadline, async {
            for _ in 0..8 {
                tokio::task::yield_now().await;
            }
        });
        Settled::Read
    }
}

/// Runs `suite`'s cases against `handler`, one duplex connection each, with `wire`'s timings
/// (the gap is not waited: the handler runs until it waits for more before each chunk). Each
/// failure's `Reproduce with:` line is a call of [`replay_handler`]. Panics, with the reason,
/// for a framing the wire cannot judge ([`supports`](super::supports)).
pub fn run_handler<H, Fut>(suite: &Suite, wire: Wire, handler: H) -> Report
where
    H: Fn(DuplexStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = io::Result<()>> + Send + 'static,
{
    if let Err(e) = super::supports(suite.framing(), &wire) {
        panic!("{e}");
    }
    let stats = Arc::new(WireStats::default());
    suite
        .runner()
        .reproduce_with("framecheck::tcp::duplex::replay_handler(handler, \"{token}\")")
        .run_judged(suite.framing(), suite.cases(), 1, move |case| {
            judge_handler(&handler, case, &wire, &stats)
        })
}

/// Runs `suite` against `handler` and panics with the report if any case failed: the one-call
/// form for a `#[test]`.
pub fn check_handler<H, Fut>(suite: &Suite, handler: H)
where
    H: Fn(DuplexStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = io::Result<()>> + Send + 'static,
{
    let report = run_handler(suite, Wire::default(), handler);
    if !report.is_pass() {
        panic!("{report}");
    }
}

/// Replays one case (its token, as printed after `Reproduce with:`) against `handler`.
pub fn replay_handler<H, Fut>(handler: H, token: &str) -> Result<Verdict, Error>
where
    H: Fn(DuplexStream) -> Fut,
    Fut: Future<Output = io::Result<()>> + Send + 'static,
{
    let case = Case::from_token(token)?;
    Ok(judge_handler(
        &handler,
        &case,
        &Wire::default(),
        &WireStats::default(),
    ))
}

fn judge_handler<H, Fut>(handler: &H, case: &Case, wire: &Wire, stats: &WireStats) -> Verdict
where
    H: Fn(DuplexStream) -> Fut,
    Fut: Future<Output = io::Result<()>> + Send + 'static,
{
    match DuplexConnection::start(handler) {
        Ok(mut conn) => {
            let panicked = conn.panicked();
            judge_on(&mut conn, case, wire, stats, panicked)
        }
        Err(e) => Verdict::Skip(format!("cannot start a tokio runtime: {e}")),
    }
}
