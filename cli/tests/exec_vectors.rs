//! `framecheck run --exec PROGRAM --vectors FILE`: a decoder of a framing the harness does not
//! know (the type-length-value framing of `examples/tlv/`) tested from a vectors file its
//! author wrote: the correct decoder passes, planted bugs are caught with a `Reproduce with:`
//! line that reproduces them in a fresh process, and every mistake in the file is a usage error
//! (exit 2) that names the file, the vector and the field, never a verdict on the decoder.

use predicates::prelude::*;

mod common;
use common::{framecheck, temp_dir, ROOT};

const TLV: &str = "examples/tlv/tlv.json";
const DECODER: &str = "python3 examples/tlv/decoder.py";

fn run_tlv(exec: &str, file: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut args = vec!["run", "--exec", exec, "--vectors", file];
    args.extend_from_slice(extra);
    framecheck().args(&args).assert()
}

/// The `Reproduce with:` line of the first failure, run as printed (with this test's binary
/// for `framecheck`) from the repository's root.
fn reproduce(stdout: &str) -> std::process::Output {
    let line = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Reproduce with: "))
        .unwrap_or_else(|| panic!("no Reproduce line in:\n{stdout}"));
    let bin = assert_cmd::cargo::cargo_bin("framecheck");
    let rest = line
        .strip_prefix("framecheck ")
        .expect("a framecheck command");
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{}' {rest}", bin.display()))
        .current_dir(ROOT)
        .output()
        .unwrap()
}

#[test]
fn the_tlv_example_decoder_passes_its_vectors_cut_every_way() {
    run_tlv(DECODER, TLV, &[])
        .code(0)
        .stdout(predicate::str::contains(
            "7 vectors in tlv:max=8388608, 3030 cases",
        ))
        .stdout(predicate::str::contains(" 0 failed"));
}

#[test]
fn framing_may_name_the_files_framing() {
    run_tlv(DECODER, TLV, &["--framing", "tlv"])
        .code(0)
        .stdout(predicate::str::contains(" 0 failed"));
}

/// A decoder that emits one frame per read leaves the second frame of a read stuck; the
/// reproduce line replays the minimal case in a fresh process (whose framing it knows from
/// `--vectors`) and fails the same way.
#[test]
fn a_decoder_that_emits_one_frame_per_read_is_caught_and_reproduced() {
    let out = run_tlv(&format!("{DECODER} --bug=one-frame-per-read"), TLV, &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL stuck-frame"))
        .stdout(predicate::str::contains(
            " --vectors 'examples/tlv/tlv.json' 'tlv:max=",
        ))
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    let again = reproduce(&stdout);
    let text = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(1), "{text}");
    assert!(text.starts_with("FAIL stuck-frame"), "{text}");
}

