//! Adversarial streams: the lengths and cuts that decoders get wrong.
//!
//! For a framing with maximum `max` and a field of `w` bytes, [`streams`] builds, each after one
//! good frame (so that the frames before a bad one must still come out):
//!
//! | stream name | what it is | bug classes (`docs/bug-classes.md`) |
//! |---|---|---|
//! | `len=0`, `len=1`, `len=max-1`, `len=max` | valid frames at the edges | 10, 14 |
//! | `len=max+1` | one byte over the max, then a few bytes | 10 |
//! | `len=max+1-complete` | one byte over the max with its whole payload, then a good frame | 10 |
//! | `field=N` | every power-of-two boundary (255/256, 2^16, 2^24, 2^31, 2^32, 2^63) that fits the field, then a few bytes | 8, 9 |
//! | `field=max-field` | the field's maximum (`ff ff ff ff`) | 7, 9 |
//! | `overflow-K` | field values that wrap when the header width is added | 7 |
//! | `top-bit`, `top-bit+1` | a field with only its top bit set | 8 |
//! | `empty-x100` | a hundred consecutive empty frames | 14 |
//! | `trunc@K` | a two-frame stream cut off after K bytes: inside the header, exactly after it, inside the payload | 13 |
//! | `incl-below-header=V` | with `:incl`, a field smaller than the header | 17 |
//! | `varint-*` | a varint: non-minimal, overflowing, endless, truncated | 15 |
//! | `netstring-*` | a netstring: leading zero, empty length, non-digit, huge length, missing comma | |
//!
//! For lines (no length field), the streams are built around the newline instead:
//!
//! | stream name | what it is | bug classes |
//! |---|---|---|
//! | `len=0`, `len=1`, `len=max-1`, `len=max` | lines at the edges, then a short line | 10, 14 |
//! | `len=max+1-complete` | a line one byte too long with its newline, then a good line: an error, then (under `:resync`) the good line | 10 |
//! | `len=max+1-unterminated` | a line one byte too long, then EOF | 10, 13 |
//! | `overlong-x2` | two over-long lines back to back, then a good line | 10 |
//! | `unterminated` | a last line without its newline (the `:eof` policy) | 13 |
//! | `cr-lf`, `cr-cr-lf`, `lone-cr-at-eof` | `\r\n` line ends: the `\r` is payload, unless `:crlf` strips one | 4 |
//! | `not-utf8`, `not-utf8-at-eof`, `utf8-2-byte` | bytes that are not UTF-8, and a character a read may split: errors, or not, under `:text` | |
//! | `empty-x100` | a hundred empty lines | 14 |
//! | `trunc@K` | two lines cut off after K bytes | 13 |
//!
//! For fixed-size frames: `trunc@K` (three frames cut off after K bytes) and `one-extra-byte`.
//!
//! Whether a field value is oversized, a truncated frame or malformed is not decided here: the
//! specification ([`Framing::expect`]) reads each stream like any other.
//!
//! Each stream is minted with its [`StreamKind`] (a length edge, a hostile header and which,
//! a truncation, an edge of the wire format): the matrix columns and the generated vectors'
//! flags read the kind, never the name, so a stream can be renamed without moving it.

use crate::case::{Hostile, LengthEdge, Stream, StreamKind, Truncation};
use crate::framing::{Framing, Wire};

