//! What the CI outputs cost on a failing run: `--html` (the page, every minimal case drawn) and
//! `--save-failures` (each failure kind's minimal case written as a golden vector and a fuzz
//! corpus input), against the same run without them.
//!
//! The run is the default suite of one framing (u32be, 10,205 cases) against the zoo's
//! `no-drain-loop` decoder, which fails two ways; each output is measured on its report, as
//! the command line makes it after the run. Run with `cargo bench --bench outputs`.

use criterion::{criterion_group, criterion_main, Criterion};
use framecheck::{zoo, Framing, Report, Suite};

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

fn failing_run() -> Report {
    let framing = Framing::default();
    let decoder = zoo::by_name("no-drain-loop").expect("in the zoo");
    Suite::new(framing).run(move || decoder.build(framing))
}

fn outputs(c: &mut Criterion) {
    let report = failing_run();
    assert!(
        !report.is_pass(),
        "the run must fail for the outputs to have work"
    );
    let dir = std::env::temp_dir().join(format!("framecheck-bench-{}", std::process::id()));
    let reports = std::slice::from_ref(&report);
    let mut g = c.benchmark_group("outputs");
    g.sample_size(10);
    g.bench_function("failing default run (u32be, no-drain-loop)", |b| {
        b.iter(failing_run)
    });
    g.bench_function("--html on its report", |b| {
        b.iter(|| framecheck::report::to_html("framecheck run", reports))
    });
    g.bench_function("--save-failures on its report", |b| {
        b.iter(|| {
            // A fresh folder each time: saving into one that holds the files already is a
            // no-op by design (same content, same name).
            let _ = std::fs::remove_dir_all(&dir);
            framecheck::regress::save_failures(&dir, reports, Some("zoo:no-drain-loop"))
                .expect("writable temporary folder")
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, outputs);
criterion_main!(benches);
