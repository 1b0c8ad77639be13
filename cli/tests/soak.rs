//! `framecheck soak` end to end: a passing soak, a planted periodic bug caught and shrunk to
//! an exact `Reproduce with:` line, bad sizes, the exec protocol, and Ctrl-C.

use predicates::prelude::*;

mod common;
use common::{assert_no_process, framecheck};

#[test]
fn a_small_soak_of_the_reference_decoder_passes() {
    framecheck()
        .args([
            "soak",
            "--framing",
            "u16be",
            "--bytes",
            "4MiB",
            "--seed",
            "7",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS "))
        .stdout(predicate::str::contains("MB/s"))
        .stdout(predicate::str::contains("frames/s"));
}

#[test]
fn empty_frames_in_bulk_pass() {
    framecheck()
        .args([
            "soak",
            "--framing",
            "u8",
            "--frames",
            "1M",
            "--sizes",
            "empty",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "PASS 1000000 frames, 1000000 bytes",
        ));
}

#[test]
fn a_counter_that_wraps_at_frame_257_is_caught_with_an_exact_reproduce_line() {
    let out = framecheck()
        .args([
            "soak",
            "--framing",
            "u32be",
            "--decoder",
            "test:wrap-at-257",
            "--frames",
            "100k",
            "--seed",
            "0x11",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL after "))
        .stdout(predicate::str::contains("frame #256"))
        .stdout(predicate::str::contains(
            "minimal: 257 frames fail, 256 pass",
        ))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let line = out
        .lines()
        .skip_while(|l| *l != "Reproduce with:")
        .nth(1)
        .expect("a Reproduce with: line")
        .trim()
        .to_string();
    assert_eq!(
        line,
        "framecheck soak --decoder test:wrap-at-257 --framing u32be:max=8388608 --seed 0x11 \
         --frames 257"
    );
    // The line replays: 257 frames fail, 256 pass.
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    framecheck()
        .args(&args)
        .arg("--shrink-secs")
        .arg("0")
        .assert()
        .code(1);
    let mut shorter = args.clone();
    *shorter.last_mut().unwrap() = "256";
    framecheck().args(&shorter).assert().code(0);
}

#[test]
fn a_stateless_bug_also_gets_a_replay_token() {
    // The zoo's decoder without the drain loop: one frame per read; a window of the stream
    // fails on a fresh decoder, so a token is printed, and it replays.
    let out = framecheck()
        .args([
            "soak",
            "--framing",
            "u16be",
            "--decoder",
            "zoo:no-drain-loop",
            "--frames",
            "10k",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("stuck-frame"))
        .stdout(predicate::str::contains("replay it with:"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let replay = out
        .lines()
        .skip_while(|l| !l.contains("replay it with:"))
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let token = replay.rsplit(' ').next().unwrap().trim_matches('\'');
    framecheck()
        .args(["replay", "--decoder", "zoo:no-drain-loop", token])
        .assert()
        .code(1);
}

#[test]
fn a_size_that_does_not_parse_is_a_usage_error() {
    framecheck()
        .args(["soak", "--bytes", "8QB"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"8QB\" is not a size"));
    framecheck()
        .args(["soak", "--frames", "2^64"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2^64 - 1"));
    framecheck()
        .args(["soak", "--frames", "10", "--max-read", "4GiB"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a read is held in memory whole"));
    framecheck()
        .args([
            "soak",
            "--framing",
            "fixed:size=8",
            "--frames",
            "10",
            "--sizes",
            "empty",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not carry them"));
    framecheck().args(["soak"]).assert().code(2);
}

#[test]
fn the_python_example_adapter_passes_a_soak_over_exec() {
    framecheck()
        .args([
            "soak",
            "--framing",
            "u32be:max=65536",
            "--bytes",
            "2MiB",
            "--max-read",
            "64KiB",
            "--exec",
            "python3 examples/python/length_prefix.py u32be 65536",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS "))
        .stdout(predicate::str::contains("1 program start(s)"));
}

#[test]
fn ctrl_c_prints_what_was_covered_and_kills_the_program() {
    let marker = "soak-ctrl-c-marker";
    let exec = format!("python3 examples/python/length_prefix.py u32be 65536 {marker}");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("framecheck"))
        .current_dir(common::ROOT)
        .args([
            "soak",
            "--framing",
            "u32be:max=65536",
            "--bytes",
            "100GiB",
            "--exec",
            &exec,
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: signals a child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("INTERRUPTED after "), "{stdout}");
    assert!(
        stdout.contains("no failure in what was covered"),
        "{stdout}"
    );
    assert_no_process(marker);
}
