//! `framecheck new`: every skeleton, built and run with the exact commands the command prints,
//! passes `framecheck run`; the same skeleton with one planted bug (edited into the written
//! file, as a user's mistake would be) fails with exit code 1 and the bug's verdict kind.
//!
//! A language whose toolchain is missing is skipped with a note, unless
//! `FRAMECHECK_REQUIRE_SCAFFOLD_LANGS=1` is set (CI sets it after installing them): then a
//! missing toolchain fails its test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use predicates::prelude::*;

mod common;
use common::{framecheck, temp_dir};

/// The program each language's skeleton needs to build and run.
fn toolchain(lang: &str) -> &'static str {
    match lang {
        "python" => "python3",
        "node" => "node",
        "c" => "cc",
        "go" => "go",
        "java" => "java",
        "rust" => "rustc",
        _ => unreachable!("{lang}"),
    }
}

/// Whether `lang`'s toolchain is on the PATH; when it is not, says so, or fails under
/// `FRAMECHECK_REQUIRE_SCAFFOLD_LANGS=1`.
fn present(lang: &str) -> bool {
    let tool = toolchain(lang);
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let required = std::env::var("FRAMECHECK_REQUIRE_SCAFFOLD_LANGS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "FRAMECHECK_REQUIRE_SCAFFOLD_LANGS=1, but {tool} (for --lang {lang}) is not on the PATH"
        );
        eprintln!(
            "skipped: no {tool} on the PATH for --lang {lang} \
             (set FRAMECHECK_REQUIRE_SCAFFOLD_LANGS=1 to fail)"
        );
    }
    found
}

/// A written skeleton: its folder, and the commands `framecheck new` printed after `Next:`.
struct Skeleton {
    dir: PathBuf,
    build: Option<String>,
    run: String,
}

