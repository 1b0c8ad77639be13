//! Speed of the exec protocol: round trips per second against the Python example adapter
//! (`examples/python/length_prefix.py`), one process kept alive across cases.
//!
//! Each iteration is one case: `BEGIN` + `CHUNK` (pipelined), then `EOF`, so two round trips.
//! Run with `cargo bench --bench exec` (needs python3).

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use framecheck::exec::ExecProgram;
use framecheck::{judge, Case, Framing, Schedule, Stream};

fn round_trips(c: &mut Criterion) {
    let framing: Framing = "u32be:max=1048576".parse().unwrap();
    let cmd = concat!(
        "python3 ",
        env!("CARGO_MANIFEST_DIR"),
        "/examples/python/length_prefix.py u32be 1048576"
    );
    let program = Arc::new(ExecProgram::new(cmd, framing, Duration::from_secs(5)));
    program
        .preflight()
        .expect("python3 and the example adapter");
    let msgs = vec![b"abc".to_vec(), b"hi".to_vec(), b"ping".to_vec()];
    let stream = Arc::new(Stream::from_messages(framing, "worked-example", msgs).unwrap());
    let case = Case::new(stream, "whole", Schedule::whole());
    let mut g = c.benchmark_group("exec");
    g.throughput(Throughput::Elements(2));
    g.bench_function("python_round_trip", |b| {
        b.iter(|| assert!(judge(&mut program.decoder(), &case).is_pass()))
    });
    g.finish();
}

criterion_group!(benches, round_trips);
criterion_main!(benches);
