//! Files that the README shows verbatim are the ones the tests compile and run: what a reader
//! copies is what is tested.

/// The README shows `tests/readme_example.rs` verbatim, so its example is compiled and run.
#[test]
fn readme_shows_the_example_test_verbatim() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/readme_example.rs"
    ))
    .unwrap();
    assert!(
        readme.contains(&example),
        "README.md and tests/readme_example.rs differ"
    );
}

/// The README shows the user fuzz target `fuzz/fuzz_targets/readme_example.rs` verbatim; `.ci/run`
/// builds it with cargo-fuzz and checks that it finds its planted bug.
#[test]
fn readme_shows_the_example_fuzz_target_verbatim() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let target = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/fuzz_targets/readme_example.rs"
    ))
    .unwrap();
    assert!(
        readme.contains(&target),
        "README.md and fuzz/fuzz_targets/readme_example.rs differ"
    );
}

/// The README shows the Python example adapter verbatim, so what a reader copies is what the
/// tests run.
#[test]
fn readme_shows_the_python_adapter_verbatim() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let adapter = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/python/length_prefix.py"
    ))
    .unwrap();
    assert!(
        readme.contains(&adapter),
        "README.md and examples/python/length_prefix.py differ"
    );
}
