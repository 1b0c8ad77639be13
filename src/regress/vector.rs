//! A failure's minimal case as a vector file: one vector stating what a correct decoder must do
//! with the case, read back and compared with the case before it is kept.

use std::collections::HashSet;

use serde_json::json;

use crate::case::Case;
use crate::framing::{End, Expectation};
use crate::oracle::FailureKind;
use crate::vectors::model::given_schedule;
use crate::vectors::spec::explicit_outcome;
use crate::vectors::{self, spec_outcome, Expected, Outcome, Profile, Vector};

/// The flag every saved vector carries.
const SAVED_FLAG: &str = "saved-failure";

/// `(id, file text)` of the vector file for `case`, which `decoder` (`None`: a program under
/// `--exec`) failed with `kind`; or why the case cannot be a vector.
pub(super) fn vector_file(
    case: &Case,
    kind: FailureKind,
    decoder: Option<&str>,
) -> Result<(String, String), String> {
    let stream = &case.stream;
    let framing = stream.framing();
    let bytes = stream.bytes();
    let chunks: Vec<Vec<u8>> = case
        .schedule
        .chunks(bytes)
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    let mut vector = if vectors::is_opaque(&framing) {
        // The file that named the framing stated the stream's frames; so does this one.
        let exp = stream.expectation().clone();
        let outcome = explicit_outcome(&exp, &chunks);
        let result = match outcome.error {
            Some(_) => Expected::Invalid,
            None => Expected::Valid,
        };
        blank(framing, chunks, result, outcome, None, Some(exp))
    } else {
        if framing.expect(bytes) != *stream.expectation() {
            return Err(format!(
                "its stream carries an expectation of its own, which is not what the \
                 specification of {framing} reads from its bytes, and a vector of a framing the \
                 harness knows states only that"
            ));
        }
        // A file's framing allows empty frames; one that rejects them is the `otherwise`
        // outcome of an `acceptable` vector (as the generator writes them).
        let base = framing.with_empty_frames(true);
        let outcome = spec_outcome(base, &chunks);
        let strict = spec_outcome(base.with_empty_frames(false), &chunks);
        let (result, otherwise) = match (strict != outcome, outcome.error.is_some()) {
            (true, _) => (Expected::Acceptable, Some(strict)),
            (false, true) => (Expected::Invalid, None),
            (false, false) => (Expected::Valid, None),
        };
        blank(base, chunks, result, outcome, otherwise, None)
    };
    let who = match decoder {
        Some(d) => format!("decoder {d}"),
        None => "a program under --exec".to_string(),
    };
    let (_, due) = vector.resolve(Profile {
        empty_frames: framing.empty_frames(),
    });
    let replay = match decoder {
        Some(d) => format!("framecheck replay --decoder {d} '{}'", case.token()),
        None => format!("framecheck replay --exec PROGRAM '{}'", case.token()),
    };
    vector.comment = format!(
        "Kept by framecheck --save-failures: {who} failed this stream with {kind} ({}). A \
         correct decoder {}. Replay the failing case with: {replay}",
        framing,
        must(due)
    );
    vector.flags = vec![SAVED_FLAG.to_string(), kind.name().to_string()];
    let slug: String = format!("{kind}-{}", decoder.unwrap_or("exec"))
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '=' | '+' | '@' | '#' | '-' => c,
            _ => '_',
        })
        .collect();
    // The id is the kind, the decoder and a hash of everything else in the file.
    let hash = super::content_hash(file_text(&vector, kind).as_bytes());
    vector.id = format!("{slug}-{hash}");
    let text = file_text(&vector, kind);
    check_read_back(&vector.id, &text, case)?;
    Ok((vector.id, text))
}

fn blank(
    framing: crate::Framing,
    chunks: Vec<Vec<u8>>,
    result: Expected,
    outcome: Outcome,
    otherwise: Option<Outcome>,
    expectation: Option<Expectation>,
) -> Vector {
    Vector {
        id: String::new(),
        file: String::new(),
        comment: String::new(),
        flags: Vec::new(),
        framing,
        chunks,
        result,
        outcome,
        depends_on: otherwise.as_ref().map(|_| "empty-frames".to_string()),
        otherwise,
        expectation,
    }
}

