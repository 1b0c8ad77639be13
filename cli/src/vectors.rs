//! `framecheck vectors`: the golden vectors of `vectors/` (or given files and folders) listed,
//! checked against the format and the specification, run against a bundled decoder or a
//! program (`--exec`), or regenerated.
//!
//! A folder stands for every `*.json` file under it, in sorted order: what `framecheck run
//! --save-failures DIR` writes (`framecheck::regress`), so `framecheck vectors run DIR`
//! replays a run's failures.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;
use framecheck::exec::{self, ExecProgram};
use framecheck::{suite, vectors, Framing};

use crate::bundled::Bundled;
use crate::startup::StartupArg;

#[derive(Subcommand)]
pub(crate) enum VectorsCommand {
    /// List the vectors: id, framing, result, flags.
    List(VectorFiles),
    /// Check every vector against the format and the specification, and run the reference
    /// decoder on each (as given and under the schedule catalog).
    Check(VectorFiles),
    /// Run the vectors against a bundled decoder.
    Run(VectorRunArgs),
    /// Write the generated vector files.
    Generate {
        /// The vectors folder.
        #[arg(long, default_value = "vectors")]
        out: std::path::PathBuf,
    },
}

#[derive(clap::Args)]
pub(crate) struct VectorFiles {
    /// Vector files to read instead of the bundled ones; a folder stands for every `*.json`
    /// file under it (such as what `run --save-failures DIR` wrote).
    files: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct VectorRunArgs {
    /// The decoder: `reference` or `zoo:NAME`.
    #[arg(long, default_value = "reference", conflicts_with = "exec")]
    decoder: String,
    /// Run the vectors against a program instead: run with `sh -c`, spoken to in the exec
    /// protocol (README). It decodes one framing: the vectors' own, or the one --framing picks.
    #[arg(long)]
    exec: Option<String>,
    /// With --exec: the framing of the vectors to run, when they are in several.
    #[arg(long, requires = "exec")]
    framing: Option<String>,
    /// The decoder rejects zero-length frames (resolves the `acceptable` vectors).
    #[arg(long)]
    no_empty_frames: bool,
    /// Per-call timeout in milliseconds.
    #[arg(long, default_value_t = suite::DEFAULT_TIMEOUT.as_millis() as u64)]
    timeout_ms: u64,
    #[command(flatten)]
    startup: StartupArg,
    #[command(flatten)]
    files: VectorFiles,
}

fn load_vectors(files: &VectorFiles) -> anyhow::Result<Vec<vectors::Vector>> {
    if files.files.is_empty() {
        return Ok(vectors::bundled()?);
    }
    load_paths(&files.files)
}

/// The vectors of `files`, each a vector file or a folder (every `*.json` under it, sorted).
pub(crate) fn load_paths(files: &[PathBuf]) -> anyhow::Result<Vec<vectors::Vector>> {
    let mut ids = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut paths = Vec::new();
    for path in files {
        if path.is_dir() {
            let before = paths.len();
            json_files_under(path, &mut paths)?;
            paths[before..].sort();
            if paths.len() == before {
                anyhow::bail!("{}: a folder with no *.json file", path.display());
            }
        } else {
            paths.push(path.clone());
        }
    }
    for path in &paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
        out.extend(vectors::load_str(&path.display().to_string(), &text, &mut ids)?.vectors);
    }
    Ok(out)
}

