//! Seed corpora for the cargo-fuzz targets, and the check each target makes, for replay on
//! stable.
//!
//! [`generate`] turns the golden vectors (and the suite's message sets) into seed inputs for
//! every target in `fuzz/` (`framecheck corpus generate` writes them under `corpus/`;
//! `fuzz/seed-corpus.sh` then minimizes each folder with `cargo fuzz cmin`). [`replay`] is the
//! body of each target as a function, so that `cargo test` replays every committed input, and
//! every crash kept under `corpus/regressions/<target>/`, without nightly or libFuzzer.
//!
//! ```
//! let seeds = framecheck::corpus::generate();
//! let worked = seeds
//!     .iter()
//!     .find(|s| s.target == "replay_token" && s.name == "seed-worked-example")
//!     .unwrap();
//! framecheck::corpus::replay("replay_token", &worked.data).unwrap();
//! ```

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::baseline::Baseline;

use crate::case::{Case, Stream};
use crate::framing::Framing;
use crate::fuzz::{bundled_pairs, case_from_bytes, check_bundled_in, check_bytes};
use crate::oracle::{catch_quietly, FailureKind};
use crate::reference::ReferenceDecoder;
use crate::vectors;

/// One seed input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// The fuzz target (a folder under `corpus/`).
    pub target: &'static str,
    /// The file name: the vector or stream it comes from.
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
}

/// The framing of the `reference_u32be` and `zoo` targets.
pub fn u32be_target_framing() -> Framing {
    Framing::default().with_max_frame_len(4096)
}

/// The targets that get seeds from the vectors, besides the adapter targets.
pub const SEEDED_TARGETS: &[&str] = &[
    "reference_u32be",
    "reference_lines",
    "replay_token",
    "vectors_file",
    "exec_answer",
];

/// The third-party adapter targets: `(target, registry id prefix)` (see [`crate::registry`]).
pub const ADAPTER_TARGETS: &[(&str, &str)] = &[
    ("adapter_tokio_util07", "tokio-util07"),
    ("adapter_unsigned_varint08", "unsigned-varint08"),
    ("adapter_prost014", "prost014"),
    ("adapter_asynchronous_codec07", "asynchronous-codec07"),
    ("adapter_actix_codec05", "actix-codec05"),
];

/// The third-party adapters' known findings: a baseline file ([`crate::baseline`]),
/// `fuzz/known-findings.json`, each entry pinned with its minimal case in
/// `tests/third_party.rs` or `tests/third_party_layouts.rs`. The CI fuzz smoke passes the same
/// file (`FRAMECHECK_FUZZ_ALLOW=@fuzz/known-findings.json`), and the corpus replay lets them
/// through.
pub const KNOWN_FINDINGS: &str = include_str!("../fuzz/known-findings.json");

