//! The bundled adapter for unsigned-varint 0.8 (UviBytes, by decode loop and FramedRead) through
//! the harness: the first byte picks a decoder and one of its matrix framings, the rest is the case
//! (`framecheck::fuzz::check_bundled`). Known findings come back at once;
//! `FRAMECHECK_FUZZ_ALLOW=<[decoder-id:]kind,...>` (or `=@FILE`, a baseline file such as
//! `fuzz/known-findings.json`) fuzzes past them.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fuzz_target!(|data: &[u8]| framecheck::fuzz::check_bundled("unsigned-varint08", data));
