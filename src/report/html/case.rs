//! A failed case drawn: the picture (reads, bytes with headers shaded, seams, a lane per call
//! with the frames due and emitted) and the call-by-call table, both bounded by
//! [`DRAW_BYTES`] and [`DRAW_CALLS`].

use std::fmt::Write;

use super::{escape, text, DRAW_BYTES, DRAW_CALLS};
use crate::case::Case;
use crate::oracle::{short_hex, Call, CallOutcome, CallRecord};
use crate::report::calls::{self, Row};

/// At most this many frames are listed in one cell of the call table.
const LIST_FRAMES: usize = 8;
/// Width of one byte in the picture, in pixels.
const CELL: usize = 22;
/// Width of the lane labels on the left of the picture.
const LEFT: usize = 84;
/// Height of one lane.
const LANE: usize = 22;

/// The picture and the table of `case`, whose decoder made `calls`.
pub(super) fn drawn(case: &Case, calls: &[CallRecord]) -> String {
    let rows = calls::rows(case, calls);
    let shown = shown_rows(rows.len());
    picture(case, &rows, &shown, calls) + &call_table(case, &rows, &shown, calls)
}

/// Which rows are drawn: all, or the first few and the last ones (the failing call is last).
pub(super) fn shown_rows(n: usize) -> Vec<usize> {
    if n <= DRAW_CALLS {
        (0..n).collect()
    } else {
        (0..4).chain(n - (DRAW_CALLS - 4)..n).collect()
    }
}

fn call_name(call: Call) -> String {
    call.to_string()
}

/// The picture: reads, bytes with headers shaded, seams, and a lane per call.
pub(super) fn picture(case: &Case, rows: &[Row], shown: &[usize], calls: &[CallRecord]) -> String {
    let stream = case.stream.bytes();
    let ranges = case.schedule.ranges(stream.len());
    // The window: the bytes up to a little past the failing call's read.
    let focus = match calls.last().map(|c| c.call) {
        Some(Call::Chunk(i)) => ranges.get(i).map_or(stream.len(), |r| r.end),
        _ => stream.len(),
    };
    let end = stream.len().min(focus.saturating_add(16).max(DRAW_BYTES));
    let start = end.saturating_sub(DRAW_BYTES);
    let x = |o: usize| LEFT + (o.clamp(start, end) - start) * CELL;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<p class=\"reads\">{} read(s), {} byte(s), {} frame(s) expected.{}</p>",
        ranges.len(),
        stream.len(),
        case.stream.expectation().frames.len(),
        if start > 0 || end < stream.len() {
            format!(
                " <span class=\"elided\">Drawn: bytes {start}..{end}; {} byte(s) before and \
                 {} after are not drawn.</span>",
                start,
                stream.len() - end
            )
        } else {
            String::new()
        }
    );
    let mut body = String::new();
    // Reads.
    let mut y = 4;
    let _ = writeln!(body, "<text x=\"2\" y=\"{}\">reads</text>", y + 14);
    for (i, r) in ranges.iter().enumerate() {
        if r.end < start || r.start > end || (r.start == end && end < stream.len()) {
            continue;
        }
        let (x0, x1) = (x(r.start), x(r.end));
        let _ = write!(
            body,
            "<rect class=\"chunk{}\" data-chunk=\"{i}\" x=\"{x0}\" y=\"{y}\" width=\"{}\" \
             height=\"18\"><title>chunk {i} [{}..{})</title></rect>",
            if i % 2 == 1 { " odd" } else { "" },
            (x1 - x0).max(2),
            r.start,
            r.end
        );
        if x1 - x0 >= 2 * CELL {
            let _ = write!(body, "<text x=\"{}\" y=\"{}\">{i}</text>", x0 + 3, y + 13);
        }
        body.push('\n');
    }
    // Bytes, headers shaded.
    y += LANE;
    let layout = case.stream.layout();
    let _ = writeln!(body, "<text x=\"2\" y=\"{}\">bytes</text>", y + 14);
    for o in start..end {
        let _ = write!(
            body,
            "<rect class=\"byte\" x=\"{}\" y=\"{y}\" width=\"{CELL}\" height=\"18\"/>",
            x(o)
        );
    }
    // A framing without headers has none to shade (its layout's "header" of a partial last
    // frame is only where the schedule aims its cuts).
    let headers = case.stream.framing().max_header_len() > 0;
    for (&st, &h) in layout.frame_starts.iter().zip(&layout.header_lens) {
        let hend = (st + h).min(stream.len());
        if headers && h > 0 && hend > start && st < end {
            let _ = write!(
                body,
                "<rect class=\"header\" x=\"{}\" y=\"{y}\" width=\"{}\" height=\"18\">\
                 <title>header [{st}..{hend})</title></rect>",
                x(st),
                x(hend) - x(st)
            );
        }
    }
    for (o, b) in stream.iter().enumerate().take(end).skip(start) {
        let _ = write!(
            body,
            "<text x=\"{}\" y=\"{}\">{b:02x}</text>",
            x(o) + 3,
            y + 13
        );
    }
    body.push('\n');
    // A lane per shown call.
    y += LANE + 4;
    let lanes_top = 2;
    let all: Vec<std::ops::Range<usize>> = case
        .stream
        .expectation()
        .segments()
        .iter()
        .flat_map(|e| e.frames.iter().map(|f| f.payload.clone()))
        .collect();
    let mut matched = 0;
    for (k, row) in rows.iter().enumerate() {
        // Actual frames are matched to the stream's frames in order, shown or not.
        let mut bars: Vec<(std::ops::Range<usize>, &str, String)> = Vec::new();
        if let Some(e) = &row.expected {
            for r in &e.frames {
                bars.push((r.clone(), "frame expected", "due".to_string()));
            }
        }
        if let Some(rec) = row.actual {
            for fr in &rec.frames {
                let hit = (matched..all.len().min(matched + 8))
                    .find(|&j| stream[all[j].clone()] == fr[..]);
                let (r, class) = match hit {
                    Some(j) => {
                        matched = j + 1;
                        (all[j].clone(), "frame actual")
                    }
                    None => {
                        let at = match row.call {
                            Call::Chunk(i) => ranges.get(i).cloned().unwrap_or(end..end),
                            Call::Eof => stream.len()..stream.len(),
                        };
                        (at, "frame wrong")
                    }
                };
                bars.push((r, class, short_hex(fr)));
            }
        }
        if shown.binary_search(&k).is_err() {
            continue;
        }
        let failing = row.is_last_actual(calls);
        let _ = write!(
            body,
            "<g class=\"lane{}\" data-call=\"{}\"><text x=\"2\" y=\"{}\">{}</text>",
            if failing { " failing" } else { "" },
            escape(&call_name(row.call)),
            y + 14,
            escape(&call_name(row.call))
        );
        for (r, class, what) in bars {
            if r.end < start || r.start > end {
                continue;
            }
            let (x0, x1) = (x(r.start), x(r.end));
            let top = if class == "frame expected" {
                y + 1
            } else {
                y + 9
            };
            let _ = write!(
                body,
                "<rect class=\"{class}\" x=\"{x0}\" y=\"{top}\" width=\"{}\" height=\"8\">\
                 <title>{} [{}..{}): {}</title></rect>",
                (x1 - x0).max(3),
                class.trim_start_matches("frame "),
                r.start,
                r.end,
                escape(&what)
            );
        }
        body.push_str("</g>\n");
        y += LANE;
    }
    // Seams at every frame start, across all lanes.
    for &st in &layout.frame_starts {
        if st >= start && st <= end {
            let _ = write!(
                body,
                "<line class=\"seam\" x1=\"{0}\" y1=\"{lanes_top}\" x2=\"{0}\" y2=\"{y}\">\
                 <title>frame starts at {st}</title></line>",
                x(st)
            );
        }
    }
    let width = x(end) + CELL;
    let _ = writeln!(
        s,
        "<svg class=\"picture\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{}\" role=\"img\" aria-label=\"reads, bytes and frames call by call\">\n\
         {body}</svg>",
        y + 4
    );
    s
}

