//! Speed of the harness.
//!
//! - `default_suite/*`: the whole default suite against the reference decoder, for every
//!   built-in framing and every protocol preset (`Framing::presets`); criterion's throughput
//!   line is cases per second.
//! - `whole_stream/*`: one 1 MiB stream of 1000 frames cut into 1 KiB reads, decoded by the
//!   reference decoder alone (`decoder_alone`) and checked by the oracle (`checked`); the ratio
//!   of the two is the harness's overhead per byte.
//!
//! Run with `cargo bench --bench suite`. The counting allocator is installed, as in the CLI,
//! so the memory-bomb metering is part of what is measured.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use framecheck::{judge, Case, FrameDecoder, Framing, ReferenceDecoder, Schedule, Stream, Suite};

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fn default_suite(c: &mut Criterion) {
    let mut g = c.benchmark_group("default_suite");
    g.sample_size(10);
    for framing in Framing::catalog().into_iter().chain(Framing::presets()) {
        let spec = framing.to_string();
        let spec = spec.as_str();
        let suite = Suite::new(framing);
        let cases = suite.cases().len() as u64;
        g.throughput(Throughput::Elements(cases));
        g.bench_function(spec, |b| {
            b.iter(|| {
                let report = suite.run(move || ReferenceDecoder::new(framing));
                assert!(report.is_pass());
                black_box(report.total)
            })
        });
    }
    g.finish();
}

fn whole_stream(c: &mut Criterion) {
    let framing: Framing = "u32be:max=65536".parse().unwrap();
    let messages: Vec<Vec<u8>> = (0..1000)
        .map(|i| vec![(i % 251) as u8; 1 + (i * 37) % 2048])
        .collect();
    let stream = Arc::new(Stream::from_messages(framing, "bench", messages).unwrap());
    let len = stream.bytes().len();
    let case = Case::new(stream.clone(), "fixed-1024", Schedule::fixed(1024, len));
    let mut g = c.benchmark_group("whole_stream");
    g.throughput(Throughput::Bytes(len as u64));
    g.bench_function("decoder_alone", |b| {
        b.iter(|| {
            let mut d = ReferenceDecoder::new(framing);
            let mut frames = Vec::new();
            for chunk in case.schedule.chunks(stream.bytes()) {
                d.feed(chunk, &mut frames).unwrap();
            }
            d.eof(&mut frames).unwrap();
            black_box(frames.len())
        })
    });
    g.bench_function("checked", |b| {
        b.iter(|| {
            let mut d = ReferenceDecoder::new(framing);
            assert!(judge(&mut d, &case).is_pass());
        })
    });
    g.finish();
}

criterion_group!(benches, default_suite, whole_stream);
criterion_main!(benches);
