//! Text rendering of failures and summaries, for a terminal.
//!
//! A failure prints everything needed to understand and replay it: the verdict kind and what
//! went wrong, the case label (and the label it was shrunk from), the reads as a hex dump with
//! each length header in brackets, what each call was expected to emit next to what it did,
//! and a `Reproduce with:` line. What the decoder wrote (its messages, what it declares)
//! goes through [`calls::visible`]: a control character in it prints as an escape.
//!
//! ```text
//! FAIL stuck-frame: frame #1 (0 bytes at offset 4) was complete after chunk 0 but never came out; EOF then rejected the stream: EOF inside a frame (4 bytes buffered)
//!   case:   u32be:max=8388608 empty-x3 (shrunk) / whole
//!   reads:  1 read, 8 bytes, 2 frames (headers in brackets)
//!     chunk 0    [0..8)  [00 00 00 00] [00 00 00 00]
//!   call by call (expected | actual):
//!     chunk 0    2 frames: (empty), (empty) -> ok | 1 frame: (empty) -> ok
//!     EOF        nothing -> ok                    | nothing -> rejected: EOF inside a frame (4 bytes buffered)
//!   Reproduce with: framecheck replay --decoder zoo:no-drain-loop 'u32be:max=8388608/0000000000000000/-'
//! ```

use std::fmt::Write;

use super::explain::{frame_limit_text, line_limit_text, state_text};
use super::{calls, FoundFailure, Report};
use crate::case::Case;
use crate::framing::End;
use crate::oracle::short_hex;

/// At most this many bytes of each read are dumped.
const DUMP_BYTES: usize = 32;
/// At most this many reads are listed.
const DUMP_READS: usize = 24;

/// A failure, ready to print (ends with a newline).
pub fn render_failure(found: &FoundFailure, reproduce: &str) -> String {
    let mut s = String::new();
    let f = &found.failure;
    let case = &found.minimal;
    let _ = writeln!(s, "FAIL {}: {}", f.kind, calls::visible(&f.detail));
    let _ = writeln!(s, "  case:   {}", case.label());
    if found.shrink_runs > 0 {
        let _ = writeln!(
            s,
            "  shrunk from {} in {} runs; {} case(s) failed this way",
            found.original.label(),
            found.shrink_runs,
            found.count
        );
    } else {
        let _ = writeln!(s, "  {} case(s) failed this way", found.count);
    }
    if let Some(state) = &found.state {
        let _ = writeln!(s, "  state:  {}", state_text(state));
    }
    if let Some(limit) = &found.line_limit {
        let _ = writeln!(s, "  lines:  {}", line_limit_text(limit));
    }
    if let Some(limit) = &found.frame_limit {
        let _ = writeln!(
            s,
            "  max:    {}",
            frame_limit_text(limit, case.stream.framing())
        );
    }
    s.push_str(&render_case(case, &f.transcript.calls));
    let _ = writeln!(s, "  Reproduce with: {reproduce}");
    s
}

