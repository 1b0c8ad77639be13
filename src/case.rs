//! Cases: a stream (with what it must decode to) and the schedule it is cut by.
//!
//! A [`Stream`] is built from messages that the framing encodes, optionally followed by a raw
//! *tail* (a hostile header, a truncated frame) that the adversarial generators append. Keeping
//! the two apart is what lets the shrinker remove messages and shorten payloads while the
//! header stays consistent. Its [`Expectation`] is computed once, from the bytes alone.
//!
//! A [`Case`] is a shared stream plus a [`Schedule`] and a label such as
//! `u8:max=255 worked-example / seam+1`. Its *token* (`u8:max=255/03616263/1,2`: framing,
//! stream hex, cuts) is all it takes to replay it, and is what failure reports print.
//!
//! # Cost per frame, and limits
//! A stream of a million tiny frames must stay cheap to hold and to judge. The expectation
//! holds each frame as offsets into the stream's bytes (no allocation per frame), and a
//! [`raw`](Stream::raw) stream (a replayed token, a golden vector) takes its messages apart
//! only when something asks for them ([`Stream::messages`], the shrinker): replaying or
//! judging it never makes an allocation per frame.
//!
//! A token is text, and its repeat syntax (`00*1000`) makes a few bytes of it a long stream:
//! a stream that would pass [`MAX_STREAM_LEN`] (16 MiB) is a usage error that names the limit,
//! before anything that large is allocated. At the worst (a frame in every byte, such as
//! `u8/00*16777216/-`) that is 16 Mi frames, whose case takes 0.7 GiB; the largest stream
//! the default suite makes, a frame of the largest adversarial size (8 MiB), fits with room
//! to spare. Under a framing that recovers from errors (`lines:resync`), where every line can
//! start a new segment of the expectation, a stream holds at most [`MAX_RESYNC_LINES`] lines.

use std::fmt;
use std::io::Read;
use std::sync::{Arc, OnceLock};

use crate::error::Error;

mod hex;
use crate::framing::user::{self as user_framing, TailEnd};
use crate::framing::{At, End, Expectation, Framing};
use crate::schedule::{Layout, Schedule};
use hex::{compact_hex, expand_hex};

pub use crate::kind::{Hostile, LengthEdge, StreamKind, Truncation};

/// The longest stream a replay token or a golden vector may hold: 16 MiB. (See the module
/// docs: a stream with a frame in every byte costs about 64 bytes per frame to hold and judge.)
pub const MAX_STREAM_LEN: usize = 1 << 24;

/// The most lines a stream may hold under a framing that recovers from errors
/// (`lines:resync`): 4 Mi. Each line there can be an error the decoder recovers from, and each
/// such error starts a new segment of the [`Expectation`] (about 200 bytes), so a stream of
/// 16 Mi newlines would cost the specification 3 GiB.
pub const MAX_RESYNC_LINES: usize = 1 << 22;

/// Checks `bytes` against [`MAX_STREAM_LEN`] and [`MAX_RESYNC_LINES`] under `framing`: the
/// reason, naming the limit, if it passes one. `what` names the stream (`a replay token`).
pub(crate) fn check_stream_limits(
    framing: Framing,
    bytes: &[u8],
    what: &str,
) -> Result<(), String> {
    if bytes.len() > MAX_STREAM_LEN {
        return Err(format!(
            "the stream is {} bytes long; {what} may hold at most {MAX_STREAM_LEN} bytes \
             (16 MiB, MAX_STREAM_LEN)",
            bytes.len()
        ));
    }
    if framing.line_resync() == Some(true) {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        if lines > MAX_RESYNC_LINES {
            return Err(format!(
                "the stream holds {lines} lines under {framing}, which recovers from errors; \
                 {what} may hold at most {MAX_RESYNC_LINES} lines there (4 Mi, \
                 MAX_RESYNC_LINES), as each can start a new segment of the expectation"
            ));
        }
    }
    Ok(())
}

/// The longest replay token a file given as `@FILE` may hold: 64 MiB of text.
pub const MAX_TOKEN_FILE_LEN: u64 = 1 << 26;

