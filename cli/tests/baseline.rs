//! `framecheck run --baseline`: the issue's own example, tokio-util's LengthDelimitedCodec
//! with its one known finding (a frame lost at EOF right after its header), kept in CI.

mod common;

use common::{framecheck, temp_dir};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const TOKIO: [&str; 5] = [
    "run",
    "--decoder",
    "tokio-util07-decode",
    "--framing",
    "u32be",
];

#[test]
fn a_decoder_with_one_known_finding_passes_ci_with_its_baseline() {
    let dir = temp_dir();
    let known = dir.join("known.json");
    // Without a baseline: red, every run.
    framecheck().args(TOKIO).assert().code(1);
    // Recorded once...
    let out = framecheck()
        .args(TOKIO)
        .arg("--write-baseline")
        .arg(&known)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&known).unwrap();
    assert!(text.contains("\"kind\": \"truncation-ignored\""), "{text}");
    assert!(
        text.contains("\"decoder\": \"tokio-util07-decode\""),
        "{text}"
    );
    // ... then green, with the known failures reported as skipped, with their reason.
    let (json, junit) = (dir.join("r.json"), dir.join("r.xml"));
    let out = framecheck()
        .args(TOKIO)
        .arg("--baseline")
        .arg(&known)
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("KNOWN truncation-ignored"), "{stdout}");
    assert!(stdout.contains("baseline: 0 new failure(s)"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["pass"], true);
    let r = &report["reports"][0];
    assert_eq!(r["failed"], 0);
    assert!(r["known_failed"].as_u64().unwrap() > 0);
    let skipped: Vec<&serde_json::Value> = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "skip")
        .collect();
    assert_eq!(skipped.len() as u64, r["known_failed"].as_u64().unwrap());
    assert!(skipped.iter().all(|c| c["kind"] == "truncation-ignored"
        && c["known"]["reason"]
            .as_str()
            .unwrap()
            .contains("recorded by --write-baseline")));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(
        xml.contains("<skipped message=\"known failure: truncation-ignored"),
        "{xml}"
    );
}

#[test]
fn a_new_failure_fails_the_run_whatever_the_baseline_knows() {
    let dir = temp_dir();
    let known = write(
        &dir,
        "known.json",
        r#"{"framecheck_baseline": 1, "known": [
            {"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "one frame per read"}]}"#,
    );
    let out = framecheck()
        .args([
            "run",
            "--decoder",
            "zoo:no-drain-loop",
            "--framing",
            "u16be:max=64",
        ])
        .args(["--baseline", &known])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("KNOWN stuck-frame"), "{stdout}");
    assert!(stdout.contains("FAIL late-rejection"), "{stdout}");
}

#[test]
fn a_known_failure_that_is_fixed_is_reported_and_fails_the_ratchet() {
    let dir = temp_dir();
    let known = write(
        &dir,
        "known.json",
        r#"{"framecheck_baseline": 1, "known": [
            {"framing": "u16be", "kind": "stuck-frame", "reason": "was one frame per read"}]}"#,
    );
    let run = || {
        let mut c = framecheck();
        c.args([
            "run",
            "--framing",
            "u16be",
            "--cases",
            "20",
            "--baseline",
            &known,
        ]);
        c
    };
    let out = run().output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "fixed (or no longer reached): known[0] (stuck-frame under u16be:max=65535): \
             stuck-frame (was one frame per read)"
        ),
        "{stdout}"
    );
    // Under the ratchet the run fails, and its JSON and JUnit reports say so too.
    let (json, junit) = (dir.join("r.json"), dir.join("r.xml"));
    let out = run()
        .arg("--ratchet")
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("not a pass: u16be:max=65535: known failure(s) no longer happen"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["pass"], false);
    assert!(report["reports"][0]["not_pass_because"]
        .as_str()
        .unwrap()
        .contains("remove known[0]"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("<testcase name=\"baseline\""), "{xml}");
}

#[test]
fn a_malformed_or_stale_baseline_stops_the_run_before_it_starts() {
    let dir = temp_dir();
    let cases = [
        ("{", "not JSON"),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u16be", "kind": "stuck", "reason": "r"}]}"#,
            "known[0]: \"stuck\" is not a failure kind",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u16be", "kind": "panic", "reason": ""}]}"#,
            "known[0]: missing `reason`",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u8", "kind": "panic", "reason": "r"}]}"#,
            "known[0] (panic under u8:max=255) applies to nothing this run tests (reference under u16be:max=65535)",
        ),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let path = write(&dir, &format!("bad{i}.json"), text);
        let out = framecheck()
            .args(["run", "--framing", "u16be", "--baseline", &path])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(&path), "{text}: {stderr}");
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert!(out.stdout.is_empty(), "{text}: ran anyway");
    }
    let missing = dir.join("absent.json");
    let out = framecheck()
        .args(["run", "--framing", "u16be", "--baseline"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the baseline"));
}

/// Saved failures replayed as a regression folder under the same baseline: the known kind is
/// let through, the other still fails; fixed, the folder passes.
#[test]
fn saved_failures_replay_under_the_baseline_that_knows_some_of_them() {
    let dir = temp_dir();
    let saved = dir.join("saved");
    framecheck()
        .args([
            "run",
            "--decoder",
            "zoo:no-drain-loop",
            "--framing",
            "u16be:max=64",
        ])
        .arg("--save-failures")
        .arg(&saved)
        .assert()
        .code(1);
    let known = write(
        &dir,
        "known.json",
        r#"{"framecheck_baseline": 1, "known": [
            {"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "one frame per read"}]}"#,
    );
    let out = framecheck()
        .args(["run", "--decoder", "zoo:no-drain-loop", "--vectors"])
        .arg(&saved)
        .args(["--baseline", &known])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("KNOWN stuck-frame") && stdout.contains("FAIL late-rejection"));
    framecheck()
        .args(["run", "--vectors"])
        .arg(&saved)
        .assert()
        .code(0);
}
