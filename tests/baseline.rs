//! Baselines of known failures: what they let through, what they never let through, and the
//! errors a malformed or stale file gets.

use framecheck::baseline::{Baseline, Outcome};
use framecheck::{zoo, FailureKind, Framing, Suite};

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fn framing() -> Framing {
    "u16be:max=64".parse().unwrap()
}

fn baseline(entries: &str) -> Baseline {
    Baseline::parse(
        "known.json",
        &format!(r#"{{"framecheck_baseline": 1, "known": [{entries}]}}"#),
    )
    .unwrap()
}

fn no_drain_loop() -> Box<dyn framecheck::FrameDecoder> {
    zoo::by_name("no-drain-loop").unwrap().build(framing())
}

fn error_of(text: &str) -> String {
    Baseline::parse("known.json", text).unwrap_err().to_string()
}

#[test]
fn every_malformed_baseline_is_an_error_that_names_the_file_and_the_entry() {
    let cases = [
        ("not json", "known.json: not JSON"),
        ("[]", "a baseline is a JSON object"),
        (r#"{"known": []}"#, "missing `\"framecheck_baseline\": 1`"),
        (
            r#"{"framecheck_baseline": 2, "known": []}"#,
            "this framecheck reads version 1",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [], "extra": 1}"#,
            "unknown field \"extra\"",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u8", "kind": "stuck-fram", "reason": "r"}]}"#,
            "known[0]: \"stuck-fram\" is not a failure kind (one of: wrong-frame,",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u8", "kind": "panic"}]}"#,
            "known[0]: missing `reason`",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u8", "kind": "panic", "reason": "  "}]}"#,
            "known[0]: missing `reason`",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"kind": "panic", "reason": "r"}]}"#,
            "known[0]: missing `framing`",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u7", "kind": "panic", "reason": "r"}]}"#,
            "known[0]: `framing` \"u7\":",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u8", "kind": "panic", "reason": "r", "why": 1}]}"#,
            "known[0]: unknown field \"why\"",
        ),
        (
            r#"{"framecheck_baseline": 1, "known": [{"framing": "u8", "kind": 3, "reason": "r"}]}"#,
            "known[0]: `kind` must be a string",
        ),
    ];
    for (text, expected) in cases {
        let e = error_of(text);
        assert!(e.starts_with("known.json: "), "{text}: {e}");
        assert!(e.contains(expected), "{text}: {e}");
    }
}

