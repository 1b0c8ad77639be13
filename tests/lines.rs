//! Lines, netstrings and fixed-size frames: the reference decoder passes every policy, and the
//! oracle catches each way a line or netstring decoder goes wrong (the over-long line, the
//! unterminated last line, the recovery after an error, the missing comma) with the verdict kind
//! that bug should produce.

use std::time::Duration;

use framecheck::{FailureKind, FrameDecoder, Framing, ReferenceDecoder, Rejection, Suite};

/// The kind of the first failure of the generated suite, if any.
fn first_failure<D: FrameDecoder + 'static>(
    framing: &str,
    factory: impl Fn() -> D + Send + Sync + 'static,
) -> Option<FailureKind> {
    let framing: Framing = framing.parse().unwrap();
    let report = Suite::new(framing)
        .fail_fast(true)
        .shrink_runs(0)
        // Generous: these tests are not about hangs, and a shared machine may be slow.
        .timeout(Duration::from_secs(5))
        .run(factory);
    report.failures.first().map(|f| f.failure.kind)
}

/// A line decoder with one of the usual mistakes switched on.
#[derive(Default, Clone, Copy)]
struct Bugs {
    /// After an over-long line, keeps failing instead of skipping to the next newline.
    no_resync: bool,
    /// After an over-long line, starts a new line at the next byte (the rest of the long line
    /// comes out as a frame).
    resync_mid_line: bool,
    /// Checks the maximum only when the newline arrives.
    max_at_newline: bool,
    /// Emits what is buffered at the end of each read when no newline came (for `:eof=emit`).
    emit_at_chunk_end: bool,
    /// Drops an unterminated last line at EOF.
    drop_unterminated: bool,
    /// Takes at most one line per read.
    no_drain: bool,
}

struct Lines {
    max: usize,
    emit_at_eof: bool,
    bugs: Bugs,
    buf: Vec<u8>,
    discarding: bool,
    failed: bool,
}

impl Lines {
    fn new(max: usize, emit_at_eof: bool, bugs: Bugs) -> Lines {
        Lines {
            max,
            emit_at_eof,
            bugs,
            buf: Vec::new(),
            discarding: false,
            failed: false,
        }
    }

    fn drain(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.failed && self.bugs.no_resync {
            return Err(Rejection::new("still failed"));
        }
        loop {
            if self.discarding {
                match self.buf.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.buf.drain(..=i);
                        self.discarding = false;
                    }
                    None => {
                        self.buf.clear();
                        return Ok(());
                    }
                }
            }
            match self.buf.iter().position(|&b| b == b'\n') {
                Some(i) if i > self.max && self.bugs.max_at_newline => {
                    self.buf.drain(..=i);
                    self.failed = true;
                    return Err(Rejection::new("line too long"));
                }
                Some(i) if i <= self.max || self.bugs.max_at_newline => {
                    frames.push(self.buf[..i].to_vec());
                    self.buf.drain(..=i);
                    if self.bugs.no_drain {
                        return Ok(());
                    }
                }
                _ if self.buf.len() > self.max && !self.bugs.max_at_newline => {
                    self.buf.drain(..=self.max);
                    self.failed = true;
                    self.discarding = !self.bugs.resync_mid_line;
                    return Err(Rejection::new("line too long"));
                }
                _ => return Ok(()),
            }
        }
    }
}

impl FrameDecoder for Lines {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        self.drain(frames)?;
        if self.bugs.emit_at_chunk_end && !self.buf.is_empty() && !self.discarding {
            frames.push(std::mem::take(&mut self.buf));
        }
        Ok(())
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.drain(frames)?;
        if self.buf.is_empty() || self.discarding || self.bugs.drop_unterminated {
            return Ok(());
        }
        if self.emit_at_eof {
            frames.push(std::mem::take(&mut self.buf));
            Ok(())
        } else {
            Err(Rejection::new("unterminated line"))
        }
    }
}

const RESYNC: &str = "lines:max=16:eof=emit:resync";

