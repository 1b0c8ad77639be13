//! The replay lines a failing run prints start with `framecheck`, for a shell to find on the
//! PATH. When the binary that ran is not what the PATH finds (a `target/release/framecheck`
//! run by its path, or another install), a pasted line would fail or run something else: a
//! note on stderr, after the run, says which binary to put in its place.

use std::path::{Path, PathBuf};

/// The note for a run of the binary `me` under `path` (the PATH's value), or `None` when the
/// PATH's `framecheck` is `me`.
pub(crate) fn note(me: &Path, path: Option<&std::ffi::OsStr>) -> Option<String> {
    let me = me.canonicalize().unwrap_or_else(|_| me.to_path_buf());
    let found: Option<PathBuf> = path.and_then(|p| {
        std::env::split_paths(p)
            .map(|dir| dir.join("framecheck"))
            .find(|f| f.is_file())
    });
    let shown = me.display();
    match found.map(|f| f.canonicalize().unwrap_or(f)) {
        Some(f) if f == me => None,
        Some(f) => Some(format!(
            "note: the replay lines above start with `framecheck`, which on your PATH is {}, \
             not this binary: to replay with this one, put {shown} in its place",
            f.display()
        )),
        None => Some(format!(
            "note: the replay lines above start with `framecheck`, which is not on your PATH: \
             put {shown} in its place, or install it (cargo install --locked --path cli)"
        )),
    }
}

/// Prints the note for this process, if there is one.
pub(crate) fn print_note() {
    if let Ok(me) = std::env::current_exe() {
        if let Some(n) = note(&me, std::env::var_os("PATH").as_deref()) {
            eprintln!("{n}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::note;

    #[test]
    fn a_binary_the_path_finds_gets_no_note_and_others_do() {
        let dir = std::env::temp_dir().join(format!("framecheck-on-path-{}", std::process::id()));
        let (a, b) = (dir.join("a"), dir.join("b"));
        for d in [&a, &b] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("framecheck"), "").unwrap();
        }
        let me = a.join("framecheck");
        let path = |dirs: &[&std::path::Path]| std::env::join_paths(dirs).unwrap();
        assert_eq!(note(&me, Some(&path(&[&a, &b]))), None);
        let other = note(&me, Some(&path(&[&b, &a]))).unwrap();
        assert!(other.contains("which on your PATH is") && other.contains("/b/framecheck"));
        let none = note(&me, Some(&path(&[dir.as_path()]))).unwrap();
        assert!(none.contains("not on your PATH: put") && none.contains("/a/framecheck"));
        assert!(note(&me, None).unwrap().contains("not on your PATH"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
