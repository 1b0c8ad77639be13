//! Reports as one self-contained HTML page, for a person to open and look at.
//!
//! The page holds, per report, the summary (cases, counts by kind, why cases were skipped,
//! the seed) and, for every failure kind, its minimal case drawn as a picture: the reads as
//! boxes along the byte axis, the length headers shaded and the frame seams marked, and one
//! lane per call with the frames it was due to emit (outlined) and the frames it did emit
//! (filled; red when they are not a frame of the stream). Below the picture, the
//! call-by-call table ([`calls`](super::calls): every call up to and including the failing one), the case
//! label and the `Reproduce with:` line.
//!
//! Contract:
//! - **No network.** The style sheet is inline and the pictures are inline SVG; there is no
//!   script, so everything is in the document as written.
//! - **Every text is escaped.** A decoder's rejection message is hostile input: it is written
//!   as text, never as markup, with its control characters shown as escapes (`\x1b`), and
//!   clipped to [`MAX_TEXT`] characters.
//! - **Bounded size.** A picture draws at most [`DRAW_BYTES`] bytes (a window that ends at the
//!   failing call's read) and at most [`DRAW_CALLS`] calls, and says what it left out; a case
//!   of megabytes makes a page of kilobytes.
//! - **Stable names**, for tests and style: a failure's section is
//!   `id="failure-<framing>-<kind>"` ([`failure_id`]); the picture's elements have the classes
//!   `chunk`, `byte`, `header`, `seam`, `lane`, `frame` (with `expected`, `actual` or `wrong`);
//!   the table's rows `call` (the failing one also `failing`); the replay line `reproduce`;
//!   for a failure that shows only after earlier streams, the paragraph `state` above the
//!   picture.
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

use super::{FoundFailure, KnownFailure, Report};

mod case;
#[cfg(test)]
mod tests;

/// At most this many bytes of a case are drawn.
pub const DRAW_BYTES: usize = 256;
/// At most this many calls are drawn and listed.
pub const DRAW_CALLS: usize = 48;
/// Texts from the decoder (rejection and panic messages) are clipped to this many characters.
pub const MAX_TEXT: usize = 2000;

/// The style sheet every page carries inline.
pub const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1b1b;max-width:110em}
code,pre,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
.pass{color:#176117}.fail{color:#a10d0d}.known,.skip{color:#7a5b00}
section.failure{border-left:4px solid #a10d0d;padding-left:1em;margin:1.5em 0;color:#1b1b1b}
section.failure.known{border-left-color:#c99700}
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

/// Escaped, with every control character written as an escape ([`calls::visible`]: one
/// line, as the text report shows it), and clipped to [`MAX_TEXT`] characters with the count
/// of the rest.
///
/// [`calls::visible`]: super::calls::visible
fn text(s: &str) -> String {
    let s = &*super::calls::visible(s);
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
         <th>known to fail</th><th>skipped</th><th>time</th><th>seed</th></tr>\n<tr><td>{}</td><td class=\"pass\">{}\
         </td><td class=\"fail\">{}</td><td class=\"known\">{}</td><td class=\"skip\">{}</td><td>{:.2?}</td>\
         <td class=\"mono seed\">{:#x}</td></tr></table>",
        r.total, r.passed, r.failed, r.known_failed, r.skipped, r.elapsed, r.seed
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
    s.push_str(&known_lists(r, id_prefix));
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
    let known = found.known.and_then(|i| report.known.get(i));
    let (class, word) = if known.is_some() {
        ("known", "KNOWN")
    } else {
        ("fail", "FAIL")
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<section class=\"failure {class}\" id=\"{}\" data-kind=\"{}\">\n<h3 class=\"{class}\">\
         {word} <span class=\"kind\">{}</span> at {}</h3>\n<p class=\"detail\">{}</p>",
        escape(id),
        escape(f.kind.name()),
        escape(f.kind.name()),
        escape(&f.call.to_string()),
        text(&f.detail)
    );
    if let Some(k) = known {
        let _ = writeln!(
            s,
            "<p class=\"known\">Known: the baseline expects this failure: {}</p>",
            known_text(k)
        );
    }
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
    if let Some(state) = &found.state {
        let _ = writeln!(
            s,
            "<p class=\"state\">{}</p>",
            text(&super::explain::state_text(state))
        );
    }
    if let Some(limit) = &found.line_limit {
        let _ = writeln!(
            s,
            "<p class=\"state\">{}</p>",
            text(&super::explain::line_limit_text(limit))
        );
    }
    if let Some(limit) = &found.frame_limit {
        let _ = writeln!(
            s,
            "<p class=\"state\">{}</p>",
            text(&super::explain::frame_limit_text(
                limit,
                case.stream.framing()
            ))
        );
    }
    s.push_str(&case::drawn(case, &f.transcript.calls));
    let _ = writeln!(
        s,
        "<pre class=\"reproduce\">Reproduce with: {}</pre>\n</section>",
        text(&report.reproduce_line(found))
    );
    s
}

/// A baseline entry: its kind, the stream it is limited to, its reason, and its link (a
/// link only when it is `http://` or `https://`; anything else is shown as text).
fn known_text(k: &KnownFailure) -> String {
    let mut s = format!("<span class=\"kind\">{}</span>", escape(k.kind.name()));
    if let Some(stream) = &k.stream {
        let _ = write!(s, " in <code>{}</code>", text(stream));
    }
    let _ = write!(s, ": <span class=\"reason\">{}</span>", text(&k.reason));
    match &k.link {
        Some(l) if l.starts_with("https://") || l.starts_with("http://") => {
            let _ = write!(s, " <a href=\"{0}\">{0}</a>", text(l));
        }
        Some(l) => {
            let _ = write!(s, " <code>{}</code>", text(l));
        }
        None => {}
    }
    s
}

/// The baseline's entries: the known failures seen, with their cases, and those not seen.
fn known_lists(r: &Report, id_prefix: &str) -> String {
    let mut s = String::new();
    if !r.known.is_empty() {
        s.push_str("<h4>Known failures (skipped, as the baseline expects)</h4>\n<ul class=\"known-list\">\n");
        for (i, k) in r.known.iter().enumerate() {
            let found = r.failures.iter().find(|f| f.known == Some(i));
            let link = match found {
                Some(f) => format!(
                    " (<a href=\"#{id_prefix}{}\">minimal case</a>)",
                    failure_id(r, f)
                ),
                None => String::new(),
            };
            let _ = writeln!(
                s,
                "<li class=\"known\">{}: {} case(s){link}</li>",
                known_text(k),
                k.cases
            );
        }
        s.push_str("</ul>\n");
    }
    if !r.fixed.is_empty() {
        s.push_str("<h4>Known but not seen (fixed?)</h4>\n<ul class=\"fixed-list\">\n");
        for k in &r.fixed {
            let _ = writeln!(s, "<li class=\"fixed\">{}</li>", known_text(k));
        }
        s.push_str("</ul>\n");
    }
    s
}
