//! How reliably the chunks of a case arrive as reads of their own: a probe server on loopback
//! records what each of its `recv()` calls returned, and the cuts of the cases sent to it are
//! compared with the boundaries of those reads.
//!
//! A cut is *kept* when some `recv()` ended exactly there. A read may split a chunk further
//! (that only adds cuts, which every decoder must take), but a read across a cut joins two
//! chunks, and the server then sees a case other than the one the report names.
//! `framecheck tcp --probe` prints the rate for the gap given, with the harness waiting for
//! each chunk to be read (as a run does) and without it (a fixed pause only).

use std::io::Read;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::conn::{Connection, Settled, TcpConnection};
use crate::case::Case;

/// What a probe measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CutProbe {
    /// Cuts sent (chunk boundaries inside the streams).
    pub cuts: u64,
    /// Cuts that were also the end of a `recv()` of the probe server.
    pub kept: u64,
    /// Cuts at which the harness saw, before sending on, that the server had not read the
    /// earlier chunk (only when waiting for reads).
    pub unconfirmed: u64,
}

impl CutProbe {
    /// The share of cuts kept, from 0 to 1 (1 when there were none).
    pub fn rate(&self) -> f64 {
        if self.cuts == 0 {
            1.0
        } else {
            self.kept as f64 / self.cuts as f64
        }
    }
}

/// Sends each case to a probe server on loopback, one connection each: with `confirm`, as a
/// run does (waiting at most `gap` until the server has read each chunk); without, pausing
/// `gap` between writes. At most 10 seconds per case.
pub fn probe_cuts(cases: &[Case], gap: Duration, confirm: bool) -> std::io::Result<CutProbe> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (tx, rx) = mpsc::channel::<Vec<usize>>();
    let expected = cases.len();
    thread::Builder::new()
        .name("framecheck-probe-server".into())
        .spawn(move || {
            for _ in 0..expected {
                let Ok((mut s, _)) = listener.accept() else {
                    return;
                };
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let mut reads = Vec::new();
                let mut buf = vec![0u8; 1 << 16];
                while let Ok(n @ 1..) = s.read(&mut buf) {
                    reads.push(n);
                }
                if tx.send(reads).is_err() {
                    return;
                }
            }
        })?;
    let mut probe = CutProbe::default();
    for case in cases {
        let bytes = case.stream.bytes();
        let ranges = case.schedule.ranges(bytes.len());
        let mut conn = TcpConnection::connect(addr, Duration::from_secs(2))?;
        for (c, r) in ranges.iter().enumerate() {
            if c > 0 {
                if confirm {
                    if let Settled::Unread(_) = conn.settle(Instant::now() + gap) {
                        probe.unconfirmed += 1;
                    }
                } else if !gap.is_zero() {
                    thread::sleep(gap);
                }
            }
            conn.send(&bytes[r.clone()], Instant::now() + Duration::from_secs(2));
        }
        conn.finish()?;
        let reads = rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|e| std::io::Error::other(format!("the probe server: {e}")))?;
        let mut ends = std::collections::HashSet::new();
        let mut at = 0;
        for n in reads {
            at += n;
            ends.insert(at);
        }
        for r in ranges.iter().skip(1) {
            probe.cuts += 1;
            probe.kept += ends.contains(&r.start) as u64;
        }
    }
    Ok(probe)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::probe_cuts;
    use crate::case::{Case, Stream};
    use crate::schedule::Schedule;

    /// Waiting for each chunk to be read keeps every cut on loopback; sending at once keeps
    /// almost none (the probe itself can tell the two apart, so it can fail).
    #[test]
    fn waiting_for_reads_keeps_the_cuts_and_sending_at_once_joins_them() {
        let framing = "u16be".parse().unwrap();
        let stream =
            Arc::new(Stream::from_messages(framing, "probe", vec![vec![7u8; 200]; 5]).unwrap());
        let len = stream.bytes().len();
        let cases: Vec<Case> = (0..4)
            .map(|_| Case::new(stream.clone(), "bytes", Schedule::fixed(3, len)))
            .collect();
        let confirmed = probe_cuts(&cases, Duration::from_millis(200), true).unwrap();
        assert_eq!(confirmed.cuts, 4 * (len.div_ceil(3) as u64 - 1));
        if confirmed.unconfirmed == 0 {
            assert_eq!(confirmed.kept, confirmed.cuts, "{confirmed:?}");
        }
        let at_once = probe_cuts(&cases, Duration::ZERO, false).unwrap();
        assert!(at_once.kept < at_once.cuts, "{at_once:?}");
        // Not waiting at all, the cuts lost are the cuts the harness saw go out unread: the
        // count a run prints is the count of cuts the server did not see.
        let unread = probe_cuts(&cases, Duration::ZERO, true).unwrap();
        assert!(
            unread.kept + unread.unconfirmed >= unread.cuts,
            "{unread:?}"
        );
    }
}
