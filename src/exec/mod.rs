//! The exec protocol (version 1): a decoder in any language, driven through a child process.
//!
//! The harness starts the user's command with `sh -c` and talks to it over stdin/stdout in
//! ASCII lines ending in `\n`.
//!
//! ```text
//! harness -> program            program -> harness (per request)
//! BEGIN                         zero or more  FRAME <hex>   (one per frame completed, in order;
//! CHUNK <hex>                                               `FRAME` alone is an empty frame)
//! EOF                           then exactly  DONE  or  ERROR <message>
//! ```
//!
//! `BEGIN` starts a new stream with a fresh decoder (answered by `DONE`); `CHUNK` carries the
//! bytes of one `recv()` in lowercase hex (at least one byte); `EOF` says the peer closed the
//! stream. After `ERROR` the harness starts the next stream with `BEGIN`, except under a
//! framing whose errors the decoder recovers from (`lines:resync`): there it goes on with the
//! same stream (`CHUNK`, or `EOF` again), as it does in process. Anything the program writes to
//! stderr is kept (the last 4 KiB) for the report.
//!
//! [`ExecProgram`] keeps one process alive across cases and restarts it only after a fault.
//! Each fault is a verdict on the case ([`Fault`](crate::oracle::Fault)), and the run goes on:
//!
//! | what the program does | verdict |
//! |---|---|
//! | exits, or is killed by a signal | `crash`, with the exit status or signal and the stderr tail |
//! | does not answer a request within the timeout | `hang` (the program is killed, with its process group and every descendant) |
//! | writes a line that is not `FRAME`/`DONE`/`ERROR`, or bad hex | `protocol-error`, with the line |
//! | grows its peak resident memory beyond the budget | `memory-bomb` (read from `/proc/PID/status`, reset through `/proc/PID/clear_refs` at each `BEGIN`) |
//!
//! The first answer of a fresh process has a start-up allowance of its own
//! ([`ExecProgram::startup`], default [`DEFAULT_STARTUP`]); every later request has the timeout.
//! [`ExecProgram::preflight`] also sends an empty stream (`BEGIN`, `EOF`, `BEGIN`), so that the
//! adapter mistakes that would fail every case (exiting after `EOF`, no `DONE` after `EOF`, a
//! `DONE` after `EOF` that always comes after the timeout) are one usage error, named, instead
//! of a run of crashes or hangs (`diagnose.rs`).
//!
//! After a run, two searches explain failures whose minimal case alone would mislead: one that
//! passes on a fresh process is replayed after the earlier streams that make it fail
//! ([`state`]), one that passes with shorter request lines is bounded to the line length it
//! needs ([`line_length`]: a fixed-size line buffer in the adapter), and a false rejection of a
//! large frame is bounded to the program's own maximum ([`frame_limit`]).
//!
//! Across the run, the resident memory read at each `BEGIN` is also a sample for the leak
//! check ([`crate::leak`]): a steady growth beyond [`ExecProgram::leak_slack`] is a
//! `memory-leak`, a verdict on the run rather than on one case.
//!
//! # Where each part lives
//!
//! | file | side | what |
//! |---|---|---|
//! | `request.rs` | both | [`Request`]: the three requests, written by the runner, read by [`serve`] |
//! | `answer.rs` | both | [`Answer`] and [`parse_answer`]: one line of an answer (the fuzz target `exec_answer`) |
//! | `program.rs` | harness | [`ExecProgram`] and its per-stream [`ExecDecoder`] |
//! | `process.rs` | harness | the child process: spawn, write, read, watch memory, kill |
//! | `system.rs` | harness | the `sh -c` line, `/proc/PID/status`, an exit status in words |
//! | `diagnose.rs` | harness | the adapter's mistakes named, with what to do |
//! | `reaper.rs` | harness | ending a program's whole tree, the descendants that left its group and the orphans included ([`kill_all`], [`become_subreaper`]); for any supervisor of child processes |
//! | `serve.rs` | program | [`serve`]: a decoder in this process, answering over any reader and writer |
//! | `command_line.rs` | harness | the `serve` command of `run --isolate`, and the replay line for a program |
//! | `state.rs` | harness | after a run: a failure that shows only after earlier streams, and the shortest run of them |
//! | `line_length.rs` | harness | after a run: a failure that needs a long request line, and the line length it starts at |
//! | `frame_limit.rs` | harness | after a run: a false rejection of a large frame, and the program's own maximum |
//!
//! Both ends sit in one module so that what the harness writes and what [`serve`] reads are
//! checked against each other by unit tests, and the bytes on the wire stay pinned in one place.

/// The version of the exec protocol this library speaks, on both sides (`framecheck --version`
/// prints it): the requests and answers above. A change a program would notice changes it.
pub const PROTOCOL_VERSION: u32 = 1;

mod answer;
mod command_line;
mod diagnose;
pub mod frame_limit;
pub mod line_length;
mod process;
mod program;
pub(crate) mod reaper;
mod request;
mod serve;
pub mod state;
mod system;

pub use answer::{parse_answer, Answer};
pub use command_line::{replay_template, serve_command, shell_quote};
pub use program::{
    ExecDecoder, ExecProgram, DEFAULT_MEMORY_SLACK, DEFAULT_STARTUP, DEFAULT_TIMEOUT,
};
pub use reaper::{become_subreaper, kill_all, kill_all_on_signals};
pub use request::Request;
pub use serve::serve;
