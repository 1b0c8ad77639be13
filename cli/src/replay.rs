//! `framecheck replay`: one case, from the token printed after `Reproduce with:`, against a
//! bundled decoder or a program (`--exec`), with the bytes of every read shown.
//!
//! A case of a vectors file's opaque framing (`framecheck run --vectors FILE`) names a framing
//! only that file describes: `--vectors FILE` loads it first, so the token's framing is known.

use std::sync::Arc;
use std::time::Duration;

use framecheck::exec::{self, ExecProgram};
use framecheck::{Case, FrameDecoder, Suite};

use crate::bundled::Bundled;

#[derive(clap::Args)]
pub(crate) struct ReplayArgs {
    /// The decoder: `reference` or `zoo:NAME`.
    #[arg(long, default_value = "reference", conflicts_with = "exec")]
    decoder: String,
    /// A program speaking the exec protocol, run with `sh -c`.
    #[arg(long)]
    exec: Option<String>,
    /// Timeout per request, in milliseconds (with --exec).
    #[arg(
        long,
        default_value_t = exec::DEFAULT_TIMEOUT.as_millis() as u64,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    timeout_ms: u64,
    /// With --exec: resident memory the program may grow by beyond four maximum-size frames.
    #[arg(long, default_value_t = exec::DEFAULT_MEMORY_SLACK >> 20)]
    memory_slack_mb: u64,
    /// Load this vectors file first: a case of one of its opaque framings names a framing only
    /// the file describes (the `Reproduce with:` line of `run --vectors` passes it).
    #[arg(long, value_name = "FILE")]
    vectors: Option<std::path::PathBuf>,
    /// The case token: `framing/stream-hex/cuts` (and `/expectation` for a stream that carries
    /// its own).
    token: String,
}

/// Replays the case, exiting 1 if it fails.
pub(crate) fn run(args: ReplayArgs) -> anyhow::Result<bool> {
    if let Some(path) = &args.vectors {
        crate::run::load_vectors_file(path)?;
    }
    let case = Case::from_token(&args.token).map_err(|e| {
        let hint = match (&args.vectors, e.to_string().contains("unknown wire format")) {
            (None, true) => {
                " (a case of a vectors file's opaque framing replays with --vectors FILE)"
            }
            _ => "",
        };
        anyhow::anyhow!("{e}{hint}")
    })?;
    let framing = case.stream.framing();
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut program: Option<Arc<ExecProgram>> = None;
    let make: Arc<dyn Fn() -> Box<dyn FrameDecoder> + Send + Sync> = match &args.exec {
        Some(cmd) => {
            let p = Arc::new(
                ExecProgram::new(cmd.clone(), framing, timeout)
                    .memory_slack(args.memory_slack_mb << 20),
            );
            p.preflight()?;
            program = Some(p.clone());
            Arc::new(move || Box::new(p.decoder()) as Box<dyn FrameDecoder>)
        }
        None => {
            let decoder = Bundled::parse(&args.decoder)?;
            if !decoder.supports(framing) {
                anyhow::bail!(
                    "{} cannot decode {framing}{}",
                    decoder.name(),
                    if matches!(framing.wire(), framecheck::framing::Wire::User(_)) {
                        ": a user framing is known by its encoder alone; replay it with \
                         --exec, or in a cargo test with framecheck::replay"
                    } else {
                        ""
                    }
                );
            }
            Arc::new(move || decoder.build(framing))
        }
    };
    // Through the runner, so that a case that hangs is reported as a hang, not waited on.
    let m = make.clone();
    let report = Suite::new(framing)
        .vectors(false)
        .shrink_runs(0)
        .timeout(program.as_ref().map_or(timeout, |p| p.suite_timeout()))
        .run_cases(vec![case.clone()], move || m());
    let pass = match report.failures.first() {
        None => {
            println!("PASS {}", case.token());
            // Show what happened anyway: a replay is for looking.
            let calls = framecheck::oracle::transcript(&mut make(), &case);
            print!("{}", framecheck::report::render_case(&case, &calls));
            true
        }
        Some(found) => {
            let f = &found.failure;
            println!("FAIL {}: {}", f.kind, f.detail);
            print!(
                "{}",
                framecheck::report::render_case(&case, &f.transcript.calls)
            );
            false
        }
    };
    if let Some(p) = program {
        p.shutdown();
    }
    Ok(pass)
}
