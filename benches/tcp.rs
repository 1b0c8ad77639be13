//! Speed over loopback: cases per second of `framecheck tcp` against the Rust example server
//! (`examples/tcp_echo_server.rs`, tokio-util's `LengthDelimitedCodec`), over 1, 4 and 16
//! connections at once.
//!
//! The server runs in this process on a tokio runtime of its own, listening on 127.0.0.1; the
//! harness reaches it through a real socket as `--connect` does. Each iteration runs the same
//! 600 cases of the u32be suite (its message sets and adversarial streams under the schedule
//! catalog). Run with `cargo bench --bench tcp`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use framecheck::runner::Runner;
use framecheck::tcp::{self, Target, Wire, WireStats};
use framecheck::{Framing, Suite};

#[path = "../examples/tcp_echo_server.rs"]
#[allow(dead_code)]
mod server;

fn cases_per_second(c: &mut Criterion) {
    let max = 1 << 20;
    let framing: Framing = format!("u32be:max={max}").parse().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(server::serve(listener, max));
    let target = Arc::new(Target::Connect(addr));
    let cases: Vec<_> = Suite::new(framing)
        .random_cases(0)
        .bulk(false)
        .vectors(false)
        .cases()
        .into_iter()
        .filter(|c| c.stream.bytes().len() < 70_000)
        .take(600)
        .collect();
    let mut g = c.benchmark_group("tcp");
    g.sample_size(10);
    g.throughput(Throughput::Elements(cases.len() as u64));
    for connections in [1, 4, 16] {
        g.bench_function(
            format!("rust_tokio_server/{connections}_connections"),
            |b| {
                b.iter(|| {
                    let report = tcp::run(
                        target.clone(),
                        framing,
                        cases.clone(),
                        Wire::default(),
                        connections,
                        &Runner::new().shrink_runs(0),
                        Arc::new(WireStats::default()),
                    );
                    assert!(report.is_pass(), "{report}");
                })
            },
        );
    }
    g.finish();
    drop(rt);
}

criterion_group!(benches, cases_per_second);
criterion_main!(benches);
