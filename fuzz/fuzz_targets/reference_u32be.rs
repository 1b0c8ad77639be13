//! The reference decoder through the whole harness: any crash is a harness bug (in the oracle,
//! the schedule, the encoder or the specification).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let framing = framecheck::Framing::default().with_max_frame_len(4096);
    framecheck::fuzz::check_bytes(framing, data, framecheck::ReferenceDecoder::new(framing));
});