/// Runs `framecheck new` into a fresh folder and reads back the commands it printed.
fn scaffold(lang: &str, framing: &str) -> Skeleton {
    let dir = temp_dir().join(lang);
    let out = framecheck()
        .args(["new", "--lang", lang, "--framing", framing, "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{lang}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != "Next:")
        .skip(1)
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with("cd "))
        .collect();
    let (run, build) = steps.split_last().expect("a run command after Next:");
    assert!(run.starts_with("framecheck run --exec '"), "{stdout}");
    assert!(run.ends_with(&format!("--framing {framing}")), "{stdout}");
    assert!(build.len() <= 1, "{stdout}");
    Skeleton {
        dir,
        build: build.first().map(|b| b.to_string()),
        run: run.to_string(),
    }
}

fn sh(dir: &Path, command: &str) -> Output {
    Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .output()
        .unwrap()
}

impl Skeleton {
    /// The written file.
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Replaces `from` (which must occur exactly once) by `to` in the written file `name`.
    fn plant(&self, name: &str, from: &str, to: &str) {
        let path = self.file(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.matches(from).count(),
            1,
            "{from:?} in {}",
            path.display()
        );
        std::fs::write(&path, text.replace(from, to)).unwrap();
    }

    /// Builds with the printed command (if any), then runs the printed `framecheck run`
    /// command with `extra` arguments; returns the run's exit code and output.
    fn build_and_run(&self, extra: &str) -> (Option<i32>, String) {
        if let Some(build) = &self.build {
            let out = sh(&self.dir, build);
            assert!(
                out.status.success(),
                "{build}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let bin = assert_cmd::cargo::cargo_bin("framecheck");
        let command = self
            .run
            .replacen("framecheck", &bin.display().to_string(), 1);
        let out = sh(&self.dir, &format!("{command} {extra}"));
        let text = format!(
            "{command} {extra}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }
}

/// The JVM compiles the source file at every start: under a loaded test machine its first
/// answer may take more than the default 2 s.
fn timeout(lang: &str) -> &'static str {
    if lang == "java" {
        "--timeout-ms 10000"
    } else {
        ""
    }
}

/// Scaffolds `lang` for `framing`, expects it to pass, then plants `bug` (the text `from`
/// becomes `to` in the written file) and expects a failure of `kind`.
fn passes_then_catches(lang: &str, framing: &str, file: &str, bug: (&str, &str), kind: &str) {
    if !present(lang) {
        return;
    }
    let skeleton = scaffold(lang, framing);
    let extra = format!("--cases 50 {}", timeout(lang));
    let (code, out) = skeleton.build_and_run(&extra);
    assert_eq!(code, Some(0), "{lang} {framing}, as written:\n{out}");
    assert!(out.contains(" 0 failed"), "{out}");
    skeleton.plant(file, bug.0, bug.1);
    let (code, out) = skeleton.build_and_run(&format!("{extra} --fail-fast"));
    assert_eq!(code, Some(1), "{lang} {framing}, with {bug:?}:\n{out}");
    assert!(
        out.contains(&format!("FAIL {kind}")),
        "{lang}: no FAIL {kind}:\n{out}"
    );
}

// Length prefixes: the planted bug stops the drain loop after one frame (stuck-frame).

#[test]
fn python_u16be_skeleton_passes_and_a_missing_drain_loop_is_caught() {
    let bug = (
        "del self.buf[:WIDTH + length]\n",
        "del self.buf[:WIDTH + length]\n            return\n",
    );
    passes_then_catches("python", "u16be:max=4096", "decoder.py", bug, "stuck-frame");
}

#[test]
fn node_u16be_skeleton_passes_and_a_missing_drain_loop_is_caught() {
    let bug = (
        "this.buf = this.buf.subarray(end);\n",
        "this.buf = this.buf.subarray(end);\n      return;\n",
    );
    passes_then_catches("node", "u16be:max=4096", "decoder.js", bug, "stuck-frame");
}

#[test]
fn c_u16be_skeleton_passes_and_a_missing_drain_loop_is_caught() {
    let bug = (
        "pos += WIDTH + (size_t)length;\n",
        "pos += WIDTH + (size_t)length;\n        break;\n",
    );
    passes_then_catches("c", "u16be:max=4096", "decoder.c", bug, "stuck-frame");
}

#[test]
fn go_u16be_skeleton_passes_and_a_missing_drain_loop_is_caught() {
    let bug = ("\t\tpos = end\n", "\t\tpos = end\n\t\tbreak\n");
    passes_then_catches("go", "u16be:max=4096", "decoder.go", bug, "stuck-frame");
}

#[test]
fn java_u16be_skeleton_passes_and_a_missing_drain_loop_is_caught() {
    let bug = (
        "pos += WIDTH + (int) length;\n",
        "pos += WIDTH + (int) length;\n                break;\n",
    );
    passes_then_catches("java", "u16be:max=4096", "Decoder.java", bug, "stuck-frame");
}

#[test]
fn rust_u16be_skeleton_passes_and_a_missing_drain_loop_is_caught() {
    let bug = ("pos = end;\n", "pos = end;\n            break Ok(());\n");
    passes_then_catches("rust", "u16be:max=4096", "decoder.rs", bug, "stuck-frame");
}

// Lines: the planted bug rejects a line of exactly the maximum (false-rejection).

#[test]
fn python_lines_skeleton_passes_and_an_off_by_one_maximum_is_caught() {
    let bug = ("if newline > MAX:", "if newline >= MAX:");
    passes_then_catches(
        "python",
        "lines:max=100",
        "decoder.py",
        bug,
        "false-rejection",
    );
}

#[test]
fn c_lines_skeleton_passes_and_an_off_by_one_maximum_is_caught() {
    let bug = ("if (d->len - pos > MAX) {", "if (d->len - pos >= MAX) {");
    passes_then_catches(
        "c",
        "lines:max=100:eof=emit",
        "decoder.c",
        bug,
        "false-rejection",
    );
}

#[test]
fn java_lines_skeleton_passes_and_a_truncated_last_line_accepted_is_caught() {
    let bug = (
        "throw new FrameError(\"stream ended inside a line",
        "if (len < 0) throw new FrameError(\"stream ended inside a line",
    );
    passes_then_catches(
        "java",
        "lines:max=100",
        "Decoder.java",
        bug,
        "truncation-ignored",
    );
}

#[test]
fn an_existing_adapter_is_kept_without_force_and_replaced_with_it() {
    let dir = temp_dir();
    let new = |force: bool| {
        let mut c = framecheck();
        c.args(["new", "--lang", "c", "--framing", "u32le", "--out"])
            .arg(&dir);
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    new(false).code(0);
    let path = dir.join("decoder.c");
    std::fs::write(&path, "my decoder").unwrap();
    new(false)
        .code(2)
        .stderr(predicate::str::contains(path.display().to_string()))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "my decoder");
    new(true).code(0);
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("YOUR DECODER HERE"));
}

#[test]
fn a_framing_without_a_skeleton_is_refused_naming_those_with_one() {
    let dir = temp_dir();
    framecheck()
        .args(["new", "--lang", "python", "--framing", "varint", "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no skeleton for the varint framing",
        ))
        .stderr(predicate::str::contains("u16be"))
        .stderr(predicate::str::contains(":eof=emit|reject"));
    assert!(!dir.join("decoder.py").exists());
}
