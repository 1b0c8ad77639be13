//! Every committed fuzz input replays on stable through the same check as its fuzz target.

use std::fs;
use std::path::Path;

use framecheck::{Case, Framing, ReferenceDecoder};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            (path.display().to_string(), fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "{} is empty", dir.display());
    out
}

#[test]
fn reference_u32be_corpus_passes() {
    let framing = Framing::default().with_max_frame_len(4096);
    for (name, data) in inputs("reference_u32be") {
        eprintln!("{name}");
        framecheck::fuzz::check_bytes(framing, &data, ReferenceDecoder::new(framing));
    }
}

#[test]
fn replay_token_corpus_parses_or_errors_without_panicking() {
    let mut ok = 0;
    for (_, data) in inputs("replay_token") {
        if let Ok(text) = std::str::from_utf8(&data) {
            ok += Case::from_token(text).is_ok() as usize;
        }
    }
    assert!(ok >= 3, "the valid seed tokens stopped parsing");
}
