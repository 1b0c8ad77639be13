//! The reference decoder of every `lines` policy through the harness: the first two bytes pick
//! `eof=emit`, `resync`, `text`, `crlf` and a small maximum
//! (`framecheck::fuzz::lines_framing_from_bytes`), the rest is the case (`check_bytes`). Any
//! crash is a harness bug: in the oracle's recovery after errors, the specification of lines,
//! or the reference decoder.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let (framing, rest) = framecheck::fuzz::lines_framing_from_bytes(data);
    framecheck::fuzz::check_bytes(framing, rest, framecheck::ReferenceDecoder::new(framing));
});
