//! `framecheck selftest`: the suite against every buggy decoder of the zoo, each of which must
//! be caught, and against the reference decoder, which must pass.

use std::time::Duration;

use framecheck::{zoo, Framing, ReferenceDecoder};

use crate::bundled::Bundled;

#[derive(clap::Args)]
pub(crate) struct SelftestArgs {
    /// The framing to run the zoo under.
    #[arg(long, default_value = "u32be:max=1048576")]
    framing: String,
    /// Seed of the random cases.
    #[arg(long, value_parser = crate::parse_seed)]
    seed: Option<u64>,
    /// Show each bug's minimal failing case.
    #[arg(long, short)]
    verbose: bool,
}

pub(crate) fn run(args: SelftestArgs) -> anyhow::Result<bool> {
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
        let bundled = Bundled::parse(&format!("zoo:{}", entry.name))?;
        let report = crate::run::suite_for(framing, &bundled, args.seed)
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
    let reference = crate::run::suite_for(framing, &Bundled::reference(), args.seed)
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
