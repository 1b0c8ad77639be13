//! The `framecheck` command line: argument parsing and printing only; the work is the
//! library's.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use framecheck::exec::ExecProgram;
use framecheck::{vectors, zoo, Case, FrameDecoder, Framing, ReferenceDecoder, Suite};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

/// A fuzzing and conformance harness for stream-framing decoders.
///
/// Exit codes: 0 every case passed, 1 at least one case failed, 2 the run could not happen.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the default suite against a bundled decoder (the reference decoders by default).
    Run(RunArgs),
    /// Run the suite against every buggy decoder of the zoo and the reference decoder, and show
    /// that each bug is caught and the reference passes.
    Selftest(SelftestArgs),
    /// Replay one case from the token printed after `Reproduce with:`.
    Replay(ReplayArgs),
    /// The golden vectors in `vectors/`: list, check, run against a decoder, regenerate.
    #[command(subcommand)]
    Vectors(VectorsCommand),
    /// Run every bundled decoder (the reference and the third-party adapters) under every
    /// matrix framing, and print decoders × case groups.
    Matrix(MatrixArgs),
    /// Serve a bundled decoder over the exec protocol on stdin/stdout: what `--isolate` runs in
    /// a child process.
    Serve(ServeArgs),
    /// Seed corpora for the fuzz targets: `corpus generate` writes them from the golden
    /// vectors, `corpus check` replays a folder through its target's check.
    #[command(subcommand)]
    Corpus(CorpusCommand),
}

#[derive(Subcommand)]
enum CorpusCommand {
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

#[derive(clap::Args)]
struct ServeArgs {
    /// The decoder.
    #[arg(long)]
    decoder: String,
    /// The framing it decodes.
    #[arg(long)]
    framing: String,
}

#[derive(clap::Args)]
struct MatrixArgs {
    /// Also write the matrix and its minimal failing cases as Markdown here.
    #[arg(long, value_name = "FILE")]
    markdown: Option<std::path::PathBuf>,
    /// Seed of the random cases.
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
}

#[derive(Subcommand)]
enum VectorsCommand {
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
struct VectorFiles {
    /// Vector files to read instead of the bundled ones.
    files: Vec<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct VectorRunArgs {
    /// The decoder: `reference` or `zoo:NAME`.
    #[arg(long, default_value = "reference")]
    decoder: String,
    /// The decoder rejects zero-length frames (resolves the `acceptable` vectors).
    #[arg(long)]
    no_empty_frames: bool,
    /// Per-call timeout in milliseconds.
    #[arg(long, default_value_t = 2000)]
    timeout_ms: u64,
    #[command(flatten)]
    files: VectorFiles,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Framings to test, comma-separated (`u8`, `u16be`, `u32be:max=1024:incl`, ...), or `all`
    /// (bundled decoders only; with --exec, name the one framing the program decodes).
    #[arg(long, default_value = "all")]
    framing: String,
    /// Maximum frame length, overriding the framing's (inclusive).
    #[arg(long)]
    max_frame: Option<u64>,
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
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Number of random cases per framing.
    #[arg(long, default_value_t = 500)]
    cases: usize,
    /// Timeout per request (per call into the decoder) in milliseconds; past it, a hang.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: u64,
    /// Stop at the first failing case (then shrink it).
    #[arg(long)]
    fail_fast: bool,
    /// Stop (skipping the rest) after this many hangs (default: 1 in process, where each hang
    /// leaves a thread behind; the fault limit for a program, which is killed instead).
    #[arg(long)]
    max_hangs: Option<usize>,
    /// Stop (skipping the rest) after this many faults: hangs, crashes, protocol errors, memory
    /// bombs.
    #[arg(long, default_value_t = 25)]
    max_faults: usize,
    /// With --exec: resident memory the program may grow by beyond four maximum-size frames.
    #[arg(long, default_value_t = 64)]
    memory_slack_mb: u64,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct SelftestArgs {
    /// The framing to run the zoo under.
    #[arg(long, default_value = "u32be:max=1048576")]
    framing: String,
    /// Seed of the random cases.
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Show each bug's minimal failing case.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// The decoder: `reference` or `zoo:NAME`.
    #[arg(long, default_value = "reference", conflicts_with = "exec")]
    decoder: String,
    /// A program speaking the exec protocol, run with `sh -c`.
    #[arg(long)]
    exec: Option<String>,
    /// Timeout per request, in milliseconds (with --exec).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: u64,
    /// With --exec: resident memory the program may grow by beyond four maximum-size frames.
    #[arg(long, default_value_t = 64)]
    memory_slack_mb: u64,
    /// The case token: `framing/stream-hex/cuts`.
    token: String,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("{s:?} is not a seed (a number, decimal or 0x-hex)"))
}

/// A bundled decoder, by name.
#[derive(Clone)]
enum Bundled {
    Reference,
    Zoo(&'static zoo::Entry),
    /// A third-party adapter of the matrix.
    Adapter(framecheck::matrix::MatrixDecoder),
    /// Calls `abort()` on any chunk: only for testing `--isolate`, never in process.
    TestAbort,
}

impl Bundled {
    fn parse(name: &str) -> anyhow::Result<Bundled> {
        if name == "reference" {
            return Ok(Bundled::Reference);
        }
        if name == "test:abort" {
            return Ok(Bundled::TestAbort);
        }
        if let Some(z) = name.strip_prefix("zoo:") {
            if let Some(e) = zoo::by_name(z) {
                return Ok(Bundled::Zoo(e));
            }
        }
        let adapters = framecheck::matrix::bundled_decoders();
        if let Some(a) = adapters
            .iter()
            .find(|a| a.id == name && a.id != "reference")
        {
            return Ok(Bundled::Adapter(a.clone()));
        }
        let names: Vec<String> = adapters
            .iter()
            .filter(|a| a.id != "reference")
            .map(|a| a.id.to_string())
            .chain(zoo::all().iter().map(|e| format!("zoo:{}", e.name)))
            .collect();
        anyhow::bail!(
            "unknown decoder {name:?}; expected `reference` or one of: {}",
            names.join(", ")
        )
    }

