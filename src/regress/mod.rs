//! Failures kept as regression files: the minimal case of each failure kind a run found,
//! written twice, as a golden vector and as a fuzz corpus input, so that what a run finds
//! outlives the run (`framecheck run --save-failures DIR`).
//!
//! ```text
//! DIR/<kind>-<decoder>-<hash>.json           a vector file: one vector, the minimal case
//! DIR/corpus/<target>/<kind>-<hash>          the same case as an input of fuzz target <target>
//! ```
//!
//! ```
//! use framecheck::{regress, registry, Framing, Suite};
//!
//! let framing: Framing = "u16be:max=1024".parse().unwrap();
//! let buggy = registry::find("zoo:no-drain-loop").unwrap();
//! let report = Suite::new(framing).run(move || buggy.build(framing).unwrap());
//! let dir = std::env::temp_dir().join(format!("framecheck-doc-{}", std::process::id()));
//! let saved = regress::save_failures(&dir, &[report], Some(buggy.id())).unwrap();
//! assert!(!saved.failures.is_empty());
//! println!("{saved}"); // saved 1 failure to …: vectors …; replay: framecheck vectors run …
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! # Contract
//! - The vector states what a *correct* decoder must do with the case (the stream's
//!   expectation, as the specification or the opaque framing's file gives it), never what the
//!   buggy decoder did: it fails the decoder that failed it until the bug is fixed, and the
//!   reference decoder passes it. Its id and comment name the failure kind, the decoder and
//!   the replay token. Each file is read back with [`vectors::load_str`](crate::vectors::load_str)
//!   and compared with the case before it is kept (`framecheck vectors run DIR` replays them).
//! - The corpus input is for the fuzz target that runs the same decoder under the same framing
//!   (an adapter's `adapter_*` target, the reference's `reference_u32be` or `reference_lines`),
//!   so that `cargo fuzz run TARGET DIR/corpus/TARGET` starts from it, and copied into
//!   `corpus/regressions/TARGET/` it is replayed by `cargo test` ([`corpus::replay`]). A case
//!   with no such target (a program under `--exec`, a zoo decoder, a framing its target does
//!   not run, a case too large for the fuzz input encoding) gets no corpus file, and
//!   [`Saved`] says why.
//! - Names are hashes of the contents: saving the same failure twice writes nothing new, two
//!   different failures never share a name, and an existing file is never overwritten (one
//!   with other contents under the same name, edited by hand, is an error naming it). A folder
//!   that cannot be written is an error naming the path.
//! - Saving runs no decoder: a hang or a memory bomb is kept without being run again.
//!   `memory-leak` is a verdict on a whole run (memory kept across streams), which one stream
//!   does not show: it is listed, with no file.
//!
//! # Design
//! One vector file per failure rather than one per run: a later run that finds a subset of
//! the same failures then writes nothing, where a file per run would repeat each vector's id
//! in a second file, and ids must be unique across the files `vectors run DIR` loads.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::framing::Framing;
use crate::oracle::FailureKind;
use crate::report::Report;

mod files;
mod target;
mod vector;

use files::{content_hash, write_once};

/// What [`save_failures`] wrote: one entry per failure kind of each report, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    /// The folder.
    pub dir: PathBuf,
    /// The decoder as given (`None`: a program under `--exec`).
    pub decoder: Option<String>,
    /// The failures, each with its files or why there is none.
    pub failures: Vec<SavedFailure>,
}

/// One failure kind's minimal case, as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedFailure {
    /// The failure kind.
    pub kind: FailureKind,
    /// The framing of its case.
    pub framing: Framing,
    /// The replay token of the minimal case.
    pub token: String,
    /// A baseline expects it (see `baseline`): kept all the same, as a regression test of a
    /// known bug.
    pub known: bool,
    /// The vector file, or why there is none.
    pub vector: Result<SavedVector, String>,
    /// The corpus input, or why there is none.
    pub corpus: Result<SavedInput, String>,
}

/// A vector file written (or found already there, with the same contents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedVector {
    /// Where.
    pub path: PathBuf,
    /// The id of its one vector (the file stem).
    pub id: String,
    /// Written now; `false`: the same file was there already.
    pub new: bool,
}

