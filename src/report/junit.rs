//! Reports as JUnit XML, for CI systems that show test results (feature `junit`): one test
//! suite per framing, one test case per harness case.

use super::{text::render_failure, Report, Status};

/// Reports as JUnit XML: one test suite per framing, one test case per harness case; a failed
/// case's `<failure>` message is its own failure and replay token, its text the minimal case
/// of its kind.
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
                Status::Pass => TestCaseStatus::success(),
                Status::Fail(kind) => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_type(kind.name());
                    st.set_message(c.detail.clone().unwrap_or_else(|| kind.to_string()));
                    if let Some(text) = minimal.get(&kind) {
                        st.set_description(format!("The minimal case of this kind:\n{text}"));
                    }
                    st
                }
                Status::Known(kind) => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_type(kind.name());
                    let why = c.known.and_then(|i| r.known.get(i));
                    st.set_message(match why {
                        Some(k) => format!("known failure: {k}"),
                        None => format!("known failure: {kind}"),
                    });
                    if let Some(d) = &c.detail {
                        st.set_description(d.as_str());
                    }
                    st
                }
                Status::Skip => {
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
        // A run with no new failure can still fail its baseline (stopped early after known
        // failures, or a fixed entry under the ratchet): one failing test case says why.
        if let Some(why) = r.why_not_pass_beyond_failures() {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_type("baseline");
            st.set_message(why);
            let mut case = TestCase::new("baseline", st);
            case.set_classname(r.framing.to_string());
            suite.add_test_case(case);
        }
        out.add_test_suite(suite);
    }
    out.to_string()
        .unwrap_or_else(|e| format!("<!-- JUnit serialisation failed: {e} -->"))
}

/// The JUnit report of a run that could not happen (a usage error, a program that does not
/// start): one test case, `framecheck`, in error with the message, so that CI shows why.
pub fn error_junit(name: &str, error: &str) -> String {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let mut out = JReport::new(name);
    let mut suite = TestSuite::new("framecheck");
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_type("usage-error");
    status.set_message(error);
    suite.add_test_case(TestCase::new("the run could not start", status));
    out.add_test_suite(suite);
    out.to_string()
        .unwrap_or_else(|e| format!("<!-- JUnit serialisation failed: {e} -->"))
}