    fn name(&self) -> String {
        match self {
            Bundled::Reference => "reference".into(),
            Bundled::Zoo(e) => format!("zoo:{}", e.name),
            Bundled::Adapter(a) => a.id.to_string(),
            Bundled::TestAbort => "test:abort".into(),
        }
    }

    fn supports(&self, framing: Framing) -> bool {
        match self {
            Bundled::Reference | Bundled::TestAbort => true,
            Bundled::Zoo(e) => e.supports(framing),
            Bundled::Adapter(a) => (a.build)(framing).is_some(),
        }
    }

    fn build(&self, framing: Framing) -> Box<dyn FrameDecoder> {
        match self {
            Bundled::Reference => Box::new(ReferenceDecoder::new(framing)),
            Bundled::Zoo(e) => e.build(framing),
            Bundled::Adapter(a) => (a.build)(framing).expect("checked by supports"),
            Bundled::TestAbort => Box::new(framecheck::adapter::from_fn(
                (),
                |_, _: &[u8], _: &mut Vec<Vec<u8>>| std::process::abort(),
                |_, _: &mut Vec<Vec<u8>>| Ok(()),
            )),
        }
    }
}

fn framings(spec: &str, max: Option<u64>) -> anyhow::Result<Vec<Framing>> {
    let list = if spec == "all" {
        Framing::catalog()
    } else {
        spec.split(',')
            .map(|s| s.trim().parse::<Framing>())
            .collect::<Result<_, _>>()?
    };
    Ok(match max {
        Some(m) => list.into_iter().map(|f| f.with_max_frame_len(m)).collect(),
        None => list,
    })
}

fn suite_for(framing: Framing, decoder: &Bundled, seed: Option<u64>) -> Suite {
    let mut suite = Suite::new(framing).reproduce_with(format!(
        "framecheck replay --decoder {} '{{token}}'",
        decoder.name()
    ));
    if let Some(s) = seed {
        suite = suite.seed(s);
    }
    suite
}

fn run(args: RunArgs) -> anyhow::Result<bool> {
    let timeout = Duration::from_millis(args.timeout_ms);
    let framings = framings(&args.framing, args.max_frame)?;
    let mut reports = Vec::new();
    // The programs to run through the exec protocol, one per framing: the user's, or this
    // binary serving a bundled decoder (--isolate).
    let mut programs: Vec<(Framing, String, String)> = Vec::new();
    if let Some(cmd) = &args.exec {
        let [framing] = framings[..] else {
            anyhow::bail!(
                "--exec needs the one framing the program decodes, as in --framing u32be \
                 (got {:?})",
                args.framing
            );
        };
        let replay = format!("framecheck replay --exec {}", shell_quote(cmd));
        programs.push((framing, cmd.clone(), replay));
    }
    let decoder = Bundled::parse(&args.decoder)?;
    if matches!(decoder, Bundled::TestAbort) && !args.isolate {
        anyhow::bail!("test:abort aborts the process that runs it: use it with --isolate");
    }
    let framings: Vec<Framing> = if args.exec.is_some() {
        Vec::new()
    } else if args.framing == "all" {
        framings
            .into_iter()
            .filter(|f| decoder.supports(*f))
            .collect()
    } else {
        if let Some(f) = framings.iter().find(|f| !decoder.supports(**f)) {
            anyhow::bail!("{} cannot decode {f}", decoder.name());
        }
        framings
    };
    if args.isolate {
        let exe = std::env::current_exe()?;
        for framing in &framings {
            let cmd = format!(
                "{} serve --decoder {} --framing {}",
                shell_quote(&exe.display().to_string()),
                shell_quote(&decoder.name()),
                shell_quote(&framing.to_string())
            );
            let replay = format!("framecheck replay --exec {}", shell_quote(&cmd));
            programs.push((*framing, cmd, replay));
        }
    }
    for (framing, cmd, replay) in programs {
        let program = Arc::new(
            ExecProgram::new(cmd.clone(), framing, timeout)
                .memory_slack(args.memory_slack_mb << 20),
        );
        program.preflight()?;
        let started = Instant::now();
        let p = program.clone();
        let mut options = String::new();
        if args.timeout_ms != 2000 {
            options.push_str(&format!(" --timeout-ms {}", args.timeout_ms));
        }
        if args.memory_slack_mb != 64 {
            options.push_str(&format!(" --memory-slack-mb {}", args.memory_slack_mb));
        }
        let suite = configure(Suite::new(framing), &args)
            // The program's own timeout fires first; this one guards the harness.
            .timeout(timeout + Duration::from_secs(5))
            // A hung program is killed, not left behind: hangs are faults like any other.
            .max_hangs(args.max_hangs.unwrap_or(args.max_faults))
            .shrink_hangs(true)
            .reproduce_with(format!("{replay}{options} '{{token}}'"));
        let report = with_progress(suite).run(move || p.decoder());
        program.shutdown();
        print!("{report}");
        confirm_on_fresh_process(&cmd, framing, timeout, args.memory_slack_mb, &report);
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  exec: {} round trips in {secs:.2} s ({:.0}/s), {} program start(s)",
            program.round_trips(),
            program.round_trips() as f64 / secs.max(1e-9),
            program.starts()
        );
        reports.push(report);
    }
    if args.exec.is_none() && !args.isolate {
        for framing in framings {
            let d = decoder.clone();
            let suite = configure(suite_for(framing, &decoder, args.seed), &args).timeout(timeout);
            let report = with_progress(suite).run(move || d.build(framing));
            print!("{report}");
            reports.push(report);
        }
    }
    write_reports(&reports, args.json.as_deref(), args.junit.as_deref())?;
    Ok(reports.iter().all(|r| r.is_pass()))
}

/// Replays each minimal case on a fresh process and says when it does not fail there: the
/// failure then depends on what earlier streams left in the program (state kept across
/// `BEGIN`), and the replay line alone will not show it.
fn confirm_on_fresh_process(
    cmd: &str,
    framing: Framing,
    timeout: Duration,
    slack_mb: u64,
    report: &framecheck::Report,
) {
    for found in &report.failures {
        let program = Arc::new(
            ExecProgram::new(cmd.to_string(), framing, timeout).memory_slack(slack_mb << 20),
        );
        if program.preflight().is_err() {
            continue;
        }
        let verdict = framecheck::check(&mut program.decoder(), &found.minimal);
        program.shutdown();
        if verdict.is_pass() {
            println!(
                "  note: the minimal {} case passes on a fresh process: it fails only after \
                 earlier streams (does the program keep state across BEGIN?); run the suite \
                 with --fail-fast to see the first case that failed",
                found.failure.kind
            );
        }
    }
}

fn configure(mut suite: Suite, args: &RunArgs) -> Suite {
    if let Some(s) = args.seed {
        suite = suite.seed(s);
    }
    suite
        .random_cases(args.cases)
        .max_hangs(args.max_hangs.unwrap_or(1))
        .max_faults(args.max_faults)
        .fail_fast(args.fail_fast)
}

/// A progress bar on stderr, shown only on a terminal and only once a run has taken a second.
fn with_progress(suite: Suite) -> Suite {
    if !std::io::stderr().is_terminal() {
        return suite;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("[{bar:20}] {pos}/{len} cases, {eta} left  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(suite.framing().to_string());
    let started = Instant::now();
    suite.on_progress(move |done, total| {
        if bar.is_hidden() && started.elapsed() > Duration::from_secs(1) && done < total {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done == total {
            bar.finish_and_clear();
        }
    })
}

fn write_reports(
    reports: &[framecheck::Report],
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

/// Quotes `s` for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn selftest(args: SelftestArgs) -> anyhow::Result<bool> {
    let framing: Framing = args.framing.parse()?;
    if let Some(e) = zoo::all().first().filter(|e| !e.supports(framing)) {
        anyhow::bail!(
            "the zoo is of fixed-width length prefixes; {} cannot be built for {framing}",
            e.name
        );
    }
    println!("framecheck selftest under {framing}: every zoo decoder must be caught\n");
    println!("{:<32} {:<8} {:>7}  verdict", "decoder", "result", "cases");
    let mut caught = 0;
    for entry in zoo::all() {
        let bundled = Bundled::Zoo(entry);
        let report = suite_for(framing, &bundled, args.seed)
            .fail_fast(true)
            .timeout(Duration::from_millis(500))
            .run(move || entry.build(framing));
        match report.failures.first() {
            Some(found) => {
                caught += 1;
                println!(
                    "{:<32} {:<8} {:>7}  {}",
                    entry.name,
                    "caught",
                    report.first_failure_after.unwrap_or(0),
                    found.failure.kind
                );
                if args.verbose {
                    println!("  bug: {}", entry.bug);
                    for line in report.to_string().lines() {
                        println!("  | {line}");
                    }
                }
            }
            None => println!("{:<32} {:<8} {:>7}  -", entry.name, "MISSED", report.total),
        }
    }
    let total = zoo::all().len();
    let reference = suite_for(framing, &Bundled::Reference, args.seed)
        .run(move || ReferenceDecoder::new(framing));
    println!(
        "\ncaught {caught}/{total} buggy decoders; reference decoder: {} of {} cases passed{}",
        reference.passed,
        reference.total,
        if reference.is_pass() {
            ""
        } else {
            " (FALSE ALARM)"
        }
    );
    if !reference.is_pass() {
        print!("{reference}");
    }
    Ok(caught == total && reference.is_pass())
}

fn replay(args: ReplayArgs) -> anyhow::Result<bool> {
    let case = Case::from_token(&args.token)?;
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
            Arc::new(move || decoder.build(framing))
        }
    };
    // Through the runner, so that a case that hangs is reported as a hang, not waited on.
    let m = make.clone();
    let report = Suite::new(framing)
        .vectors(false)
        .shrink_runs(0)
        .timeout(if args.exec.is_some() {
            timeout + Duration::from_secs(5)
        } else {
            timeout
        })
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

/// The exec protocol, served for a bundled decoder. A panic or an abort ends the process, which
/// the harness on the other side reports as a crash with this process's stderr.
fn serve(args: ServeArgs) -> anyhow::Result<bool> {
    use std::io::{BufRead, Write};
    let decoder = Bundled::parse(&args.decoder)?;
    let framing: Framing = args.framing.parse()?;
    if !decoder.supports(framing) {
        anyhow::bail!("{} cannot decode {framing}", decoder.name());
    }
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut d = decoder.build(framing);
    for line in stdin.lines() {
        let line = line?;
        let (request, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let mut frames = Vec::new();
        let result = match request {
            "BEGIN" => {
                d = decoder.build(framing);
                Ok(())
            }
            "CHUNK" => {
                let bytes = framecheck::hex::decode("CHUNK", arg)?;
                d.feed(&bytes, &mut frames)
            }
            "EOF" => d.eof(&mut frames),
            other => anyhow::bail!("unknown request {other:?}"),
        };
        for f in &frames {
            writeln!(out, "FRAME {}", framecheck::hex::encode(f))?;
        }
        match result {
            Ok(()) => writeln!(out, "DONE")?,
            Err(e) => writeln!(out, "ERROR {}", e.message().replace('\n', " "))?,
        }
        out.flush()?;
    }
    Ok(true)
}

fn matrix(args: MatrixArgs) -> anyhow::Result<bool> {
    let rows = framecheck::matrix::run(|suite, _| {
        let suite = suite.timeout(Duration::from_secs(2));
        match args.seed {
            Some(s) => suite.seed(s),
            None => suite,
        }
    });
    let table = framecheck::matrix::markdown(&rows);
    print!("{table}");
    let failing: Vec<String> = rows
        .iter()
        .filter(|r| !r.report.is_pass())
        .map(|r| format!("{} {}", r.decoder, r.framing))
        .collect();
    println!(
        "\n{} rows, {} with failures{}",
        rows.len(),
        failing.len(),
        if failing.is_empty() {
            String::new()
        } else {
            format!(
                " (minimal cases: framecheck matrix --markdown FILE): {}",
                failing.join("; ")
            )
        }
    );
    if let Some(path) = &args.markdown {
        let text = format!(
            "{table}\n## Minimal failing cases\n\n{}",
            framecheck::matrix::failures(&rows)
        );
        std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("{}: cannot write the matrix: {e}", path.display()))?;
    }
    // The matrix reports on other people's decoders: their failures are findings, not a
    // failed run. Only a failing reference decoder is.
    Ok(rows
        .iter()
        .filter(|r| r.decoder == "framecheck reference")
        .all(|r| r.report.is_pass()))
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
    let d = decoder.clone();
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
                .reproduce_with(format!("framecheck replay --decoder {name} '{{token}}'"))
        },
    )
}

fn vectors_command(cmd: VectorsCommand) -> anyhow::Result<bool> {
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
                    run_vectors(&all, &Bundled::Reference, profile, Duration::from_secs(2));
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

fn corpus_command(c: CorpusCommand) -> anyhow::Result<bool> {
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
                if let Err(report) = framecheck::corpus::check(&target, &data) {
                    println!("FAIL {}\n{report}", path.display());
                    return Ok(false);
                }
            }
            println!("{}: {} inputs, all passed", dir.display(), files.len());
            Ok(true)
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP, kill the programs under test (each runs in its own process
/// group, which a terminal's Ctrl-C does not reach) before exiting.
fn install_signal_handlers() {
    extern "C" fn on_signal(sig: libc::c_int) {
        framecheck::exec::kill_all();
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + sig) }
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

fn main() -> ExitCode {
    // SIGPIPE stays ignored (writes to an exec program must fail softly), so printing into a
    // closed pipe (`framecheck ... | head`) panics: end quietly instead, with exit code 2 (the
    // output could not be delivered).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(2);
        }
        default_hook(info);
    }));
    install_signal_handlers();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run(a),
        Command::Selftest(a) => selftest(a),
        Command::Replay(a) => replay(a),
        Command::Vectors(c) => vectors_command(c),
        Command::Matrix(a) => matrix(a),
        Command::Serve(a) => serve(a),
        Command::Corpus(c) => corpus_command(c),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("framecheck: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