/// The reads of a case as a hex dump, and expected against actual call by call.
pub fn render_case(case: &Case, calls: &[crate::oracle::CallRecord]) -> String {
    let mut s = String::new();
    let stream = case.stream.bytes();
    let exp = case.stream.expectation();
    let ranges = case.schedule.ranges(stream.len());
    let n = ranges.len();
    let layout = case.stream.layout();
    let mut header_start = vec![false; stream.len() + 1];
    let mut header_end = vec![false; stream.len() + 1];
    // A framing without headers (a delimiter, a fixed size) has no brackets: its layout's
    // "header" of a partial last frame is only where the schedule aims its cuts.
    let headers = case.stream.framing().max_header_len() > 0;
    for (&st, &h) in layout.frame_starts.iter().zip(&layout.header_lens) {
        if headers && h > 0 {
            header_start[st] = true;
            header_end[(st + h).min(stream.len())] = true;
        }
    }
    let _ = writeln!(
        s,
        "  reads:  {n} read{}, {}, {} frame{}{}",
        if n == 1 { "" } else { "s" },
        crate::error::n_bytes(stream.len() as u64),
        exp.frames.len(),
        if exp.frames.len() == 1 { "" } else { "s" },
        if headers {
            " (headers in brackets)"
        } else {
            ""
        },
    );
    // Runs of reads with the same bytes (and headers at the same places) print once.
    let mut lines: Vec<(usize, usize, std::ops::Range<usize>, String)> = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        if lines.len() >= DUMP_READS {
            break;
        }
        let mut line = String::new();
        for o in r.clone().take(DUMP_BYTES) {
            if header_end[o] && o > r.start {
                line.push(']');
            }
            if o > r.start {
                line.push(' ');
            }
            if header_start[o] {
                line.push('[');
            }
            let _ = write!(line, "{:02x}", stream[o]);
        }
        let shown_end = (r.start + DUMP_BYTES).min(r.end);
        if header_end[shown_end] && shown_end > r.start {
            line.push(']');
        }
        if r.len() > DUMP_BYTES {
            let _ = write!(line, " … (+{} bytes)", r.len() - DUMP_BYTES);
        }
        match lines.last_mut() {
            Some((_, last, range, l))
                if *l == line
                    && stream[r.clone()]
                        == stream[range.start..range.start + r.len().min(range.len())]
                    && range.len() == r.len() =>
            {
                *last = i;
            }
            _ => lines.push((i, i, r.clone(), line)),
        }
    }
    let mut shown = 0;
    for (first, last, r, line) in &lines {
        shown = last + 1;
        if first == last {
            let _ = writeln!(
                s,
                "    {:<10} [{}..{})  {line}",
                format!("chunk {first}"),
                r.start,
                r.end
            );
        } else {
            let _ = writeln!(
                s,
                "    {:<10} [{}..{})  {} × {}: {line}",
                format!("chunks {first}..{last}"),
                r.start,
                ranges[*last].end,
                last - first + 1,
                plural_bytes(r.len()),
            );
        }
    }
    let n_shown = shown;
    if n > n_shown {
        let _ = writeln!(s, "    … {} more reads", n - n_shown);
    }
    if let End::Reject { why, .. } = &exp.end {
        let _ = writeln!(s, "  the stream is invalid: {}", calls::visible(why));
    }
    let later = &exp.segments()[1..];
    if !later.is_empty() {
        let more: usize = later.iter().map(|e| e.frames.len()).sum();
        let _ = writeln!(
            s,
            "  after the error the decoder must go on from the next newline ({}): {} more \
             frame(s), {} more error(s); the table shows every call up to the failing one",
            case.stream.framing(),
            more,
            later.len() - 1 + usize::from(!matches!(later[later.len() - 1].end, End::Clean)),
        );
    }

    // Expected, call by call: every call up to the failing one, through recovered errors.
    let _ = writeln!(s, "  call by call (expected | actual):");
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for row in calls::rows(case, calls) {
        let exp_s = match &row.expected {
            None => "(no call: rejected before)".to_string(),
            Some(e) => format!(
                "{} -> {}",
                frames_str(e.frames.iter().map(|r| &stream[r.clone()])),
                calls::verdict_text(e.verdict)
            ),
        };
        let act_s = match row.actual {
            Some(rec) => format!(
                "{} -> {}",
                frames_str(rec.frames.iter().map(|f| f.as_slice())),
                calls::outcome_text(&rec.outcome)
            ),
            None => "(not called)".to_string(),
        };
        rows.push((row.call.to_string(), exp_s, act_s));
    }
    // Runs of calls with the same expected and actual frames print once: `chunks 3..258`.
    let mut grouped: Vec<(String, String, String)> = Vec::new();
    let mut run_start: Option<String> = None;
    for (call, e, a) in rows {
        match grouped.last_mut() {
            Some((last_call, le, la)) if *le == e && *la == a && call.starts_with("chunk ") => {
                let first = run_start
                    .get_or_insert_with(|| last_call.trim_start_matches("chunk ").to_string())
                    .clone();
                *last_call = format!("chunks {first}..{}", call.trim_start_matches("chunk "));
            }
            _ => {
                run_start = None;
                grouped.push((call, e, a));
            }
        }
    }
    let rows = grouped;
    let skip = rows.len().saturating_sub(DUMP_READS);
    if skip > 0 {
        let _ = writeln!(s, "    … {skip} earlier calls as expected or not shown");
    }
    let width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (call, e, a) in rows.into_iter().skip(skip) {
        let pad = width - e.chars().count();
        let _ = writeln!(s, "    {call:<10} {e}{} | {a}", " ".repeat(pad));
    }
    s
}

