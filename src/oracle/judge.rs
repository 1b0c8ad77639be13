//! What the oracle knows between two calls of a case: the expectation seen as calls (which
//! call each frame is due from, between which calls a rejection is right) and how far the
//! decoder has got (the next frame it owes, the first frame it let become overdue, the
//! segment it is in after recovered errors).
//!
//! The clause steps read a [`Judge`] and answer with a [`Breach`] when the decoder broke their
//! clause; the driver in [`super`] moves the judge on after each call. Keeping the state in one
//! place is what lets each step be a small function of its clause alone.

use crate::case::Case;
use crate::framing::{End, Expectation, ExpectedFrame, Framing};

use super::verdict::{Call, FailureKind};
use super::{call_of, plural, reject_window_of};

/// A broken clause: the failure's kind and detail, before the driver adds the call and the
/// transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Breach {
    /// The failure kind.
    pub(super) kind: FailureKind,
    /// What went wrong, in one or two sentences.
    pub(super) detail: String,
}

/// What a clause step answers: `Ok(())` when its clause holds for this call.
pub(super) type Step = Result<(), Breach>;

/// Fails a step with `kind` and `detail`.
pub(super) fn breach(kind: FailureKind, detail: String) -> Step {
    Err(Breach { kind, detail })
}

/// The expectation of one case as calls, and the decoder's progress through it.
pub(super) struct Judge<'a> {
    case: &'a Case,
    /// The stream's framing.
    pub(super) framing: Framing,
    /// The stream's bytes.
    pub(super) stream: &'a [u8],
    /// The number of reads; call `n` is EOF.
    pub(super) n: usize,
    /// The expectation, and the ones it resumes into after errors the decoder recovers from
    /// (`lines:resync`): one segment each, their frames numbered together.
    segments: Vec<&'a Expectation>,
    /// The frames of every segment, in order.
    pub(super) frames: Vec<&'a ExpectedFrame>,
    /// For each segment, the number of frames up to its end.
    seg_ends: Vec<usize>,
    /// The segment the decoder is in.
    pub(super) seg: usize,
    /// The number of frames up to the end of the current segment.
    pub(super) seg_end: usize,
    /// How the current segment ends.
    pub(super) end: &'a End,
    /// For each frame, the call it is due from.
    pub(super) due: Vec<usize>,
    /// The calls between which a rejection of the current segment is right, if it has one.
    pub(super) window: Option<(usize, usize)>,
    /// The next frame the decoder owes.
    pub(super) next: usize,
    /// The first frame that was due from a call that returned `Ok` without it.
    pub(super) overdue: Option<usize>,
}

impl<'a> Judge<'a> {
    /// The judge of `case` cut into `n` reads, before the first call.
    pub(super) fn new(case: &'a Case, n: usize) -> Judge<'a> {
        let segments = case.stream.expectation().segments();
        let frames: Vec<&ExpectedFrame> = segments.iter().flat_map(|s| &s.frames).collect();
        let seg_ends: Vec<usize> = segments
            .iter()
            .scan(0, |k, s| {
                *k += s.frames.len();
                Some(*k)
            })
            .collect();
        let end = &segments[0].end;
        let due = due_calls(case, n, &frames);
        Judge {
            case,
            framing: case.stream.framing(),
            stream: case.stream.bytes(),
            n,
            seg_end: seg_ends[0],
            window: reject_window_of(case, n, end),
            segments,
            frames,
            seg_ends,
            seg: 0,
            end,
            due,
            next: 0,
            overdue: None,
        }
    }

    /// How many frames, from the next one the decoder owes to the end of the current
    /// segment, are due by call `c`: what a decoder keeping the contract pushes in it.
    pub(super) fn due_by(&self, c: usize) -> usize {
        let rest = &self.due[self.next.min(self.seg_end)..self.seg_end];
        rest.partition_point(|&d| d <= c)
    }

    /// Call `c`: a chunk, or EOF.
    pub(super) fn call_at(&self, c: usize) -> Call {
        if c < self.n {
            Call::Chunk(c)
        } else {
            Call::Eof
        }
    }

    /// The payload of expected frame `i`.
    pub(super) fn payload(&self, i: usize) -> &'a [u8] {
        &self.stream[self.frames[i].payload.clone()]
    }

    /// Whether the current segment is the last.
    pub(super) fn in_last_segment(&self) -> bool {
        self.seg + 1 == self.segments.len()
    }

    /// Moves on to the next segment after a recovered error reported at call `c`.
    pub(super) fn resume_after(&mut self, c: usize) {
        let n = self.n;
        self.seg += 1;
        self.seg_end = self.seg_ends[self.seg];
        self.end = &self.segments[self.seg].end;
        self.window =
            reject_window_of(self.case, n, self.end).map(|(a, b)| (a.max(c + 1), b.max(c + 1)));
        for d in &mut self.due[self.next..self.seg_end] {
            *d = (*d).max(c + 1).min(n);
        }
        if let Some((a, b)) = self.window.as_mut() {
            *a = (*a).min(n);
            *b = (*b).min(n);
        }
        self.overdue = None;
    }

    /// `the frame at offset 7 is oversized: …`, or nothing for a clean end.
    pub(super) fn describe_end(&self) -> String {
        match self.end {
            End::Clean => String::new(),
            End::Reject {
                class, start, why, ..
            } => format!("the frame at offset {start} is {}: {why}", class.name()),
        }
    }

    /// "complete after chunk 3", or for an unterminated last line (or a frame after an error
    /// in the last read) "due at EOF".
    pub(super) fn when_due(&self, c: usize) -> String {
        if c < self.n {
            format!("complete after chunk {c}")
        } else {
            "due at EOF".to_string()
        }
    }

    /// `frame #2 (3 bytes at offset 9)`.
    pub(super) fn frame_desc(&self, i: usize) -> String {
        let f = &self.frames[i];
        format!(
            "frame #{i} ({} at offset {})",
            plural(f.payload.len(), "byte"),
            f.start
        )
    }
}

/// The call each frame is due from: [`call_of`] for each, in one pass over the cuts while the
/// frames' last bytes go up (they do: frames are in stream order), rather than a search each.
fn due_calls(case: &Case, n: usize, frames: &[&ExpectedFrame]) -> Vec<usize> {
    use crate::framing::At;
    let cuts = case.schedule.cuts();
    let mut k = 0;
    let mut last = 0;
    frames
        .iter()
        .map(|f| match f.due() {
            At::Byte(b) if b >= last => {
                last = b;
                while k < cuts.len() && cuts[k] <= b {
                    k += 1;
                }
                k
            }
            at => call_of(case, n, at),
        })
        .collect()
}
