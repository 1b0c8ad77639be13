//! Reports as one self-contained HTML page, for a person to open and look at.
//!
//! The page holds, per report, the summary (cases, counts by kind, why cases were skipped,
//! the seed) and, for every failure kind, its minimal case drawn as a picture: the reads as
//! boxes along the byte axis, the length headers shaded and the frame seams marked, and one
//! lane per call with the frames it was due to emit (outlined) and the frames it did emit
//! (filled; red when they are not a frame of the stream). Below the picture, the
//! call-by-call table ([`calls`]: every call up to and including the failing one), the case
//! label and the `Reproduce with:` line.
//!
//! Contract:
//! - **No network.** The style sheet is inline and the pictures are inline SVG; there is no
//!   script, so everything is in the document as written.
//! - **Every text is escaped.** A decoder's rejection message is hostile input: it is written
//!   as text, never as markup, and clipped to [`MAX_TEXT`] characters.
//! - **Bounded size.** A picture draws at most [`DRAW_BYTES`] bytes (a window that ends at the
//!   failing call's read) and at most [`DRAW_CALLS`] calls, and says what it left out; a case
//!   of megabytes makes a page of kilobytes.
//! - **Stable names**, for tests and style: a failure's section is
//!   `id="failure-<framing>-<kind>"` ([`failure_id`]); the picture's elements have the classes
//!   `chunk`, `byte`, `header`, `seam`, `lane`, `frame` (with `expected`, `actual` or `wrong`);
//!   the table's rows `call` (the failing one also `failing`); the replay line `reproduce`.
//!
//! Other pages (the conformance matrix) are built from the public pieces: [`page`],
//! [`report_section`], [`failure_section`], [`escape`].
//!
//! ```
//! use framecheck::{zoo, Framing, Suite};
//!
//! let framing: Framing = "u16be".parse().unwrap();
//! let report = Suite::new(framing)
//!     .random_cases(4)
//!     .run(move || zoo::by_name("no-drain-loop").unwrap().build(framing));
//! let page = framecheck::report::to_html("no-drain-loop", &[report]);
//! assert!(page.contains(r#"id="failure-u16be-max-65535-stuck-frame""#));
//! assert!(page.contains(r#"class="seam""#) && page.contains("Reproduce with:"));
//! ```

use std::fmt::Write;

use super::calls::{self, Row};
use super::{FoundFailure, Report};
use crate::case::Case;
use crate::oracle::{short_hex, Call, CallOutcome, CallRecord};

/// At most this many bytes of a case are drawn.
pub const DRAW_BYTES: usize = 256;
/// At most this many calls are drawn and listed.
pub const DRAW_CALLS: usize = 48;
/// Texts from the decoder (rejection and panic messages) are clipped to this many characters.
pub const MAX_TEXT: usize = 2000;
/// At most this many frames are listed in one cell of the call table.
const LIST_FRAMES: usize = 8;
/// Width of one byte in the picture, in pixels.
const CELL: usize = 22;
/// Width of the lane labels on the left of the picture.
const LEFT: usize = 84;
/// Height of one lane.
const LANE: usize = 22;

