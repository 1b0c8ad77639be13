//! tokio-util's `LengthDelimitedCodec` under length-field layouts (`field:…` and the protocol
//! presets), configured through its builder: the verdict of each matrix row pinned, and each
//! finding pinned with its minimal case, replayed, with what the codec does and why.
//!
//! The rows are `tokio-util07-decode` and `tokio-util07-framed` (configured around
//! tokio-rs/tokio#4815: `max_frame_length` is the field value of a maximum body) and
//! `tokio-util07-naive-max` (`max_frame_length` = the body maximum, as a user who does not know
//! #4815 writes it), over every matrix framing each supports.

#![cfg(feature = "tokio-util07")]

use std::collections::BTreeSet;

use framecheck::framing::Wire;
use framecheck::registry;
use framecheck::{matrix, replay, Case, CountingAlloc, FailureKind, Framing, Suite, Verdict};

use FailureKind::{
    ExtraFrame, FalseRejection, LateRejection, MissedRejection, MissingFrame, TruncationIgnored,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The verdict of `id` on the case `token`.
fn verdict(id: &str, token: &str) -> Verdict {
    let framing = Case::from_token(token).unwrap().stream.framing();
    let entry = registry::find(id).unwrap_or_else(|| panic!("{id}: not registered"));
    let mut decoder = entry
        .build(framing)
        .unwrap_or_else(|| panic!("{id}: no decoder for {framing}"));
    replay(&mut *decoder, token).unwrap()
}

/// The failure kind of `id` on `token` (panics if it passes).
fn fails(id: &str, token: &str) -> FailureKind {
    match verdict(id, token) {
        Verdict::Fail(f) => f.kind,
        other => panic!("{id} on {token}: expected a failure, got {other:?}"),
    }
}

fn passes(id: &str, token: &str) -> bool {
    verdict(id, token).is_pass()
}

/// Every layout row of the matrix, and what fails in it: the same for the decode loop and
/// FramedRead (every finding here is the codec's, not the driver's; the test runs the decode
/// loop's rows, and each minimal case through both).
const AROUND: &[(&str, &[FailureKind])] = &[
    // Field below -adjust: see postgres_field_below_the_adjustment_emits_a_frame_inside_its_header.
    ("postgres:max=8388608", &[ExtraFrame]),
    // EOF right after a complete header: decode() has moved the header out of the buffer, so
    // decode_eof() finds it empty (vectors/regressions.json,
    // regression-tokio-util-eof-after-header). Only where num_skip is the whole header: with
    // num_skip(0) (postgres, http2, tls, amqp) the header stays in the buffer and EOF reports it.
    ("grpc:max=4194304", &[TruncationIgnored]),
    ("mysql:max=16777215", &[TruncationIgnored]),
    ("http2:max=16384", &[]),
    ("tls:max=18432", &[]),
    // The trailer is the adapter's check (tokio_util07::FieldCodec).
    ("amqp:max=131072", &[]),
    ("kafka:max=104857600", &[TruncationIgnored]),
    ("dns:max=65535", &[TruncationIgnored]),
    (
        "field:max=1024:width=3:le:offset=2:adjust=-3",
        &[TruncationIgnored],
    ),
    (
        "field:max=1024:width=2:offset=1:adjust=1:strip=3",
        &[TruncationIgnored],
    ),
];

/// The naive-max rows: #4815 in both directions, on every matrix framing with a non-zero
/// adjustment and a maximum below the field's top.
const NAIVE: &[(&str, &[FailureKind])] = &[
    // Negative adjustment: valid frames near the maximum refused (a frame refused before a
    // truncated one is a missing frame in the random column; same cause).
    (
        "u32be:max=1024:incl",
        &[MissingFrame, FalseRejection, TruncationIgnored],
    ),
    ("postgres:max=8388608", &[ExtraFrame, FalseRejection]),
    // Positive adjustment: frames over the maximum pass, or are refused only at EOF.
    ("http2:max=16384", &[ExtraFrame, LateRejection]),
    (
        "field:max=1024:width=3:le:offset=2:adjust=-3",
        &[FalseRejection, TruncationIgnored],
    ),
    (
        "field:max=1024:width=2:offset=1:adjust=1:strip=3",
        &[ExtraFrame, LateRejection, TruncationIgnored],
    ),
];

fn kinds(report: &framecheck::Report) -> BTreeSet<FailureKind> {
    report.by_kind.keys().copied().collect()
}

#[test]
fn layout_rows_of_length_delimited_codec_are_pinned() {
    let layouts: Vec<Framing> = matrix::framings()
        .into_iter()
        .filter(|f| matches!(f.wire(), Wire::Layout(_)))
        .collect();
    for (id, table) in [
        ("tokio-util07-decode", AROUND),
        ("tokio-util07-naive-max", NAIVE),
    ] {
        let entry = registry::find(id).unwrap();
        let mut rows: Vec<String> = Vec::new();
        for framing in matrix::framings() {
            let in_table = id == "tokio-util07-naive-max" || layouts.contains(&framing);
            if !in_table || !entry.supports(framing) {
                continue;
            }
            rows.push(framing.to_string());
            let label = format!("{id} {framing}");
            let (_, want) = table
                .iter()
                .find(|(f, _)| *f == framing.to_string())
                .unwrap_or_else(|| panic!("{label}: a row without a pinned expectation"));
            let report = Suite::new(framing).run(move || entry.build(framing).unwrap());
            assert_eq!(
                kinds(&report),
                want.iter().copied().collect(),
                "{label}:\n{report}"
            );
        }
        let pinned: Vec<String> = table.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(rows, pinned, "{id}: a row came or went");
    }
    let framed = registry::find("tokio-util07-framed").unwrap();
    let framed_rows: Vec<String> = layouts
        .iter()
        .filter(|f| framed.supports(**f))
        .map(|f| f.to_string())
        .collect();
    let pinned: Vec<String> = AROUND.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(
        framed_rows, pinned,
        "tokio-util07-framed: a row came or went"
    );
}

#[test]
fn postgres_field_below_the_adjustment_emits_a_frame_inside_its_header() {
    // PostgreSQL's length counts itself (adjust=-4) and the frame is emitted whole (num_skip 0):
    // tokio-util's length_adjustment is -4 + 5 = +1. A field of 0 announces a body of -4 bytes
    // (malformed), but the codec only fails an adjustment that underflows, and 0 + 1 does not:
    // it emits the 1-byte frame `41` (the type byte alone) and parses the field's bytes as the
    // next header. Netty refuses a frame shorter than the end of its field
    // (CorruptedFrameException); tokio-util has no such check.
    let token = "postgres:max=8388608/4100000000/-";
    for id in ["tokio-util07-decode", "tokio-util07-framed"] {
        assert_eq!(fails(id, token), ExtraFrame, "{id}");
    }
    let Verdict::Fail(f) = verdict("tokio-util07-decode", token) else {
        unreachable!()
    };
    assert!(f.detail.contains("1 byte: 41"), "{}", f.detail);
    assert!(framecheck::replay(
        &mut framecheck::ReferenceDecoder::new(Case::from_token(token).unwrap().stream.framing()),
        token
    )
    .unwrap()
    .is_pass());
}

#[test]
fn naive_max_refuses_valid_frames_under_a_negative_adjustment() {
    // tokio-rs/tokio#4815: max_frame_length is compared with the raw field, before the
    // adjustment. With a length that counts its own 4 bytes and max_frame_length(1024), a
    // 1021-byte payload (field 1025) is refused: `frame size too big`. Configured around
    // (max_frame_length(1028)), it passes.
    let token = "u32be:max=1024:incl/00000401.00*1021/-";
    assert_eq!(fails("tokio-util07-naive-max", token), FalseRejection);
    assert!(passes("tokio-util07-decode", token));
    // The same on PostgreSQL at its 8 MiB maximum.
    let token = "postgres:max=8388608/4100800001.00*8388605/-";
    assert_eq!(fails("tokio-util07-naive-max", token), FalseRejection);
    assert!(passes("tokio-util07-decode", token));
}

#[test]
fn naive_max_passes_frames_over_the_maximum_under_a_positive_adjustment() {
    // #4815 the other way: HTTP/2's length leaves out 6 header bytes (adjust=6, emitted whole,
    // tokio-util's length_adjustment 9). With max_frame_length(16390), the body maximum, a
    // field of 16385 (a 16391-byte body) passes the check: the codec waits for the oversized
    // frame, then emits it whole, and a stream that ends first is refused only at EOF, as
    // `bytes remaining on stream`.
    assert_eq!(
        fails("tokio-util07-naive-max", "http2:max=16384/004001/-"),
        LateRejection
    );
    let whole = format!("http2:max=16384/004001.00*{}/-", 6 + 16385);
    assert_eq!(fails("tokio-util07-naive-max", &whole), ExtraFrame);
    assert!(passes("tokio-util07-decode", "http2:max=16384/004001/-"));
    assert!(passes("tokio-util07-decode", &whole));
}

/// #4815 with a `strip` that covers the header (found by the `adapter_tokio_util07` fuzz
/// smoke): the field 1024 announces a 1025-byte body (adjust=1), over the maximum 1024, and
/// passes the naive check; `num_skip(3)` has taken the header out of the buffer, so at EOF
/// nothing is left over and the codec ends the stream without an error. The right maximum
/// rejects it when the header completes.
#[test]
fn naive_max_with_the_header_stripped_ends_an_oversized_header_silently() {
    let token = "field:max=1024:width=2:offset=1:adjust=1:strip=3/ff0400/1,2";
    assert_eq!(fails("tokio-util07-naive-max", token), MissedRejection);
    assert!(passes("tokio-util07-decode", token));
}

#[test]
fn new_codec_caps_max_frame_length_below_valid_fields_under_a_negative_adjustment() {
    // Builder::new_codec lowers max_frame_length to the field's top value plus the adjustment
    // (adjust_max_frame_len), but compares it with the raw field: with a negative adjustment the
    // largest fields, which announce valid bodies, are refused. No configuration avoids it.
    // A 1-byte length that counts itself, max 254: field ff (254 payload bytes) is refused,
    // since max_frame_length becomes 255 - 1 = 254.
    for id in ["tokio-util07-decode", "tokio-util07-framed"] {
        let token = "field:max=254:width=1:adjust=-1/ff.00*254/-";
        assert_eq!(fails(id, token), FalseRejection, "{id}");
        // Netty's example 7 layout with the largest maximum it has: field fffd (65530 bytes).
        let token = "field:max=65532:width=2:offset=1:adjust=-3:strip=3/41fffd.00*65530/-";
        assert_eq!(fails(id, token), FalseRejection, "{id}");
    }
    // One below the cap passes.
    assert!(passes(
        "tokio-util07-decode",
        "field:max=254:width=1:adjust=-1/fe.00*253/-"
    ));
}

#[test]
fn num_skip_past_the_header_delays_the_header_check_and_never_panics() {
    // With num_skip(5) past a 3-byte field, decode_head waits for max(header, num_skip) bytes
    // before it reads the field, so an oversized field is refused only once 5 bytes are there,
    // or, if the stream ends first, at EOF. It never advances past what is buffered: the whole
    // suite finds no panic.
    let framing: Framing = "field:max=1024:width=3:strip=5".parse().unwrap();
    for id in ["tokio-util07-decode", "tokio-util07-framed"] {
        let token = "field:max=1024:width=3:strip=5/000401/-";
        assert_eq!(fails(id, token), LateRejection, "{id}");
    }
    let entry = registry::find("tokio-util07-decode").unwrap();
    let report = Suite::new(framing)
        .random_cases(100)
        .run(move || entry.build(framing).unwrap());
    assert_eq!(
        kinds(&report),
        BTreeSet::from([LateRejection, TruncationIgnored]),
        "{report}"
    );
}
