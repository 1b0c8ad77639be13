//! `framecheck run --exec`: each mistake a newcomer's *adapter* makes (not its decoder) is named
//! in the message, with what to do. Each test runs the real binary against
//! `cli/tests/adapters/mistakes.py` with one mistake switched on, bounded by small `--cases`,
//! `--timeout-ms` and `--startup-ms`. The rules behind the messages are in `src/exec/`.

use predicates::prelude::*;

mod common;
use common::{framecheck, paste, temp_dir};

/// `run --exec` on `mistakes.py MODE MAX` with framing `u16be:max=MAX`, five random cases and
/// fail-fast.
fn run_mistake(mode: &str, max: u32, extra: &[&str]) -> assert_cmd::assert::Assert {
    let exec = format!("python3 cli/tests/adapters/mistakes.py {mode} {max}");
    let framing = format!("u16be:max={max}");
    let mut args = vec![
        "run",
        "--framing",
        &framing,
        "--exec",
        &exec,
        "--cases",
        "5",
        "--fail-fast",
    ];
    args.extend_from_slice(extra);
    framecheck().args(&args).assert()
}

#[test]
fn a_program_that_takes_3_s_to_start_passes_within_the_default_startup_allowance() {
    run_mistake("slow-start-3", 100, &["--timeout-ms", "1000"]).success();
}

#[test]
fn a_start_slower_than_startup_ms_is_named_with_how_long_it_took() {
    run_mistake("slow-start-3", 100, &["--startup-ms", "1000"])
        .code(2)
        .stdout("")
        .stderr(predicate::str::is_match(r"it answered BEGIN only after 3,\d\d\d ms").unwrap())
        .stderr(predicate::str::contains(
            "past the start-up allowance of 1,000 ms",
        ))
        .stderr(predicate::str::is_match(r"--startup-ms [6-9]000").unwrap())
        .stderr(predicate::str::contains("--timeout-ms"))
        .stderr(predicate::str::contains("flush").not());
}

/// A program that needs `--startup-ms` to pass gets it in the replay line its failures print:
/// pasted into a shell, the line fails the same way.
#[test]
fn the_startup_allowance_a_run_needed_is_in_its_replay_line() {
    let out = run_mistake(
        "slow-start-1+drop-last",
        100,
        &["--timeout-ms", "500", "--startup-ms", "6000"],
    )
    .code(1)
    .get_output()
    .stdout
    .clone();
    let out = String::from_utf8(out).unwrap();
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Reproduce with: "))
        .unwrap_or_else(|| panic!("no replay line:\n{out}"));
    assert!(
        line.contains(" --timeout-ms 500 --startup-ms 6000 "),
        "{line}"
    );
    let (code, replayed) = paste(line);
    assert_eq!(code, 1, "{line}\n{replayed}");
    assert!(replayed.starts_with("FAIL "), "{replayed}");
}

/// An answer to EOF that ends with DONE, but after `--timeout-ms`, every time: named slow,
/// with how long it took, at the start-up check; not a missing DONE.
#[test]
fn an_eof_answered_late_every_time_is_named_slow_not_missing_done() {
    run_mistake("slow-eof-1.5", 100, &["--timeout-ms", "1000"])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("and BEGIN, twice: "))
        .stderr(predicate::str::is_match(r"answered EOF only after 1,[5-9]\d\d ms").unwrap())
        .stderr(predicate::str::contains("past the timeout of 1,000 ms"))
        .stderr(predicate::str::is_match(r"--timeout-ms [3-9]000").unwrap())
        .stderr(predicate::str::contains("no DONE").not());
}

