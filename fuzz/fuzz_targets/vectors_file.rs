//! The golden-vector file loader must never panic, whatever it is given: every input is an
//! error that names the file, the vector and the field, or a loaded file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = framecheck::vectors::load_str("fuzz.json", text, &mut Default::default());
    }
});
