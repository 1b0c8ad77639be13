//! The vector generator: the message sets and the adversarial streams of each generated
//! framing, each cut by one schedule of the catalog, written as `vectors/generated/*.json`
//! with the outcome the specification gives them.
//!
//! The flags of a generated vector come from data: the stream's [`StreamKind`] (set where
//! the stream is made), the outcome, and the schedule. Renaming a stream changes its vector's
//! id and comment, nothing else. The files are committed, and a test checks that generating
//! them again changes nothing (`framecheck vectors generate DIR` writes them).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::adversarial;
use crate::case::{Hostile, LengthEdge, Stream, StreamKind, Truncation};
use crate::framing::{End, ErrorClass, Framing, HeaderParse};
use crate::messages::message_sets;
use crate::schedule::{catalog, Schedule};

use super::model::{Expected, ExpectedError, Reported, Vector};
use super::spec::spec_outcome;
use super::{FORMAT, VERSION};

/// The flags the generator uses, with their notes.
pub fn flag_notes() -> Vec<(&'static str, &'static str)> {
    vec![
        ("worked-example", "The seed explainer's worked example (docs/bug-classes.md #1)."),
        ("coalesced", "Several frames arrive in one read; every one must come out of that call (#2, the seed's \"Check yourself\")."),
        ("split-header", "A read ends inside a length header (#3, #4)."),
        ("bytewise", "The stream arrives one byte per read (#1, #3, #4)."),
        ("seam", "A read boundary one byte before or after a frame boundary (#2, #5)."),
        ("empty-frame", "Zero-length frames, valid unless the decoder declares otherwise (#14)."),
        ("many-empty-frames", "A long run of consecutive empty frames (#14)."),
        ("max-length", "A payload of exactly the maximum frame length, which is valid (#10)."),
        ("oversized", "A header announcing more than the maximum: rejected by the call that completes the header, before any payload is buffered (#9, #10)."),
        ("field-width-boundary", "A length at a power-of-two boundary of a field width: 255/256, 2^16, 2^24, 2^31, 2^32, 2^63 (#8)."),
        ("length-overflow", "A length that wraps when the header width is added to it (#7)."),
        ("top-bit", "A header with its top bit set, negative if read as signed (#8)."),
        ("field-max", "The largest value the field can hold (#7, #9)."),
        ("truncated-at-eof", "The stream ends inside a frame; EOF must report it (#13)."),
        ("eof-inside-header", "The stream ends inside a length header (#13)."),
        ("eof-after-header", "The stream ends exactly after a complete header (#13)."),
        ("eof-inside-payload", "The stream ends inside a payload (#13)."),
        ("malformed-header", "A length that counts the header but is smaller than it (#17)."),
        ("length-includes-header", "The length field counts the header bytes too (#17)."),
        ("little-endian", "The length field is little endian (#16)."),
        ("large-frame", "A frame of 255 bytes or more, past a one-byte boundary (#8)."),
        ("varint", "A varint (unsigned LEB128) length prefix (#15)."),
        ("lines", "Newline-delimited lines: a frame is the bytes before each 0a."),
        ("resync", "An over-long line is an error, after which the decoder goes on from the next newline (`lines` with `resync`)."),
        ("fixed", "Fixed-size frames."),
        ("netstring", "Netstrings: `<decimal length>:<payload>,` (D. J. Bernstein)."),
        ("varint-edge", "A non-minimal, overflowing, endless or truncated varint, or one of ten bytes (#15)."),
    ]
}

fn flag_links(flag: &str) -> Vec<&'static str> {
    match flag {
        "oversized" | "field-max" => {
            vec!["https://docs.rs/tokio-util/latest/tokio_util/codec/length_delimited/"]
        }
        "length-includes-header" => vec!["https://github.com/tokio-rs/tokio/issues/4815"],
        _ => vec![],
    }
}

/// The framings the generator writes a file for: `(file stem, framing)`.
pub fn generated_framings() -> Vec<(&'static str, Framing)> {
    [
        ("u8", "u8:max=100"),
        ("u16be", "u16be:max=1024"),
        ("u16le", "u16le:max=1024"),
        ("u32be", "u32be:max=1024"),
        ("u32le", "u32le:max=1024"),
        ("u64be", "u64be:max=1024"),
        ("u64le", "u64le:max=1024"),
        ("u16be-incl", "u16be:max=1024:incl"),
        ("u32le-incl", "u32le:max=1024:incl"),
        ("varint", "varint:max=1024"),
        ("lines", "lines:max=16"),
        ("lines-emit-resync", "lines:max=16:eof=emit:resync"),
        ("lines-text", "lines:max=16:eof=emit:resync:text:crlf"),
        ("fixed", "fixed:size=4"),
        ("netstring", "netstring:max=1024"),
    ]
    .into_iter()
    .map(|(n, s)| (n, s.parse().expect("generator framings parse")))
    .collect()
}

