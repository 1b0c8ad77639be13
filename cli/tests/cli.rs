//! The `framecheck` binary end to end: exit codes (0 pass, 1 conformance failure, 2 usage or
//! input error), the report, and the `Reproduce with:` line replaying the same failure.

use predicates::prelude::*;

mod common;
use common::{framecheck, temp_dir as tempfile_dir};

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
        .stdout(predicate::str::contains("caught 18/18 buggy decoders"))
        .stdout(predicate::str::contains("MISSED").not());
}

/// The example file in `vectors/README.md`, written as a user would from the format section
/// alone, loads and passes against the reference decoder.
#[test]
fn vectors_readme_example_file_loads_and_runs() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/README.md"))
            .unwrap();
    let json = readme
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a json block in vectors/README.md");
    let dir = tempfile_dir();
    let path = dir.join("mine.json");
    std::fs::write(&path, json).unwrap();
    framecheck()
        .args(["vectors", "check", path.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "1 vectors: format and specification OK",
        ))
        .stdout(predicate::str::contains(" 0 failed"));
    // The error example of the README, from the same file with one field changed.
    std::fs::write(
        &path,
        json.replace("\"emitted_by\": 2", "\"emitted_by\": 1"),
    )
    .unwrap();
    framecheck()
        .args(["vectors", "check", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "vector my-split-header: frames[0].emitted_by: is chunk 1; the frame's last byte arrives in chunk 2",
        ));
}

#[test]
fn vectors_commands_exit_codes() {
    let dir = tempfile_dir();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\"format\": \"framecheck-vectors\", \"version\": 1, \"flags\": {}, \"vectors\": [",
    )
    .unwrap();
    framecheck()
        .args(["vectors", "list", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.json: not valid JSON"));
    framecheck()
        .args(["vectors", "list", "/nonexistent/v.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    framecheck()
        .args(["vectors", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("seed-worked-example"))
        .stdout(predicate::str::is_match(r"(?m)^\d{3} vectors$").unwrap());
    framecheck()
        .args(["vectors", "run", "--decoder", "zoo:no-drain-loop"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("seed-check-yourself"));
}

/// The `Reproduce with:` line of a hang comes back with a verdict, not a hang of its own.
#[test]
fn replaying_a_hang_reports_it() {
    framecheck()
        .args([
            "replay",
            "--decoder",
            "zoo:hang-on-empty-frame",
            "--timeout-ms",
            "300",
        ])
        .arg("u8:max=255/00/-")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL hang"));
}

/// `--isolate` runs a bundled decoder in a child process: an abort, which would end an
/// in-process run, is a `crash` verdict, and the run completes.
#[test]
fn an_aborting_decoder_under_isolate_is_a_crash_verdict() {
    framecheck()
        .args([
            "run",
            "--decoder",
            "test:abort",
            "--isolate",
            "--framing",
            "u16be:max=100",
        ])
        .args(["--fail-fast", "--cases", "0"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL crash"))
        .stdout(predicate::str::contains("SIGABRT"))
        .stdout(predicate::str::contains(
            "Reproduce with: framecheck replay --exec",
        ));
    framecheck()
        .args(["run", "--decoder", "test:abort", "--framing", "u16be"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use it with --isolate"));
}

/// The third-party adapters are bundled decoders too, in process or isolated.
#[test]
fn third_party_adapters_run_from_the_command_line() {
    for extra in [&[][..], &["--isolate"][..]] {
        framecheck()
            .args([
                "run",
                "--decoder",
                "tokio-util07-framed",
                "--framing",
                "u32be:max=1000",
            ])
            .args(["--cases", "20", "--fail-fast"])
            .args(extra)
            .assert()
            .code(1)
            .stdout(predicate::str::contains("FAIL truncation-ignored"));
    }
    framecheck()
        .args([
            "run",
            "--decoder",
            "tokio-util07-decode",
            "--framing",
            "varint",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot decode varint"));
}

/// Output into a pipe that is closed ends the run quietly (exit 2), not with a panic.
#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("framecheck"))
        .args(["vectors", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the first line is printed (loading the vectors comes first).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
}

/// `--version` names the exec protocol, for someone who writes a program against it.
#[test]
fn the_version_names_the_exec_protocol() {
    framecheck().arg("--version").assert().code(0).stdout(
        predicate::str::is_match(r"^framecheck \d+\.\d+\.\d+ \(exec protocol 1\)\n$").unwrap(),
    );
}

/// A failing run's replay lines start with `framecheck`: when the PATH does not find this
/// binary, a note on stderr says which to put in its place; when it does, nothing is said.
#[test]
fn a_failing_run_says_which_binary_its_replay_lines_need_when_the_path_does_not_find_it() {
    let bin = assert_cmd::cargo::cargo_bin("framecheck");
    let exec = "python3 cli/tests/adapters/mistakes.py drop-last 200";
    let args = [
        "run",
        "--framing",
        "u16be:max=200",
        "--fail-fast",
        "--exec",
        exec,
    ];
    let without = framecheck()
        .args(args)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(without.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&without.stderr);
    let shown = bin.canonicalize().unwrap();
    assert!(
        stderr.contains(&format!(
            "which is not on your PATH: put {} in its place",
            shown.display()
        )),
        "{stderr}"
    );
    let path = format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        bin.parent().unwrap().display()
    );
    let with = framecheck().args(args).env("PATH", path).output().unwrap();
    assert_eq!(with.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&with.stderr);
    assert!(!stderr.contains("replay lines"), "{stderr}");
}

/// Every subcommand takes `--version`, with the protocol version the library speaks.
#[test]
fn every_subcommand_prints_its_version() {
    for sub in ["run", "tcp", "replay", "new"] {
        framecheck()
            .args([sub, "--version"])
            .assert()
            .success()
            .stdout(predicate::str::contains("0.1.0 (exec protocol 1)"));
    }
}