/// The style sheet every page carries inline.
pub const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1b1b;max-width:110em}
code,pre,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
.pass{color:#176117}.fail{color:#a10d0d}.known,.skip{color:#7a5b00}
section.failure{border-left:4px solid #a10d0d;padding-left:1em;margin:1.5em 0}
tr.failing td{background:#fde2e2}tr.mismatch td:last-child{color:#a10d0d}
svg .chunk{fill:#dfe9f7;stroke:#4f74a8}svg .chunk.odd{fill:#c9daf2}
svg .byte{fill:#fff;stroke:#ddd}svg .header{fill:#ffe7a8;stroke:#c99700}
svg .seam{stroke:#d0021b;stroke-width:2}svg text{font:11px ui-monospace,monospace}
svg .frame.expected{fill:none;stroke:#176117;stroke-dasharray:3 2}
svg .frame.actual{fill:#8fd18f;stroke:#176117}svg .frame.wrong{fill:#f29c9c;stroke:#a10d0d}
svg .lane.failing text{fill:#a10d0d;font-weight:bold}
td.cell-fail{background:#fde2e2}td.cell-pass{background:#e3f4e3}td.cell-known{background:#fff3cf}
";

/// `text` with `&`, `<`, `>`, `"` and `'` escaped: safe in an element and in a quoted
/// attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped, and clipped to [`MAX_TEXT`] characters with the count of the rest.
fn text(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        None => escape(s),
        Some((i, _)) => format!(
            "{}… (+{} characters)",
            escape(&s[..i]),
            s[i..].chars().count()
        ),
    }
}

/// `text` made fit for an id: ASCII letters and digits kept (lowercased), runs of anything
/// else one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The id of a failure's section: `failure-<framing>-<kind>`, as a [`slug`].
pub fn failure_id(report: &Report, found: &FoundFailure) -> String {
    format!(
        "failure-{}-{}",
        slug(&report.framing.to_string()),
        slug(found.failure.kind.name())
    )
}

/// A whole page: `body` (already HTML) under `title`, with the style sheet.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{t}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n{body}\
         </body>\n</html>\n",
        t = escape(title)
    )
}

/// The reports as one page: each one's summary, then its failures.
pub fn to_html(title: &str, reports: &[Report]) -> String {
    let mut body = String::new();
    for r in reports {
        body.push_str(&report_section(r, ""));
    }
    page(title, &body)
}

/// One report: its summary and a section per failure kind. `id_prefix` goes before each
/// failure's [`failure_id`], to keep ids apart when one page holds several reports of one
/// framing (the matrix's decoders).
pub fn report_section(r: &Report, id_prefix: &str) -> String {
    let mut s = String::new();
    let verdict = if r.is_pass() { "pass" } else { "fail" };
    let _ = writeln!(
        s,
        "<section class=\"report\" id=\"{id_prefix}report-{}\">\n<h2>{} \
         <span class=\"{verdict}\">{verdict}</span></h2>",
        slug(&r.framing.to_string()),
        escape(&r.framing.to_string())
    );
    let _ = writeln!(
        s,
        "<table class=\"summary\"><tr><th>cases</th><th>passed</th><th>failed</th>\
         <th>skipped</th><th>time</th><th>seed</th></tr>\n<tr><td>{}</td><td class=\"pass\">{}\
         </td><td class=\"fail\">{}</td><td class=\"skip\">{}</td><td>{:.2?}</td>\
         <td class=\"mono seed\">{:#x}</td></tr></table>",
        r.total, r.passed, r.failed, r.skipped, r.elapsed, r.seed
    );
    if !r.declared.is_empty() {
        let _ = writeln!(
            s,
            "<p>As the decoder declares: {}</p>",
            text(&r.declared.join(", "))
        );
    }
    if !r.by_kind.is_empty() {
        s.push_str("<ul class=\"by-kind\">\n");
        for (kind, n) in &r.by_kind {
            let link = r.failures.iter().find(|f| f.failure.kind == *kind);
            let name = match link {
                Some(f) => format!(
                    "<a href=\"#{id_prefix}{}\">{}</a>",
                    failure_id(r, f),
                    escape(kind.name())
                ),
                None => escape(kind.name()),
            };
            let _ = writeln!(s, "<li class=\"fail\">{name}: {n}</li>");
        }
        s.push_str("</ul>\n");
    }
    if let Some(why) = &r.skip_reason {
        let _ = writeln!(s, "<p class=\"skip\">Skipped: {}</p>", text(why));
    }
    if !r.alloc_metering {
        s.push_str(
            "<p class=\"note\">Allocations were not metered (install \
             <code>framecheck::CountingAlloc</code> as the global allocator to check for \
             memory bombs).</p>\n",
        );
    }
    for found in &r.failures {
        let id = format!("{id_prefix}{}", failure_id(r, found));
        s.push_str(&failure_section(&id, r, found));
    }
    s.push_str("</section>\n");
    s
}

/// One failure kind: what went wrong, its minimal case as a picture and call by call, and
/// the line that replays it; `id` is the section's id.
pub fn failure_section(id: &str, report: &Report, found: &FoundFailure) -> String {
    let f = &found.failure;
    let case = &found.minimal;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<section class=\"failure\" id=\"{}\" data-kind=\"{}\">\n<h3 class=\"fail\">FAIL \
         <span class=\"kind\">{}</span> at {}</h3>\n<p class=\"detail\">{}</p>",
        escape(id),
        escape(f.kind.name()),
        escape(f.kind.name()),
        escape(&f.call.to_string()),
        text(&f.detail)
    );
    let _ = writeln!(
        s,
        "<p>Case: <code class=\"case\">{}</code></p>",
        text(&case.label())
    );
    let _ = writeln!(
        s,
        "<p>{} case(s) failed this way{}.</p>",
        found.count,
        if found.shrink_runs > 0 {
            format!(
                "; shrunk from <code>{}</code> in {} runs",
                text(&found.original.label()),
                found.shrink_runs
            )
        } else {
            String::new()
        }
    );
    let rows = calls::rows(case, &f.transcript.calls);
    let shown = shown_rows(rows.len());
    s.push_str(&picture(case, &rows, &shown, &f.transcript.calls));
    s.push_str(&call_table(case, &rows, &shown, &f.transcript.calls));
    let _ = writeln!(
        s,
        "<pre class=\"reproduce\">Reproduce with: {}</pre>\n</section>",
        text(&report.reproduce_line(found))
    );
    s
}

/// Which rows are drawn: all, or the first few and the last ones (the failing call is last).
fn shown_rows(n: usize) -> Vec<usize> {
    if n <= DRAW_CALLS {
        (0..n).collect()
    } else {
        (0..4).chain(n - (DRAW_CALLS - 4)..n).collect()
    }
}

fn call_name(call: Call) -> String {
    call.to_string()
}

/// The picture: reads, bytes with headers shaded, seams, and a lane per call.
fn picture(case: &Case, rows: &[Row], shown: &[usize], calls: &[CallRecord]) -> String {
    let stream = case.stream.bytes();
    let ranges = case.schedule.ranges(stream.len());
    // The window: the bytes up to a little past the failing call's read.
    let focus = match calls.last().map(|c| c.call) {
        Some(Call::Chunk(i)) => ranges.get(i).map_or(stream.len(), |r| r.end),
        _ => stream.len(),
    };
    let end = stream.len().min(focus.saturating_add(16).max(DRAW_BYTES));
    let start = end.saturating_sub(DRAW_BYTES);
    let x = |o: usize| LEFT + (o.clamp(start, end) - start) * CELL;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<p class=\"reads\">{} read(s), {} byte(s), {} frame(s) expected.{}</p>",
        ranges.len(),
        stream.len(),
        case.stream.expectation().frames.len(),
        if start > 0 || end < stream.len() {
            format!(
                " <span class=\"elided\">Drawn: bytes {start}..{end}; {} byte(s) before and \
                 {} after are not drawn.</span>",
                start,
                stream.len() - end
            )
        } else {
            String::new()
        }
    );
    let mut body = String::new();
    // Reads.
    let mut y = 4;
    let _ = writeln!(body, "<text x=\"2\" y=\"{}\">reads</text>", y + 14);
    for (i, r) in ranges.iter().enumerate() {
        if r.end < start || r.start > end || (r.start == end && end < stream.len()) {
            continue;
        }
        let (x0, x1) = (x(r.start), x(r.end));
        let _ = write!(
            body,
            "<rect class=\"chunk{}\" data-chunk=\"{i}\" x=\"{x0}\" y=\"{y}\" width=\"{}\" \
             height=\"18\"><title>chunk {i} [{}..{})</title></rect>",
            if i % 2 == 1 { " odd" } else { "" },
            (x1 - x0).max(2),
            r.start,
            r.end
        );
        if x1 - x0 >= 2 * CELL {
            let _ = write!(body, "<text x=\"{}\" y=\"{}\">{i}</text>", x0 + 3, y + 13);
        }
        body.push('\n');
    }
    // Bytes, headers shaded.
    y += LANE;
    let layout = case.stream.layout();
    let _ = writeln!(body, "<text x=\"2\" y=\"{}\">bytes</text>", y + 14);
    for o in start..end {
        let _ = write!(
            body,
            "<rect class=\"byte\" x=\"{}\" y=\"{y}\" width=\"{CELL}\" height=\"18\"/>",
            x(o)
        );
    }
    for (&st, &h) in layout.frame_starts.iter().zip(&layout.header_lens) {
        let hend = (st + h).min(stream.len());
        if h > 0 && hend > start && st < end {
            let _ = write!(
                body,
                "<rect class=\"header\" x=\"{}\" y=\"{y}\" width=\"{}\" height=\"18\">\
                 <title>header [{st}..{hend})</title></rect>",
                x(st),
                x(hend) - x(st)
            );
        }
    }
    for (o, b) in stream.iter().enumerate().take(end).skip(start) {
        let _ = write!(
            body,
            "<text x=\"{}\" y=\"{}\">{b:02x}</text>",
            x(o) + 3,
            y + 13
        );
    }
    body.push('\n');
    // A lane per shown call.
    y += LANE + 4;
    let lanes_top = 2;
    let all: Vec<std::ops::Range<usize>> = case
        .stream
        .expectation()
        .segments()
        .iter()
        .flat_map(|e| e.frames.iter().map(|f| f.payload.clone()))
        .collect();
    let mut matched = 0;
    for (k, row) in rows.iter().enumerate() {
        // Actual frames are matched to the stream's frames in order, shown or not.
        let mut bars: Vec<(std::ops::Range<usize>, &str, String)> = Vec::new();
        if let Some(e) = &row.expected {
            for r in &e.frames {
                bars.push((r.clone(), "frame expected", "due".to_string()));
            }
        }
        if let Some(rec) = row.actual {
            for fr in &rec.frames {
                let hit = (matched..all.len().min(matched + 8))
                    .find(|&j| stream[all[j].clone()] == fr[..]);
                let (r, class) = match hit {
                    Some(j) => {
                        matched = j + 1;
                        (all[j].clone(), "frame actual")
                    }
                    None => {
                        let at = match row.call {
                            Call::Chunk(i) => ranges.get(i).cloned().unwrap_or(end..end),
                            Call::Eof => stream.len()..stream.len(),
                        };
                        (at, "frame wrong")
                    }
                };
                bars.push((r, class, short_hex(fr)));
            }
        }
        if shown.binary_search(&k).is_err() {
            continue;
        }
        let failing = row.is_last_actual(calls);
        let _ = write!(
            body,
            "<g class=\"lane{}\" data-call=\"{}\"><text x=\"2\" y=\"{}\">{}</text>",
            if failing { " failing" } else { "" },
            escape(&call_name(row.call)),
            y + 14,
            escape(&call_name(row.call))
        );
        for (r, class, what) in bars {
            if r.end < start || r.start > end {
                continue;
            }
            let (x0, x1) = (x(r.start), x(r.end));
            let top = if class == "frame expected" {
                y + 1
            } else {
                y + 9
            };
            let _ = write!(
                body,
                "<rect class=\"{class}\" x=\"{x0}\" y=\"{top}\" width=\"{}\" height=\"8\">\
                 <title>{} [{}..{}): {}</title></rect>",
                (x1 - x0).max(3),
                class.trim_start_matches("frame "),
                r.start,
                r.end,
                escape(&what)
            );
        }
        body.push_str("</g>\n");
        y += LANE;
    }
    // Seams at every frame start, across all lanes.
    for &st in &layout.frame_starts {
        if st >= start && st <= end {
            let _ = write!(
                body,
                "<line class=\"seam\" x1=\"{0}\" y1=\"{lanes_top}\" x2=\"{0}\" y2=\"{y}\">\
                 <title>frame starts at {st}</title></line>",
                x(st)
            );
        }
    }
    let width = x(end) + CELL;
    let _ = writeln!(
        s,
        "<svg class=\"picture\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{}\" role=\"img\" aria-label=\"reads, bytes and frames call by call\">\n\
         {body}</svg>",
        y + 4
    );
    s
}

/// Frames as text: `2 frames: 6f6b, 7a`, at most [`LIST_FRAMES`] of them.
fn frames_text<'a>(frames: impl ExactSizeIterator<Item = &'a [u8]>) -> String {
    let n = frames.len();
    let listed: Vec<String> = frames.take(LIST_FRAMES).map(short_hex).collect();
    match n {
        0 => "nothing".to_string(),
        1 => format!("1 frame: {}", listed[0]),
        n if n <= LIST_FRAMES => format!("{n} frames: {}", listed.join(", ")),
        n => format!(
            "{n} frames: {}, … {} more",
            listed.join(", "),
            n - LIST_FRAMES
        ),
    }
}

/// Expected against actual, one row per call (bounded as the picture is).
fn call_table(case: &Case, rows: &[Row], shown: &[usize], calls: &[CallRecord]) -> String {
    let stream = case.stream.bytes();
    let mut s = String::from(
        "<table class=\"calls\">\n<tr><th>call</th><th>expected</th><th>actual</th></tr>\n",
    );
    let mut last = None;
    for &k in shown {
        if last.is_some_and(|l| l + 1 < k) {
            let _ = writeln!(
                s,
                "<tr class=\"elided\"><td colspan=\"3\">… {} call(s) not shown</td></tr>",
                k - last.unwrap_or(0) - 1
            );
        }
        last = Some(k);
        let row = &rows[k];
        let exp = match &row.expected {
            None => "(no call: rejected before)".to_string(),
            Some(e) => format!(
                "{} → {}",
                frames_text(e.frames.iter().map(|r| &stream[r.clone()])),
                calls::verdict_text(e.verdict)
            ),
        };
        let act = match row.actual {
            None => "(not called)".to_string(),
            Some(rec) => format!(
                "{} → {}",
                frames_text(rec.frames.iter().map(|f| f.as_slice())),
                calls::outcome_text(&rec.outcome)
            ),
        };
        let mismatch = match (&row.expected, row.actual) {
            (Some(e), Some(rec)) => {
                e.frames.len() != rec.frames.len()
                    || !matches!(rec.outcome, CallOutcome::Ok | CallOutcome::Rejected(_))
            }
            _ => row.actual.is_some(),
        };
        let class = match (row.is_last_actual(calls), mismatch) {
            (true, _) => "call failing",
            (false, true) => "call mismatch",
            _ => "call",
        };
        let _ = writeln!(
            s,
            "<tr class=\"{class}\"><td class=\"mono\">{}</td><td class=\"mono\">{}</td>\
             <td class=\"mono\">{}</td></tr>",
            escape(&call_name(row.call)),
            text(&exp),
            text(&act)
        );
    }
    s.push_str("</table>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::judge;
    use crate::{zoo, FrameDecoder, Framing, Rejection, Schedule, Stream, Suite, Verdict};
    use std::sync::Arc;

    /// Rejects every stream with a message that would be markup if it were not escaped.
    struct Hostile;

    impl FrameDecoder for Hostile {
        fn feed(&mut self, _: &[u8], _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            Err(Rejection::new(
                "</td></table><script>alert('x')</script><img src=x onerror=alert(1)> & \"",
            ))
        }

        fn eof(&mut self, _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            Ok(())
        }
    }

    #[test]
    fn a_script_in_a_rejection_message_is_text_not_markup() {
        let framing: Framing = "u8:max=16".parse().unwrap();
        let report = Suite::new(framing).random_cases(2).run(|| Hostile);
        assert!(!report.is_pass());
        let page = to_html("<script>title</script>", &[report]);
        assert!(!page.contains("<script"), "a script element got through");
        assert!(!page.contains("<img"), "an img element got through");
        assert!(
            page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
            "the message is not shown as text"
        );
        assert!(page.contains("&lt;script&gt;title"));
        // Every table opened is closed: the message did not close one early.
        assert_eq!(
            page.matches("<table").count(),
            page.matches("</table>").count()
        );
    }

    #[test]
    fn escape_covers_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(slug("u32be:max=8388608"), "u32be-max-8388608");
        let long = "<".repeat(MAX_TEXT + 10);
        let clipped = text(&long);
        assert!(clipped.ends_with("… (+10 characters)"), "{clipped}");
        assert_eq!(clipped.matches("&lt;").count(), MAX_TEXT);
    }

    /// Four megabytes in thousands of reads, failing at the last frame: the picture and the
    /// table stay a few tens of kilobytes, and say what they left out.
    #[test]
    fn a_case_of_megabytes_draws_a_bounded_picture() {
        let framing: Framing = "u32be:max=1048576".parse().unwrap();
        let stream = Stream::from_messages(framing, "big", vec![vec![7u8; 65536]; 64]).unwrap();
        let len = stream.bytes().len();
        assert!(len > 4_000_000);
        let case = crate::Case::new(Arc::new(stream), "fixed-1000", Schedule::fixed(1000, len));
        let whole = crate::Case::new(case.stream.clone(), "whole", Schedule::whole());
        for case in [case, whole] {
            let mut decoder = zoo::by_name("no-drain-loop").unwrap().build(framing);
            // Reads of 1000 bytes never hold two frames, so no-drain-loop passes them: its
            // calls are the transcript of a passing case, thousands of them.
            let calls = match judge(&mut decoder, &case) {
                Verdict::Fail(f) => f.transcript.calls,
                _ => crate::oracle::transcript(&mut decoder, &case),
            };
            let rows = calls::rows(&case, &calls);
            let shown = shown_rows(rows.len());
            let html =
                picture(&case, &rows, &shown, &calls) + &call_table(&case, &rows, &shown, &calls);
            assert!(html.len() < 150_000, "{} bytes of HTML", html.len());
            assert!(html.matches("class=\"byte\"").count() <= DRAW_BYTES);
            assert!(html.contains("are not drawn"), "the elision is not said");
            if rows.len() > DRAW_CALLS {
                assert!(html.contains("call(s) not shown"));
                assert!(html.matches("<tr class=\"call").count() <= DRAW_CALLS);
            }
        }
    }
}
