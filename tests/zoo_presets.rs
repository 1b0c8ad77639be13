//! The protocol presets' buggy decoders are each caught under their preset, with the failure
//! kind they name, and fail one of the preset's golden vectors in `vectors/protocols.json`; and
//! the zoo of bug classes, re-run over a length-field layout, is caught whole.
//!
//! This binary installs the counting allocator, so the memory-bomb check is on.

use std::time::Duration;

use framecheck::framing::Preset;
use framecheck::vectors::{self, Profile};
use framecheck::{zoo, CountingAlloc, FailureKind, FrameDecoder, Framing, Suite};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The kind of the first failure of the suite (with or without the golden vectors first).
fn first_failure<D: FrameDecoder>(
    framing: Framing,
    with_vectors: bool,
    build: impl Fn() -> D + Send + Sync + 'static,
) -> Option<FailureKind> {
    let report = Suite::new(framing)
        .vectors(with_vectors)
        .fail_fast(true)
        .shrink_runs(0)
        .timeout(Duration::from_secs(2))
        .run(build);
    report.failures.first().map(|f| f.failure.kind)
}

#[test]
fn every_preset_has_a_buggy_decoder_built_for_it_alone() {
    for preset in Preset::all() {
        let framing: Framing = preset.name().parse().unwrap();
        let own: Vec<&str> = zoo::presets::all()
            .iter()
            .filter(|s| s.supports(framing))
            .map(|s| s.name)
            .collect();
        assert_eq!(own.len(), 1, "{}: {own:?}", preset.name());
        assert!(own[0].starts_with(preset.name()), "{own:?}");
    }
    let u32be: Framing = "u32be".parse().unwrap();
    assert!(zoo::presets::all().iter().all(|s| !s.supports(u32be)));
    // A preset with another maximum is still the preset.
    let bigger: Framing = "http2:max=65536".parse().unwrap();
    assert!(zoo::presets::by_name("http2-length-counts-header")
        .unwrap()
        .supports(bigger));
}

/// The kind each preset's bug is caught as by the default suite (golden vectors first, as
/// `framecheck selftest` runs it), and that the generated cases alone catch it too: a change
/// that moves a bug to another kind, or lets it through, is a change in what the oracle says.
#[test]
fn every_preset_bug_is_caught_under_its_preset_with_its_kind() {
    let mut wrong = Vec::new();
    for specimen in zoo::presets::all() {
        let framing: Framing = specimen.preset.parse().unwrap();
        let got = first_failure(framing, true, move || specimen.build(framing));
        if got != Some(specimen.caught_as) {
            wrong.push(format!(
                "{}: expected {}, got {got:?}",
                specimen.name, specimen.caught_as
            ));
        }
        if first_failure(framing, false, move || specimen.build(framing)).is_none() {
            wrong.push(format!("{}: missed by the generated cases", specimen.name));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Each preset's buggy decoder fails one of its preset's golden vectors: the vectors of
/// `vectors/protocols.json` have teeth.
#[test]
fn every_preset_bug_fails_one_of_its_protocol_vectors() {
    let all: Vec<_> = vectors::bundled()
        .unwrap()
        .into_iter()
        .filter(|v| v.framing.preset().is_some())
        .collect();
    assert!(all.len() >= 9 * 5, "only {} protocol vectors", all.len());
    let mut missed = Vec::new();
    for specimen in zoo::presets::all() {
        let report = vectors::run_with(
            &all,
            Profile::default(),
            move |framing| specimen.supports(framing).then(|| specimen.build(framing)),
            |s| s.shrink_runs(0).timeout(Duration::from_millis(300)),
        );
        let failing = report.failing_vectors();
        if !failing.iter().any(|id| id.starts_with(specimen.preset)) {
            missed.push(specimen.name);
        }
    }
    assert!(missed.is_empty(), "no protocol vector fails: {missed:?}");
}

/// The zoo of bug classes re-run over PostgreSQL's layout (an offset byte, a field that counts
/// itself, the whole frame emitted): every bug is caught there too.
#[test]
fn every_bug_class_is_caught_under_the_postgres_layout() {
    let framing: Framing = "postgres:max=70000".parse().unwrap();
    let missed: Vec<&str> = zoo::all()
        .iter()
        .filter(|&e| first_failure(framing, false, move || e.build(framing)).is_none())
        .map(|e| e.name)
        .collect();
    assert!(missed.is_empty(), "not caught: {missed:?}");
}
