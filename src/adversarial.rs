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

use crate::case::Stream;
use crate::framing::{Adversary, AdversaryBytes, Framing};

pub use crate::framing::{pattern, LARGEST_MESSAGE};

/// The adversarial streams for `framing`.
pub fn streams(framing: Framing) -> Vec<Stream> {
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
