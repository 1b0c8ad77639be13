//! The conformance matrix: every bundled decoder × framing, by group of cases.
//!
//! Each row runs the default suite (golden vectors, messages × schedules, adversarial streams,
//! random cases) for one decoder and framing; each column is a group of those cases, named
//! after what its streams test. A cell is `pass`, or the verdict kinds that failed there with
//! their counts; a decoder that cannot be configured for a framing has no row for it.
//!
//! No case is excluded or tuned per decoder: every row runs the same suite for its framing,
//! and every failure comes with its minimal case.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::adapter::{declare, FrameDecoder};
use crate::case::StreamKind;
use crate::framing::Framing;
use crate::oracle::FailureKind;
use crate::reference::ReferenceDecoder;
use crate::suite::{Report, Status, Suite};

/// A column of the matrix: a group of cases, by what their streams test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// The bundled golden vectors that apply to the framing.
    Vectors,
    /// The message sets under the schedule catalog, and the edges of a wire format other than
    /// its length (line ends, text, a byte past the last fixed frame).
    Messages,
    /// Valid frames at the edges of the length range, and runs of empty frames.
    LengthEdges,
    /// Headers a decoder may mishandle: oversized, at field boundaries, wrapping, malformed.
    HostileHeaders,
    /// Streams that end inside a frame.
    Truncation,
    /// The seeded random cases.
    Random,
}

