//! The `framecheck` command lines that the library writes: the `serve` command that
//! `run --isolate` starts for a bundled decoder, and the `Reproduce with:` template for a
//! program driven through the exec protocol.
//!
//! Contract: every piece taken from outside (a path, a decoder name, a user's command) is
//! quoted for a POSIX shell, so that the line runs as printed; options equal to their defaults
//! are left out of a replay line, so that the line a user copies is as short as it can be.
//! They live in the library, beside the protocol, so that the binary only parses and prints.

use std::time::Duration;

use super::program::{DEFAULT_MEMORY_SLACK, DEFAULT_STARTUP, DEFAULT_TIMEOUT};
use crate::framing::Framing;

/// Quotes `s` for a POSIX shell.
///
/// ```
/// assert_eq!(framecheck::exec::shell_quote("it's"), r"'it'\''s'");
/// ```
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The command that serves bundled decoder `decoder` for `framing` from the `framecheck`
/// binary at `exe`, for `sh -c`: what `framecheck run --isolate` runs, one per framing.
///
/// ```
/// let framing = "u16be".parse().unwrap();
/// assert_eq!(
///     framecheck::exec::serve_command("/bin/framecheck", "zoo:x", framing),
///     "'/bin/framecheck' serve --decoder 'zoo:x' --framing 'u16be:max=65535'"
/// );
/// ```
pub fn serve_command(exe: &str, decoder: &str, framing: Framing) -> String {
    format!(
        "{} serve --decoder {} --framing {}",
        shell_quote(exe),
        shell_quote(decoder),
        shell_quote(&framing.to_string())
    )
}

/// The `Reproduce with:` template (`{token}` stands for the case) for the program `command`
/// run with a per-request `timeout`, a `startup` allowance and a `memory_slack` in bytes:
/// `framecheck replay --exec`, with `--timeout-ms`, `--startup-ms` and `--memory-slack-mb` only
/// where they differ from `framecheck replay`'s defaults ([`DEFAULT_TIMEOUT`], [`DEFAULT_STARTUP`]
/// or the timeout if longer, [`DEFAULT_MEMORY_SLACK`]).
///
/// ```
/// use framecheck::exec::{replay_template, DEFAULT_MEMORY_SLACK, DEFAULT_STARTUP, DEFAULT_TIMEOUT};
/// use std::time::Duration;
///
/// assert_eq!(
///     replay_template("./dec u8", DEFAULT_TIMEOUT, DEFAULT_STARTUP, DEFAULT_MEMORY_SLACK),
///     "framecheck replay --exec './dec u8' '{token}'"
/// );
/// assert_eq!(
///     replay_template("./dec u8", Duration::from_millis(500), Duration::from_secs(30), 8 << 20),
///     "framecheck replay --exec './dec u8' --timeout-ms 500 --startup-ms 30000 \
///      --memory-slack-mb 8 '{token}'"
/// );
/// ```
pub fn replay_template(
    command: &str,
    timeout: Duration,
    startup: Duration,
    memory_slack: u64,
) -> String {
    let mut line = format!("framecheck replay --exec {}", shell_quote(command));
    if timeout != DEFAULT_TIMEOUT {
        line.push_str(&format!(" --timeout-ms {}", timeout.as_millis()));
    }
    if startup != DEFAULT_STARTUP.max(timeout) {
        line.push_str(&format!(" --startup-ms {}", startup.as_millis()));
    }
    if memory_slack != DEFAULT_MEMORY_SLACK {
        line.push_str(&format!(" --memory-slack-mb {}", memory_slack >> 20));
    }
    line + " '{token}'"
}
