//! `framecheck run`: the default suite against a bundled decoder, in process or isolated in a
//! child process (`--isolate`), or against a program speaking the exec protocol (`--exec`).
//!
//! With `--vectors FILE`, it runs the vectors of a file the user wrote instead of the default
//! suite: each vector as given, under the schedule catalog, and cut after every byte. The file
//! names its framing, which may be one the harness cannot parse (an opaque framing, whose
//! vectors give each frame's range), so `--framing` only picks among the file's framings.

use std::sync::Arc;
use std::time::{Duration, Instant};

use framecheck::exec::{self, ExecProgram};
use framecheck::{suite, Framing, Report, Suite};

use crate::bundled::Bundled;
use crate::gate::{Gate, GateArgs};
use crate::progress::with_progress;
use crate::startup::StartupArg;

mod explain;
mod vectors;
pub(crate) use vectors::load as load_vectors_file;
use vectors::run_vectors;

#[derive(clap::Args, Clone)]
pub(crate) struct RunArgs {
    /// Framings to test, comma-separated (`u8`, `u16be`, `u32be:max=1024:incl`, `postgres`,
    /// `field:offset=1:width=4`, ...), `all` (the built-in framings) or `presets` (every
    /// protocol preset); bundled decoders only for several: with --exec, name the one framing
    /// the program decodes. A framing's maximum frame length is `max=N` (inclusive), by default
    /// 8 MiB (8388608) or the largest its field holds (255 for `u8`, 65535 for `u16be`), or a
    /// preset's protocol's: a decoder must take every frame up to it, so give the decoder's own.
    /// (Default: `all`; with --vectors, the framing of the file's vectors.)
    #[arg(long)]
    framing: Option<String>,
    /// Maximum frame length, overriding the framing's `max=` (inclusive; by default 8 MiB, or
    /// the largest the field holds).
    #[arg(long, conflicts_with = "vectors")]
    max_frame: Option<u64>,
    /// Run the vectors of this file (the golden-vector format, `vectors/README.md`) instead
    /// of the default suite: each as given, under the schedule catalog, and cut after every
    /// byte. Its framing may be an opaque one (`{"type": "opaque", "name": "tlv"}`), which only
    /// the file describes.
    #[arg(long, value_name = "FILE")]
    vectors: Option<std::path::PathBuf>,
    /// A bundled decoder: `reference` or `zoo:NAME` (see `framecheck selftest`).
    #[arg(long, default_value = "reference", conflicts_with = "exec")]
    decoder: String,
    /// Test a program instead: run with `sh -c`, spoken to in the exec protocol (README).
    #[arg(long)]
    exec: Option<String>,
    /// Run the bundled decoder in a child process (`framecheck serve`), so that an abort or a
    /// stack overflow is a `crash` verdict instead of the end of the run.
    #[arg(long, conflicts_with = "exec")]
    isolate: bool,
    /// Seed of the random cases.
    #[arg(long, value_parser = crate::parse_seed)]
    seed: Option<u64>,
    /// Number of random cases per framing.
    #[arg(long, default_value_t = suite::DEFAULT_RANDOM_CASES)]
    cases: usize,
    /// Timeout per request (per call into the decoder) in milliseconds; past it, a hang.
    #[arg(
        long,
        default_value_t = suite::DEFAULT_TIMEOUT.as_millis() as u64,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    timeout_ms: u64,
    #[command(flatten)]
    startup: StartupArg,
    /// Stop at the first failing case (then shrink it).
    #[arg(long)]
    fail_fast: bool,
    /// Stop (skipping the rest) after this many hangs (default: 1 in process, where each hang
    /// leaves a thread behind; the fault limit for a program, which is killed instead).
    #[arg(long)]
    max_hangs: Option<usize>,
    /// Stop (skipping the rest) after this many faults: hangs, crashes, protocol errors, memory
    /// bombs.
    #[arg(long, default_value_t = suite::DEFAULT_MAX_FAULTS)]
    max_faults: usize,
    /// With --exec: resident memory the program may grow by beyond eight maximum-size frames.
    #[arg(long, default_value_t = exec::DEFAULT_MEMORY_SLACK >> 20)]
    memory_slack_mb: u64,
    /// How much memory held between streams may grow, steadily, across the run before it is a
    /// `memory-leak` (one-time growth is not): a program's resident memory at BEGIN (--exec,
    /// --isolate), or the bytes in-process decoders leave behind after their drop.
    #[arg(long, default_value_t = framecheck::leak::DEFAULT_LEAK_SLACK >> 20)]
    leak_slack_mb: u64,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<std::path::PathBuf>,
    #[command(flatten)]
    gate: GateArgs,
}