#[test]
fn an_entry_for_a_framing_or_decoder_not_run_is_stale() {
    let b = baseline(
        r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "r"},
           {"framing": "u32be", "kind": "panic", "reason": "r"}"#,
    );
    let e = b
        .check_applies(&[(None, framing())])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("known[1] (panic under u32be:max=8388608) applies to nothing"),
        "{e}"
    );
    let by_decoder =
        baseline(r#"{"framing": "*", "decoder": "tokio-util07", "kind": "panic", "reason": "r"}"#);
    let e = by_decoder
        .check_applies(&[(Some("reference"), framing())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("tokio-util07: panic under *"), "{e}");
    assert!(by_decoder
        .check_applies(&[(Some("tokio-util07-decode"), framing())])
        .is_ok());
    // A program of the user's has no decoder id: entries naming one do not apply to it.
    assert!(by_decoder.check_applies(&[(None, framing())]).is_err());
}

#[test]
fn known_failures_pass_and_a_new_kind_still_fails() {
    let b =
        baseline(r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "one per read"}"#);
    let report = Suite::new(framing())
        .random_cases(10)
        .known(b.for_run(None, framing()))
        .run(no_drain_loop);
    assert!(report.known_failed > 0);
    assert_eq!(report.known.len(), 1);
    assert_eq!(report.known[0].cases, report.known_failed);
    // Its other bug is not in the baseline: still a failure.
    assert!(!report.is_pass());
    assert!(report.by_kind.contains_key(&FailureKind::LateRejection));
    assert!(!report.by_kind.contains_key(&FailureKind::StuckFrame));
    let stuck = report
        .failures
        .iter()
        .find(|f| f.failure.kind == FailureKind::StuckFrame)
        .unwrap();
    assert_eq!(stuck.known, Some(0));
    let text = report.to_string();
    assert!(text.contains("KNOWN stuck-frame"), "{text}");
    assert!(text.contains("FAIL late-rejection"), "{text}");
    let outcome = Outcome::of([&report]);
    assert!(outcome.new > 0 && outcome.known > 0);
    assert!(!outcome.passes());
}

#[test]
fn an_entry_limited_to_a_stream_group_lets_only_that_group_through() {
    let b = baseline(
        r#"{"framing": "u16be:max=64", "kind": "late-rejection", "stream": "vectors", "reason": "r"},
           {"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "r"}"#,
    );
    let report = Suite::new(framing())
        .random_cases(10)
        .known(b.for_run(None, framing()))
        .run(no_drain_loop);
    for c in &report.results {
        match c.status {
            framecheck::report::Status::Fail(k) => {
                assert_eq!(k, FailureKind::LateRejection);
                assert_ne!(c.stream.split(':').next(), Some("vector"), "{}", c.label);
            }
            framecheck::report::Status::Known(FailureKind::LateRejection) => {
                assert!(c.stream.starts_with("vector:"), "{}", c.label);
            }
            _ => {}
        }
    }
    assert!(
        report.failed > 0,
        "late rejections outside the vectors are new"
    );
    // The minimal case shown for late-rejection is a new one, not the known one.
    let late = report
        .failures
        .iter()
        .find(|f| f.failure.kind == FailureKind::LateRejection)
        .unwrap();
    assert_eq!(late.known, None);
    assert!(!late.original.stream.name().starts_with("vector:"));
}

#[test]
fn fail_fast_goes_past_known_failures_to_the_first_new_one() {
    let b = baseline(r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "r"}"#);
    let report = Suite::new(framing())
        .fail_fast(true)
        .known(b.for_run(None, framing()))
        .run(no_drain_loop);
    assert_eq!(report.failed, 1, "{report}");
    assert!(report.known_failed > 0, "{report}");
    assert_eq!(
        report.by_kind.keys().copied().collect::<Vec<_>>(),
        [FailureKind::LateRejection]
    );
}

#[test]
fn a_known_failure_that_no_longer_happens_fails_only_the_ratchet() {
    let b =
        baseline(r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "fixed since"}"#);
    let reference = framing();
    let run = |ratchet: bool| {
        Suite::new(framing())
            .random_cases(10)
            .known(b.for_run(None, framing()).ratchet(ratchet))
            .run(move || framecheck::ReferenceDecoder::new(reference))
    };
    let report = run(false);
    assert!(report.is_pass());
    assert_eq!(report.fixed.len(), 1);
    let outcome = Outcome::of([&report]);
    assert!(outcome.passes());
    assert!(
        outcome
            .to_string()
            .contains("known[0] (stuck-frame under u16be:max=64): stuck-frame (fixed since)"),
        "{outcome}"
    );
    let ratcheted = run(true);
    assert_eq!(ratcheted.failed, 0);
    assert!(!ratcheted.is_pass(), "the ratchet fails the report itself");
    assert!(ratcheted
        .why_not_pass_beyond_failures()
        .unwrap()
        .contains("remove known[0] (stuck-frame under u16be:max=64)"));
    assert!(!Outcome::of([&ratcheted]).passes());
    let json = framecheck::report::to_json(std::slice::from_ref(&ratcheted));
    assert_eq!(json["pass"], false);
}

#[test]
fn two_entries_alike_but_for_their_framing_are_told_apart_by_the_ratchet() {
    let b = baseline(
        r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "same"},
           {"framing": "u8", "kind": "stuck-frame", "reason": "same"}"#,
    );
    let small: Framing = "u8".parse().unwrap();
    let buggy = Suite::new(framing())
        .random_cases(5)
        .known(b.for_run(None, framing()).ratchet(true))
        .run(no_drain_loop);
    let fine = Suite::new(small)
        .random_cases(5)
        .known(b.for_run(None, small).ratchet(true))
        .run(move || framecheck::ReferenceDecoder::new(small));
    let mut reports = [buggy, fine];
    framecheck::baseline::reconcile(&mut reports);
    assert_eq!(reports[1].fixed.len(), 1, "the u8 entry is fixed");
    assert!(!Outcome::of(&reports).passes());
}

#[test]
fn known_faults_do_not_stop_the_run_and_a_run_cut_short_never_passes() {
    let hang_framing: Framing = "u32be".parse().unwrap();
    let b = baseline(
        r#"{"framing": "u32be", "kind": "memory-bomb", "reason": "reserves what the header says"}"#,
    );
    let bomb = zoo::by_name("prealloc-from-header").unwrap();
    let report = Suite::new(hang_framing)
        .random_cases(5)
        .max_faults(2)
        .known(b.for_run(None, hang_framing))
        .run(move || bomb.build(hang_framing));
    // Every memory bomb is known: none stops the run, and it passes.
    assert!(report.known_failed > 2, "{report}");
    assert_eq!(report.not_run, 0, "{report}");
    // A run that stops early after known failures cannot pass: here, fail-fast on the
    // first new failure of a decoder whose other failures are known.
    let late = baseline(r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "r"}"#);
    let cut = Suite::new(framing())
        .fail_fast(true)
        .known(late.for_run(None, framing()))
        .run(no_drain_loop);
    assert!(cut.not_run > 0 && cut.known_failed > 0);
    assert!(cut
        .why_not_pass_beyond_failures()
        .unwrap()
        .contains("not run after the known failures"));
    assert!(cut.fixed.is_empty(), "a run cut short fixes nothing");
}

#[test]
fn a_misspelt_stream_is_an_error_not_a_fixed_entry() {
    let b = baseline(
        r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "stream": "truncations", "reason": "r"}"#,
    );
    let report = Suite::new(framing())
        .random_cases(5)
        .known(b.for_run(None, framing()))
        .run(no_drain_loop);
    let e = framecheck::baseline::check_streams(&b, std::slice::from_ref(&report))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("known[0]") && e.contains("no stream of this run is named \"truncations\""),
        "{e}"
    );
    let good = baseline(
        r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "stream": "truncation", "reason": "r"},
           {"framing": "u16be:max=64", "kind": "stuck-frame", "stream": "len=max", "reason": "r"}"#,
    );
    framecheck::baseline::check_streams(&good, std::slice::from_ref(&report)).unwrap();
}

