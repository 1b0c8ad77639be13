//! Structured fuzzing (`arbitrary`): every built-in framing, length-field layouts and the
//! user-defined `cbor-seq`, messages, reads and a mutation, against the reference decoder (or,
//! for `cbor-seq`, `fuzz::CborSeqDecoder`). Any crash is a harness bug.
#![no_main]
use libfuzzer_sys::fuzz_target;

// The memory-bomb check: without it, a decoder that reserves what a hostile header announces
// goes unseen (libFuzzer's -malloc_limit_mb needs a sanitizer build).
#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fuzz_target!(|case: framecheck::fuzz::FuzzCase| {
    framecheck::fuzz::check_fuzz_case(&case, case.reference_decoder());
});
