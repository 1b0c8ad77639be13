//! `framecheck run --exec`: the exec protocol end to end, against the example adapters (which
//! must pass) and buggy variants of the Python one (`cli/tests/adapters/buggy.py`), each of which
//! must fail with exit code 1 and the right verdict kind, with the run completing.

use predicates::prelude::*;

mod common;
use common::{assert_no_process, framecheck, temp_dir};

fn run_buggy(bug: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let exec = format!("python3 cli/tests/adapters/buggy.py {bug} u32be 1000");
    let mut args = vec![
        "run",
        "--framing",
        "u32be:max=1000",
        "--exec",
        &exec,
        "--cases",
        "20",
        "--fail-fast",
    ];
    args.extend_from_slice(extra);
    framecheck().args(&args).assert()
}

#[test]
fn python_example_adapter_passes_the_default_suite() {
    framecheck()
        .args([
            "run",
            "--framing",
            "u32be",
            "--max-frame",
            "1048576",
            "--exec",
            "python3 examples/python/length_prefix.py u32be 1048576",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(" 0 failed"))
        .stdout(predicate::str::contains("1 program start(s)"));
}

#[test]
fn node_example_adapter_passes() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("node is not installed; the Node.js adapter is not tested here");
        return;
    }
    framecheck()
        .args([
            "run",
            "--framing",
            "u16le:max=300",
            "--exec",
            "node examples/node/length_prefix.js u16le 300",
            "--cases",
            "100",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(" 0 failed"));
}

#[test]
fn wrong_answers_are_caught_with_their_kind() {
    for (bug, kind) in [
        ("no-drain-loop", "stuck-frame"),
        ("off-by-one-at-max", "false-rejection"),
        ("truncation-ignored", "truncation-ignored"),
        // Python's signed -1 makes the payload end before it starts: an empty frame.
        ("signed-length", "extra-frame"),
    ] {
        let out = run_buggy(bug, &[]).code(1).get_output().stdout.clone();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(&format!("FAIL {kind}")), "{bug}: {out}");
        assert!(
            out.contains("Reproduce with: framecheck replay --exec"),
            "{bug}: {out}"
        );
    }
}