/// The adversarial streams for `framing`.
pub fn streams(framing: Framing) -> Vec<Stream> {
    match framing.wire() {
        Wire::Lines(_) => return line_streams(framing),
        Wire::Fixed(_) => return fixed_streams(framing),
        _ => {}
    }
    let max = framing.max_frame_len();
    let field_max = framing.field_max();
    // Header bytes added to the payload length in the field (a length that counts the header).
    let (w, incl) = match framing.wire() {
        Wire::LengthPrefix(lp) => (lp.width as u64, lp.includes_header),
        _ => (0, false),
    };
    // The good frame before each bad one, and the short frame after each large one (as long as
    // the max allows).
    let fit = |m: &[u8]| m[..m.len().min(max.min(8) as usize)].to_vec();
    let good = vec![fit(b"ok")];
    let after = fit(b"z");
    let few = b"xyz".to_vec();
    let mut out = Vec::new();

    // Valid frames at the edges of the length range, each followed by a short frame so that
    // what follows a large frame is checked too. Very large maxima are left to `len=max+1`.
    for (name, edge, len) in length_edges(max) {
        if len <= max && len <= LARGEST_MESSAGE {
            let msgs = vec![pattern(len as usize), after.clone()];
            out.push(
                lenient(framing, name, msgs, Vec::new()).with_kind(StreamKind::LengthEdge(edge)),
            );
        }
    }

    // The whole oversized frame arrives, then a good one: a decoder that checks the max only
    // when it needs more bytes would emit it.
    if let Some(over) = max.checked_add(1).filter(|&v| v <= LARGEST_MESSAGE) {
        if let Some(mut tail) = framing.header_for_payload(over) {
            tail.extend(pattern(over as usize));
            tail.extend(
                framing
                    .encode(std::slice::from_ref(&after))
                    .map(|e| e.bytes)
                    .unwrap_or_default(),
            );
            out.push(
                lenient(framing, "len=max+1-complete", good.clone(), tail)
                    .with_kind(StreamKind::HostileHeader(Hostile::OverMaxComplete)),
            );
        }
    }
    // A header, then a few bytes: oversized, truncated or malformed, as the spec reads it.
    let mut header_then_few = |name: String, hostile: Hostile, field: u64| {
        if let Some(mut tail) = framing.header_for_field(field) {
            tail.extend_from_slice(&few);
            out.push(
                lenient(framing, &name, good.clone(), tail)
                    .with_kind(StreamKind::HostileHeader(hostile)),
            );
        }
    };
    if let Some(v) = max.checked_add(1) {
        if let Some(field) = v.checked_add(if incl { w } else { 0 }) {
            header_then_few("len=max+1".into(), Hostile::OverMax, field);
        }
    }
    let boundaries: &[u32] = if w == 0 {
        // A varint grows a byte at every seventh bit.
        &[7, 14, 21, 28, 31, 32, 35, 63]
    } else {
        &[8, 16, 24, 31, 32, 63]
    };
    for &bits in boundaries {
        let p = 1u64 << bits;
        for v in [p - 1, p, p + 1] {
            header_then_few(format!("field={v}"), Hostile::FieldBoundary(v), v);
        }
    }
    header_then_few("field=max-field".into(), Hostile::FieldMax, field_max);
    for k in 0..=w.max(1) {
        // field + w wraps past the field's maximum (and past u32/u64 arithmetic).
        header_then_few(format!("overflow-{k}"), Hostile::Overflow(k), field_max - k);
    }
    if w > 0 {
        let top = 1u64 << (8 * w - 1);
        let top_bit = |plus_one| Hostile::TopBit { plus_one };
        header_then_few("top-bit".into(), top_bit(false), top);
        header_then_few("top-bit+1".into(), top_bit(true), top | 1);
    }
    if incl {
        for v in 0..w {
            header_then_few(format!("incl-below-header={v}"), Hostile::BelowHeader(v), v);
        }
    }
    if matches!(framing.wire(), Wire::Netstring(_)) {
        // Netstring edge cases: a leading zero, an empty length, a byte that is not a digit, a
        // length longer than any u64, a missing comma, a payload then EOF before the comma.
        let raw: [(&str, &[u8]); 7] = [
            ("netstring-leading-zero", b"01:a,"),
            ("netstring-empty-length", b":,"),
            ("netstring-non-digit", b"3x:abc,"),
            ("netstring-huge-length", b"99999999999999999999999:"),
            ("netstring-missing-comma", b"3:abcX"),
            ("netstring-no-comma-at-eof", b"3:abc"),
            ("netstring-zero", b"0:,"),
        ];
        for (name, tail) in raw {
            out.push(
                lenient(framing, name, good.clone(), tail.to_vec())
                    .with_kind(StreamKind::HostileHeader(Hostile::Netstring)),
            );
        }
    } else if w == 0 {
        // Varint edge cases (docs/bug-classes.md #15): non-minimal encodings of 0 and 1, a 10th
        // byte that overflows u64, continuation bytes that never end, a varint cut short.
        let raw_headers: [(&str, Vec<u8>); 6] = [
            ("varint-overlong-0", vec![0x80, 0x00]),
            ("varint-overlong-1", vec![0x81, 0x00]),
            ("varint-overlong-1-x3", vec![0x81, 0x80, 0x00]),
            (
                "varint-10th-byte-overflow",
                [vec![0x80; 9], vec![0x02]].concat(),
            ),
            ("varint-endless", vec![0x80; 12]),
            ("varint-max-10-bytes", [vec![0xff; 9], vec![0x01]].concat()),
        ];
        for (name, mut tail) in raw_headers {
            tail.extend_from_slice(&few);
            out.push(
                lenient(framing, name, good.clone(), tail)
                    .with_kind(StreamKind::HostileHeader(Hostile::Varint)),
            );
        }
        out.push(
            lenient(framing, "varint-truncated", good.clone(), vec![0x80, 0x80])
                .with_kind(StreamKind::Truncation(Truncation::VarintHeader)),
        );
    }

    out.push(
        lenient(framing, "empty-x100", vec![Vec::new(); 100], Vec::new())
            .with_kind(StreamKind::LengthEdge(LengthEdge::EmptyRun(100))),
    );

    // Truncation at every offset of a two-frame stream.
    let two = vec![fit(b"abc"), fit(b"hello")];
    let full = framing.encode(&two).expect("short messages encode").bytes;
    out.extend(truncations(framing, &full, 1..full.len()));
    out
}

