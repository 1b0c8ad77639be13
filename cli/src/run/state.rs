//! After an exec run: failures that show only after earlier streams on the same process (a
//! program that keeps state across `BEGIN`). Each failure kind's minimal case is replayed on a
//! fresh process; when it passes there, the shortest run of the streams that ran before it on
//! that process which makes it fail again is looked for
//! ([`framecheck::exec::state::explain_state`]), and the failure's block says so and replays
//! them first (`framecheck replay --after TOKEN ... TOKEN`).

use framecheck::exec::state::{explain_state, fresh_process};
use framecheck::exec::ExecProgram;
use framecheck::{Case, FailureKind, Report};

/// Explains the failures of `report` (a run of `program`) that pass on a fresh
/// process; `cases` gives the run's cases in run order, made only if one is needed.
pub(super) fn explain(
    report: &mut Report,
    cases: impl FnOnce() -> Vec<Case>,
    program: &ExecProgram,
) {
    let mut fresh = fresh_process(program);
    explain_state(report, cases, &mut fresh);
}

/// The notes printed under an exec run's report: a memory leak is a verdict on the whole run,
/// whose replay line (the last stream) passes alone.
pub(super) fn print_notes(report: &Report) {
    if report
        .failures
        .iter()
        .any(|f| f.failure.kind == FailureKind::MemoryLeak)
    {
        println!(
            "  note: memory-leak is a verdict on the whole run; its replay line replays the \
             last stream, which passes alone"
        );
    }
}
