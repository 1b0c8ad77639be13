//! A command line that clap refuses still writes the `--json` and `--junit` reports it names.
//!
//! `framecheck run --timeout-ms abc --json r.json` fails in clap's parser, before `run` has its
//! arguments: without this, no report is written and CI sees only a missing file. So on a
//! usage error (not `--help` or `--version`, which print and exit 0 as before) the raw
//! arguments of `run` and `tcp` (the subcommands with reports) are searched for `--json FILE`,
//! `--json=FILE`, `--junit FILE` and `--junit=FILE`, and the error reports of a run that could
//! not happen ([`framecheck::report::error_json`], [`framecheck::report::error_junit`]) are
//! written there with clap's message, without colour. Then clap's error is printed as clap
//! prints it, and the exit code is clap's (2). A report that cannot be written is one more line
//! on stderr, never a panic.
//!
//! The search is by spelling, since the parse failed: the last `--json` of the command line
//! wins (clap would refuse two anyway), and nothing after `--` counts.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The subcommands whose arguments include `--json` and `--junit`.
const WITH_REPORTS: [&str; 2] = ["run", "tcp"];

/// Handles a command line clap refused (or `--help`/`--version`, which clap reports the same
/// way): writes the reports it names, prints clap's message, and gives clap's exit code.
pub(crate) fn fail(error: clap::Error) -> ExitCode {
    if !error.use_stderr() {
        // --help, --version: printed on stdout, exit 0, as clap does.
        error.exit();
    }
    let (json, junit) = report_paths(std::env::args_os());
    let message = error.render().to_string();
    let failures = write_reports(message.trim_end(), json.as_deref(), junit.as_deref());
    let _ = error.print();
    for failure in failures {
        eprintln!("framecheck: error: {failure}");
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// The `--json` and `--junit` paths of a `run` or `tcp` command line (`args` with the program
/// name first), as written, whether or not the rest of it parses.
pub(crate) fn report_paths(
    args: impl IntoIterator<Item = OsString>,
) -> (Option<PathBuf>, Option<PathBuf>) {
    let mut args = args.into_iter().skip(1).peekable();
    // `framecheck` itself takes no option with a value: its first word that is not an option
    // is the subcommand.
    let sub = args.by_ref().find(|a| !a.as_bytes().starts_with(b"-"));
    let (mut json, mut junit) = (None, None);
    if !sub.is_some_and(|s| WITH_REPORTS.iter().any(|w| s == *w)) {
        return (json, junit);
    }
    while let Some(arg) = args.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            break;
        }
        for (name, slot) in [(&b"--json"[..], &mut json), (b"--junit", &mut junit)] {
            if bytes == name {
                // Like clap, take no option for the value: `--json --exec X` names no file.
                if let Some(value) = args.next_if(|v| !v.as_bytes().starts_with(b"-")) {
                    *slot = Some(PathBuf::from(value));
                }
                break;
            }
            if let Some(value) = bytes.strip_prefix(name).and_then(|r| r.strip_prefix(b"=")) {
                *slot = Some(PathBuf::from(std::ffi::OsStr::from_bytes(value)));
            }
        }
    }
    (json, junit)
}

/// Writes the error reports of a run that could not happen, saying `error`; returns a line
/// for each report that could not be written.
pub(crate) fn write_reports(error: &str, json: Option<&Path>, junit: Option<&Path>) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&framecheck::report::error_json(error))
            .unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            failures.push(format!("writing the --json report {}: {e}", path.display()));
        }
    }
    if let Some(path) = junit {
        let text = framecheck::report::error_junit("framecheck", error);
        if let Err(e) = std::fs::write(path, text) {
            failures.push(format!(
                "writing the --junit report {}: {e}",
                path.display()
            ));
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::report_paths;
    use std::path::PathBuf;

    fn paths(line: &str) -> (Option<PathBuf>, Option<PathBuf>) {
        report_paths(line.split(' ').map(Into::into))
    }

    #[test]
    fn both_spellings_of_the_report_options_are_found() {
        let p = |s: &str| Some(PathBuf::from(s));
        assert_eq!(
            paths("framecheck run --timeout-ms abc --json r.json --junit r.xml"),
            (p("r.json"), p("r.xml"))
        );
        assert_eq!(
            paths("framecheck tcp --json=a.json --bogus --junit=b.xml"),
            (p("a.json"), p("b.xml"))
        );
        assert_eq!(paths("framecheck run --json a --json b"), (p("b"), None));
        // A bare --json at the end names no file.
        assert_eq!(paths("framecheck run --exec x --json"), (None, None));
        // Nor does one followed by another option: no file named `--exec` is written.
        assert_eq!(
            paths("framecheck run --json --exec ./x --junit r.xml"),
            (None, p("r.xml"))
        );
    }

    #[test]
    fn other_subcommands_and_words_after_a_double_dash_name_no_report() {
        assert_eq!(paths("framecheck replay --json r.json"), (None, None));
        assert_eq!(paths("framecheck --json r.json"), (None, None));
        assert_eq!(paths("framecheck run -- --json r.json"), (None, None));
        assert_eq!(paths("framecheck"), (None, None));
        // Only the exact option names: --jsonx is not --json.
        assert_eq!(paths("framecheck run --jsonx=r.json"), (None, None));
    }
}
