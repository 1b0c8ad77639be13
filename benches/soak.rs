//! Soak throughput in process: `framecheck::soak` against the reference decoder.
//!
//! - `soak/mixed_16MiB`: 16 MiB of mixed messages (empty, 1-byte, up to 1 MiB) in u32be;
//!   criterion's throughput line is bytes per second.
//! - `soak/empty_1M_frames`: a million empty u8 frames (the way a soak reaches 2^32 frames);
//!   the throughput line is frames per second.
//! - `decoder_alone/*`: the same streams, pre-generated, fed to the reference decoder with the
//!   same cuts and nothing checked: the difference is what the soak loop itself costs.
//!
//! Run with `cargo bench --bench soak`. The counting allocator is installed, as in the CLI.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use framecheck::soak::{Cuts, Factory, Generator, Limit, Sizes, Soak, DEFAULT_MAX_READ};
use framecheck::{FrameDecoder, Framing, ReferenceDecoder};

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fn reference(framing: Framing) -> Factory {
    Arc::new(move || Box::new(ReferenceDecoder::new(framing)) as Box<dyn FrameDecoder>)
}

/// The stream of a soak of `frames` frames, and its reads.
fn pregenerated(framing: Framing, sizes: Sizes, frames: u64) -> (Vec<u8>, Vec<usize>) {
    let g = Generator::new(framing, 1, sizes).unwrap();
    let mut messages = Vec::new();
    let mut m = Vec::new();
    for i in 0..frames {
        g.message(i, &mut m);
        messages.push(m.clone());
    }
    let bytes = framing.encode(&messages).unwrap().bytes;
    let cuts = Cuts::new(1, DEFAULT_MAX_READ);
    let (mut at, mut reads) = (0, Vec::new());
    let mut r = 0;
    while at < bytes.len() {
        let n = cuts.len_of(r).min(bytes.len() - at);
        reads.push(n);
        at += n;
        r += 1;
    }
    (bytes, reads)
}

fn soak(c: &mut Criterion) {
    let mut g = c.benchmark_group("soak");
    g.sample_size(10);
    let u32be: Framing = "u32be".parse().unwrap();
    let u8f: Framing = "u8".parse().unwrap();
    g.throughput(Throughput::Bytes(16 << 20));
    g.bench_function("mixed_16MiB", |b| {
        let s = Soak::new(u32be, Limit::Bytes(16 << 20)).seed(1);
        let f = reference(u32be);
        b.iter(|| assert!(s.run(&f).unwrap().is_pass()));
    });
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function("empty_1M_frames", |b| {
        let s = Soak::new(u8f, Limit::Frames(1_000_000))
            .seed(1)
            .sizes(Sizes::Empty);
        let f = reference(u8f);
        b.iter(|| assert!(s.run(&f).unwrap().is_pass()));
    });
    g.finish();

    let mut g = c.benchmark_group("decoder_alone");
    g.sample_size(10);
    let (bytes, reads) = pregenerated(u32be, Sizes::Mixed, 3000);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(format!("mixed_{}_bytes", bytes.len()), |b| {
        b.iter(|| feed(u32be, &bytes, &reads));
    });
    let (bytes, reads) = pregenerated(u8f, Sizes::Empty, 1_000_000);
    g.throughput(Throughput::Elements(1_000_000));
    g.bench_function("empty_1M_frames", |b| {
        b.iter(|| feed(u8f, &bytes, &reads));
    });
    g.finish();
}

fn feed(framing: Framing, bytes: &[u8], reads: &[usize]) {
    let mut d = ReferenceDecoder::new(framing);
    let mut out = Vec::new();
    let mut at = 0;
    for &n in reads {
        d.feed(&bytes[at..at + n], &mut out).unwrap();
        black_box(&out);
        out.clear();
        at += n;
    }
    d.eof(&mut out).unwrap();
}

criterion_group!(benches, soak);
criterion_main!(benches);