fn lines(emit_at_eof: bool, bugs: Bugs) -> impl Fn() -> Lines + Send + Sync + 'static {
    move || Lines::new(16, emit_at_eof, bugs)
}

#[test]
fn the_reference_passes_every_lines_policy_and_fixed_sizes() {
    for spec in [
        "lines",
        "lines:max=16",
        "lines:max=16:eof=emit",
        "lines:max=16:resync",
        RESYNC,
        "lines:max=1:resync:noempty",
        "lines:max=0:eof=emit:resync",
        "lines:max=16:text",
        "lines:max=16:crlf",
        "lines:max=16:eof=emit:resync:text:crlf",
        "fixed:size=1",
        "fixed:size=4",
        "fixed:size=300",
    ] {
        let framing: Framing = spec.parse().unwrap();
        let report = Suite::new(framing).run(move || ReferenceDecoder::new(framing));
        assert!(report.is_pass(), "{spec}: {:?}", report.failures.first());
        assert!(report.total > 100, "{spec}: only {} cases", report.total);
    }
}

#[test]
fn a_correct_line_decoder_passes_with_and_without_resync() {
    assert_eq!(first_failure(RESYNC, lines(true, Bugs::default())), None);
    assert_eq!(
        first_failure("lines:max=16", lines(false, Bugs::default())),
        None
    );
}

#[test]
fn failing_on_after_an_overlong_line_is_a_false_rejection_under_resync() {
    let bugs = Bugs {
        no_resync: true,
        ..Bugs::default()
    };
    // What follows the over-long line is valid, and the decoder rejects it.
    assert_eq!(
        first_failure(RESYNC, lines(true, bugs)),
        Some(FailureKind::FalseRejection)
    );
    // Without `:resync` the error ends the stream, and the same decoder is right.
    assert_eq!(
        first_failure("lines:max=16:eof=emit", lines(true, bugs)),
        None
    );
}

#[test]
fn resuming_in_the_middle_of_the_long_line_emits_its_rest() {
    let bugs = Bugs {
        resync_mid_line: true,
        ..Bugs::default()
    };
    assert_eq!(
        first_failure(RESYNC, lines(true, bugs)),
        Some(FailureKind::WrongFrame)
    );
}

#[test]
fn checking_the_max_at_the_newline_is_a_late_rejection() {
    let bugs = Bugs {
        max_at_newline: true,
        ..Bugs::default()
    };
    assert_eq!(
        first_failure("lines:max=16", lines(false, bugs)),
        Some(FailureKind::LateRejection)
    );
}

#[test]
fn an_unterminated_line_is_due_at_eof_not_before_and_not_never() {
    let early = Bugs {
        emit_at_chunk_end: true,
        ..Bugs::default()
    };
    // In the suite, a line cut by a read comes out in two pieces first.
    assert_eq!(
        first_failure("lines:max=16:eof=emit", lines(true, early)),
        Some(FailureKind::ExtraFrame)
    );
    // With the whole stream in one read, the last line comes out before EOF.
    let framing: Framing = "lines:max=16:eof=emit".parse().unwrap();
    let stream = std::sync::Arc::new(framecheck::Stream::raw(framing, "t", b"ok\nxyz".to_vec()));
    let whole = framecheck::Case::new(stream, "whole", framecheck::Schedule::from_cuts(vec![], 6));
    let verdict = framecheck::judge(&mut Lines::new(16, true, early), &whole);
    let failure = verdict.failure().expect("caught");
    assert_eq!(failure.kind, FailureKind::WrongFrame);
    assert!(failure.detail.contains("before EOF"), "{}", failure.detail);
    let dropped = Bugs {
        drop_unterminated: true,
        ..Bugs::default()
    };
    assert_eq!(
        first_failure("lines:max=16:eof=emit", lines(true, dropped)),
        Some(FailureKind::MissingFrame)
    );
    assert_eq!(
        first_failure("lines:max=16", lines(false, dropped)),
        Some(FailureKind::TruncationIgnored)
    );
    // A decoder that emits the last line, checked against the reject policy.
    assert_eq!(
        first_failure("lines:max=16", lines(true, Bugs::default())),
        Some(FailureKind::PartialFrameAtEof)
    );
}