/// The generated vector files, `(path under vectors/, contents)`: the message sets and the
/// adversarial streams of each generated framing, each cut by one schedule of the catalog, and
/// `worked-examples.json` (see [`super::worked`]).
pub fn generate() -> Vec<(String, String)> {
    const PREFERRED: [&str; 8] = [
        "whole",
        "seam+1",
        "header-cut-1",
        "frame-boundaries",
        "bytewise",
        "seam-1",
        "header-split-1-2",
        "fixed-3",
    ];
    let mut files = Vec::new();
    for (stem, framing) in generated_framings() {
        let mut streams = message_sets(framing);
        streams.extend(adversarial::streams(framing));
        let mut vectors = Vec::new();
        let mut used: BTreeMap<String, ()> = BTreeMap::new();
        for (i, s) in streams.iter().enumerate() {
            if s.bytes().len() > 2048 {
                continue;
            }
            let cat = catalog(&s.layout());
            let (schedule_name, schedule) = (0..PREFERRED.len())
                .find_map(|k| {
                    let want = PREFERRED[(i + k) % PREFERRED.len()];
                    cat.iter().find(|(n, _)| n == want).cloned()
                })
                .unwrap_or_else(|| ("whole".to_string(), Schedule::whole()));
            let chunks: Vec<Vec<u8>> = schedule.chunks(s.bytes()).map(|c| c.to_vec()).collect();
            let id = format!("{stem}-{}-{schedule_name}", s.name());
            if used.insert(id.clone(), ()).is_some() {
                continue;
            }
            vectors.push(generated_vector(&id, stem, framing, s, &schedule_name, chunks).to_json());
        }
        let used: HashSet<&str> = vectors
            .iter()
            .flat_map(|v| v["flags"].as_array().into_iter().flatten())
            .filter_map(|f| f.as_str())
            .collect();
        let flags: Map<String, Value> = flag_notes()
            .into_iter()
            .filter(|(f, _)| used.contains(f))
            .map(|(f, note)| (f.to_string(), json!({"note": note, "links": flag_links(f)})))
            .collect();
        let file = json!({
            "format": FORMAT,
            "version": VERSION,
            "generator": "framecheck vectors generate",
            "flags": flags,
            "vectors": vectors,
        });
        let mut text = serde_json::to_string_pretty(&file).expect("JSON values serialize");
        text.push('\n');
        files.push((format!("generated/{stem}.json"), text));
    }
    files.push(super::worked::worked_file());
    files
}

