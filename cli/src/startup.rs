//! `--startup-ms`, the start-up allowance of a program under test, shared by the subcommands
//! that run one through the exec protocol (`run`, `replay`, `soak`, `vectors run`), so that
//! a program which needs it to pass a run also gets it in the replay the run prints.

use std::time::Duration;

use framecheck::exec::ExecProgram;

/// The `--startup-ms` option.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub(crate) struct StartupArg {
    /// With --exec: how long, in milliseconds, a freshly started program may take to answer
    /// its first BEGIN (a JVM takes seconds to start); every later request has --timeout-ms.
    /// (Default: 10,000, or --timeout-ms if longer.)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    startup_ms: Option<u64>,
}

impl StartupArg {
    /// `program` with the allowance given, if one was.
    pub(crate) fn apply(self, program: ExecProgram) -> ExecProgram {
        match self.startup_ms {
            Some(ms) => program.startup(Duration::from_millis(ms)),
            None => program,
        }
    }
}