/// Frames as text: `2 frames: 6f6b, 7a`, at most [`LIST_FRAMES`] of them.
fn frames_text<'a>(frames: impl ExactSizeIterator<Item = &'a [u8]>) -> String {
    let n = frames.len();
    let listed: Vec<String> = frames.take(LIST_FRAMES).map(short_hex).collect();
    match n {
        0 => "nothing".to_string(),
        1 => format!("1 frame: {}", listed[0]),
        n if n <= LIST_FRAMES => format!("{n} frames: {}", listed.join(", ")),
        n => format!(
            "{n} frames: {}, … {} more",
            listed.join(", "),
            n - LIST_FRAMES
        ),
    }
}

/// Expected against actual, one row per call (bounded as the picture is).
pub(super) fn call_table(
    case: &Case,
    rows: &[Row],
    shown: &[usize],
    calls: &[CallRecord],
) -> String {
    let stream = case.stream.bytes();
    let mut s = String::from(
        "<table class=\"calls\">\n<tr><th>call</th><th>expected</th><th>actual</th></tr>\n",
    );
    let mut last = None;
    for &k in shown {
        if last.is_some_and(|l| l + 1 < k) {
            let _ = writeln!(
                s,
                "<tr class=\"elided\"><td colspan=\"3\">… {} call(s) not shown</td></tr>",
                k - last.unwrap_or(0) - 1
            );
        }
        last = Some(k);
        let row = &rows[k];
        let exp = match &row.expected {
            None => "(no call: rejected before)".to_string(),
            Some(e) => format!(
                "{} → {}",
                frames_text(e.frames.iter().map(|r| &stream[r.clone()])),
                calls::verdict_text(e.verdict)
            ),
        };
        let act = match row.actual {
            None => "(not called)".to_string(),
            Some(rec) => format!(
                "{} → {}",
                frames_text(rec.frames.iter().map(|f| f.as_slice())),
                calls::outcome_text(&rec.outcome)
            ),
        };
        let mismatch = match (&row.expected, row.actual) {
            (Some(e), Some(rec)) => {
                e.frames.len() != rec.frames.len()
                    || !matches!(rec.outcome, CallOutcome::Ok | CallOutcome::Rejected(_))
            }
            _ => row.actual.is_some(),
        };
        let class = match (row.is_last_actual(calls), mismatch) {
            (true, _) => "call failing",
            (false, true) => "call mismatch",
            _ => "call",
        };
        let _ = writeln!(
            s,
            "<tr class=\"{class}\"><td class=\"mono\">{}</td><td class=\"mono\">{}</td>\
             <td class=\"mono\">{}</td></tr>",
            escape(&call_name(row.call)),
            text(&exp),
            text(&act)
        );
    }
    s.push_str("</table>\n");
    s
}
