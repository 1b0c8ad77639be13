//! `vectors/worked-examples.json`: the worked examples of Netty's `LengthFieldBasedFrameDecoder`
//! and tokio-util's `LengthDelimitedCodec` documentation, byte for byte, as golden vectors.
//!
//! The examples live once, as data, in [`crate::framing::layout::examples`]; this module turns
//! each into two vectors, its input in one read and the same input cut inside the length field
//! and before its last byte, and [`super::generate()`] writes the file with the generated
//! ones, so the file cannot drift from the examples (the test that regenerating changes nothing
//! covers it). Each frame comes from the specification ([`spec_outcome`]), and the generator
//! refuses an example whose specified frame is not the one the library's documentation shows.

use serde_json::{json, Map, Value};

use crate::error::decode_hex;
use crate::framing::layout::examples::{WorkedExample, NETTY, TOKIO};
use crate::framing::Framing;

use super::model::{Expected, Vector};
use super::spec::spec_outcome;
use super::{FORMAT, VERSION};

/// The file's name under `vectors/`.
pub const FILE: &str = "worked-examples.json";

/// The flags of the file, with their notes.
const FLAGS: &[(&str, &str)] = &[
    (
        "netty-worked-example",
        "A worked example of the class documentation of Netty's LengthFieldBasedFrameDecoder, \
         byte for byte; its lengthAdjustment counts from the end of the field.",
    ),
    (
        "tokio-util-worked-example",
        "A worked example of the module documentation of tokio-util 0.7's \
         codec::length_delimited (LengthDelimitedCodec), byte for byte; its length_adjustment \
         counts from the end of the num_skip bytes (adjust_base strip).",
    ),
    (
        "split-header",
        "A read ends inside a length header (docs/bug-classes.md #3, #4).",
    ),
    (
        "length-field-layout",
        "A length-field layout: offset bytes, a length field, an adjusted body, a strip.",
    ),
];

/// Every worked example, with the library it comes from and its flag.
fn examples() -> impl Iterator<Item = (&'static str, &'static str, &'static WorkedExample)> {
    let netty = NETTY.iter().map(|e| {
        (
            "Netty's LengthFieldBasedFrameDecoder",
            "netty-worked-example",
            e,
        )
    });
    let tokio = TOKIO.iter().map(|e| {
        (
            "tokio-util 0.7's LengthDelimitedCodec",
            "tokio-util-worked-example",
            e,
        )
    });
    netty.chain(tokio)
}

/// The two vectors of `example`: `worked-<id>-whole` (one read) and `worked-<id>-split` (cut
/// one byte into the length field and before the last byte).
///
/// # Panics
/// If the example does not parse or the specification does not decode its input to the frame
/// the library's documentation shows: the data in `examples.rs` is then wrong.
fn vectors_of(library: &str, flag: &str, example: &WorkedExample) -> Vec<Vector> {
    let framing: Framing = example
        .framing
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", example.id));
    let input = decode_hex(example.id, example.input).expect("the example's input is hex");
    let decoded = decode_hex(example.id, example.decoded).expect("the example's frame is hex");
    let crate::framing::Wire::Layout(layout) = framing.wire() else {
        panic!("{}: not a length-field layout", example.id);
    };
    let cut = layout.offset as usize + 1;
    let splits = [
        ("whole", vec![input.clone()]),
        (
            "split",
            vec![
                input[..cut].to_vec(),
                input[cut..input.len() - 1].to_vec(),
                input[input.len() - 1..].to_vec(),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (how, chunks) in splits {
        let outcome = spec_outcome(framing, &chunks);
        assert!(
            outcome.error.is_none() && outcome.frames.len() == 1 && outcome.frames[0].0 == decoded,
            "{} ({how}): the specification of {framing} gives {outcome:?}, the documentation \
             {}",
            example.id,
            example.decoded
        );
        let mut flags = vec![flag.to_string()];
        if how == "split" {
            flags.push("split-header".to_string());
        }
        flags.extend(
            framing
                .format()
                .vector_flags(false)
                .into_iter()
                .map(String::from),
        );
        let reads = match how {
            "whole" => "in one read".to_string(),
            _ => format!(
                "in three reads, cut {cut} byte(s) in (inside the length field) and before the \
                 last byte"
            ),
        };
        out.push(Vector {
            id: format!("worked-{}-{how}", example.id),
            file: FILE.to_string(),
            comment: format!(
                "Generated from the worked examples: {library}'s documentation, example {} \
                 ({}), as {framing}, {reads}. Its one frame is the one the documentation \
                 shows, emitted by the last read.",
                example.id.rsplit('-').next().unwrap_or(example.id),
                example.settings,
            ),
            flags,
            framing,
            chunks,
            result: Expected::Valid,
            outcome,
            depends_on: None,
            otherwise: None,
            expectation: None,
        });
    }
    out
}

/// Every worked example's vectors, in the order of the two libraries' documentation.
pub fn worked_vectors() -> Vec<Vector> {
    examples()
        .flat_map(|(library, flag, e)| vectors_of(library, flag, e))
        .collect()
}

/// The file `vectors/worked-examples.json`: `(name under vectors/, contents)`.
pub fn worked_file() -> (String, String) {
    let vectors: Vec<Value> = worked_vectors().iter().map(Vector::to_json).collect();
    let flags: Map<String, Value> = FLAGS
        .iter()
        .map(|(f, note)| (f.to_string(), json!({"note": note, "links": []})))
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
    (FILE.to_string(), text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::ReferenceDecoder;
    use crate::vectors::{bundled, run, Profile};

    #[test]
    fn every_worked_example_is_bundled_twice_byte_for_byte() {
        let all = bundled().unwrap();
        for (_, _, e) in examples() {
            for how in ["whole", "split"] {
                let id = format!("worked-{}-{how}", e.id);
                let v = all
                    .iter()
                    .find(|v| v.id == id)
                    .unwrap_or_else(|| panic!("{id}: not bundled"));
                assert_eq!(v.framing, e.framing.parse::<Framing>().unwrap(), "{id}");
                assert_eq!(
                    v.chunks.concat(),
                    decode_hex("input", e.input).unwrap(),
                    "{id}"
                );
                let frames: Vec<&[u8]> = v.outcome.frames.iter().map(|f| &f.0[..]).collect();
                assert_eq!(
                    frames,
                    [&decode_hex("decoded", e.decoded).unwrap()[..]],
                    "{id}"
                );
            }
        }
        assert_eq!(
            all.iter().filter(|v| v.file == FILE).count(),
            2 * (NETTY.len() + TOKIO.len())
        );
    }

    #[test]
    fn the_reference_decoder_passes_the_worked_examples_under_every_schedule() {
        let worked = worked_vectors();
        let report = run(&worked, Profile::default(), |f| {
            Some(ReferenceDecoder::new(f))
        });
        assert!(report.is_pass(), "{:?}", report.failing_vectors());
    }

    #[test]
    fn a_wrong_worked_example_is_refused() {
        // netty-2 strips the 2-byte field; claim it emits the whole frame instead.
        let wrong = WorkedExample {
            decoded: NETTY[1].input,
            ..NETTY[1]
        };
        let caught =
            std::panic::catch_unwind(|| vectors_of("Netty", "netty-worked-example", &wrong));
        assert!(caught.is_err());
    }
}
