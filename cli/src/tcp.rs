//! `framecheck tcp`: the suite against a server over TCP on loopback, one connection per case.
//!
//! The server echoes each frame (or, with `--reply`, answers each with one frame); the
//! library's `tcp` module has the deal and the verdicts. `--replay TOKEN` runs one case and
//! shows what each write got back; `--probe` measures how reliably writes arrive as reads of
//! their own, with no server of the user's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use framecheck::runner::Runner;
use framecheck::tcp::{self, Server, Target, Wire, WireStats};
use framecheck::{suite, Case, Suite};

use crate::progress::runner_with_progress;

#[derive(clap::Args)]
pub(crate) struct TcpArgs {
    /// The framing the server speaks (`u32be:max=1048576`, `lines:max=1024`, `postgres`, ...).
    #[arg(long, required_unless_present_any = ["replay", "probe"])]
    framing: Option<String>,
    /// Maximum frame length, overriding the framing's (inclusive).
    #[arg(long)]
    max_frame: Option<u64>,
    /// Test the server already listening here (a loopback address only, as in
    /// `127.0.0.1:7000`).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "spawn")]
    connect: Option<String>,
    /// Start the server with `sh -c CMD`: `{port}` in CMD is replaced by a free loopback port,
    /// which is also in the environment as FRAMECHECK_PORT. It is started again after a crash,
    /// and its whole process tree is killed at the end.
    #[arg(long, value_name = "CMD")]
    spawn: Option<String>,
    /// Reply mode: the server answers each frame with exactly one frame, whose content is not
    /// checked (for a server that cannot echo).
    #[arg(long)]
    reply: bool,
    /// Cases run over this many connections at once.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=256))]
    connections: u64,
    /// The most time, in milliseconds, to wait for the server to read a chunk before the next
    /// goes out (on Linux the next goes out as soon as the server has read it).
    #[arg(long, default_value_t = tcp::DEFAULT_GAP.as_millis() as u64)]
    gap_ms: u64,
    /// How long, in milliseconds, the frames a chunk completes may take to come back (and a bad
    /// header's close): past it, a frame is stuck.
    #[arg(long, default_value_t = tcp::DEFAULT_PROMPT.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    prompt_ms: u64,
    /// How long, in milliseconds, a write may block and the close after the half-close may
    /// take: past it, a hang.
    #[arg(long, default_value_t = tcp::DEFAULT_TIMEOUT.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: u64,
    /// How long, in milliseconds, a spawned server may take to listen.
    #[arg(long, default_value_t = 10_000)]
    startup_ms: u64,
    /// Seed of the random cases.
    #[arg(long, value_parser = crate::parse_seed)]
    seed: Option<u64>,
    /// Number of random cases.
    #[arg(long, default_value_t = suite::DEFAULT_RANDOM_CASES)]
    cases: usize,
    /// Also run the many-frames cases (streams of thousands of frames, the megabyte-long
    /// stream): slow over a socket.
    #[arg(long)]
    bulk: bool,
    /// Stop at the first failing case (then shrink it).
    #[arg(long)]
    fail_fast: bool,
    /// Stop (skipping the rest) after this many faults: hangs, crashes, protocol errors.
    #[arg(long, default_value_t = suite::DEFAULT_MAX_FAULTS)]
    max_faults: usize,
    /// Run this one case (a token from a `Reproduce with:` line) and show what each write got
    /// back.
    #[arg(long, value_name = "TOKEN")]
    replay: Option<String>,
    /// Measure how reliably chunks arrive as reads of their own, against a probe server of the
    /// harness's own, with and without waiting for each read; no server needed.
    #[arg(long, conflicts_with_all = ["connect", "spawn", "replay"])]
    probe: bool,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<std::path::PathBuf>,
    #[command(flatten)]
    gate: crate::gate::GateArgs,
}

pub(crate) fn run(args: TcpArgs) -> anyhow::Result<bool> {
    let (json, junit) = (args.json.clone(), args.junit.clone());
    let result = run_reported(args);
    if let Err(e) = &result {
        crate::run::write_error_reports(&format!("{e:#}"), json.as_deref(), junit.as_deref());
    }
    result
}

