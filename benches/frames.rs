//! The harness's own cost per frame, on streams of a million tiny frames.
//!
//! - `judge/*`: the oracle judging a prepared case against the reference decoder, the stream
//!   in one read (`whole`) and in 4096-byte reads (`fixed-4096`), for 1M one-byte frames
//!   (`fixed:size=1`) and 1M empty frames (`u8`, a zero length byte each). Criterion's
//!   throughput line is frames per second; its inverse is the cost per frame, the decoder's
//!   included.
//! - `decoder_alone/*`: the reference decoder alone on the same reads, for the harness's share.
//! - `token/*`: reading the replay token of such a stream (`fixed:size=1/00*1000000/-`) into a
//!   case: expanding it, the specification's parse, and the stream's representation.
//!
//! Run with `cargo bench --bench frames`. The counting allocator is installed, as in the CLI,
//! so the memory-bomb metering is part of what is measured.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use framecheck::{judge, Case, FrameDecoder, ReferenceDecoder, Schedule};

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

/// Frames per stream.
const FRAMES: usize = 1_000_000;

/// The streams: a label and a token without its cuts.
const STREAMS: [(&str, &str); 2] = [
    ("one-byte", "fixed:size=1/00*1000000"),
    ("empty", "u8/00*1000000"),
];

fn case(stream: &str, schedule: &str) -> Case {
    let mut case = Case::from_token(&format!("{stream}/-")).unwrap();
    assert_eq!(case.stream.expectation().frames.len(), FRAMES);
    let len = case.stream.bytes().len();
    case.schedule = match schedule {
        "whole" => Schedule::whole(),
        _ => Schedule::fixed(4096, len),
    };
    case.schedule_name = schedule.to_string();
    case
}

fn judge_frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("judge");
    g.sample_size(10);
    g.throughput(Throughput::Elements(FRAMES as u64));
    for (label, stream) in STREAMS {
        for schedule in ["whole", "fixed-4096"] {
            let case = case(stream, schedule);
            let framing = case.stream.framing();
            g.bench_function(format!("{label}/{schedule}"), |b| {
                b.iter(|| {
                    let mut d = ReferenceDecoder::new(framing);
                    let v = judge(&mut d, &case);
                    assert!(v.is_pass(), "{v:?}");
                })
            });
        }
    }
    g.finish();
}

fn decoder_alone(c: &mut Criterion) {
    let mut g = c.benchmark_group("decoder_alone");
    g.sample_size(10);
    g.throughput(Throughput::Elements(FRAMES as u64));
    for (label, stream) in STREAMS {
        for schedule in ["whole", "fixed-4096"] {
            let case = case(stream, schedule);
            let framing = case.stream.framing();
            g.bench_function(format!("{label}/{schedule}"), |b| {
                b.iter(|| {
                    let mut d = ReferenceDecoder::new(framing);
                    let mut frames = Vec::new();
                    for chunk in case.schedule.chunks(case.stream.bytes()) {
                        d.feed(chunk, &mut frames).unwrap();
                    }
                    d.eof(&mut frames).unwrap();
                    black_box(frames.len())
                })
            });
        }
    }
    g.finish();
}

fn token(c: &mut Criterion) {
    let mut g = c.benchmark_group("token");
    g.sample_size(10);
    g.throughput(Throughput::Elements(FRAMES as u64));
    for (label, stream) in STREAMS {
        let token = format!("{stream}/-");
        g.bench_function(label, |b| {
            b.iter(|| black_box(Case::from_token(&token).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, judge_frames, decoder_alone, token);
criterion_main!(benches);