/// A corpus input written (or found already there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedInput {
    /// Where: `DIR/corpus/<target>/<kind>-<hash>`.
    pub path: PathBuf,
    /// The fuzz target (a file of `fuzz/fuzz_targets/`, a folder of `corpus/`).
    pub target: &'static str,
    /// Written now; `false`: the same file was there already.
    pub new: bool,
}

/// Writes each failure kind's minimal case of every report under `dir` (see the module docs):
/// a vector file, and a corpus input for the matching fuzz target. `decoder` is the bundled
/// decoder's registry id (`reference`, `zoo:NAME`, `tokio-util07-decode`…), or `None` for a
/// program under `--exec`.
///
/// # Errors
/// A file that cannot be written (the error names it), or a file of the same name and other
/// contents already there. A case that cannot be kept is not an error: its entry says why.
pub fn save_failures(
    dir: &Path,
    reports: &[Report],
    decoder: Option<&str>,
) -> Result<Saved, Error> {
    let mut failures = Vec::new();
    for report in reports {
        for found in &report.failures {
            let case = &found.minimal;
            let kind = found.failure.kind;
            let mut saved = SavedFailure {
                kind,
                framing: case.stream.framing(),
                token: case.token(),
                known: found.known.is_some(),
                vector: Err(String::new()),
                corpus: Err(String::new()),
            };
            if kind == FailureKind::MemoryLeak {
                let why = "memory-leak is a verdict on a whole run (memory kept across streams), \
                           which one stream does not show";
                saved.vector = Err(why.into());
                saved.corpus = Err(why.into());
                failures.push(saved);
                continue;
            }
            saved.vector = match vector::vector_file(case, kind, decoder) {
                Ok((id, text)) => {
                    let path = dir.join(format!("{id}.json"));
                    let new = write_once(&path, text.as_bytes())?;
                    Ok(SavedVector { path, id, new })
                }
                Err(why) => Err(why),
            };
            saved.corpus = match target::input_for(decoder, case) {
                Ok((target, data)) => {
                    let path = dir
                        .join("corpus")
                        .join(target)
                        .join(format!("{kind}-{}", content_hash(&data)));
                    let new = write_once(&path, &data)?;
                    Ok(SavedInput { path, target, new })
                }
                Err(why) => Err(why),
            };
            failures.push(saved);
        }
    }
    Ok(Saved {
        dir: dir.to_path_buf(),
        decoder: decoder.map(String::from),
        failures,
    })
}

impl Saved {
    /// The vector files, in order.
    pub fn vectors(&self) -> impl Iterator<Item = &SavedVector> {
        self.failures.iter().filter_map(|f| f.vector.as_ref().ok())
    }

    /// The corpus inputs, in order.
    pub fn inputs(&self) -> impl Iterator<Item = &SavedInput> {
        self.failures.iter().filter_map(|f| f.corpus.as_ref().ok())
    }

    /// The command that replays the vectors.
    pub fn replay_command(&self) -> String {
        let dir = shell_word(&self.dir.display().to_string());
        match &self.decoder {
            Some(d) => format!("framecheck vectors run {dir} --decoder {d}"),
            None => format!("framecheck vectors run {dir} --exec PROGRAM"),
        }
    }
}