#[test]
fn a_decoder_prefix_matches_whole_id_segments_only() {
    use framecheck::baseline::id_has_prefix;
    assert!(id_has_prefix("tokio-util07-decode", "tokio-util07"));
    assert!(id_has_prefix("tokio-util07-decode", "tokio-util07-decode"));
    assert!(id_has_prefix(
        "unsigned-varint08-decode",
        "unsigned-varint08-"
    ));
    assert!(!id_has_prefix(
        "tokio-util07-linescodec-decode",
        "tokio-util07-lines"
    ));
    assert!(!id_has_prefix("tokio-util07-decode", "t"));
}

#[test]
fn a_fuzz_input_is_let_through_only_by_an_entry_for_every_stream() {
    let scoped = baseline(
        r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "stream": "vectors", "reason": "r"}"#,
    );
    assert!(!scoped
        .for_run(None, framing())
        .allows_kind(FailureKind::StuckFrame));
    assert!(!scoped.allows("zoo:no-drain-loop", framing(), FailureKind::StuckFrame));
    let every = baseline(r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "r"}"#);
    assert!(every
        .for_run(None, framing())
        .allows_kind(FailureKind::StuckFrame));
}

#[test]
fn an_entry_for_any_framing_is_fixed_only_when_no_run_needs_it() {
    let b = baseline(r#"{"framing": "*", "kind": "stuck-frame", "reason": "r"}"#);
    let other: Framing = "u8".parse().unwrap();
    let buggy = Suite::new(framing())
        .random_cases(5)
        .known(b.for_run(None, framing()))
        .run(no_drain_loop);
    let fine = Suite::new(other)
        .random_cases(5)
        .known(b.for_run(None, other))
        .run(move || framecheck::ReferenceDecoder::new(other));
    assert_eq!(fine.fixed.len(), 1);
    let mut reports = [buggy, fine];
    framecheck::baseline::reconcile(&mut reports);
    assert!(reports[1].fixed.is_empty());
    let outcome = Outcome::of(&reports);
    assert!(outcome.fixed.is_empty(), "{outcome}");
}

#[test]
fn a_written_baseline_reads_back_and_keeps_the_reasons_it_was_given() {
    let report = Suite::new(framing()).random_cases(5).run(no_drain_loop);
    let written = Baseline::from_reports(&[(Some("zoo:no-drain-loop"), &report)], None);
    let kinds: Vec<FailureKind> = written.entries().iter().map(|e| e.kind).collect();
    assert_eq!(kinds.len(), report.by_kind.len());
    let again = Baseline::parse("written.json", &written.to_json()).unwrap();
    assert_eq!(again.entries(), written.entries());
    // Rewritten over a baseline with a reason: the reason stays.
    let given = baseline(
        r#"{"framing": "u16be:max=64", "decoder": "zoo:no-drain-loop", "kind": "stuck-frame", "reason": "ours", "link": "tests/macro.rs"}"#,
    );
    let report = Suite::new(framing())
        .random_cases(5)
        .known(given.for_run(Some("zoo:no-drain-loop"), framing()))
        .run(no_drain_loop);
    let rewritten = Baseline::from_reports(&[(Some("zoo:no-drain-loop"), &report)], Some(&given));
    let stuck = rewritten
        .entries()
        .iter()
        .find(|e| e.kind == FailureKind::StuckFrame)
        .unwrap();
    assert_eq!(stuck.reason, "ours");
    assert_eq!(stuck.link.as_deref(), Some("tests/macro.rs"));
}

#[test]
fn check_known_panics_on_a_failure_the_baseline_does_not_list() {
    let b = baseline(r#"{"framing": "u16be:max=64", "kind": "stuck-frame", "reason": "r"}"#);
    let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Suite::new(framing())
            .random_cases(5)
            .check_known(no_drain_loop, &b, false)
    }))
    .unwrap_err();
    let message = e.downcast_ref::<String>().unwrap();
    assert!(message.contains("FAIL late-rejection"), "{message}");
    assert!(message.contains("new failure(s)"), "{message}");
}