/// `trunc@K`: `full` cut off after each `K` of `cuts`.
fn truncations(
    framing: Framing,
    full: &[u8],
    cuts: impl IntoIterator<Item = usize>,
) -> Vec<Stream> {
    cuts.into_iter()
        .map(|k| {
            Stream::raw(framing, format!("trunc@{k}"), full[..k].to_vec())
                .with_kind(StreamKind::Truncation(Truncation::At(k)))
        })
        .collect()
}

/// The adversarial streams of a lines framing.
fn line_streams(framing: Framing) -> Vec<Stream> {
    let max = framing.max_frame_len();
    let line = |len: u64| framing.conform(pattern(len as usize));
    let mut out = Vec::new();
    for (name, edge, len) in length_edges(max) {
        // With a tiny max (0) some of these do not fit: they are left out.
        if len <= LARGEST_MESSAGE {
            let msgs = vec![line(len), b"z".to_vec()];
            out.extend(
                Stream::with_tail_lenient(framing, name, msgs, Vec::new())
                    .ok()
                    .map(|s| s.with_kind(StreamKind::LengthEdge(edge))),
            );
        }
    }
    if let Some(over) = max.checked_add(1).filter(|&v| v <= LARGEST_MESSAGE) {
        let good = b"ok\n".to_vec();
        let long = line(over);
        let raw = |name: &str, hostile: Hostile, parts: &[&[u8]]| {
            Stream::raw(framing, name, parts.concat()).with_kind(StreamKind::HostileHeader(hostile))
        };
        let complete: &[&[u8]] = &[&good, &long, b"\nz\n"];
        out.push(raw(
            "len=max+1-complete",
            Hostile::OverMaxComplete,
            complete,
        ));
        let unterminated: &[&[u8]] = &[&good, &long];
        out.push(raw(
            "len=max+1-unterminated",
            Hostile::OverMaxUnterminated,
            unterminated,
        ));
        let twice: &[&[u8]] = &[&good, &long, b"\n", &long, b"\nz\n"];
        out.push(raw("overlong-x2", Hostile::OverlongTwice, twice));
    }
    let edge = |name: &str, bytes: &[u8]| {
        Stream::raw(framing, name, bytes.to_vec()).with_kind(StreamKind::WireEdge)
    };
    out.push(edge("unterminated", b"ok\nxyz"));
    out.push(edge("cr-lf", b"ok\r\nz\r\n"));
    out.push(edge("cr-cr-lf", b"a\r\r\nz\n"));
    out.push(edge("lone-cr-at-eof", b"ok\n\r"));
    // Text: a line that is not UTF-8 between two good ones, and a two-byte character (é) that
    // the catalog's cuts split.
    out.push(edge("not-utf8", b"ok\n\xff\xfe\nz\n"));
    out.push(edge("utf8-2-byte", "caf\u{e9}\n\u{e9}\n".as_bytes()));
    out.push(edge("not-utf8-at-eof", b"ok\n\xc3"));
    out.extend(
        Stream::with_tail_lenient(framing, "empty-x100", vec![Vec::new(); 100], Vec::new())
            .ok()
            .map(|s| s.with_kind(StreamKind::LengthEdge(LengthEdge::EmptyRun(100)))),
    );
    let two = b"abc\nhello\n";
    out.extend(truncations(framing, two, 1..two.len()));
    out
}