/// `saved 2 failures to DIR: vectors …; corpus …`, then one line per failure kept without a
/// file, and the commands that replay them.
impl fmt::Display for Saved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        if n == 0 {
            return writeln!(f, "no failures to save in {}", self.dir.display());
        }
        let list = |paths: Vec<String>| match paths.is_empty() {
            true => "none".to_string(),
            false => paths.join(", "),
        };
        let vectors: Vec<String> = self.vectors().map(|v| show(&v.path, v.new)).collect();
        let inputs: Vec<String> = self.inputs().map(|i| show(&i.path, i.new)).collect();
        let known = match self.failures.iter().filter(|s| s.known).count() {
            0 => String::new(),
            k => format!(" ({k} known)"),
        };
        // Only what has a file counts as saved; the lines below say why the others have none.
        let kept = self
            .failures
            .iter()
            .filter(|s| s.vector.is_ok() || s.corpus.is_ok())
            .count();
        let of = if kept < n {
            format!(" of {n}")
        } else {
            String::new()
        };
        writeln!(
            f,
            "saved {kept}{of} failure{}{known} to {}: vectors {}; corpus {}",
            if n == 1 { "" } else { "s" },
            self.dir.display(),
            list(vectors),
            list(inputs)
        )?;
        for s in &self.failures {
            if let Err(why) = &s.vector {
                writeln!(f, "  no vector for {} ({}): {why}", s.kind, s.framing)?;
            }
            if let Err(why) = &s.corpus {
                writeln!(f, "  no corpus file for {} ({}): {why}", s.kind, s.framing)?;
            }
        }
        if self.vectors().next().is_some() {
            writeln!(f, "  replay: {}", self.replay_command())?;
        }
        let mut targets: Vec<&str> = self.inputs().map(|i| i.target).collect();
        targets.dedup();
        for t in targets {
            let folder = shell_word(&self.dir.join("corpus").join(t).display().to_string());
            writeln!(
                f,
                "  fuzz: cargo fuzz run {t} {folder} (or copy it into corpus/regressions/{t}/ \
                 once fixed, for cargo test)"
            )?;
        }
        Ok(())
    }
}

fn show(path: &Path, new: bool) -> String {
    match new {
        true => path.display().to_string(),
        false => format!("{} (already there)", path.display()),
    }
}

