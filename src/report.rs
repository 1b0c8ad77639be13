//! Text rendering of failures and summaries.
//!
//! A failure prints everything needed to understand and replay it: the verdict kind and what
//! went wrong, the case label (and the label it was shrunk from), the reads as a hex dump with
//! each length header in brackets, what each call was expected to emit next to what it did,
//! and a `Reproduce with:` line.
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

use crate::case::Case;
use crate::framing::End;
use crate::oracle::{short_hex, Call, Outcome};
use crate::suite::{FoundFailure, Report};

/// At most this many bytes of each read are dumped.
const DUMP_BYTES: usize = 32;
/// At most this many reads are listed.
const DUMP_READS: usize = 24;

/// A failure, ready to print (ends with a newline).
pub fn render_failure(found: &FoundFailure, reproduce: &str) -> String {
    let mut s = String::new();
    let f = &found.failure;
    let case = &found.minimal;
    let _ = writeln!(s, "FAIL {}: {}", f.kind, f.detail);
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
    for (&st, &h) in layout.frame_starts.iter().zip(&layout.header_lens) {
        header_start[st] = true;
        header_end[(st + h).min(stream.len())] = true;
    }
    let _ = writeln!(
        s,
        "  reads:  {n} read{}, {} bytes, {} frame{} (headers in brackets)",
        if n == 1 { "" } else { "s" },
        stream.len(),
        exp.frames.len(),
        if exp.frames.len() == 1 { "" } else { "s" },
    );
    for (i, r) in ranges.iter().enumerate().take(DUMP_READS) {
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
        let _ = writeln!(
            s,
            "    {:<10} [{}..{})  {line}",
            format!("chunk {i}"),
            r.start,
            r.end
        );
    }
    if n > DUMP_READS {
        let _ = writeln!(s, "    … {} more reads", n - DUMP_READS);
    }
    if let End::Reject { why, .. } = &exp.end {
        let _ = writeln!(s, "  the stream is invalid: {why}");
    }
    let later = &exp.segments()[1..];
    if !later.is_empty() {
        let more: usize = later.iter().map(|e| e.frames.len()).sum();
        let _ = writeln!(
            s,
            "  after the error the decoder must go on from the next newline ({}): {} more \
             frame(s), {} more error(s); the table shows the calls up to the first error",
            case.stream.framing(),
            more,
            later.len() - 1 + usize::from(!matches!(later[later.len() - 1].end, End::Clean)),
        );
    }

    // Expected, call by call.
    let window = crate::oracle::reject_window(case, n);
    let (reject_from, reject_call) = (window.map(|w| w.0), window.map(|w| w.1));
    let mut expected: Vec<(Vec<&[u8]>, bool)> = vec![(Vec::new(), false); n + 1];
    for fr in &exp.frames {
        let c = crate::oracle::call_of(case, n, fr.due());
        expected[c].0.push(&stream[fr.payload.clone()]);
    }
    if let Some(r) = reject_call {
        expected[r].1 = true;
    }
    let _ = writeln!(s, "  call by call (expected | actual):");
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let last = reject_call.unwrap_or(n).max(calls.len().saturating_sub(1));
    for (c, (frames, rejects)) in expected.iter().enumerate().take(last.min(n) + 1) {
        let call = if c < n { Call::Chunk(c) } else { Call::Eof };
        let exp_s = if reject_call.is_some_and(|r| c > r) {
            "(no call: rejected before)".to_string()
        } else {
            let verdict = match reject_from {
                Some(from) if *rejects && from < c => {
                    "rejected (or from chunk ".to_string() + &from.to_string() + ")"
                }
                _ if *rejects => "rejected".to_string(),
                Some(from) if from <= c && reject_call.is_some_and(|r| c < r) => {
                    "ok or rejected".to_string()
                }
                _ => "ok".to_string(),
            };
            format!("{} -> {verdict}", frames_str(frames.iter().copied()))
        };
        let act_s = match calls.get(c) {
            Some(rec) => format!(
                "{} -> {}",
                frames_str(rec.frames.iter().map(|f| f.as_slice())),
                match &rec.outcome {
                    Outcome::Ok => "ok".to_string(),
                    Outcome::Rejected(m) => format!("rejected: {m}"),
                    Outcome::Panicked(m) => format!("panicked: {m}"),
                    Outcome::Fault(k, m) => format!("{k}: {m}"),
                    Outcome::Hung => "did not return".to_string(),
                }
            ),
            None => "(not called)".to_string(),
        };
        rows.push((call.to_string(), exp_s, act_s));
    }
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

fn frames_str<'a>(frames: impl Iterator<Item = &'a [u8]>) -> String {
    let v: Vec<String> = frames.map(short_hex).collect();
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
        "framecheck {}: {} cases, {} passed, {} failed, {} skipped in {:.2?} (seed {:#x})",
        r.framing, r.total, r.passed, r.failed, r.skipped, r.elapsed, r.seed
    );

    if !r.declared.is_empty() {
        let _ = writeln!(s, "  as the decoder declares: {}", r.declared.join(", "));
    }
    for (kind, n) in &r.by_kind {
        let _ = writeln!(s, "  {kind}: {n}");
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

/// Reports as JSON, for CI: per framing, the counts, the failures (kind, detail, minimal case,
/// replay token, `Reproduce with:` line) and every case's status.
pub fn to_json(reports: &[Report]) -> serde_json::Value {
    use serde_json::json;
    let reports: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let failures: Vec<serde_json::Value> = r
                .failures
                .iter()
                .map(|f| {
                    json!({
                        "kind": f.failure.kind.name(),
                        "detail": f.failure.detail,
                        "count": f.count,
                        "case": f.minimal.label(),
                        "shrunk_from": f.original.label(),
                        "token": f.minimal.token(),
                        "reproduce": r.reproduce_line(f),
                        "report": render_failure(f, &r.reproduce_line(f)),
                    })
                })
                .collect();
            let cases: Vec<serde_json::Value> = r
                .results
                .iter()
                .map(|c| {
                    let (status, kind) = match c.status {
                        crate::suite::Status::Pass => ("pass", None),
                        crate::suite::Status::Fail(k) => ("fail", Some(k.name())),
                        crate::suite::Status::Skip => ("skip", None),
                    };
                    json!({"case": c.label, "status": status, "kind": kind, "detail": c.detail})
                })
                .collect();
            let by_kind: serde_json::Map<String, serde_json::Value> = r
                .by_kind
                .iter()
                .map(|(k, n)| (k.name().to_string(), json!(n)))
                .collect();
            json!({
                "framing": r.framing.to_string(),
                "seed": r.seed,
                "total": r.total,
                "passed": r.passed,
                "failed": r.failed,
                "skipped": r.skipped,
                "skip_reason": r.skip_reason,
                "failed_by_kind": by_kind,
                "elapsed_ms": r.elapsed.as_secs_f64() * 1000.0,
                "alloc_metering": r.alloc_metering,
                "failures": failures,
                "cases": cases,
            })
        })
        .collect();
    json!({
        "framecheck": env!("CARGO_PKG_VERSION"),
        "pass": reports.iter().all(|r| r["failed"] == 0),
        "reports": reports,
    })
}

