//! The exec protocol's answer parser must never panic, whatever a program under test prints:
//! every line is `DONE`, a frame, an error, or a protocol error that quotes it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = framecheck::exec::parse_answer(data);
});
