//! `framecheck run --vectors FILE`: the vectors of a file the user wrote, each as given, under
//! the schedule catalog, and cut after every byte, against a program (`--exec`) or a bundled
//! decoder.
//!
//! The file names its framing, so `--framing` is not needed; given, it picks the file's
//! vectors of that framing, and one the file does not use is a usage error. A program decodes
//! one framing, so with `--exec` a file of several framings needs `--framing`. Loading the
//! file registers its opaque framings (`framecheck::vectors::opaque`), so the `Reproduce
//! with:` line passes `--vectors FILE` to `framecheck replay`, which loads it again before it
//! reads the token.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use framecheck::exec::{self, shell_quote, ExecProgram};
use framecheck::runner::Runner;
use framecheck::vectors::{self, Profile, Vector};
use framecheck::{Case, Framing};

use super::{print_exec_report, replay_in_process, write_reports, RunArgs};
use crate::bundled::Bundled;
use crate::gate::Gate;

/// Loads the vectors of `path` (a file, or a folder of them such as `--save-failures` writes);
/// the error names the file, the vector and the field.
pub(crate) fn load(path: &Path) -> anyhow::Result<Vec<Vector>> {
    if path.is_dir() {
        return crate::vectors::load_paths(&[path.to_path_buf()]);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    let mut ids = std::collections::HashSet::new();
    Ok(vectors::load_str(&path.display().to_string(), &text, &mut ids)?.vectors)
}

/// `template` (a `Reproduce with:` line ending in `'{token}'`) with `--vectors PATH` before the
/// token.
fn with_vectors(template: &str, path: &Path) -> String {
    let head = template.strip_suffix(" '{token}'").unwrap_or(template);
    format!(
        "{head} --vectors {} '{{token}}'",
        shell_quote(&path.display().to_string())
    )
}

pub(super) fn run_vectors(args: &RunArgs, path: &Path) -> anyhow::Result<bool> {
    let all = load(path)?;
    let profile = Profile::default();
    let file = path.display();
    let mut in_file: Vec<Framing> = Vec::new();
    for v in &all {
        let f = v.resolve(profile).0;
        if !in_file.contains(&f) {
            in_file.push(f);
        }
    }
    let listed = in_file
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let chosen: Vec<Framing> = match &args.framing {
        None if in_file.is_empty() => anyhow::bail!("{file}: holds no vectors"),
        None => in_file.clone(),
        Some(text) => {
            let f: Framing = text
                .parse()
                .map_err(|e| anyhow::anyhow!("--framing: {e} ({file} names its own framing)"))?;
            if !in_file.contains(&f) {
                anyhow::bail!(
                    "--framing {f} disagrees with {file}, whose vectors are in {listed}: leave \
                     --framing out (the file names its framing), or give one of those"
                );
            }
            vec![f]
        }
    };
    if args.exec.is_some() && chosen.len() > 1 {
        anyhow::bail!(
            "{file} holds vectors in several framings ({listed}), and --exec runs one program \
             for one framing: pick one with --framing"
        );
    }
    let timeout = Duration::from_millis(args.timeout_ms);
    let decoder = Bundled::parse(&args.decoder)?;
    let decoder_id = decoder.name();
    let decoder_id = args.exec.is_none().then_some(decoder_id.as_str());
    let gate = Gate::new(&args.gate)?;
    let runs: Vec<(Option<&str>, Framing)> = chosen.iter().map(|f| (decoder_id, *f)).collect();
    gate.check_applies(&runs)?;
    let mut reports = Vec::new();
    for framing in chosen {
        let mine: Vec<&Vector> = all
            .iter()
            .filter(|v| v.resolve(profile).0 == framing)
            .collect();
        let cases: Vec<Case> = mine
            .iter()
            .flat_map(|v| {
                let mut c = v.cases(profile);
                c.extend(v.truncated_cases(profile));
                c
            })
            .collect();
        println!(
            "{file}: {} vectors in {framing}, {} cases (each as given, under the schedule \
             catalog, and cut after every byte)",
            mine.len(),
            cases.len()
        );
        let runner = Runner::new()
            .max_faults(args.max_faults)
            .fail_fast(args.fail_fast)
            .leak_slack(args.leak_slack_mb << 20)
            .known(gate.known(decoder_id, framing));
        let command = match &args.exec {
            Some(cmd) => Some(cmd.clone()),
            None if !decoder.supports(framing) => {
                let why = if vectors::is_opaque(&framing) {
                    format!(
                        ": {framing} is an opaque framing, known from {file} alone, so no \
                         bundled decoder decodes it; test your decoder with --exec PROGRAM"
                    )
                } else {
                    String::new()
                };
                anyhow::bail!("{} cannot decode {framing}{why}", decoder.name());
            }
            None if args.isolate => {
                let exe = std::env::current_exe()?;
                Some(exec::serve_command(
                    &exe.display().to_string(),
                    &decoder.name(),
                    framing,
                ))
            }
            None => None,
        };
        let report = match command {
            Some(cmd) => {
                let program = Arc::new(
                    args.startup.apply(
                        ExecProgram::new(cmd.clone(), framing, timeout)
                            .memory_slack(args.memory_slack_mb << 20)
                            .leak_slack(args.leak_slack_mb << 20),
                    ),
                );
                program.preflight()?;
                let started = Instant::now();
                let p = program.clone();
                let template = match &args.exec {
                    Some(_) => program.replay_template(),
                    None => replay_in_process(&decoder.name()),
                };
                let run_order = cases.clone();
                let mut report = runner
                    .timeout(program.suite_timeout())
                    // A hung program is killed, not left behind: hangs are faults like any
                    // other.
                    .max_hangs(args.max_hangs.unwrap_or(args.max_faults))
                    .shrink_hangs(true)
                    .reproduce_with(with_vectors(&template, path))
                    .run_cases(framing, cases, move || p.decoder());
                program.shutdown();
                super::explain::explain(&mut report, || run_order, &program);
                print_exec_report(&program, &report, started);
                report
            }
            None => {
                let d = decoder;
                let mut runner = runner.timeout(timeout);
                if let Some(n) = args.max_hangs {
                    runner = runner.max_hangs(n);
                }
                let report = runner
                    .reproduce_with(with_vectors(&replay_in_process(&d.name()), path))
                    .run_cases(framing, cases, move || d.build(framing));
                print!("{report}");
                report
            }
        };
        reports.push(report);
    }
    gate.settle(&mut reports)?;
    write_reports(&reports, args.json.as_deref(), args.junit.as_deref())?;
    gate.finish(
        &format!("framecheck run --vectors {file}"),
        &reports,
        decoder_id,
    )
}
