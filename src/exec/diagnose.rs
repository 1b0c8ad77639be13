//! Naming the adapter's mistake: what a newcomer's program most often gets wrong about the
//! protocol, recognised from what the harness sees, and said with what to do.
//!
//! Contract: every function here only words a message (or reads a fact the message needs); the
//! verdict kinds stay the table's in [`super`]. A diagnosis is given only when what the harness
//! saw fits the mistake, and says what was seen, so that a wrong guess still reads as a fact.
//!
//! | what the harness sees | the mistake named |
//! |---|---|
//! | no answer to the first `BEGIN` within the start-up allowance, `BEGIN` still unread | a slow start: raise `--startup-ms` (the late answer's time is measured at preflight) |
//! | no answer to the first `BEGIN`, `BEGIN` read | an unflushed stdout |
//! | the program ends with status 0 right after answering `EOF` | one process must serve every stream |
//! | `EOF` read, the program alive, no `DONE` or `ERROR` in twice the timeout | `DONE` missing after `EOF` |
//! | `EOF` read, its `DONE` late but within twice the timeout | a slow answer: raise `--timeout-ms` |
//! | stray output after a long request line | a fixed-size line buffer |
//! | a failure that the same bytes in shorter request lines cure (after the run, `line_length.rs`) | a fixed-size line buffer, bounded to its size |
//! | an answer line of free text | debug output on stdout instead of stderr |
//!
//! The reason for the design: these mistakes are in the adapter, not the decoder, and without
//! a name they look like decoder faults (a crash, a hang, a protocol error) and send the user
//! looking in the wrong place.

use std::os::fd::AsRawFd;

pub(super) use crate::error::grouped;

/// A request line at least this long (its newline included) is named, with its length, in a
/// protocol error that follows it: line buffers of 512 bytes and more are common.
pub(super) const LONG_REQUEST: usize = 512;

/// The adapter mistakes recognised while the program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mistake {
    /// Ended (status 0) right after answering `EOF`.
    ExitAfterEof,
    /// Read `EOF`, stayed alive, and never ended the answer.
    NoDoneAfterEof,
    /// Read `EOF` and ended the answer, but after the timeout.
    SlowEofAnswer,
}

/// The name of an exit right after answering `EOF`.
pub(super) const EXIT_AFTER_EOF: &str = "exited right after answering EOF";

/// What to do about it.
pub(super) const ONE_PROCESS: &str =
    "one process must serve every stream (loop over BEGIN … EOF until stdin closes)";

/// What to do about a missing `DONE` after `EOF`.
pub(super) const NO_DONE_AFTER_EOF: &str =
    "no DONE after EOF: end every answer, including EOF's, with DONE (or ERROR <message>)";

/// How many bytes written to `pipe` the program has not read yet (`None` if unknown).
pub(super) fn unread(pipe: &impl AsRawFd) -> Option<usize> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD on a pipe descriptor this process owns writes one int through the
    // pointer, which points at `n`.
    let r = unsafe { libc::ioctl(pipe.as_raw_fd(), libc::FIONREAD, &mut n) };
    (r == 0 && n >= 0).then_some(n as usize)
}

/// For a protocol error that came after request `what`, a line of `len` bytes (its newline
/// included): the request's length and the fixed-buffer question, if the line was long.
pub(super) fn long_request(what: &str, len: usize) -> String {
    if len < LONG_REQUEST {
        return String::new();
    }
    format!(
        "; it came after the {}-character {what} request (with its newline): does the program \
         read lines with a fixed-size buffer? Requests have no length limit (a CHUNK carries a \
         whole read of the stream, in hex): read lines without a length limit",
        grouped(len)
    )
}

/// The answer to `what` that ended, but only after `took` ms, past the `timeout` ms of
/// `--timeout-ms`.
pub(super) fn slow_answer(what: &str, took: u128, timeout: u128) -> String {
    format!(
        "the program answered {what} only after {} ms, past the timeout of {} ms \
         (--timeout-ms): it does end its answer (with DONE or ERROR), but late (a slow \
         decoder, or a loaded machine); if that is as fast as it gets, give it more time with --timeout-ms {}",
        grouped(took as usize),
        grouped(timeout as usize),
        suggest_ms(took)
    )
}

/// Twice `took` ms, rounded up to a second: room for a slower machine.
fn suggest_ms(took: u128) -> u128 {
    (took * 2).div_ceil(1000).max(1) * 1000
}

/// The late first answer: `took` ms against the `allowance` ms of `--startup-ms`.
pub(super) fn slow_start(took: u128, allowance: u128) -> String {
    format!(
        "it answered BEGIN only after {} ms, past the start-up allowance of {} ms: the program \
         starts slowly (a JVM, a large interpreter); give it more time to start with \
         --startup-ms {} (--timeout-ms is the allowance of every later request)",
        grouped(took as usize),
        grouped(allowance as usize),
        suggest_ms(took)
    )
}

#[cfg(test)]
mod tests {
    use super::{grouped, long_request, slow_answer, slow_start};

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(4228), "4,228");
        assert_eq!(grouped(1_048_583), "1,048,583");
    }

    #[test]
    fn only_a_long_request_is_named() {
        assert_eq!(long_request("CHUNK", 20), "");
        let m = long_request("CHUNK", 4228);
        assert!(m.contains("4,228-character CHUNK request"), "{m}");
        assert!(m.contains("without a length limit"), "{m}");
    }

    #[test]
    fn a_slow_answer_names_its_time_and_suggests_twice_it() {
        let m = slow_answer("EOF", 2_480, 2_000);
        assert!(m.contains("answered EOF only after 2,480 ms"), "{m}");
        assert!(m.contains("timeout of 2,000 ms"), "{m}");
        assert!(m.contains("--timeout-ms 5000"), "{m}");
    }

    #[test]
    fn a_slow_start_suggests_twice_its_time() {
        let m = slow_start(3012, 1000);
        assert!(m.contains("after 3,012 ms"), "{m}");
        assert!(m.contains("--startup-ms 7000"), "{m}");
    }
}
