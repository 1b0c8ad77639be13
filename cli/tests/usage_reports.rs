//! A command line that clap refuses (a bad number, an unknown option, a missing value) still
//! writes the `--json` and `--junit` reports it names, saying why, and exits 2 with clap's
//! message; `--help` and `--version` print and exit 0, writing nothing.

use predicates::prelude::*;

mod common;
use common::{framecheck, temp_dir};

/// The `error` of a JSON error report, checked for the shape of a run that could not happen.
fn json_error(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("the --json report was written");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["pass"], false, "{text}");
    assert_eq!(report["reports"], serde_json::json!([]), "{text}");
    let error = report["error"].as_str().unwrap().to_string();
    assert!(!error.contains('\x1b'), "colour in the report: {error:?}");
    error
}

fn junit_text(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).expect("the --junit report was written");
    assert!(text.contains("type=\"usage-error\""), "{text}");
    assert!(!text.contains('\x1b'), "colour in the report: {text:?}");
    text
}

#[test]
fn a_bad_number_writes_both_reports_and_exits_2() {
    let dir = temp_dir();
    let (json, junit) = (dir.join("r.json"), dir.join("r.xml"));
    framecheck()
        .args(["run", "--exec", "true", "--timeout-ms", "abc", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'abc'"))
        .stderr(predicate::str::contains("--timeout-ms"));
    let error = json_error(&json);
    assert!(error.contains("invalid value 'abc'"), "{error}");
    assert!(error.contains("--timeout-ms"), "{error}");
    let junit = junit_text(&junit);
    assert!(
        junit.contains("abc") && junit.contains("--timeout-ms"),
        "{junit}"
    );
}

#[test]
fn an_unknown_option_of_tcp_writes_its_reports() {
    let dir = temp_dir();
    let (json, junit) = (dir.join("t.json"), dir.join("t.xml"));
    framecheck()
        .args(["tcp", "--framing", "u8", "--no-such-option", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--no-such-option"));
    assert!(json_error(&json).contains("--no-such-option"));
    assert!(junit_text(&junit).contains("--no-such-option"));
}

#[test]
fn a_missing_value_writes_the_report_named_after_it() {
    let dir = temp_dir();
    let junit = dir.join("m.xml");
    // --timeout-ms has no value: the next word is an option.
    framecheck()
        .args(["run", "--exec", "true", "--timeout-ms", "--junit"])
        .arg(&junit)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--timeout-ms"));
    assert!(junit_text(&junit).contains("--timeout-ms"));
}

#[test]
fn the_equals_form_of_the_report_options_is_found() {
    let dir = temp_dir();
    let (json, junit) = (dir.join("e.json"), dir.join("e.xml"));
    framecheck()
        .args(["run", "--cases", "many"])
        .arg(format!("--json={}", json.display()))
        .arg(format!("--junit={}", junit.display()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'many'"));
    assert!(json_error(&json).contains("--cases"));
    assert!(junit_text(&junit).contains("--cases"));
}

#[test]
fn help_and_version_still_print_exit_0_and_write_nothing() {
    let dir = temp_dir();
    let json = dir.join("h.json");
    framecheck()
        .args(["run", "--help", "--json"])
        .arg(&json)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Usage: framecheck run"))
        .stderr(predicate::str::is_empty());
    framecheck()
        .args(["--version"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("exec protocol"));
    framecheck()
        .args(["tcp", "--help", "--junit"])
        .arg(&json)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Usage: framecheck tcp"));
    assert!(
        !json.exists(),
        "--help or --version wrote {}",
        json.display()
    );
}

#[test]
fn a_report_that_cannot_be_written_is_a_second_line_on_stderr() {
    let dir = temp_dir();
    let json = dir.join("no-such-folder").join("r.json");
    let out = framecheck()
        .args(["run", "--timeout-ms", "0", "--json"])
        .arg(&json)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--timeout-ms"), "{stderr}");
    assert!(
        stderr.contains(&format!("writing the --json report {}", json.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn other_subcommands_write_no_report() {
    let dir = temp_dir();
    let json = dir.join("s.json");
    framecheck()
        .args(["replay", "--json"])
        .arg(&json)
        .assert()
        .code(2);
    assert!(
        !json.exists(),
        "replay has no --json, yet {} was written",
        json.display()
    );
}