/// `text`, single-quoted for a shell if it holds anything but plain path characters.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,".contains(c));
    match plain {
        true => text.to_string(),
        false => format!("'{}'", text.replace('\'', r"'\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Case, Stream};
    use crate::oracle::judge;
    use crate::vectors::{self, Profile};
    use crate::{registry, ReferenceDecoder, Suite};
    use std::sync::Arc;

    /// A fresh folder under the temporary folder, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir()
                .join(format!("framecheck-regress-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The default suite (10 random cases) of bundled decoder `id` under `framing`.
    fn run(id: &str, framing: &str) -> Report {
        let framing: Framing = framing.parse().unwrap();
        let entry = registry::find(id).unwrap();
        Suite::new(framing)
            .random_cases(10)
            .run(move || entry.build(framing).unwrap())
    }

    /// A report of one failure: `case`, as decoder `id` fails it (not shrunk).
    fn report_of(id: &str, token: &str) -> Report {
        let case = Case::from_token(token).unwrap();
        let framing = case.stream.framing();
        let mut decoder = registry::find(id).unwrap().build(framing).unwrap();
        let failure = judge(&mut decoder, &case).failure().cloned().unwrap();
        let mut report = Report::new(framing, 0, 0, "{token}".into());
        report.add_failure("hand-made", case, failure);
        report
    }

    fn load(path: &Path) -> Vec<vectors::Vector> {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.display().to_string();
        vectors::load_str(&name, &text, &mut Default::default())
            .unwrap()
            .vectors
    }

    #[test]
    fn a_zoo_failure_becomes_a_vector_the_zoo_fails_and_the_reference_passes() {
        let dir = TempDir::new("zoo");
        let report = run("zoo:no-drain-loop", "u16be:max=1024");
        let kinds: Vec<FailureKind> = report.failures.iter().map(|f| f.failure.kind).collect();
        assert!(!kinds.is_empty());
        let saved = save_failures(&dir.0, &[report], Some("zoo:no-drain-loop")).unwrap();
        assert_eq!(saved.failures.len(), kinds.len());
        for (s, kind) in saved.failures.iter().zip(&kinds) {
            let v = s.vector.as_ref().unwrap();
            assert!(v.new && v.id.starts_with(&format!("{kind}-zoo_no-drain-loop-")));
            let all = load(&v.path);
            assert!(all[0].comment.contains(&s.token), "{}", all[0].comment);
            let good = vectors::run(&all, Profile::default(), |f| Some(ReferenceDecoder::new(f)));
            assert!(good.is_pass(), "the reference fails {}", v.id);
            let zoo = registry::find("zoo:no-drain-loop").unwrap();
            let bad = vectors::run(&all, Profile::default(), move |f| zoo.build(f));
            let found: Vec<FailureKind> = bad.reports[0].by_kind.keys().copied().collect();
            assert!(found.contains(kind), "{kind} not found again: {found:?}");
            // No fuzz target runs a zoo decoder through corpus::replay; the entry says so.
            assert!(s.corpus.as_ref().unwrap_err().contains("zoo fuzz target"));
        }
        let text = saved.to_string();
        assert!(
            text.starts_with(&format!("saved {} failure", kinds.len()))
                && text.contains("no corpus file for")
                && text.contains("replay: framecheck vectors run")
                && text.contains("--decoder zoo:no-drain-loop"),
            "{text}"
        );
    }

    #[test]
    fn saving_twice_writes_nothing_new() {
        let dir = TempDir::new("twice");
        let reports = [run("zoo:no-drain-loop", "u16be:max=1024")];
        let first = save_failures(&dir.0, &reports, Some("zoo:no-drain-loop")).unwrap();
        let again = save_failures(&dir.0, &reports, Some("zoo:no-drain-loop")).unwrap();
        let paths = |s: &Saved| s.vectors().map(|v| v.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&first), paths(&again));
        assert!(first.vectors().all(|v| v.new) && again.vectors().all(|v| !v.new));
        assert!(again.to_string().contains("(already there)"));
        let files = std::fs::read_dir(&dir.0).unwrap().count();
        assert_eq!(
            files,
            first.vectors().count(),
            "one file per vector, no temporaries"
        );
    }

    #[test]
    fn a_file_changed_by_hand_is_not_overwritten() {
        let dir = TempDir::new("edited");
        let reports = [report_of(
            "zoo:no-drain-loop",
            "u16be:max=1024/000161000162/-",
        )];
        let saved = save_failures(&dir.0, &reports, Some("zoo:no-drain-loop")).unwrap();
        let path = saved.vectors().next().unwrap().path.clone();
        std::fs::write(&path, "edited").unwrap();
        let e = save_failures(&dir.0, &reports, Some("zoo:no-drain-loop"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&path.display().to_string()) && e.contains("not overwritten"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited");
    }

    #[test]
    fn an_unwritable_folder_is_an_error_naming_it() {
        let dir = TempDir::new("unwritable");
        std::fs::create_dir_all(&dir.0).unwrap();
        let file = dir.0.join("a-file");
        std::fs::write(&file, "").unwrap();
        let reports = [report_of(
            "zoo:no-drain-loop",
            "u16be:max=1024/000161000162/-",
        )];
        let e = save_failures(&file.join("saved"), &reports, Some("zoo:no-drain-loop"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&file.join("saved").display().to_string()), "{e}");
        assert!(e.contains("cannot create the folder"), "{e}");
    }

    #[test]
    fn an_exec_program_s_failure_gets_a_vector_and_says_why_no_corpus_file() {
        let dir = TempDir::new("exec");
        let reports = [report_of(
            "zoo:no-drain-loop",
            "u16be:max=1024/000161000162/-",
        )];
        let saved = save_failures(&dir.0, &reports, None).unwrap();
        let s = &saved.failures[0];
        let v = s.vector.as_ref().unwrap();
        assert!(v.id.starts_with(&format!("{}-exec-", s.kind)), "{}", v.id);
        assert!(s.corpus.as_ref().unwrap_err().contains("--exec"));
        assert!(saved.replay_command().ends_with("--exec PROGRAM"));
        assert!(load(&v.path)[0].comment.contains("a program under --exec"));
    }

    #[test]
    fn a_memory_leak_is_listed_without_files() {
        let dir = TempDir::new("leak");
        let mut report = report_of("zoo:no-drain-loop", "u16be:max=1024/000161000162/-");
        report.failures[0].failure.kind = FailureKind::MemoryLeak;
        let saved = save_failures(&dir.0, &[report], Some("zoo:no-drain-loop")).unwrap();
        assert!(saved.failures[0]
            .vector
            .as_ref()
            .unwrap_err()
            .contains("whole run"));
        assert!(!dir.0.exists(), "nothing written");
        assert!(saved.to_string().contains("no vector for memory-leak"));
    }

    #[test]
    fn a_known_failure_is_kept_too_and_counted_as_known() {
        let dir = TempDir::new("known");
        let mut report = report_of("zoo:no-drain-loop", "u16be:max=1024/000161000162/-");
        report.failures[0].known = Some(0);
        let saved = save_failures(&dir.0, &[report], Some("zoo:no-drain-loop")).unwrap();
        assert!(saved.failures[0].known && saved.vectors().count() == 1);
        assert!(
            saved
                .to_string()
                .starts_with("saved 1 failure (1 known) to"),
            "{saved}"
        );
    }

    #[test]
    fn an_empty_frame_becomes_an_acceptable_vector_under_either_profile() {
        for empty_frames in [true, false] {
            let framing: Framing = "u16be:max=1024".parse().unwrap();
            let framing = framing.with_empty_frames(empty_frames);
            let stream = Stream::raw(framing, "s", vec![0, 0, 0, 1, b'a']);
            let case = Case::new(Arc::new(stream), "whole", crate::Schedule::whole());
            let failure = judge(&mut ReferenceDecoder::new(framing), &case);
            assert!(failure.is_pass(), "the reference passes its own case");
            let (id, text) =
                vector::vector_file(&case, FailureKind::ExtraFrame, Some("x")).unwrap();
            assert!(text.contains("\"acceptable\""), "{text}");
            assert!(id.starts_with("extra-frame-x-"));
        }
    }

    #[test]
    fn an_opaque_framing_s_case_becomes_an_opaque_vector() {
        let framing = vectors::opaque("regress-tlv").unwrap();
        let exp = crate::explicit::from_text("2:1+1,3:1+2;clean", 5).unwrap();
        let stream = Stream::explicit(framing, "s", vec![1, b'a', 2, b'b', b'c'], exp).unwrap();
        let case = Case::new(
            Arc::new(stream),
            "cut@2",
            crate::Schedule::from_cuts(vec![2], 5),
        );
        let (_, text) = vector::vector_file(&case, FailureKind::MissingFrame, None).unwrap();
        assert!(
            text.contains("\"opaque\"") && text.contains("regress-tlv"),
            "{text}"
        );
    }

    #[test]
    fn an_opaque_case_with_a_headed_frame_and_an_error_becomes_a_vector_stating_it() {
        // As `examples/tlv` states its reserved-type vector: a frame of 3 header bytes and 2
        // message bytes, then a header the file says is bad at byte 5, with the reason the
        // file's loader gave it (which names that file's vector, not the one written here).
        let bytes = vec![1, 0, 2, b'h', b'i', 0, 0, 0, 1, b'a'];
        let loaded = r#"{"format": "framecheck-vectors", "version": 1, "flags": {}, "vectors": [
          {"id": "reserved-type", "comment": "", "flags": [],
           "framing": {"type": "opaque", "name": "regress-tlv-error"},
           "chunks": ["0100026869", "0000000161"], "result": "invalid",
           "frames": [{"hex": "6869", "frame": [0, 5]}],
           "error": {"class": "malformed-header", "at": 5}}]}"#;
        let file = vectors::load_str("tlv.json", loaded, &mut Default::default()).unwrap();
        let case = file.vectors[0].case();
        assert_eq!(case.stream.bytes(), bytes);
        let (id, text) = vector::vector_file(&case, FailureKind::LateRejection, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let v = &json["vectors"][0];
        assert_eq!(
            v["frames"],
            serde_json::json!([{"hex": "6869", "frame": [0, 5]}])
        );
        assert_eq!(
            v["error"],
            serde_json::json!({"class": "malformed-header", "at": 5})
        );
        assert_eq!(v["chunks"], serde_json::json!(["0100026869", "0000000161"]));
        let back = &vectors::load_str(&format!("{id}.json"), &text, &mut Default::default())
            .unwrap()
            .vectors[0];
        assert_eq!(back.case().token(), case.token());
    }
}