#[test]
fn one_line_per_read_is_a_stuck_frame() {
    let bugs = Bugs {
        no_drain: true,
        ..Bugs::default()
    };
    assert_eq!(
        first_failure(RESYNC, lines(true, bugs)),
        Some(FailureKind::StuckFrame)
    );
}

#[test]
fn a_fixed_size_decoder_that_drops_the_remainder_ignores_a_truncation() {
    let factory = || {
        framecheck::adapter::from_fn(
            Vec::new(),
            |buf: &mut Vec<u8>, chunk: &[u8], frames: &mut Vec<Vec<u8>>| {
                buf.extend_from_slice(chunk);
                while buf.len() >= 4 {
                    frames.push(buf.drain(..4).collect());
                }
                Ok(())
            },
            |_, _: &mut Vec<Vec<u8>>| Ok(()),
        )
    };
    assert_eq!(
        first_failure("fixed:size=4", factory),
        Some(FailureKind::TruncationIgnored)
    );
}

/// The worked example of the module docs, through the oracle: an over-long line between two
/// good ones, one read each way, and the call that must emit each.
#[test]
fn resync_frames_after_an_error_in_the_same_read_are_due_from_the_next_call() {
    use framecheck::{Case, Stream};
    use std::sync::Arc;
    let framing: Framing = "lines:max=3:resync".parse().unwrap();
    let stream = Arc::new(Stream::raw(framing, "doc", b"ab\ntoo long\nok\n".to_vec()));
    let whole = Case::new(
        stream.clone(),
        "whole",
        framecheck::Schedule::from_cuts(vec![], 15),
    );
    let calls = framecheck::oracle::transcript(&mut ReferenceDecoder::new(framing), &whole);
    // chunk 0: "ab", then Err; EOF: "ok" (the rest of the read), then Ok.
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].frames, [b"ab".to_vec()]);
    assert_eq!(calls[1].frames, [b"ok".to_vec()]);
    assert!(framecheck::oracle::judge(&mut ReferenceDecoder::new(framing), &whole).is_pass());
    // A decoder that swallows the error is caught.
    let mut lenient = Lines::new(3, false, Bugs::default());
    lenient.max = 100;
    let verdict = framecheck::oracle::judge(&mut lenient, &whole);
    assert_eq!(
        verdict.failure().map(|f| f.kind),
        Some(FailureKind::ExtraFrame)
    );
}

/// `:text` and `:crlf` are checked, not assumed: a decoder that keeps the `\r` fails under
/// `:crlf`, and one that passes any bytes fails under `:text`.
#[test]
fn text_and_crlf_policies_have_teeth() {
    let bytes: Framing = "lines:max=16:eof=emit".parse().unwrap();
    assert_eq!(
        first_failure("lines:max=16:eof=emit:crlf", move || ReferenceDecoder::new(
            bytes
        )),
        Some(FailureKind::WrongFrame)
    );
    assert_eq!(
        first_failure("lines:max=16:eof=emit:text", move || ReferenceDecoder::new(
            bytes
        )),
        // It emits the bad line where the stream must be rejected.
        Some(FailureKind::ExtraFrame)
    );
}

/// A decoder declares its EOF and recovery policies; the suite adopts them and the report says
/// so. Undeclared, the framing's policy holds (see
/// `an_unterminated_line_is_due_at_eof_not_before_and_not_never`).
#[test]
fn declared_line_policies_aim_the_suite_and_are_listed() {
    let profile: Framing = "lines:max=16:eof=emit:resync".parse().unwrap();
    let framing: Framing = "lines:max=16".parse().unwrap();
    let report = Suite::new(framing)
        .run(move || framecheck::adapter::declare(Lines::new(16, true, Bugs::default()), profile));
    assert!(report.is_pass(), "{report}");
    assert_eq!(
        report.declared,
        [
            "an unterminated last line is a frame (eof=emit)",
            "goes on after an error, from the next newline (resync)"
        ]
    );
    assert!(
        report.to_string().contains("as the decoder declares"),
        "{report}"
    );
}

