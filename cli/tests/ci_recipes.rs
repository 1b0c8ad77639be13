//! The CI recipes of `examples/ci/` work as written: `examples/ci/run-steps.py` runs each
//! workflow's steps here, in order, in a scratch workspace, as GitHub's runner would (its
//! `uses:` steps by local equivalents), and these tests check what came of it.
//!
//! - The exec recipe passes on its sample program, whose one known failure the baseline lets
//!   through, and leaves the JUnit file and the HTML report to upload; a new failure planted in
//!   the program fails the run step with exit 1, and the reports are still kept; fixing the
//!   known failure fails it too (the recipe's `--ratchet`).
//! - The Rust recipe passes on its sample crate, and fails when the decoder loses its drain
//!   loop.
//!
//! The recipes install nothing here: this package's `framecheck` binary is first on `PATH`
//! (as after the exec recipe's cache hit), and framecheck's git URL, which the recipes name,
//! is fetched from this repository's committed `HEAD` (`--git-url`). Each scenario builds the
//! sample crate into a target folder of its own, kept between runs of these tests, so that
//! only the first run builds framecheck. Every step is bounded by run-steps.py's
//! `--step-timeout`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The git URL the recipes name for framecheck's source.
const GIT_URL: &str = "https://github.com/YOUR-ORG/framecheck";
/// The longest any one step may take (the first build of the sample crate is the longest).
const STEP_TIMEOUT_S: &str = "300";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn ci() -> PathBuf {
    repo().join("examples/ci")
}

/// A fresh folder for one scenario, under the target's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("ci-recipes")
        .join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of a sample folder with one edit: `from` (which must be there) becomes `to` in
/// `file`. The planted change cannot silently miss.
fn edited_copy(sample: &str, file: &str, from: &str, to: &str, dir: &Path) -> PathBuf {
    let copy = dir.join("checkout");
    copy_dir(&ci().join(sample), &copy);
    let path = copy.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{sample}/{file} no longer holds {from:?} once: update this test's planted change"
    );
    std::fs::write(&path, text.replace(from, to)).unwrap();
    copy
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == "__pycache__" || name == "Cargo.lock" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// What run-steps.py made of a workflow.
struct Outcome {
    code: i32,
    /// Its `--json` file: `{"result", "jobs": [{"steps": [{"name", "outcome", "exit"}]}]}`.
    json: Value,
    workspace: PathBuf,
    output: String,
}

impl Outcome {
    /// The step called `name` of the first job.
    fn step(&self, name: &str) -> &Value {
        self.json["jobs"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no step {name:?}:\n{}", self.output))
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.workspace.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.output))
    }
}

/// Runs `workflow` (a file of examples/ci/) on `checkout`, in a workspace under `dir`.
fn run_recipe(workflow: &Path, checkout: &Path, dir: &Path) -> Outcome {
    let workspace = dir.join("workspace");
    let json = dir.join("outcome.json");
    let bin = Path::new(env!("CARGO_BIN_EXE_framecheck"))
        .parent()
        .unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = Command::new("python3")
        .arg(ci().join("run-steps.py"))
        .arg(workflow)
        .arg("--checkout")
        .arg(checkout)
        .arg("--workspace")
        .arg(&workspace)
        .arg("--json")
        .arg(&json)
        .arg("--git-url")
        .arg(format!("{GIT_URL}={}", repo().display()))
        .args(["--step-timeout", STEP_TIMEOUT_S])
        .env("PATH", path)
        // The scenario's own, kept between runs of this test: two scenarios sharing one would
        // build their two copies of the crate (same name, other folder) over each other.
        .env("CARGO_TARGET_DIR", target_dir(dir))
        .output()
        .expect("python3 runs examples/ci/run-steps.py");
    // Captured, not inherited: the sample crate's own `test result:` lines stay out of this
    // test's output, and show only when it fails.
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code, 2,
        "run-steps.py could not run {workflow:?}:\n{output}"
    );
    let json = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|e| panic!("no outcome file ({e}):\n{output}"));
    Outcome {
        code,
        json,
        workspace,
        output,
    }
}

