//! Failures kept as regression files (`framecheck::regress`, `run --save-failures DIR`), and
//! replayed with `framecheck vectors run DIR`: the decoder that failed them fails them again,
//! with the same kind, and a correct one passes them. The saved files are also held to
//! `vectors/schema.json`, as `vectors/check_schema.py` holds the committed ones.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{framecheck, temp_dir, ROOT};
use framecheck::exec::ExecProgram;
use framecheck::{registry, regress, FailureKind, Framing, Report, Suite};
use predicates::prelude::*;

/// The default suite (20 random cases) of bundled decoder `id` under `framing`.
fn bundled_run(id: &str, framing: &str) -> Report {
    let framing: Framing = framing.parse().unwrap();
    let entry = registry::find(id).unwrap();
    Suite::new(framing)
        .random_cases(20)
        .run(move || entry.build(framing).unwrap())
}

fn kinds(report: &Report) -> Vec<FailureKind> {
    report.failures.iter().map(|f| f.failure.kind).collect()
}

/// `python3 -c` validating every `*.json` file of `dir` against `vectors/schema.json`, as
/// `vectors/check_schema.py` does for the committed files; `None` when python3 or jsonschema
/// is missing (a failure when `FRAMECHECK_REQUIRE_JSONSCHEMA` is set).
fn schema_errors(dir: &Path) -> Option<String> {
    let script = r#"
import glob, json, os, sys
import jsonschema
schema = json.load(open(os.path.join(sys.argv[1], "vectors", "schema.json")))
v = jsonschema.Draft202012Validator(schema)
files = sorted(glob.glob(os.path.join(sys.argv[2], "*.json")))
bad = [f"{p}: {e.message}" for p in files for e in v.iter_errors(json.load(open(p)))]
print(f"{len(files)} files")
print("\n".join(bad))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, ROOT, dir.to_str().unwrap()])
        .output()
        .ok()?;
    if !out.status.success() {
        // CI puts a Python with jsonschema on PATH and sets this: there, skipping is a failure.
        assert!(
            std::env::var_os("FRAMECHECK_REQUIRE_JSONSCHEMA").is_none(),
            "FRAMECHECK_REQUIRE_JSONSCHEMA is set, but python3 cannot import jsonschema: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!(
            "schema check skipped (python3 with jsonschema not found): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_zoo_run_s_saved_failures_fail_the_zoo_decoder_again_and_pass_the_reference() {
    let dir = temp_dir().join("saved");
    let report = bundled_run("zoo:no-drain-loop", "u16be:max=1024");
    let kinds = kinds(&report);
    assert!(!kinds.is_empty(), "no-drain-loop must fail");
    let saved = regress::save_failures(&dir, &[report], Some("zoo:no-drain-loop")).unwrap();
    print!("{saved}");
    assert_eq!(saved.vectors().count(), kinds.len(), "{saved}");
    let mut again = framecheck();
    again.args([
        "vectors",
        "run",
        dir.to_str().unwrap(),
        "--decoder",
        "zoo:no-drain-loop",
    ]);
    let mut out = again.assert().code(1);
    for k in &kinds {
        out = out.stdout(predicate::str::contains(format!("FAIL {k}")));
    }
    framecheck()
        .args([
            "vectors",
            "run",
            dir.to_str().unwrap(),
            "--decoder",
            "reference",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "{} vectors, 0 with a failing case",
            kinds.len()
        )));
    framecheck()
        .args(["vectors", "check", dir.to_str().unwrap()])
        .assert()
        .code(0);
    if let Some(text) = schema_errors(&dir) {
        assert_eq!(text.trim(), format!("{} files", kinds.len()), "{text}");
    }
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

/// The tokio-util LengthDelimitedCodec's EOF right after a header: kept as a vector and as an
/// input of `adapter_tokio_util07`, which `framecheck corpus check` fails with the same kind
/// once the finding is not allowed.
#[test]
fn a_third_party_finding_is_kept_for_its_fuzz_target_too() {
    let dir = temp_dir().join("saved");
    let report = bundled_run("tokio-util07-decode", "u32be:max=1024");
    assert!(kinds(&report).contains(&FailureKind::TruncationIgnored));
    let saved = regress::save_failures(&dir, &[report], Some("tokio-util07-decode")).unwrap();
    let text = saved.to_string();
    print!("{text}");
    assert!(
        text.contains("corpus/adapter_tokio_util07/truncation-ignored-"),
        "{text}"
    );
    let input = saved
        .inputs()
        .find(|i| i.path.to_string_lossy().contains("truncation-ignored"))
        .unwrap();
    let data = std::fs::read(&input.path).unwrap();
    // `cargo test`'s replay lets the known finding through; with nothing allowed it is back.
    framecheck::corpus::replay(input.target, &data).unwrap();
    // The panic is the point: keep its report out of the test output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let err = std::panic::catch_unwind(|| {
        let none: &[(&str, FailureKind)] = &[];
        framecheck::fuzz::check_bundled_allowing("tokio-util07", &data, none)
    });
    std::panic::set_hook(hook);
    let err = err.unwrap_err();
    let err = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(err.contains("FAIL truncation-ignored"), "{err}");
    framecheck()
        .args([
            "vectors",
            "run",
            dir.to_str().unwrap(),
            "--decoder",
            "tokio-util07-decode",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL truncation-ignored"));
    framecheck()
        .args(["vectors", "run", dir.to_str().unwrap()])
        .assert()
        .code(0);
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

/// A program's failures, kept with no decoder name, replay against the program with
/// `vectors run DIR --exec CMD`; the correct program passes them.
#[test]
fn a_program_s_saved_failures_replay_with_exec() {
    let dir = temp_dir().join("saved");
    let script = format!("{ROOT}/cli/tests/adapters/buggy.py");
    let buggy = format!("python3 {script} no-drain-loop u32be 1000");
    let framing: Framing = "u32be:max=1000".parse().unwrap();
    let program = Arc::new(ExecProgram::new(
        buggy.clone(),
        framing,
        Duration::from_secs(5),
    ));
    program.preflight().unwrap();
    let p = program.clone();
    let report = Suite::new(framing)
        .random_cases(5)
        .max_faults(3)
        .run(move || p.decoder());
    program.shutdown();
    let kinds = kinds(&report);
    assert!(!kinds.is_empty());
    let saved = regress::save_failures(&dir, &[report], None).unwrap();
    assert!(saved.to_string().contains("--exec PROGRAM"), "{saved}");
    let mut out = framecheck()
        .args(["vectors", "run", dir.to_str().unwrap(), "--exec", &buggy])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("framecheck replay --exec"));
    for k in &kinds {
        out = out.stdout(predicate::str::contains(format!("FAIL {k}")));
    }
    let good = format!("python3 {script} no-bug u32be 1000");
    framecheck()
        .args(["vectors", "run", dir.to_str().unwrap(), "--exec", &good])
        .assert()
        .code(0);
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn vectors_run_of_a_folder_without_vectors_is_a_usage_error() {
    let dir = temp_dir();
    framecheck()
        .args(["vectors", "run", dir.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a folder with no *.json file"));
    std::fs::remove_dir(dir).unwrap();
}

/// With --exec, vectors of several framings need --framing: one program decodes one.
#[test]
fn vectors_run_exec_needs_one_framing() {
    framecheck()
        .args(["vectors", "run", "vectors/seed.json", "--exec", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pick one with --framing"));
}

/// The workflow the README shows: a failing run keeps its failures, and the folder is the
/// regression test from then on (red on the buggy decoder, green on a correct one).
#[test]
fn run_save_failures_then_vectors_run_replays_them() {
    let dir = temp_dir().join("saved");
    let d = dir.to_str().unwrap();
    let out = framecheck()
        .args([
            "run",
            "--decoder",
            "zoo:no-drain-loop",
            "--framing",
            "u16be:max=64",
        ])
        .args(["--save-failures", d])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("saved 2 failures to {d}")),
        "{stdout}"
    );
    let replay = |decoder: &str| {
        framecheck()
            .args(["vectors", "run", d, "--decoder", decoder])
            .output()
            .unwrap()
    };
    let buggy = replay("zoo:no-drain-loop");
    let text = String::from_utf8_lossy(&buggy.stdout);
    assert_eq!(buggy.status.code(), Some(1), "{text}");
    assert!(
        text.contains("stuck-frame") && text.contains("late-rejection"),
        "{text}"
    );
    assert_eq!(replay("reference").status.code(), Some(0));
    // Saved again: the same files, nothing new.
    let before = std::fs::read_dir(&dir).unwrap().count();
    framecheck()
        .args([
            "run",
            "--decoder",
            "zoo:no-drain-loop",
            "--framing",
            "u16be:max=64",
        ])
        .args(["--save-failures", d])
        .assert()
        .code(1);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), before);
}