pub(crate) fn run(args: RunArgs) -> anyhow::Result<bool> {
    let result = run_reported(&args);
    if let Err(e) = &result {
        // A run that could not happen still writes its reports, saying why: CI shows that
        // instead of a missing file.
        write_error_reports(
            &format!("{e:#}"),
            args.json.as_deref(),
            args.junit.as_deref(),
        );
    }
    result
}

/// Writes the `--json` and `--junit` reports of a run that could not happen
/// ([`crate::usage::write_reports`]); a report that cannot be written is one more line on
/// stderr.
pub(crate) fn write_error_reports(
    error: &str,
    json: Option<&std::path::Path>,
    junit: Option<&std::path::Path>,
) {
    for failure in crate::usage::write_reports(error, json, junit) {
        eprintln!("framecheck: error: {failure}");
    }
}

fn run_reported(args: &RunArgs) -> anyhow::Result<bool> {
    let args = args.clone();
    if let Some(path) = &args.vectors {
        return run_vectors(&args, path);
    }
    let timeout = Duration::from_millis(args.timeout_ms);
    let framing_arg = args.framing.as_deref().unwrap_or("all");
    let framings = framings(framing_arg, args.max_frame)?;
    let mut reports = Vec::new();
    // The programs to run through the exec protocol, one per framing: the user's, or this
    // binary serving a bundled decoder (--isolate).
    let mut programs: Vec<(Framing, String)> = Vec::new();
    if let Some(cmd) = &args.exec {
        let [framing] = framings[..] else {
            anyhow::bail!(
                "--exec needs the one framing the program decodes, as in --framing u32be \
                 (got {framing_arg:?})"
            );
        };
        programs.push((framing, cmd.clone()));
    }
    let decoder = Bundled::parse(&args.decoder)?;
    if matches!(decoder, Bundled::TestAbort) && !args.isolate {
        anyhow::bail!("test:abort aborts the process that runs it: use it with --isolate");
    }
    let framings: Vec<Framing> = if args.exec.is_some() {
        Vec::new()
    } else if framing_arg == "all" {
        framings
            .into_iter()
            .filter(|f| decoder.supports(*f))
            .collect()
    } else {
        if let Some(f) = framings.iter().find(|f| !decoder.supports(**f)) {
            if matches!(f.wire(), framecheck::framing::Wire::User(_)) {
                anyhow::bail!(
                    "{} cannot decode {f}: a user framing is known by its encoder alone, so \
                     there is no reference decoder for it; test your decoder of it with --exec \
                     (or in a cargo test, through Suite)",
                    decoder.name()
                );
            }
            anyhow::bail!("{} cannot decode {f}", decoder.name());
        }
        framings
    };
    // The decoder id a baseline entry may name: none for a program of the user's.
    let decoder_id = decoder.name();
    let decoder_id = args.exec.is_none().then_some(decoder_id.as_str());
    let gate = Gate::new(&args.gate)?;
    let runs: Vec<(Option<&str>, Framing)> = if args.exec.is_some() {
        programs.iter().map(|(f, _)| (None, *f)).collect()
    } else {
        framings.iter().map(|f| (decoder_id, *f)).collect()
    };
    gate.check_applies(&runs)?;
    if args.isolate {
        let exe = std::env::current_exe()?;
        for framing in &framings {
            let cmd = exec::serve_command(&exe.display().to_string(), &decoder.name(), *framing);
            programs.push((*framing, cmd));
        }
    }
    for (framing, cmd) in programs {
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
        let suite = configure(Suite::new(framing), &args)
            .timeout(program.suite_timeout())
            // A hung program is killed, not left behind: hangs are faults like any other.
            .max_hangs(args.max_hangs.unwrap_or(args.max_faults))
            .shrink_hangs(true)
            .known(gate.known(decoder_id, framing))
            .reproduce_with(program.replay_template());
        let run_order = suite.clone();
        let mut report = with_progress(suite).run(move || p.decoder());
        program.shutdown();
        explain::explain(&mut report, || run_order.cases(), &program);
        print_exec_report(&program, &report, started);
        reports.push(report);
    }
    if args.exec.is_none() && !args.isolate {
        for framing in framings {
            let d = decoder;
            let suite = configure(suite_for(framing, &decoder, args.seed), &args)
                .timeout(timeout)
                .known(gate.known(decoder_id, framing));
            let report = with_progress(suite).run(move || d.build(framing));
            print!("{report}");
            reports.push(report);
        }
    }
    gate.settle(&mut reports)?;
    write_reports(&reports, args.json.as_deref(), args.junit.as_deref())?;
    gate.finish("framecheck run", &reports, decoder_id)
}

