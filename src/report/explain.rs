//! The paragraphs that explain a failure beyond its minimal case, from what the searches run
//! after an exec run found: the earlier streams a failure needs (`state:`), the read and line
//! length it starts at (`lines:`), and the program's own maximum frame length (`max:`). The
//! text report prints each on its line inside the failure's block, the HTML page as a
//! paragraph.
//!
//! Each says what was tried and seen first, then the likely cause as a question, so that a
//! wrong guess still reads as a fact.

use super::{FrameLimit, LineLimit, StateDependence};
use crate::case::Case;
use crate::error::grouped;
use std::fmt::Write;

/// What the search for earlier streams found, for a failure whose minimal case passes on a
/// fresh process: one paragraph (the text report's `state:` line, the HTML's).
pub fn state_text(state: &StateDependence) -> String {
    let n = state.after.len();
    let searched = format!(
        "{} run{}, {:.2} s, among the {} stream{} that ran before it on that process",
        state.runs,
        if state.runs == 1 { "" } else { "s" },
        state.elapsed.as_secs_f64(),
        state.earlier,
        if state.earlier == 1 { "" } else { "s" },
    );
    if n == 0 {
        if state.earlier == 0 {
            return "alone it passes on a fresh process, and no stream ran before it on the \
                    same process: flaky? (the line below replays it alone)"
                .to_string();
        }
        return format!(
            "alone it passes on a fresh process, and no run of the earlier streams on the \
             same process made it fail again ({searched}): flaky, or timing? (the line below \
             replays it alone)"
        );
    }
    let mut labels: Vec<String> = state.after.iter().take(3).map(Case::label).collect();
    if n > 3 {
        labels.push(format!("… {} more", n - 3));
    }
    format!(
        "fails only after {n} earlier stream{} on the same process (state kept across BEGIN?): \
         {}; alone it passes on a fresh process (found in {searched}); the line below runs {} \
         first",
        if n == 1 { "" } else { "s" },
        labels.join(", then "),
        if n == 1 { "it" } else { "them" },
    )
}

/// What the search for the read (and request line) length a failure needs found: one
/// paragraph (the text report's `lines:` line, the HTML's). A long read makes a long line, so
/// both causes are named: a power of two at the line bound is named as the likely size of the
/// program's line buffer, one at the read bound as a buffer of the decoder's; loose bounds (the
/// search ran out of its budget) name no size.
pub fn line_limit_text(limit: &LineLimit) -> String {
    // A line buffer of N bytes (fgets) holds lines of N - 1 characters: N is past the line
    // that passes; a decoder's buffer of N bytes holds reads of N bytes: N is the read that
    // passes.
    let power_in = |range: std::ops::Range<usize>| range.into_iter().find(|n| n.is_power_of_two());
    let exact = limit.read_fails_from == limit.read_passes_up_to + 1;
    let read = grouped(limit.read_passes_up_to);
    let lines = "requests have no length limit: read lines without one";
    let mut s = format!(
        "passes with its reads cut to at most {read} bytes (request lines of up to {} \
         characters, newline included), and fails with reads of {} bytes ({} characters) ({} \
         run{}, {:.2} s{})",
        grouped(limit.line_passes_up_to),
        grouped(limit.read_fails_from),
        grouped(limit.line_fails_from),
        limit.runs,
        if limit.runs == 1 { "" } else { "s" },
        limit.elapsed.as_secs_f64(),
        if exact {
            ""
        } else {
            "; the search stopped before the bounds met"
        },
    );
    let line_buffer =
        power_in(limit.line_passes_up_to + 1..limit.line_fails_from + 1).filter(|_| exact);
    let read_buffer = power_in(limit.read_passes_up_to..limit.read_fails_from).filter(|_| exact);
    let _ = match (line_buffer, read_buffer) {
        (Some(n), _) => write!(
            s,
            ": does the program read request lines into a fixed-size buffer (of {} bytes?{})? \
             A CHUNK line carries a whole read in hex, and {lines} (or else the decoder \
             mishandles reads of more than {read} bytes)",
            grouped(n),
            if n == 1 << 16 {
                "; Go's bufio.Scanner stops at 64 KiB unless given a larger Buffer"
            } else {
                ""
            }
        ),
        (None, Some(n)) => write!(
            s,
            ": does the decoder mishandle reads of more than {read} bytes (a buffer of {} \
             bytes?)? (Or else the program reads request lines into a fixed-size buffer: {lines}.)",
            grouped(n)
        ),
        (None, None) => write!(
            s,
            ": either the program reads request lines into a fixed-size buffer ({lines}), or \
             the decoder mishandles reads of more than {read} bytes"
        ),
    };
    s
}

