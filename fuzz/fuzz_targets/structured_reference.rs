//! Structured fuzzing (`arbitrary`): every built-in framing, messages, reads and a mutation,
//! against the reference decoder. Any crash is a harness bug.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: framecheck::fuzz::FuzzCase| {
    framecheck::fuzz::check_fuzz_case(&case, framecheck::ReferenceDecoder::new(case.framing()));
});