/// The sample crate's target folder for the scenario in `dir`.
fn target_dir(dir: &Path) -> PathBuf {
    let name = dir.file_name().unwrap().to_str().unwrap();
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ci-recipes-target-{name}"))
}

/// The exec recipe.
fn exec_workflow() -> PathBuf {
    ci().join("exec-program.yml")
}

#[test]
fn exec_recipe_passes_with_its_known_failure_and_keeps_both_reports() {
    let dir = scratch("exec-pass");
    let workflow = exec_workflow();
    let run = run_recipe(&workflow, &ci().join("exec-program"), &dir);
    assert_eq!(run.code, 0, "{}", run.output);
    for step in run.json["jobs"][0]["steps"].as_array().unwrap() {
        assert_eq!(step["outcome"], "success", "{step}\n{}", run.output);
    }
    // Under --ratchet, a pass means the known failure happened and was let through: shown as
    // skipped, with the baseline's reason.
    let junit = run.file("junit.xml");
    assert!(junit.contains("<skipped"), "{junit:.2000}");
    assert!(junit.contains("eof() checks for a whole header only"));
    assert!(!junit.contains("<failure"));
    assert!(run.output.contains("artifact framecheck-report: junit.xml"));
    let page = run.file("report.html");
    assert!(page.contains("<html"), "{page:.200}");
    assert!(page.contains("truncation-ignored"), "{page:.2000}");
    assert!(run
        .output
        .contains("artifact framecheck-report: report.html"));
}

#[test]
fn exec_recipe_fails_on_a_new_failure_and_still_keeps_the_reports() {
    let dir = scratch("exec-new-failure");
    let workflow = exec_workflow();
    // The planted bug: one frame per read (no drain loop), so frames get stuck.
    let checkout = edited_copy(
        "exec-program",
        "decoder.py",
        "while len(self.buf) >= HEADER:",
        "if len(self.buf) >= HEADER:",
        &dir,
    );
    let run = run_recipe(&workflow, &checkout, &dir);
    assert_eq!(run.code, 1, "{}", run.output);
    let step = run.step("Conformance run");
    assert_eq!(step["outcome"], "failure", "{}", run.output);
    assert_eq!(step["exit"], 1, "{}", run.output);
    assert!(run.output.contains("FAIL stuck-frame"), "{}", run.output);
    // The reports are kept all the same (`if: always()`), the new failure in them.
    assert_eq!(run.step("Publish the JUnit report")["outcome"], "success");
    assert_eq!(run.step("Keep the reports")["outcome"], "success");
    let junit = run.file("junit.xml");
    assert!(junit.contains("<failure") && junit.contains("stuck-frame"));
    assert!(run.file("report.html").contains("stuck-frame"));
}

#[test]
fn exec_recipe_fails_once_the_known_failure_is_fixed_until_its_entry_goes() {
    let dir = scratch("exec-fixed");
    let workflow = exec_workflow();
    let checkout = edited_copy(
        "exec-program",
        "decoder.py",
        "if len(self.buf) >= HEADER:\n            raise",
        "if self.buf:\n            raise",
        &dir,
    );
    let run = run_recipe(&workflow, &checkout, &dir);
    assert_eq!(run.code, 1, "{}", run.output);
    assert_eq!(run.step("Conformance run")["exit"], 1, "{}", run.output);
    assert!(
        run.output
            .contains("known failure(s) no longer happen, and the ratchet is on"),
        "{}",
        run.output
    );
    // The JUnit file the workflow publishes is red too, and says why.
    let junit = run.file("junit.xml");
    assert!(junit.contains("<testcase name=\"baseline\""), "{junit}");
}

#[test]
fn rust_recipe_passes_on_the_sample_crate() {
    let dir = scratch("rust-pass");
    let run = run_recipe(&ci().join("rust-crate.yml"), &ci().join("rust-crate"), &dir);
    assert_eq!(run.code, 0, "{}", run.output);
    assert_eq!(run.step("Tests")["outcome"], "success");
    assert!(run.output.contains("test u16be::default_suite ... ok"));
    assert!(run.output.contains("test u16be::fuzz_smoke ... ok"));
}

