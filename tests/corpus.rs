//! Every committed fuzz input replays on stable through the same check as its fuzz target
//! (`framecheck::corpus::replay`): the seed corpora under `corpus/<target>/` and every crash
//! kept under `corpus/regressions/<target>/`, so that a crash found once stays fixed.

use std::fs;
use std::path::{Path, PathBuf};

use framecheck::CountingAlloc;

// As in the fuzz targets: the memory-bomb check is part of what they check.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// `(target, folder)` for every folder of inputs under `root`.
fn folders(root: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "regressions"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

fn replay(target: &str, dir: &Path) -> usize {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for path in &files {
        let data = fs::read(path).unwrap();
        if let Err(report) = framecheck::corpus::replay(target, &data) {
            panic!(
                "{} fails the check of fuzz target {target}:\n{report}",
                path.display()
            );
        }
    }
    files.len()
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

#[test]
fn every_seed_corpus_replays_through_its_target() {
    let seeds = folders(&corpus_root());
    let names: Vec<&str> = seeds.iter().map(|(t, _)| t.as_str()).collect();
    for &target in framecheck::corpus::SEEDED_TARGETS {
        assert!(
            names.contains(&target),
            "corpus/{target} is missing: {names:?}"
        );
    }
    for (target, dir) in &seeds {
        // An adapter's corpus replays only where its adapter is compiled in.
        let adapter = framecheck::corpus::ADAPTER_TARGETS
            .iter()
            .find(|(t, _)| t == target);
        if adapter.is_some_and(|(_, prefix)| framecheck::fuzz::bundled_pairs(prefix).is_empty()) {
            eprintln!("corpus/{target}: skipped, its adapter is not compiled in");
            continue;
        }
        let n = replay(target, dir);
        assert!(n > 0, "{} is empty", dir.display());
        eprintln!("corpus/{target}: {n} inputs");
    }
}

/// Every crash kept under `corpus/regressions/<target>/` replays through its target's check,
/// and whatever `fuzz/campaign.sh` puts there from now on.
#[test]
fn every_kept_crash_replays_and_passes() {
    let root = corpus_root().join("regressions");
    assert!(
        root.join("README.md").is_file(),
        "{} is missing",
        root.display()
    );
    for (target, dir) in folders(&root) {
        let n = replay(&target, &dir);
        eprintln!("corpus/regressions/{target}: {n} inputs");
    }
}

/// The replay has teeth: an input on which tokio-util's codec loses a frame passes the
/// adapter target's replay only because that finding is known (and pinned in
/// `tests/third_party.rs`); with nothing allowed, the same input fails.
#[cfg(feature = "tokio-util07")]
#[test]
fn a_known_finding_passes_the_replay_and_nothing_else_does() {
    let pairs = framecheck::fuzz::bundled_pairs("tokio-util07");
    let i = pairs
        .iter()
        .position(|(d, f)| d.id() == "tokio-util07-decode" && f.to_string() == "u32be:max=1024")
        .expect("the tokio-util decode loop under u32be:max=1024");
    // No messages; a truncated-frame tail of 5 payload bytes cut after its 4-byte header.
    let data = [i as u8, 0, 1, 5, 4];
    assert!(framecheck::corpus::replay("adapter_tokio_util07", &data).is_ok());
    let nothing: &[(&str, framecheck::FailureKind)] = &[];
    let strict = std::panic::catch_unwind(|| {
        framecheck::fuzz::check_bundled_allowing("tokio-util07", &data, nothing)
    });
    let message = *strict
        .expect_err("with nothing allowed, the lost frame fails")
        .downcast::<String>()
        .unwrap();
    assert!(message.contains("truncation-ignored"), "{message}");
}

/// The CI fuzz smoke lets through exactly the known findings that the corpus replay does: it
/// passes every adapter target the committed baseline file, which the replay reads too.
#[test]
fn the_ci_smoke_allows_the_known_findings_and_nothing_more() {
    let ci = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    for (target, _) in framecheck::corpus::ADAPTER_TARGETS {
        let line = format!("smoke {target}");
        let in_ci = ci
            .lines()
            .find(|l| l.starts_with(&line))
            .unwrap_or_else(|| panic!(".ci/run does not fuzz {target}"));
        let allowed = in_ci[line.len()..].trim();
        assert_eq!(
            allowed, "fuzz/known-findings.json",
            "{target}: .ci/run allows {allowed:?}"
        );
    }
    let on_disk =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/known-findings.json"))
            .unwrap();
    assert_eq!(on_disk, framecheck::corpus::KNOWN_FINDINGS);
}

/// Every known finding names a decoder (a finding of any decoder would hide real bugs in the
/// others), and the tokio-util target's list holds the EOF-after-header loss.
#[test]
fn every_known_finding_names_its_decoder_and_a_reason() {
    let baseline = framecheck::corpus::known_findings_baseline();
    assert!(!baseline.entries().is_empty());
    for e in baseline.entries() {
        assert!(e.decoder.is_some(), "{e:?}");
        assert!(e.link.is_some(), "{e:?}");
    }
    let tokio = framecheck::corpus::known_findings("adapter_tokio_util07");
    assert!(tokio.contains(&(
        "tokio-util07-decode".to_string(),
        framecheck::FailureKind::TruncationIgnored
    )));
    assert!(framecheck::corpus::known_findings("adapter_prost014").is_empty());
}

/// The token `replay_token` found in issue 11 (`fixed:size=1/…00*18911011…`): 19 million
/// one-byte frames, 5.5 GB to read. It is kept, and now refused as too long, naming the limit.
#[test]
fn the_nineteen_million_frame_token_is_kept_and_refused_by_its_limit() {
    let path = corpus_root().join("regressions/replay_token/fixed-size-1-19m-frames");
    let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(data.len(), 195);
    assert!(framecheck::corpus::replay("replay_token", &data).is_ok());
    let e = framecheck::Case::from_token(std::str::from_utf8(&data).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("MAX_STREAM_LEN"), "{e}");
}
