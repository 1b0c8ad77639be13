//! User-defined framings: a framing the harness does not know, described by its encoder alone.
//!
//! Most real protocols frame their messages in ways no built-in format describes (a CBOR
//! sequence, JSON text sequences, a type-length-value record with a checksum). A user writes
//! an encoder, [`UserFraming::encode`], that turns messages into a stream and says where each
//! frame lies and where its message lies inside it. From that alone the harness builds the
//! specification of every stream it makes (the decoder must emit each message, by the call
//! that delivers its frame's last byte; a stream cut inside a frame is rejected at EOF), and
//! runs the whole suite: every schedule, truncation at every offset, random messages,
//! shrinking and replay. Registering the framing ([`register`]) gives it a name that framing
//! strings, replay tokens and the command line's `--framing` find.
//!
//! ```
//! use framecheck::framing::user::{self, UserEncoded, UserFraming};
//! use framecheck::{FrameDecoder, Framing, Rejection, Suite};
//!
//! /// Each message as a tag byte `0x54`, a one-byte length, then the message.
//! struct Tlv;
//!
//! impl UserFraming for Tlv {
//!     fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
//!         let mut out = UserEncoded::default();
//!         for m in messages {
//!             let len = u8::try_from(m.len()).map_err(|_| "longer than 255 bytes")?;
//!             out.push(&[0x54, len], m, &[]);
//!         }
//!         Ok(out)
//!     }
//!     fn name(&self) -> String {
//!         "tlv-doc".into()
//!     }
//!     fn max_message_len(&self) -> Option<u64> {
//!         Some(255)
//!     }
//! }
//!
//! /// The decoder under test.
//! #[derive(Default)]
//! struct TlvDecoder(Vec<u8>);
//!
//! impl FrameDecoder for TlvDecoder {
//!     fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
//!         self.0.extend_from_slice(chunk);
//!         while self.0.len() >= 2 {
//!             if self.0[0] != 0x54 {
//!                 return Err(Rejection::new("bad tag"));
//!             }
//!             let end = 2 + self.0[1] as usize;
//!             if self.0.len() < end {
//!                 break;
//!             }
//!             frames.push(self.0[2..end].to_vec());
//!             self.0.drain(..end);
//!         }
//!         Ok(())
//!     }
//!     fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
//!         match self.0.is_empty() {
//!             true => Ok(()),
//!             false => Err(Rejection::new("a frame cut short")),
//!         }
//!     }
//! }
//!
//! fn main() {
//!     let framing: Framing = user::register(Tlv).unwrap();
//!     assert_eq!(framing, "tlv-doc".parse().unwrap());
//!     Suite::new(framing).random_cases(50).check(TlvDecoder::default);
//! }
//! ```
//!
//! # The contract
//! [`UserFraming`] has one required method, [`encode`](UserFraming::encode); the rest have
//! defaults. For messages `m[0..n]`, `encode` returns the stream's bytes and, for each message
//! `i`, a [`UserFrame`]:
//! 1. the frames lie in message order, back to back, and cover the stream: frame 0 starts at
//!    byte 0, frame `i + 1` starts where frame `i` ends, the last ends at the stream's end,
//!    and no frame is empty;
//! 2. the message range lies inside its frame, and holds exactly `m[i]`: the decoder must
//!    emit those bytes (the emitted frame of a user framing is its message);
//! 3. the frame's last byte is what completes it: a decoder must emit message `i` by the call
//!    that delivers that byte, and a stream cut before it ends with a frame cut short, a
//!    rejection due at EOF.
//!
//! An encoder that breaks 1 or 2 is a usage error ([`crate::Error`]) that names the message
//! and the clause, never a failure of the decoder under test. Clause 3 is what the
//! specification reads from the ranges. The harness may call `encode` with any messages that
//! [`conform`](UserFraming::conform) returned, and with any subsequence of them (shrinking
//! removes messages): frames must not depend on one another.
//!
//! # Built-in formats are user framings too
//! [`Framing`] implements [`UserFraming`]: its `encode` is [`Framing::encode`], with each
//! message's range read back by the format's specification ([`Framing::expect`]), so that one
//! trait describes every framing the harness drives. (A built-in format's specification reads
//! its streams from the bytes, so the suite does not need its encoder's ranges; a user
//! framing's streams carry theirs.)
//!
//! # Design
//! [`Framing`] and [`Wire`](super::Wire) are `Copy`, so that a case can be cloned, hashed and
//! printed freely. A registered framing is leaked once into a global registry and named by a
//! `Copy` handle, [`UserFormat`], which is the `Wire::User` variant; two handles are equal when
//! their names are. The worked examples ([`cbor_seq`](super::cbor_seq),
//! [`json_seq`](super::json_seq)) are registered from the start.

