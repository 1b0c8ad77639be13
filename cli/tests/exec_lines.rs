//! The `lines` example adapter (`examples/python/lines.py`) passes the default suite under
//! both EOF policies, and each policy's suite fails the adapter run under the other.

mod common;

use common::framecheck;

fn run(framing: &str, exec: &str) -> (Option<i32>, String) {
    let out = framecheck()
        .args(["run", "--framing", framing, "--exec", exec, "--cases", "50"])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_lines_example_passes_under_its_own_eof_policy_and_fails_under_the_other() {
    let reject = "python3 examples/python/lines.py 16";
    let emit = "python3 examples/python/lines.py 16 --eof-emit";
    let (code, out) = run("lines:max=16", reject);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run("lines:max=16:eof=emit", emit);
    assert_eq!(code, Some(0), "{out}");
    // An unterminated last line: a truncated frame under the default, a frame under eof=emit.
    let (code, out) = run("lines:max=16", emit);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL partial-frame-at-eof"), "{out}");
    let (code, out) = run("lines:max=16:eof=emit", reject);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL false-rejection"), "{out}");
}
