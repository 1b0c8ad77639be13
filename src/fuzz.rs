//! Fuzzing entry points: a fuzzer's raw bytes become a case, which the oracle checks.
//!
//! A cargo-fuzz target for your decoder is three lines around one call (see
//! `fuzz/fuzz_targets/`): `#![no_main]`, `fuzz_target!(|data: &[u8]| { ... })`, and inside it
//!
//! ```
//! # use framecheck::{Framing, ReferenceDecoder as MyDecoder};
//! # let data: &[u8] = &[3, 3, b'a', b'b', b'c', 2, b'h', b'i', 4, b'p', b'i', b'n', b'g'];
//! let framing: Framing = "u32be:max=65536".parse().unwrap();
//! framecheck::fuzz::check_bytes(framing, data, MyDecoder::new(framing));
//! ```
//!
//! # How bytes become a case
//! Every input is a valid case, so the fuzzer never wastes time on rejected inputs:
//!
//! ```text
//! byte 0          number of messages, mod 8
//! per message     one length byte (0..=255, capped at the max), then that many payload bytes
//!                 (zeros once the input runs out)
//! next byte       the tail, mod 4: 0 none; 1 a truncated frame (length byte, cut byte);
//!                 2 a hostile header (selector byte: max+1, field max, top bit, 2^32, 2^16,
//!                 max); 3 raw bytes (count byte mod 8, then the bytes)
//! the rest        the schedule: each byte advances the next cut by 1 + byte mod 32
//! ```
//!
//! The same function serves `cargo test`, which replays every file under `corpus/` on stable.

use std::sync::Arc;

use crate::adapter::FrameDecoder;
use crate::case::{Case, Stream};
use crate::framing::Framing;
use crate::oracle::{check, Verdict};
use crate::report::render_case;
use crate::schedule::Schedule;

struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = self.data.get(self.pos).copied();
        self.pos += 1;
        b
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte().unwrap_or(0)).collect()
    }
}

/// The case that `data` describes (see the module docs), for `framing`.
pub fn case_from_bytes(framing: Framing, data: &[u8]) -> Case {
    let mut input = Input { data, pos: 0 };
    let max = framing.max_frame_len();
    let count = input.byte().unwrap_or(0) % 8;
    let messages: Vec<Vec<u8>> = (0..count)
        .map(|_| {
            let len = (input.byte().unwrap_or(0) as u64).min(max) as usize;
            input.bytes(len)
        })
        .collect();
    let tail = match input.byte().map(|b| b % 4) {
        Some(1) => {
            let len = (input.byte().unwrap_or(0) as u64).min(max) as usize;
            let full = framing
                .encode(&[vec![0x5a; len]])
                .map(|e| e.bytes)
                .unwrap_or_default();
            let cut = input.byte().unwrap_or(0) as usize % full.len().max(1);
            full[..cut].to_vec()
        }
        Some(2) => {
            let field = match input.byte().unwrap_or(0) % 6 {
                0 => max.saturating_add(1),
                1 => framing.field_max(),
                2 => 1 << (framing.field_max().count_ones() - 1),
                3 => 1 << 32,
                4 => 1 << 16,
                _ => max,
            };
            let mut t = framing.header_for_field(field).unwrap_or_default();
            t.extend(b"xyz");
            t
        }
        Some(3) => {
            let n = (input.byte().unwrap_or(0) % 8) as usize;
            input.bytes(n)
        }
        _ => Vec::new(),
    };
    let stream = Stream::with_tail(framing, "fuzz", messages, tail)
        .expect("message lengths are capped at the max");
    let len = stream.bytes().len();
    let mut cuts = Vec::new();
    let mut at = 0;
    while let Some(b) = input.byte() {
        at += 1 + (b % 32) as usize;
        if at >= len {
            break;
        }
        cuts.push(at);
    }
    Case::new(Arc::new(stream), "fuzz", Schedule::from_cuts(cuts, len))
}

/// Checks the case that `data` describes against `decoder`, and panics with the readable
/// report (reads, calls, replay token) if it fails: the body of a fuzz target.
///
/// There is no hang watchdog here; libFuzzer's `-timeout` plays that part.
pub fn check_bytes<D: FrameDecoder>(framing: Framing, data: &[u8], mut decoder: D) {
    let case = case_from_bytes(framing, data);
    if let Verdict::Fail(f) = check(&mut decoder, &case) {
        panic!(
            "FAIL {}: {}\n{}  Reproduce with: framecheck::replay(&mut decoder, \"{}\")",
            f.kind,
            f.detail,
            render_case(&case, &f.transcript.calls),
            case.token()
        );
    }
}