/// The vector for stream `s` cut into `chunks` by the schedule `schedule_name`: the
/// specification's outcome, flags from the stream's kind, the outcome and the schedule, and a
/// comment that says it in words.
fn generated_vector(
    id: &str,
    stem: &str,
    framing: Framing,
    s: &Stream,
    schedule_name: &str,
    chunks: Vec<Vec<u8>>,
) -> Vector {
    let outcome = spec_outcome(framing, &chunks);
    let has_empty = outcome.frames.iter().any(|(b, _)| b.is_empty());
    let result = match (&outcome.error, has_empty) {
        (_, true) => Expected::Acceptable,
        (None, false) => Expected::Valid,
        (Some(_), false) => Expected::Invalid,
    };
    let mut flags: Vec<&str> = Vec::new();
    let name = s.name();
    let kind = s.kind();
    if kind == StreamKind::WorkedExample {
        flags.push("worked-example");
    }
    if chunks.iter().any(|c| {
        let e = framing.expect(c);
        e.frames.len() > 1
    }) || (schedule_name == "whole" && outcome.frames.len() > 1)
    {
        flags.push("coalesced");
    }
    match schedule_name {
        "bytewise" => flags.push("bytewise"),
        n if n.starts_with("header-") && framing.has_length_field() => flags.push("split-header"),
        n if n.starts_with("seam") => flags.push("seam"),
        _ => {}
    }
    if has_empty {
        flags.push("empty-frame");
    }
    if matches!(kind, StreamKind::LengthEdge(LengthEdge::EmptyRun(_))) && has_empty {
        flags.push("many-empty-frames");
    }
    if kind == StreamKind::LengthEdge(LengthEdge::Max) {
        flags.push("max-length");
    }
    if outcome.frames.iter().any(|(b, _)| b.len() >= 255) {
        flags.push("large-frame");
    }
    match kind {
        StreamKind::HostileHeader(Hostile::FieldBoundary(_)) => {
            flags.push("field-width-boundary");
        }
        StreamKind::HostileHeader(Hostile::FieldMax) => {
            flags.extend(["field-width-boundary", "field-max"]);
        }
        StreamKind::HostileHeader(Hostile::Overflow(_)) => flags.push("length-overflow"),
        StreamKind::HostileHeader(Hostile::TopBit { .. }) => flags.push("top-bit"),
        StreamKind::HostileHeader(Hostile::Varint)
        | StreamKind::Truncation(Truncation::VarintHeader) => flags.push("varint-edge"),
        _ => {}
    }
    match &outcome.error {
        Some(ExpectedError {
            class: ErrorClass::Oversized,
            ..
        }) => flags.push("oversized"),
        Some(ExpectedError {
            class: ErrorClass::MalformedHeader,
            ..
        }) => flags.push("malformed-header"),
        Some(ExpectedError {
            class: ErrorClass::TruncatedAtEof,
            ..
        }) => {
            flags.push("truncated-at-eof");
            let exp = framing.expect(&chunks.concat());
            if let (End::Reject { start, .. }, true) = (exp.end, framing.has_length_field()) {
                let bytes = chunks.concat();
                let rest = bytes.len() - start;
                flags.push(match framing.parse_header(&bytes[start..]) {
                    HeaderParse::Frame { header_len, .. } if header_len == rest => {
                        "eof-after-header"
                    }
                    HeaderParse::Frame { .. } => "eof-inside-payload",
                    _ => "eof-inside-header",
                });
            }
        }
        _ => {}
    }
    flags.extend(framing.format().vector_flags(!outcome.resumed.is_empty()));
    let mut comment =
        format!("Generated: the {name} stream of {framing}, cut by the {schedule_name} schedule. ");
    match &outcome.error {
        None => {
            let _ = write!(comment, "All {} frames must come out", outcome.frames.len());
            comment.push_str(", each from the chunk that completes it.");
            if outcome.frames.iter().any(|(_, by)| *by == Reported::Eof) {
                comment.push_str(" The unterminated last line comes out at EOF.");
            }
        }
        Some(e) => {
            let _ = write!(
                comment,
                "{} frame(s) before a {} frame, reported {}.",
                outcome.frames.len(),
                e.class.name(),
                match (e.earliest_by, e.reported_by) {
                    (_, Reported::Eof) => "at EOF".to_string(),
                    (Reported::Chunk(a), Reported::Chunk(b)) if a < b => format!(
                        "by chunk {b}, which completes the header, or as early as chunk {a}, \
                         whose bytes already prove it bad"
                    ),
                    (_, Reported::Chunk(b)) if !framing.has_length_field() => {
                        format!("by chunk {b}, which proves it")
                    }
                    (_, Reported::Chunk(b)) => {
                        format!("by chunk {b}, which completes the header")
                    }
                }
            );
            if let Some(r) = outcome.resumed.first() {
                let _ = write!(
                    comment,
                    " The decoder then goes on after the next newline: {} more frame(s){}.",
                    r.frames.len(),
                    if r.error.is_some() {
                        " and another error"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    let otherwise = (result == Expected::Acceptable)
        .then(|| spec_outcome(framing.with_empty_frames(false), &chunks));
    Vector {
        id: id.to_string(),
        file: format!("generated/{stem}.json"),
        comment,
        flags: flags.into_iter().map(String::from).collect(),
        framing,
        chunks,
        result,
        outcome,
        depends_on: otherwise.as_ref().map(|_| "empty-frames".to_string()),
        otherwise,
        expectation: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regenerating_the_vectors_changes_nothing() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
        for (name, text) in generate() {
            let committed = std::fs::read_to_string(dir.join(&name))
                .unwrap_or_else(|e| panic!("vectors/{name}: {e}"));
            assert!(
                committed == text,
                "vectors/{name} differs from the generator's output: run \
                 `cargo run -- vectors generate` and commit the result"
            );
        }
    }
}
