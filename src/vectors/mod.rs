//! Golden vectors: language-neutral test data in `vectors/`, and the code that loads, checks,
//! generates and runs it.
//!
//! A vector is a stream exactly as it arrives (its chunks, in hex), the framing it is in, and
//! what a conforming decoder must do with it: which frames come out, and which call emits each;
//! for an invalid stream, the class of error and the call that must report it. The format is
//! documented in `vectors/README.md` and `vectors/schema.json`; any implementation in any
//! language can read it.
//!
//! ```
//! use framecheck::vectors::{self, Profile, Reported};
//! use framecheck::ReferenceDecoder;
//!
//! let all = vectors::bundled().unwrap();
//! let worked = all.iter().find(|v| v.id == "seed-worked-example").unwrap();
//! assert_eq!(worked.chunks.len(), 4);
//! // Emitted by the 2nd chunk:
//! assert_eq!(worked.outcome.frames[0], (b"abc".to_vec(), Reported::Chunk(1)));
//!
//! // Every bundled vector, as given and under the schedule catalog, against the reference.
//! let report = vectors::run(&all, Profile::default(), |framing| Some(ReferenceDecoder::new(framing)));
//! assert!(report.is_pass());
//! ```
//!
//! Loading checks each vector twice: against the format (every error names the file, the
//! vector id and the field), and against the framing's specification, so that a vector that
//! says something the specification does not is an error, not a silent disagreement.
//!
//! | module | what lives there |
//! |---|---|
//! | [`model`] | [`Vector`], [`Outcome`], [`Expected`], [`Profile`]: what a vector says |
//! | [`json`] | the file format, each reader beside its writer (framing, outcome, vector) |
//! | [`spec`] | the cross-check against the specification, [`spec_outcome`] |
//! | [`generate`](mod@generate) | `vectors/generated/*.json` from the message sets and adversarial streams |
//! | [`worked`] | `vectors/worked-examples.json` from Netty's and tokio-util's worked examples |
//! | [`opaque`] | framings a file names and the harness cannot parse: their vectors give each frame's range |
//! | [`truncate`] | each vector's stream cut after every byte ([`Vector::truncated_cases`]) |
//! | [`run`](mod@run) | [`run()`], [`run_with`]: vectors against a decoder, [`VectorReport`] |
//! | this module | the bundled files, [`bundled`], and [`cases_for`], which the suite reads |
//!
//! # Where this sits
//! The default suite starts with the bundled vectors that apply to its framing
//! ([`cases_for`]), so `suite` imports `vectors`, and nothing here imports `suite`: the
//! runner is written on [`Runner`](crate::runner::Runner), the layer below both, and its
//! `configure` hook adjusts a `Runner` (which has the suite's builder methods) rather than a
//! `Suite`. The generator reads the message sets from [`crate::messages`], also below both.

use std::collections::HashSet;

use crate::case::Case;
use crate::error::Error;
use crate::framing::Framing;

pub mod generate;
pub mod json;
pub mod model;
pub mod opaque;
pub mod run;
pub mod spec;
pub mod truncate;
pub mod worked;

pub use generate::{flag_notes, generate, generated_framings};
pub use json::load_str;
pub use model::{
    Expected, ExpectedError, FlagNote, Outcome, Profile, Reported, Vector, VectorFile,
};
pub use opaque::{is_opaque, opaque};
pub use run::{run, run_with, VectorReport};
pub use spec::spec_outcome;

/// The value of the `format` field.
pub const FORMAT: &str = "framecheck-vectors";
/// The format version this library reads and writes.
pub const VERSION: u64 = 1;