/// Runs `inputs` random fuzz inputs (from `seed`) through [`check_bytes`] against decoders
/// from `factory`: a fuzzing smoke test that runs on stable in a plain `cargo test`.
pub fn smoke<D: FrameDecoder>(framing: Framing, inputs: usize, seed: u64, factory: impl Fn() -> D) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..inputs {
        let n = rng.random_range(0..256);
        let data: Vec<u8> = (0..n).map(|_| rng.random()).collect();
        check_bytes(framing, &data, factory());
    }
}

/// Generates a module of `#[test]`s that holds a decoder to the whole contract: the default
/// suite (golden vectors that apply, messages × schedules, adversarial streams, random
/// cases) and a fuzzing smoke test of 2,000 random inputs.
///
/// ```ignore
/// framecheck::conformance_tests!(my_decoder, "u16le:max=4096", MyDecoder::default);
/// ```
///
/// expands to `mod my_decoder { #[test] fn default_suite() …  #[test] fn fuzz_smoke() … }`
/// (see `tests/macro.rs`, which uses it on the reference decoder and on a buggy one). A
/// fourth argument, `should_panic`, marks a decoder known to fail.
#[macro_export]
macro_rules! conformance_tests {
    ($name:ident, $framing:expr, $factory:expr) => {
        $crate::conformance_tests!(@module $name, $framing, $factory, );
    };
    // For a decoder known to fail (a regression test of a known bug): each test must panic.
    ($name:ident, $framing:expr, $factory:expr, should_panic) => {
        $crate::conformance_tests!(@module $name, $framing, $factory, #[should_panic]);
    };
    (@module $name:ident, $framing:expr, $factory:expr, $(#[$attr:meta])?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn framing() -> $crate::Framing {
                $framing.parse().expect("a framing spec such as \"u32be:max=1024\"")
            }

            #[test]
            $(#[$attr])?
            fn default_suite() {
                $crate::Suite::new(framing()).check($factory);
            }

            #[test]
            $(#[$attr])?
            fn fuzz_smoke() {
                $crate::fuzz::smoke(framing(), 2000, 0x5eed, $factory);
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::catch_quietly;
    use crate::zoo;
    use crate::ReferenceDecoder;
    use rand::{Rng, SeedableRng};

    #[test]
    fn the_worked_example_decodes_from_bytes() {
        let framing: Framing = "u8".parse().unwrap();
        let data = [
            3, 3, b'a', b'b', b'c', 2, b'h', b'i', 4, b'p', b'i', b'n', b'g', 0, 2, 2, 3,
        ];
        let case = case_from_bytes(framing, &data);
        assert_eq!(case.stream.messages(), [&b"abc"[..], b"hi", b"ping"]);
        assert_eq!(case.schedule.cuts(), [3, 6, 10]);
    }

    #[test]
    fn every_input_is_a_case_the_reference_passes() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for framing in ["u8", "u16le:max=300:incl", "u32be:max=100", "u64be"] {
            let framing: Framing = framing.parse().unwrap();
            for _ in 0..2000 {
                let n = rng.random_range(0..200);
                let data: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                check_bytes(framing, &data, ReferenceDecoder::new(framing));
            }
        }
    }

    /// Random bytes through `check_bytes` find every zoo decoder but the hanging one (a hang
    /// is libFuzzer's timeout, not ours).
    #[test]
    fn random_bytes_find_the_zoo() {
        let framing: Framing = "u32be:max=300".parse().unwrap();
        let mut missed = Vec::new();
        for entry in zoo::all()
            .iter()
            .filter(|e| e.name != "hang-on-empty-frame")
        {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
            let found = (0..5000).any(|_| {
                let n = rng.random_range(0..64);
                let data: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                catch_quietly(|| check_bytes(framing, &data, entry.build(framing))).is_err()
            });
            if !found {
                missed.push(entry.name);
            }
        }
        assert!(
            missed.is_empty(),
            "random fuzz input never found: {missed:?}"
        );
    }
}