/// A decoder that drops a frame cut short at EOF passes every whole vector but one, and every
/// truncation inside a frame catches it.
#[test]
fn a_decoder_that_drops_a_truncated_frame_at_eof_is_caught() {
    let out = run_tlv(&format!("{DECODER} --bug=drop-last-at-eof"), TLV, &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL "))
        .stdout(predicate::str::contains("trunc@"))
        .get_output()
        .stdout
        .clone();
    let again = reproduce(&String::from_utf8(out).unwrap());
    assert_eq!(
        again.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[test]
fn a_token_of_an_opaque_framing_without_its_file_says_to_pass_it() {
    framecheck()
        .args([
            "replay",
            "--exec",
            DECODER,
            "tlv:max=8388608/0100036162630200026869/-/6:3+3,5:3+2;clean",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("replays with --vectors FILE"));
}

#[test]
fn an_opaque_framing_has_no_bundled_decoder() {
    framecheck()
        .args(["run", "--vectors", TLV])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "tlv:max=8388608 is an opaque framing, known from examples/tlv/tlv.json alone",
        ));
}

#[test]
fn a_framing_the_file_does_not_use_is_a_usage_error() {
    run_tlv(DECODER, TLV, &["--framing", "u16be"])
        .code(2)
        .stderr(predicate::str::contains(
            "--framing u16be:max=65535 disagrees with examples/tlv/tlv.json, whose vectors are \
             in tlv:max=8388608",
        ));
}

/// Each mistake a hand-written file can hold, planted in a copy of the example: a usage error
/// naming the file, the vector and the field, with exit code 2 (the decoder is correct).
#[test]
fn mistakes_in_the_file_are_located_usage_errors() {
    let text = std::fs::read_to_string(format!("{ROOT}/{TLV}")).unwrap();
    let dir = temp_dir();
    for (name, from, to, needle) in [
        (
            "json",
            "\"version\": 1,",
            "\"version\": 1",
            "not valid JSON at line 4",
        ),
        (
            "overlap",
            "\"frame\": [6, 11]",
            "\"frame\": [5, 11]",
            "vector tlv-two-frames: frames[1].frame: [5, 11] overlaps frames[0], which ends at \
             byte 6",
        ),
        (
            "gap",
            "\"frame\": [6, 11]",
            "\"frame\": [7, 11]",
            "vector tlv-two-frames: frames[1].frame: starts at byte 7, but frames[0] ends at \
             byte 6: bytes 6..7 belong to no frame",
        ),
        (
            "short",
            "{\"hex\": \"6869\", \"frame\": [6, 11]}",
            "{\"hex\": \"68\", \"frame\": [6, 10]}",
            "vector tlv-two-frames: frames: end at byte 10, but the stream is 11 bytes",
        ),
        (
            "past-the-end",
            "\"frame\": [6, 11]",
            "\"frame\": [6, 12]",
            "vector tlv-two-frames: frames[1].frame: [6, 12] is not a non-empty range of the \
             11-byte stream",
        ),
        (
            "hex",
            "{\"hex\": \"616263\", \"frame\": [0, 6]}",
            "{\"hex\": \"616264\", \"frame\": [0, 6]}",
            "vector tlv-two-frames: frames[0].hex: 616264 does not lie inside the frame: its \
             bytes 0..6 are 010003616263",
        ),
        (
            "error-past-the-end",
            "\"class\": \"malformed-header\", \"at\": 5",
            "\"class\": \"malformed-header\", \"at\": 9",
            "vector tlv-reserved-type: error.at: byte 9 is past the 9-byte stream",
        ),
        (
            "error-inside-a-frame",
            "\"class\": \"malformed-header\", \"at\": 5",
            "\"class\": \"malformed-header\", \"at\": 2",
            "vector tlv-reserved-type: error.at: byte 2 lies inside frames[0] (0..5)",
        ),
        (
            "earliest-after-at",
            "\"at\": 2, \"earliest\": 1",
            "\"at\": 2, \"earliest\": 3",
            "vector tlv-length-256: error.earliest: is byte 3, after the error is due (byte 2)",
        ),
        (
            "emitted-by",
            "{\"hex\": \"616263\", \"frame\": [0, 6]}",
            "{\"hex\": \"616263\", \"frame\": [0, 6], \"emitted_by\": 0}",
            "vector tlv-two-frames: frames[0].emitted_by: is chunk 0; the frame's last byte \
             (byte 5) arrives in chunk 1",
        ),
        (
            "known-name",
            "{\"type\": \"opaque\", \"name\": \"tlv\"},\n      \"chunks\": [\"0100\"",
            "{\"type\": \"opaque\", \"name\": \"u16be\"},\n      \"chunks\": [\"0100\"",
            "vector tlv-two-frames: framing.name: \"u16be\" is a framing framecheck knows",
        ),
    ] {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text, "{name}: {from} not found");
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, bad).unwrap();
        let file = path.display().to_string();
        run_tlv(DECODER, &file, &[])
            .code(2)
            .stdout(predicate::str::contains("FAIL").not())
            .stderr(predicate::str::contains(format!("{file}: ")))
            .stderr(predicate::str::contains(needle));
    }
}

/// The user's own vectors of a built-in framing run the same way, against the framing's
/// specification: a vector that contradicts it is a usage error naming it.
#[test]
fn vectors_of_a_builtin_framing_run_the_same_way_and_must_agree_with_its_specification() {
    let text = r#"{"format": "framecheck-vectors", "version": 1, "flags": {}, "vectors": [
      {"id": "mine-two", "comment": "", "flags": [],
       "framing": {"type": "length-prefix", "width": 2, "endian": "big", "max_frame_len": 100},
       "chunks": ["0003", "6162630001", "78"], "result": "valid",
       "frames": [{"hex": "616263", "emitted_by": 1}, {"hex": "78", "emitted_by": 2}],
       "error": null}]}"#;
    let dir = temp_dir();
    let good = dir.join("mine.json");
    std::fs::write(&good, text).unwrap();
    let exec = "python3 examples/python/length_prefix.py u16be 100";
    run_tlv(exec, &good.display().to_string(), &[])
        .code(0)
        .stdout(predicate::str::contains("1 vectors in u16be:max=100"))
        .stdout(predicate::str::contains(" 0 failed"));
    let bad = dir.join("contradicts.json");
    std::fs::write(&bad, text.replace("\"emitted_by\": 2", "\"emitted_by\": 1")).unwrap();
    run_tlv(exec, &bad.display().to_string(), &[])
        .code(2)
        .stderr(predicate::str::contains(
            "contradicts.json: vector mine-two: frames[1].emitted_by: is chunk 1; the frame's \
             last byte arrives in chunk 2 (by the specification of u16be:max=100)",
        ));
}
