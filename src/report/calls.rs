//! A failed case call by call: what each call into the decoder was expected to emit and how it
//! was expected to return, beside what it did. The text and HTML renderings both read these
//! rows, so they show the same calls.
//!
//! The rows run from the first call to the later of the end the specification gives (EOF for
//! a valid stream, the rejection for an invalid one) and the last call the decoder was given,
//! which is the failing one. After an error the decoder recovers from (`lines:resync`) the
//! expectation goes on segment by segment ([`Expectation::segments`]): the frames of the next
//! segment are due from the call after the one that reported the error, as the oracle judges
//! them, so a panic three calls after a recovered error has its row, with what was due there.
//!
//! ```
//! use framecheck::report::calls::{rows, Verdict};
//! use framecheck::{Case, Framing, Schedule, Stream};
//! use std::sync::Arc;
//!
//! let framing: Framing = "u8:max=16".parse().unwrap();
//! let stream = Stream::from_messages(framing, "two", vec![b"ab".to_vec(), b"c".to_vec()]).unwrap();
//! let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
//! let rows = rows(&case, &[]);
//! // One read, then EOF: both frames are due from the read.
//! assert_eq!(rows.len(), 2);
//! let expected = rows[0].expected.as_ref().unwrap();
//! assert_eq!((expected.frames.len(), expected.verdict), (2, Verdict::Ok));
//! assert!(rows[1].actual.is_none());
//! ```
//!
//! Texts from the decoder (its rejection, panic and fault messages) are written through
//! [`visible`], as both renderings print them on one line: a control character in them
//! (an ANSI escape sequence that recolours a terminal, a carriage return that overwrites the
//! line) shows as an escape such as `\x1b`, and does nothing.
//!
//! [`Expectation::segments`]: crate::framing::Expectation::segments

use std::borrow::Cow;
use std::fmt::Write;
use std::ops::Range;

use crate::case::Case;
use crate::framing::End;
use crate::oracle::{call_of, Call, CallOutcome, CallRecord};

/// How a call was expected to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `Ok`.
    Ok,
    /// `Ok`, or a rejection: the bytes so far already prove the stream bad, but the header
    /// that makes it certain is not complete yet.
    OkOrRejected,
    /// A rejection; `from` is the earlier call from which one was already right, if any.
    Rejected {
        /// The first call (a chunk index) from which a rejection was right, when earlier.
        from: Option<usize>,
    },
}

/// What one call was expected to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The payload ranges (in the stream) of the frames it must emit, in order.
    pub frames: Vec<Range<usize>>,
    /// How it must return.
    pub verdict: Verdict,
}

/// One call: expected against actual.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// Which call.
    pub call: Call,
    /// What it was expected to do; `None` when no call was expected (the stream was rejected
    /// before, and nothing is left to recover into).
    pub expected: Option<Expected>,
    /// What it did; `None` when the decoder was not given this call.
    pub actual: Option<&'a CallRecord>,
}

impl Row<'_> {
    /// The failing call: the last one the decoder was given, when it did not return `Ok` or
    /// the case failed there.
    pub fn is_last_actual(&self, calls: &[CallRecord]) -> bool {
        match (self.actual, calls.last()) {
            (Some(a), Some(l)) => std::ptr::eq(a, l),
            _ => false,
        }
    }
}

/// The rows of `case` with the decoder's `calls` (a failure's transcript; empty for the
/// expectation alone): every call up to and including the last one made, and on to the end
/// the specification gives.
pub fn rows<'a>(case: &Case, calls: &'a [CallRecord]) -> Vec<Row<'a>> {
    let stream = case.stream.bytes();
    let n = case.schedule.ranges(stream.len()).len();
    let segments = case.stream.expectation().segments();
    let mut rows = Vec::with_capacity(n + 1);
    let mut seg = 0;
    // The first call the current segment's frames and rejection can be due at.
    let mut from = 0;
    let mut next_frame = 0;
    let mut done = false;
    let mut c = 0;
    for p in 0.. {
        let actual = calls.get(p);
        if done && actual.is_none() {
            break;
        }
        let call = match actual {
            Some(rec) => rec.call,
            None if c < n => Call::Chunk(c),
            None => Call::Eof,
        };
        let c_now = match call {
            Call::Chunk(i) => i,
            Call::Eof => n,
        };
        let expected = if done {
            None
        } else {
            let s = segments[seg];
            let shift = |x: usize| x.max(from).min(n);
            let window = match s.end {
                End::Clean => None,
                End::Reject { earliest, at, .. } => Some((
                    shift(call_of(case, n, earliest)),
                    shift(call_of(case, n, at)),
                )),
            };
            let mut frames = Vec::new();
            while let Some(f) = s.frames.get(next_frame) {
                if shift(call_of(case, n, f.due())) > c_now {
                    break;
                }
                frames.push(f.payload.clone());
                next_frame += 1;
            }
            let verdict = match window {
                Some((a, b)) if c_now >= b => Verdict::Rejected {
                    from: (a < c_now).then_some(a),
                },
                Some((a, _)) if c_now >= a => Verdict::OkOrRejected,
                _ => Verdict::Ok,
            };
            let rejected = matches!(actual.map(|r| &r.outcome), Some(CallOutcome::Rejected(_)));
            let ends = match window {
                Some((_, b)) => rejected || c_now >= b,
                None => c_now >= n,
            };
            if ends {
                if window.is_some() && seg + 1 < segments.len() {
                    seg += 1;
                    next_frame = 0;
                    from = c_now + 1;
                } else {
                    done = true;
                }
            }
            Some(Expected { frames, verdict })
        };
        rows.push(Row {
            call,
            expected,
            actual,
        });
        c = (c_now + 1).min(n);
    }
    rows
}

