//! Third-party decoders in the conformance matrix, with the verdicts of each row pinned: a
//! change in framecheck or in a dependency that flips a cell is noticed here.

#![cfg(feature = "tokio-util07")]

use std::collections::BTreeSet;

use framecheck::framing::Wire;
use framecheck::registry::{self, Kind};
use framecheck::{matrix, CountingAlloc, FailureKind};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[test]
fn matrix_verdicts_are_pinned() {
    let rows = matrix::run(|s, _| s);
    assert_eq!(rows.len(), 92, "rows: a decoder or framing came or went");
    // Every adapter in the registry has rows, and every row is a registered decoder.
    for e in registry::of_kind(Kind::Adapter) {
        assert!(
            rows.iter().any(|r| r.decoder == e.name()),
            "{}: no matrix row",
            e.id()
        );
    }
    for row in &rows {
        assert!(
            registry::matrix().any(|e| e.name() == row.decoder),
            "{}: not in the registry",
            row.decoder
        );
        let kinds: BTreeSet<FailureKind> = row.report.by_kind.keys().copied().collect();
        let failing_groups: BTreeSet<&str> = row
            .cells
            .iter()
            .filter(|(_, (_, fails))| !fails.is_empty())
            .map(|(g, _)| g.label())
            .collect();
        let label = format!("{} {}", row.decoder, row.framing);
        let layout = matches!(row.framing.wire(), Wire::Layout(_));
        if row.decoder.contains("LengthDelimitedCodec")
            && !row.decoder.starts_with("framecheck")
            && (layout || row.decoder.contains("the body maximum"))
        {
            // tokio-util configured for a layout, and the naive-max row (tokio-rs/tokio#4815):
            // pinned row by row, with their minimal cases, in tests/third_party_layouts.rs.
            continue;
        }
        let no_max = row.framing.max_frame_len() == u64::MAX;
        let length_delimited = row.decoder.contains("LengthDelimitedCodec");
        if row.decoder.contains("JsonCodec") {
            json_codec_findings(row, &label, &kinds);
        } else if row.decoder.starts_with("framecheck reference")
            || row.decoder.contains("AnyDelimiterCodec")
            || row.decoder.contains("LinesCodec")
            || row.decoder.starts_with("asynchronous-codec")
        {
            // Lines through tokio-util's AnyDelimiterCodec (both drivers, and actix's Framed)
            // and LinesCodec (both drivers, as UTF-8 `\r\n` text), asynchronous-codec's
            // LinesCodec and LengthCodec (no maximum, and it does not reserve), and its
            // CborCodec on a CBOR sequence (the user framing cbor-seq).
            assert!(row.report.is_pass(), "{label}:\n{}", row.report);
        } else if length_delimited && no_max {
            // See: vectors/regressions.json, regression-tokio-util-no-max-capacity-overflow.
            // Configured with no maximum, decode_head reserves what the header announces: a
            // panic (capacity overflow) or an allocation of exabytes. And the EOF-after-header
            // loss below.
            assert_eq!(
                kinds,
                BTreeSet::from([
                    FailureKind::TruncationIgnored,
                    FailureKind::Panic,
                    FailureKind::MemoryBomb
                ]),
                "{label}:\n{}",
                row.report
            );
            assert!(
                failing_groups.contains("hostile headers"),
                "{label}: {failing_groups:?}"
            );
        } else if length_delimited {
            // See: vectors/regressions.json, regression-tokio-util-eof-after-header. A stream
            // that ends right after a complete header ends without an error: decode() has
            // moved the header out of the buffer, so decode_eof() finds it empty. The same
            // through decode, FramedRead and actix-codec's Framed: the loss is the codec's.
            assert_eq!(
                kinds,
                BTreeSet::from([FailureKind::TruncationIgnored]),
                "{label}:\n{}",
                row.report
            );
            assert!(
                failing_groups.contains("truncation at EOF"),
                "{label}: {failing_groups:?}"
            );
            let minimal = &row.report.failures[0].minimal;
            let header = row.framing.header_len(0);
            let exp = minimal.stream.expectation();
            assert_eq!(
                minimal.stream.bytes().len(),
                exp.frames.last().map_or(0, |f| f.last_byte + 1) + header,
                "{label}: the minimal case is not 'EOF right after a header': {}",
                minimal.token()
            );
        } else if row.decoder.starts_with("unsigned-varint") {
            // See: vectors/regressions.json, regression-unsigned-varint-eof-after-header (the
            // same EOF-after-header loss as tokio-util) and
            // regression-unsigned-varint-10th-byte-overflow (80×9 02 decodes to 0: an empty
            // frame where the header must be rejected).
            assert_eq!(
                kinds,
                BTreeSet::from([FailureKind::ExtraFrame, FailureKind::TruncationIgnored]),
                "{label}:\n{}",
                row.report
            );
        } else if row.decoder.starts_with("prost") {
            assert!(row.report.is_pass(), "{label}:\n{}", row.report);
        } else {
            panic!("a matrix row without a pinned expectation: {label}");
        }
    }
}