/// The adversarial streams of a fixed-size framing.
fn fixed_streams(framing: Framing) -> Vec<Stream> {
    let size = framing.max_frame_len();
    let mut out = Vec::new();
    if size.saturating_mul(3) <= LARGEST_MESSAGE {
        let three = pattern(3 * size as usize);
        let s = size as usize;
        let mut cuts: Vec<usize> = (1..8)
            .chain([s - 1, s, s + 1, 2 * s - 1, 2 * s + 1])
            .collect();
        cuts.retain(|&k| k > 0 && k < three.len());
        cuts.sort_unstable();
        cuts.dedup();
        out.extend(truncations(framing, &three, cuts));
        let mut extra = pattern(size as usize);
        extra.push(0xff);
        out.push(Stream::raw(framing, "one-extra-byte", extra).with_kind(StreamKind::WireEdge));
    }
    out
}

/// The valid frames at the edges of the length range: name, edge, length.
fn length_edges(max: u64) -> [(&'static str, LengthEdge, u64); 4] {
    [
        ("len=0", LengthEdge::Zero, 0),
        ("len=1", LengthEdge::One, 1),
        ("len=max-1", LengthEdge::BelowMax, max.saturating_sub(1)),
        ("len=max", LengthEdge::Max, max),
    ]
}

/// A stream of messages within the max; empty ones are encoded even under `:noempty`.
fn lenient(framing: Framing, name: &str, msgs: Vec<Vec<u8>>, tail: Vec<u8>) -> Stream {
    Stream::with_tail_lenient(framing, name, msgs, tail).expect("messages are within the max")
}

/// Messages longer than this are not generated (a 1 GiB max frame is checked by its header,
/// not by sending a gigabyte).
pub const LARGEST_MESSAGE: u64 = 8 * 1024 * 1024;

/// A recognisable payload of `len` bytes: `00 01 02 … fe 00 01 …`, shifted every 255 bytes so
/// that a misplaced slice of it does not match by accident.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + i / 255) % 256) as u8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::{At, End, ErrorClass};

    fn classes(framing: &str) -> Vec<(String, Option<ErrorClass>)> {
        let f: Framing = framing.parse().unwrap();
        streams(f)
            .iter()
            .map(|s| {
                let class = match &s.expectation().end {
                    End::Clean => None,
                    End::Reject { class, .. } => Some(*class),
                };
                (s.name().to_string(), class)
            })
            .collect()
    }

    /// The generators must reach every shape that matters: max accepted, max+1 rejected at its
    /// header, the field maximum, a header then EOF, a cut inside the header.
    #[test]
    fn u32be_streams_cover_the_edges() {
        let c = classes("u32be:max=1000");
        let class_of = |n: &str| c.iter().find(|(name, _)| name == n).map(|(_, c)| *c);
        assert_eq!(class_of("len=max"), Some(None));
        assert_eq!(class_of("len=0"), Some(None));
        assert_eq!(class_of("len=max+1"), Some(Some(ErrorClass::Oversized)));
        assert_eq!(
            class_of("field=4294967295"),
            Some(Some(ErrorClass::Oversized))
        );
        assert_eq!(class_of("top-bit"), Some(Some(ErrorClass::Oversized)));
        assert_eq!(
            class_of("field=255"),
            Some(Some(ErrorClass::TruncatedAtEof))
        );
        assert_eq!(class_of("field=65536"), Some(Some(ErrorClass::Oversized)));
        // "ok" frame = 6 bytes; trunc@6 + 4 = a complete header and then EOF.
        assert_eq!(class_of("trunc@10"), Some(Some(ErrorClass::TruncatedAtEof)));
        assert_eq!(class_of("trunc@8"), Some(Some(ErrorClass::TruncatedAtEof)));
        assert!(c.iter().any(|(n, _)| n == "empty-x100"));
    }

    #[test]
    fn oversized_headers_are_due_at_their_last_byte() {
        let f: Framing = "u16le:max=300".parse().unwrap();
        let s = streams(f);
        let over = s.iter().find(|s| s.name() == "len=max+1").unwrap();
        // "ok" is 2+2 bytes, the bad header 4..6.
        assert!(matches!(
            over.expectation().end,
            End::Reject {
                at: At::Byte(5),
                ..
            }
        ));
        assert_eq!(&over.bytes()[4..6], &301u16.to_le_bytes());
    }

    #[test]
    fn headers_counting_themselves_get_malformed_values() {
        let c = classes("u16be:incl");
        assert!(c
            .iter()
            .any(|(n, cl)| n == "incl-below-header=1" && *cl == Some(ErrorClass::MalformedHeader)));
    }

    #[test]
    fn pattern_does_not_repeat_at_256() {
        let p = pattern(600);
        assert_ne!(p[..10], p[256..266]);
    }
}
