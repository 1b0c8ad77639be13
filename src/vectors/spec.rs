//! The specification cross-check: the outcome the framing's specification
//! ([`Framing::expect`]) gives a vector's stream cut into its chunks, and where a vector's own
//! outcome disagrees with it.
//!
//! Every vector is checked against the specification as it is loaded, so a vector that says
//! something the specification does not is an error, not a silent disagreement; the generator
//! writes exactly this outcome.
//!
//! ```
//! use framecheck::vectors::{spec_outcome, Reported};
//!
//! let framing = "u8".parse().unwrap();
//! let outcome = spec_outcome(framing, &[vec![3, b'a'], vec![b'b', b'c']]);
//! assert_eq!(outcome.frames, [(b"abc".to_vec(), Reported::Chunk(1))]);
//! assert!(outcome.error.is_none());
//! ```

use crate::error::hex;
use crate::framing::{At, End, Expectation, Framing};
use crate::schedule::Schedule;

use super::model::{given_schedule, ExpectedError, Outcome, Reported};

/// The outcome the specification gives a stream cut into `chunks`.
pub fn spec_outcome(framing: Framing, chunks: &[Vec<u8>]) -> Outcome {
    let bytes = chunks.concat();
    let schedule = given_schedule(chunks);
    let exp = framing.expect(&bytes);
    let mut first = outcome_of(&exp, &bytes, &schedule, None);
    let mut after = first.error.map(|e| e.reported_by);
    for segment in &exp.resumed {
        let next = outcome_of(segment, &bytes, &schedule, after);
        after = next.error.map(|e| e.reported_by);
        first.resumed.push(next);
    }
    first
}

/// The outcome of a stream cut into `chunks` whose expectation is given (an opaque framing's
/// vector): each frame due by the chunk holding its last byte, the error by the chunk holding
/// the byte it is due at.
pub(crate) fn explicit_outcome(exp: &Expectation, chunks: &[Vec<u8>]) -> Outcome {
    let bytes = chunks.concat();
    outcome_of(exp, &bytes, &given_schedule(chunks), None)
}

/// The outcome of one segment (its `resumed` left empty). `after` is the call that reported
/// the recoverable error before it, if any: the call that returned `Err` emitted nothing after it, so what its bytes
/// completed is due from the next call on.
fn outcome_of(
    exp: &Expectation,
    bytes: &[u8],
    schedule: &Schedule,
    after: Option<Reported>,
) -> Outcome {
    let chunks = schedule.ranges(bytes.len()).len();
    let from = after.map(|r| match r {
        Reported::Chunk(c) if c + 1 < chunks => Reported::Chunk(c + 1),
        _ => Reported::Eof,
    });
    let reported = |at: At| {
        let r = match at {
            At::Byte(b) => Reported::Chunk(schedule.chunk_of(b)),
            At::Eof => Reported::Eof,
        };
        match (r, from) {
            (Reported::Chunk(a), Some(Reported::Chunk(b))) => Reported::Chunk(a.max(b)),
            (Reported::Chunk(_), Some(Reported::Eof)) => Reported::Eof,
            (r, _) => r,
        }
    };
    let frames = exp
        .frames
        .iter()
        .map(|f| (bytes[f.payload.clone()].to_vec(), reported(f.due())))
        .collect();
    let error = match exp.end {
        End::Clean => None,
        End::Reject {
            class,
            at,
            earliest,
            ..
        } => Some(ExpectedError {
            class,
            reported_by: reported(at),
            earliest_by: reported(earliest),
        }),
    };
    Outcome {
        frames,
        error,
        resumed: Vec::new(),
    }
}

/// Where a vector's outcome disagrees with the specification: the field (a path relative to
/// the outcome, such as `frames[1].emitted_by` or `resumed.frames`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Disagreement {
    /// The field, relative to the outcome's object.
    pub field: String,
    /// What is wrong, naming the specification.
    pub what: String,
}

/// Checks an outcome against the specification of `framing` for `chunks`.
pub(crate) fn check_against_spec(
    framing: Framing,
    chunks: &[Vec<u8>],
    outcome: &Outcome,
) -> Result<(), Disagreement> {
    let spec = spec_outcome(framing, chunks);
    let disagree = |field: String, what: String| Disagreement {
        field,
        what: format!("{what} (by the specification of {framing})"),
    };
    for (i, ((bytes, by), (sbytes, sby))) in outcome.frames.iter().zip(&spec.frames).enumerate() {
        if bytes != sbytes {
            return Err(disagree(
                format!("frames[{i}].hex"),
                format!("is {} where the stream holds {}", hex(bytes), hex(sbytes)),
            ));
        }
        if by != sby {
            let due = match sby {
                Reported::Chunk(c) => format!("the frame's last byte arrives in chunk {c}"),
                Reported::Eof => "only EOF completes the frame".to_string(),
            };
            return Err(disagree(
                format!("frames[{i}].emitted_by"),
                format!("is {}; {due}", by.name()),
            ));
        }
    }
    if outcome.frames.len() != spec.frames.len() {
        return Err(disagree(
            "frames".to_string(),
            format!(
                "lists {} frames where the stream holds {}",
                outcome.frames.len(),
                spec.frames.len()
            ),
        ));
    }
    if outcome.error != spec.error {
        let show = |e: &Option<ExpectedError>| e.map_or("no error".to_string(), |e| e.describe());
        return Err(disagree(
            "error".to_string(),
            format!(
                "says {}; the stream gives {}",
                show(&outcome.error),
                show(&spec.error)
            ),
        ));
    }
    check_resumed(framing, outcome, &spec)
}

/// Checks what an outcome says follows a recoverable error against the specification.
fn check_resumed(framing: Framing, outcome: &Outcome, spec: &Outcome) -> Result<(), Disagreement> {
    let mut path = String::new();
    for k in 0..outcome.resumed.len().max(spec.resumed.len()) {
        path.push_str("resumed.");
        let (o, s) = (outcome.resumed.get(k), spec.resumed.get(k));
        // The object holding this `resumed`, and this `resumed` itself.
        let (holder, this) = (&path[..path.len() - "resumed.".len()], path.as_str());
        match (o, s) {
            (Some(_), None) => {
                return Err(Disagreement {
                    field: format!("{holder}resumed"),
                    what: format!(
                        "is given, but under {framing} the stream ends with the error before"
                    ),
                })
            }
            (None, Some(_)) => {
                return Err(Disagreement {
                    field: format!("{holder}resumed"),
                    what: format!(
                        "is missing: under {framing} the decoder recovers from the error, and \
                         the vector must say what follows"
                    ),
                })
            }
            (Some(o), Some(s)) if (&o.frames, &o.error) != (&s.frames, &s.error) => {
                return Err(Disagreement {
                    field: format!("{this}frames"),
                    what: format!(
                        "disagree with what follows the error (by the specification of \
                         {framing}: {} frames, {})",
                        s.frames.len(),
                        s.error.map_or("no error".to_string(), |e| e.describe())
                    ),
                });
            }
            _ => {}
        }
    }
    Ok(())
}
