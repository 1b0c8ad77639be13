//! Minimal failing cases.
//!
//! When a case fails, [`shrink`] looks for the smallest case that still fails *the same way*
//! (the same [`FailureKind`]): it removes whole messages, cuts the adversarial tail short,
//! shortens payloads (re-encoding their headers), and removes cuts from the schedule, keeping
//! each change that still fails, until no change does or the run budget is spent.
//!
//! Cuts follow the bytes they were made next to: removing or shortening a frame moves the cuts
//! after it and drops the ones that fell inside the removed bytes, so a "cut inside the header"
//! stays inside the header.

use std::sync::Arc;

use crate::case::{Case, Stream};
use crate::oracle::{Failure, FailureKind, Verdict};
use crate::schedule::Schedule;

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
    deadline: std::time::Instant,
    mut run: impl FnMut(&Case) -> Verdict,
) -> Shrunk {
    let kind: FailureKind = failure.kind;
    let mut best = Shrunk {
        case: case.clone(),
        failure: failure.clone(),
        runs: 0,
    };
    'outer: loop {
        for cand in candidates(&best.case) {
            if best.runs >= limit || std::time::Instant::now() >= deadline {
                break 'outer;
            }
            best.runs += 1;
            if let Verdict::Fail(f) = run(&cand) {
                if f.kind == kind {
                    best.case = cand;
                    best.failure = f;
                    continue 'outer;
                }
            }
        }
        break;
    }
    best
}

/// Every one-step simplification of `case`, the largest steps first.
fn candidates(case: &Case) -> Vec<Case> {
    let stream = &case.stream;
    let framing = stream.framing();
    let msgs = stream.messages();
    let tail = stream.tail();
    let cuts = case.schedule.cuts();
    let spans = framing.encode(msgs).map(|e| e.frames).unwrap_or_default();
    let mut out = Vec::new();
    let name = if stream.name().ends_with(" (shrunk)") {
        stream.name().to_string()
    } else {
        format!("{} (shrunk)", stream.name())
    };

    let mut with = |messages: Vec<Vec<u8>>, tail: Vec<u8>, cuts: Vec<usize>| {
        if let Ok(s) = Stream::with_tail_lenient(framing, name.clone(), messages, tail) {
            let len = s.bytes().len();
            let schedule = Schedule::from_cuts(cuts, len);
            // The shrunk cuts are no longer the named schedule's: name them by themselves.
            let schedule_name = if schedule.cuts().is_empty() {
                "whole".to_string()
            } else {
                format!("cuts@{schedule}")
            };
            out.push(Case::new(Arc::new(s), schedule_name, schedule));
        }
    };
    // A frame [s, e) replaced by one of length `new_len`.
    let remap = |s: usize, e: usize, new_len: usize| -> Vec<usize> {
        let new_e = s + new_len;
        cuts.iter()
            .filter_map(|&c| {
                if c <= s {
                    Some(c)
                } else if c < e {
                    (c < new_e).then_some(c)
                } else {
                    Some(c - e + new_e)
                }
            })
            .collect()
    };

    for (i, span) in spans.iter().enumerate() {
        let mut m = msgs.to_vec();
        m.remove(i);
        with(m, tail.to_vec(), remap(span.start, span.end, 0));
    }
    if !tail.is_empty() {
        let base = stream.bytes().len() - tail.len();
        for keep in [0, tail.len() / 2, tail.len() - 1] {
            let kept: Vec<usize> = cuts.iter().copied().filter(|&c| c < base + keep).collect();
            with(msgs.to_vec(), tail[..keep].to_vec(), kept);
        }
    }
    for (i, span) in spans.iter().enumerate() {
        let len = msgs[i].len();
        let mut targets = vec![0, len / 2, len.saturating_sub(1)];
        targets.dedup();
        for new_len in targets.into_iter().filter(|&n| n < len) {
            let mut m = msgs.to_vec();
            m[i].truncate(new_len);
            // The header may change size with the length (a varint).
            let header = framing.header_len(new_len as u64);
            with(
                m,
                tail.to_vec(),
                remap(span.start, span.end, header + new_len),
            );
        }
    }
    for j in 0..cuts.len() {
        let mut c = cuts.to_vec();
        c.remove(j);
        with(msgs.to_vec(), tail.to_vec(), c);
    }
    // Make payload bytes plainer (zeros) when that still fails the same way.
    for (i, m) in msgs.iter().enumerate() {
        if m.iter().any(|&b| b != 0) {
            let mut ms = msgs.to_vec();
            ms[i] = vec![0; m.len()];
            with(ms, tail.to_vec(), cuts.to_vec());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::Framing;
    use crate::oracle::judge;
    use crate::zoo;

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

    #[test]
    fn cuts_inside_a_header_stay_inside_it() {
        let framing: Framing = "u32be".parse().unwrap();
        let msgs = vec![b"abcdef".to_vec(), b"gh".to_vec()];
        let stream = Arc::new(Stream::from_messages(framing, "t", msgs).unwrap());
        // Cut inside the second header (starts at 10).
        let case = Case::new(stream, "c", Schedule::from_cuts(vec![12], 16));
        let cands = candidates(&case);
        // Removing the first message moves the cut to 2: still inside a header.
        assert!(cands
            .iter()
            .any(|c| c.stream.messages().len() == 1 && c.schedule.cuts() == [2]));
    }
}