/// EOF answered late only after streams that carried data (so the start-up check passes): each
/// such hang is named slow, with its time, and the run stops at the third.
#[test]
fn a_late_eof_answer_in_the_run_is_named_slow_and_stops_the_run_at_the_third() {
    let out = framecheck()
        .args(["run", "--framing", "u16be:max=100", "--cases", "5"])
        .args(["--timeout-ms", "300"])
        .args([
            "--exec",
            "python3 cli/tests/adapters/mistakes.py slow-data-eof-0.6 100",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL hang: the program answered EOF only after "),
        "{stdout}"
    );
    assert!(
        stdout.contains("not run: the same hang 3 times (EOF: the program answered EOF only"),
        "{stdout}"
    );
    assert!(!stdout.contains("no DONE"), "{stdout}");
}

/// A program that, after EOF, writes no DONE and exits a moment later (inside the grace the
/// harness gives a silent EOF) is said to have exited, not to be still running.
#[test]
fn a_program_that_exits_in_the_grace_after_eof_is_said_to_have_exited() {
    let out = framecheck()
        .args(["run", "--framing", "u16be:max=100", "--cases", "5"])
        .args(["--timeout-ms", "300", "--fail-fast"])
        .args([
            "--exec",
            "python3 cli/tests/adapters/mistakes.py exit-data-eof-0.6 100",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("no DONE after EOF")
            && stdout.contains("ms later it exited with status 0, still without one"),
        "{stdout}"
    );
    assert!(!stdout.contains("still running"), "{stdout}");
}

/// Only the first EOF of the process is late (a warm-up): the start-up check sends the empty
/// stream again, and the run goes on and passes.
#[test]
fn a_first_eof_answered_late_is_a_warm_up_and_the_run_goes_on() {
    run_mistake("slow-first-eof-1.5", 100, &["--timeout-ms", "1000"]).success();
}

#[test]
fn a_program_that_reads_begin_and_answers_nothing_gets_the_flush_hint() {
    run_mistake("no-flush", 100, &["--startup-ms", "1000"])
        .code(2)
        .stderr(predicate::str::contains(
            "no answer to BEGIN within the start-up allowance of 1000 ms (--startup-ms)",
        ))
        .stderr(predicate::str::contains("the program read BEGIN"))
        .stderr(predicate::str::contains(
            "does it flush its stdout after each answer?",
        ));
}

#[test]
fn a_program_that_exits_after_answering_eof_is_named_and_no_flag_is_suggested() {
    run_mistake("exit-after-eof", 100, &[])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "exited right after answering EOF (status 0): one process must serve every stream \
             (loop over BEGIN … EOF until stdin closes)",
        ))
        .stderr(predicate::str::contains("--fail-fast").not());
}

#[test]
fn a_missing_done_after_eof_is_named_before_the_run_instead_of_hanging_every_case() {
    run_mistake("no-done-after-eof", 100, &["--timeout-ms", "500"])
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "no DONE after EOF: end every answer, including EOF's, with DONE",
        ))
        .stderr(predicate::str::contains("within 500 ms (--timeout-ms)"));
}