fn plural_bytes(n: usize) -> String {
    if n == 1 {
        "1 byte".to_string()
    } else {
        format!("{n} bytes")
    }
}

fn frames_str<'a>(frames: impl Iterator<Item = &'a [u8]>) -> String {
    let v: Vec<String> = frames.map(short_hex).collect();
    // Runs of four or more equal frames print once: `257 frames: 257 × (empty)`.
    let mut runs: Vec<(usize, &String)> = Vec::new();
    for f in &v {
        match runs.last_mut() {
            Some((k, last)) if *last == f => *k += 1,
            _ => runs.push((1, f)),
        }
    }
    if runs.iter().any(|(k, _)| *k >= 4) && runs.len() <= 4 {
        let parts: Vec<String> = runs
            .iter()
            .map(|(k, f)| {
                if *k == 1 {
                    f.to_string()
                } else {
                    format!("{k} × {f}")
                }
            })
            .collect();
        return format!("{} frames: {}", v.len(), parts.join(", "));
    }
    match v.len() {
        0 => "nothing".to_string(),
        1 => format!("1 frame: {}", v[0]),
        n if n <= 4 => format!("{n} frames: {}", v.join(", ")),
        n => format!("{n} frames: {}, … {}", v[..3].join(", "), v[n - 1]),
    }
}

