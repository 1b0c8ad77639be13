//! Failures that show only after earlier streams on the same process (a program that keeps
//! state across `BEGIN`, `cli/tests/adapters/stateful.py`): the FAIL block explains it, and its
//! `Reproduce with:` line, pasted into a shell, runs the earlier streams first (`--after`) and
//! fails the same way, while the case alone on a fresh process passes.

use std::path::Path;
use std::time::Duration;

mod common;
use common::{framecheck, paste, temp_dir};

const EXEC: &str = "python3 cli/tests/adapters/stateful.py second-error u32be 1000";

/// The FAIL block says the case fails only after two earlier streams and passes alone; its
/// replay line runs them first and fails with the same kind; the token alone passes; the JSON
/// report carries the two earlier streams.
#[test]
fn a_failure_after_two_earlier_streams_replays_with_them_first() {
    let dir = temp_dir();
    let json = dir.join("report.json");
    let out = framecheck()
        .args(["run", "--framing", "u32be:max=1000", "--exec", EXEC])
        .args(["--cases", "5", "--fail-fast", "--json"])
        .arg(&json)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let block = stdout
        .split("\n\n")
        .find(|b| b.starts_with("FAIL "))
        .unwrap_or_else(|| panic!("no FAIL block:\n{stdout}"));
    let kind = block["FAIL ".len()..]
        .split(':')
        .next()
        .unwrap()
        .to_string();
    assert!(
        block.contains("fails only after 2 earlier streams on the same process")
            && block.contains("alone it passes on a fresh process"),
        "{block}"
    );
    let line = block
        .lines()
        .find_map(|l| l.trim().strip_prefix("Reproduce with: "))
        .unwrap_or_else(|| panic!("no replay line:\n{block}"));
    assert_eq!(line.matches(" --after '").count(), 2, "{line}");

    let (code, replayed) = paste(line);
    assert_eq!(code, 1, "{line}\n{replayed}");
    assert!(
        replayed.contains(&format!("FAIL {kind}:")),
        "{line}\n{replayed}"
    );
    assert_eq!(replayed.matches("after #").count(), 2, "{replayed}");

    // The same line without the earlier streams: the case alone, on a fresh process.
    let head = &line[..line.find(" --after ").unwrap()];
    let token = line.rsplit(' ').next().unwrap();
    let (code, alone) = paste(&format!("{head} {token}"));
    assert_eq!(code, 0, "{alone}");
    assert!(alone.starts_with("PASS "), "{alone}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&json)).unwrap()).unwrap();
    let failure = &report["reports"][0]["failures"][0];
    assert_eq!(failure["kind"], kind.as_str());
    assert_eq!(failure["state"]["after"].as_array().unwrap().len(), 2);
    assert_eq!(failure["reproduce"], line);
    let _ = std::fs::remove_dir_all(dir);
}

/// With a bundled decoder, `--after` streams run (each on a fresh decoder) and the replay says
/// that nothing carries over; the case is judged alone as before.
#[test]
fn after_with_a_bundled_decoder_says_nothing_carries_over() {
    framecheck()
        .args([
            "replay",
            "--after",
            "u8:max=255/09/-",
            "u8:max=255/03616263/2",
        ])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("built fresh for each stream"))
        .stdout(predicates::str::contains("after #1/1"))
        .stdout(predicates::str::contains("PASS u8:max=255/03616263/2"));
}

/// An `--after` stream of another framing is a usage error, not a run.
#[test]
fn after_in_another_framing_is_refused() {
    framecheck()
        .args(["replay", "--exec", EXEC])
        .args(["--after", "u8:max=255/0161/-", "u32be:max=1000/00000000/-"])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--after #1"));
}