/// How a call returned, in words: `ok`, `rejected: MESSAGE`, `panicked: MESSAGE`; each
/// message [`visible`].
pub fn outcome_text(outcome: &CallOutcome) -> String {
    match outcome {
        CallOutcome::Ok => "ok".to_string(),
        CallOutcome::Rejected(m) => format!("rejected: {}", visible(m)),
        CallOutcome::Panicked(m) => format!("panicked: {}", visible(m)),
        CallOutcome::Fault(k, m) => format!("{k}: {}", visible(m)),
        CallOutcome::Hung => "did not return".to_string(),
    }
}

/// How a call was expected to return, in words: `ok`, `rejected (or from chunk 2)`.
pub fn verdict_text(verdict: Verdict) -> String {
    match verdict {
        Verdict::Ok => "ok".to_string(),
        Verdict::OkOrRejected => "ok or rejected".to_string(),
        Verdict::Rejected { from: None } => "rejected".to_string(),
        Verdict::Rejected { from: Some(a) } => format!("rejected (or from chunk {a})"),
    }
}

/// `text` fit for one line of a terminal or a page: every control character (C0, DEL and C1)
/// written as an escape, `\n`, `\t` and `\r` by name, the others as `\x1b` (below 0x80) or
/// `\u{9b}`, and so are the Unicode bidirectional controls (`\u{202e}`); everything else as it
/// is. A decoder's message is hostile input: an escape sequence in it must not recolour, move or
/// clear the reader's terminal, nor a right-to-left override reorder what the report says.
///
/// ```
/// use framecheck::report::calls::visible;
///
/// assert_eq!(visible("\x1b[31mred\x1b[0m\r\n"), r"\x1b[31mred\x1b[0m\r\n");
/// assert_eq!(visible("\u{9b}2J ok é"), r"\u{9b}2J ok é");
/// // A right-to-left override would show "ok" for "ko"; it is shown as an escape instead.
/// assert_eq!(visible("\u{202e}ko"), r"\u{202e}ko");
/// ```
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() || is_bidi_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The Unicode bidirectional controls (embeddings, overrides, isolates, and the marks), which
/// reorder the text shown after them: a message could make a report read other than it is.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trojan-source style: embeddings, overrides, isolates and the direction marks are
    /// escapes; other format characters (a zero-width joiner) and right-to-left letters are not.
    #[test]
    fn every_bidirectional_control_is_written_as_an_escape() {
        let bidi = [
            0x61c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
        ]
        .into_iter()
        .chain(0x2066..=0x2069);
        for c in bidi {
            let c = char::from_u32(c).unwrap();
            let shown = visible(&format!("a{c}b")).into_owned();
            assert_eq!(shown, format!("a\\u{{{:x}}}b", u32::from(c)));
        }
        for kept in ["a\u{200d}b", "שלום", "مرحبا"] {
            assert_eq!(visible(kept), kept);
        }
    }

    #[test]
    fn every_control_character_is_written_as_an_escape_and_the_rest_as_it_is() {
        for c in (0u32..0x20).chain(0x7f..0xa0) {
            let c = char::from_u32(c).unwrap();
            let shown = visible(&format!("a{c}b")).into_owned();
            assert!(!shown.chars().any(char::is_control), "{c:?}: {shown:?}");
            assert!(
                shown.starts_with("a\\") && shown.ends_with('b'),
                "{shown:?}"
            );
        }
        assert_eq!(visible("\0\x07\x7f"), r"\x00\x07\x7f");
        assert_eq!(visible("tab\there"), r"tab\there");
        let plain = "EOF inside a frame (4 bytes buffered) — ünïcode \\ ok";
        assert!(matches!(visible(plain), Cow::Borrowed(p) if p == plain));
    }

    #[test]
    fn a_rejection_message_with_ansi_escapes_is_shown_escaped() {
        let outcome = CallOutcome::Rejected("\x1b[31mred\x1b[0m".into());
        assert_eq!(outcome_text(&outcome), r"rejected: \x1b[31mred\x1b[0m");
        let panic = CallOutcome::Panicked("line 1\nline 2".into());
        assert_eq!(outcome_text(&panic), r"panicked: line 1\nline 2");
    }
}