/// The closing summary of a run (ends with a newline).
pub fn summary(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "framecheck {}: {} cases, {} passed, {} failed{}, {} skipped in {:.2?} (seed {:#x})",
        r.framing,
        r.total,
        r.passed,
        r.failed,
        if r.known_failed > 0 {
            format!(" ({} more known to fail)", r.known_failed)
        } else {
            String::new()
        },
        r.skipped,
        r.elapsed,
        r.seed
    );

    if !r.declared.is_empty() {
        let declared = r.declared.join(", ");
        let _ = writeln!(
            s,
            "  as the decoder declares: {}",
            calls::visible(&declared)
        );
    }
    for (kind, n) in &r.by_kind {
        let _ = writeln!(s, "  {kind}: {n}");
    }
    for k in &r.known {
        let _ = writeln!(s, "  known: {} case(s): {k}", k.cases);
    }
    for k in &r.fixed {
        let _ = writeln!(s, "  known but not seen (fixed?): {k}");
    }
    if let Some(why) = &r.skip_reason {
        let _ = writeln!(s, "  skipped: {why}");
    }
    if !r.alloc_metering {
        let _ = writeln!(
            s,
            "  note: allocations were not metered (install framecheck::CountingAlloc as the \
             #[global_allocator] to check for memory bombs)"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::judge;
    use crate::report::StateDependence;
    use crate::{zoo, Framing, Schedule, Stream};
    use std::sync::Arc;

    /// A failure that passes alone says so inside its block: the earlier streams found, or,
    /// when none brought it back, that it may be flaky.
    /// Brackets mark length headers; a framing without them (`lines`) gets none, not even
    /// around a partial last line, and no word about headers.
    #[test]
    fn only_a_framing_with_headers_gets_brackets() {
        let framing: Framing = "lines:max=100".parse().unwrap();
        let stream = Stream::with_tail(framing, "t", vec![b"z\r".to_vec()], b"z".to_vec()).unwrap();
        let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
        let text = render_case(&case, &[]);
        assert!(text.contains("chunk 0    [0..4)  7a 0d 0a 7a\n"), "{text}");
        assert!(!text.contains("headers in brackets"), "{text}");
        let framing: Framing = "u16be:max=100".parse().unwrap();
        let stream = Stream::with_tail(framing, "t", vec![b"z".to_vec()], vec![0]).unwrap();
        let case = Case::new(Arc::new(stream), "whole", Schedule::whole());
        let text = render_case(&case, &[]);
        assert!(text.contains("[00 01] 7a [00]\n"), "{text}");
        assert!(text.contains("(headers in brackets)"), "{text}");
    }

    #[test]
    fn a_state_dependent_failure_is_explained_inside_its_block() {
        let framing: Framing = "u8:max=4".parse().unwrap();
        let case = crate::Case::new(
            Arc::new(Stream::raw(framing, "t", vec![1, 7])),
            "whole",
            Schedule::whole(),
        );
        let crate::Verdict::Fail(failure) = judge(
            &mut zoo::by_name("no-drain-loop").unwrap().build(framing),
            &crate::Case::new(
                Arc::new(Stream::raw(framing, "t", vec![1, 7, 1, 8])),
                "whole",
                Schedule::whole(),
            ),
        ) else {
            panic!("no-drain-loop passed")
        };
        let mut found = FoundFailure {
            original: case.clone(),
            minimal: case.clone(),
            failure,
            shrink_runs: 0,
            count: 1,
            known: None,
            line_limit: None,
            frame_limit: None,
            state: Some(StateDependence {
                after: vec![case.clone(), case],
                earlier: 40,
                runs: 9,
                elapsed: std::time::Duration::from_millis(1500),
            }),
        };
        let text = render_failure(&found, "replay");
        let state = text.lines().nth(3).unwrap();
        assert!(
            state.starts_with("  state:  fails only after 2 earlier streams")
                && state.contains("9 runs, 1.50 s, among the 40 streams"),
            "{text}"
        );
        found.state.as_mut().unwrap().after.clear();
        let text = render_failure(&found, "replay");
        assert!(
            text.contains("no run of the earlier streams on the same process made it fail again")
                && text.contains("flaky"),
            "{text}"
        );
    }

    /// 257 one-byte reads of empty frames print as a few lines, not 257.
    #[test]
    fn runs_of_identical_reads_and_calls_print_once() {
        let framing: Framing = "u32be:max=100".parse().unwrap();
        let stream = Stream::from_messages(framing, "t", vec![Vec::new(); 257]).unwrap();
        let len = stream.bytes().len();
        let case = crate::Case::new(Arc::new(stream), "fixed-4", Schedule::fixed(4, len));
        let crate::Verdict::Fail(f) = judge(
            &mut zoo::by_name("counter-wrap").unwrap().build(framing),
            &case,
        ) else {
            panic!("counter-wrap passed")
        };
        let text = render_case(&case, &f.transcript.calls);
        assert!(
            text.contains("chunks 0..256") && text.contains("257 × 4 bytes"),
            "{text}"
        );
        assert!(text.contains("chunks 0..255"), "{text}");
        assert!(text.lines().count() < 12, "{text}");
        let whole = crate::Case::new(case.stream.clone(), "whole", Schedule::whole());
        let crate::Verdict::Fail(f) = judge(
            &mut zoo::by_name("counter-wrap").unwrap().build(framing),
            &whole,
        ) else {
            panic!("counter-wrap passed")
        };
        let text = render_case(&whole, &f.transcript.calls);
        assert!(text.contains("257 frames: 257 × (empty)"), "{text}");
        assert!(text.contains("256 frames: 256 × (empty)"), "{text}");
    }

    /// A line decoder like an old tokio-util `LinesCodec` under `:text`: it rejects a line
    /// that is not UTF-8, goes on after it, and panics on the `eof` call that follows.
    struct PanicsAtEofAfterError {
        buf: Vec<u8>,
        failed: bool,
    }

    impl crate::FrameDecoder for PanicsAtEofAfterError {
        fn feed(
            &mut self,
            chunk: &[u8],
            frames: &mut Vec<Vec<u8>>,
        ) -> Result<(), crate::Rejection> {
            self.buf.extend_from_slice(chunk);
            while let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).take(i).collect();
                if std::str::from_utf8(&line).is_err() {
                    self.failed = true;
                    return Err(crate::Rejection::new("invalid utf-8"));
                }
                frames.push(line);
            }
            Ok(())
        }

        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), crate::Rejection> {
            assert!(!self.failed, "eof after a decode error");
            self.feed(&[], frames)
        }
    }

    /// The panic on `eof` after a recovered UTF-8 error has its row, and the calls between
    /// the error and the panic show what the rest of the stream owed them, not "no call".
    #[test]
    fn a_panic_at_eof_after_a_recovered_error_shows_every_call_up_to_it() {
        let framing: Framing = "lines:max=16:eof=emit:resync:text".parse().unwrap();
        let stream = Arc::new(Stream::raw(
            framing,
            "not-utf8",
            b"ok\n\xff\xfe\nz\n".to_vec(),
        ));
        for (name, schedule, z_row) in [
            ("bytewise", Schedule::fixed(1, 8), "chunk 7"),
            ("whole", Schedule::whole(), "EOF"),
        ] {
            let case = crate::Case::new(stream.clone(), name, schedule);
            let mut decoder = PanicsAtEofAfterError {
                buf: Vec::new(),
                failed: false,
            };
            let crate::Verdict::Fail(f) = judge(&mut decoder, &case) else {
                panic!("{name}: the decoder passed")
            };
            assert_eq!(
                (f.kind, f.call),
                (crate::FailureKind::Panic, crate::oracle::Call::Eof)
            );
            let text = render_case(&case, &f.transcript.calls);
            assert!(!text.contains("(no call"), "{name}:\n{text}");
            assert!(text.contains("every call up to the failing one"), "{text}");
            let row = |call: &str| {
                text.lines()
                    .skip_while(|l| !l.contains("call by call"))
                    .find(|l| l.trim_start().starts_with(&format!("{call} ")))
                    .unwrap_or_else(|| panic!("{name}: no row for {call}:\n{text}"))
                    .to_string()
            };
            let eof = row("EOF");
            assert!(
                eof.contains("panicked: eof after a decode error"),
                "{name}: {eof}"
            );
            let z = row(z_row);
            let expected = z.split(" | ").next().unwrap_or_default();
            assert!(
                expected.trim_end().ends_with("1 frame: 7a -> ok"),
                "{name}: {z}"
            );
        }
    }

    /// Rejects every stream with a message that would recolour a terminal.
    struct Ansi;

    impl crate::FrameDecoder for Ansi {
        fn feed(&mut self, _: &[u8], _: &mut Vec<Vec<u8>>) -> Result<(), crate::Rejection> {
            Err(crate::Rejection::new("\x1b[31mred\x1b[0m\u{9b}2J"))
        }

        fn eof(&mut self, _: &mut Vec<Vec<u8>>) -> Result<(), crate::Rejection> {
            Ok(())
        }
    }

    /// The decoder's escape sequences print as escapes: in the failure's line and in the
    /// call-by-call table, with no control byte left for the terminal to act on.
    #[test]
    fn an_ansi_escape_in_a_rejection_message_prints_as_an_escape() {
        let framing: Framing = "u8:max=16".parse().unwrap();
        let report = crate::Suite::new(framing).random_cases(2).run(|| Ansi);
        let found = &report.failures[0];
        let text = render_failure(found, &report.reproduce_line(found));
        assert!(
            !text.contains('\x1b') && !text.contains('\u{9b}'),
            "{text:?}"
        );
        let first = text.lines().next().unwrap();
        assert!(first.contains(r"\x1b[31mred\x1b[0m\u{9b}2J"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.contains(r"-> rejected: \x1b[31mred\x1b[0m\u{9b}2J")),
            "{text}"
        );
    }
}
