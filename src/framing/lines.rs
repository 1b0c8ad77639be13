//! `lines`: newline-delimited frames, the bytes before each `0a`.
//!
//! ```text
//!  lines, "ab" and "" then an unterminated "c"
//! +-------+----+----+----+
//! | 61 62 | 0a | 0a | 63 |
//! +-------+----+----+----+
//! ```
//!
//! `max` is the longest line, not counting the newline. A line with more than `max` bytes and
//! no newline among them is an `oversized` error from the call that delivers its `max + 1`-th
//! byte. Four policies are the decoder's to declare (see [`Lines`]): `:eof=emit` makes an
//! unterminated last line a frame at EOF (the default, `:eof=reject`, makes it a truncated
//! frame); `:resync` makes an over-long line an error *after which the decoder goes on*, from
//! the byte after the next newline, as tokio-util's `LinesCodec` does; `:text` makes a line
//! that is not UTF-8 an error (`not-utf8`); `:crlf` strips one `\r` before the newline.
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "lines:max=3:resync".parse().unwrap();
//! let stream = b"ab\ntoo long\nok\n";
//! let spec = framing.expect(stream);
//! assert_eq!(spec.frames.len(), 1); // "ab", then an error at the 4th byte of "too long"
//! let after = &spec.resumed[0];
//! assert_eq!(&stream[after.frames[0].payload.clone()], b"ok");
//! ```
//!
//! Under `:resync` the specification is a flat list of segments, one per stretch between
//! recovered errors ([`Expectation::resumed`]), built in a loop: a stream of a million bad
//! lines is checked without recursion.

use std::fmt;
use std::ops::Range;

use serde_json::{Map, Value};

use super::adversary::{length_edges, pattern, truncations, Adversary, LARGEST_MESSAGE};
use super::format::{set_flag, write_flag, Format, Registered};
use crate::kind::{Hostile, LengthEdge, StreamKind};
use super::json::{bool_field, choice_field, FieldError};
use super::spec::{truncated, At, End, ErrorClass, ExpectedFrame, Expectation, HeaderParse};
use super::{Framing, Wire};
use crate::error::Error;

/// Newline-delimited lines: a frame is the bytes before each `0a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lines {
    /// What an unterminated last line is at EOF.
    pub eof: LineEof,
    /// Whether an over-long line is an error the decoder recovers from, skipping to the byte
    /// after the next newline (`:resync`, as tokio-util's `LinesCodec`), rather than the end of
    /// the stream.
    pub resync: bool,
    /// Whether lines are text (`:text`): a line that is not UTF-8 is an error (`not-utf8`),
    /// reported by the read that delivers its newline (or at EOF, for the last line), after
    /// which a decoder under `:resync` goes on with the next line. The `String` line codecs
    /// (tokio-util's, asynchronous-codec's) declare it.
    pub text: bool,
    /// Whether one `\r` before the newline ends the line too and is not part of it (`:crlf`,
    /// as tokio-util's `LinesCodec`). The `\r` still counts against the maximum, and an
    /// unterminated last line that is a lone `\r` is no line at all.
    pub crlf: bool,
}

impl Lines {
    /// The part of the line `range` (without its newline) that is the frame: all of it, or
    /// under `:crlf` all but a last `\r`.
    pub(crate) fn content(&self, stream: &[u8], range: Range<usize>) -> Range<usize> {
        if self.crlf && range.end > range.start && stream[range.end - 1] == b'\r' {
            range.start..range.end - 1
        } else {
            range
        }
    }
    /// How many bytes of a line decide it, under the maximum `max`: `max` bytes and a newline.
    pub(crate) fn window(max: u64) -> usize {
        usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX)
    }

    /// Why a line is over-long, for reports.
    pub(crate) fn overlong(max: u64) -> String {
        format!(
            "a line of more than {max} bytes: no newline among its first {}",
            max.saturating_add(1)
        )
    }

}

/// Where a decoder of lines goes on after a segment of the specification.
enum Resume {
    /// It does not: the stream ended, or the error ends it.
    No,
    /// From this offset, the byte after the newline that follows the error.
    At(usize),
    /// It skips to EOF (no newline follows the error), which is then clean.
    AtEof,
}

/// What a decoder of lines does with bytes after the last newline at EOF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineEof {
    /// They are a truncated frame: EOF must report an error (the default, `:eof=reject`).
    Reject,
    /// They are a last line, emitted by the EOF call (`:eof=emit`, as tokio-util's
    /// `LinesCodec::decode_eof`).
    Emit,
}