use std::fmt;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

use super::adversary::Adversary;
use super::json::FieldError;
use super::spec::{At, ErrorClass, ExpectedFrame, HeaderParse};
use super::{Expectation, Format, Framing, Registered, Wire};
use crate::error::Error;

mod builtin;

/// A framing the harness does not know, described by its encoder: see the module docs for the
/// contract and a complete example. One method is required, [`encode`](UserFraming::encode).
pub trait UserFraming: Send + Sync + 'static {
    /// Encodes `messages` as one stream, with each message's frame and the range of the
    /// message inside it (see the module docs, "The contract"). `Err` says why a message
    /// cannot be carried; the harness adds which message and which framing.
    fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String>;

    /// The name that framing strings use: letters, digits and `-`, `_`, `.`, `+`. By default
    /// the type's name in lowercase (`Tlv` is `tlv`).
    fn name(&self) -> String {
        let full = std::any::type_name::<Self>();
        let plain = full.split('<').next().unwrap_or(full);
        plain.rsplit("::").next().unwrap_or(plain).to_lowercase()
    }

    /// Invalid streams of the framing's own, with where each must be rejected: a bad tag, a
    /// checksum that does not match. None by default. (Streams cut inside a frame are made
    /// from the encoder for every framing: they need not be listed.)
    fn invalid_streams(&self) -> Vec<InvalidStream> {
        Vec::new()
    }

    /// A message the framing can carry, made from any bytes, for the random generator and the
    /// shrinker: the same bytes if the framing carries them already (so that `conform` of a
    /// conformed message is itself). Unchanged by default.
    fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        message
    }

    /// The longest message the framing can carry, if it has a limit.
    fn max_message_len(&self) -> Option<u64> {
        None
    }
}

/// What [`UserFraming::encode`] returns: the stream, and each message's frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserEncoded {
    /// The stream.
    pub bytes: Vec<u8>,
    /// One per message, in order.
    pub frames: Vec<UserFrame>,
}

/// Where one message's frame lies in the stream, and the message inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFrame {
    /// The whole frame's byte range: header, message, trailer.
    pub frame: Range<usize>,
    /// The message's byte range, inside the frame: the bytes a decoder must emit.
    pub message: Range<usize>,
}

impl UserEncoded {
    /// Appends a frame of `header`, `message` and `trailer`, with its ranges: the common case
    /// of an encoder.
    pub fn push(&mut self, header: &[u8], message: &[u8], trailer: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(header);
        let m = self.bytes.len();
        self.bytes.extend_from_slice(message);
        let m_end = self.bytes.len();
        self.bytes.extend_from_slice(trailer);
        self.frames.push(UserFrame {
            frame: start..self.bytes.len(),
            message: m..m_end,
        });
    }

    /// Checks the encoding of `messages` against the contract (module docs, clauses 1 and 2)
    /// and returns the frames as the specification states them. `framing` names the framing
    /// in the error, which also names the message.
    pub fn check(&self, framing: &str, messages: &[Vec<u8>]) -> Result<Vec<ExpectedFrame>, Error> {
        let bad = |i: usize, what: String| {
            Err(Error::new(format!(
                "user framing {framing}: the encoder contradicts itself at message {i}: {what}"
            )))
        };
        if self.frames.len() != messages.len() {
            return Err(Error::new(format!(
                "user framing {framing}: the encoder returned {} frame ranges for {} messages",
                self.frames.len(),
                messages.len()
            )));
        }
        let mut out = Vec::with_capacity(self.frames.len());
        let mut pos = 0;
        for (i, (f, m)) in self.frames.iter().zip(messages).enumerate() {
            let (fr, mr) = (&f.frame, &f.message);
            if fr.start < pos {
                return bad(
                    i,
                    format!("its frame {fr:?} overlaps the frame before, which ends at {pos}"),
                );
            }
            if fr.start > pos {
                return bad(
                    i,
                    format!("bytes {pos}..{} belong to no frame: the frames must cover the stream", fr.start),
                );
            }
            if fr.is_empty() || fr.end > self.bytes.len() {
                return bad(
                    i,
                    format!("its frame {fr:?} is empty or past the {}-byte stream", self.bytes.len()),
                );
            }
            if mr.start < fr.start || mr.end > fr.end || mr.start > mr.end {
                return bad(i, format!("its message range {mr:?} is not inside its frame {fr:?}"));
            }
            let got = &self.bytes[mr.clone()];
            if got != &m[..] {
                return bad(
                    i,
                    format!(
                        "its message range {mr:?} holds {} bytes ({}), not the {}-byte message ({})",
                        got.len(),
                        short(got),
                        m.len(),
                        short(m)
                    ),
                );
            }
            out.push(ExpectedFrame {
                start: fr.start,
                payload: mr.clone(),
                last_byte: fr.end - 1,
                at_eof: false,
            });
            pos = fr.end;
        }
        if pos != self.bytes.len() {
            return Err(Error::new(format!(
                "user framing {framing}: the encoder contradicts itself after the last message: \
                 bytes {pos}..{} belong to no frame: the frames must cover the stream",
                self.bytes.len()
            )));
        }
        Ok(out)
    }
}