fn run_reported(args: TcpArgs) -> anyhow::Result<bool> {
    let wire = Wire {
        reply: args.reply,
        gap: Duration::from_millis(args.gap_ms),
        prompt: Duration::from_millis(args.prompt_ms),
        timeout: Duration::from_millis(args.timeout_ms),
    };
    if args.probe {
        return probe(&args, &wire);
    }
    // A malformed baseline stops the run before any server starts.
    crate::gate::Gate::new(&args.gate)?;
    let (target, server) = target(&args)?;
    let result = match &args.replay {
        Some(token) => replay(&target, token, &wire, &args),
        None => run_suite(&args, target.clone(), &wire),
    };
    if let Some(s) = server {
        s.shutdown();
    }
    result
}

/// The server: connected to, or started (and checked to listen) now.
fn target(args: &TcpArgs) -> anyhow::Result<(Arc<Target>, Option<Arc<Server>>)> {
    match (&args.connect, &args.spawn) {
        (Some(addr), None) => Ok((Arc::new(Target::Connect(tcp::loopback_addr(addr)?)), None)),
        (None, Some(cmd)) => {
            let server = Arc::new(Server::new(
                cmd.clone(),
                Duration::from_millis(args.startup_ms),
            ));
            server.start()?;
            Ok((Arc::new(Target::Spawn(server.clone())), Some(server)))
        }
        _ => anyhow::bail!(
            "name the server under test: --connect HOST:PORT (one already running on \
             loopback) or --spawn 'CMD' (started with {{port}} replaced by a free port)"
        ),
    }
}

fn run_suite(args: &TcpArgs, target: Arc<Target>, wire: &Wire) -> anyhow::Result<bool> {
    let spec = args.framing.as_deref().expect("clap requires it");
    let [framing] = crate::run::framings(spec, args.max_frame)?[..] else {
        anyhow::bail!("--framing: a server speaks one framing (got {spec:?})");
    };
    tcp::supports(framing, wire)?;
    let gate = crate::gate::Gate::new(&args.gate)?;
    gate.check_applies(&[(None, framing)])?;
    let mut suite = Suite::new(framing).random_cases(args.cases).bulk(args.bulk);
    if let Some(s) = args.seed {
        suite = suite.seed(s);
    }
    let cases: Vec<Case> = suite.cases();
    if cases.len() > 100_000 {
        eprintln!(
            "framecheck tcp: {framing} makes {} cases, one connection each: at about a thousand \
             cases a second over loopback, this run takes minutes (--connections N runs them \
             at once; a smaller max= makes fewer over-long cases)",
            cases.len()
        );
    }
    let mut runner = Runner::new()
        .seed(args.seed.unwrap_or(suite::DEFAULT_SEED))
        .fail_fast(args.fail_fast)
        .max_faults(args.max_faults)
        .max_hangs(args.max_faults)
        .shrink_hangs(true)
        .known(gate.known(None, framing))
        .reproduce_with(replay_template(args));
    runner = runner_with_progress(runner, format!("{framing} over tcp"));
    // First, on a server no case has touched yet: a server whose one buffer the suite's
    // failures had already filled with stray bytes would fail it for that reason alone.
    let shared = tcp::shared_state(&target, framing, wire)?;
    let stats = Arc::new(WireStats::default());
    let started = Instant::now();
    let connections = args.connections as usize;
    let mut report = tcp::run(
        target.clone(),
        framing,
        cases,
        *wire,
        connections,
        &runner,
        stats.clone(),
    );
    if let Some((case, failure)) = shared {
        report.add_failure("shared-state", case, failure);
    }
    let secs = started.elapsed().as_secs_f64();
    print!("{report}");
    let (cuts, unconfirmed) = stats.cuts();
    println!(
        "  tcp: {} cases over {connections} connection(s) in {secs:.2} s ({:.0} cases/s), {} \
         connections made; {cuts} cuts, {} the server had not read when the next chunk went \
         out{}",
        report.total,
        report.total as f64 / secs.max(1e-9),
        stats.connections.load(std::sync::atomic::Ordering::Relaxed),
        unconfirmed,
        match &*target {
            Target::Spawn(s) => format!("; server started {} time(s)", s.starts()),
            Target::Connect(_) => String::new(),
        }
    );
    gate.settle(std::slice::from_mut(&mut report))?;
    crate::run::write_reports(std::slice::from_ref(&report), None, args.junit.as_deref())?;
    if let Some(path) = &args.json {
        // The report, and what the run did on the wire beside it.
        let mut json = framecheck::report::to_json(std::slice::from_ref(&report));
        json["tcp"] = serde_json::json!({
            "connections": connections,
            "connections_made": stats.connections.load(std::sync::atomic::Ordering::Relaxed),
            "cuts": cuts,
            "cuts_sent_unread": unconfirmed,
            "server_starts": match &*target {
                Target::Spawn(s) => Some(s.starts()),
                Target::Connect(_) => None,
            },
            "elapsed_ms": secs * 1000.0,
        });
        let text = serde_json::to_string_pretty(&json)?;
        std::fs::write(path, text + "\n").map_err(|e| {
            anyhow::anyhow!("{}: cannot write the JSON report: {e}", path.display())
        })?;
    }
    gate.finish("framecheck tcp", std::slice::from_ref(&report), None)
}

