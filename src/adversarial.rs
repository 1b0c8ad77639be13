//! Adversarial streams: the lengths, headers, delimiters and cuts that decoders get wrong.
//!
//! Each wire format describes its own ([`Format::adversaries`](crate::framing::Format::adversaries),
//! in the format's file): the formats with a length field share
//! [`header_adversaries`](crate::framing::header_adversaries) (edges of the length range, one
//! byte over the maximum, every field-width boundary, values that wrap, runs of empty frames,
//! truncation at every offset) and add their own (`top-bit`, `incl-below-header=V`,
//! `varint-*`, `netstring-*`); lines and fixed-size frames have theirs. This module turns those
//! descriptions into [`Stream`]s.
//!
//! Whether a field value is oversized, a truncated frame or malformed is not decided here: the
//! specification ([`Framing::expect`]) reads each stream like any other.
//!
//! Each stream is minted with its [`StreamKind`](crate::case::StreamKind) (a length edge, a
//! hostile header and which, a truncation, an edge of the wire format): the matrix columns and
//! the generated vectors' flags read the kind, never the name, so a stream can be renamed
//! without moving it.

use crate::case::{Stream, StreamKind, Truncation};
use crate::framing::user::{self, TailEnd, UserFraming};
use crate::framing::{Adversary, AdversaryBytes, Framing};

pub use crate::framing::{pattern, LARGEST_MESSAGE};

/// The adversarial streams for `framing`.
///
/// A user framing (`framing::user`) has no [`Adversary`] descriptions: its streams carry
/// their expectation, so they are built here from the user's own invalid streams and the
/// encoder's frames ([`user_streams`]).
pub fn streams(framing: Framing) -> Vec<Stream> {
    if let Some(u) = user::of(&framing) {
        return user_streams(framing, u.framing());
    }
    framing
        .adversaries()
        .into_iter()
        .map(|a| stream(framing, a))
        .collect()
}

/// The stream an [`Adversary`] describes. Its messages are made to fit the framing, and empty
/// ones are encoded even under `:noempty`.
///
/// # Panics
/// If the messages do not fit the framing's maximum: a format's generator must only describe
/// streams it can encode.
pub fn stream(framing: Framing, a: Adversary) -> Stream {
    let s = match a.bytes {
        AdversaryBytes::Messages { messages, tail } => {
            Stream::with_tail_lenient(framing, &a.name, messages, tail)
                .unwrap_or_else(|e| panic!("{framing} {}: {e}", a.name))
        }
        AdversaryBytes::Raw(bytes) => Stream::raw(framing, &a.name, bytes),
    };
    s.with_kind(a.kind)
}

/// The messages of the streams a user framing is truncated in: the worked example, and a
/// number, an integer and a string as JSON and CBOR conform them (`12345`, `[1,0]`, `"hi"`).
fn truncated_sets() -> [(&'static str, Vec<Vec<u8>>); 2] {
    let b = |s: &str| s.as_bytes().to_vec();
    [
        ("trunc", vec![b("abc"), b("hi"), b("ping")]),
        (
            "mixed-trunc",
            vec![vec![1, 0x30, 0x39], vec![2, 1, 0], vec![0, b'h', b'i']],
        ),
    ]
}

/// A user framing's adversarial streams: its own invalid streams (their kind is
/// [`StreamKind::WireEdge`], an edge of the wire format), then a few encoded streams cut
/// after every offset (`trunc@K`: the frames before the cut, then a frame cut short, rejected
/// at EOF; a cut between frames is a valid stream).
///
/// # Panics
/// If the encoder cannot encode the framing's own invalid streams or conformed messages, or
/// contradicts itself on them, with the usage error ([`user::register`] checks these when it
/// registers the framing, so a registered framing does not panic here).
pub fn user_streams(framing: Framing, u: &dyn UserFraming) -> Vec<Stream> {
    let mut out = Vec::new();
    for inv in u.invalid_streams() {
        let messages = inv.messages.into_iter().map(|m| u.conform(m)).collect();
        let s = Stream::with_tail_end(framing, &inv.name, messages, inv.tail, Some(inv.end))
            .unwrap_or_else(|e| panic!("{framing} {}: {e}", inv.name));
        out.push(s.with_kind(StreamKind::WireEdge));
    }
    for (name, messages) in truncated_sets() {
        let messages: Vec<Vec<u8>> = messages.into_iter().map(|m| u.conform(m)).collect();
        let whole = Stream::with_tail_end(framing, name, messages.clone(), Vec::new(), None)
            .unwrap_or_else(|e| panic!("{framing} {name}: {e}"));
        let frames = &whole.expectation().frames;
        for k in 1..whole.bytes().len() {
            let n = frames.partition_point(|f| f.last_byte < k);
            let split = n.checked_sub(1).map_or(0, |i| frames[i].last_byte + 1);
            let tail = whole.bytes()[split..k].to_vec();
            let end = (!tail.is_empty()).then(TailEnd::truncated);
            let s = Stream::with_tail_end(
                framing,
                format!("{name}@{k}"),
                messages[..n].to_vec(),
                tail,
                end,
            )
            .unwrap_or_else(|e| panic!("{framing} {name}@{k}: {e}"));
            out.push(s.with_kind(StreamKind::Truncation(Truncation::At(k))));
        }
    }
    out
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
