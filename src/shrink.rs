//! Minimal failing cases.
//!
//! When a case fails, [`shrink`] looks for the smallest case that still fails *the same way*
//! (the same [`FailureKind`]). It runs passes over the case, each keeping every change that
//! still fails, until a round of all of them changes nothing or the run budget is spent:
//! - remove runs of messages, halves first, then quarters, down to single messages;
//! - cut the adversarial tail short;
//! - shorten messages, runs first: to empty, then to one byte, then each to half its length or
//!   one byte less, or, past 64 bytes, to the shortest length that still fails, by bisection
//!   (re-encoding their headers);
//! - remove runs of cuts from the schedule, halves first;
//! - make payload bytes zeros, runs first.
//!
//! Runs before single items is what lets a stream of 65,537 frames shrink in a few hundred
//! runs, and shortening instead of removing is what keeps the frame count that matters: a
//! decoder that fails at frame 257 shrinks to 257 empty frames, not to fewer. A candidate is
//! built only when it is tried.
//!
//! Cuts follow the bytes they were made next to: removing or shortening a frame moves the cuts
//! after it and drops the ones that fell inside the removed bytes, so a "cut inside the header"
//! stays inside the header.

use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use crate::case::{Case, Stream};
use crate::framing::user::TailEnd;
use crate::framing::{At, ErrorClass};
use crate::oracle::{Failure, FailureKind, Verdict};
use crate::schedule::Schedule;

/// Messages longer than this are shortened by bisection on their length; shorter ones by
/// halves and single bytes, round after round.
const BISECT_FROM: usize = 64;

/// The outcome of shrinking.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smallest case found that fails the same way.
    pub case: Case,
    /// Its failure.
    pub failure: Failure,
    /// How many runs the search took.
    pub runs: usize,
}

/// Shrinks `case`, which failed with `failure`, running candidates through `run`, for at most
/// `limit` runs and until `deadline`.
pub fn shrink(
    case: &Case,
    failure: &Failure,
    limit: usize,
    deadline: Instant,
    run: impl FnMut(&Case) -> Verdict,
) -> Shrunk {
    let mut s = Shrinker {
        best: Shrunk {
            case: case.clone(),
            failure: failure.clone(),
            runs: 0,
        },
        kind: failure.kind,
        limit,
        deadline,
        run,
    };
    loop {
        let before = s.best.case.clone();
        s.remove_messages();
        s.trim_tail();
        s.shorten_messages();
        s.remove_cuts();
        s.zero_payloads();
        if s.spent() || s.best.case == before {
            break;
        }
    }
    s.best
}

/// One change to a case's messages, tail or cuts.
enum Edit {
    /// Remove these messages.
    Remove(Range<usize>),
    /// Cut each of these messages to at most this many bytes.
    Shorten(Range<usize>, usize),
    /// Make these messages' bytes zeros.
    Zero(Range<usize>),
    /// Keep this many bytes of the tail.
    Tail(usize),
    /// Remove these cuts (indices into the cut list).
    Cuts(Range<usize>),
}

struct Shrinker<R> {
    best: Shrunk,
    kind: FailureKind,
    limit: usize,
    deadline: Instant,
    run: R,
}

impl<R: FnMut(&Case) -> Verdict> Shrinker<R> {
    fn spent(&self) -> bool {
        self.best.runs >= self.limit || Instant::now() >= self.deadline
    }

    fn messages(&self) -> usize {
        self.best.case.stream.messages().len()
    }

    /// Tries `edit` on the best case; keeps it if it still fails the same way.
    fn try_edit(&mut self, edit: Edit) -> bool {
        if self.spent() {
            return false;
        }
        let Some(cand) = apply(&self.best.case, &edit) else {
            return false;
        };
        self.best.runs += 1;
        match (self.run)(&cand) {
            Verdict::Fail(f) if f.kind == self.kind => {
                self.best.case = cand;
                self.best.failure = f;
                true
            }
            _ => false,
        }
    }