impl Registered for Lines {
    const NAMES: &'static str = "lines";
    const JSON_TYPE: &'static str = "lines";
    const JSON_FIELDS: &'static [&'static str] = &["eof", "resync", "text", "crlf"];

    fn from_name(name: &str) -> Option<Lines> {
        (name == "lines").then_some(Lines {
            eof: LineEof::Reject,
            resync: false,
            text: false,
            crlf: false,
        })
    }

    fn from_json(o: &Map<String, Value>) -> Result<Lines, FieldError> {
        let eof = choice_field(o, "eof", &["reject", "emit"], Some("reject"))?;
        Ok(Lines {
            eof: if eof == "emit" { LineEof::Emit } else { LineEof::Reject },
            resync: bool_field(o, "resync")?,
            text: bool_field(o, "text")?,
            crlf: bool_field(o, "crlf")?,
        })
    }
}

impl Format for Lines {
    fn name(&self) -> String {
        "lines".to_string()
    }

    fn options_help(&self) -> &'static str {
        "max=N, noempty, eof=emit, eof=reject, resync, text and crlf"
    }

    fn json_type(&self) -> &'static str {
        Self::JSON_TYPE
    }

    fn to_json(&self, out: &mut Map<String, Value>) {
        let eof = if self.eof == LineEof::Emit { "emit" } else { "reject" };
        out.insert("eof".into(), Value::from(eof));
        out.insert("resync".into(), Value::from(self.resync));
        out.insert("text".into(), Value::from(self.text));
        out.insert("crlf".into(), Value::from(self.crlf));
    }

    fn vector_flags(&self, recovered: bool) -> Vec<&'static str> {
        if self.resync && recovered {
            vec!["lines", "resync"]
        } else {
            vec!["lines"]
        }
    }

    fn fmt_options(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.eof == LineEof::Emit {
            f.write_str(":eof=emit")?;
        }
        write_flag(f, "resync", self.resync)?;
        write_flag(f, "text", self.text)?;
        write_flag(f, "crlf", self.crlf)
    }

    fn set_option(&mut self, _spec: &str, opt: &str) -> Result<bool, Error> {
        match opt {
            "eof=emit" => self.eof = LineEof::Emit,
            "eof=reject" => self.eof = LineEof::Reject,
            _ => {
                return Ok(set_flag(opt, "resync", &mut self.resync)
                    || set_flag(opt, "text", &mut self.text)
                    || set_flag(opt, "crlf", &mut self.crlf))
            }
        }
        Ok(true)
    }

    fn largest_payload(&self) -> u64 {
        u64::MAX
    }

    /// A newline in a line becomes `0b`; in text lines every byte is made ASCII, and a last
    /// `\r` under `:crlf` becomes `0b`.
    fn conform(&self, mut message: Vec<u8>) -> Vec<u8> {
        for b in message.iter_mut() {
            if self.text {
                *b &= 0x7f;
            }
            if *b == b'\n' {
                *b = 0x0b;
            }
        }
        if self.crlf && message.last() == Some(&b'\r') {
            *message.last_mut().expect("not empty") = 0x0b;
        }
        message
    }

    fn encode_frame(
        &self,
        framing: &Framing,
        i: usize,
        m: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if let Some(at) = m.iter().position(|&b| b == b'\n') {
            return Err(Error::new(format!(
                "message {i} holds a newline at byte {at}, which {framing} cannot carry"
            )));
        }
        if self.text && std::str::from_utf8(m).is_err() {
            return Err(Error::new(format!(
                "message {i} is not UTF-8, and {framing} carries text"
            )));
        }
        if self.crlf && m.last() == Some(&b'\r') {
            return Err(Error::new(format!(
                "message {i} ends with \\r, which {framing} strips"
            )));
        }
        out.extend_from_slice(m);
        out.push(b'\n');
        Ok(())
    }

    /// No header: the frame is the bytes up to the newline (the header "length" is 0).
    fn parse_header(&self, framing: &Framing, avail: &[u8]) -> HeaderParse {
        let max = framing.max_frame_len();
        let window = avail.len().min(Lines::window(max));
        match avail[..window].iter().position(|&b| b == b'\n') {
            Some(i) => HeaderParse::Frame {
                header_len: 0,
                payload: i as u64,
            },
            None if avail.len() as u64 > max => HeaderParse::Bad {
                class: ErrorClass::Oversized,
                why: Lines::overlong(max),
                header_len: window,
                proven: window,
            },
            None => HeaderParse::NeedMore { proven: None },
        }
    }

    fn expect(&self, framing: &Framing, stream: &[u8]) -> Expectation {
        self.expect_lines(framing, stream)
    }

    /// The streams of lines, built around the newline:
    ///
    /// | stream name | what it is | bug classes |
    /// |---|---|---|
    /// | `len=0`, `len=1`, `len=max-1`, `len=max` | lines at the edges, then a short line | 10, 14 |
    /// | `len=max+1-complete` | a line one byte too long with its newline, then a good line: an error, then (under `:resync`) the good line | 10, 12 |
    /// | `len=max+1-unterminated` | a line one byte too long, then EOF | 10, 13 |
    /// | `overlong-x2` | two over-long lines back to back, then a good line | 12 |
    /// | `unterminated` | a last line without its newline (the `:eof` policy) | 13 |
    /// | `cr-lf`, `cr-cr-lf`, `lone-cr-at-eof` | `\r\n` line ends: the `\r` is payload, unless `:crlf` strips one | 4 |
    /// | `not-utf8`, `not-utf8-at-eof`, `utf8-2-byte` | bytes that are not UTF-8, and a character a read may split: errors, or not, under `:text` | |
    /// | `empty-x100` | a hundred empty lines | 14 |
    /// | `trunc@K` | two lines cut off after K bytes | 13 |
    fn adversaries(&self, framing: &Framing) -> Vec<Adversary> {
        let max = framing.max_frame_len();
        let line = |len: u64| framing.conform(pattern(len as usize));
        let mut out = Vec::new();
        for (name, edge, len) in length_edges(max) {
            // With a tiny max (0) some of these do not fit: they are left out.
            if len <= LARGEST_MESSAGE && len <= max && max >= 1 {
                let msgs = vec![line(len), b"z".to_vec()];
                out.push(Adversary::messages(
                    name,
                    StreamKind::LengthEdge(edge),
                    msgs,
                    Vec::new(),
                ));
            }
        }
        if let Some(over) = max.checked_add(1).filter(|&v| v <= LARGEST_MESSAGE) {
            let good = b"ok\n".to_vec();
            let long = line(over);
            let raw = |name: &str, hostile: Hostile, parts: &[&[u8]]| {
                Adversary::raw(name, StreamKind::HostileHeader(hostile), parts.concat())
            };
            let complete: &[&[u8]] = &[&good, &long, b"\nz\n"];
            out.push(raw("len=max+1-complete", Hostile::OverMaxComplete, complete));
            let unterminated: &[&[u8]] = &[&good, &long];
            out.push(raw(
                "len=max+1-unterminated",
                Hostile::OverMaxUnterminated,
                unterminated,
            ));
            let twice: &[&[u8]] = &[&good, &long, b"\n", &long, b"\nz\n"];
            out.push(raw("overlong-x2", Hostile::OverlongTwice, twice));
        }
        let edge =
            |name: &str, bytes: &[u8]| Adversary::raw(name, StreamKind::WireEdge, bytes.to_vec());
        out.push(edge("unterminated", b"ok\nxyz"));
        out.push(edge("cr-lf", b"ok\r\nz\r\n"));
        out.push(edge("cr-cr-lf", b"a\r\r\nz\n"));
        out.push(edge("lone-cr-at-eof", b"ok\n\r"));
        // Text: a line that is not UTF-8 between two good ones, and a two-byte character (é)
        // that the catalog's cuts split.
        out.push(edge("not-utf8", b"ok\n\xff\xfe\nz\n"));
        out.push(edge("utf8-2-byte", "caf\u{e9}\n\u{e9}\n".as_bytes()));
        out.push(edge("not-utf8-at-eof", b"ok\n\xc3"));
        out.push(Adversary::messages(
            "empty-x100",
            StreamKind::LengthEdge(LengthEdge::EmptyRun(100)),
            vec![Vec::new(); 100],
            Vec::new(),
        ));
        let two = b"abc\nhello\n";
        out.extend(truncations(two, 1..two.len()));
        out
    }

    fn line_eof(&self) -> Option<LineEof> {
        Some(self.eof)
    }

    fn line_resync(&self) -> Option<bool> {
        Some(self.resync)
    }
}

