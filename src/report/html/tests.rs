//! Unit tests of the HTML report: escaping, known failures, bounded size.

use super::case::{call_table, picture, shown_rows};
use super::*;
use crate::oracle::judge;
use crate::report::calls;
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

/// Rejects every stream with a message holding terminal escape sequences and a newline.
struct Ansi;

impl FrameDecoder for Ansi {
    fn feed(&mut self, _: &[u8], _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        Err(Rejection::new("\x1b[31mred\x1b[0m\nnext\u{9b}2J"))
    }

    fn eof(&mut self, _: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        Ok(())
    }
}

#[test]
fn control_characters_in_a_rejection_message_are_shown_as_escapes() {
    let framing: Framing = "u8:max=16".parse().unwrap();
    let report = Suite::new(framing).random_cases(2).run(|| Ansi);
    assert!(!report.is_pass());
    let page = to_html("ansi", &[report]);
    assert!(
        !page.contains('\x1b') && !page.contains('\u{9b}'),
        "a control character got into the page"
    );
    let shown = r"\x1b[31mred\x1b[0m\nnext\u{9b}2J";
    // In the failure's detail and in the call table's actual cell.
    assert!(page.contains("<p class=\"detail\">rejected"), "{page}");
    assert!(page.matches(shown).count() >= 2, "{page}");
}

/// A known failure is marked known with its reason; its link is a link only when it is
/// http(s); a fixed entry is listed.
#[test]
fn known_failures_show_their_reason_and_only_web_links() {
    let framing: Framing = "u8:max=16".parse().unwrap();
    let mut report = Suite::new(framing).random_cases(2).run(|| Hostile);
    let kind = report.failures[0].failure.kind;
    let entry = |reason: &str, link: &str| super::super::KnownFailure {
        entry: 0,
        scope: "known[0]".to_string(),
        kind,
        stream: None,
        reason: reason.to_string(),
        link: Some(link.to_string()),
        cases: 3,
    };
    report
        .known
        .push(entry("upstream bug", "https://example.org/issue/1"));
    report.fixed.push(entry("was fixed", "javascript:alert(1)"));
    report.failures[0].known = Some(0);
    let page = to_html("known", &[report]);
    assert!(
        page.contains("<h3 class=\"known\">KNOWN"),
        "not marked known"
    );
    assert!(page.contains("upstream bug") && page.contains("was fixed"));
    assert!(page.contains("<a href=\"https://example.org/issue/1\">"));
    assert!(
        !page.contains("href=\"javascript"),
        "a script link got through"
    );
    assert!(page.contains("<li class=\"fixed\">"));
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