#[test]
fn rust_recipe_fails_when_the_decoder_loses_its_drain_loop() {
    let dir = scratch("rust-new-failure");
    // One frame per read: the loop ends after its first frame.
    let checkout = edited_copy(
        "rust-crate",
        "src/lib.rs",
        "            self.buf.drain(..2 + len);\n",
        "            self.buf.drain(..2 + len);\n            break;\n",
        &dir,
    );
    let run = run_recipe(&ci().join("rust-crate.yml"), &checkout, &dir);
    assert_eq!(run.code, 1, "{}", run.output);
    assert_eq!(run.step("Tests")["exit"], 101, "{}", run.output);
    assert!(run.output.contains("FAIL stuck-frame"), "{}", run.output);
    assert!(run.output.contains("u16be::default_suite"));
}

/// run-steps.py reads the recipes as PyYAML does (where PyYAML is installed: the script itself
/// needs only python3, and its own parser is what runs them).
#[test]
fn run_steps_reads_every_workflow_as_pyyaml_does() {
    if !Command::new("python3")
        .args(["-c", "import yaml"])
        .status()
        .unwrap()
        .success()
    {
        eprintln!("PyYAML is not installed: the parser was not compared");
        return;
    }
    let compare = r#"
import json, subprocess, sys, yaml
def norm(v):
    if isinstance(v, dict):  # YAML 1.1 reads the key `on` as true
        return {("on" if k is True else str(k)): norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if v is None:
        return None
    return str(v).lower() if isinstance(v, bool) else str(v)
script, files = sys.argv[1], sys.argv[2:]
for f in files:
    mine = json.loads(subprocess.check_output([sys.executable, script, "--parse", f]))
    if mine != norm(yaml.safe_load(open(f))):
        sys.exit(f"{f}: run-steps.py reads {json.dumps(mine)}")
print(len(files), "workflows")
"#;
    let mut files: Vec<PathBuf> = ["exec-program.yml", "rust-crate.yml"]
        .iter()
        .map(|f| ci().join(f))
        .collect();
    for entry in std::fs::read_dir(repo().join(".github/workflows")).unwrap() {
        files.push(entry.unwrap().path());
    }
    let out = Command::new("python3")
        .args(["-c", compare])
        .arg(ci().join("run-steps.py"))
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{} workflows", files.len())
    );
}

/// What run-steps.py cannot run faithfully is an error (exit 2) naming the line or the step,
/// never a step quietly skipped.
#[test]
fn run_steps_refuses_what_it_cannot_run() {
    let dir = scratch("refusals");
    let cases = [
        ("anchor", "jobs:\n  a: &x\n    steps: []\n", "anchors"),
        (
            "unknown-action",
            "jobs:\n  a:\n    steps:\n      - uses: some/action@v1\n",
            "no local equivalent for `uses: some/action@v1`",
        ),
        (
            "expression",
            "jobs:\n  a:\n    steps:\n      - run: echo ${{ github.sha }}\n",
            "expression in `run:`",
        ),
        (
            "condition",
            "jobs:\n  a:\n    steps:\n      - if: github.event_name == 'push'\n        run: 'true'\n",
            "is not one of always(), success(), failure()",
        ),
        (
            "matrix",
            "jobs:\n  a:\n    strategy:\n      matrix:\n        x:\n          - 1\n    steps:\n      - run: echo\n",
            "keys this script does not run: strategy",
        ),
    ];
    for (name, text, error) in cases {
        let workflow = dir.join(format!("{name}.yml"));
        std::fs::write(&workflow, text).unwrap();
        let out = Command::new("python3")
            .arg(ci().join("run-steps.py"))
            .arg(&workflow)
            .arg("--checkout")
            .arg(&dir)
            .arg("--workspace")
            .arg(dir.join(format!("{name}-ws")))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(error), "{name}: {stderr}");
    }
}