    /// Runs of `size` items from the start, halving the size down to 1; an edit that works is
    /// tried again at the same place (on the items that moved there).
    fn by_runs(
        &mut self,
        count: impl Fn(&Self) -> usize,
        edit: impl Fn(Range<usize>) -> Edit,
        stays: bool,
    ) {
        let mut size = count(self).div_ceil(2).max(1);
        loop {
            let mut i = 0;
            while i < count(self) && !self.spent() {
                let end = (i + size).min(count(self));
                if !(self.try_edit(edit(i..end)) && stays) {
                    i += size;
                }
            }
            if size == 1 || self.spent() {
                return;
            }
            size = size.div_ceil(2);
        }
    }

    fn remove_messages(&mut self) {
        self.by_runs(|s| s.messages(), Edit::Remove, true);
    }

    fn trim_tail(&mut self) {
        let len = self.best.case.stream.tail().len();
        for keep in [0, len / 2, len.saturating_sub(1)] {
            if keep < self.best.case.stream.tail().len() {
                self.try_edit(Edit::Tail(keep));
            }
        }
    }

    fn shorten_messages(&mut self) {
        for to in [0, 1] {
            self.by_runs(|s| s.messages(), |r| Edit::Shorten(r, to), false);
        }
        let mut i = 0;
        while i < self.messages() && !self.spent() {
            let len = self.best.case.stream.messages()[i].len();
            // One byte less first: a message already at its shortest failing length (one byte
            // past a limit, after an earlier round) costs one run, not a bisection.
            if len > BISECT_FROM && self.try_edit(Edit::Shorten(i..i + 1, len - 1)) {
                // The shortest length that still fails, by bisection: a frame past a limit
                // shrinks to one byte past it, not to wherever halving stopped. (Lengths 0 and
                // 1 were tried by the runs above.)
                let (mut pass, mut fail) = (1, len - 1);
                while fail - pass > 1 && !self.spent() {
                    let mid = pass + (fail - pass) / 2;
                    if self.try_edit(Edit::Shorten(i..i + 1, mid)) {
                        fail = mid;
                    } else {
                        pass = mid;
                    }
                }
            } else if len <= BISECT_FROM {
                for to in [len / 2, len.saturating_sub(1)] {
                    if to < self.best.case.stream.messages()[i].len() {
                        self.try_edit(Edit::Shorten(i..i + 1, to));
                    }
                }
            }
            i += 1;
        }
    }

    fn remove_cuts(&mut self) {
        self.by_runs(|s| s.best.case.schedule.cuts().len(), Edit::Cuts, true);
    }

    fn zero_payloads(&mut self) {
        self.by_runs(|s| s.messages(), Edit::Zero, false);
    }
}

