//! Reports as JSON, for CI: per framing, the counts, the failures (kind, detail, minimal case,
//! replay token, `Reproduce with:` line, the text a terminal shows) and every case's status.
//!
//! A failure whose minimal case passes on a fresh process carries `state`: the tokens of the
//! earlier streams that make it fail again (`after`, in order, run first on the same process;
//! empty when none were found), their labels, how many streams had run before it on that
//! process (`earlier`), and the search's runs and time.
//!
//! The field names are a contract with CI scripts: a new field may be added, none renamed.

use serde_json::json;

use super::{text::render_failure, KnownFailure, Report, Status};

/// A baseline entry as the report shows it.
fn known_json(k: &KnownFailure) -> serde_json::Value {
    json!({
        "entry": k.entry,
        "scope": k.scope,
        "kind": k.kind.name(),
        "stream": k.stream,
        "reason": k.reason,
        "link": k.link,
        "cases": k.cases,
    })
}

/// Reports as JSON, for CI: per framing, the counts, the failures (kind, detail, minimal case,
/// replay token, `Reproduce with:` line) and every case's status.
pub fn to_json(reports: &[Report]) -> serde_json::Value {
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
                        "known": f.known.and_then(|i| r.known.get(i)).map(known_json),
                        "state": f.state.as_ref().map(|s| json!({
                            "after": s.after.iter().map(|c| c.token()).collect::<Vec<_>>(),
                            "after_cases": s.after.iter().map(|c| c.label()).collect::<Vec<_>>(),
                            "earlier": s.earlier,
                            "runs": s.runs,
                            "elapsed_ms": s.elapsed.as_secs_f64() * 1000.0,
                        })),
                        "frame_limit": f.frame_limit.as_ref().map(|l| json!({
                            "takes_up_to": l.takes_up_to,
                            "rejects_from": l.rejects_from,
                            "runs": l.runs,
                            "elapsed_ms": l.elapsed.as_secs_f64() * 1000.0,
                        })),
                        "line_limit": f.line_limit.as_ref().map(|l| json!({
                            "read_passes_up_to": l.read_passes_up_to,
                            "read_fails_from": l.read_fails_from,
                            "line_passes_up_to": l.line_passes_up_to,
                            "line_fails_from": l.line_fails_from,
                            "runs": l.runs,
                            "elapsed_ms": l.elapsed.as_secs_f64() * 1000.0,
                        })),
                    })
                })
                .collect();
            let cases: Vec<serde_json::Value> = r
                .results
                .iter()
                .map(|c| {
                    let (status, kind) = match c.status {
                        Status::Pass => ("pass", None),
                        Status::Fail(k) => ("fail", Some(k.name())),
                        // A failure a baseline expects: skipped, with the baseline's reason.
                        Status::Known(k) => ("skip", Some(k.name())),
                        Status::Skip => ("skip", None),
                    };
                    let mut case = json!({
                        "case": c.label, "status": status, "kind": kind, "detail": c.detail
                    });
                    if let Some(k) = c.known.and_then(|i| r.known.get(i)) {
                        case["known"] = known_json(k);
                    }
                    case
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
                "pass": r.is_pass(),
                "not_pass_because": r.why_not_pass_beyond_failures(),
                "failed": r.failed,
                "known_failed": r.known_failed,
                "known": r.known.iter().map(known_json).collect::<Vec<_>>(),
                "fixed": r.fixed.iter().map(known_json).collect::<Vec<_>>(),
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
        "pass": reports.iter().all(|r| r["pass"] == true),
        "reports": reports,
    })
}

/// The JSON report of a run that could not happen (a usage error, a program that does not
/// start), so that CI shows why rather than a missing file: `pass` false, no reports, and the
/// error.
pub fn error_json(error: &str) -> serde_json::Value {
    json!({
        "framecheck": env!("CARGO_PKG_VERSION"),
        "pass": false,
        "error": error,
        "reports": [],
    })
}
