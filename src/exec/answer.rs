//! The program's side of the wire: one line of an answer, parsed.
//!
//! Contract: [`parse_answer`] reads any bytes a program under test may print and never panics;
//! a line that is not `FRAME`, `DONE` or `ERROR` comes back as a message quoting it, which the
//! runner turns into a `protocol-error` verdict. The parser is kept apart from the process
//! runner so that the fuzz target `exec_answer` and the corpus check can call it alone.

use crate::error::{decode_hex, hex};

/// One line of a program's answer (protocol v1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `DONE`: the call returned `Ok`.
    Done,
    /// `FRAME <hex>` (or `FRAME` alone, an empty frame).
    Frame(Vec<u8>),
    /// `ERROR <message>` (or `ERROR` alone): the call returned `Err`.
    Error(String),
}

/// Reads one line of an answer, without its `\n` (a trailing `\r` is allowed). The error says
/// what is wrong with the line, quoting it: a `protocol-error` verdict. Never panics, whatever
/// the bytes (`fuzz/fuzz_targets/exec_answer.rs` checks that).
///
/// ```
/// use framecheck::exec::{parse_answer, Answer};
///
/// assert_eq!(parse_answer(b"FRAME 6869"), Ok(Answer::Frame(b"hi".to_vec())));
/// assert_eq!(parse_answer(b"DONE\r"), Ok(Answer::Done));
/// assert!(parse_answer(b"FRAME 6g").unwrap_err().contains("FRAME 6g"));
/// ```
pub fn parse_answer(bytes: &[u8]) -> Result<Answer, String> {
    let Ok(line) = std::str::from_utf8(bytes) else {
        return Err(format!(
            "a line that is not text: {}",
            hex(&bytes[..bytes.len().min(32)])
        ));
    };
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line == "DONE" {
        return Ok(Answer::Done);
    }
    if line == "FRAME" {
        return Ok(Answer::Frame(Vec::new()));
    }
    if let Some(h) = line.strip_prefix("FRAME ") {
        return decode_hex("FRAME", h)
            .map(Answer::Frame)
            .map_err(|e| format!("{} ({e})", show_line(line)));
    }
    if line == "ERROR" {
        return Ok(Answer::Error("(ERROR without a message)".to_string()));
    }
    if let Some(m) = line.strip_prefix("ERROR ") {
        return Ok(Answer::Error(m.to_string()));
    }
    Err(format!(
        "{} is not FRAME, DONE or ERROR{}",
        show_line(line),
        free_text_hint(line)
    ))
}

/// What a line that is not an answer probably is, as a hint to append (`; …`), or `""`: a
/// protocol word in the wrong case, bare hex, a blank line, or free text (debug output).
///
/// The protocol word is the line's first word as the protocol separates it: up to the first
/// space (or tab). So `done`, `Frame 6869` and `error bad` are answers in the wrong case (the
/// last may be debug output too, and the hint says both), while `Frame: 0 bytes`,
/// `DONE: 3 frames`, `Done.`, `done processing chunk 3` and `frame of 3 bytes` are free text:
/// the protocol never puts punctuation after its word, nor anything after `DONE`, nor anything
/// but hex after `FRAME`. A line whose first word is already an upper-case protocol word (`DONE x`, or a
/// whole extra answer after the previous one) gets no hint: the quoted line says it all.
pub(super) fn free_text_hint(line: &str) -> &'static str {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (word, rest) = line.split_once([' ', '\t']).unwrap_or((line, ""));
    if ["FRAME", "DONE", "ERROR"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
    {
        if !word.bytes().any(|b| b.is_ascii_lowercase()) {
            return "";
        }
        // An answer in the wrong case looks like one: `done` alone, `frame` and hex. After
        // `error` any text may follow, as after `ERROR`, so it may be either.
        let hex = rest.bytes().all(|b| b.is_ascii_hexdigit() || b == b' ');
        if word.eq_ignore_ascii_case("ERROR") {
            return "; the answer words are upper case: FRAME, DONE, ERROR (and if this is debug \
                    output, it belongs on stderr)";
        }
        if (word.eq_ignore_ascii_case("DONE") && rest.is_empty())
            || (word.eq_ignore_ascii_case("FRAME") && hex)
        {
            return "; the answer words are upper case: FRAME, DONE, ERROR";
        }
    }
    if line.trim().is_empty() {
        return "; a blank line: an answer has no empty lines";
    }
    if line.bytes().all(|b| b.is_ascii_hexdigit()) {
        return "; a frame is answered as FRAME <hex>";
    }
    "; it looks like free text: debug output belongs on stderr (framecheck keeps the last 4 KiB \
     of the program's stderr and shows it with a crash or a hang)"
}

