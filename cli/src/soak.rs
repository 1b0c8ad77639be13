//! `framecheck soak`: one decoder, a long seeded stream (`--bytes 8GiB`, `--frames 10M`),
//! every frame checked without storing the stream; a failure is shrunk to the smallest
//! `--frames` that still fails, and to a replay token when a window of it fails on its own.
//!
//! Exit codes: 0 the soak passed, 1 the decoder failed, 2 a usage error, 130 interrupted
//! (Ctrl-C; what was covered is printed, a program under test is killed).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use framecheck::exec::{self, ExecProgram};
use framecheck::soak::{Covered, End, Factory, Limit, Sizes, Soak, DEFAULT_MAX_READ};
use framecheck::{FrameDecoder, Framing, ReferenceDecoder, Rejection};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::bundled::Bundled;
use crate::startup::StartupArg;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("limit").required(true).args(["bytes", "frames"])))]
pub(crate) struct SoakArgs {
    /// The framing the decoder decodes (`u32be`, `lines:max=1024`, ...).
    #[arg(long, default_value = "u32be")]
    framing: String,
    /// Maximum frame length, overriding the framing's (inclusive).
    #[arg(long)]
    max_frame: Option<u64>,
    /// Stream this many bytes (ending on the frame that reaches it): `8GiB`, `100MB`, `2^32`.
    #[arg(long, value_parser = parse_bytes)]
    bytes: Option<u64>,
    /// Stream this many frames: `10M`, `2^32`, `257`.
    #[arg(long, value_parser = parse_count)]
    frames: Option<u64>,
    /// A bundled decoder: `reference` or `zoo:NAME` (see `framecheck selftest`), or
    /// `test:wrap-at-257`, the reference decoder with a u8 frame counter that loses every frame
    /// at which it wraps (the 257th, then every 256th): a planted periodic bug.
    #[arg(long, default_value = "reference", conflicts_with = "exec")]
    decoder: String,
    /// Test a program instead: run with `sh -c`, spoken to in the exec protocol (README).
    #[arg(long)]
    exec: Option<String>,
    /// Seed of the messages and of the cuts.
    #[arg(long, value_parser = crate::parse_seed, default_value = "0x5eedf4a3")]
    seed: u64,
    /// Message sizes: `mixed` (empty, 1-byte and larger frames up to the maximum), `empty`
    /// (the most frames per byte) or `tiny` (empty and 1-byte).
    #[arg(long, default_value = "mixed")]
    sizes: String,
    /// The longest read: `256KiB`; at most 1 GiB, as a read is held in memory whole.
    #[arg(long, value_parser = parse_bytes)]
    max_read: Option<u64>,
    /// Timeout per call into the decoder in milliseconds; past it, a hang.
    #[arg(
        long,
        default_value_t = exec::DEFAULT_TIMEOUT.as_millis() as u64,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    timeout_ms: u64,
    #[command(flatten)]
    startup: StartupArg,
    /// The most seconds spent shrinking a failure to its smallest frame count.
    #[arg(long, default_value_t = 60)]
    shrink_secs: u64,
    /// With --exec: resident memory the program may grow by beyond eight maximum-size frames.
    #[arg(long, default_value_t = exec::DEFAULT_MEMORY_SLACK >> 20)]
    memory_slack_mb: u64,
}

