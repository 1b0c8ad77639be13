//! Helpers shared by the integration test binaries.
#![allow(dead_code)]

/// A fresh temporary folder for one test.
pub fn temp_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "framecheck-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The repository's root, where the binary's relative paths (`vectors/`, `examples/`, the
/// adapters of `cli/tests/adapters/`) start: the folder a user runs it from.
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The `framecheck` binary, run from the repository's root.
pub fn framecheck() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("framecheck").unwrap();
    c.current_dir(ROOT);
    c
}

/// Fails if a live process's command line contains `marker` (zombies do not count).
pub fn assert_no_process(marker: &str) {
    let ps = std::process::Command::new("ps")
        .args(["-eo", "stat,args"])
        .output()
        .unwrap();
    let ps = String::from_utf8_lossy(&ps.stdout);
    assert!(
        !ps.lines()
            .any(|l| l.contains(marker) && !l.starts_with('Z') && !l.contains(" ps ")),
        "a decoder process outlived the run:\n{ps}"
    );
}

/// Runs `line` with `sh -c` from the repository's root, as a user who pasted it would, with
/// the `framecheck` under test first on the PATH; bounded in time.
pub fn paste(line: &str) -> (i32, String) {
    let bin = assert_cmd::cargo::cargo_bin("framecheck");
    let dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = std::process::Command::new("timeout")
        .args(["60", "sh", "-c", line])
        .current_dir(ROOT)
        .env("PATH", path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (code, out)
}
