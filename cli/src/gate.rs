//! The options that make a run a CI gate, shared by `run` (with or without `--vectors`) and
//! `tcp`: a baseline of known failures (`--baseline`, `--ratchet`, `--write-baseline`), and
//! what the run leaves behind for people (`--html`) and for the next run (`--save-failures`).
//!
//! A run with a baseline fails on new failures only; the known ones are reported as skipped,
//! with their reasons. With `--ratchet` a known failure that no longer happens fails the run
//! too, so the baseline can only shrink. The baseline is read and checked before anything
//! runs: a malformed or stale file is a usage error (exit 2), never a silent pass.

use std::path::PathBuf;

use framecheck::baseline::{self, Baseline, Known, Outcome};
use framecheck::{Framing, Report};

#[derive(clap::Args, Clone, Default)]
pub(crate) struct GateArgs {
    /// Known failures: a baseline file (`framecheck_baseline`, see README). Its failures are
    /// reported as skipped, with their reasons; any other failure fails the run.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// With --baseline: also fail when a known failure no longer happens, so that the baseline
    /// can only shrink.
    #[arg(long, requires = "baseline")]
    ratchet: bool,
    /// Write the run's failures as a baseline here (keeping the reasons of --baseline's
    /// entries that still match).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Write an HTML report here: one self-contained page, each failure's minimal case drawn.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Keep each failure kind's minimal case in this folder, as a golden vector and as an input
    /// of the matching fuzz target: `framecheck vectors run DIR` replays them.
    #[arg(long, value_name = "DIR")]
    save_failures: Option<PathBuf>,
}

/// The gate of one command: the baseline it read, and what to write at the end.
pub(crate) struct Gate {
    args: GateArgs,
    baseline: Option<Baseline>,
}

impl Gate {
    /// Reads the baseline, if one is given; a malformed one is an error naming the file.
    pub(crate) fn new(args: &GateArgs) -> anyhow::Result<Gate> {
        let baseline = match &args.baseline {
            Some(path) => Some(Baseline::load(path)?),
            None => None,
        };
        Ok(Gate {
            args: args.clone(),
            baseline,
        })
    }

    /// Checks, before anything runs, that every baseline entry applies to one of `runs`
    /// (`(bundled decoder id, framing)`).
    pub(crate) fn check_applies(&self, runs: &[(Option<&str>, Framing)]) -> anyhow::Result<()> {
        if let Some(b) = &self.baseline {
            b.check_applies(runs)?;
        }
        Ok(())
    }

    /// The known failures of a run of `decoder` under `framing`, under the ratchet if asked.
    pub(crate) fn known(&self, decoder: Option<&str>, framing: Framing) -> Known {
        self.baseline
            .as_ref()
            .map(|b| b.for_run(decoder, framing))
            .unwrap_or_default()
            .ratchet(self.args.ratchet)
    }

    /// After the run, before any report is written: settles the entries several reports share
    /// ([`baseline::reconcile`]) and checks that every `stream` an entry names exists.
    pub(crate) fn settle(&self, reports: &mut [Report]) -> anyhow::Result<()> {
        if let Some(b) = &self.baseline {
            baseline::reconcile(reports);
            baseline::check_streams(b, reports)?;
        }
        Ok(())
    }

    /// After the run: writes `--html` (titled `title`) and `--save-failures`, prints what the
    /// baseline made of it, writes `--write-baseline`, and says whether the run passes.
    /// `decoder` is the bundled decoder's id, `None` for a program.
    pub(crate) fn finish(
        &self,
        title: &str,
        reports: &[Report],
        decoder: Option<&str>,
    ) -> anyhow::Result<bool> {
        if let Some(path) = &self.args.html {
            std::fs::write(path, framecheck::report::to_html(title, reports)).map_err(|e| {
                anyhow::anyhow!("{}: cannot write the HTML report: {e}", path.display())
            })?;
        }
        if let Some(dir) = &self.args.save_failures {
            let saved = framecheck::regress::save_failures(dir, reports, decoder)?;
            print!("{saved}");
            if !saved.to_string().ends_with('\n') {
                println!();
            }
        }
        let outcome = Outcome::of(reports);
        if self.baseline.is_some() {
            println!("{outcome}");
        }
        if let Some(path) = &self.args.write_baseline {
            let runs: Vec<(Option<&str>, &Report)> = reports.iter().map(|r| (decoder, r)).collect();
            let written = Baseline::from_reports(&runs, self.baseline.as_ref());
            std::fs::write(path, written.to_json()).map_err(|e| {
                anyhow::anyhow!("{}: cannot write the baseline: {e}", path.display())
            })?;
            println!(
                "wrote {} known failure(s) to {} (edit each `reason`)",
                written.entries().len(),
                path.display()
            );
        }
        Ok(outcome.passes())
    }
}