fn short(b: &[u8]) -> String {
    let h = crate::error::hex(&b[..b.len().min(16)]);
    if b.len() > 16 {
        format!("{h}…")
    } else {
        h
    }
}

/// An invalid stream of a user framing's own: messages the framing encodes, then raw bytes
/// that are wrong, and where the rejection is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidStream {
    /// Its name in reports (`bad-tag`).
    pub name: String,
    /// Valid messages first: the decoder must emit them before it rejects the stream.
    pub messages: Vec<Vec<u8>>,
    /// The bytes after them (not empty).
    pub tail: Vec<u8>,
    /// How the tail ends the stream.
    pub end: TailEnd,
}

/// How a raw tail after a stream's messages ends the stream: a rejection, due at a byte of
/// the tail or at EOF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TailEnd {
    /// What is wrong.
    pub class: ErrorClass,
    /// When the rejection is due at the latest: [`At::Byte`] counts from the tail's first
    /// byte; [`At::Eof`] for a frame cut short.
    pub at: At,
    /// The earliest point at which a rejection is justified (counted the same way): the byte
    /// after which the tail is provably bad whatever follows. `None`: the same as `at`.
    pub earliest: Option<At>,
    /// Why, for reports.
    pub why: String,
}

impl TailEnd {
    /// A frame cut short: rejected at EOF.
    pub fn truncated() -> TailEnd {
        TailEnd {
            class: ErrorClass::TruncatedAtEof,
            at: At::Eof,
            earliest: None,
            why: "the stream ends inside a frame".into(),
        }
    }

    /// A tail of `class`, due by the call that delivers its byte `at`.
    pub fn at_byte(class: ErrorClass, at: usize, why: impl Into<String>) -> TailEnd {
        TailEnd {
            class,
            at: At::Byte(at),
            earliest: None,
            why: why.into(),
        }
    }
}

impl InvalidStream {
    /// `messages`, then `tail`, rejected as `end` says.
    pub fn new(
        name: impl Into<String>,
        messages: Vec<Vec<u8>>,
        tail: Vec<u8>,
        end: TailEnd,
    ) -> InvalidStream {
        InvalidStream {
            name: name.into(),
            messages,
            tail,
            end,
        }
    }
}

/// A registered user framing, leaked for the life of the process.
struct Registration {
    name: String,
    framing: Box<dyn UserFraming>,
}

/// A registered user framing: the `Copy` handle that [`Wire::User`](super::Wire::User) holds.
/// Two handles are equal, and ordered, by name.
#[derive(Clone, Copy)]
pub struct UserFormat(&'static Registration);

impl UserFormat {
    /// The framing the user registered.
    pub fn framing(&self) -> &'static dyn UserFraming {
        &*self.0.framing
    }

    /// Its name.
    pub fn user_name(&self) -> &'static str {
        &self.0.name
    }

    /// Encodes `messages` with the user's encoder and checks the result against the
    /// contract: the stream and its frames as the specification states them.
    pub fn encode_checked(
        &self,
        messages: &[Vec<u8>],
    ) -> Result<(Vec<u8>, Vec<ExpectedFrame>), Error> {
        encode_checked(self.user_name(), self.framing(), messages)
    }
}

impl fmt::Debug for UserFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserFormat({:?})", self.0.name)
    }
}