/// The case `edit` makes of `case`, or `None` if it changes nothing or cannot be encoded.
fn apply(case: &Case, edit: &Edit) -> Option<Case> {
    let stream = &case.stream;
    let framing = stream.framing();
    let msgs = stream.messages();
    let mut tail = stream.tail().to_vec();
    let mut tail_end = stream.tail_end().cloned();
    let mut cuts = case.schedule.cuts().to_vec();
    // The new messages, `None` where one is removed.
    let mut new: Vec<Option<Vec<u8>>> = msgs.iter().cloned().map(Some).collect();
    let mut changed = false;
    match edit {
        Edit::Remove(r) => {
            for m in &mut new[r.clone()] {
                *m = None;
            }
            changed = !r.is_empty();
        }
        Edit::Shorten(r, to) => {
            for m in new[r.clone()].iter_mut().flatten() {
                if m.len() > *to {
                    m.truncate(*to);
                    changed = true;
                }
            }
        }
        Edit::Zero(r) => {
            for m in new[r.clone()].iter_mut().flatten() {
                if m.iter().any(|&b| b != 0) {
                    m.fill(0);
                    changed = true;
                }
            }
        }
        Edit::Tail(keep) => {
            if stream.is_explicit() {
                // What the shorter tail is: nothing (a clean end), a frame still cut short,
                // or the same rejection if the byte it is due at stays. Anything else is not
                // known.
                tail_end = match tail_end {
                    _ if *keep == 0 => None,
                    Some(t) if explicit_tail_keeps(&t, *keep) => Some(t),
                    _ => return None,
                };
            }
            let base = stream.bytes().len() - tail.len();
            changed = *keep < tail.len();
            tail.truncate(*keep);
            cuts.retain(|&c| c < base + keep);
        }
        Edit::Cuts(r) => {
            changed = !r.is_empty();
            cuts.drain(r.clone());
        }
    }
    if !changed {
        return None;
    }
    let lenient = framing.with_empty_frames(true);
    let kept: Vec<Vec<u8>> = new.iter().flatten().cloned().collect();
    let name = if stream.name().ends_with(" (shrunk)") {
        stream.name().to_string()
    } else {
        format!("{} (shrunk)", stream.name())
    };
    if stream.is_explicit() {
        return apply_explicit(case, edit, &new, kept, tail, tail_end, cuts, name);
    }
    let old_spans = lenient.encode(msgs).ok()?.frames;
    let cuts = if matches!(edit, Edit::Remove(_) | Edit::Shorten(..)) {
        // Where each old frame now starts, and how long it is (0 if removed).
        let mut placed = Vec::with_capacity(new.len());
        let mut at = 0;
        for m in &new {
            let len = m.as_ref().map_or(0, |m| {
                framing.header_len(m.len() as u64) + m.len() + framing.trailer_len()
            });
            placed.push((at, len));
            at += len;
        }
        let old_end = old_spans.last().map_or(0, |s| s.end);
        cuts.into_iter()
            .filter_map(|c| {
                if c >= old_end {
                    return Some(c - old_end + at);
                }
                let i = old_spans.partition_point(|s| s.end <= c);
                let (start, len) = placed[i];
                let o = c - old_spans[i].start;
                (o == 0 || o < len).then_some(start + o)
            })
            .collect()
    } else {
        cuts
    };
    let s = Stream::with_tail_lenient(framing, name, kept, tail).ok()?;
    Some(finish(s, cuts))
}

/// The case of the shrunk stream `s` cut at `cuts`, its schedule named by the cuts.
fn finish(s: Stream, cuts: Vec<usize>) -> Case {
    let len = s.bytes().len();
    let schedule = Schedule::from_cuts(cuts, len);
    // The shrunk cuts are no longer the named schedule's: name them by themselves.
    let schedule_name = if schedule.cuts().is_empty() {
        "whole".to_string()
    } else if schedule.cuts().len() <= 8 {
        format!("cuts@{schedule}")
    } else {
        format!("{} cuts", schedule.cuts().len())
    };
    Case::new(Arc::new(s), schedule_name, schedule)
}

/// Whether keeping `keep` bytes (more than none) of a tail that ends as `t` ends the same way:
/// a frame cut short stays cut short, and a rejection due at a byte that is kept stays due.
fn explicit_tail_keeps(t: &TailEnd, keep: usize) -> bool {
    match t.at {
        At::Eof => t.class == ErrorClass::TruncatedAtEof,
        At::Byte(k) => k < keep,
    }
}