/// A stream of bytes in some framing, and what it must decode to.
#[derive(Clone, Debug)]
pub struct Stream {
    framing: Framing,
    /// The messages and the tail; for a raw stream, taken apart on first use.
    parts: OnceLock<Parts>,
    bytes: Vec<u8>,
    expectation: Expectation,
    /// Whether the expectation was given with the stream (a user framing's, a vectors
    /// file's) rather than read from the bytes by the framing's specification.
    explicit: bool,
    name: String,
    kind: StreamKind,
}

impl Stream {
    /// The stream that carries `messages`.
    pub fn from_messages(
        framing: Framing,
        name: impl Into<String>,
        messages: Vec<Vec<u8>>,
    ) -> Result<Stream, Error> {
        Stream::with_tail(framing, name, messages, Vec::new())
    }

    /// The stream that carries `messages` followed by the raw bytes `tail`.
    pub fn with_tail(
        framing: Framing,
        name: impl Into<String>,
        messages: Vec<Vec<u8>>,
        tail: Vec<u8>,
    ) -> Result<Stream, Error> {
        if user_framing::of(&framing).is_some() {
            if !tail.is_empty() {
                return Err(Error::new(format!(
                    "{framing} is a user framing: a raw tail after its messages needs to say \
                     how it ends the stream (Stream::with_tail_end)"
                )));
            }
            return Stream::with_tail_end(framing, name, messages, tail, None);
        }
        let mut bytes = framing.encode(&messages)?.bytes;
        bytes.extend_from_slice(&tail);
        let expectation = framing.expect(&bytes);
        Ok(Stream {
            framing,
            parts: OnceLock::from(Parts::new(messages, tail)),
            bytes,
            expectation,
            explicit: false,
            name: name.into(),
            kind: StreamKind::Other,
        })
    }

    /// Like [`with_tail`](Stream::with_tail), for generators: each message is first made one
    /// the framing can carry ([`Framing::conform`]: no newline in a line, the size of a
    /// fixed-size frame), and messages the framing forbids (empty ones under `:noempty`) are
    /// encoded anyway, into a raw stream for the specification to reject.
    pub fn with_tail_lenient(
        framing: Framing,
        name: impl Into<String>,
        messages: Vec<Vec<u8>>,
        tail: Vec<u8>,
    ) -> Result<Stream, Error> {
        let name = name.into();
        let messages: Vec<Vec<u8>> = messages.into_iter().map(|m| framing.conform(m)).collect();
        if user_framing::of(&framing).is_some() {
            return Stream::with_tail(framing, name, messages, tail);
        }
        match Stream::with_tail(framing, name.clone(), messages.clone(), tail.clone()) {
            Ok(s) => Ok(s),
            Err(e) if framing.empty_frames() => Err(e),
            Err(_) => {
                let mut bytes = framing.with_empty_frames(true).encode(&messages)?.bytes;
                bytes.extend_from_slice(&tail);
                Ok(Stream::raw(framing, name, bytes))
            }
        }
    }

    /// The stream that carries `messages`, then the raw bytes `tail`, with its expectation
    /// built from the encoder's frame ranges rather than read from the bytes: how every stream
    /// of a user framing (`framing::user`) is made. `end` says how the tail ends the stream
    /// (`None`: there is no tail, and the stream ends cleanly).
    ///
    /// For a user framing the messages go through its encoder, whose output is checked
    /// against its contract: an encoder that contradicts itself is an error naming the
    /// message. For a built-in framing, the frames are those its specification reads from
    /// the encoded messages. Either way the stream is [`explicit`](Stream::is_explicit).
    pub fn with_tail_end(
        framing: Framing,
        name: impl Into<String>,
        messages: Vec<Vec<u8>>,
        tail: Vec<u8>,
        end: Option<TailEnd>,
    ) -> Result<Stream, Error> {
        let (mut bytes, frames) = match user_framing::of(&framing) {
            Some(u) => u.encode_checked(&messages)?,
            None => {
                let bytes = framing.encode(&messages)?.bytes;
                let frames = crate::explicit::spec_frames(framing, &bytes);
                (bytes, frames)
            }
        };
        let split = bytes.len();
        let expectation = crate::explicit::assemble(frames, split, tail.len(), end.as_ref())
            .map_err(|e| Error::new(format!("stream of {framing}: {e}")))?;
        bytes.extend_from_slice(&tail);
        check_stream_limits(framing, &bytes, "a stream")
            .map_err(|e| Error::new(format!("stream of {framing}: {e}")))?;
        Ok(Stream {
            framing,
            parts: OnceLock::from(Parts {
                messages,
                tail,
                end,
            }),
            bytes,
            expectation,
            explicit: true,
            name: name.into(),
            kind: StreamKind::Other,
        })
    }

