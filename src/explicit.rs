//! Explicit expectations: what a stream must decode to, given with the stream rather than
//! read from its bytes.
//!
//! A built-in format's specification reads any stream ([`Framing::expect`]). A user framing
//! (`framing::user`) has only an encoder, and a vectors file written by hand states each
//! frame's range: their streams carry their [`Expectation`]. This module checks one against
//! its bytes ([`check`]), builds one from frames and a [`TailEnd`] ([`assemble`]), and writes
//! it as text for replay tokens ([`to_text`], [`from_text`]).
//!
//! # The text form
//! Frames in order, separated by commas, then `;` and how the stream ends:
//!
//! ```text
//! 4,3:1+1*2;clean                 a 4-byte frame that is all message, then two 3-byte
//!                                 frames whose message is 1 byte at offset 1
//! 2;malformed-header@5~3          one 2-byte frame, then a rejection due by byte 5, provable
//!                                 from byte 3
//! ;truncated-at-eof@eof           no frame, and a stream cut short
//! ```
//!
//! A frame is `L` (its length; the message is the whole frame) or `L:O+N` (the message is
//! `N` bytes at offset `O` inside it), and `X*K` repeats a frame `K` times, so that a stream
//! of 65,537 alike frames stays one short line. Frames lie back to back from byte 0; a
//! rejection starts where the last frame ends.
//!
//! ```
//! use framecheck::explicit::{from_text, to_text};
//!
//! let exp = from_text("4,3:1+1*2;clean", 10).unwrap();
//! assert_eq!(exp.frames[2].payload, 8..9);
//! assert_eq!(to_text(&exp), "4,3:1+1*2;clean");
//! ```

use crate::error::Error;
use crate::framing::user::TailEnd;
use crate::framing::{At, End, ErrorClass, Expectation, ExpectedFrame, Framing};

/// Checks that `exp` describes `bytes` the way a specification does: frames back to back from
/// byte 0, not empty, each message inside its frame, each due at its frame's last byte; after
/// them, either the end of the stream (a clean end) or a rejection that starts there and is due
/// at one of the stream's bytes (no earlier than it is provable) or at EOF. The reason, if not.
pub fn check(bytes: &[u8], exp: &Expectation) -> Result<(), String> {
    if !exp.resumed.is_empty() {
        return Err("an explicit expectation cannot resume after an error".into());
    }
    let mut pos = 0;
    for (i, f) in exp.frames.iter().enumerate() {
        let end = f.last_byte.saturating_add(1);
        if f.start != pos {
            return Err(format!(
                "frame {i} starts at byte {}, not at {pos} where the frame before it ends",
                f.start
            ));
        }
        if end <= f.start || end > bytes.len() {
            return Err(format!(
                "frame {i} ({}..{end}) is empty or past the {}-byte stream",
                f.start,
                bytes.len()
            ));
        }
        if f.payload.start < f.start || f.payload.end > end || f.payload.start > f.payload.end {
            return Err(format!(
                "frame {i}: its message {:?} is not inside the frame {}..{end}",
                f.payload, f.start
            ));
        }
        if f.at_eof {
            return Err(format!("frame {i}: a frame due at EOF cannot be explicit"));
        }
        pos = end;
    }
    match &exp.end {
        End::Clean if pos == bytes.len() => Ok(()),
        End::Clean => Err(format!(
            "the frames end at byte {pos}, but the stream is {} bytes and ends cleanly",
            bytes.len()
        )),
        End::Reject {
            start,
            at,
            earliest,
            ..
        } => {
            if *start != pos || pos >= bytes.len() {
                return Err(format!(
                    "the rejection starts at byte {start}, not at {pos} where the frames end \
                     (and before the stream's end, {})",
                    bytes.len()
                ));
            }
            let offset = |a: &At| match a {
                At::Byte(b) => *b,
                At::Eof => usize::MAX,
            };
            if let At::Byte(b) = at {
                if *b < pos || *b >= bytes.len() {
                    return Err(format!(
                        "the rejection is due at byte {b}, outside the bad bytes {pos}..{}",
                        bytes.len()
                    ));
                }
            }
            if offset(earliest) > offset(at) || offset(earliest) < pos {
                return Err(format!(
                    "the rejection is provable at {earliest:?}, after it is due ({at:?}) or \
                     before the bad bytes start ({pos})"
                ));
            }
            Ok(())
        }
    }
}