/// Runs the soak; exits 130 itself when interrupted.
pub(crate) fn run(args: SoakArgs) -> anyhow::Result<bool> {
    let mut framing: Framing = args.framing.parse()?;
    if let Some(m) = args.max_frame {
        framing = framing.with_max_frame_len(m);
    }
    let limit = match (args.bytes, args.frames) {
        (Some(b), _) => Limit::Bytes(b),
        (_, Some(n)) => Limit::Frames(n),
        _ => anyhow::bail!("give --bytes or --frames"),
    };
    let sizes: Sizes = args.sizes.parse()?;
    let max_read = match args.max_read {
        Some(r) => usize::try_from(r).unwrap_or(usize::MAX),
        None => DEFAULT_MAX_READ,
    };
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut soak = Soak::new(framing, limit)
        .seed(args.seed)
        .sizes(sizes)
        .max_read(max_read)
        .timeout(timeout)
        .shrink_time(Duration::from_secs(args.shrink_secs));
    soak.validate()?;

    let mut program: Option<Arc<ExecProgram>> = None;
    let (factory, who, replay): (Factory, String, String) = match &args.exec {
        Some(cmd) => {
            let slack = args.memory_slack_mb << 20;
            let p = Arc::new(
                args.startup
                    .apply(ExecProgram::new(cmd.clone(), framing, timeout).memory_slack(slack)),
            );
            p.preflight()?;
            soak = soak.timeout(p.suite_timeout());
            program = Some(p.clone());
            // The replay's options are the soak's too (--exec, --timeout-ms, --startup-ms,
            // --memory-slack-mb): the soak's own line repeats them.
            let replay = p.replay_template();
            let who = replay
                .strip_prefix("framecheck replay ")
                .and_then(|r| r.strip_suffix(" '{token}'"))
                .unwrap_or(&replay)
                .to_string();
            (
                Arc::new(move || Box::new(p.decoder()) as Box<dyn FrameDecoder>),
                who,
                replay,
            )
        }
        None if args.decoder == WRAP_AT_257 => (
            Arc::new(move || Box::new(WrapAt257::new(framing)) as Box<dyn FrameDecoder>),
            format!("--decoder {WRAP_AT_257}"),
            String::new(),
        ),
        None => {
            let decoder = Bundled::parse(&args.decoder)?;
            if matches!(decoder, Bundled::TestAbort) {
                anyhow::bail!(
                    "test:abort aborts the process that runs it: use it with `run --isolate`"
                );
            }
            if !decoder.supports(framing) {
                anyhow::bail!("{} cannot decode {framing}", decoder.name());
            }
            let replay = crate::run::replay_in_process(&decoder.name());
            (
                Arc::new(move || decoder.build(framing)),
                format!("--decoder {}", decoder.name()),
                replay,
            )
        }
    };

    let stop = framecheck::soak::stop_on_interrupt();
    soak = with_progress(soak.stop_when(stop), limit);
    let what = match limit {
        Limit::Bytes(b) => format!("{b} bytes"),
        Limit::Frames(n) => format!("{n} frames"),
    };
    println!(
        "soak {framing}: {what} of {sizes} messages, seed {:#x}, reads up to {max_read} bytes, {who}",
        args.seed
    );
    let outcome = soak.run(&factory);
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            shutdown(&program);
            return Err(e.into());
        }
    };
    let pass = match &outcome.end {
        End::Pass => {
            println!("PASS {}", outcome.covered);
            true
        }
        End::Interrupted => {
            shutdown(&program);
            println!("INTERRUPTED after {}", outcome.covered);
            println!(
                "  no failure in what was covered (read {} was the last)",
                outcome.covered.reads
            );
            std::process::exit(130);
        }
        End::Fail(failed) => {
            println!("FAIL after {}", outcome.covered);
            println!("  {failed}");
            println!("  shrinking by re-running shorter soaks...");
            let started = Instant::now();
            let shrunk = soak.shrink(failed, &factory);
            let how = if !shrunk.reproduced {
                format!(
                    "did not fail again with {} frames: the failure depends on more than the \
                     stream (timing, or state outside the decoder)",
                    shrunk.frames
                )
            } else if shrunk.minimal {
                format!(
                    "minimal: {} frames fail, {} pass",
                    shrunk.frames,
                    shrunk.frames - 1
                )
            } else {
                format!(
                    "{} frames still fail (the search stopped there)",
                    shrunk.frames
                )
            };
            println!(
                "  shrunk in {} runs, {:.1} s: {how}",
                shrunk.runs,
                started.elapsed().as_secs_f64()
            );
            if shrunk.reproduced && shrunk.failure != *failed {
                println!("  {}", shrunk.failure);
            }
            println!("Reproduce with:");
            println!("  framecheck soak {who} {}", soak.args(shrunk.frames));
            if shrunk.reproduced && !replay.is_empty() {
                if let Some(case) = soak.window_case(&shrunk, &factory, &replay) {
                    println!("The failing window fails on its own too; replay it with:");
                    println!("  {}", replay.replace("{token}", &case.token()));
                }
            }
            false
        }
    };
    if let Some(p) = &program {
        let secs = outcome.covered.elapsed.as_secs_f64();
        println!(
            "  exec: {} round trips in {secs:.2} s ({:.0}/s), {} program start(s)",
            p.round_trips(),
            p.round_trips() as f64 / secs.max(1e-9),
            p.starts()
        );
    }
    shutdown(&program);
    Ok(pass)
}

fn shutdown(program: &Option<Arc<ExecProgram>>) {
    if let Some(p) = program {
        p.shutdown();
    }
}