    /// A stream of raw `bytes` with the expectation it must decode to, given rather than
    /// read from the bytes: a replayed user-framing case, or a vectors file that states each
    /// frame's range. The expectation is checked against the bytes
    /// ([`explicit::check`](crate::explicit::check): frames back to back from byte 0, each
    /// message inside its frame, a rejection where the frames end), and the stream against
    /// [`MAX_STREAM_LEN`]; the error says what is wrong.
    ///
    /// Like a [`raw`](Stream::raw) stream, it is taken apart into messages only when
    /// something asks (the shrinker), and only if encoding those messages gives back the
    /// same bytes.
    ///
    /// ```
    /// use framecheck::explicit::from_text;
    /// use framecheck::{Framing, Stream};
    ///
    /// let framing: Framing = "cbor-seq".parse().unwrap();
    /// let bytes = vec![0x41, b'a', 0x41, b'b']; // two 1-byte byte strings
    /// let exp = from_text("2,2;truncated-at-eof@eof", 5).unwrap();
    /// let mut cut = bytes.clone();
    /// cut.push(0x43);
    /// let s = Stream::explicit(framing, "hand-made", cut, exp).unwrap();
    /// assert_eq!(s.messages(), [vec![0x41, b'a'], vec![0x41, b'b']]);
    /// assert_eq!(s.tail(), [0x43]); // a 3-byte string cut short
    /// ```
    pub fn explicit(
        framing: Framing,
        name: impl Into<String>,
        bytes: Vec<u8>,
        expectation: Expectation,
    ) -> Result<Stream, Error> {
        let name = name.into();
        check_stream_limits(framing, &bytes, "a stream")
            .map_err(|e| Error::new(format!("stream {name:?}: {e}")))?;
        crate::explicit::check(&bytes, &expectation)
            .map_err(|e| Error::new(format!("stream {name:?} of {framing}: {e}")))?;
        Ok(Stream {
            framing,
            parts: OnceLock::new(),
            bytes,
            expectation,
            explicit: true,
            name,
            kind: StreamKind::Other,
        })
    }

    /// Whether the stream's expectation was given with it ([`with_tail_end`](Stream::with_tail_end),
    /// [`explicit`](Stream::explicit)) rather than read from its bytes by the framing's
    /// specification. Its replay token then carries the expectation.
    pub fn is_explicit(&self) -> bool {
        self.explicit
    }

    /// For an [`explicit`](Stream::is_explicit) stream, how its [`tail`](Stream::tail) ends
    /// it (`None`: cleanly).
    pub fn tail_end(&self) -> Option<&TailEnd> {
        self.parts().end.as_ref()
    }

    /// A stream of raw bytes, whatever they hold.
    ///
    /// Its complete frames are taken apart into messages (and the rest kept as the tail)
    /// whenever encoding those messages gives back the same bytes, so that the shrinker can
    /// work on a replayed or golden-vector stream as well as on a generated one.
    pub fn raw(framing: Framing, name: impl Into<String>, bytes: Vec<u8>) -> Stream {
        let expectation = framing.expect(&bytes);
        Stream {
            framing,
            parts: OnceLock::new(),
            bytes,
            expectation,
            explicit: false,
            name: name.into(),
            kind: StreamKind::Other,
        }
    }

    /// The messages and the tail: as given, or for a raw stream its complete frames taken
    /// apart (see [`raw`](Stream::raw)).
    fn parts(&self) -> &Parts {
        self.parts.get_or_init(|| {
            if self.explicit {
                return self.explicit_parts();
            }
            let (framing, bytes) = (self.framing, &self.bytes);
            let frames = &self.expectation.frames;
            let messages: Vec<Vec<u8>> = frames
                .iter()
                .map(|f| bytes[f.body(&framing, bytes)].to_vec())
                .collect();
            let split = frames.last().map_or(0, |f| f.last_byte + 1);
            let canonical = framing
                .with_empty_frames(true)
                .encode(&messages)
                .is_ok_and(|e| e.bytes == bytes[..split]);
            if canonical {
                Parts::new(messages, bytes[split..].to_vec())
            } else {
                Parts::new(Vec::new(), bytes.clone())
            }
        })
    }

