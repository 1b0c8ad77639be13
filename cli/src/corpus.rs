//! `framecheck corpus`: seed corpora for the fuzz targets, written from the golden vectors
//! (`generate`), and a folder replayed through its target's check (`check`).

use clap::Subcommand;

#[derive(Subcommand)]
pub(crate) enum CorpusCommand {
    /// Write seed inputs for every fuzz target, from the golden vectors and the suite's
    /// message sets, to OUT/<target>/<vector id> (then `fuzz/seed-corpus.sh` minimizes them).
    Generate {
        /// The corpus folder.
        #[arg(long, default_value = "corpus")]
        out: std::path::PathBuf,
    },
    /// Replay every file of a folder through the check of fuzz target TARGET (what
    /// `cargo test` does for `corpus/`); exit 1 on the first failure, with its report.
    Check {
        /// The fuzz target, such as reference_u32be.
        target: String,
        /// The folder of inputs.
        dir: std::path::PathBuf,
    },
}

pub(crate) fn run(c: CorpusCommand) -> anyhow::Result<bool> {
    match c {
        CorpusCommand::Generate { out } => {
            let seeds = framecheck::corpus::generate();
            let mut per_target: std::collections::BTreeMap<&str, usize> = Default::default();
            for seed in &seeds {
                let dir = out.join(seed.target);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", dir.display()))?;
                let path = dir.join(&seed.name);
                std::fs::write(&path, &seed.data)
                    .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
                *per_target.entry(seed.target).or_default() += 1;
            }
            for (target, n) in per_target {
                println!("{n:>6} seeds  {}", out.join(target).display());
            }
            Ok(true)
        }
        CorpusCommand::Check { target, dir } => {
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for path in &files {
                let data =
                    std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                if let Err(report) = framecheck::corpus::replay(&target, &data) {
                    println!("FAIL {}\n{report}", path.display());
                    return Ok(false);
                }
            }
            println!("{}: {} inputs, all passed", dir.display(), files.len());
            Ok(true)
        }
    }
}
