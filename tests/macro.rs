//! `conformance_tests!` on a correct decoder (its tests pass) and on a buggy one (its tests,
//! marked `should_panic`, must fail: the generated tests can fail).

use framecheck::{zoo, Framing, ReferenceDecoder};

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fn reference() -> ReferenceDecoder {
    ReferenceDecoder::new("u16le:max=4096".parse::<Framing>().unwrap())
}

fn no_drain_loop() -> Box<dyn framecheck::FrameDecoder> {
    zoo::by_name("no-drain-loop")
        .unwrap()
        .build("u16le:max=4096".parse().unwrap())
}

framecheck::conformance_tests!(reference_u16le, "u16le:max=4096", reference);
framecheck::conformance_tests!(
    no_drain_loop_u16le,
    "u16le:max=4096",
    no_drain_loop,
    should_panic
);

// The same buggy decoder against a baseline that lists its two failure kinds: both tests pass
// (tests/baseline.rs checks that a failure the baseline does not list still fails).
framecheck::conformance_tests!(
    no_drain_loop_u16le_known,
    "u16le:max=4096",
    no_drain_loop,
    baseline = "tests/known/no-drain-loop.json"
);
