//! The conformance matrix: every bundled decoder × framing, by group of cases.
//!
//! The rows are the decoders of [`registry::matrix`] (the reference and every adapter compiled
//! in), in the registry's order, each under every framing of [`framings`] that it can be
//! configured for, and each adapter under every user framing of
//! [`registry::user_framings`] that it decodes.
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

use crate::case::StreamKind;
use crate::framing::Framing;
use crate::oracle::FailureKind;
use crate::registry;
use crate::suite::{Report, Status, Suite};

/// A column of the matrix: a group of cases, by what their streams test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// The bundled golden vectors that apply to the framing.
    Vectors,
    /// The message sets under the schedule catalog, and the edges of a wire format other than
    /// its length (line ends, text, a byte past the last fixed frame).
    Messages,
    /// Valid frames at the edges of the length range, and runs of empty frames.
    LengthEdges,
    /// Headers a decoder may mishandle: oversized, at field boundaries, wrapping, malformed.
    HostileHeaders,
    /// Streams that end inside a frame.
    Truncation,
    /// The seeded random cases.
    Random,
    /// Many frames ([`crate::bulk`]): thousands of frames, reads of hundreds, buffer wraps,
    /// and one decoder kept across megabytes.
    ManyFrames,
}

impl Group {
    /// The column's heading.
    pub fn label(self) -> &'static str {
        match self {
            Group::Vectors => "golden vectors",
            Group::Messages => "messages × schedules",
            Group::LengthEdges => "length edges",
            Group::HostileHeaders => "hostile headers",
            Group::Truncation => "truncation at EOF",
            Group::Random => "random",
            Group::ManyFrames => "many frames",
        }
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The column a stream's cases fall in, from what the stream tests.
pub fn group_of(kind: StreamKind) -> Group {
    match kind {
        StreamKind::Vector => Group::Vectors,
        StreamKind::Truncation(_) => Group::Truncation,
        StreamKind::HostileHeader(_) => Group::HostileHeaders,
        StreamKind::LengthEdge(_) => Group::LengthEdges,
        StreamKind::Random => Group::Random,
        StreamKind::Bulk(_) | StreamKind::LongLived => Group::ManyFrames,
        // A stream made outside the generators ([`StreamKind::Other`], none in the suite)
        // counts with the messages.
        StreamKind::Messages
        | StreamKind::WorkedExample
        | StreamKind::WireEdge
        | StreamKind::Other => Group::Messages,
    }
}

/// The columns, in order.
pub const GROUPS: [Group; 7] = [
    Group::Vectors,
    Group::Messages,
    Group::LengthEdges,
    Group::HostileHeaders,
    Group::Truncation,
    Group::Random,
    Group::ManyFrames,
];

/// The framings the matrix covers (they live with the decoders they are chosen for).
pub use crate::registry::framings;

/// One row: a decoder under one framing.
pub struct Row {
    /// The decoder's name.
    pub decoder: &'static str,
    /// Whether the decoder is framecheck's reference, whose failure fails the matrix.
    pub reference: bool,
    /// The framing.
    pub framing: Framing,
    /// Per column: cases run, and failures by kind.
    pub cells: BTreeMap<Group, (usize, BTreeMap<FailureKind, usize>)>,
    /// The suite report, with the minimal case of each failure kind.
    pub report: Report,
}

/// Runs the matrix; `configure` adjusts each suite (seed, reproduce line).
pub fn run(configure: impl Fn(Suite, &str) -> Suite) -> Vec<Row> {
    let mut rows = Vec::new();
    for d in registry::matrix() {
        let reference = d.kind() == registry::Kind::Reference;
        // The user framings are for the adapters: the reference reads headers, which a user
        // framing does not have.
        let users = registry::user_framings().into_iter().filter(|_| !reference);
        for framing in framings().into_iter().chain(users) {
            if !d.supports(framing) {
                continue;
            }
            let suite = configure(Suite::new(framing), d.name());
            let report = suite.run(move || d.build(framing).expect("supported a moment ago"));
            let mut cells: BTreeMap<Group, (usize, BTreeMap<FailureKind, usize>)> = BTreeMap::new();
            for c in &report.results {
                let cell = cells.entry(group_of(c.kind)).or_default();
                cell.0 += 1;
                if let Status::Fail(k) = c.status {
                    *cell.1.entry(k).or_default() += 1;
                }
            }
            rows.push(Row {
                decoder: d.name(),
                reference: d.kind() == registry::Kind::Reference,
                framing,
                cells,
                report,
            });
        }
    }
    rows
}

/// Whether the matrix passes: the reference decoder passes every row it has. The other
/// decoders' failures are findings about them, not a failed run.
pub fn passes(rows: &[Row]) -> bool {
    rows.iter()
        .filter(|r| r.reference)
        .all(|r| r.report.is_pass())
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
    let headings: Vec<&str> = GROUPS.iter().map(|g| g.label()).collect();
    let _ = writeln!(s, "| decoder | framing | {} |", headings.join(" | "));
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

/// The matrix as one self-contained HTML page ([`crate::report::html`]): the table of
/// decoders × case groups, each failing cell a `<details>` that opens to links to the row's
/// minimal cases of the kinds that failed there; below it, each failing row's report with
/// every minimal case drawn. A row's ids start with `row<N>-<decoder>-`, so a row's
/// failure section is `row<N>-<decoder>-failure-<framing>-<kind>`.
pub fn html(rows: &[Row]) -> String {
    use crate::report::html::{escape, failure_id, page, report_section, slug};
    let prefix = |i: usize, r: &Row| format!("row{i}-{}-", slug(r.decoder));
    let mut s = String::from("<table class=\"matrix\">\n<tr><th>decoder</th><th>framing</th>");
    for g in GROUPS {
        let _ = write!(s, "<th>{}</th>", escape(g.label()));
    }
    s.push_str("</tr>\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            s,
            "<tr class=\"row\" id=\"{}row\"><td>{}</td><td><code>{}</code></td>",
            prefix(i, r),
            escape(r.decoder),
            escape(&r.framing.to_string())
        );
        for g in GROUPS {
            match r.cells.get(&g) {
                None => s.push_str("<td class=\"cell-none\">-</td>"),
                Some((_, fails)) if fails.is_empty() => {
                    let _ = write!(
                        s,
                        "<td class=\"cell-pass\">{}</td>",
                        escape(&cell_text(r.cells.get(&g)))
                    );
                }
                Some((_, fails)) => {
                    let _ = write!(
                        s,
                        "<td class=\"cell-fail\"><details><summary>{}</summary><ul>",
                        escape(&cell_text(r.cells.get(&g)))
                    );
                    for kind in fails.keys() {
                        if let Some(f) = r.report.failures.iter().find(|f| f.failure.kind == *kind)
                        {
                            let _ = write!(
                                s,
                                "<li><a href=\"#{}{}\">{}: minimal case</a></li>",
                                prefix(i, r),
                                failure_id(&r.report, f),
                                escape(kind.name())
                            );
                        }
                    }
                    s.push_str("</ul></details></td>");
                }
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    let failing = rows.iter().filter(|r| !r.report.is_pass()).count();
    let _ = writeln!(
        s,
        "<p class=\"matrix-summary\">{} rows, {failing} with failures.</p>",
        rows.len()
    );
    for (i, r) in rows.iter().enumerate() {
        if r.report.failures.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "<h2 class=\"row-heading\">{} — <code>{}</code></h2>",
            escape(r.decoder),
            escape(&r.framing.to_string())
        );
        s.push_str(&report_section(&r.report, &prefix(i, r)));
    }
    page("framecheck conformance matrix", &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stream the suite makes, by its name and kind: the columns the matrix has always
    /// shown.
    #[test]
    fn streams_fall_in_the_right_column() {
        use crate::case::{Hostile, LengthEdge, Truncation};
        use crate::kind::Bulk;
        for (kind, group) in [
            (StreamKind::Vector, "golden vectors"),
            (StreamKind::WorkedExample, "messages × schedules"),
            (StreamKind::Messages, "messages × schedules"),
            (StreamKind::WireEdge, "messages × schedules"),
            (StreamKind::LengthEdge(LengthEdge::Max), "length edges"),
            (
                StreamKind::HostileHeader(Hostile::OverMax),
                "hostile headers",
            ),
            (
                StreamKind::HostileHeader(Hostile::OverMaxComplete),
                "hostile headers",
            ),
            (
                StreamKind::HostileHeader(Hostile::Varint),
                "hostile headers",
            ),
            (
                StreamKind::Truncation(Truncation::VarintHeader),
                "truncation at EOF",
            ),
            (
                StreamKind::Truncation(Truncation::At(3)),
                "truncation at EOF",
            ),
            (StreamKind::Random, "random"),
            (StreamKind::Bulk(Bulk::Tiny(257)), "many frames"),
            (StreamKind::Bulk(Bulk::Counting(257)), "many frames"),
            (StreamKind::Bulk(Bulk::Wraps(4096)), "many frames"),
            (StreamKind::LongLived, "many frames"),
            (
                StreamKind::LengthEdge(LengthEdge::EmptyRun(100)),
                "length edges",
            ),
        ] {
            assert_eq!(group_of(kind).label(), group, "{kind:?}");
        }
    }

    /// A failing cell opens to links that land on the row's drawn minimal cases; a passing
    /// row has no section.
    #[test]
    fn the_html_matrix_links_failing_cells_to_their_minimal_cases() {
        let framing: Framing = "u16be".parse().unwrap();
        let row = |name: &'static str| {
            let zoo = crate::zoo::by_name(name);
            let report = Suite::new(framing).random_cases(4).run(move || match zoo {
                Some(z) => z.build(framing),
                None => Box::new(crate::ReferenceDecoder::new(framing)),
            });
            let mut cells: BTreeMap<Group, (usize, BTreeMap<FailureKind, usize>)> = BTreeMap::new();
            for c in &report.results {
                let cell = cells.entry(group_of(c.kind)).or_default();
                cell.0 += 1;
                if let Status::Fail(k) = c.status {
                    *cell.1.entry(k).or_default() += 1;
                }
            }
            Row {
                decoder: name,
                reference: zoo.is_none(),
                framing,
                cells,
                report,
            }
        };
        let page = html(&[row("reference"), row("no-drain-loop")]);
        let target = "row1-no-drain-loop-failure-u16be-max-65535-stuck-frame";
        assert!(page.contains(&format!("<a href=\"#{target}\">")), "no link");
        assert!(page.contains(&format!("id=\"{target}\"")), "no target");
        assert!(page.contains("<td class=\"cell-fail\"><details>"));
        assert!(page.contains("<td class=\"cell-pass\">"));
        assert!(
            !page.contains("row0-reference-failure"),
            "the reference row failed"
        );
        assert_eq!(
            page.matches("<details>").count(),
            page.matches("</details>").count()
        );
    }

    /// The suite's own streams carry the kinds the columns are read from: a stream renamed
    /// stays in its column.
    #[test]
    fn the_suites_streams_have_kinds() {
        let framing: Framing = "varint:max=1024".parse().unwrap();
        let suite = Suite::new(framing).random_cases(3);
        let mut seen = BTreeMap::new();
        for case in suite.cases() {
            let group = group_of(case.stream.kind());
            seen.entry(group)
                .or_insert_with(|| case.stream.name().to_string());
            assert_ne!(case.stream.kind(), StreamKind::Other, "{}", case.label());
        }
        assert_eq!(seen.len(), GROUPS.len(), "{seen:?}");
        assert_eq!(group_of(StreamKind::Other), Group::Messages);
    }
}
