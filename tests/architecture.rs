//! The layering of the library, checked: the top-level modules of `src/` import each other
//! without a cycle, and no source file grows past what one concept needs.
//!
//! An import is a `crate::MODULE` path anywhere in a module's files, doc links included (only
//! `#[cfg(test)] mod tests` blocks, which may reach anywhere, do not count). A cycle means two parts of the
//! architecture cannot be understood, or replaced, one without the other: move the shared
//! piece down instead (as `bundled::Entry` sits below both the registry and the adapters).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    for entry in fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The text of a source file that counts: all of it but its unit-test module. Doc links count
/// too: a lower module's doc that links to a higher one ties the two together as much as an
/// import does, and a reader follows it the same way.
fn code_of(text: &str) -> String {
    text.split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(text)
        .to_string()
}

/// The top-level modules `code` names as `crate::NAME`.
fn imports(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let name: String = code[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if modules.contains(&name) {
            out.insert(name);
        }
    }
    out
}

/// The import graph of the library's top-level modules.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeSet::new();
    for entry in fs::read_dir(src).expect("src/ is readable") {
        let path = entry.expect("readable entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if path.is_dir() || (path.extension().is_some_and(|e| e == "rs") && stem != "lib") {
            modules.insert(stem.to_string());
        }
    }
    let mut edges = BTreeMap::new();
    for m in &modules {
        let mut files = rust_files(&src.join(m));
        let file = src.join(format!("{m}.rs"));
        if file.is_file() {
            files.push(file);
        }
        let mut to = BTreeSet::new();
        for f in files {
            let text = fs::read_to_string(&f).expect("readable source");
            to.extend(imports(&code_of(&text), &modules));
        }
        to.remove(m);
        edges.insert(m.clone(), to);
    }
    edges
}

/// A cycle in `edges`, as the modules along it, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    // Depth-first search; `path` is the current chain, `done` the modules fully explored.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|m| visit(m, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_module_graph_has_no_cycle() {
    let edges = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(edges.len() > 10, "too few modules found: {edges:?}");
    // The bottom of the stack imports nothing above it but the stream kinds it mints.
    let framing = &edges["framing"];
    assert!(
        framing.iter().all(|m| m == "error" || m == "kind"),
        "{framing:?}"
    );
    if let Some(cycle) = find_cycle(&edges) {
        panic!("an import cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let edge = |a: &str, b: &[&str]| (a.to_string(), b.iter().map(|s| s.to_string()).collect());
    let acyclic: BTreeMap<String, BTreeSet<String>> =
        [edge("a", &["b", "c"]), edge("b", &["c"]), edge("c", &[])].into();
    assert_eq!(find_cycle(&acyclic), None);
    let cyclic: BTreeMap<String, BTreeSet<String>> =
        [edge("a", &["b"]), edge("b", &["c"]), edge("c", &["a"])].into();
    assert_eq!(
        find_cycle(&cyclic).map(|c| c.join(" -> ")),
        Some("a -> b -> c -> a".to_string())
    );
}

#[test]
fn doc_links_count_and_unit_tests_do_not() {
    let modules: BTreeSet<String> = ["suite", "report", "runner"].map(String::from).into();
    let text = "use crate::report::Report;\n/// See [`crate::suite`].\n\
                #[cfg(test)]\nmod tests {\n    use crate::runner::Runner;\n}\n";
    assert_eq!(
        imports(&code_of(text), &modules),
        ["report".to_string(), "suite".to_string()].into()
    );
}

/// One concept per file: a file past this many lines is asking to be split.
const MOST_LINES: usize = 700;

#[test]
fn no_source_file_is_over_700_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = rust_files(&root.join("src"));
    files.extend(rust_files(&root.join("cli").join("src")));
    assert!(files.len() > 20, "too few files found");
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f)
                .expect("readable source")
                .lines()
                .count();
            (n > MOST_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MOST_LINES} lines: {long:?}");
}

/// The module names of `lib.rs`'s architecture table, in order.
fn table_order(lib: &str) -> Vec<String> {
    let start = lib
        .find("//! # Architecture")
        .expect("lib.rs has an architecture table");
    lib[start..]
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .filter_map(|l| {
            // The first cell's name, between backticks: `` `exec` `` or ``[`oracle`]``.
            let cell = l.strip_prefix("//! | ")?.split(" |").next()?;
            let name = cell.split('`').nth(1)?;
            Some(name.to_string())
        })
        .collect()
}

#[test]
fn the_architecture_table_lists_every_module_below_what_it_imports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let edges = graph(&root.join("src"));
    let lib = fs::read_to_string(root.join("src/lib.rs")).expect("readable lib.rs");
    let order = table_order(&lib);
    let listed: BTreeSet<&String> = order.iter().collect();
    let missing: Vec<&String> = edges
        .keys()
        .filter(|m| !listed.contains(m) && *m != "error")
        .collect();
    assert!(missing.is_empty(), "not in lib.rs's table: {missing:?}");
    for (i, m) in order.iter().enumerate() {
        for dep in edges.get(m).into_iter().flatten() {
            let at = order.iter().position(|o| o == dep);
            assert!(
                dep == "error" || at.is_some_and(|j| j < i),
                "lib.rs's table lists {m} above {dep}, which it imports"
            );
        }
    }
}
