//! A zoo decoder through the harness, named by `FRAMECHECK_ZOO` (default `no-drain-loop`):
//! how fast fuzzing finds each bug class (see the README's Fuzzing section).
#![no_main]
use libfuzzer_sys::fuzz_target;

// The memory-bomb check: without it, a decoder that reserves what a hostile header announces
// goes unseen (libFuzzer's -malloc_limit_mb needs a sanitizer build).
#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let name = std::env::var("FRAMECHECK_ZOO").unwrap_or_else(|_| "no-drain-loop".into());
    let entry = framecheck::zoo::by_name(&name).expect("FRAMECHECK_ZOO names a zoo decoder");
    let framing = framecheck::Framing::default().with_max_frame_len(4096);
    framecheck::fuzz::check_bytes(framing, data, entry.build(framing));
});
