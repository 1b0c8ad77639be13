//! The `framecheck` command line: argument parsing and printing only; the work is the
//! library's.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use framecheck::{zoo, Case, FrameDecoder, Framing, ReferenceDecoder, Suite, Verdict};

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
}

#[derive(clap::Args)]
struct RunArgs {
    /// Framings to test, comma-separated (`u8`, `u16be`, `u32be:max=1024:incl`, ...), or `all`.
    #[arg(long, default_value = "all")]
    framing: String,
    /// Maximum frame length, overriding the framing's (inclusive).
    #[arg(long)]
    max_frame: Option<u64>,
    /// The decoder: `reference` or `zoo:NAME` (see `framecheck selftest`).
    #[arg(long, default_value = "reference")]
    decoder: String,
    /// Seed of the random cases.
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Number of random cases per framing.
    #[arg(long, default_value_t = 500)]
    cases: usize,
    /// Per-case timeout in milliseconds, after which a case is a hang.
    #[arg(long, default_value_t = 2000)]
    timeout_ms: u64,
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
    #[arg(long, default_value = "reference")]
    decoder: String,
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
}

impl Bundled {
    fn parse(name: &str) -> anyhow::Result<Bundled> {
        if name == "reference" {
            return Ok(Bundled::Reference);
        }
        if let Some(z) = name.strip_prefix("zoo:") {
            if let Some(e) = zoo::by_name(z) {
                return Ok(Bundled::Zoo(e));
            }
        }
        let names: Vec<String> = zoo::all()
            .iter()
            .map(|e| format!("zoo:{}", e.name))
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
        }
    }

    fn build(&self, framing: Framing) -> Box<dyn FrameDecoder> {
        match self {
            Bundled::Reference => Box::new(ReferenceDecoder::new(framing)),
            Bundled::Zoo(e) => e.build(framing),
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
    let decoder = Bundled::parse(&args.decoder)?;
    let mut all_pass = true;
    for framing in framings(&args.framing, args.max_frame)? {
        let d = decoder.clone();
        let report = suite_for(framing, &decoder, args.seed)
            .random_cases(args.cases)
            .timeout(Duration::from_millis(args.timeout_ms))
            .run(move || d.build(framing));
        print!("{report}");
        all_pass &= report.is_pass();
    }
    Ok(all_pass)
}

fn selftest(args: SelftestArgs) -> anyhow::Result<bool> {
    let framing: Framing = args.framing.parse()?;
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
    let decoder = Bundled::parse(&args.decoder)?;
    let case = Case::from_token(&args.token)?;
    let mut d = decoder.build(case.stream.framing());
    let verdict = framecheck::check(&mut d, &case);
    match &verdict {
        Verdict::Pass => {
            println!("PASS {}", case.token());
            // Show what happened anyway: a replay is for looking.
            print!(
                "{}",
                framecheck::report::render_case(
                    &case,
                    &transcript_of(&mut *decoder.build(case.stream.framing()), &case)
                )
            );
        }
        Verdict::Fail(f) => {
            println!("FAIL {}: {}", f.kind, f.detail);
            print!(
                "{}",
                framecheck::report::render_case(&case, &f.transcript.calls)
            );
        }
        Verdict::Skip(why) => println!("SKIP {why}"),
    }
    Ok(verdict.is_pass())
}

/// Runs a passing case again, recording each call.
fn transcript_of(d: &mut dyn FrameDecoder, case: &Case) -> Vec<framecheck::oracle::CallRecord> {
    use framecheck::oracle::{Call, CallRecord, Outcome};
    let bytes = case.stream.bytes();
    let mut calls = Vec::new();
    let chunks: Vec<&[u8]> = case.schedule.chunks(bytes).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let mut frames = Vec::new();
        let r = d.feed(chunk, &mut frames);
        let outcome = r.map_or_else(|e| Outcome::Rejected(e.to_string()), |_| Outcome::Ok);
        calls.push(CallRecord {
            call: Call::Chunk(i),
            frames,
            outcome,
        });
    }
    let mut frames = Vec::new();
    let outcome = d
        .eof(&mut frames)
        .map_or_else(|e| Outcome::Rejected(e.to_string()), |_| Outcome::Ok);
    calls.push(CallRecord {
        call: Call::Eof,
        frames,
        outcome,
    });
    calls
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run(a),
        Command::Selftest(a) => selftest(a),
        Command::Replay(a) => replay(a),
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
