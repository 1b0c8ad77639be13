//! The reference decoder through the whole harness: any crash is a harness bug (in the oracle,
//! the schedule, the encoder or the specification).
#![no_main]
use libfuzzer_sys::fuzz_target;

// The memory-bomb check: without it, a decoder that reserves what a hostile header announces
// goes unseen (libFuzzer's -malloc_limit_mb needs a sanitizer build).
#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let framing = framecheck::Framing::default().with_max_frame_len(4096);
    framecheck::fuzz::check_bytes(framing, data, framecheck::ReferenceDecoder::new(framing));
});
