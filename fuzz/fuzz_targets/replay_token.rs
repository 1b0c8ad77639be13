//! The replay-token parser must never panic, whatever it is given.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = framecheck::Case::from_token(text);
    }
});
