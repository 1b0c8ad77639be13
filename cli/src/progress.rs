//! The progress bar: on stderr, shown only on a terminal and only once a run has taken a
//! second, so that piped output and quick runs stay clean.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use framecheck::runner::Runner;
use framecheck::Suite;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `suite`, drawing its progress on stderr when that is a terminal.
pub(crate) fn with_progress(suite: Suite) -> Suite {
    if !std::io::stderr().is_terminal() {
        return suite;
    }
    let label = suite.framing().to_string();
    suite.on_progress(bar(label))
}

/// `runner`, drawing its progress on stderr, labelled `label`, when that is a terminal.
pub(crate) fn runner_with_progress(runner: Runner, label: String) -> Runner {
    if !std::io::stderr().is_terminal() {
        return runner;
    }
    runner.on_progress(bar(label))
}

/// A progress callback drawing a bar labelled `label`.
fn bar(label: String) -> impl Fn(usize, usize) + Send + Sync + 'static {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("[{bar:20}] {pos}/{len} cases, {eta} left  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(label);
    let started = Instant::now();
    move |done, total| {
        if bar.is_hidden() && started.elapsed() > Duration::from_secs(1) && done < total {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done == total {
            bar.finish_and_clear();
        }
    }
}
