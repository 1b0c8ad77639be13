//! The `framecheck` binary end to end: exit codes (0 pass, 1 conformance failure, 2 usage or
//! input error), the report, and the `Reproduce with:` line replaying the same failure.

use assert_cmd::Command;
use predicates::prelude::*;

fn framecheck() -> Command {
    Command::cargo_bin("framecheck").unwrap()
}

#[test]
fn run_on_reference_decoder_exits_0() {
    framecheck()
        .args(["run", "--framing", "u8,u16le:max=300", "--cases", "50"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("framecheck u8:max=255:"))
        .stdout(predicate::str::contains(" 0 failed"));
}

#[test]
fn conformance_failure_exits_1_and_its_reproduce_line_replays_it() {
    let out = framecheck()
        .args([
            "run",
            "--framing",
            "u16be",
            "--decoder",
            "zoo:no-drain-loop",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL stuck-frame"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Reproduce with: "))
        .expect("a Reproduce with: line");
    let token = line
        .split('\'')
        .nth(1)
        .expect("the token is quoted in the reproduce line");
    assert!(
        line.starts_with("framecheck replay --decoder zoo:no-drain-loop"),
        "{line}"
    );
    framecheck()
        .args(["replay", "--decoder", "zoo:no-drain-loop", token])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL stuck-frame"));
    framecheck()
        .args(["replay", "--decoder", "reference", token])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS"));
}

#[test]
fn bad_arguments_exit_2_with_a_reason() {
    framecheck()
        .args(["run", "--framing", "u24be"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown wire format \"u24be\""));
    framecheck()
        .args(["run", "--decoder", "zoo:nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown decoder"));
    framecheck()
        .args(["replay", "u8:max=255/0g/-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid hex digit"));
    framecheck().args(["frobnicate"]).assert().code(2);
}

#[test]
fn selftest_catches_the_whole_zoo() {
    framecheck()
        .args(["selftest", "--framing", "u32be:max=70000"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("caught 16/16 buggy decoders"))
        .stdout(predicate::str::contains("MISSED").not());
}

/// The README shows `tests/readme_example.rs` verbatim, so its example is compiled and run.
#[test]
fn readme_shows_the_example_test_verbatim() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/readme_example.rs"
    ))
    .unwrap();
    assert!(
        readme.contains(&example),
        "README.md and tests/readme_example.rs differ"
    );
}