/// asynchronous-codec 0.7's `JsonCodec` (serde_json's streaming deserializer over the buffer),
/// under the user framings `ndjson` and `json-seq`. Each finding with its minimal case:
fn json_codec_findings(row: &matrix::Row, label: &str, kinds: &BTreeSet<FailureKind>) {
    let minimal = |k: FailureKind| {
        let f = row
            .report
            .failures
            .iter()
            .find(|f| f.failure.kind == k)
            .unwrap_or_else(|| panic!("{label}: no {k:?}"));
        (
            f.minimal.stream.bytes().to_vec(),
            f.minimal.schedule.cuts().to_vec(),
        )
    };
    if row.framing.name() == "ndjson" {
        assert_eq!(
            *kinds,
            BTreeSet::from([
                FailureKind::WrongFrame,
                FailureKind::MissingFrame,
                FailureKind::ExtraFrame,
                FailureKind::FalseRejection
            ]),
            "{label}:\n{}",
            row.report
        );
        // The same split number in the long-lived stream, where the two halves are followed
        // by a text that the oracle pairs with the second half: missing-frame
        // (`33320a330a` cut after `3`).
        assert_eq!(
            minimal(FailureKind::MissingFrame),
            (b"32\n3\n".to_vec(), vec![1])
        );
        // A number cut across two reads comes out as two numbers: `12\n` fed as `1`, `2\n`
        // emits 1. At the end of the buffer the deserializer takes the end of input for the
        // end of the number; only a delimiter after it (the LF) completes it.
        assert_eq!(
            minimal(FailureKind::WrongFrame),
            (b"12\n".to_vec(), vec![1])
        );
        // The LF after the last text stays in the buffer (the codec skips whitespace only
        // before a value), and FramedRead's end-of-stream rule calls it "bytes remaining in
        // stream": every stream that ends with its newline is rejected at EOF.
        let (bytes, cuts) = minimal(FailureKind::FalseRejection);
        assert!(
            bytes.ends_with(b"\n") && cuts.is_empty(),
            "{label}: {bytes:02x?}"
        );
        // Two texts on one line are two values to it: not newline-delimited JSON's one text
        // per line (the framing's own invalid stream `two-texts-on-a-line`).
        assert_eq!(minimal(FailureKind::ExtraFrame).0, b"[1] [2]\n".to_vec());
    } else {
        // RFC 7464 puts RS (1e) before each text: JsonCodec does not read JSON text
        // sequences at all, and rejects every stream at its first byte.
        assert_eq!(row.framing.name(), "json-seq");
        assert_eq!(
            *kinds,
            BTreeSet::from([FailureKind::MissingFrame, FailureKind::FalseRejection]),
            "{label}:\n{}",
            row.report
        );
        for k in [FailureKind::MissingFrame, FailureKind::FalseRejection] {
            assert_eq!(minimal(k).0[0], 0x1e, "{label}");
        }
    }
}
