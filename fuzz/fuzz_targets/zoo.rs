//! A zoo decoder through the harness, named by `FRAMECHECK_ZOO` (default `no-drain-loop`):
//! how fast fuzzing finds each bug class (see the README's Fuzzing section).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = std::env::var("FRAMECHECK_ZOO").unwrap_or_else(|_| "no-drain-loop".into());
    let entry = framecheck::zoo::by_name(&name).expect("FRAMECHECK_ZOO names a zoo decoder");
    let framing = framecheck::Framing::default().with_max_frame_len(4096);
    framecheck::fuzz::check_bytes(framing, data, entry.build(framing));
});
