//! The progress bar: on stderr, shown only on a terminal and only once a run has taken a
//! second, so that piped output and quick runs stay clean.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use framecheck::Suite;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `suite`, drawing its progress on stderr when that is a terminal.
pub(crate) fn with_progress(suite: Suite) -> Suite {
    if !std::io::stderr().is_terminal() {
        return suite;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("[{bar:20}] {pos}/{len} cases, {eta} left  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(suite.framing().to_string());
    let started = Instant::now();
    suite.on_progress(move |done, total| {
        if bar.is_hidden() && started.elapsed() > Duration::from_secs(1) && done < total {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done == total {
            bar.finish_and_clear();
        }
    })
}