/// The expectation of `frames` followed by a tail of `tail_len` bytes that ends as `end`
/// says (`None`: no tail, a clean end). `split` is where the frames end.
pub fn assemble(
    frames: Vec<ExpectedFrame>,
    split: usize,
    tail_len: usize,
    end: Option<&TailEnd>,
) -> Result<Expectation, String> {
    let end = match (end, tail_len) {
        (None, 0) => End::Clean,
        (None, n) => {
            return Err(format!(
                "a {n}-byte tail needs to say how it ends the stream"
            ))
        }
        (Some(_), 0) => return Err("an end for an empty tail: the stream ends cleanly".into()),
        (Some(t), n) => {
            let abs = |a: At| match a {
                At::Byte(k) if k < n => Ok(At::Byte(split + k)),
                At::Byte(k) => Err(format!(
                    "the rejection is due at byte {k} of a {n}-byte tail"
                )),
                At::Eof => Ok(At::Eof),
            };
            End::Reject {
                class: t.class,
                start: split,
                at: abs(t.at)?,
                earliest: abs(t.earliest.unwrap_or(t.at))?,
                why: t.why.clone(),
            }
        }
    };
    Ok(Expectation {
        frames,
        end,
        resumed: Vec::new(),
    })
}

/// How the bytes after `split` end the stream, as a [`TailEnd`] counted from `split`; `None`
/// for a clean end.
pub fn tail_end(exp: &Expectation, split: usize) -> Option<TailEnd> {
    match &exp.end {
        End::Clean => None,
        End::Reject {
            class,
            at,
            earliest,
            why,
            ..
        } => {
            let rel = |a: &At| match a {
                At::Byte(b) => At::Byte(b.saturating_sub(split)),
                At::Eof => At::Eof,
            };
            Some(TailEnd {
                class: *class,
                at: rel(at),
                earliest: (earliest != at).then(|| rel(earliest)),
                why: why.clone(),
            })
        }
    }
}

/// The frames the specification of `framing` reads from `bytes`: for a built-in framing's
/// encoded messages, whose ranges its specification knows.
pub(crate) fn spec_frames(framing: Framing, bytes: &[u8]) -> Vec<ExpectedFrame> {
    framing.expect(bytes).frames
}

fn frame_text(f: &ExpectedFrame) -> String {
    let len = f.last_byte + 1 - f.start;
    if f.payload == (f.start..f.last_byte + 1) {
        len.to_string()
    } else {
        format!(
            "{len}:{}+{}",
            f.payload.start - f.start,
            f.payload.end - f.payload.start
        )
    }
}

/// For a built-in framing, whose streams its specification reads: `Err` unless `exp` says
/// what the specification says of `bytes` (a user framing's expectation is its own).
pub fn agrees_with_spec(framing: Framing, bytes: &[u8], exp: &Expectation) -> Result<(), String> {
    if crate::framing::user::of(&framing).is_some() {
        return Ok(());
    }
    let (spec, given) = (to_text(&framing.expect(bytes)), to_text(exp));
    if spec == given {
        return Ok(());
    }
    Err(format!(
        "the expectation says {given:?}, but {framing}'s specification reads the stream as \
         {spec:?}; a built-in framing needs no expectation"
    ))
}

/// The text form of `exp` (module docs). `why` is not written.
pub fn to_text(exp: &Expectation) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < exp.frames.len() {
        let t = frame_text(&exp.frames[i]);
        let mut n = 1;
        while i + n < exp.frames.len() && frame_text(&exp.frames[i + n]) == t {
            n += 1;
        }
        parts.push(if n > 1 { format!("{t}*{n}") } else { t });
        i += n;
    }
    let at = |a: &At| match a {
        At::Byte(b) => b.to_string(),
        At::Eof => "eof".into(),
    };
    let end = match &exp.end {
        End::Clean => "clean".to_string(),
        End::Reject {
            class,
            at: due,
            earliest,
            ..
        } if earliest == due => format!("{}@{}", class.name(), at(due)),
        End::Reject {
            class,
            at: due,
            earliest,
            ..
        } => format!("{}@{}~{}", class.name(), at(due), at(earliest)),
    };
    format!("{};{end}", parts.join(","))
}