impl Group {
    /// The column's heading.
    pub fn label(self) -> &'static str {
        match self {
            Group::Vectors => "golden vectors",
            Group::Messages => "messages × schedules",
            Group::LengthEdges => "length edges",
            Group::HostileHeaders => "hostile headers",
            Group::Truncation => "truncation at EOF",
            Group::Random => "random",
        }
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The column a stream's cases fall in, from what the stream tests.
pub fn group_of(kind: StreamKind) -> Group {
    match kind {
        StreamKind::Vector => Group::Vectors,
        StreamKind::Truncation(_) => Group::Truncation,
        StreamKind::HostileHeader(_) => Group::HostileHeaders,
        StreamKind::LengthEdge(_) => Group::LengthEdges,
        StreamKind::Random => Group::Random,
        // A stream made outside the generators ([`StreamKind::Other`], none in the suite)
        // counts with the messages.
        StreamKind::Messages
        | StreamKind::WorkedExample
        | StreamKind::WireEdge
        | StreamKind::Other => Group::Messages,
    }
}

/// The columns, in order.
pub const GROUPS: [Group; 6] = [
    Group::Vectors,
    Group::Messages,
    Group::LengthEdges,
    Group::HostileHeaders,
    Group::Truncation,
    Group::Random,
];

/// A decoder the matrix runs: a name and a way to build it for a framing (`None`: it cannot
/// be configured for that framing).
#[derive(Clone)]
pub struct MatrixDecoder {
    /// Short id, as the command line's `--decoder` takes it.
    pub id: &'static str,
    /// Row label.
    pub name: &'static str,
    /// Builds the decoder.
    pub build: Arc<dyn Fn(Framing) -> Option<Box<dyn FrameDecoder>> + Send + Sync>,
}

/// The bundled decoders: the reference, and every third-party adapter compiled in.
pub fn bundled_decoders() -> Vec<MatrixDecoder> {
    #[allow(unused_mut)]
    let mut out = vec![MatrixDecoder {
        id: "reference",
        name: "framecheck reference",
        build: Arc::new(|f| Some(Box::new(ReferenceDecoder::new(f)) as Box<dyn FrameDecoder>)),
    }];
    #[cfg(feature = "tokio-util07")]
    {
        use crate::adapters::tokio_util07::{length_delimited, DecodeLoop, FramedReadDriver};
        out.push(MatrixDecoder {
            id: "tokio-util07-decode",
            name: "tokio-util 0.7 LengthDelimitedCodec (decode loop)",
            build: Arc::new(|f| {
                length_delimited(f)
                    .map(|c| Box::new(DecodeLoop::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>)
            }),
        });
        out.push(MatrixDecoder {
            id: "tokio-util07-framed",
            name: "tokio-util 0.7 LengthDelimitedCodec (FramedRead)",
            build: Arc::new(|f| {
                length_delimited(f).map(|c| {
                    Box::new(FramedReadDriver::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>
                })
            }),
        });
    }
    #[cfg(feature = "unsigned-varint08")]
    {
        use crate::adapters::tokio_util07::{DecodeLoop, FramedReadDriver};
        use crate::adapters::unsigned_varint08::uvi_bytes;
        out.push(MatrixDecoder {
            id: "unsigned-varint08-decode",
            name: "unsigned-varint 0.8 UviBytes (decode loop)",
            build: Arc::new(|f| {
                uvi_bytes(f)
                    .map(|c| Box::new(DecodeLoop::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>)
            }),
        });
        out.push(MatrixDecoder {
            id: "unsigned-varint08-framed",
            name: "unsigned-varint 0.8 UviBytes (FramedRead)",
            build: Arc::new(|f| {
                uvi_bytes(f).map(|c| {
                    Box::new(FramedReadDriver::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>
                })
            }),
        });
    }
    #[cfg(feature = "tokio-util07")]
    {
        use crate::adapters::tokio_util07::{any_delimiter, DecodeLoop, FramedReadDriver};
        use crate::framing::{LineEof, Wire};
        // The profile each driver gives the codec: both emit an unterminated last line; the
        // decode loop goes on after an over-long line, FramedRead ends the stream there.
        let lines = |f: Framing, resync: bool| matches!(f.wire(), Wire::Lines(l) if l.eof == LineEof::Emit && l.resync == resync);
        out.push(MatrixDecoder {
            id: "tokio-util07-lines-decode",
            name: "tokio-util 0.7 AnyDelimiterCodec `\\n` (decode loop)",
            build: Arc::new(move |f| {
                any_delimiter(f)
                    .filter(|_| lines(f, true))
                    .map(|c| Box::new(DecodeLoop::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>)
            }),
        });
        out.push(MatrixDecoder {
            id: "tokio-util07-lines-framed",
            name: "tokio-util 0.7 AnyDelimiterCodec `\\n` (FramedRead)",
            build: Arc::new(move |f| {
                any_delimiter(f).filter(|_| lines(f, false)).map(|c| {
                    Box::new(FramedReadDriver::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>
                })
            }),
        });
    }
    #[cfg(feature = "tokio-util07")]
    {
        use crate::adapters::tokio_util07::{lines_codec, DecodeLoop, FramedReadDriver};
        // The decode loop goes on after an error (`:resync`); FramedRead ends the stream there.
        out.push(MatrixDecoder {
            id: "tokio-util07-linescodec-decode",
            name: "tokio-util 0.7 LinesCodec (decode loop)",
            build: Arc::new(|f| {
                lines_codec(f).filter(|_| f.resyncs()).map(|c| {
                    Box::new(DecodeLoop::new(c, String::into_bytes)) as Box<dyn FrameDecoder>
                })
            }),
        });
        out.push(MatrixDecoder {
            id: "tokio-util07-linescodec-framed",
            name: "tokio-util 0.7 LinesCodec (FramedRead)",
            build: Arc::new(|f| {
                lines_codec(f).filter(|_| !f.resyncs()).map(|c| {
                    Box::new(FramedReadDriver::new(c, String::into_bytes)) as Box<dyn FrameDecoder>
                })
            }),
        });
    }
    #[cfg(feature = "actix-codec05")]
    {
        use crate::adapters::actix_codec05::FramedDriver;
        use crate::adapters::tokio_util07::{any_delimiter, length_delimited};
        use crate::framing::{LineEof, Wire};
        out.push(MatrixDecoder {
            id: "actix-codec05-length",
            name: "actix-codec 0.5 Framed + tokio-util LengthDelimitedCodec",
            build: Arc::new(|f| {
                length_delimited(f).map(|c| {
                    Box::new(FramedDriver::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>
                })
            }),
        });
        out.push(MatrixDecoder {
            id: "actix-codec05-lines",
            name: "actix-codec 0.5 Framed + tokio-util AnyDelimiterCodec `\\n`",
            build: Arc::new(|f| {
                // actix's Framed goes on decoding after an error: the codec's own recovery.
                let profile =
                    matches!(f.wire(), Wire::Lines(l) if l.eof == LineEof::Emit && l.resync);
                any_delimiter(f).filter(|_| profile).map(|c| {
                    Box::new(FramedDriver::new(c, |b| b.to_vec())) as Box<dyn FrameDecoder>
                })
            }),
        });
    }
    #[cfg(feature = "asynchronous-codec07")]
    {
        use crate::adapters::asynchronous_codec07::{
            length_codec_framing, DecodeLoop, FramedReadDriver,
        };
        out.push(MatrixDecoder {
            id: "asynchronous-codec07-decode",
            name: "asynchronous-codec 0.7 LengthCodec (decode loop)",
            build: Arc::new(|f| {
                (f == length_codec_framing()).then(|| {
                    Box::new(DecodeLoop::new(asynchronous_codec::LengthCodec, |b| {
                        b.to_vec()
                    })) as Box<dyn FrameDecoder>
                })
            }),
        });
        use crate::adapters::asynchronous_codec07::{line_to_vec, lines_codec_framing};
        out.push(MatrixDecoder {
            id: "asynchronous-codec07-lines-decode",
            name: "asynchronous-codec 0.7 LinesCodec (decode loop)",
            build: Arc::new(|f| {
                (f == lines_codec_framing()).then(|| {
                    Box::new(DecodeLoop::new(asynchronous_codec::LinesCodec, line_to_vec))
                        as Box<dyn FrameDecoder>
                })
            }),
        });
        out.push(MatrixDecoder {
            id: "asynchronous-codec07-lines-framed",
            name: "asynchronous-codec 0.7 LinesCodec (FramedRead)",
            build: Arc::new(|f| {
                (f == lines_codec_framing()).then(|| {
                    Box::new(FramedReadDriver::new(
                        asynchronous_codec::LinesCodec,
                        line_to_vec,
                    )) as Box<dyn FrameDecoder>
                })
            }),
        });
        out.push(MatrixDecoder {
            id: "asynchronous-codec07-framed",
            name: "asynchronous-codec 0.7 LengthCodec (FramedRead)",
            build: Arc::new(|f| {
                (f == length_codec_framing()).then(|| {
                    Box::new(FramedReadDriver::new(
                        asynchronous_codec::LengthCodec,
                        |b| b.to_vec(),
                    )) as Box<dyn FrameDecoder>
                })
            }),
        });
    }
    #[cfg(feature = "prost014")]
    out.push(MatrixDecoder {
        id: "prost014",
        name: "prost 0.14 decode_length_delimiter",
        build: Arc::new(|f| {
            crate::adapters::prost014::ProstDelimited::new(f)
                .map(|d| Box::new(d) as Box<dyn FrameDecoder>)
        }),
    });
    // Each adapter is configured for the framing it is built for: that framing is its
    // declared profile (maximum, empty frames, and for lines the EOF and recovery policies).
    for d in &mut out {
        let build = d.build.clone();
        d.build = Arc::new(move |f| {
            build(f).map(|inner| Box::new(declare(inner, f)) as Box<dyn FrameDecoder>)
        });
    }
    out
}

/// The framings the matrix covers.
pub fn framings() -> Vec<Framing> {
    [
        "u8:max=100",
        "u16be:max=1024",
        "u32be:max=1024",
        "u32le:max=1024",
        "u64be:max=1024",
        "u32be:max=1024:incl",
        "varint:max=1024",
        "varint:max=1024:overlong",
        // asynchronous-codec's LengthCodec: no maximum.
        "u64be:max=18446744073709551615",
        "lines:max=64",
        "lines:max=64:eof=emit",
        "lines:max=64:eof=emit:resync",
        // tokio-util's LinesCodec: UTF-8, `\r\n`.
        "lines:max=64:eof=emit:text:crlf",
        "lines:max=64:eof=emit:resync:text:crlf",
        // asynchronous-codec's LinesCodec: UTF-8, no maximum.
        "lines:max=18446744073709551615:resync:text",
        "fixed:size=16",
        "netstring:max=1024",
    ]
    .iter()
    .map(|s| s.parse().expect("matrix framings parse"))
    .collect()
}

/// One row: a decoder under one framing.
pub struct Row {
    /// The decoder's name.
    pub decoder: &'static str,
    /// Whether the decoder is framecheck's reference, whose failure fails the matrix.
    pub reference: bool,
    /// The framing.
    pub framing: Framing,
    /// Per column: cases run, and failures by kind.
    pub cells: BTreeMap<Group, (usize, BTreeMap<FailureKind, usize>)>,
    /// The suite report, with the minimal case of each failure kind.
    pub report: Report,
}

/// Runs the matrix; `configure` adjusts each suite (seed, reproduce line).
pub fn run(configure: impl Fn(Suite, &str) -> Suite) -> Vec<Row> {
    let mut rows = Vec::new();
    for d in bundled_decoders() {
        for framing in framings() {
            if (d.build)(framing).is_none() {
                continue;
            }
            let build = d.build.clone();
            let suite = configure(Suite::new(framing), d.name);
            let report = suite.run(move || build(framing).expect("supported a moment ago"));
            let mut cells: BTreeMap<Group, (usize, BTreeMap<FailureKind, usize>)> = BTreeMap::new();
            for c in &report.results {
                let cell = cells.entry(group_of(c.kind)).or_default();
                cell.0 += 1;
                if let Status::Fail(k) = c.status {
                    *cell.1.entry(k).or_default() += 1;
                }
            }
            rows.push(Row {
                decoder: d.name,
                reference: d.id == REFERENCE_ID,
                framing,
                cells,
                report,
            });
        }
    }
    rows
}

/// The id of framecheck's own reference decoder among the bundled decoders.
const REFERENCE_ID: &str = "reference";

/// Whether the matrix passes: the reference decoder passes every row it has. The other
/// decoders' failures are findings about them, not a failed run.
pub fn passes(rows: &[Row]) -> bool {
    rows.iter()
        .filter(|r| r.reference)
        .all(|r| r.report.is_pass())
}

fn cell_text(cell: Option<&(usize, BTreeMap<FailureKind, usize>)>) -> String {
    match cell {
        None => "-".to_string(),
        Some((n, fails)) if fails.is_empty() => format!("pass ({n})"),
        Some((n, fails)) => {
            let kinds: Vec<String> = fails.iter().map(|(k, c)| format!("{k} {c}/{n}")).collect();
            kinds.join(", ")
        }
    }
}

/// The matrix as a Markdown table, followed by the minimal case of every failure.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::new();
    let headings: Vec<&str> = GROUPS.iter().map(|g| g.label()).collect();
    let _ = writeln!(s, "| decoder | framing | {} |", headings.join(" | "));
    let _ = writeln!(s, "|---|---|{}", "---|".repeat(GROUPS.len()));
    for r in rows {
        let cells: Vec<String> = GROUPS.iter().map(|g| cell_text(r.cells.get(g))).collect();
        let _ = writeln!(
            s,
            "| {} | `{}` | {} |",
            r.decoder,
            r.framing,
            cells.join(" | ")
        );
    }
    s
}

/// The failures behind the matrix, one minimal case per row and kind.
pub fn failures(rows: &[Row]) -> String {
    let mut s = String::new();
    for r in rows.iter().filter(|r| !r.report.is_pass()) {
        let _ = writeln!(s, "### {} — `{}`\n", r.decoder, r.framing);
        for f in &r.report.failures {
            let _ = writeln!(s, "```text");
            s.push_str(&crate::report::render_failure(
                f,
                &r.report.reproduce_line(f),
            ));
            let _ = writeln!(s, "```\n");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stream the suite makes, by its name and kind: the columns the matrix has always
    /// shown.
    #[test]
    fn streams_fall_in_the_right_column() {
        use crate::case::{Hostile, LengthEdge, Truncation};
        for (kind, group) in [
            (StreamKind::Vector, "golden vectors"),
            (StreamKind::WorkedExample, "messages × schedules"),
            (StreamKind::Messages, "messages × schedules"),
            (StreamKind::WireEdge, "messages × schedules"),
            (StreamKind::LengthEdge(LengthEdge::Max), "length edges"),
            (
                StreamKind::HostileHeader(Hostile::OverMax),
                "hostile headers",
            ),
            (
                StreamKind::HostileHeader(Hostile::OverMaxComplete),
                "hostile headers",
            ),
            (
                StreamKind::HostileHeader(Hostile::Varint),
                "hostile headers",
            ),
            (
                StreamKind::Truncation(Truncation::VarintHeader),
                "truncation at EOF",
            ),
            (
                StreamKind::Truncation(Truncation::At(3)),
                "truncation at EOF",
            ),
            (StreamKind::Random, "random"),
            (
                StreamKind::LengthEdge(LengthEdge::EmptyRun(100)),
                "length edges",
            ),
        ] {
            assert_eq!(group_of(kind).label(), group, "{kind:?}");
        }
    }

    /// The suite's own streams carry the kinds the columns are read from: a stream renamed
    /// stays in its column.
    #[test]
    fn the_suites_streams_have_kinds() {
        let framing: Framing = "varint:max=1024".parse().unwrap();
        let suite = Suite::new(framing).random_cases(3);
        let mut seen = BTreeMap::new();
        for case in suite.cases() {
            let group = group_of(case.stream.kind());
            seen.entry(group)
                .or_insert_with(|| case.stream.name().to_string());
            assert_ne!(case.stream.kind(), StreamKind::Other, "{}", case.label());
        }
        assert_eq!(seen.len(), GROUPS.len(), "{seen:?}");
        assert_eq!(group_of(StreamKind::Other), Group::Messages);
    }
}
