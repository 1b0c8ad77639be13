//! The baseline to beat: a plain raw-bytes fuzz target for a zoo decoder, without the
//! harness. It feeds the fuzzer's bytes in one read, then EOF, and checks nothing: only a
//! panic, an abort, a timeout or an allocation over libFuzzer's `-rss_limit_mb` is found.
//! `fuzz/zoo-table.sh` compares it with `zoo`, which runs the same decoder through
//! `framecheck::fuzz::check_bytes`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = std::env::var("FRAMECHECK_ZOO").unwrap_or_else(|_| "no-drain-loop".into());
    let entry = framecheck::zoo::by_name(&name).expect("FRAMECHECK_ZOO names a zoo decoder");
    let framing = framecheck::Framing::default().with_max_frame_len(4096);
    let mut decoder = entry.build(framing);
    let mut frames = Vec::new();
    if !data.is_empty() && decoder.feed(data, &mut frames).is_ok() {
        let _ = decoder.eof(&mut frames);
    }
});