/// [`apply`] for an explicit stream (a user framing's): the messages are encoded again by
/// the framing's encoder, the tail keeps its end, and the cuts follow the bytes they were made
/// next to, by the frames of the stream before and after.
#[allow(clippy::too_many_arguments)]
fn apply_explicit(
    case: &Case,
    edit: &Edit,
    new: &[Option<Vec<u8>>],
    kept: Vec<Vec<u8>>,
    tail: Vec<u8>,
    tail_end: Option<TailEnd>,
    cuts: Vec<usize>,
    name: String,
) -> Option<Case> {
    let stream = &case.stream;
    let framing = stream.framing();
    let kept: Vec<Vec<u8>> = kept.into_iter().map(|m| framing.conform(m)).collect();
    let s = match Stream::with_tail_end(framing, name.clone(), kept, tail, tail_end) {
        Ok(s) => s,
        // Dropping cuts needs no encoder (an opaque framing of a vectors file has none): the
        // stream stays as it is.
        Err(_) if matches!(edit, Edit::Cuts(_)) => {
            let (bytes, exp) = (stream.bytes().to_vec(), stream.expectation().clone());
            Stream::explicit(framing, name, bytes, exp)
                .ok()?
                .with_kind(stream.kind())
        }
        Err(_) => return None,
    };
    if matches!(edit, Edit::Shorten(..)) && s.bytes().len() >= stream.bytes().len() {
        // Conforming made the message no shorter: no progress.
        return None;
    }
    if matches!(edit, Edit::Zero(_)) && s.bytes() == stream.bytes() {
        return None;
    }
    let cuts = if matches!(edit, Edit::Remove(_) | Edit::Shorten(..)) {
        let n = stream.messages().len();
        let old: Vec<std::ops::Range<usize>> = stream.expectation().frames[..n]
            .iter()
            .map(|f| f.start..f.last_byte + 1)
            .collect();
        let mut now = s.expectation().frames.iter();
        let mut placed = Vec::with_capacity(new.len());
        let mut at = 0;
        for m in new {
            let len = match m {
                Some(_) => now.next().map_or(0, |f| f.last_byte + 1 - f.start),
                None => 0,
            };
            placed.push((at, len));
            at += len;
        }
        let old_end = old.last().map_or(0, |r| r.end);
        cuts.into_iter()
            .filter_map(|c| {
                if c >= old_end {
                    return Some(c - old_end + at);
                }
                let i = old.partition_point(|r| r.end <= c);
                let (start, len) = placed[i];
                let o = c - old[i].start;
                (o == 0 || o < len).then_some(start + o)
            })
            .collect()
    } else {
        cuts
    };
    Some(finish(s, cuts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::Framing;
    use crate::oracle::judge;
    use crate::zoo;

    /// A decoder with a maximum of 1,000 under a framing of 100,000: a rejected frame of 50,000
    /// bytes shrinks to 1,001 exactly, by bisection, in a few dozen runs; shrunk again, it
    /// costs one run to learn it is at its bound.
    #[test]
    fn a_frame_past_a_limit_shrinks_to_one_byte_past_it() {
        let framing: Framing = "u32be:max=100000".parse().unwrap();
        let stream = Arc::new(Stream::from_messages(framing, "t", vec![vec![7; 50_000]]).unwrap());
        let case = Case::new(stream, "whole", Schedule::whole());
        let small = framing.with_max_frame_len(1000);
        let run = |c: &Case| judge(&mut crate::ReferenceDecoder::new(small), c);
        let Verdict::Fail(f) = run(&case) else {
            panic!("a frame over the decoder's maximum must fail")
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let s = shrink(&case, &f, 1000, deadline, run);
        assert_eq!(s.failure.kind, FailureKind::FalseRejection);
        assert_eq!(s.case.stream.messages()[0].len(), 1001);
        assert!(s.runs <= 40, "{} runs", s.runs);
        let again = shrink(&s.case, &s.failure, 1000, deadline, run);
        assert_eq!(again.case.stream.messages()[0].len(), 1001);
        assert!(again.runs <= 6, "{} runs at the bound", again.runs);
    }

    #[test]
    fn shrinks_a_stuck_frame_to_two_tiny_frames_in_one_read() {
        let framing: Framing = "u32be:max=100".parse().unwrap();
        let msgs = vec![
            b"hello".to_vec(),
            b"big world".to_vec(),
            b"x".to_vec(),
            vec![],
        ];
        let stream = Arc::new(Stream::from_messages(framing, "t", msgs).unwrap());
        let len = stream.bytes().len();
        let case = Case::new(stream, "fixed-7", Schedule::fixed(7, len));
        let entry = zoo::by_name("no-drain-loop").unwrap();
        let run = |c: &Case| judge(&mut entry.build(framing), c);
        let Verdict::Fail(f) = run(&case) else {
            panic!("no-drain-loop passed")
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let s = shrink(&case, &f, 1000, deadline, run);
        assert_eq!(s.failure.kind, FailureKind::StuckFrame);
        // The smallest stuck frame: two empty frames in one read.
        assert_eq!(s.case.stream.messages(), [Vec::<u8>::new(), Vec::new()]);
        assert!(s.case.schedule.cuts().is_empty(), "{:?}", s.case.schedule);
    }

    fn shrink_bulk(decoder: &str, stream: &str, schedule: &str) -> Shrunk {
        let framing: Framing = "u32be:max=70000".parse().unwrap();
        let case = crate::suite::bulk_cases(framing, 1)
            .into_iter()
            .find(|c| c.stream.name() == stream && c.schedule_name == schedule)
            .unwrap();
        let entry = zoo::by_name(decoder).unwrap();
        let run = |c: &Case| judge(&mut entry.build(framing), c);
        let Verdict::Fail(f) = run(&case) else {
            panic!("{decoder} passed {}", case.label())
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        shrink(&case, &f, 2000, deadline, run)
    }

    /// The counter wraps at frame 256: removing any frame from the minimal case makes it
    /// pass, so it keeps 257 frames, each made empty.
    #[test]
    fn a_bug_at_frame_257_shrinks_to_257_empty_frames() {
        // Frames that differ show the loss itself.
        let s = shrink_bulk("counter-wrap", "counting-x257", "whole");
        assert_eq!(
            s.failure.kind,
            FailureKind::MissingFrame,
            "{:?}",
            s.failure.detail
        );
        assert_eq!(s.case.stream.messages(), vec![Vec::<u8>::new(); 257]);
        assert!(s.case.schedule.cuts().is_empty(), "{}", s.case.label());
        // With frames all alike, the frame after the dropped one stands in for it, and the
        // last frame of a read comes out a read late: one frame more, and a cut before it.
        let s = shrink_bulk("counter-wrap", "empty-x65537", "fixed-4096");
        assert_eq!(
            s.failure.kind,
            FailureKind::StuckFrame,
            "{:?}",
            s.failure.detail
        );
        assert_eq!(s.case.stream.messages(), vec![Vec::<u8>::new(); 258]);
        assert_eq!(s.case.schedule.cuts().len(), 1, "{}", s.case.label());
        assert!(s.runs < 2000, "{} runs", s.runs);
    }

    /// 129 frames in one read is the least that a limit of 128 frames per read holds back.
    #[test]
    fn a_batch_limit_shrinks_to_one_read_of_one_frame_more() {
        let s = shrink_bulk("batch-limit", "wraps-260K", "whole");
        assert_eq!(s.failure.kind, FailureKind::StuckFrame, "{:?}", s.failure);
        assert_eq!(
            s.case.stream.messages(),
            vec![Vec::<u8>::new(); zoo::BATCH_LIMIT + 1]
        );
        assert!(s.case.schedule.cuts().is_empty(), "{:?}", s.case.schedule);
    }

    #[test]
    fn cuts_inside_a_header_stay_inside_it() {
        let framing: Framing = "u32be".parse().unwrap();
        let msgs = vec![b"abcdef".to_vec(), b"gh".to_vec()];
        let stream = Arc::new(Stream::from_messages(framing, "t", msgs).unwrap());
        // Cut inside the second header (starts at 10).
        let case = Case::new(stream, "c", Schedule::from_cuts(vec![12], 16));
        // Removing the first message moves the cut to 2: still inside a header.
        let c = apply(&case, &Edit::Remove(0..1)).unwrap();
        assert_eq!(c.stream.messages().len(), 1);
        assert_eq!(c.schedule.cuts(), [2]);
    }
}