#[test]
fn a_program_that_crashes_is_a_crash_and_the_run_goes_on() {
    run_buggy("crash", &["--max-faults", "3"])
        .code(1)
        .stdout(predicate::str::contains("FAIL crash"))
        .stdout(predicate::str::contains("SIGSEGV"));
    // Without --fail-fast, the run continues with fresh processes until the fault limit.
    let exec = "python3 cli/tests/adapters/buggy.py exit-at-eof u32be 1000";
    framecheck()
        .args([
            "run",
            "--framing",
            "u32be:max=1000",
            "--exec",
            exec,
            "--cases",
            "5",
        ])
        .args(["--max-faults", "4"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("crash: 4"))
        .stdout(predicate::str::contains("exited with status 0"))
        .stdout(predicate::str::contains("4 faults"))
        .stdout(
            predicate::str::is_match(r"exec: \d+ round trips .*, ([5-9]|\d\d+) program start\(s\)")
                .unwrap(),
        );
}

#[test]
fn a_program_that_hangs_is_killed_and_reported() {
    run_buggy("hang-on-empty", &["--timeout-ms", "500"])
        .code(1)
        .stdout(predicate::str::contains("FAIL hang"))
        .stdout(predicate::str::contains("no DONE or ERROR within 500 ms"));
}

#[test]
fn garbage_and_bad_hex_are_protocol_errors_with_the_line() {
    run_buggy("garbage", &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL protocol-error"))
        .stdout(predicate::str::contains("\"debug: got"));
    run_buggy("bad-hex", &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL protocol-error"))
        .stdout(predicate::str::contains("invalid hex digit 'g'"));
}

#[test]
fn a_program_that_reserves_what_the_header_says_is_a_memory_bomb() {
    run_buggy(
        "prealloc",
        &["--memory-slack-mb", "8", "--timeout-ms", "10000"],
    )
    .code(1)
    .stdout(predicate::str::contains("FAIL memory-bomb"))
    .stdout(predicate::str::contains("peak resident memory grew by"));
}

/// A program that keeps 16 KiB of every stream grows by 150 MiB over the suite: a
/// `memory-leak`, with the growth in the report, in JSON and in JUnit.
#[test]
fn a_program_that_leaks_at_every_begin_is_a_memory_leak() {
    let dir = temp_dir();
    let (json, junit) = (dir.join("leak.json"), dir.join("leak.xml"));
    let out = run_buggy(
        "leak",
        &[
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    )
    .code(1)
    .stdout(predicate::str::contains(
        "FAIL memory-leak: the program's resident memory at BEGIN grew steadily",
    ))
    .stdout(predicate::str::contains("memory-leak: 1"))
    .stdout(predicate::str::contains(
        "replaying that stream alone passes",
    ))
    .stdout(predicate::str::contains(
        "memory-leak is a verdict on the whole run",
    ))
    .get_output()
    .stdout
    .clone();
    let out = String::from_utf8(out).unwrap();
    // The growth: first and last samples, the stream count, bytes per stream (16 KiB and a
    // little of Python's own).
    let growth = out
        .lines()
        .find(|l| l.starts_with("FAIL memory-leak"))
        .unwrap();
    assert!(
        predicate::str::is_match(r"from [\d.]+ MiB at stream \d+ to [\d.]+ MiB at stream \d+ \(\d+ streams sampled\), 1[6-9]\.\d KiB per stream")
            .unwrap()
            .eval(growth),
        "{growth}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let r = &v["reports"][0];
    assert_eq!(v["pass"], false);
    assert_eq!(r["failures"][0]["kind"], "memory-leak");
    assert_eq!(r["failed_by_kind"]["memory-leak"], 1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("type=\"memory-leak\""), "{xml:.2000}");
}

/// One-time growth is not a leak: a program that makes a 10 MiB buffer a thousand streams into
/// the run, and keeps it, passes.
#[test]
fn a_program_that_keeps_one_10_mib_buffer_passes() {
    run_buggy("buffer-once", &[])
        .code(0)
        .stdout(predicate::str::contains(" 0 failed"));
}

#[test]
fn the_reproduce_line_replays_the_failure() {
    let out = run_buggy("no-drain-loop", &[])
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Reproduce with: framecheck "))
        .unwrap();
    // framecheck replay --exec 'CMD' 'TOKEN'
    let parts: Vec<&str> = line.split('\'').collect();
    let (cmd, token) = (parts[1], parts[3]);
    framecheck()
        .args(["replay", "--exec", cmd, token])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL stuck-frame"));
}

#[test]
fn a_program_that_cannot_run_is_a_usage_error() {
    framecheck()
        .args(["run", "--framing", "u32be", "--exec", "no-such-program-xyz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did not answer BEGIN"))
        .stderr(predicate::str::contains("status 127"));
    framecheck()
        .args(["run", "--exec", "python3 examples/python/length_prefix.py"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--exec needs the one framing"));
}

#[test]
fn json_and_junit_reports_are_written() {
    let dir = temp_dir();
    let (json, junit) = (dir.join("r.json"), dir.join("r.xml"));
    run_buggy(
        "no-drain-loop",
        &[
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    )
    .code(1);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["pass"], false);
    let r = &v["reports"][0];
    assert_eq!(r["framing"], "u32be:max=1000");
    assert_eq!(r["failures"][0]["kind"], "stuck-frame");
    assert!(r["failures"][0]["reproduce"]
        .as_str()
        .unwrap()
        .starts_with("framecheck replay --exec"));
    assert_eq!(
        r["cases"].as_array().unwrap().len(),
        r["total"].as_u64().unwrap() as usize
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"u32be:max=1000\""),
        "{xml:.300}"
    );
    assert!(xml.contains("<failure"), "no failure element");
    assert!(xml.contains("type=\"stuck-frame\""));
    // Each failed case carries its own failure and replay token, not only its kind's.
    assert!(xml.contains("message=\"stuck-frame at "), "{xml:.2000}");
    assert!(
        xml.contains("token u32be:max=1000/"),
        "no replay token in the XML"
    );
    let failed = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "fail")
        .unwrap();
    assert!(failed["detail"]
        .as_str()
        .unwrap()
        .contains("token u32be:max=1000/"));
    // An unwritable report path is a usage error, after the run.
    framecheck()
        .args([
            "run",
            "--framing",
            "u8",
            "--cases",
            "1",
            "--json",
            "/nonexistent/dir/r.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write the JSON report"));
}

/// A program that stops reading its stdin cannot block the harness: the request times out as
/// a hang, and no process is left behind when the run ends.
#[test]
fn a_program_that_stops_reading_is_a_hang_and_leaves_no_process() {
    let marker = format!("deaf-{}", std::process::id());
    let exec = format!("python3 cli/tests/adapters/buggy.py deaf u32be 1048576 {marker}");
    framecheck()
        .args(["run", "--framing", "u32be:max=1048576", "--exec", &exec])
        .args(["--cases", "0", "--timeout-ms", "500", "--fail-fast"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL hang"));
    assert_no_process(&marker);
}

/// A line far longer than any frame the framing allows is a protocol error, found without
/// reading all of it, and the run completes.
#[test]
fn a_huge_line_is_a_protocol_error() {
    run_buggy("huge-line", &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL protocol-error"))
        .stdout(predicate::str::contains("a line longer than"));
}

/// A terminator too many shifts every later answer: caught as a protocol error at the next
/// request, not as a cascade of wrong verdicts.
#[test]
fn output_after_an_answer_is_a_protocol_error() {
    run_buggy("errdone", &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL protocol-error"))
        .stdout(predicate::str::contains(
            "unexpected output after the previous answer",
        ));
}

/// A program that keeps state across BEGIN fails, and the report says that the minimal case
/// alone passes on a fresh process.
#[test]
fn state_carried_across_begin_is_pointed_out() {
    let exec = "python3 cli/tests/adapters/buggy.py noreset u32be 1000";
    framecheck()
        .args([
            "run",
            "--framing",
            "u32be:max=1000",
            "--exec",
            exec,
            "--cases",
            "20",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("passes on a fresh process"));
}

/// Interrupting a run kills the program under test too (it runs in its own process group,
/// which a terminal's Ctrl-C would not reach).
#[test]
fn an_interrupted_run_leaves_no_process() {
    use std::process::{Command, Stdio};
    let marker = format!("sigint-{}", std::process::id());
    let exec = format!("python3 cli/tests/adapters/buggy.py hang-on-empty u32be 1000 {marker}");
    let child = Command::new(assert_cmd::cargo::cargo_bin("framecheck"))
        .current_dir(common::ROOT)
        .args(["run", "--framing", "u32be:max=1000", "--exec", &exec])
        .args(["--timeout-ms", "60000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait_with_output().unwrap().status;
    assert!(!status.success());
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_no_process(&marker);
}

/// A program that answers every request with each frame 100,001 times is stopped at the
/// first answer that holds more frames than the bytes sent so far can, as a protocol error,
/// and the run completes (it once ran for more than 300 s without a report).
#[test]
fn an_answer_flood_is_a_protocol_error_bounded_by_the_bytes_sent() {
    run_buggy("flood", &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL protocol-error"))
        .stdout(predicate::str::contains(
            "more frames than the stream can hold",
        ));
}

/// A program that keeps answering frames (within what the stream can hold) and never says
/// DONE is stopped at the request's timeout, which covers the whole answer, not each line.
#[test]
fn an_answer_that_never_ends_is_a_hang_at_the_timeout() {
    run_buggy("chatter", &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL hang"));
}

/// Whether the process of a `PID STARTTIME` line of `buggy.py`'s escape modes still exists, as
/// a live process or as a zombie nobody reaped (the start time tells it from a later process
/// that got the same pid).
fn still_there(line: &str) -> bool {
    let (pid, start) = line.split_once(' ').expect("PID STARTTIME");
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let after_name = stat.rsplit(')').next().unwrap_or("");
    after_name.split_whitespace().nth(19) == Some(start)
}

/// A program whose child leaves its process group and session (`setsid()`, or the double fork
/// of a daemon, which orphans it) leaves nothing behind, not even a zombie: not at the end of a
/// run that passes, and not when a fault kills the program mid-run (a hang kills a live
/// program, a crash leaves the sleeper an orphan). Each fault stays a verdict, and the run goes
/// on.
#[test]
fn descendants_that_escape_the_process_group_do_not_outlive_the_run() {
    let dir = temp_dir();
    for (mode, code, verdict) in [
        ("setsid", 0, " 0 failed"),
        ("daemon", 0, " 0 failed"),
        ("setsid-hang-on-empty", 1, "hang: 3"),
        ("daemon-crash", 1, "crash: 3"),
    ] {
        let pidfile = dir.join(format!("{mode}.pids"));
        let exec = format!(
            "python3 cli/tests/adapters/buggy.py {mode} u32be 1000 {}",
            pidfile.display()
        );
        framecheck()
            .args(["run", "--framing", "u32be:max=1000", "--exec", &exec])
            .args(["--cases", "20", "--timeout-ms", "500", "--max-faults", "3"])
            .timeout(std::time::Duration::from_secs(120))
            .assert()
            .code(code)
            .stdout(predicate::str::contains(verdict));
        let escaped: Vec<String> = std::fs::read_to_string(&pidfile)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        let starts = if code == 0 { 1 } else { 3 };
        assert!(escaped.len() >= starts, "{mode}: escaped {escaped:?}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while escaped.iter().any(|l| still_there(l)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let alive: Vec<&String> = escaped.iter().filter(|l| still_there(l)).collect();
        for line in &alive {
            let pid: i32 = line.split(' ').next().unwrap().parse().unwrap();
            // SAFETY: kill(2) on a sleeper this test started (checked by its start time).
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        assert!(
            alive.is_empty(),
            "{mode}: escaped processes outlived the run (alive, or zombies nobody reaped): \
             {alive:?}"
        );
    }
}