/// The framings of `--framing` (`all` is the catalog, `presets` every protocol preset), with
/// `--max-frame` applied as the framing's own `max=` would be (a layout's `maxof`).
pub(crate) fn framings(spec: &str, max: Option<u64>) -> anyhow::Result<Vec<Framing>> {
    let list = if spec == "all" {
        Framing::catalog()
    } else if spec == "presets" {
        Framing::presets()
    } else {
        spec.split(',')
            .map(|s| s.trim().parse::<Framing>())
            .collect::<Result<_, _>>()?
    };
    let Some(m) = max else {
        return Ok(list);
    };
    // A `max=` of the framing's own that --max-frame contradicts: say which one the run uses.
    for part in spec.split(',') {
        let own = part.split(':').find_map(|o| o.trim().strip_prefix("max="));
        if let Some(own) = own.filter(|own| own.parse::<u64>().ok() != Some(m)) {
            eprintln!(
                "warning: --max-frame {m} contradicts max={own} in --framing {}; the run uses \
                 --max-frame {m} (drop one of them)",
                part.trim()
            );
        }
    }
    list.into_iter()
        .map(|f| {
            let body = f
                .format()
                .max_to_body(m)
                .map_err(|e| anyhow::anyhow!("--max-frame {m} under {f}: {e}"))?;
            f.check_max(body)
                .map_err(|e| anyhow::anyhow!("--max-frame {m} under {f}: {e}"))?;
            Ok(f.with_max_frame_len(body))
        })
        .collect()
}

/// The default suite for a bundled decoder run in process, whose failures replay with
/// `framecheck replay --decoder NAME`.
pub(crate) fn suite_for(framing: Framing, decoder: &Bundled, seed: Option<u64>) -> Suite {
    let mut suite = Suite::new(framing).reproduce_with(replay_in_process(&decoder.name()));
    if let Some(s) = seed {
        suite = suite.seed(s);
    }
    suite
}

/// The `Reproduce with:` template for bundled decoder `name` run in process.
pub(crate) fn replay_in_process(name: &str) -> String {
    format!("framecheck replay --decoder {name} '{{token}}'")
}

/// Prints an exec run's report (whose failures that pass on a fresh process, or with shorter
/// request lines, `explain::explain` has explained), and the round trips it took since
/// `started`.
fn print_exec_report(program: &ExecProgram, report: &Report, started: Instant) {
    print!("{report}");
    explain::print_notes(report);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  exec: {} round trips in {secs:.2} s ({:.0}/s), {} program start(s)",
        program.round_trips(),
        program.round_trips() as f64 / secs.max(1e-9),
        program.starts()
    );
}

/// The options every run shares: seed, case count, limits, fail-fast.
fn configure(mut suite: Suite, args: &RunArgs) -> Suite {
    if let Some(s) = args.seed {
        suite = suite.seed(s);
    }
    if let Some(n) = args.max_hangs {
        suite = suite.max_hangs(n);
    }
    suite
        .random_cases(args.cases)
        .max_faults(args.max_faults)
        .fail_fast(args.fail_fast)
        .leak_slack(args.leak_slack_mb << 20)
}

pub(crate) fn write_reports(
    reports: &[Report],
    json: Option<&std::path::Path>,
    junit: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&framecheck::report::to_json(reports))?;
        std::fs::write(path, text + "\n").map_err(|e| {
            anyhow::anyhow!("{}: cannot write the JSON report: {e}", path.display())
        })?;
    }
    if let Some(path) = junit {
        std::fs::write(path, framecheck::report::to_junit("framecheck", reports)).map_err(|e| {
            anyhow::anyhow!("{}: cannot write the JUnit report: {e}", path.display())
        })?;
    }
    Ok(())
}
