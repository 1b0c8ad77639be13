//! Adversarial streams as a format describes them: the lengths and cuts that decoders get
//! wrong, each with its name and [`StreamKind`].
//!
//! A format answers [`Format::adversaries`](super::Format::adversaries) with plain
//! [`Adversary`] descriptions, messages to encode and raw bytes. The `adversarial` module
//! turns them into streams, and the specification decides what each must decode to: whether a
//! value is oversized, truncated or malformed is not decided here. Formats with a length field
//! share [`header_adversaries`] and add their own edge cases to it. Each format's module says
//! which streams it adds.
//!

use super::Framing;
use crate::kind::{Hostile, LengthEdge, StreamKind, Truncation};

/// One adversarial stream, as a format describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adversary {
    /// The stream's name, as reports print it (`len=max+1`, `trunc@7`).
    pub name: String,
    /// What it tests.
    pub kind: StreamKind,
    /// Its bytes.
    pub bytes: AdversaryBytes,
}

/// How an [`Adversary`]'s bytes are made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdversaryBytes {
    /// Messages the framing encodes (made to fit by [`Framing::conform`]; empty ones are
    /// encoded even under `:noempty`), then raw `tail` bytes.
    Messages {
        /// The messages.
        messages: Vec<Vec<u8>>,
        /// Raw bytes after them: a hostile header, a few payload bytes.
        tail: Vec<u8>,
    },
    /// Raw bytes, whatever they hold.
    Raw(Vec<u8>),
}

impl Adversary {
    /// `messages` then `tail`.
    pub fn messages(
        name: impl Into<String>,
        kind: StreamKind,
        messages: Vec<Vec<u8>>,
        tail: Vec<u8>,
    ) -> Adversary {
        Adversary {
            name: name.into(),
            kind,
            bytes: AdversaryBytes::Messages { messages, tail },
        }
    }

    /// Raw `bytes`.
    pub fn raw(name: impl Into<String>, kind: StreamKind, bytes: Vec<u8>) -> Adversary {
        Adversary {
            name: name.into(),
            kind,
            bytes: AdversaryBytes::Raw(bytes),
        }
    }
}

/// Messages longer than this are not generated (a 1 GiB max frame is checked by its header,
/// not by sending a gigabyte).
pub const LARGEST_MESSAGE: u64 = 8 * 1024 * 1024;

/// A recognisable payload of `len` bytes: `00 01 02 … fe 00 01 …`, shifted every 255 bytes so
/// that a misplaced slice of it does not match by accident.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + i / 255) % 256) as u8).collect()
}

/// The valid frames at the edges of the length range: name, edge, length.
pub fn length_edges(max: u64) -> [(&'static str, LengthEdge, u64); 4] {
    [
        ("len=0", LengthEdge::Zero, 0),
        ("len=1", LengthEdge::One, 1),
        ("len=max-1", LengthEdge::BelowMax, max.saturating_sub(1)),
        ("len=max", LengthEdge::Max, max),
    ]
}

/// `trunc@K`: `full` cut off after each `K` of `cuts`.
pub fn truncations(full: &[u8], cuts: impl IntoIterator<Item = usize>) -> Vec<Adversary> {
    cuts.into_iter()
        .map(|k| {
            Adversary::raw(
                format!("trunc@{k}"),
                StreamKind::Truncation(Truncation::At(k)),
                full[..k].to_vec(),
            )
        })
        .collect()
}

/// `offset-byte@J`, for a format with `offset` bytes of any value before its field: 256
/// valid frames whose offset byte `J` takes every value, for each `J`. A decoder that reads
/// meaning into those bytes, or reads its field from the wrong place, fails here.
pub fn offset_bytes(framing: &Framing, offset: usize) -> Vec<Adversary> {
    let messages = vec![framing.conform(b"ok".to_vec()); 256];
    let Ok(enc) = framing.encode(&messages) else {
        return Vec::new();
    };
    (0..offset)
        .map(|j| {
            let mut bytes = enc.bytes.clone();
            for (value, frame) in enc.frames.iter().enumerate() {
                bytes[frame.start + j] = value as u8;
            }
            Adversary::raw(format!("offset-byte@{j}"), StreamKind::WireEdge, bytes)
        })
        .collect()
}

/// What [`header_adversaries`] builds on.
pub struct HeaderEdges<'a> {
    /// The framing.
    pub framing: &'a Framing,
    /// The width of a fixed-width length field; 0 for a variable-length one (a varint, a
    /// netstring), whose values are then tried at every seventh bit.
    pub width: u64,
    /// How much the field value exceeds the payload length (the header width under `:incl`,
    /// minus a layout's adjustment).
    pub overhead: i128,
}

