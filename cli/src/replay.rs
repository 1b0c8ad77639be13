//! `framecheck replay`: one case, from the token printed after `Reproduce with:`, against a
//! bundled decoder or a program (`--exec`), with the bytes of every read shown.
//!
//! A case of a vectors file's opaque framing (`framecheck run --vectors FILE`) names a framing
//! only that file describes: `--vectors FILE` loads it first, so the token's framing is known.
//!
//! `--after TOKEN` (repeatable) runs earlier streams first, in order, on the same decoder: for
//! a program that keeps state across `BEGIN`, whose failure shows only after them (the
//! `Reproduce with:` line of such a failure passes them). Their verdicts are shown, not judged:
//! only the case decides the exit code. A bundled decoder is built fresh for each stream, as in
//! a run, so nothing but process-wide state carries over from them.

use std::sync::Arc;
use std::time::Duration;

use framecheck::exec::{self, ExecProgram};
use framecheck::{Case, FrameDecoder, Suite};

use crate::bundled::Bundled;
use crate::startup::StartupArg;

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
    #[command(flatten)]
    startup: StartupArg,
    /// With --exec: resident memory the program may grow by beyond eight maximum-size frames.
    #[arg(long, default_value_t = exec::DEFAULT_MEMORY_SLACK >> 20)]
    memory_slack_mb: u64,
    /// Load this vectors file first: a case of one of its opaque framings names a framing only
    /// the file describes (the `Reproduce with:` line of `run --vectors` passes it).
    #[arg(long, value_name = "FILE")]
    vectors: Option<std::path::PathBuf>,
    /// A stream to run first, on the same decoder (process), before the case: repeatable, run
    /// in order; its verdict is shown, not judged. For a failure that shows only after earlier
    /// streams (a program that keeps state across BEGIN). A bundled decoder is built fresh
    /// for each stream, so nothing carries over there.
    #[arg(long, value_name = "TOKEN")]
    after: Vec<String>,
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
    let mut after = Vec::new();
    for (i, token) in args.after.iter().enumerate() {
        let c = Case::from_token(token).map_err(|e| anyhow::anyhow!("--after #{}: {e}", i + 1))?;
        if c.stream.framing() != framing {
            anyhow::bail!(
                "--after #{}: its framing is {}, the case's {framing}: one decoder decodes one \
                 framing",
                i + 1,
                c.stream.framing()
            );
        }
        after.push(c);
    }
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut program: Option<Arc<ExecProgram>> = None;
    let make: Arc<dyn Fn() -> Box<dyn FrameDecoder> + Send + Sync> = match &args.exec {
        Some(cmd) => {
            let p = Arc::new(
                args.startup.apply(
                    ExecProgram::new(cmd.clone(), framing, timeout)
                        .memory_slack(args.memory_slack_mb << 20),
                ),
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
    if !after.is_empty() && program.is_none() {
        println!(
            "note: {} is built fresh for each stream, so the --after streams leave it nothing \
             (only a program, --exec, keeps one process across streams)",
            args.decoder
        );
    }
    let suite_timeout = program.as_ref().map_or(timeout, |p| p.suite_timeout());
    run_after(&after, framing, suite_timeout, &make, true);
    // Through the runner, so that a case that hangs is reported as a hang, not waited on.
    let m = make.clone();
    let report = Suite::new(framing)
        .vectors(false)
        .shrink_runs(0)
        .timeout(suite_timeout)
        .run_cases(vec![case.clone()], move || m());
    let pass = match report.failures.first() {
        None => {
            println!("PASS {}", case.token());
            // Show what happened anyway: a replay is for looking (after the earlier streams
            // again, so that the decoder is in the state the case passed in).
            run_after(&after, framing, suite_timeout, &make, false);
            let calls = framecheck::oracle::transcript(&mut make(), &case);
            print!("{}", framecheck::report::render_case(&case, &calls));
            true
        }
        Some(found) => {
            let f = &found.failure;
            println!(
                "FAIL {}: {}",
                f.kind,
                framecheck::report::calls::visible(&f.detail)
            );
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

/// Runs the `--after` streams in order through `make`'s decoders (the same process, for a
/// program), through the runner so that a hang is a verdict, not a wait; with `show`, prints
/// each one's verdict, which is not judged.
fn run_after(
    after: &[Case],
    framing: framecheck::Framing,
    timeout: Duration,
    make: &Arc<dyn Fn() -> Box<dyn FrameDecoder> + Send + Sync>,
    show: bool,
) {
    if after.is_empty() {
        return;
    }
    let m = make.clone();
    let n = after.len();
    let report = Suite::new(framing)
        .vectors(false)
        .shrink_runs(0)
        .max_hangs(n)
        .max_faults(n)
        .timeout(timeout)
        .run_cases(after.to_vec(), move || m());
    if !show {
        return;
    }
    for (i, (case, result)) in after.iter().zip(&report.results).enumerate() {
        let verdict = match (&result.status, &result.detail) {
            (framecheck::report::Status::Pass, _) => "passed".to_string(),
            (_, Some(detail)) => format!("failed (not judged): {detail}"),
            (_, None) => "not run".to_string(),
        };
        let token = case.token();
        let shown = match token.char_indices().nth(100) {
            Some((cut, _)) => format!("{}…", &token[..cut]),
            None => token,
        };
        println!("after #{}/{n}: {shown} {verdict}", i + 1);
    }
}
