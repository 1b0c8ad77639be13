//! After an exec run, the failures whose minimal case alone would mislead, explained by trying
//! them again on fresh processes of the program:
//! - a case that passes on a fresh process (a program that keeps state across `BEGIN`): the
//!   shortest run of the streams that ran before it on that process which makes it fail again
//!   ([`framecheck::exec::state::explain_state`]); the failure's block says so, and its replay
//!   line runs them first (`framecheck replay --after TOKEN ... TOKEN`);
//! - a case that passes with its reads cut smaller (a program that reads request lines into a
//!   fixed-size buffer): the longest line it passes with and the shortest it fails with
//!   ([`framecheck::exec::line_length::explain_line_length`]);
//! - a false rejection of a large frame (a program with a smaller maximum than the framing's):
//!   the longest frame it takes and the shortest it rejects
//!   ([`framecheck::exec::frame_limit::explain_frame_limit`]).

use framecheck::exec::frame_limit::explain_frame_limit;
use framecheck::exec::line_length::explain_line_length;
use framecheck::exec::state::{explain_state, fresh_process};
use framecheck::exec::ExecProgram;
use framecheck::{Case, FailureKind, Report};

/// Explains the failures of `report` (a run of `program`) that pass on a fresh process, or
/// with shorter request lines; `cases` gives the run's cases in run order, made only if one is
/// needed.
pub(super) fn explain(
    report: &mut Report,
    cases: impl FnOnce() -> Vec<Case>,
    program: &ExecProgram,
) {
    let mut fresh = fresh_process(program);
    explain_state(report, cases, &mut fresh);
    explain_line_length(report, &mut fresh);
    explain_frame_limit(report, &mut fresh);
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