/// Reads the text form (module docs) of the expectation of a `len`-byte stream; the error
/// names the part that is wrong. The result still needs [`check`] against the bytes.
pub fn from_text(text: &str, len: usize) -> Result<Expectation, Error> {
    let err = |what: String| Error::new(format!("expectation {text:?}: {what}"));
    let (frames_text, end_text) = text
        .split_once(';')
        .ok_or_else(|| err("expected FRAMES;END, as in 3,4;clean".into()))?;
    let num = |s: &str, what: &str| -> Result<usize, Error> {
        s.parse::<usize>()
            .map_err(|_| err(format!("{what} {s:?} is not a whole number")))
    };
    let mut frames = Vec::new();
    let mut pos = 0usize;
    for part in frames_text.split(',').filter(|p| !p.is_empty()) {
        let (one, count) = match part.split_once('*') {
            Some((one, k)) => (one, num(k, "repeat count")?),
            None => (part, 1),
        };
        let (flen, off, mlen) = match one.split_once(':') {
            None => {
                let l = num(one, "frame length")?;
                (l, 0, l)
            }
            Some((l, m)) => {
                let (o, n) = m
                    .split_once('+')
                    .ok_or_else(|| err(format!("frame {one:?}: expected L:O+N")))?;
                (
                    num(l, "frame length")?,
                    num(o, "message offset")?,
                    num(n, "message length")?,
                )
            }
        };
        let fits = flen > 0 && off.checked_add(mlen).is_some_and(|e| e <= flen);
        let total = flen.checked_mul(count).and_then(|t| t.checked_add(pos));
        match total {
            Some(t) if fits && t <= len => {}
            _ => {
                return Err(err(format!(
                    "frame {one:?} (×{count}) is empty, its message is not inside it, or it \
                     runs past the {len}-byte stream"
                )))
            }
        }
        for _ in 0..count {
            frames.push(ExpectedFrame {
                start: pos,
                payload: pos + off..pos + off + mlen,
                last_byte: pos + flen - 1,
                at_eof: false,
            });
            pos += flen;
        }
    }
    let end = if end_text == "clean" {
        End::Clean
    } else {
        let (class, at) = end_text
            .split_once('@')
            .ok_or_else(|| err(format!("end {end_text:?}: expected clean or CLASS@AT")))?;
        let class = ErrorClass::from_name(class)
            .ok_or_else(|| err(format!("{class:?} is not an error class")))?;
        let point = |s: &str| -> Result<At, Error> {
            if s == "eof" {
                Ok(At::Eof)
            } else {
                num(s, "offset").map(At::Byte)
            }
        };
        let (due, earliest) = match at.split_once('~') {
            Some((a, e)) => (point(a)?, point(e)?),
            None => (point(at)?, point(at)?),
        };
        End::Reject {
            class,
            start: pos,
            at: due,
            earliest,
            why: format!("{} (as the replay token says)", class.name()),
        }
    };
    Ok(Expectation {
        frames,
        end,
        resumed: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_runs_and_rejections() {
        for (t, len) in [
            ("4,3:1+1*2;clean", 10),
            (";truncated-at-eof@eof", 3),
            ("2*3;malformed-header@9~7", 12),
            (";clean", 0),
        ] {
            let e = from_text(t, len).unwrap();
            assert_eq!(to_text(&e), t);
        }
    }

    #[test]
    fn bad_text_names_the_part() {
        for (t, needle) in [
            ("3", "FRAMES;END"),
            ("x;clean", "frame length \"x\""),
            ("3:2+2;clean", "not inside"),
            ("9;clean", "runs past"),
            ("3;nope@1", "not an error class"),
            ("3;oversized", "CLASS@AT"),
        ] {
            let e = from_text(t, 5).unwrap_err().to_string();
            assert!(e.contains(needle), "{t}: {e}");
        }
    }

    #[test]
    fn check_refuses_gaps_overlaps_and_misplaced_rejections() {
        let bytes = [0u8; 6];
        assert!(check(&bytes, &from_text("3,3;clean", 6).unwrap()).is_ok());
        let e = check(&bytes, &from_text("3;clean", 6).unwrap()).unwrap_err();
        assert!(e.contains("ends cleanly"), "{e}");
        let mut gap = from_text("3,3;clean", 6).unwrap();
        gap.frames[1].start = 4;
        assert!(check(&bytes, &gap).unwrap_err().contains("not at 3"));
        let e = check(&bytes, &from_text("3;oversized@1", 6).unwrap()).unwrap_err();
        assert!(e.contains("outside the bad bytes"), "{e}");
        let e = check(&bytes, &from_text("3;oversized@4~5", 6).unwrap()).unwrap_err();
        assert!(e.contains("after it is due"), "{e}");
    }
}