/// A program that forgets DONE only after streams that carried data passes the start-up
/// check; the run then stops at the third identical hang instead of paying the fault limit's
/// 25 timeouts, and the FAIL block names the mistake.
#[test]
fn a_missing_done_after_data_stops_the_run_at_the_third_identical_hang() {
    let out = framecheck()
        .args([
            "run",
            "--framing",
            "u16be:max=100",
            "--cases",
            "5",
            "--timeout-ms",
            "300",
        ])
        .args([
            "--exec",
            "python3 cli/tests/adapters/mistakes.py no-done-after-data 100",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("hang: 3"), "{stdout}");
    assert!(
        stdout.contains("not run: the same hang 3 times (EOF: "),
        "{stdout}"
    );
    assert!(stdout.contains("no DONE after EOF"), "{stdout}");
}

#[test]
fn a_fixed_line_buffer_is_named_with_the_length_of_the_request() {
    let out = run_mistake("line-buffer-4096", 4000, &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL protocol-error"))
        .stdout(predicate::str::contains(
            "does the program read lines with a fixed-size buffer?",
        ))
        .stdout(predicate::str::contains(
            "read lines without a length limit",
        ))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let (before, _) = out
        .split_once("-character CHUNK request")
        .expect("the request's length is named");
    let len: usize = before
        .rsplit(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(len > 4096, "the request named is {len} bytes long:\n{out}");
    assert!(
        out.contains(&format!("  lines:  {FGETS_4096}")),
        "the failure is bounded to the line length it needs:\n{out}"
    );
}

/// A program whose decoder has a smaller maximum (1,000) than the framing's (65,535) rejects
/// valid streams: the FAIL block gives its maximum to the byte, and the `--framing` that says
/// it; so does the JSON.
#[test]
fn a_smaller_maximum_in_the_program_is_found_and_the_framing_to_pass_is_named() {
    let dir = temp_dir();
    let json = dir.join("r.json");
    let out = framecheck()
        .args(["run", "--framing", "u16be", "--fail-fast", "--json"])
        .arg(&json)
        .args(["--exec", "python3 cli/tests/adapters/mistakes.py ok 1000"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "  max:    alone in a stream, read whole (and the rejected one in short reads too), \
             a frame with a payload of 1,000 bytes is taken and one of 1,001 bytes rejected ("
        ) && stdout.contains(
            "the program's largest payload looks like 1,000 bytes, under the framing's 65,535 \
             bytes. Frames up to the framing's maximum must be taken; if that is the decoder's \
             limit, say so: --framing u16be:max=1000\n"
        ),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let limit = &report["reports"][0]["failures"][0]["frame_limit"];
    assert_eq!(limit["takes_up_to"], 1000, "{report}");
    assert_eq!(limit["rejects_from"], 1001, "{report}");
    // The framing it names passes.
    framecheck()
        .args(["run", "--framing", "u16be:max=1000", "--cases", "20"])
        .args(["--exec", "python3 cli/tests/adapters/mistakes.py ok 1000"])
        .assert()
        .success();
}

/// What the line-length search says of a 4,096-byte `fgets` buffer.
const FGETS_4096: &str = "passes with its reads cut to at most 2,044 bytes (request lines of up \
                          to 4,095 characters, newline included), and fails with reads of 2,045 \
                          bytes (4,097 characters) (";

/// A real C adapter that reads its requests with `fgets` into 4,096 bytes. When it skips the
/// pieces of a longer line it does not know, the harness sees only what look like the
/// decoder's failures (stuck, missing or wrong frames), and each FAIL block bounds the failure
/// to the line length it needs, naming the buffer's likely size. When it answers them `ERROR`,
/// the stray answers are read as the answers of later requests, as timing has it (the kinds
/// vary from run to run), and the failures that reproduce are bounded the same way.
#[test]
fn a_c_adapter_reading_lines_with_fgets_is_told_the_line_length_its_failures_need() {
    let dir = temp_dir();
    let bin = dir.join("fgets");
    let cc = std::process::Command::new("cc")
        .args(["-O", "-o"])
        .arg(&bin)
        .arg("cli/tests/adapters/fgets.c")
        .current_dir(common::ROOT)
        .status()
        .expect("cc runs (C is on every machine this project supports)");
    assert!(cc.success());
    for variant in ["ignore", "error"] {
        let exec = format!("{} 4096 {variant}", bin.display());
        let (json, html) = (dir.join("r.json"), dir.join("r.html"));
        let out = framecheck()
            .args(["run", "--framing", "u16be:max=4096", "--exec", &exec])
            .arg("--json")
            .arg(&json)
            .arg("--html")
            .arg(&html)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        let text = format!("\n{stdout}");
        let blocks: Vec<&str> = text.split("\nFAIL ").skip(1).collect();
        assert!(!blocks.is_empty(), "{stdout}");
        let bounded = |block: &&str| {
            block.contains(&format!("  lines:  {FGETS_4096}"))
                && block.contains("fixed-size buffer (of 4,096 bytes?)")
        };
        if variant == "ignore" {
            // Only decoder-like verdicts: no stray line gives the buffer away.
            assert!(!stdout.contains("FAIL protocol-error"), "{stdout}");
            for block in &blocks {
                assert!(
                    bounded(block),
                    "a FAIL block without the line length:\n{block}"
                );
            }
            // The JSON and HTML reports carry it too.
            let report: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
            let failures = report["reports"][0]["failures"].as_array().unwrap();
            assert_eq!(failures.len(), blocks.len());
            for f in failures {
                let l = &f["line_limit"];
                assert_eq!(l["line_passes_up_to"], 4095, "{f}");
                assert_eq!(l["line_fails_from"], 4097, "{f}");
                assert_eq!(l["read_passes_up_to"], 2044, "{f}");
            }
            let page = std::fs::read_to_string(&html).unwrap();
            assert_eq!(
                page.matches("fixed-size buffer (of 4,096 bytes?)").count(),
                blocks.len(),
                "one paragraph per failure kind on the page"
            );
        } else {
            assert!(blocks.iter().any(bounded), "{stdout}");
        }
    }
}

#[test]
fn a_debug_line_on_stdout_is_pointed_to_stderr() {
    run_mistake("debug-stdout", 100, &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL protocol-error"))
        .stdout(predicate::str::contains("\"decoding "))
        .stdout(predicate::str::contains("debug output belongs on stderr"));
}

#[test]
fn upper_case_hex_bare_empty_frames_and_free_text_errors_are_accepted() {
    run_mistake("upper", 100, &[]).success();
}

#[test]
fn a_one_byte_frame_is_one_byte() {
    run_mistake("drop-last", 100, &[])
        .code(1)
        .stdout(predicate::str::contains("FAIL wrong-frame"))
        .stdout(predicate::str::contains("got 1 byte:"))
        .stdout(predicate::str::contains("1 bytes").not());
}

#[test]
fn max_frame_contradicting_the_framings_own_max_is_a_warning_naming_both() {
    framecheck()
        .args(["run", "--framing", "u16be:max=500", "--max-frame", "1000"])
        .args(["--cases", "5"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: --max-frame 1000 contradicts max=500 in --framing u16be:max=500; the run \
             uses --max-frame 1000",
        ))
        .stdout(predicate::str::contains("framecheck u16be:max=1000:"));
    for agree in [["u16be:max=1000", "1000"], ["u16be", "1000"]] {
        framecheck()
            .args(["run", "--framing", agree[0], "--max-frame", agree[1]])
            .args(["--cases", "5"])
            .assert()
            .success()
            .stderr(predicate::str::contains("warning").not());
    }
}

/// A run that cannot start still writes `--json` and `--junit`, saying why, so that CI shows
/// the reason instead of a missing file.
#[test]
fn a_run_that_cannot_start_writes_its_reports_with_the_reason() {
    let dir = common::temp_dir();
    let (json, junit) = (dir.join("r.json"), dir.join("r.xml"));
    let out = framecheck()
        .args(["run", "--framing", "u16be", "--timeout-ms", "300"])
        .args([
            "--exec",
            "python3 cli/tests/adapters/mistakes.py exit-after-eof 100",
        ])
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["pass"], false);
    let error = report["error"].as_str().unwrap();
    assert!(
        error.contains("exited right after answering EOF"),
        "{error}"
    );
    assert!(stderr.contains(error), "{stderr}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("errors=\"1\""), "{xml}");
    assert!(xml.contains("exited right after answering EOF"), "{xml}");
    // A usage error found before anything runs, too.
    let out = framecheck()
        .args([
            "run",
            "--framing",
            "u16be",
            "--baseline",
            "/nonexistent/known.json",
        ])
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["error"]
        .as_str()
        .unwrap()
        .contains("cannot read the baseline"));
}
