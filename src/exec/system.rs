//! What the operating system says about a program: the line given to `sh -c`, a value of
//! `/proc/PID/status`, and an exit status in words.
//!
//! Contract: pure functions of their input (or of `/proc`), no state; kept apart from
//! [`process`](super::process) so that the process runner reads as the protocol's loop.

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// The line given to `sh -c`: a simple command is prefixed with `exec`, so that the shell
/// becomes the program rather than forking it (one process to watch and kill, and no orphan
/// left for an init that may not reap it); anything with shell syntax is left as it is.
pub(super) fn shell_line(command: &str) -> String {
    let simple = command
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -_./=:,+@%'\"".contains(c));
    let first = command.split_whitespace().next().unwrap_or("");
    let keyword = ["exec", "if", "for", "while", "case", "until", "!"].contains(&first);
    if simple && !keyword && !first.contains('=') {
        format!("exec {command}")
    } else {
        command.to_string()
    }
}

/// A value in bytes from a `kB` line of `/proc/PID/status`.
pub(super) fn read_status(pid: u32, key: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

pub(super) fn describe(status: ExitStatus) -> String {
    if let Some(sig) = status.signal() {
        return format!("was killed by signal {sig} ({})", signal_name(sig));
    }
    match status.code() {
        Some(code) if code > 128 && code < 160 => format!(
            "exited with status {code} (the shell's report of signal {}, {})",
            code - 128,
            signal_name(code - 128)
        ),
        Some(127) => "exited with status 127 (command not found)".to_string(),
        Some(code) => format!("exited with status {code}"),
        None => "ended".to_string(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    use super::shell_line;

    #[test]
    fn simple_commands_are_execed_and_shell_syntax_is_left_alone() {
        assert_eq!(
            shell_line("python3 my.py u32be 10"),
            "exec python3 my.py u32be 10"
        );
        assert_eq!(
            shell_line("'/a b/framecheck' serve --decoder x"),
            "exec '/a b/framecheck' serve --decoder x"
        );
        assert_eq!(shell_line("cd x && python3 y"), "cd x && python3 y");
        assert_eq!(shell_line("FOO=1 prog"), "FOO=1 prog");
        assert_eq!(shell_line("exec prog"), "exec prog");
        assert_eq!(shell_line("prog | tee log"), "prog | tee log");
    }
}
