//! `framecheck run --exec` on length-field layouts and protocol presets: the example
//! length-field adapter (`examples/python/length_field.py`) passes the default suite under a
//! preset, and the same adapter configured with each preset's classic mistake is caught.

use predicates::prelude::*;

mod common;
use common::framecheck;

fn run(framing: &str, exec: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut args = vec!["run", "--framing", framing, "--exec", exec, "--cases", "50"];
    args.extend_from_slice(extra);
    framecheck().args(&args).assert()
}

#[test]
fn the_length_field_example_passes_the_dns_preset() {
    run("dns", "python3 examples/python/length_field.py dns", &[])
        .code(0)
        .stdout(predicate::str::contains("framecheck dns:max=65535"))
        .stdout(predicate::str::contains(" 0 failed"));
}

#[test]
fn the_length_field_example_passes_a_layout_with_a_trailer_and_offset() {
    run("amqp", "python3 examples/python/length_field.py amqp", &[])
        .code(0)
        .stdout(predicate::str::contains(" 0 failed"));
}

/// A PostgreSQL decoder that forgets that the length counts its own four bytes waits for four
/// bytes that never come: the frame is stuck.
#[test]
fn a_postgres_decoder_that_forgets_the_length_counts_itself_is_caught() {
    let exec = "python3 examples/python/length_field.py postgres adjust=0";
    run("postgres", exec, &["--fail-fast"])
        .code(1)
        .stdout(predicate::str::contains("FAIL "))
        .stdout(predicate::str::contains("Reproduce with:"));
}

/// An HTTP/2 decoder that leaves out the 6 header bytes after the length cuts every frame
/// short.
#[test]
fn an_http2_decoder_that_forgets_the_frame_header_is_caught() {
    let exec = "python3 examples/python/length_field.py http2 adjust=0";
    run("http2", exec, &["--fail-fast"])
        .code(1)
        .stdout(predicate::str::contains("FAIL "));
}
