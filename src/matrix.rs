//! The conformance matrix: every bundled decoder × framing, by group of cases.
//!
//! The rows are the decoders of [`registry::matrix`] (the reference and every adapter compiled
//! in), in the registry's order, each under every framing of [`framings`] that it can be
//! configured for.
//!
//! Each row runs the default suite (golden vectors, messages × schedules, adversarial streams,
//! random cases) for one decoder and framing; each column is a group of those cases, named
//! after what its streams test. A cell is `pass`, or the verdict kinds that failed there with
//! their counts; a decoder that cannot be configured for a framing has no row for it.
//!
//! No case is excluded or tuned per decoder: every row runs the same suite for its framing,
//! and every failure comes with its minimal case.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::framing::Framing;
use crate::oracle::FailureKind;
use crate::registry;
use crate::suite::{Report, Status, Suite};

/// The column a stream's cases fall in, from the stream's name.
pub fn group_of(stream: &str) -> &'static str {
    let hostile = [
        "len=max+1",
        "field=",
        "overflow-",
        "top-bit",
        "incl-below",
        "varint-",
        "netstring-",
        "overlong-",
    ];
    if stream.starts_with("vector:") {
        "golden vectors"
    } else if stream.starts_with("trunc@") || stream == "varint-truncated" {
        "truncation at EOF"
    } else if hostile.iter().any(|p| stream.starts_with(p)) {
        "hostile headers"
    } else if stream.starts_with("len=") || stream.starts_with("empty-x") {
        "length edges"
    } else if stream.starts_with("random#") {
        "random"
    } else {
        "messages × schedules"
    }
}

/// The columns, in order.
pub const GROUPS: [&str; 6] = [
    "golden vectors",
    "messages × schedules",
    "length edges",
    "hostile headers",
    "truncation at EOF",
    "random",
];

/// The framings the matrix covers (they live with the decoders they are chosen for).
pub use crate::registry::framings;

/// Transitional, for `main.rs` until the command line reads the [registry](crate::registry):
/// a matrix decoder as the registry's [`Entry`](registry::Entry) used to be spelled here.
#[doc(hidden)]
#[derive(Clone)]
pub struct MatrixDecoder {
    /// [`Entry::id`](registry::Entry::id).
    pub id: &'static str,
    /// [`Entry::name`](registry::Entry::name).
    pub name: &'static str,
    /// [`Entry::build`](registry::Entry::build).
    pub build: std::sync::Arc<registry::Build>,
}

/// Transitional, as [`MatrixDecoder`]: [`registry::matrix`], converted.
#[doc(hidden)]
pub fn bundled_decoders() -> Vec<MatrixDecoder> {
    registry::matrix()
        .map(|e| MatrixDecoder {
            id: e.id(),
            name: e.name(),
            build: std::sync::Arc::new(|f| e.build(f)),
        })
        .collect()
}

/// One row: a decoder under one framing.
pub struct Row {
    /// The decoder's name.
    pub decoder: &'static str,
    /// The framing.
    pub framing: Framing,
    /// Per column: cases run, and failures by kind.
    pub cells: BTreeMap<&'static str, (usize, BTreeMap<FailureKind, usize>)>,
    /// The suite report, with the minimal case of each failure kind.
    pub report: Report,
}

/// Runs the matrix; `configure` adjusts each suite (seed, reproduce line).
pub fn run(configure: impl Fn(Suite, &str) -> Suite) -> Vec<Row> {
    let mut rows = Vec::new();
    for d in registry::matrix() {
        for framing in framings() {
            if !d.supports(framing) {
                continue;
            }
            let suite = configure(Suite::new(framing), d.name());
            let report = suite.run(move || d.build(framing).expect("supported a moment ago"));
            let mut cells: BTreeMap<&'static str, (usize, BTreeMap<FailureKind, usize>)> =
                BTreeMap::new();
            for c in &report.results {
                let cell = cells.entry(group_of(&c.stream)).or_default();
                cell.0 += 1;
                if let Status::Fail(k) = c.status {
                    *cell.1.entry(k).or_default() += 1;
                }
            }
            rows.push(Row {
                decoder: d.name(),
                framing,
                cells,
                report,
            });
        }
    }
    rows
}

fn cell_text(cell: Option<&(usize, BTreeMap<FailureKind, usize>)>) -> String {
    match cell {
        None => "-".to_string(),
        Some((n, fails)) if fails.is_empty() => format!("pass ({n})"),
        Some((n, fails)) => {
            let kinds: Vec<String> = fails.iter().map(|(k, c)| format!("{k} {c}/{n}")).collect();
            kinds.join(", ")
        }
    }
}

/// The matrix as a Markdown table, followed by the minimal case of every failure.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| decoder | framing | {} |", GROUPS.join(" | "));
    let _ = writeln!(s, "|---|---|{}", "---|".repeat(GROUPS.len()));
    for r in rows {
        let cells: Vec<String> = GROUPS.iter().map(|g| cell_text(r.cells.get(g))).collect();
        let _ = writeln!(
            s,
            "| {} | `{}` | {} |",
            r.decoder,
            r.framing,
            cells.join(" | ")
        );
    }
    s
}

/// The failures behind the matrix, one minimal case per row and kind.
pub fn failures(rows: &[Row]) -> String {
    let mut s = String::new();
    for r in rows.iter().filter(|r| !r.report.is_pass()) {
        let _ = writeln!(s, "### {} — `{}`\n", r.decoder, r.framing);
        for f in &r.report.failures {
            let _ = writeln!(s, "```text");
            s.push_str(&crate::report::render_failure(
                f,
                &r.report.reproduce_line(f),
            ));
            let _ = writeln!(s, "```\n");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_fall_in_the_right_column() {
        assert_eq!(group_of("vector:seed-worked-example"), "golden vectors");
        assert_eq!(group_of("worked-example"), "messages × schedules");
        assert_eq!(group_of("len=max"), "length edges");
        assert_eq!(group_of("len=max+1"), "hostile headers");
        assert_eq!(group_of("len=max+1-complete"), "hostile headers");
        assert_eq!(group_of("varint-overlong-0"), "hostile headers");
        assert_eq!(group_of("varint-truncated"), "truncation at EOF");
        assert_eq!(group_of("trunc@3"), "truncation at EOF");
        assert_eq!(group_of("random#7"), "random");
        assert_eq!(group_of("empty-x100"), "length edges");
    }
}