    /// An explicit stream's parts: its frames' messages and the rest, if the framing's
    /// encoder gives back the same frames for those messages; else all of it as the tail.
    fn explicit_parts(&self) -> Parts {
        let (framing, bytes, exp) = (self.framing, &self.bytes, &self.expectation);
        let messages: Vec<Vec<u8>> = exp
            .frames
            .iter()
            .map(|f| bytes[f.payload.clone()].to_vec())
            .collect();
        let split = exp.frames.last().map_or(0, |f| f.last_byte + 1);
        let again = Stream::with_tail_end(
            framing.with_empty_frames(true),
            "",
            messages.clone(),
            Vec::new(),
            None,
        );
        if again.is_ok_and(|s| s.bytes == bytes[..split] && s.expectation.frames == exp.frames) {
            Parts {
                messages,
                tail: bytes[split..].to_vec(),
                end: crate::explicit::tail_end(exp, split),
            }
        } else {
            Parts {
                messages: Vec::new(),
                tail: bytes.clone(),
                end: crate::explicit::tail_end(exp, 0),
            }
        }
    }

    /// The same stream, with `kind` saying what it tests.
    #[must_use]
    pub fn with_kind(mut self, kind: StreamKind) -> Stream {
        self.kind = kind;
        self
    }

    /// The framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The messages encoded at the start of the stream. (For a [`raw`](Stream::raw) stream
    /// they are taken apart on the first call, one allocation per frame.)
    pub fn messages(&self) -> &[Vec<u8>] {
        &self.parts().messages
    }

    /// The raw bytes after the encoded messages.
    pub fn tail(&self) -> &[u8] {
        &self.parts().tail
    }

    /// All of the stream's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What the stream must decode to.
    pub fn expectation(&self) -> &Expectation {
        &self.expectation
    }

    /// A short name saying what the stream is for, such as `len=max+1`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the stream tests ([`StreamKind::Other`] unless its maker said).
    pub fn kind(&self) -> StreamKind {
        self.kind
    }

    /// Where its frames lie, for the schedule catalog.
    pub fn layout(&self) -> Layout {
        let mut starts: Vec<usize> = self.expectation.frames.iter().map(|f| f.start).collect();
        let mut headers: Vec<usize> = self
            .expectation
            .frames
            .iter()
            .map(|f| f.payload.start - f.start)
            .collect();
        if let End::Reject { start, at, .. } = self.expectation.end {
            use crate::framing::HeaderParse;
            let rest = &self.bytes[start..];
            let header = match self.framing.parse_header(rest) {
                // An explicit stream's bad bytes: up to the one the rejection is due at.
                _ if self.explicit => match at {
                    At::Byte(b) => b + 1 - start,
                    At::Eof => rest.len().max(1),
                },
                HeaderParse::Frame { header_len, .. } | HeaderParse::Bad { header_len, .. } => {
                    header_len
                }
                HeaderParse::NeedMore { .. } => rest.len().max(1),
            };
            starts.push(start);
            headers.push(header);
        }
        Layout {
            len: self.bytes.len(),
            frame_starts: starts,
            header_lens: headers,
        }
    }
}

/// Two streams are equal when everything they say is: bytes, messages, tail, name and kind
/// (taking a raw stream apart if need be).
impl PartialEq for Stream {
    fn eq(&self, other: &Stream) -> bool {
        self.framing == other.framing
            && self.bytes == other.bytes
            && self.name == other.name
            && self.kind == other.kind
            && self.expectation == other.expectation
            && self.explicit == other.explicit
            && self.parts() == other.parts()
    }
}

impl Eq for Stream {}

/// A stream's messages and the raw tail after them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Parts {
    messages: Vec<Vec<u8>>,
    tail: Vec<u8>,
    /// For an explicit stream, how the tail ends it.
    end: Option<TailEnd>,
}

impl Parts {
    fn new(messages: Vec<Vec<u8>>, tail: Vec<u8>) -> Parts {
        Parts {
            messages,
            tail,
            end: None,
        }
    }
}

/// One run of a decoder: a stream cut by a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The stream, shared between the cases that cut it differently.
    pub stream: Arc<Stream>,
    /// How the stream is cut into reads.
    pub schedule: Schedule,
    /// The schedule's name, such as `seam+1`, `cut@5` or `random#17`.
    pub schedule_name: String,
}

