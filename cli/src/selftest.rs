//! `framecheck selftest`: the suite against every buggy decoder of the zoo that can be built for
//! the framing, each of which must be caught, and against the reference decoder, which must
//! pass.
//!
//! Under a length prefix that is the zoo of bug classes; under a layout (`field:…`, a preset)
//! those too, and under a preset also that preset's own buggy decoder, which must be caught with
//! the failure kind it names. `--all` runs each decoder through the whole suite instead of
//! stopping at its first failure, and lists every failure kind it gets: the detection table.

use std::time::Duration;

use framecheck::registry::{self, Entry, Kind};
use framecheck::{zoo, Framing, ReferenceDecoder};

use crate::bundled::Bundled;

#[derive(clap::Args)]
pub(crate) struct SelftestArgs {
    /// The framing to run the zoo under: a length prefix, a length-field layout or a preset.
    #[arg(long, default_value = "u32be:max=1048576")]
    framing: String,
    /// Seed of the random cases.
    #[arg(long, value_parser = crate::parse_seed)]
    seed: Option<u64>,
    /// Run each decoder through the whole suite, not to its first failure, and list every
    /// failure kind with the number of cases that failed with it.
    #[arg(long)]
    all: bool,
    /// Show each bug's minimal failing case.
    #[arg(long, short)]
    verbose: bool,
}

pub(crate) fn run(args: SelftestArgs) -> anyhow::Result<bool> {
    let framing: Framing = args.framing.parse()?;
    let specimens: Vec<&'static Entry> = registry::of_kind(Kind::Zoo)
        .filter(|e| e.supports(framing))
        .collect();
    if specimens.is_empty() {
        anyhow::bail!(
            "no zoo decoder can be built for {framing}: the zoo's bug classes need a fixed-width \
             length field (a length prefix, or a layout without a trailer), and each preset has \
             its own"
        );
    }
    println!("framecheck selftest under {framing}: every zoo decoder must be caught\n");
    if args.all {
        println!(
            "{:<32} {:<7} {:>15}  failure kinds (cases)",
            "decoder", "caught", "failed/cases"
        );
    } else {
        println!("{:<32} {:<8} {:>7}  verdict", "decoder", "result", "cases");
    }
    let mut ok = 0;
    for &entry in &specimens {
        let expected = zoo::presets::by_name(entry.name()).map(|s| s.caught_as);
        let report = crate::run::suite_for(framing, &Bundled::Entry(entry), args.seed)
            .fail_fast(!args.all)
            .timeout(Duration::from_millis(500))
            .run(move || entry.build(framing).expect("checked by supports"));
        let first = report.failures.first().map(|f| f.failure.kind);
        // Without fail-fast the failures are not in case order: there, the expected kind must
        // be among them.
        let met = match expected {
            None => first.is_some(),
            Some(want) if args.all => report.by_kind.contains_key(&want),
            Some(want) => first == Some(want),
        };
        ok += usize::from(met);
        let note = match expected {
            Some(want) if first.is_some() && !met => format!("  (EXPECTED {want})"),
            _ => String::new(),
        };
        if args.all {
            let mut kinds: Vec<String> = report
                .by_kind
                .iter()
                .map(|(kind, n)| format!("{kind} ({n})"))
                .collect();
            if report.skipped > 0 {
                kinds.push(format!("then {} skipped", report.skipped));
            }
            println!(
                "{:<32} {:<7} {:>15}  {}{note}",
                entry.name(),
                if first.is_some() { "yes" } else { "NO" },
                format!("{}/{}", report.failed, report.total),
                if kinds.is_empty() {
                    "-".to_string()
                } else {
                    kinds.join(", ")
                },
            );
        } else {
            match first {
                Some(kind) => println!(
                    "{:<32} {:<8} {:>7}  {kind}{note}",
                    entry.name(),
                    "caught",
                    report.first_failure_after.unwrap_or(0),
                ),
                None => println!(
                    "{:<32} {:<8} {:>7}  -",
                    entry.name(),
                    "MISSED",
                    report.total
                ),
            }
        }
        if args.verbose && first.is_some() {
            println!("  bug: {}", bug_of(entry));
            for line in report.to_string().lines() {
                println!("  | {line}");
            }
        }
    }
    let total = specimens.len();
    let reference = crate::run::suite_for(framing, &Bundled::reference(), args.seed)
        .run(move || ReferenceDecoder::new(framing));
    println!(
        "\ncaught {ok}/{total} buggy decoders{}; reference decoder: {} of {} cases passed{}",
        if zoo::presets::all().iter().any(|s| s.supports(framing)) {
            " (the preset's own with the kind it names)"
        } else {
            ""
        },
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
    Ok(ok == total && reference.is_pass())
}

/// The bug a zoo entry has, from the zoo's own lists.
fn bug_of(entry: &Entry) -> &'static str {
    zoo::by_name(entry.name())
        .map(|s| s.bug)
        .or_else(|| zoo::presets::by_name(entry.name()).map(|s| s.bug))
        .unwrap_or("")
}