/// `framecheck tcp TARGET [options] --replay '{token}'`, with the options that change a
/// verdict, where they differ from their defaults.
fn replay_template(args: &TcpArgs) -> String {
    let q = framecheck::exec::shell_quote;
    let mut line = String::from("framecheck tcp");
    match (&args.connect, &args.spawn) {
        (Some(a), _) => line.push_str(&format!(" --connect {a}")),
        (_, Some(c)) => line.push_str(&format!(" --spawn {}", q(c))),
        _ => {}
    }
    if args.reply {
        line.push_str(" --reply");
    }
    for (name, value, default) in [
        ("--gap-ms", args.gap_ms, tcp::DEFAULT_GAP),
        ("--prompt-ms", args.prompt_ms, tcp::DEFAULT_PROMPT),
        ("--timeout-ms", args.timeout_ms, tcp::DEFAULT_TIMEOUT),
    ] {
        if value != default.as_millis() as u64 {
            line.push_str(&format!(" {name} {value}"));
        }
    }
    line + " --replay '{token}'"
}

fn replay(target: &Target, token: &str, wire: &Wire, args: &TcpArgs) -> anyhow::Result<bool> {
    let _ = args;
    let case = Case::from_token(token)?;
    let (verdict, calls) = tcp::replay(target, &case, wire)
        .map_err(|f| anyhow::anyhow!("{}: {}", f.kind, f.detail))
        .context("the replay could not reach the server")?;
    match verdict.failure() {
        None => {
            let token = case.token();
            if token.len() <= 256 {
                println!("PASS {token}");
            } else {
                println!("PASS (a {}-byte stream)", case.stream.bytes().len());
            }
            print!("{}", framecheck::report::render_case(&case, &calls));
            Ok(true)
        }
        Some(f) => {
            println!(
                "FAIL {}: {}",
                f.kind,
                framecheck::report::calls::visible(&f.detail)
            );
            print!(
                "{}",
                framecheck::report::render_case(&case, &f.transcript.calls)
            );
            Ok(false)
        }
    }
}

fn probe(args: &TcpArgs, wire: &Wire) -> anyhow::Result<bool> {
    let spec = args.framing.as_deref().unwrap_or("u16be");
    let [framing] = crate::run::framings(spec, args.max_frame)?[..] else {
        anyhow::bail!("--framing: one framing (got {spec:?})");
    };
    let cases: Vec<Case> = Suite::new(framing)
        .random_cases(args.cases.min(200))
        .bulk(false)
        .vectors(false)
        .cases()
        .into_iter()
        .filter(|c| c.schedule.chunk_count(c.stream.bytes().len()) > 1)
        .take(400)
        .collect();
    println!(
        "probe: {} cases of {framing}, their chunks written to a probe server on loopback that \
         records what each recv() returns",
        cases.len()
    );
    for (what, confirm) in [
        ("waiting until each chunk is read (as runs do)", true),
        ("pausing the gap only", false),
    ] {
        let p = tcp::probe_cuts(&cases, wire.gap, confirm)?;
        println!(
            "  {what}, gap {} ms: {} of {} cuts were recv() boundaries ({:.2}%){}",
            wire.gap.as_millis(),
            p.kept,
            p.cuts,
            100.0 * p.rate(),
            if confirm {
                format!("; {} cuts went out unread", p.unconfirmed)
            } else {
                String::new()
            }
        );
    }
    Ok(true)
}