impl PartialEq for UserFormat {
    fn eq(&self, other: &UserFormat) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for UserFormat {}

impl std::hash::Hash for UserFormat {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl PartialOrd for UserFormat {
    fn partial_cmp(&self, other: &UserFormat) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for UserFormat {
    fn cmp(&self, other: &UserFormat) -> std::cmp::Ordering {
        self.0.name.cmp(&other.0.name)
    }
}

fn registry() -> &'static Mutex<Vec<&'static Registration>> {
    static REGISTRY: OnceLock<Mutex<Vec<&'static Registration>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let examples: Vec<Box<dyn UserFraming>> = vec![
            Box::new(super::cbor_seq::CborSeq),
            Box::new(super::json_seq::JsonSeq),
            Box::new(super::json_seq::Ndjson),
        ];
        let all = examples
            .into_iter()
            .map(|framing| {
                let r: &'static Registration = Box::leak(Box::new(Registration {
                    name: framing.name(),
                    framing,
                }));
                r
            })
            .collect();
        Mutex::new(all)
    })
}

fn lookup(name: &str) -> Option<UserFormat> {
    let all = registry().lock().unwrap_or_else(|e| e.into_inner());
    all.iter().find(|r| r.name == name).map(|&r| UserFormat(r))
}

/// Registers `framing` under its [`name`](UserFraming::name), and returns it as a [`Framing`]
/// with the default limits (the maximum is its [`max_message_len`](UserFraming::max_message_len),
/// or 8 MiB). From then on, `"NAME".parse::<Framing>()` finds it, with `:max=N` and
/// `:noempty` as for every format.
///
/// A name that is not letters, digits, `-`, `_`, `.` and `+`, that a built-in format has, or
/// that another user framing registered already, is an error naming it. (A framing is
/// registered once per process: keep the [`Framing`] this returns, in a `OnceLock` for tests
/// that run in parallel.)
pub fn register(framing: impl UserFraming) -> Result<Framing, Error> {
    register_with(framing, true)
}

/// [`register`] without calling the encoder: for a framing known by name alone (an opaque
/// framing of a vectors file), every stream of which carries its expectation.
pub(crate) fn register_with(framing: impl UserFraming, check: bool) -> Result<Framing, Error> {
    let name = framing.name();
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c));
    if !ok {
        return Err(Error::new(format!(
            "user framing {name:?}: a name is letters, digits, '-', '_', '.' and '+' (it is \
             the start of a framing string such as NAME:max=100)"
        )));
    }
    let mut all = registry().lock().unwrap_or_else(|e| e.into_inner());
    if all.iter().any(|r| r.name == name) {
        return Err(Error::new(format!(
            "user framing {name:?}: a user framing of that name is registered already"
        )));
    }
    drop(all);
    if Wire::from_name(&name).is_some() {
        return Err(Error::new(format!(
            "user framing {name:?}: a built-in format has that name"
        )));
    }
    all = registry().lock().unwrap_or_else(|e| e.into_inner());
    if all.iter().any(|r| r.name == name) {
        return Err(Error::new(format!(
            "user framing {name:?}: a user framing of that name is registered already"
        )));
    }
    drop(all);
    if check {
        validate(&name, &framing)?;
    }
    all = registry().lock().unwrap_or_else(|e| e.into_inner());
    if all.iter().any(|r| r.name == name) {
        return Err(Error::new(format!(
            "user framing {name:?}: a user framing of that name is registered already"
        )));
    }
    let r: &'static Registration = Box::leak(Box::new(Registration {
        name,
        framing: Box::new(framing),
    }));
    all.push(r);
    Ok(Framing::of(Wire::User(UserFormat(r))))
}

/// What [`register`] checks before it registers a framing, so that the suite's generators
/// do not meet a contradiction later: the encoder keeps its contract on a few conformed
/// messages, `conform` is stable on them, and each invalid stream encodes, has a tail, and is
/// due inside it.
fn validate(name: &str, framing: &dyn UserFraming) -> Result<(), Error> {
    let samples: Vec<Vec<u8>> = [&b""[..], b"a", b"abc", b"hi", b"ping", &[1, 0x30, 0x39], &[2, 1, 0]]
        .iter()
        .map(|m| framing.conform(m.to_vec()))
        .collect();
    for (i, m) in samples.iter().enumerate() {
        if framing.conform(m.clone()) != *m {
            return Err(Error::new(format!(
                "user framing {name}: conform is not stable: conforming its result for sample \
                 {i} ({}) changes it",
                short(m)
            )));
        }
    }
    encode_checked(name, framing, &samples)?;
    for inv in framing.invalid_streams() {
        let what = |why: String| {
            Error::new(format!("user framing {name}: invalid stream {:?}: {why}", inv.name))
        };
        let messages: Vec<Vec<u8>> = inv.messages.iter().map(|m| framing.conform(m.clone())).collect();
        encode_checked(name, framing, &messages).map_err(|e| what(e.to_string()))?;
        let n = inv.tail.len();
        let inside = |a: Option<At>| match a {
            Some(At::Byte(k)) => k < n,
            _ => true,
        };
        if n == 0 || !inside(Some(inv.end.at)) || !inside(inv.end.earliest) {
            return Err(what(format!(
                "its rejection is due at {:?} (earliest {:?}), which is not inside its {n}-byte \
                 tail",
                inv.end.at, inv.end.earliest
            )));
        }
    }
    Ok(())
}