/// A stream of many recoverable errors is many segments, handled in loops: no recursion over
/// them (20,000 nested levels would overflow a test thread's stack).
#[test]
fn twenty_thousand_bad_lines_are_checked_without_recursion() {
    use framecheck::{Case, Stream};
    use std::sync::Arc;
    let framing: Framing = "lines:max=0:resync".parse().unwrap();
    let bytes = b"a\n".repeat(20_000);
    let stream = Arc::new(Stream::raw(framing, "many", bytes.clone()));
    assert_eq!(stream.expectation().segments().len(), 20_001);
    let whole = Case::new(
        stream,
        "whole",
        framecheck::Schedule::from_cuts(vec![], bytes.len()),
    );
    assert!(framecheck::judge(&mut ReferenceDecoder::new(framing), &whole).is_pass());
    let chunks = vec![bytes];
    let outcome = framecheck::vectors::spec_outcome(framing, &chunks);
    assert_eq!(outcome.resumed.len(), 20_000);
}

/// A netstring decoder with switchable mistakes.
struct Net {
    max: u64,
    skip_comma_check: bool,
    max_at_colon: bool,
    buf: Vec<u8>,
}

impl FrameDecoder for Net {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        loop {
            let digits = self.buf.iter().take_while(|b| b.is_ascii_digit()).count();
            let most = self.max.to_string().len();
            if !self.max_at_colon && digits > most {
                return Err(Rejection::new("length too long"));
            }
            if digits > 1 && self.buf[0] == b'0' {
                return Err(Rejection::new("leading zero"));
            }
            let Some(&sep) = self.buf.get(digits) else {
                return Ok(());
            };
            if sep != b':' || digits == 0 {
                return Err(Rejection::new("malformed length"));
            }
            let len: u64 = std::str::from_utf8(&self.buf[..digits])
                .unwrap()
                .parse()
                .unwrap_or(u64::MAX);
            if len > self.max {
                return Err(Rejection::new("too long"));
            }
            let start = digits + 1;
            let end = start + len as usize;
            if self.buf.len() < end + 1 {
                return Ok(());
            }
            if !self.skip_comma_check && self.buf[end] != b',' {
                return Err(Rejection::new("no comma"));
            }
            frames.push(self.buf[start..end].to_vec());
            self.buf.drain(..=end);
        }
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new("truncated"))
        }
    }
}

#[test]
fn netstrings_the_reference_and_a_correct_decoder_pass_and_two_mistakes_are_caught() {
    for spec in [
        "netstring",
        "netstring:max=100",
        "netstring:max=0",
        "netstring:max=10:noempty",
    ] {
        let framing: Framing = spec.parse().unwrap();
        let report = Suite::new(framing).run(move || ReferenceDecoder::new(framing));
        assert!(report.is_pass(), "{spec}: {:?}", report.failures.first());
    }
    let net = |skip_comma_check, max_at_colon| {
        move || Net {
            max: 100,
            skip_comma_check,
            max_at_colon,
            buf: Vec::new(),
        }
    };
    let framing: Framing = "netstring:max=100".parse().unwrap();
    let report = Suite::new(framing).fail_fast(true).run(net(false, false));
    assert!(report.is_pass(), "{report}");
    assert_eq!(
        first_failure("netstring:max=100", net(true, false)),
        // It emits the frame whose comma is missing.
        Some(FailureKind::ExtraFrame)
    );
    // Waiting for the colon buffers a length already known to be too long.
    assert_eq!(
        first_failure("netstring:max=100", net(false, true)),
        Some(FailureKind::LateRejection)
    );
}