/// Progress on stderr: a bar on a terminal, a line every ten seconds otherwise.
fn with_progress(soak: Soak, limit: Limit) -> Soak {
    let (len, unit) = match limit {
        Limit::Bytes(b) => (b, "bytes"),
        Limit::Frames(n) => (n, "frames"),
    };
    let of = move |c: &Covered| match limit {
        Limit::Bytes(_) => c.bytes,
        Limit::Frames(_) => c.frames,
    };
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "[{{bar:24}}] {{percent}}% of {len} {unit}, {{eta}} left  {{msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        return soak.on_progress(move |c| {
            bar.set_position(of(c).min(len));
            bar.set_message(format!(
                "{:.0} MB/s, {:.0} frames/s",
                c.mb_per_s(),
                c.frames_per_s()
            ));
            if of(c) >= len {
                bar.finish_and_clear();
            }
        });
    }
    let next = std::sync::Mutex::new(Duration::from_secs(10));
    soak.on_progress(move |c| {
        let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
        if c.elapsed >= *next {
            *next += Duration::from_secs(10);
            let pct = of(c) as f64 * 100.0 / len.max(1) as f64;
            eprintln!("soak: {pct:.1}%: {c}");
        }
    })
}

/// The name of the planted periodic bug.
const WRAP_AT_257: &str = "test:wrap-at-257";

/// The reference decoder behind a u8 frame counter that loses the frame at which it wraps.
struct WrapAt257 {
    inner: ReferenceDecoder,
    counter: u8,
    wrapped: bool,
    got: Vec<Vec<u8>>,
}

impl WrapAt257 {
    fn new(framing: Framing) -> WrapAt257 {
        WrapAt257 {
            inner: ReferenceDecoder::new(framing),
            counter: 0,
            wrapped: false,
            got: Vec::new(),
        }
    }
}

impl FrameDecoder for WrapAt257 {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        let result = self.inner.feed(chunk, &mut self.got);
        for f in self.got.drain(..) {
            let slot = self.counter;
            self.counter = slot.wrapping_add(1);
            // Once the counter has wrapped, slot 0 looks free: the 257th frame is lost.
            if !(slot == 0 && self.wrapped) {
                frames.push(f);
            }
            self.wrapped |= self.counter == 0;
        }
        result
    }
    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.inner.eof(frames)
    }
}

/// A byte count: an integer or `A^B`, with an optional unit: `KiB`, `MiB`, `GiB`, `TiB`
/// (powers of 1024), `k`/`kB`, `M`/`MB`, `G`/`GB`, `T`/`TB` (powers of 1000), `B`.
fn parse_bytes(s: &str) -> Result<u64, String> {
    parse_size(s, true)
}

/// A count: an integer or `A^B`, with an optional `k`, `M`, `G` or `T` (powers of 1000) or
/// `Ki`, `Mi`, `Gi`, `Ti` (powers of 1024).
fn parse_count(s: &str) -> Result<u64, String> {
    parse_size(s, false)
}

fn parse_size(s: &str, bytes: bool) -> Result<u64, String> {
    let units = if bytes {
        "B, KiB, MiB, GiB, TiB, kB, MB, GB or TB, as in 8GiB"
    } else {
        "k, M, G, T, Ki, Mi, Gi or Ti, as in 10M"
    };
    let bad =
        || format!("{s:?} is not a size: expected a number or A^B with an optional unit ({units})");
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '^')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = if bytes {
        unit.strip_suffix('B').unwrap_or(unit)
    } else {
        unit
    };
    let scale: u64 = match unit {
        "" => 1,
        "k" | "K" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        _ => return Err(bad()),
    };
    let too_big = || {
        format!(
            "{s:?} is more than {} (2^64 - 1), the most a soak can count",
            u64::MAX
        )
    };
    let value = match num.split_once('^') {
        Some((base, exp)) => {
            let base: u64 = base.parse().map_err(|_| bad())?;
            let exp: u32 = exp.parse().map_err(|_| bad())?;
            base.checked_pow(exp).ok_or_else(too_big)?
        }
        None if num.is_empty() => return Err(bad()),
        None => num.parse::<u64>().map_err(|_| too_big())?,
    };
    value.checked_mul(scale).ok_or_else(too_big)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_and_decimal_units_and_powers() {
        assert_eq!(parse_bytes("8GiB"), Ok(8 << 30));
        assert_eq!(parse_bytes("100MB"), Ok(100_000_000));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("2^32"), Ok(1 << 32));
        assert_eq!(parse_bytes("1KiB"), Ok(1024));
        assert_eq!(parse_count("10M"), Ok(10_000_000));
        assert_eq!(parse_count("2^32"), Ok(1 << 32));
        assert!(parse_bytes("8QB").unwrap_err().contains("not a size"));
        assert!(parse_bytes("GiB").is_err());
        assert!(parse_count("10MiB").is_err());
        assert!(parse_bytes("16EiB").is_err());
        assert!(parse_bytes("99999999999999999999")
            .unwrap_err()
            .contains("2^64"));
        assert!(parse_count("2^64").unwrap_err().contains("2^64"));
        assert!(parse_bytes("20000000TiB").unwrap_err().contains("2^64"));
    }
}
