//! The `framecheck` command line: argument parsing and printing only; the work is the
//! library's.
//!
//! One file per subcommand holds that subcommand's arguments beside its `run` (the layout of
//! cargo-fuzz's commands); this file parses and dispatches, and turns the outcome into the exit
//! code: 0 every case passed, 1 a conformance failure, 2 a usage or I/O error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bundled;
mod corpus;
mod gate;
mod matrix;
mod new;
mod on_path;
mod progress;
mod replay;
mod run;
mod selftest;
mod serve;
mod soak;
mod startup;
mod tcp;
mod usage;
mod vectors;

#[global_allocator]
static ALLOC: framecheck::CountingAlloc = framecheck::CountingAlloc;

/// `framecheck --version`: the release, and the exec protocol it speaks (a program written for
/// that protocol works with any release that prints the same one).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (exec protocol 1)");

/// A fuzzing and conformance harness for stream-framing decoders.
///
/// Exit codes: 0 every case passed, 1 at least one case failed, 2 the run could not happen.
#[derive(Parser)]
#[command(name = "framecheck", version = VERSION, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the default suite against a bundled decoder (the reference decoders by default).
    Run(run::RunArgs),
    /// Run the suite against every buggy decoder of the zoo and the reference decoder, and show
    /// that each bug is caught and the reference passes.
    Selftest(selftest::SelftestArgs),
    /// Replay one case from the token printed after `Reproduce with:`.
    Replay(replay::ReplayArgs),
    /// The golden vectors in `vectors/`: list, check, run against a decoder, regenerate.
    #[command(subcommand)]
    Vectors(vectors::VectorsCommand),
    /// Run every bundled decoder (the reference and the third-party adapters) under every
    /// matrix framing, and print decoders × case groups.
    Matrix(matrix::MatrixArgs),
    /// Serve a bundled decoder over the exec protocol on stdin/stdout: what `--isolate` runs in
    /// a child process.
    Serve(serve::ServeArgs),
    /// Seed corpora for the fuzz targets: `corpus generate` writes them from the golden
    /// vectors, `corpus check` replays a folder through its target's check.
    #[command(subcommand)]
    Corpus(corpus::CorpusCommand),
    /// Stream gigabytes or billions of frames through one decoder, checking every frame
    /// without storing the stream; a failure is shrunk to the smallest `--frames` that fails.
    Soak(soak::SoakArgs),
    /// Test a server over TCP on loopback: it echoes each frame (or, with --reply, answers
    /// each with one frame); one connection per case, each chunk a write of its own.
    Tcp(tcp::TcpArgs),
    /// Write an exec-protocol adapter skeleton (python, node, c, go, java or rust) for a
    /// framing, passing as written, with the decoder part marked for you to replace.
    New(new::NewArgs),
}

/// Parses a seed: decimal or `0x` hex (the form a report prints).
pub(crate) fn parse_seed(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("{s:?} is not a seed (a number, decimal or 0x-hex)"))
}

fn main() -> ExitCode {
    // SIGPIPE stays ignored (writes to an exec program must fail softly), so printing into a
    // closed pipe (`framecheck ... | head`) panics: end quietly instead, with exit code 2 (the
    // output could not be delivered).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            // No destructor runs on this way out: end the programs and servers under test
            // here, or they would outlive the run.
            framecheck::exec::kill_all();
            std::process::exit(2);
        }
        default_hook(info);
    }));
    // On SIGINT, SIGTERM or SIGHUP, kill the programs under test before exiting.
    framecheck::exec::kill_all_on_signals();
    // The orphans of the programs under test (a daemon's double fork, the children of a
    // program that crashed) become this process's children, to be killed and reaped: this
    // process has no children but the programs it runs, so it may.
    framecheck::exec::become_subreaper();
    // A command line clap refuses still writes the --json/--junit reports it names.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage::fail(e),
    };
    // The commands whose failures print replay lines (`framecheck replay …`, `framecheck soak
    // …`) for a shell to run.
    let replays = matches!(
        cli.command,
        Command::Run(_) | Command::Vectors(_) | Command::Soak(_) | Command::Tcp(_)
    );
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Selftest(a) => selftest::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Vectors(c) => vectors::run(c),
        Command::Matrix(a) => matrix::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Corpus(c) => corpus::run(c),
        Command::Soak(a) => soak::run(a),
        Command::Tcp(a) => tcp::run(a),
        Command::New(a) => new::run(a),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            if replays {
                on_path::print_note();
            }
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("framecheck: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    /// The version line names the protocol version the library speaks.
    #[test]
    fn the_version_line_names_the_library_s_exec_protocol() {
        let protocol = format!("(exec protocol {})", framecheck::exec::PROTOCOL_VERSION);
        assert!(super::VERSION.ends_with(&protocol), "{}", super::VERSION);
    }
}
