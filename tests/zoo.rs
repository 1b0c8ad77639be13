//! The harness has teeth and raises no false alarm: every buggy decoder of the zoo is caught
//! by the default suite, with the verdict kind its bug should produce, and the reference
//! decoder passes every framing.
//!
//! This binary installs the counting allocator, so the memory-bomb check is on.

use std::time::Duration;

use framecheck::{zoo, CountingAlloc, FailureKind, Framing, ReferenceDecoder, Suite};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The kind of the first failure of the generated suite (golden vectors aside, so that the
/// order of cases, and so the kind, depends on the generators alone).
fn first_failure(framing: Framing, entry: &'static zoo::Specimen) -> Option<FailureKind> {
    let report = Suite::new(framing)
        .vectors(false)
        .fail_fast(true)
        .shrink_runs(0)
        // Long enough that a slow call on a loaded machine is not taken for a hang; the
        // hang-on-empty-frame decoder costs one timeout.
        .timeout(Duration::from_secs(2))
        .run(move || entry.build(framing));
    report.failures.first().map(|f| f.failure.kind)
}

/// The kind each bug is caught as under `u32be`; a change that moves a bug to another kind (or
/// lets it through) is a change in what the oracle says, and must be deliberate.
#[test]
fn every_zoo_decoder_is_caught_under_u32be_with_the_right_kind() {
    use FailureKind::*;
    let expected = [
        ("one-recv-one-message", MissingFrame),
        ("no-drain-loop", StuckFrame),
        ("header-consumed-on-need-more", StuckFrame),
        ("header-assumed-whole", ExtraFrame),
        ("leftover-dropped", MissingFrame),
        ("length-overflow", Panic),
        ("signed-length", LateRejection),
        ("truncated-length-field", WrongFrame),
        ("prealloc-from-header", MemoryBomb),
        ("max-checked-after-buffering", LateRejection),
        ("off-by-one-at-max", FalseRejection),
        ("error-on-incomplete", FalseRejection),
        ("truncated-frame-dropped-at-eof", TruncationIgnored),
        ("partial-frame-at-eof", PartialFrameAtEof),
        ("empty-frames-skipped", MissingFrame),
        ("hang-on-empty-frame", Hang),
        // Caught only by the many-frames cases (`framecheck::bulk`), which come last.
        ("batch-limit", StuckFrame),
        ("counter-wrap", MissingFrame),
    ];
    assert_eq!(
        expected.len(),
        zoo::all().len(),
        "a zoo entry has no expected kind"
    );
    let framing: Framing = "u32be:max=70000".parse().unwrap();
    let mut wrong = Vec::new();
    for (name, kind) in expected {
        let entry = zoo::by_name(name).unwrap();
        let got = first_failure(framing, entry);
        if got != Some(kind) {
            wrong.push(format!("{name}: expected {kind}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The same zoo under a little-endian 8-byte header, where every bug also applies.
#[test]
fn every_zoo_decoder_is_caught_under_u64le() {
    let framing: Framing = "u64le:max=70000".parse().unwrap();
    let missed: Vec<&str> = zoo::all()
        .iter()
        .filter(|e| first_failure(framing, e).is_none())
        .map(|e| e.name)
        .collect();
    assert!(missed.is_empty(), "not caught: {missed:?}");
}

/// Under a one-byte header some bugs cannot happen: a one-byte header is never split, a u16
/// never truncates it, and reserving at most 255 bytes is no memory bomb. Every other bug is
/// still caught. (With the default max of 255 no header is oversized, hence the lower max.)
#[test]
fn zoo_decoders_that_apply_to_u8_are_caught() {
    let framing: Framing = "u8:max=100".parse().unwrap();
    let not_applicable = [
        "header-assumed-whole",
        "truncated-length-field",
        "prealloc-from-header",
    ];
    let missed: Vec<&str> = zoo::all()
        .iter()
        .filter(|e| !not_applicable.contains(&e.name))
        .filter(|e| first_failure(framing, e).is_none())
        .map(|e| e.name)
        .collect();
    assert!(missed.is_empty(), "not caught: {missed:?}");
}

#[test]
fn reference_decoder_passes_every_framing() {
    let mut specs: Vec<String> = Framing::catalog().iter().map(|f| f.to_string()).collect();
    specs.extend(
        [
            "u8:max=0",
            "u8:max=3:incl",
            "u16be:max=300:incl",
            "u32le:max=65536:incl",
            "u64be:max=1:incl",
            "u32be:max=1000:noempty",
            "u8:noempty:incl",
        ]
        .map(String::from),
    );
    for spec in specs {
        let framing: Framing = spec.parse().unwrap();
        let report = Suite::new(framing)
            .random_cases(200)
            .run(move || ReferenceDecoder::new(framing));
        assert!(report.is_pass(), "{spec}:\n{report}");
        assert!(report.alloc_metering, "the memory-bomb check was off");
    }
}

/// A decoder written independently of framecheck's reference (here: the seed explainer's
/// Python loop, transliterated), for a second opinion that the suite raises no false alarm.
#[test]
fn seed_explainer_decoder_passes() {
    use framecheck::{adapter::from_fn, Rejection};
    let framing: Framing = "u32be:max=100000".parse().unwrap();
    let report = Suite::new(framing).run(|| {
        from_fn(
            Vec::<u8>::new(),
            |buffer, chunk: &[u8], frames: &mut Vec<Vec<u8>>| {
                buffer.extend_from_slice(chunk);
                loop {
                    if buffer.len() < 4 {
                        return Ok(());
                    }
                    let length = u32::from_be_bytes(buffer[..4].try_into().unwrap()) as usize;
                    if length > 100_000 {
                        return Err(Rejection::new("frame too long"));
                    }
                    if buffer.len() < 4 + length {
                        return Ok(());
                    }
                    frames.push(buffer[4..4 + length].to_vec());
                    buffer.drain(..4 + length);
                }
            },
            |buffer, _: &mut Vec<Vec<u8>>| {
                if buffer.is_empty() {
                    Ok(())
                } else {
                    Err(Rejection::new("truncated"))
                }
            },
        )
    });
    assert!(report.is_pass(), "{report}");
}

/// Every zoo decoder fails at least one bundled golden vector (the table in
/// `vectors/README.md` lists which), but those whose bug needs more frames than a vector holds
/// (classes #21 and #22: a read of 129 frames, frame #256), which the many-frames cases catch.
#[test]
fn every_zoo_decoder_fails_a_golden_vector() {
    use framecheck::vectors::{self, Profile};
    let all = vectors::bundled().unwrap();
    let mut missed = Vec::new();
    let many_frames = ["batch-limit", "counter-wrap"];
    for entry in zoo::all().iter().filter(|e| !many_frames.contains(&e.name)) {
        let report = vectors::run_with(
            &all,
            Profile::default(),
            move |framing| entry.supports(framing).then(|| entry.build(framing)),
            |s| s.shrink_runs(0).timeout(Duration::from_millis(300)),
        );
        if report.failing_vectors().is_empty() {
            missed.push(entry.name);
        }
    }
    assert!(missed.is_empty(), "no vector fails: {missed:?}");
}

/// A decoder that reserves what a `u64` header announces, even more than the address space,
/// gets a `memory-bomb` verdict instead of aborting the test process.
/// See: src/alloc.rs, "Surviving the bomb".
#[test]
fn reserving_more_than_the_address_space_is_a_verdict_not_an_abort() {
    use framecheck::{adapter::from_fn, Case, Verdict};
    let mut d = from_fn(
        Vec::<u8>::new(),
        |buf, chunk: &[u8], _: &mut Vec<Vec<u8>>| {
            buf.extend_from_slice(chunk);
            if buf.len() >= 8 {
                let len = u64::from_be_bytes(buf[..8].try_into().unwrap());
                let mut reserved = Vec::<u8>::with_capacity(len.min(isize::MAX as u64) as usize);
                reserved.extend_from_slice(&buf[8..]);
                return Err("too long".into());
            }
            Ok(())
        },
        |_, _: &mut Vec<Vec<u8>>| Ok(()),
    );
    for token in [
        "u64be:max=1000/7fffffffffffffff.61/-",
        "u64be:max=1000/0000100000000000.61/-",
    ] {
        let case = Case::from_token(token).unwrap();
        match framecheck::judge(&mut d, &case) {
            Verdict::Fail(f) => assert_eq!(f.kind, FailureKind::MemoryBomb, "{token}: {f:?}"),
            v => panic!("{token}: {v:?}"),
        }
    }
}