impl Case {
    /// A case.
    pub fn new(stream: Arc<Stream>, schedule_name: impl Into<String>, schedule: Schedule) -> Case {
        Case {
            stream,
            schedule,
            schedule_name: schedule_name.into(),
        }
    }

    /// `framing stream-name / schedule-name`: what the case is, in one line.
    pub fn label(&self) -> String {
        format!(
            "{} {} / {}",
            self.stream.framing,
            self.stream.name(),
            self.schedule_name
        )
    }

    /// The replay token: `framing/stream/cuts`, all a case needs to run again.
    ///
    /// The stream is hex; a run of 16 or more equal bytes is written `HH*N` (byte `HH`, `N`
    /// times) and separated from its neighbours by dots, so that a megabyte frame of zeros still
    /// fits on a line: `u32be:max=1048576/00100000.00*1048576/-`.
    ///
    /// ```
    /// use framecheck::Case;
    ///
    /// let case = Case::from_token("u8:max=255/0361626302/2").unwrap();
    /// assert_eq!(case.stream.bytes(), [3, 0x61, 0x62, 0x63, 2]);
    /// assert_eq!(case.token(), "u8:max=255/0361626302/2");
    /// ```
    ///
    /// An [explicit](Stream::is_explicit) stream (every stream of a user framing) adds its
    /// expectation as a fourth part, in the text form of [`crate::explicit`]:
    /// `cbor-seq:max=8388608/4161/1/2;clean`. It replays wherever the framing is registered.
    pub fn token(&self) -> String {
        let mut t = format!(
            "{}/{}/{}",
            self.stream.framing,
            compact_hex(&self.stream.bytes),
            self.schedule
        );
        if self.stream.explicit {
            t.push('/');
            t.push_str(&crate::explicit::to_text(&self.stream.expectation));
        }
        t
    }