impl HeaderEdges<'_> {
    /// The good frame that comes before each bad one, so that the frames before a bad one
    /// must still come out.
    pub fn good(&self) -> Vec<Vec<u8>> {
        vec![self.fit(b"ok")]
    }

    /// The few bytes that follow a hostile header.
    pub fn few(&self) -> Vec<u8> {
        b"xyz".to_vec()
    }

    /// `m`, cut to what the maximum allows.
    fn fit(&self, m: &[u8]) -> Vec<u8> {
        m[..m.len().min(self.framing.max_frame_len().min(8) as usize)].to_vec()
    }

    /// The good frame, then the header carrying `field`, then a few bytes; nothing if the
    /// field cannot hold `field`.
    pub fn header_then_few(&self, name: String, hostile: Hostile, field: u64) -> Option<Adversary> {
        let mut tail = self.framing.header_for_field(field)?;
        tail.extend_from_slice(&self.few());
        Some(Adversary::messages(
            name,
            StreamKind::HostileHeader(hostile),
            self.good(),
            tail,
        ))
    }
}

/// The adversarial streams every format with a length field shares, with the format's own
/// `extras` in the middle. Each hostile stream comes after one good frame.
///
/// | stream name | what it is | bug classes (`docs/bug-classes.md`) |
/// |---|---|---|
/// | `len=0`, `len=1`, `len=max-1`, `len=max` | valid frames at the edges | 10, 14 |
/// | `len=max+1-complete` | one byte over the max with its whole payload, then a good frame | 10 |
/// | `len=max+1` | one byte over the max, then a few bytes | 10 |
/// | `field=N` | every power-of-two boundary (255/256, 2^16, 2^24, 2^31, 2^32, 2^63; every seventh bit for a variable-length field) that fits the field, then a few bytes | 8, 9 |
/// | `field=max-field` | the field's maximum (`ff ff ff ff`) | 7, 9 |
/// | `overflow-K` | field values that wrap when the header width is added | 7 |
/// | the format's own | `top-bit`, `incl-below-header=V`, `varint-*`, `netstring-*` | |
/// | `empty-x100` | a hundred consecutive empty frames | 14 |
/// | `trunc@K` | a two-frame stream cut off after K bytes: inside the header, exactly after it, inside the payload | 13 |
pub fn header_adversaries(edges: &HeaderEdges<'_>, extras: Vec<Adversary>) -> Vec<Adversary> {
    let framing = edges.framing;
    let max = framing.max_frame_len();
    let field_max = framing.field_max();
    let after = framing.conform(edges.fit(b"z"));
    let mut out = Vec::new();

    // Valid frames at the edges of the length range, each followed by a short frame so that
    // what follows a large frame is checked too. Very large maxima are left to `len=max+1`.
    for (name, edge, len) in length_edges(max) {
        if len <= max && len <= LARGEST_MESSAGE {
            let msgs = vec![pattern(len as usize), after.clone()];
            out.push(Adversary::messages(
                name,
                StreamKind::LengthEdge(edge),
                msgs,
                Vec::new(),
            ));
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
            out.push(Adversary::messages(
                "len=max+1-complete",
                StreamKind::HostileHeader(Hostile::OverMaxComplete),
                edges.good(),
                tail,
            ));
        }
    }
    // A header, then a few bytes: oversized, truncated or malformed, as the spec reads it.
    if let Ok(field) = u64::try_from(i128::from(max) + 1 + edges.overhead) {
        out.extend(edges.header_then_few("len=max+1".into(), Hostile::OverMax, field));
    }
    let boundaries: &[u32] = if edges.width == 0 {
        // A varint grows a byte at every seventh bit.
        &[7, 14, 21, 28, 31, 32, 35, 63]
    } else {
        &[8, 16, 24, 31, 32, 63]
    };
    for &bits in boundaries {
        let p = 1u64 << bits;
        for v in [p - 1, p, p + 1] {
            out.extend(edges.header_then_few(format!("field={v}"), Hostile::FieldBoundary(v), v));
        }
    }
    out.extend(edges.header_then_few("field=max-field".into(), Hostile::FieldMax, field_max));
    for k in 0..=edges.width.max(1) {
        // field + w wraps past the field's maximum (and past u32/u64 arithmetic).
        out.extend(edges.header_then_few(
            format!("overflow-{k}"),
            Hostile::Overflow(k),
            field_max - k,
        ));
    }
    out.extend(extras);
    out.push(Adversary::messages(
        "empty-x100",
        StreamKind::LengthEdge(LengthEdge::EmptyRun(100)),
        vec![Vec::new(); 100],
        Vec::new(),
    ));
    // Truncation at every offset of a two-frame stream.
    let two = vec![
        framing.conform(edges.fit(b"abc")),
        framing.conform(edges.fit(b"hello")),
    ];
    let full = framing.encode(&two).expect("short messages encode").bytes;
    out.extend(truncations(&full, 1..full.len()));
    out
}