/// The vector files shipped with the library: `(file name, contents)`.
pub const BUNDLED: &[(&str, &str)] = &[
    ("seed.json", include_str!("../../vectors/seed.json")),
    (
        "regressions.json",
        include_str!("../../vectors/regressions.json"),
    ),
    (
        "protocols.json",
        include_str!("../../vectors/protocols.json"),
    ),
    (
        "worked-examples.json",
        include_str!("../../vectors/worked-examples.json"),
    ),
    (
        "generated/u8.json",
        include_str!("../../vectors/generated/u8.json"),
    ),
    (
        "generated/u16be.json",
        include_str!("../../vectors/generated/u16be.json"),
    ),
    (
        "generated/lines.json",
        include_str!("../../vectors/generated/lines.json"),
    ),
    (
        "generated/lines-emit-resync.json",
        include_str!("../../vectors/generated/lines-emit-resync.json"),
    ),
    (
        "generated/lines-text.json",
        include_str!("../../vectors/generated/lines-text.json"),
    ),
    (
        "generated/netstring.json",
        include_str!("../../vectors/generated/netstring.json"),
    ),
    (
        "generated/fixed.json",
        include_str!("../../vectors/generated/fixed.json"),
    ),
    (
        "generated/u16le.json",
        include_str!("../../vectors/generated/u16le.json"),
    ),
    (
        "generated/u32be.json",
        include_str!("../../vectors/generated/u32be.json"),
    ),
    (
        "generated/u32le.json",
        include_str!("../../vectors/generated/u32le.json"),
    ),
    (
        "generated/u64be.json",
        include_str!("../../vectors/generated/u64be.json"),
    ),
    (
        "generated/u64le.json",
        include_str!("../../vectors/generated/u64le.json"),
    ),
    (
        "generated/u16be-incl.json",
        include_str!("../../vectors/generated/u16be-incl.json"),
    ),
    (
        "generated/u32le-incl.json",
        include_str!("../../vectors/generated/u32le-incl.json"),
    ),
    (
        "generated/varint.json",
        include_str!("../../vectors/generated/varint.json"),
    ),
];

/// Every bundled vector, loaded and checked (once per process).
pub fn bundled() -> Result<Vec<Vector>, Error> {
    static CACHE: std::sync::OnceLock<Result<Vec<Vector>, Error>> = std::sync::OnceLock::new();
    CACHE
        .get_or_init(|| {
            let mut ids = HashSet::new();
            let mut out = Vec::new();
            for (name, text) in BUNDLED {
                out.extend(load_str(name, text, &mut ids)?.vectors);
            }
            Ok(out)
        })
        .clone()
}

/// The bundled vectors that apply to `framing`, each as given (labelled `vector:ID`).
///
/// A vector applies when its wire format is the same and the specification of `framing`
/// (with its own maximum and empty-frame rule) gives its stream the very outcome the vector
/// states, so a vector written for `max=1024` also serves a decoder with a larger maximum
/// whenever no length in it falls between the two.
pub fn cases_for(framing: Framing) -> Vec<Case> {
    let Ok(all) = bundled() else {
        return Vec::new();
    };
    let profile = Profile {
        empty_frames: framing.empty_frames(),
    };
    all.iter()
        .filter(|v| v.framing.wire() == framing.wire())
        .filter(|v| spec_outcome(framing, &v.chunks) == *v.resolve(profile).1)
        .map(|v| v.case_under(framing))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::ErrorClass;

    #[test]
    fn bundled_vectors_are_many_and_cover_every_framing() {
        let all = bundled().unwrap();
        assert!(all.len() >= 150, "only {} vectors", all.len());
        for (_, framing) in generated_framings() {
            assert!(
                all.iter().filter(|v| v.framing == framing).count() >= 15,
                "{framing}"
            );
        }
        for kind in ["valid", "invalid", "acceptable"] {
            assert!(
                all.iter().any(|v| v.result.name() == kind),
                "no {kind} vector"
            );
        }
    }

    #[test]
    fn acceptable_vectors_resolve_by_profile() {
        let all = bundled().unwrap();
        let v = all
            .iter()
            .find(|v| v.result == Expected::Acceptable)
            .unwrap();
        let (f, o) = v.resolve(Profile {
            empty_frames: false,
        });
        assert!(!f.empty_frames());
        assert!(matches!(
            o.error,
            Some(ExpectedError {
                class: ErrorClass::EmptyFrame,
                ..
            })
        ));
        assert!(v.resolve(Profile::default()).0.empty_frames());
    }
}
