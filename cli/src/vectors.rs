//! `framecheck vectors`: the golden vectors of `vectors/` (or given files) listed, checked
//! against the format and the specification, run against a bundled decoder, or regenerated.

use std::time::Duration;

use clap::Subcommand;
use framecheck::{suite, vectors};

use crate::bundled::Bundled;

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
    /// Vector files to read instead of the bundled ones.
    files: Vec<std::path::PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct VectorRunArgs {
    /// The decoder: `reference` or `zoo:NAME`.
    #[arg(long, default_value = "reference")]
    decoder: String,
    /// The decoder rejects zero-length frames (resolves the `acceptable` vectors).
    #[arg(long)]
    no_empty_frames: bool,
    /// Per-call timeout in milliseconds.
    #[arg(long, default_value_t = suite::DEFAULT_TIMEOUT.as_millis() as u64)]
    timeout_ms: u64,
    #[command(flatten)]
    files: VectorFiles,
}

fn load_vectors(files: &VectorFiles) -> anyhow::Result<Vec<vectors::Vector>> {
    if files.files.is_empty() {
        return Ok(vectors::bundled()?);
    }
    let mut ids = std::collections::HashSet::new();
    let mut out = Vec::new();
    for path in &files.files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
        out.extend(vectors::load_str(&path.display().to_string(), &text, &mut ids)?.vectors);
    }
    Ok(out)
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
            let decoder = Bundled::parse(&args.decoder)?;
            let all = load_vectors(&args.files)?;
            let profile = vectors::Profile {
                empty_frames: !args.no_empty_frames,
            };
            let report = run_vectors(
                &all,
                &decoder,
                profile,
                Duration::from_millis(args.timeout_ms),
            );
            for r in &report.reports {
                print!("{r}");
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