fn encode_checked(
    name: &str,
    framing: &dyn UserFraming,
    messages: &[Vec<u8>],
) -> Result<(Vec<u8>, Vec<ExpectedFrame>), Error> {
    let enc = framing.encode(messages).map_err(|why| {
        Error::new(format!("user framing {name}: cannot encode the messages: {why}"))
    })?;
    let frames = enc.check(name, messages)?;
    Ok((enc.bytes, frames))
}

/// The registered user framing behind `framing`, if it is one.
pub fn of(framing: &Framing) -> Option<UserFormat> {
    match framing.wire() {
        Wire::User(u) => Some(u),
        _ => None,
    }
}

impl Registered for UserFormat {
    const NAMES: &'static str = "a registered user framing (cbor-seq, json-seq, ndjson, …)";
    const JSON_TYPE: &'static str = "user";
    const JSON_FIELDS: &'static [&'static str] = &["name"];

    fn from_name(name: &str) -> Option<UserFormat> {
        lookup(name)
    }

    fn from_json(o: &Map<String, Value>) -> Result<UserFormat, FieldError> {
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| FieldError::new("name", "missing, or not a string"))?;
        lookup(name).ok_or_else(|| {
            FieldError::new("name", format!("{name:?} is not a registered user framing"))
        })
    }
}

impl Format for UserFormat {
    fn name(&self) -> String {
        self.0.name.clone()
    }

    fn options_help(&self) -> &'static str {
        "max=N and noempty"
    }

    fn json_type(&self) -> &'static str {
        Self::JSON_TYPE
    }

    fn to_json(&self, out: &mut Map<String, Value>) {
        out.insert("name".into(), Value::String(self.0.name.clone()));
    }

    fn largest_payload(&self) -> u64 {
        self.framing().max_message_len().unwrap_or(u64::MAX)
    }

    fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        self.framing().conform(message)
    }

    /// The user's encoder, on this one message.
    fn encode_frame(
        &self,
        _framing: &Framing,
        index: usize,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let (bytes, _) = self
            .encode_checked(&[message.to_vec()])
            .map_err(|e| Error::new(format!("message {index}: {e}")))?;
        out.extend_from_slice(&bytes);
        Ok(())
    }

    /// A user framing has no header the harness can read: never a whole one.
    fn parse_header(&self, _framing: &Framing, _avail: &[u8]) -> HeaderParse {
        HeaderParse::NeedMore { proven: None }
    }

    /// None as descriptions: a user framing's adversarial streams carry their expectation,
    /// which an [`Adversary`] cannot, so `adversarial::streams` builds them from
    /// [`UserFraming::invalid_streams`] and the encoder's frames (truncation at every offset).
    fn adversaries(&self, _framing: &Framing) -> Vec<Adversary> {
        Vec::new()
    }

    /// A user framing has no parser: its streams carry their expectation (`Stream` in the
    /// `case` module builds it from the encoder's frames). Read from the bytes alone, a
    /// stream is unreadable: a rejection due at its first byte.
    fn expect(&self, _framing: &Framing, stream: &[u8]) -> Expectation {
        use super::spec::End;
        if stream.is_empty() {
            return Expectation {
                frames: Vec::new(),
                end: End::Clean,
                resumed: Vec::new(),
            };
        }
        Expectation {
            frames: Vec::new(),
            end: End::Reject {
                class: ErrorClass::MalformedHeader,
                start: 0,
                at: At::Byte(0),
                earliest: At::Byte(0),
                why: format!(
                    "{} is a user framing: only a stream made by its encoder has a \
                     specification",
                    self.0.name
                ),
            },
            resumed: Vec::new(),
        }
    }
}