/// Reports as JUnit XML: one test suite per framing, one test case per harness case; a failed
/// case's `<failure>` message is its own failure and replay token, its text the minimal case
/// of its kind.
#[cfg(feature = "junit")]
pub fn to_junit(name: &str, reports: &[Report]) -> String {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let mut out = JReport::new(name);
    for r in reports {
        let mut suite = TestSuite::new(r.framing.to_string());
        suite.set_time(r.elapsed);
        let minimal: std::collections::BTreeMap<_, _> = r
            .failures
            .iter()
            .map(|f| (f.failure.kind, render_failure(f, &r.reproduce_line(f))))
            .collect();
        for c in &r.results {
            let status = match c.status {
                crate::suite::Status::Pass => TestCaseStatus::success(),
                crate::suite::Status::Fail(kind) => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_type(kind.name());
                    st.set_message(c.detail.clone().unwrap_or_else(|| kind.to_string()));
                    if let Some(text) = minimal.get(&kind) {
                        st.set_description(format!("The minimal case of this kind:\n{text}"));
                    }
                    st
                }
                crate::suite::Status::Skip => {
                    let mut st = TestCaseStatus::skipped();
                    if let Some(why) = &r.skip_reason {
                        st.set_message(why.as_str());
                    }
                    st
                }
            };
            let mut case = TestCase::new(c.label.as_str(), status);
            case.set_classname(r.framing.to_string());
            suite.add_test_case(case);
        }
        out.add_test_suite(suite);
    }
    out.to_string()
        .unwrap_or_else(|e| format!("<!-- JUnit serialisation failed: {e} -->"))
}