/// `must emit its 2 frames and end cleanly`, in words, from the outcome that applies.
fn must(o: &Outcome) -> String {
    let frames = match o.frames.len() {
        1 => "its 1 frame".to_string(),
        n => format!("its {n} frames"),
    };
    match &o.error {
        None => format!("emits {frames} and ends cleanly"),
        Some(e) => format!("emits {frames}, then rejects the stream: {}", e.describe()),
    }
}

/// The file: format, version, the two flags' notes, and the one vector.
fn file_text(v: &Vector, kind: FailureKind) -> String {
    let file = json!({
        "format": vectors::FORMAT,
        "version": vectors::VERSION,
        "generator": "framecheck --save-failures",
        "flags": {
            SAVED_FLAG: {
                "note": "A failure framecheck found, shrunk and kept (framecheck run \
                         --save-failures DIR): the comment names the decoder that failed it \
                         and its replay token.",
                "links": [],
            },
            kind.name(): {
                "note": format!("The decoder under test failed this stream with {kind}."),
                "links": [],
            },
        },
        "vectors": [v.to_json()],
    });
    let mut text = serde_json::to_string_pretty(&file).expect("JSON values serialize");
    text.push('\n');
    text
}

/// Loads `text` as a vector file and checks that it states `case`: the same framing, reads,
/// bytes and expectation. An expectation's `why` (prose for reports) is not part of the case:
/// the loader of an opaque framing's file writes its own (`vector ID says so`, naming the
/// vector it read), and a replay token carries none.
fn check_read_back(id: &str, text: &str, case: &Case) -> Result<(), String> {
    let file = vectors::load_str(&format!("{id}.json"), text, &mut HashSet::new())
        .map_err(|e| format!("the vector does not load back (a bug in framecheck): {e}"))?;
    let v = &file.vectors[0];
    let framing = case.stream.framing();
    let (resolved, _) = v.resolve(Profile {
        empty_frames: framing.empty_frames(),
    });
    let len = case.stream.bytes().len();
    let again = v.stream(resolved, String::new());
    let same = resolved == framing
        && again.bytes() == case.stream.bytes()
        && without_why(again.expectation()) == without_why(case.stream.expectation())
        && given_schedule(&v.chunks).ranges(len) == case.schedule.ranges(len);
    match same {
        true => Ok(()),
        false => Err(format!(
            "the vector read back states another case than {} (a bug in framecheck)",
            case.token()
        )),
    }
}

/// `exp` with the reason of each rejection, in it and in every segment it resumes into, left
/// empty: everything else in it states the case.
fn without_why(exp: &Expectation) -> Expectation {
    let mut exp = exp.clone();
    for segment in std::iter::once(&mut exp.end).chain(exp.resumed.iter_mut().map(|r| &mut r.end)) {
        if let End::Reject { why, .. } = segment {
            why.clear();
        }
    }
    exp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_back_vector_stating_another_error_position_is_refused() {
        let file = r#"{"format": "framecheck-vectors", "version": 1, "flags": {}, "vectors": [
          {"id": "v", "comment": "", "flags": [],
           "framing": {"type": "opaque", "name": "regress-read-back"},
           "chunks": ["0100026869", "0000000161"], "result": "invalid",
           "frames": [{"hex": "6869", "frame": [0, 5]}],
           "error": {"class": "malformed-header", "at": 5}}]}"#;
        let case = vectors::load_str("f.json", file, &mut HashSet::new())
            .unwrap()
            .vectors[0]
            .case();
        // The same vector under another file and id states the same case...
        let renamed = file.replace(r#""id": "v""#, r#""id": "w""#);
        check_read_back("w", &renamed, &case).unwrap();
        // ...and one whose error is due a byte later does not.
        let later = file.replace(r#""at": 5"#, r#""at": 6"#);
        let e = check_read_back("w", &later, &case).unwrap_err();
        assert!(e.contains("states another case"), "{e}");
    }
}