    /// Reads a replay token (see [`token`](Case::token)); `@FILE` reads it from a file.
    ///
    /// A token whose stream would pass [`MAX_STREAM_LEN`] bytes, or a file longer than
    /// [`MAX_TOKEN_FILE_LEN`], is an error that names the limit.
    pub fn from_token(token: &str) -> Result<Case, Error> {
        if let Some(path) = token.strip_prefix('@') {
            let read = |path: &str| -> std::io::Result<String> {
                let mut text = String::new();
                std::fs::File::open(path)?
                    .take(MAX_TOKEN_FILE_LEN + 1)
                    .read_to_string(&mut text)?;
                Ok(text)
            };
            let text =
                read(path).map_err(|e| Error::new(format!("replay token file {path}: {e}")))?;
            if text.len() as u64 > MAX_TOKEN_FILE_LEN {
                return Err(Error::new(format!(
                    "replay token file {path}: longer than {MAX_TOKEN_FILE_LEN} bytes, the most \
                     a token file may hold (MAX_TOKEN_FILE_LEN)"
                )));
            }
            return Case::from_token(text.trim());
        }
        let parts: Vec<&str> = token.trim().split('/').collect();
        let (framing, stream, cuts, given) = match parts[..] {
            [f, s, c] => (f, s, c, None),
            [f, s, c, e] => (f, s, c, Some(e)),
            _ => {
                return Err(Error::new(format!(
                    "replay token {token:?}: expected three parts, framing/stream-hex/cuts (and \
                     a fourth, the expectation, for a user framing), found {}",
                    parts.len()
                )))
            }
        };
        let framing: Framing = framing
            .parse()
            .map_err(|e| Error::new(format!("replay token: {e}")))?;
        let bytes = expand_hex(stream)?;
        check_stream_limits(framing, &bytes, "a replay token")
            .map_err(|e| Error::new(format!("replay token: {e}")))?;
        let schedule: Schedule = cuts
            .parse()
            .map_err(|e| Error::new(format!("replay token: {e}")))?;
        if let Some(&c) = schedule.cuts().last() {
            if c >= bytes.len() {
                return Err(Error::new(format!(
                    "replay token: cut {c} is not inside the {}-byte stream",
                    bytes.len()
                )));
            }
        }
        let stream = match given {
            Some(text) => {
                let exp = crate::explicit::from_text(text, bytes.len())
                    .map_err(|e| Error::new(format!("replay token: {e}")))?;
                crate::explicit::agrees_with_spec(framing, &bytes, &exp)
                    .map_err(|e| Error::new(format!("replay token: {e}")))?;
                Stream::explicit(framing, "replay", bytes, exp)
                    .map_err(|e| Error::new(format!("replay token: {e}")))?
            }
            None if user_framing::of(&framing).is_some() && !bytes.is_empty() => {
                return Err(Error::new(format!(
                    "replay token: {framing} is a user framing, whose stream cannot be read \
                     from its bytes: the token needs a fourth part, the expectation"
                )))
            }
            None => Stream::raw(framing, "replay", bytes),
        };
        Ok(Case::new(Arc::new(stream), "replay", schedule))
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips() {
        let f: Framing = "u16le:max=100".parse().unwrap();
        let s = Arc::new(Stream::from_messages(f, "x", vec![b"hello".to_vec(), vec![]]).unwrap());
        let case = Case::new(s, "cut@3", Schedule::from_cuts(vec![3], 9));
        let again = Case::from_token(&case.token()).unwrap();
        assert_eq!(again.stream.bytes(), case.stream.bytes());
        assert_eq!(again.schedule, case.schedule);
        assert_eq!(again.stream.expectation(), case.stream.expectation());
    }

    #[test]
    fn bad_tokens_say_which_part() {
        for (token, needle) in [
            ("u8/00", "three parts"),
            ("u9/00/-", "unknown wire format"),
            ("u8/0z/-", "invalid hex digit"),
            ("u8/0000/5", "not inside"),
            ("u8/0000/x", "not a whole number"),
        ] {
            let e = Case::from_token(token).unwrap_err().to_string();
            assert!(e.contains(needle), "{token}: {e}");
        }
    }

    /// The token that `replay_token` found (see `corpus/regressions/replay_token/`): its runs
    /// add up to 19 million one-byte frames, and it is refused before they are allocated.
    #[test]
    fn a_token_past_the_stream_limit_is_an_error_naming_it() {
        let e = Case::from_token("fixed:size=1/00*9.00*16777216/-")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("part 1: 00*16777216 makes the stream longer than 16777216 bytes")
                && e.contains("MAX_STREAM_LEN"),
            "{e}"
        );
        let e = Case::from_token("u8/00*99999999999999999999999/-")
            .unwrap_err()
            .to_string();
        assert!(e.contains("the repeat count 9999"), "{e}");
        let at_the_limit = format!("u8/00*{MAX_STREAM_LEN}/-");
        assert_eq!(
            Case::from_token(&at_the_limit)
                .unwrap()
                .stream
                .bytes()
                .len(),
            MAX_STREAM_LEN
        );
    }

    #[test]
    fn a_resync_token_past_the_line_limit_is_an_error_naming_it() {
        let token = format!("lines:max=16:noempty:resync/0a*{}/-", MAX_RESYNC_LINES + 1);
        let e = Case::from_token(&token).unwrap_err().to_string();
        assert!(
            e.contains("holds 4194305 lines") && e.contains("MAX_RESYNC_LINES"),
            "{e}"
        );
        // Without `:resync` the same lines are only frames.
        let token = format!("lines:max=16/0a*{}/-", MAX_RESYNC_LINES + 1);
        assert!(Case::from_token(&token).is_ok());
    }

    #[test]
    fn a_raw_stream_is_taken_apart_on_first_use() {
        let f: Framing = "u8".parse().unwrap();
        let raw = Stream::raw(f, "r", vec![2, b'a', b'b', 0, 5, b'x']);
        assert!(raw.parts.get().is_none(), "taken apart before use");
        assert_eq!(raw.messages(), [b"ab".to_vec(), Vec::new()]);
        assert_eq!(raw.tail(), [5, b'x']);
        let built = Stream::with_tail(f, "r", vec![b"ab".to_vec(), vec![]], vec![5, b'x']);
        assert_eq!(raw, built.unwrap());
    }

    #[test]
    fn layout_includes_the_bad_final_frame() {
        let f: Framing = "u32be:max=4".parse().unwrap();
        let s = Stream::with_tail(f, "x", vec![b"ab".to_vec()], vec![0, 0, 0, 9]).unwrap();
        let l = s.layout();
        assert_eq!(l.frame_starts, [0, 6]);
        assert_eq!(l.header_lens, [4, 4]);
    }
}
