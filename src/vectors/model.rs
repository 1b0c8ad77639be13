//! The vector model: what a vector says ([`Vector`], [`Expected`], [`Outcome`],
//! [`ExpectedError`]) and what resolves an `acceptable` one ([`Profile`]).
//!
//! The model is plain data: reading and writing it is [`super::json`]'s, checking it against
//! the specification [`super::spec`]'s, running it [`super::run()`]'s.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::case::{Case, Stream, StreamKind};
use crate::framing::{ErrorClass, Expectation, Framing};
use crate::schedule::{catalog, Schedule};

/// Whether a vector's stream is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Every frame must come out; EOF is clean.
    Valid,
    /// The decoder must reject the stream where the vector says.
    Invalid,
    /// Implementation-defined: resolved by what the decoder declares (its [`Profile`]).
    Acceptable,
}

impl Expected {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Expected::Valid => "valid",
            Expected::Invalid => "invalid",
            Expected::Acceptable => "acceptable",
        }
    }
}

/// Which call must report an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reported {
    /// The call that delivers chunk N (from 0).
    Chunk(usize),
    /// EOF.
    Eof,
}

impl Reported {
    /// `chunk 3` or `EOF`, for messages.
    pub fn name(self) -> String {
        match self {
            Reported::Chunk(i) => format!("chunk {i}"),
            Reported::Eof => "EOF".to_string(),
        }
    }
}

/// What a decoder must do with a vector's stream.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Each frame's bytes, and the call that must emit it: the chunk holding its last byte,
    /// or EOF for an unterminated last line under `:eof=emit`.
    pub frames: Vec<(Vec<u8>, Reported)>,
    /// For an invalid stream: the error class, and which calls may report it.
    pub error: Option<ExpectedError>,
    /// After an error the decoder recovers from (`lines:resync`), what the rest of the stream
    /// decodes to: one outcome per stretch between recovered errors, in order, each with an
    /// empty `resumed` (in the file, each is nested in the one before).
    pub resumed: Vec<Outcome>,
}

/// The rejection an invalid stream must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedError {
    /// What is wrong.
    pub class: ErrorClass,
    /// The call by which the stream must have been rejected (`reported_by` in the file).
    pub reported_by: Reported,
    /// The first call at which a rejection is justified (`earliest_by`; when the file omits
    /// it, the same as `reported_by`).
    pub earliest_by: Reported,
}

impl ExpectedError {
    pub(crate) fn describe(&self) -> String {
        let at = |r: Reported| match r {
            Reported::Eof => "EOF".to_string(),
            Reported::Chunk(i) => format!("chunk {i}"),
        };
        if self.earliest_by == self.reported_by {
            format!("{} by {}", self.class.name(), at(self.reported_by))
        } else {
            format!(
                "{} from {} to {}",
                self.class.name(),
                at(self.earliest_by),
                at(self.reported_by)
            )
        }
    }
}

/// What a decoder under test declares about itself, which resolves `acceptable` vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Whether the decoder accepts zero-length frames (most do; some protocols forbid them).
    pub empty_frames: bool,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile { empty_frames: true }
    }
}

/// A note on what a flag tests, with links to the issue or advisory behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagNote {
    /// What the flag means.
    pub note: String,
    /// Issues, advisories, documents.
    pub links: Vec<String>,
}

/// One golden vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vector {
    /// Stable id, unique across all files.
    pub id: String,
    /// The file it came from.
    pub file: String,
    /// Why the vector exists.
    pub comment: String,
    /// What it tests; each flag is explained in its file's `flags`.
    pub flags: Vec<String>,
    /// The framing, with its maximum frame length.
    pub framing: Framing,
    /// The stream, as the reads that deliver it.
    pub chunks: Vec<Vec<u8>>,
    /// Valid, invalid or acceptable.
    pub result: Expected,
    /// The outcome (for `acceptable`, the outcome when the capability is declared).
    pub outcome: Outcome,
    /// For `acceptable`: the capability it depends on (`empty-frames`).
    pub depends_on: Option<String>,
    /// For `acceptable`: the outcome when the capability is not declared.
    pub otherwise: Option<Outcome>,
    /// For a vector of an opaque framing ([`super::opaque`]), the expectation its file states
    /// (each frame's range, where the error is due), checked against the stream when it was
    /// loaded; `None` for a framing whose specification reads the stream.
    pub expectation: Option<Expectation>,
}

impl Vector {
    /// The vector's stream cut into its chunks, as given (labelled `vector:ID`).
    pub fn case(&self) -> Case {
        self.case_under(self.framing)
    }

    /// The same, read under `framing` (one with the same wire format and another maximum).
    pub fn case_under(&self, framing: Framing) -> Case {
        let stream = self.stream(framing, format!("vector:{}", self.id));
        Case::new(Arc::new(stream), "as-given", given_schedule(&self.chunks))
    }

    /// The vector's stream under `framing`: read by its specification, or, for an opaque
    /// framing, with the expectation the file states.
    ///
    /// # Panics
    /// If [`expectation`](Vector::expectation) does not describe the stream (the loader
    /// checked it; only a vector built by hand with a wrong one can).
    pub(crate) fn stream(&self, framing: Framing, name: String) -> Stream {
        let bytes = self.chunks.concat();
        let stream = match &self.expectation {
            Some(exp) => Stream::explicit(framing, name, bytes, exp.clone())
                .unwrap_or_else(|e| panic!("vector {}: {e}", self.id)),
            None => Stream::raw(framing, name, bytes),
        };
        stream.with_kind(StreamKind::Vector)
    }

    /// The framing and outcome that apply to a decoder with `profile`.
    pub fn resolve(&self, profile: Profile) -> (Framing, &Outcome) {
        match (&self.otherwise, self.depends_on.as_deref()) {
            (Some(other), Some("empty-frames")) if !profile.empty_frames => {
                (self.framing.with_empty_frames(false), other)
            }
            _ => (self.framing, &self.outcome),
        }
    }

    /// The vector's stream as given, then under every catalog schedule (labelled
    /// `id / schedule`), for a decoder with `profile`.
    pub fn cases(&self, profile: Profile) -> Vec<Case> {
        let (framing, _) = self.resolve(profile);
        let stream = Arc::new(self.stream(framing, self.id.clone()));
        let given = given_schedule(&self.chunks);
        let mut cases = vec![Case::new(stream.clone(), "as-given", given.clone())];
        for (name, schedule) in catalog(&stream.layout()) {
            if schedule != given {
                cases.push(Case::new(stream.clone(), name, schedule));
            }
        }
        cases
    }
}

pub(crate) fn given_schedule(chunks: &[Vec<u8>]) -> Schedule {
    let len = chunks.iter().map(|c| c.len()).sum();
    Schedule::from_sizes(&chunks.iter().map(|c| c.len()).collect::<Vec<_>>(), len)
}

/// A loaded vector file.
#[derive(Clone, Debug)]
pub struct VectorFile {
    /// The flags it defines.
    pub flags: BTreeMap<String, FlagNote>,
    /// Its vectors.
    pub vectors: Vec<Vector>,
}