impl Lines {
    /// The specification for lines: one segment, then under `:resync` one more after each
    /// error, built in a loop.
    fn expect_lines(&self, framing: &Framing, stream: &[u8]) -> Expectation {
        let mut segments = Vec::new();
        let mut pos = 0;
        loop {
            let (segment, next) = self.line_segment(framing, stream, pos);
            segments.push(segment);
            match next {
                Resume::No => break,
                Resume::At(p) => pos = p,
                // No newline left: the decoder skips to EOF, which is then clean.
                Resume::AtEof => {
                    segments.push(Expectation {
                        frames: Vec::new(),
                        end: End::Clean,
                        resumed: Vec::new(),
                    });
                    break;
                }
            }
        }
        let mut first = segments.remove(0);
        first.resumed = segments;
        first
    }

    /// The lines from offset `pos` up to the end of the stream or the first error, and where a
    /// decoder under `:resync` goes on.
    fn line_segment(
        &self,
        framing: &Framing,
        stream: &[u8],
        mut pos: usize,
    ) -> (Expectation, Resume) {
        let l = self;
        let mut frames = Vec::new();
        loop {
            let rest = &stream[pos..];
            if rest.is_empty() {
                let clean = Expectation {
                    frames,
                    end: End::Clean,
                    resumed: Vec::new(),
                };
                return (clean, Resume::No);
            }
            let reject = |frames, class, at: usize, why: String, resume: Option<usize>| {
                let next = match resume {
                    Some(p) if l.resync => Resume::At(p),
                    None if l.resync => Resume::AtEof,
                    _ => Resume::No,
                };
                let segment = Expectation {
                    frames,
                    end: End::Reject {
                        class,
                        start: pos,
                        at: At::Byte(at),
                        earliest: At::Byte(at),
                        why,
                    },
                    resumed: Vec::new(),
                };
                (segment, next)
            };
            let next_newline = |from: usize| {
                stream[from..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map(|i| from + i + 1)
            };
            match self.parse_header(framing, rest) {
                HeaderParse::Frame { payload, .. } => {
                    let end = pos + payload as usize;
                    let line = l.content(stream, pos..end);
                    if line.is_empty() && !framing.empty_frames() {
                        return reject(
                            frames,
                            ErrorClass::EmptyFrame,
                            end,
                            "an empty line, which this framing does not allow".to_string(),
                            Some(end + 1),
                        );
                    }
                    if l.text && std::str::from_utf8(&stream[line.clone()]).is_err() {
                        return reject(
                            frames,
                            ErrorClass::NotUtf8,
                            end,
                            "a line that is not UTF-8".to_string(),
                            Some(end + 1),
                        );
                    }
                    frames.push(ExpectedFrame {
                        start: pos,
                        payload: line,
                        last_byte: end,
                        at_eof: false,
                    });
                    pos = end + 1;
                }
                HeaderParse::Bad { why, proven, .. } => {
                    let at = pos + proven - 1;
                    return reject(frames, ErrorClass::Oversized, at, why, next_newline(at + 1));
                }
                HeaderParse::NeedMore { .. } => match l.eof {
                    LineEof::Emit => {
                        let line = l.content(stream, pos..stream.len());
                        if l.crlf && rest == b"\r" {
                            // The `\r` of a `\r\n` cut short: no line.
                        } else if l.text && std::str::from_utf8(&stream[line.clone()]).is_err() {
                            let segment = Expectation {
                                frames,
                                end: End::Reject {
                                    class: ErrorClass::NotUtf8,
                                    start: pos,
                                    at: At::Eof,
                                    earliest: At::Eof,
                                    why: "a last line that is not UTF-8".to_string(),
                                },
                                resumed: Vec::new(),
                            };
                            let next = if l.resync { Resume::AtEof } else { Resume::No };
                            return (segment, next);
                        } else {
                            frames.push(ExpectedFrame {
                                start: pos,
                                payload: line,
                                last_byte: stream.len() - 1,
                                at_eof: true,
                            });
                        }
                        let clean = Expectation {
                            frames,
                            end: End::Clean,
                            resumed: Vec::new(),
                        };
                        return (clean, Resume::No);
                    }
                    LineEof::Reject => {
                        let what = format!("an unterminated line of {}", crate::error::n_bytes(rest.len() as u64));
                        return (truncated(frames, pos, what), Resume::No);
                    }
                },
            }
        }
    }
}

impl Framing {
    /// Newline-delimited lines with the default maximum line length, rejecting an unterminated
    /// last line, and ending the stream at an over-long line.
    pub fn lines() -> Framing {
        Framing::of(Wire::Lines(
            Lines::from_name("lines").expect("lines is the name of lines"),
        ))
    }

    /// Sets what a lines framing does with an unterminated last line (no effect on others).
    #[must_use]
    pub fn with_line_eof(mut self, eof: LineEof) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.eof = eof;
        }
        self
    }

    /// Sets whether a lines framing recovers from an over-long line at the next newline (no
    /// effect on others).
    #[must_use]
    pub fn with_resync(mut self, resync: bool) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.resync = resync;
        }
        self
    }

    /// Sets whether a lines framing's lines are UTF-8 text (`:text`; no effect on others).
    #[must_use]
    pub fn with_text(mut self, text: bool) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.text = text;
        }
        self
    }

    /// Sets whether a lines framing strips one `\r` before the newline (`:crlf`; no effect on
    /// others).
    #[must_use]
    pub fn with_crlf(mut self, crlf: bool) -> Framing {
        if let Wire::Lines(ref mut l) = self.wire {
            l.crlf = crlf;
        }
        self
    }
}