pub(super) fn show_line(line: &str) -> String {
    if line.len() <= 80 {
        format!("{line:?}")
    } else {
        let cut = (0..=80)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        format!("{:?}… ({} bytes)", &line[..cut], line.len())
    }
}
#[cfg(test)]
mod tests {
    use super::{free_text_hint, parse_answer, show_line, Answer};

    #[test]
    fn every_answer_form_parses() {
        assert_eq!(parse_answer(b"DONE"), Ok(Answer::Done));
        assert_eq!(parse_answer(b"FRAME"), Ok(Answer::Frame(Vec::new())));
        assert_eq!(parse_answer(b"FRAME 00ff"), Ok(Answer::Frame(vec![0, 255])));
        assert_eq!(
            parse_answer(b"ERROR too long"),
            Ok(Answer::Error("too long".into()))
        );
        assert_eq!(
            parse_answer(b"ERROR"),
            Ok(Answer::Error("(ERROR without a message)".into()))
        );
    }

    #[test]
    fn free_text_is_pointed_to_stderr() {
        let e = parse_answer(b"decoded 2 frames").unwrap_err();
        assert!(e.contains("debug output belongs on stderr"), "{e}");
        let e = parse_answer(b"done").unwrap_err();
        assert!(e.contains("upper case"), "{e}");
        let e = parse_answer(b"6869").unwrap_err();
        assert!(e.contains("FRAME <hex>"), "{e}");
        let e = parse_answer(b"FRAME 6g").unwrap_err();
        assert!(!e.contains("stderr"), "{e}");
    }

    /// Only the first space-separated word decides whether a line is an answer in the wrong
    /// case: a debug line that starts with `Frame:` or `done:` is pointed to stderr.
    #[test]
    fn a_debug_line_starting_with_a_protocol_word_and_a_colon_is_pointed_to_stderr() {
        for line in [
            "Frame: 0 bytes",
            "done: 3 frames",
            "Error: bad",
            "error: bad input",
            "DONE: x",
            "FRAME: 6869",
            "Done.",
            "frames 2",
            "ERRORS 1",
            "done processing chunk 3",
            "frame of 3 bytes",
        ] {
            let hint = free_text_hint(line);
            assert!(
                hint.contains("debug output belongs on stderr"),
                "{line:?}: {hint}"
            );
        }
    }

    #[test]
    fn a_protocol_word_in_the_wrong_case_is_named_as_such() {
        for line in [
            "done",
            "Done",
            "done\r",
            "frame 6869",
            "Frame",
            "Error bad",
            "frame\t6869",
        ] {
            let hint = free_text_hint(line);
            assert!(hint.contains("upper case"), "{line:?}: {hint}");
        }
        let e = parse_answer(b"Frame 6869").unwrap_err();
        assert!(e.contains("upper case"), "{e}");
        // After `error` any text may follow: a wrong-case ERROR, or a debug line.
        let hint = free_text_hint("error reading input");
        assert!(hint.contains("upper case"), "{hint}");
        assert!(
            hint.contains("debug output, it belongs on stderr"),
            "{hint}"
        );
    }

    /// An upper-case protocol word with something wrong after it (or a whole extra answer, as
    /// `check_quiet` sees it) is neither debug output nor a case mistake.
    #[test]
    fn an_upper_case_protocol_word_gets_no_hint() {
        for line in ["DONE x", "FRAME 6869", "ERROR bad", "DONE", "FRAME\t6869"] {
            assert_eq!(free_text_hint(line), "", "{line:?}");
        }
        assert_eq!(
            parse_answer(b"DONE now").unwrap_err(),
            "\"DONE now\" is not FRAME, DONE or ERROR"
        );
    }

    #[test]
    fn blank_and_bare_hex_lines_get_their_own_hints() {
        assert!(free_text_hint("").contains("blank line"));
        assert!(free_text_hint("  ").contains("blank line"));
        assert!(free_text_hint("6869").contains("FRAME <hex>"));
    }

    #[test]
    fn a_bad_line_is_quoted_in_the_error() {
        assert!(parse_answer(b"debug: x")
            .unwrap_err()
            .contains("\"debug: x\""));
        assert!(parse_answer(&[0xff, 0xfe]).unwrap_err().contains("fffe"));
        let long = "x".repeat(100);
        assert!(show_line(&long).ends_with("(100 bytes)"));
    }
}