/// What the search for the program's own maximum frame length found, for a false rejection of
/// a large frame: one paragraph (the text report's `max:` line, the HTML's), with the
/// `--framing` that says that maximum, if it is the decoder's limit.
pub fn frame_limit_text(limit: &FrameLimit, framing: crate::framing::Framing) -> String {
    let own = framing.with_max_frame_len(limit.takes_up_to);
    format!(
        "alone in a stream, read whole (and the rejected one in short reads too), a frame \
         with a payload of {} is taken and one of {} rejected ({} run{}, {:.2} s): the \
         program's largest payload looks like {}, under the framing's {}. Frames up to the \
         framing's maximum must be taken; if that is the decoder's limit, say so: --framing \
         {own}",
        bytes(limit.takes_up_to),
        bytes(limit.rejects_from),
        limit.runs,
        if limit.runs == 1 { "" } else { "s" },
        limit.elapsed.as_secs_f64(),
        bytes(limit.takes_up_to),
        bytes(framing.max_frame_len()),
    )
}

/// `1 byte`, `1,000 bytes`.
fn bytes(n: u64) -> String {
    match n {
        1 => "1 byte".to_string(),
        n => format!("{} bytes", grouped(n as usize)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limit(read_passes_up_to: usize, read_fails_from: usize) -> LineLimit {
        LineLimit {
            read_passes_up_to,
            read_fails_from,
            line_passes_up_to: 2 * read_passes_up_to + 7,
            line_fails_from: 2 * read_fails_from + 7,
            runs: 14,
            elapsed: Duration::from_millis(60),
        }
    }

    /// `fgets` into 4,096 bytes: lines of 4,095 characters pass, 4,097 fail.
    #[test]
    fn a_line_bound_at_a_power_of_two_names_the_line_buffer() {
        let t = line_limit_text(&limit(2044, 2045));
        assert!(
            t.starts_with(
                "passes with its reads cut to at most 2,044 bytes (request lines of up to 4,095 \
                 characters, newline included), and fails with reads of 2,045 bytes (4,097 \
                 characters) (14 runs, 0.06 s): does the program read request lines into a \
                 fixed-size buffer (of 4,096 bytes?)?"
            ),
            "{t}"
        );
        assert!(t.contains("or else the decoder mishandles reads of more than 2,044"));
    }

    /// 64 KiB: Go's `bufio.Scanner`, named.
    #[test]
    fn a_64_kib_line_bound_names_go_s_scanner() {
        let t = line_limit_text(&limit(32_764, 32_765));
        assert!(
            t.contains("(of 65,536 bytes?; Go's bufio.Scanner stops at 64 KiB unless given a larger Buffer)?"),
            "{t}"
        );
    }

    /// A decoder with a buffer of 1,024 bytes: reads of 1,024 pass, 1,025 fail.
    #[test]
    fn a_read_bound_at_a_power_of_two_names_the_decoder_first() {
        let t = line_limit_text(&limit(1024, 1025));
        assert!(
            t.contains(": does the decoder mishandle reads of more than 1,024 bytes (a buffer of 1,024 bytes?)?"),
            "{t}"
        );
        assert!(t.contains("Or else the program reads request lines into a fixed-size buffer"));
    }

    /// A bound at no power of two names both causes and no size; so do loose bounds, which
    /// say the search stopped.
    #[test]
    fn other_bounds_name_both_causes_and_no_size() {
        let t = line_limit_text(&limit(1000, 1001));
        assert!(
            t.ends_with(
                ": either the program reads request lines into a fixed-size buffer (requests \
                 have no length limit: read lines without one), or the decoder mishandles reads \
                 of more than 1,000 bytes"
            ),
            "{t}"
        );
        let t = line_limit_text(&limit(128, 1025));
        assert!(
            t.contains("the search stopped before the bounds met"),
            "{t}"
        );
        assert!(!t.contains("bytes?"), "{t}");
        assert!(t.contains(": either the program"), "{t}");
    }
}