/// [`KNOWN_FINDINGS`], read.
///
/// # Panics
/// If the committed file is malformed (a test reads it on every `cargo test`).
pub fn known_findings_baseline() -> &'static Baseline {
    static KNOWN: OnceLock<Baseline> = OnceLock::new();
    KNOWN.get_or_init(|| {
        Baseline::parse("fuzz/known-findings.json", KNOWN_FINDINGS)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The findings adapter target `target` is known to reproduce, as `(decoder id prefix, kind)`:
/// the entries of [`KNOWN_FINDINGS`] whose decoder is one of the target's.
pub fn known_findings(target: &str) -> Vec<(String, FailureKind)> {
    let Some((_, prefix)) = ADAPTER_TARGETS.iter().find(|(t, _)| *t == target) else {
        return Vec::new();
    };
    known_findings_baseline()
        .entries()
        .iter()
        .filter_map(|e| {
            let d = e.decoder.as_deref()?;
            (d.starts_with(prefix) || prefix.starts_with(d)).then(|| (d.to_string(), e.kind))
        })
        .collect()
}

/// The fuzz input that [`case_from_bytes`] turns into `case` under `framing`, if there is one:
/// at most 7 messages of at most 255 bytes, a tail of at most 7 raw bytes, and reads of at most
/// 32 bytes but the last. Checked by turning it back.
pub fn bytes_for_case(framing: Framing, case: &Case) -> Option<Vec<u8>> {
    let stream = Stream::raw(framing, "seed", case.stream.bytes().to_vec());
    let (messages, tail) = (stream.messages(), stream.tail());
    if messages.len() > 7 || tail.len() > 7 || messages.iter().any(|m| m.len() > 255) {
        return None;
    }
    let mut data = vec![messages.len() as u8];
    for m in messages {
        data.push(m.len() as u8);
        data.extend_from_slice(m);
    }
    if tail.is_empty() {
        data.push(0);
    } else {
        data.extend([3, tail.len() as u8]);
        data.extend_from_slice(tail);
    }
    let mut at = 0;
    for &cut in case.schedule.cuts() {
        let step = cut.checked_sub(at).filter(|s| (1..=32).contains(s))?;
        data.push((step - 1) as u8);
        at = cut;
    }
    let again = case_from_bytes(framing, &data);
    (again.stream.bytes() == case.stream.bytes() && again.schedule == case.schedule).then_some(data)
}

/// Every seed, for every target, from the bundled golden vectors (each as given) and, for the
/// `u32be` targets, the suite's message sets under the schedule catalog.
pub fn generate() -> Vec<Seed> {
    let mut out = Vec::new();
    let all = vectors::bundled().expect("the bundled vectors load");
    let mut seen: BTreeSet<(&'static str, Vec<u8>)> = BTreeSet::new();
    let mut push = |target: &'static str, name: String, data: Vec<u8>| {
        // A file name: the vector id characters, anything else as `_`.
        let name: String = name
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '=' | '+' | '@' | '#' | '-' => c,
                _ => '_',
            })
            .collect();
        if seen.insert((target, data.clone())) {
            out.push(Seed { target, name, data });
        }
    };
    let adapter_pairs: Vec<(&'static str, crate::fuzz::Pairs)> = ADAPTER_TARGETS
        .iter()
        .map(|&(target, prefix)| {
            let pairs = bundled_pairs(prefix);
            // The first input byte picks the pair.
            assert!(
                pairs.len() <= 256,
                "{target}: more than 256 decoder × framing pairs"
            );
            (target, pairs)
        })
        .collect();
    for v in &all {
        let case = v.case();
        push("replay_token", v.id.clone(), case.token().into_bytes());
        // One vector per file, without its flags (a file must define the flags it uses).
        let mut vector = v.to_json();
        vector["flags"] = serde_json::json!([]);
        let file = serde_json::json!({
            "format": "framecheck-vectors",
            "version": 1,
            "flags": {},
            "vectors": [vector],
        });
        push(
            "vectors_file",
            v.id.clone(),
            serde_json::to_vec_pretty(&file).expect("JSON values serialize"),
        );
        if let Some(flags) = lines_flags(v.framing) {
            // `reference_lines`: two bytes choose the policies and the maximum (16, as in the
            // generated vectors), then the case.
            let (framing, _) = crate::fuzz::lines_framing_from_bytes(&[flags, 16]);
            if framing == v.framing {
                if let Some(data) = bytes_for_case(framing, &case) {
                    push(
                        "reference_lines",
                        v.id.clone(),
                        [vec![flags, 16], data].concat(),
                    );
                }
            }
        }
        if v.framing.name() == "u32be" {
            if let Some(data) = bytes_for_case(u32be_target_framing(), &case) {
                push("reference_u32be", v.id.clone(), data);
            }
        }
        for (target, pairs) in &adapter_pairs {
            let target: &'static str = target;
            for (i, (_, framing)) in pairs.iter().enumerate() {
                if framing.name() == v.framing.name() {
                    if let Some(data) = bytes_for_case(*framing, &case) {
                        push(
                            target,
                            format!("{i}-{}", v.id),
                            [vec![i as u8], data].concat(),
                        );
                    }
                }
            }
        }
    }
    let framing = u32be_target_framing();
    for case in crate::suite::Suite::new(framing).vectors(false).cases() {
        if let Some(data) = bytes_for_case(framing, &case) {
            push("reference_u32be", case.label(), data);
        }
    }
    for (name, line) in [
        ("done", "DONE"),
        ("done-crlf", "DONE\r"),
        ("frame", "FRAME 616263"),
        ("frame-empty", "FRAME"),
        ("frame-bad-hex", "FRAME 6g"),
        ("frame-odd-hex", "FRAME 616"),
        ("error", "ERROR length 5000 over the maximum 4096"),
        ("error-bare", "ERROR"),
        ("garbage", "hello"),
    ] {
        push("exec_answer", name.to_string(), line.as_bytes().to_vec());
    }
    out
}

/// The first byte of a `reference_lines` input that chooses `framing`'s line policies.
fn lines_flags(framing: Framing) -> Option<u8> {
    match framing.wire() {
        crate::framing::Wire::Lines(l) => Some(
            u8::from(l.eof == crate::framing::LineEof::Emit)
                | u8::from(l.resync) << 1
                | u8::from(l.text) << 2
                | u8::from(l.crlf) << 3,
        ),
        _ => None,
    }
}

/// The check the fuzz target `target` makes on `data`, as a function: `Err` with the failure
/// report when the target would crash. For an adapter target, its [`known_findings`] pass.
pub fn replay(target: &str, data: &[u8]) -> Result<(), String> {
    let run = || match target {
        "reference_u32be" => {
            let framing = u32be_target_framing();
            check_bytes(framing, data, ReferenceDecoder::new(framing));
        }
        "reference_lines" => {
            let (framing, rest) = crate::fuzz::lines_framing_from_bytes(data);
            check_bytes(framing, rest, ReferenceDecoder::new(framing));
        }
        "replay_token" => {
            if let Ok(text) = std::str::from_utf8(data) {
                let _ = Case::from_token(text);
            }
        }
        "vectors_file" => {
            if let Ok(text) = std::str::from_utf8(data) {
                let _ = vectors::load_str("fuzz.json", text, &mut Default::default());
            }
        }
        "exec_answer" => {
            let _ = crate::exec::parse_answer(data);
        }
        #[cfg(feature = "arbitrary1")]
        "structured_reference" => {
            use arbitrary::{Arbitrary, Unstructured};
            if let Ok(fc) = crate::fuzz::FuzzCase::arbitrary(&mut Unstructured::new(data)) {
                crate::fuzz::check_fuzz_case(&fc, fc.reference_decoder());
            }
        }
        other => match ADAPTER_TARGETS.iter().find(|(t, _)| *t == other) {
            Some((_, prefix)) => check_bundled_in(prefix, data, known_findings_baseline()),
            None => panic!("no fuzz target named {other:?} (or its feature is off)"),
        },
    };
    catch_quietly(run).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_example_becomes_fuzz_bytes_that_decode_back() {
        let v = vectors::bundled()
            .unwrap()
            .into_iter()
            .find(|v| v.id == "u32be-worked-example-frame-boundaries")
            .expect("a generated u32be worked example");
        let case = v.case();
        let data = bytes_for_case(u32be_target_framing(), &case).unwrap();
        assert_eq!(data[0], 3, "three messages");
        assert!(replay("reference_u32be", &data).is_ok());
    }

    #[test]
    fn every_target_gets_seeds() {
        let seeds = generate();
        for target in SEEDED_TARGETS.iter().copied().chain(
            ADAPTER_TARGETS
                .iter()
                .filter(|(_, prefix)| !bundled_pairs(prefix).is_empty())
                .map(|(t, _)| *t),
        ) {
            let n = seeds.iter().filter(|s| s.target == target).count();
            assert!(n >= 5, "{target}: {n} seeds");
        }
    }

    #[test]
    fn an_unknown_target_is_an_error_not_a_pass() {
        assert!(replay("no_such_target", b"")
            .unwrap_err()
            .contains("no_such_target"));
    }
}