/// Every `*.json` file under `dir`, at any depth.
fn json_files_under(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            json_files_under(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// The vectors against the program `program` makes for the one framing they are in (or that
/// `framing` picks), as `framecheck run --exec CMD --vectors FILE` runs a file's: a hung
/// program is killed, and each failure's `Reproduce with:` line replays it against the
/// program, loading the vector's file first (whose opaque framing the token may name).
fn run_exec(
    all: &[vectors::Vector],
    program: &dyn Fn(Framing) -> ExecProgram,
    framing: Option<&str>,
    profile: vectors::Profile,
) -> anyhow::Result<vectors::VectorReport> {
    let mut in_files: Vec<Framing> = Vec::new();
    for v in all {
        let f = v.resolve(profile).0;
        if !in_files.contains(&f) {
            in_files.push(f);
        }
    }
    let listed = in_files
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let framing = match (framing, &in_files[..]) {
        (_, []) => anyhow::bail!("no vectors to run"),
        (None, [one]) => *one,
        (None, _) => anyhow::bail!(
            "the vectors are in several framings ({listed}), and --exec runs one program for one \
             framing: pick one with --framing"
        ),
        (Some(text), _) => {
            let f: Framing = text
                .parse()
                .map_err(|e| anyhow::anyhow!("--framing: {e}"))?;
            if !in_files.contains(&f) {
                anyhow::bail!("--framing {f}: the vectors are in {listed}");
            }
            f
        }
    };
    let mine: Vec<vectors::Vector> = all
        .iter()
        .filter(|v| v.resolve(profile).0 == framing)
        .cloned()
        .collect();
    let program = Arc::new(program(framing));
    program.preflight()?;
    let template = program.replay_template();
    let head = template.strip_suffix(" '{token}'").unwrap_or(&template);
    let template = format!(
        "{head} --vectors {} '{{token}}'",
        exec::shell_quote(&mine[0].file)
    );
    let p = program.clone();
    let report = vectors::run_with(
        &mine,
        profile,
        move |f| (f == framing).then(|| p.decoder()),
        |runner| {
            runner
                .timeout(program.suite_timeout())
                .max_hangs(suite::DEFAULT_MAX_FAULTS)
                .shrink_hangs(true)
                .reproduce_with(template.clone())
        },
    );
    program.shutdown();
    Ok(report)
}

fn run_vectors(
    all: &[vectors::Vector],
    decoder: &Bundled,
    profile: vectors::Profile,
    timeout: Duration,
) -> vectors::VectorReport {
    let d = *decoder;
    let name = decoder.name();
    vectors::run_with(
        all,
        profile,
        move |framing| {
            d.supports(framing)
                .then(|| d.build(framing.with_empty_frames(profile.empty_frames)))
        },
        move |suite| {
            suite
                .timeout(timeout)
                .reproduce_with(crate::run::replay_in_process(&name))
        },
    )
}

pub(crate) fn run(cmd: VectorsCommand) -> anyhow::Result<bool> {
    match cmd {
        VectorsCommand::List(files) => {
            let all = load_vectors(&files)?;
            for v in &all {
                println!(
                    "{:<48} {:<24} {:<10} {}",
                    v.id,
                    v.framing.to_string(),
                    format!("{:?}", v.result).to_lowercase(),
                    v.flags.join(",")
                );
            }
            println!("{} vectors", all.len());
            Ok(true)
        }
        VectorsCommand::Check(files) => {
            let all = load_vectors(&files)?;
            println!("{} vectors: format and specification OK", all.len());
            let mut pass = true;
            for profile in [
                vectors::Profile::default(),
                vectors::Profile {
                    empty_frames: false,
                },
            ] {
                let report =
                    run_vectors(&all, &Bundled::reference(), profile, suite::DEFAULT_TIMEOUT);
                let cases: usize = report.reports.iter().map(|r| r.total).sum();
                let failed: usize = report.reports.iter().map(|r| r.failed).sum();
                println!(
                    "reference decoder (empty frames {}): {cases} cases (each vector as given and \
                     under the schedule catalog), {failed} failed",
                    if profile.empty_frames {
                        "allowed"
                    } else {
                        "rejected"
                    }
                );
                for r in report.reports.iter().filter(|r| !r.is_pass()) {
                    print!("{r}");
                }
                pass &= report.is_pass();
            }
            Ok(pass)
        }
        VectorsCommand::Run(args) => {
            let all = load_vectors(&args.files)?;
            let profile = vectors::Profile {
                empty_frames: !args.no_empty_frames,
            };
            let timeout = Duration::from_millis(args.timeout_ms);
            let report = match &args.exec {
                Some(cmd) => {
                    let program = |framing| {
                        args.startup
                            .apply(ExecProgram::new(cmd.to_string(), framing, timeout))
                    };
                    run_exec(&all, &program, args.framing.as_deref(), profile)?
                }
                None => run_vectors(&all, &Bundled::parse(&args.decoder)?, profile, timeout),
            };
            for r in &report.reports {
                print!("{r}");
            }
            if !report.skipped.is_empty() {
                let mut why: Vec<&str> = report.skipped.iter().map(|(_, w)| w.as_str()).collect();
                why.sort();
                why.dedup();
                println!(
                    "{} vectors not run: {}",
                    report.skipped.len(),
                    why.join("; ")
                );
            }
            let failing = report.failing_vectors();
            println!(
                "{} vectors, {} with a failing case{}",
                all.len(),
                failing.len(),
                if failing.is_empty() {
                    String::new()
                } else {
                    format!(": {}", failing.join(", "))
                }
            );
            Ok(report.is_pass())
        }
        VectorsCommand::Generate { out } => {
            for (name, text) in vectors::generate() {
                let path = out.join(&name);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(true)
        }
    }
}
