//! Shrinking a failed soak: bisecting on the frame count with shorter soaks, and turning the
//! failing window into an ordinary replay token when a fresh decoder fails on it too.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::stream::{Cuts, Generator, Limit, Window};
use super::{
    End, Factory, Failed, Outcome, Shrunk, Soak, MAX_TOKEN_CHARS, WINDOW_BYTES, WINDOW_FRAMES,
};
use crate::case::{Case, Stream};
use crate::error::Error;
use crate::oracle::FailureKind;
use crate::runner::Runner;
use crate::schedule::Schedule;

impl Soak {
    /// Shrinks a failure of this soak to the smallest frame count that still fails, by
    /// bisecting on `--frames` with shorter soaks (each deterministic), for at most the shrink
    /// time. A hang is only confirmed, not bisected.
    pub fn shrink(&self, failed: &Failed, factory: &Factory) -> Shrunk {
        let deadline = Instant::now() + self.shrink_time;
        let mut runs = 0;
        let mut try_frames = |n: u64| -> Option<Failed> {
            runs += 1;
            match self.run_limit(Limit::Frames(n), factory, None) {
                Ok(Outcome {
                    end: End::Fail(f), ..
                }) => Some(f),
                _ => None,
            }
        };
        let mut hi = failed.frames;
        let Some(mut best) = try_frames(hi) else {
            return Shrunk {
                frames: hi,
                failure: failed.clone(),
                runs: 1,
                minimal: false,
                reproduced: false,
            };
        };
        let mut lo = 0;
        let bisect = best.kind != FailureKind::Hang;
        while bisect && hi - lo > 1 && Instant::now() < deadline && !self.stopped() {
            let mid = lo + (hi - lo) / 2;
            match try_frames(mid) {
                Some(f) if f.kind != FailureKind::Hang => {
                    hi = mid;
                    best = f;
                }
                Some(_) => break,
                None => lo = mid,
            }
        }
        Shrunk {
            frames: hi,
            failure: best,
            runs,
            minimal: hi - lo <= 1,
            reproduced: true,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.is_some_and(|s| s.load(Ordering::SeqCst))
    }

    /// The failing window of a shrunk soak as an ordinary case, if one fails on a fresh
    /// decoder: the last frames up to `shrunk.frames`, cut where the soak cut them, from the
    /// frame the failing read started in and further back, up to 1 MiB and 65536 frames. The
    /// case that fails is shrunk by the [runner](crate::runner), whose `Reproduce with:` line
    /// is `reproduce` (`{token}` replaced), and returned only if its token is at most
    /// [`MAX_TOKEN_CHARS`] long.
    pub fn window_case(&self, shrunk: &Shrunk, factory: &Factory, reproduce: &str) -> Option<Case> {
        let f = &shrunk.failure;
        if matches!(f.kind, FailureKind::Hang) || shrunk.frames == 0 {
            return None;
        }
        let gen = self.validate().ok()?;
        let n = shrunk.frames;
        let ends = frame_ends(&gen, n, WINDOW_FRAMES).ok()?;
        let first_known = n - ends.len() as u64;
        let start_of = |i: u64| -> Option<u64> {
            if i == 0 {
                Some(0)
            } else if i > first_known {
                Some(ends[(i - 1 - first_known) as usize])
            } else {
                None
            }
        };
        let total = *ends.last()?;
        // The frame the failing read starts in (for EOF, the last frame).
        let s0 = match f.read {
            Some(_) => first_known + ends.partition_point(|&e| e <= f.bytes.start) as u64,
            None => n - 1,
        };
        let cuts = Cuts::new(self.seed, self.max_read);
        // Windows of 1, 2, 4, 8… frames before the failing read's first frame, then all.
        let mut starts = vec![s0];
        let mut back = 1u64;
        while starts.last() != Some(&0) {
            starts.push(s0.saturating_sub(back));
            back = back * 2 + 1;
        }
        for s in starts {
            let start = start_of(s)?;
            if total - start > WINDOW_BYTES {
                return None;
            }
            let window = FrameSpan { s, n, start, total };
            if let Some(case) = self.try_window(&gen, &cuts, window, factory, reproduce) {
                return Some(case);
            }
        }
        None
    }

    fn try_window(
        &self,
        gen: &Generator,
        cuts: &Cuts,
        window: FrameSpan,
        factory: &Factory,
        reproduce: &str,
    ) -> Option<Case> {
        let FrameSpan { s, n, start, total } = window;
        let mut messages = Vec::with_capacity((n - s) as usize);
        for i in s..n {
            let mut m = Vec::new();
            gen.message(i, &mut m);
            messages.push(m);
        }
        let name = format!("soak seed {:#x} frames #{s}..#{}", self.seed, n - 1);
        let stream = Stream::from_messages(self.framing, name, messages).ok()?;
        let mut at = 0u64;
        let mut offsets = Vec::new();
        let mut r = 0;
        while at < total {
            at += cuts.len_of(r) as u64;
            r += 1;
            if at > start && at < total {
                offsets.push((at - start) as usize);
            }
        }
        let len = (total - start) as usize;
        let case = Case::new(
            Arc::new(stream),
            "soak-cuts",
            Schedule::from_cuts(offsets, len),
        );
        let make = factory.clone();
        let report = Runner::new()
            .seed(self.seed)
            .timeout(self.timeout)
            .reproduce_with(reproduce)
            .run_cases(self.framing, vec![case], move || make());
        let found = report.failures.into_iter().next()?;
        (found.minimal.token().len() <= MAX_TOKEN_CHARS).then_some(found.minimal)
    }
}

/// Frames `s..n` of a soak, at stream bytes `start..total`.
#[derive(Clone, Copy)]
struct FrameSpan {
    s: u64,
    n: u64,
    start: u64,
    total: u64,
}

/// The end offsets of the last `keep` frames of a soak of `n` frames.
fn frame_ends(gen: &Generator, n: u64, keep: u64) -> Result<Vec<u64>, Error> {
    let mut w = Window::new(gen.clone(), Limit::Frames(n));
    let mut ends = std::collections::VecDeque::new();
    while !w.exhausted() {
        let to = w.encoded() + (1 << 20);
        w.fill(to)?;
        for p in &w.pending {
            if ends.len() as u64 == keep {
                ends.pop_front();
            }
            ends.push_back(p.end);
        }
        let count = w.pending.len();
        w.retire(count);
        let read = w.encoded();
        w.compact(read);
    }
    Ok(ends.into())
}
