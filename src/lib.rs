//! framecheck: a fuzzing and conformance harness for stream-framing decoders.
//!
//! TCP delivers a stream of bytes, not messages: one `recv()` can return half a message,
//! exactly one, or several glued together. framecheck drives a framing decoder through split
//! and coalesced chunk schedules, adversarial length headers and generated messages, and
//! checks that the frames that come out are exactly the messages that went in: same bytes, same
//! order, none missing, none extra, none late. A failure is shrunk to a minimal case and
//! printed with a one-line way to replay it.
//!
//! ```
//! use framecheck::{Framing, ReferenceDecoder, Suite};
//!
//! // Plug in your own decoder here: anything that implements `FrameDecoder`.
//! let framing: Framing = "u32be:max=65536".parse().unwrap();
//! Suite::new(framing).check(move || ReferenceDecoder::new(framing));
//! ```
//!
//! # Architecture
//! From the bottom up; each module imports only modules above it in this table, never one
//! below (`tests/architecture.rs` checks that the graph has no cycle).
//!
//! | module | what lives there |
//! |---|---|
//! | [`kind`] | stream kinds: what a generated stream tests, as data |
//! | [`framing`] | wire formats, one file each behind the [`Format`](framing::Format) trait: string form, encoder, incremental header parse, the whole-stream specification, vector JSON |
//! | [`schedule`] | chunk schedules: how a stream is cut into reads; the named catalog |
//! | [`adapter`] | the [`FrameDecoder`] trait a decoder under test implements, its contract, and declared profiles |
//! | [`alloc`] | the counting allocator behind the memory-bomb check, and what a decoder leaves behind |
//! | [`bundled`] | a bundled decoder as the registry lists it (id, name, kind, builder) |
//! | [`reference`](mod@reference) | [`ReferenceDecoder`]: the strict incremental decoder every decoder is held to |
//! | [`explicit`] | expectations given with a stream (a user framing's, a hand-written vector's): checked against the bytes, and written in replay tokens |
//! | [`case`] | a [`Stream`] with its expectation and its [`StreamKind`](case::StreamKind), and a [`Case`] = stream × schedule |
//! | [`adversarial`] | hostile lengths, truncations and edge sizes for each framing |
//! | [`messages`] | the valid message sets and seeded random streams |
//! | [`bulk`] | many frames: streams of thousands of frames, buffer wraps, and the long-lived stream, each with its few schedules |
//! | [`oracle`] | runs one case ([`judge`]) and returns a [`Verdict`]: one small step per contract clause |
//! | [`shrink`] | minimal failing cases |
//! | [`report`] | the report model ([`Report`]) and its renderings: text, JSON, JUnit, HTML |
//! | [`baseline`] | known failures: a file of failures with their reasons, which a run reports as known (skipped) instead of failed |
//! | [`leak`] | the leak check: memory sampled once per stream across a run, and the trend rule that judges it, and the `memory-leak` it becomes in a report |
//! | [`runner`] | runs cases with a hang watchdog, fault limits and shrinking |
//! | [`vectors`] | golden vectors: model, JSON (both directions), spec cross-check, generator, runner |
//! | [`suite`] | the default suite: vectors, messages × schedules, adversarial and random cases |
//! | `exec` | the exec protocol, both sides: a decoder in any language as a child process, and `serve` (unix) |
//! | `tcp` | a server under test over TCP on loopback: cuts on the wire, verdicts from what comes back, a spawned server supervised (unix) |
//! | [`soak`] | soak runs: one decoder, a long seeded stream regenerated rather than stored, every frame checked, failures shrunk to a frame count |
//! | [`zoo`] | buggy decoders that show the harness catches what it claims to |
//! | [`adapters`] | third-party decoders (tokio-util, unsigned-varint, prost, asynchronous-codec, actix-codec), each behind a feature |
//! | [`registry`] | the one list of bundled decoders: reference, adapters, zoo |
//! | [`fuzz`] | fuzz-target entry points: raw bytes or `arbitrary` cases to a checked case |
//! | [`matrix`] | the conformance matrix: bundled decoders × framings × case groups |
//! | [`corpus`] | seed corpora for the fuzz targets, and replaying them |
//! | [`regress`] | failures kept as regression files: each failure kind's minimal case as a golden vector and a fuzz corpus input |
//!
//! The command line is the `framecheck-cli` package in `cli/`: one file per subcommand, over
//! this library's public API. The bug classes the harness exists to catch, and how each is
//! exposed, are in `docs/bug-classes.md`.
//!
//! Three kinds of outcome are kept apart: the decoder's own [`Rejection`], the harness's
//! [`Verdict`] on a case, and this library's [`Error`] for input it cannot use.
#![deny(missing_docs)]

pub mod adapter;
pub mod adapters;
pub mod adversarial;
pub mod alloc;
pub mod baseline;
pub mod bulk;
pub mod bundled;
pub mod case;
pub mod corpus;
mod error;
#[cfg(unix)]
pub mod exec;
pub mod explicit;
pub mod framing;
pub mod fuzz;
pub mod kind;
pub mod leak;
pub mod matrix;
pub mod messages;
pub mod oracle;
pub mod reference;
pub mod registry;
pub mod regress;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod shrink;
pub mod soak;
pub mod suite;
#[cfg(unix)]
pub mod tcp;
pub mod vectors;
pub mod zoo;

pub use adapter::{FrameDecoder, Rejection};
pub use alloc::CountingAlloc;
pub use case::{Case, Stream};
pub use error::Error;
pub use framing::{Endian, Framing};
#[allow(deprecated)]
pub use oracle::check;
pub use oracle::{judge, Failure, FailureKind, Verdict};
pub use reference::ReferenceDecoder;
pub use schedule::Schedule;
pub use suite::{Report, Suite};

/// Hex as the exec protocol and the vector files write it.
pub mod hex {
    use crate::Error;

    /// Lowercase hex, no separators.
    pub fn encode(bytes: &[u8]) -> String {
        crate::error::hex(bytes)
    }

    /// Decodes hex (either case); `what` names the input in the error.
    pub fn decode(what: &str, text: &str) -> Result<Vec<u8>, Error> {
        crate::error::decode_hex(what, text)
    }
}

/// Replays a case from its token (as printed after `Reproduce with:`) against `decoder`.
///
/// Like [`judge`], this runs in the calling thread with no hang watchdog: a case that hung
/// under the suite hangs here too (`framecheck replay` on the command line has a timeout).
///
/// ```
/// use framecheck::{replay, Framing, ReferenceDecoder};
///
/// let framing: Framing = "u8".parse().unwrap();
/// let verdict = replay(&mut ReferenceDecoder::new(framing), "u8:max=255/03616263/2").unwrap();
/// assert!(verdict.is_pass());
/// ```
pub fn replay<D: FrameDecoder + ?Sized>(decoder: &mut D, token: &str) -> Result<Verdict, Error> {
    let case = Case::from_token(token)?;
    Ok(judge(decoder, &case))
}

/// The unit tests run with the memory-bomb check on.
#[cfg(test)]
#[global_allocator]
static TEST_ALLOC: CountingAlloc = CountingAlloc;
