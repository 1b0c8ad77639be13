//! `netstring`: D. J. Bernstein's `<length>:<payload>,`.
//!
//! The length in ASCII decimal without leading zeros, a colon, the payload, a comma:
//!
//! ```text
//!  "abc" and "" as netstrings
//! +----+----+----------+----+----+----+----+
//! | 33 | 3a | 61 62 63 | 2c | 30 | 3a | 2c |
//! +----+----+----------+----+----+----+----+
//!   "3"  ":"   "abc"    ","  "0"  ":"  ","
//! ```
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "netstring".parse().unwrap();
//! let stream = b"3:abc,0:,";
//! assert_eq!(framing.encode(&[b"abc".to_vec(), vec![]]).unwrap().bytes, stream);
//! let spec = framing.expect(stream);
//! assert_eq!(&stream[spec.frames[0].payload.clone()], b"abc");
//! assert_eq!(spec.frames[1].last_byte, 8);
//! ```
//!
//! A byte that is not a digit where the length is, a leading zero, an empty length or a
//! missing comma is a `malformed-header`. A length over the maximum is `oversized` from the
//! digit that makes it so (`9999` with `max=100` is proven bad at its third digit), and the
//! header is due by its colon or by the digit past the most digits a valid length has,
//! whichever comes first: a decoder must not wait for a colon forever.

use serde_json::{Map, Value};

use super::adversary::{header_adversaries, Adversary, HeaderEdges};
use super::format::{Format, Registered};
use crate::kind::{Hostile, StreamKind};
use super::json::FieldError;
use super::spec::{ErrorClass, HeaderParse};
use super::{Framing, Wire};

/// Netstrings: `<decimal length>:<payload>,`. The format has no options of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Netstring;

/// How many decimal digits `value` takes.
pub fn decimal_len(value: u64) -> usize {
    value.checked_ilog10().map_or(1, |d| d as usize + 1)
}

impl Registered for Netstring {
    const NAMES: &'static str = "netstring";
    const JSON_TYPE: &'static str = "netstring";
    const JSON_FIELDS: &'static [&'static str] = &[];

    fn from_name(name: &str) -> Option<Netstring> {
        (name == "netstring").then_some(Netstring)
    }

    fn from_json(_o: &Map<String, Value>) -> Result<Netstring, FieldError> {
        Ok(Netstring)
    }
}

impl Format for Netstring {
    fn name(&self) -> String {
        "netstring".to_string()
    }

    fn options_help(&self) -> &'static str {
        "max=N and noempty"
    }

    fn json_type(&self) -> &'static str {
        Self::JSON_TYPE
    }

    fn vector_flags(&self, _recovered: bool) -> Vec<&'static str> {
        vec!["netstring"]
    }

    fn largest_payload(&self) -> u64 {
        u64::MAX
    }

    fn field_max(&self) -> u64 {
        u64::MAX
    }

    fn has_length_field(&self) -> bool {
        true
    }

    fn header_len(&self, payload_len: u64) -> usize {
        decimal_len(payload_len) + 1
    }

    fn max_header_len(&self) -> usize {
        decimal_len(u64::MAX) + 1
    }

    fn trailer(&self) -> &[u8] {
        b","
    }

    fn trailer_name(&self) -> &'static str {
        "comma"
    }

    fn check_trailer(&self, got: &[u8]) -> Result<(), (usize, String)> {
        match got.first() {
            Some(&b) if b != b',' => Err((0, format!("byte {b:02x} where a netstring's comma goes"))),
            _ => Ok(()),
        }
    }

    fn header_for_field(&self, value: u64) -> Option<Vec<u8>> {
        Some(format!("{value}:").into_bytes())
    }

    /// The shared length-field streams ([`header_adversaries`]), and a netstring's own edge
    /// cases (`netstring-*`): a leading zero, an empty length, a byte that is not a digit, a
    /// length longer than any `u64`, a missing comma, a payload then EOF before the comma, and
    /// the empty netstring.
    fn adversaries(&self, framing: &Framing) -> Vec<Adversary> {
        let edges = HeaderEdges {
            framing,
            width: 0,
            overhead: 0,
        };
        let raw: [(&str, &[u8]); 7] = [
            ("netstring-leading-zero", b"01:a,"),
            ("netstring-empty-length", b":,"),
            ("netstring-non-digit", b"3x:abc,"),
            ("netstring-huge-length", b"99999999999999999999999:"),
            ("netstring-missing-comma", b"3:abcX"),
            ("netstring-no-comma-at-eof", b"3:abc"),
            ("netstring-zero", b"0:,"),
        ];
        let extras = raw
            .into_iter()
            .map(|(name, tail)| {
                let kind = StreamKind::HostileHeader(Hostile::Netstring);
                Adversary::messages(name, kind, edges.good(), tail.to_vec())
            })
            .collect();
        header_adversaries(&edges, extras)
    }

    /// A netstring's `<digits>:`, at the start of `avail`. The header is complete at its colon
    /// or, for a length that is too long, at the digit past the most a valid length has
    /// (`decimal_len(max)`). A length over the maximum is proven from the digit that makes it
    /// so.
    fn parse_header(&self, framing: &Framing, avail: &[u8]) -> HeaderParse {
        let max = framing.max_frame_len();
        let most_digits = decimal_len(max);
        let mut value: u64 = 0;
        // The index of the digit that proved the length over the maximum.
        let mut over: Option<usize> = None;
        for (i, &b) in avail.iter().enumerate() {
            let oversized = |at: usize, first: usize| HeaderParse::Bad {
                class: ErrorClass::Oversized,
                why: format!(
                    "a netstring length of more than {max} ({}…)",
                    String::from_utf8_lossy(&avail[..=first])
                ),
                header_len: at + 1,
                proven: first + 1,
            };
            let malformed = |why: String| HeaderParse::Bad {
                class: ErrorClass::MalformedHeader,
                why,
                header_len: i + 1,
                proven: i + 1,
            };
            match b {
                _ if over.is_some() && !b.is_ascii_digit() => {
                    return oversized(i, over.unwrap_or(i));
                }
                b':' if i == 0 => {
                    return malformed("an empty netstring length (a colon first)".to_string())
                }
                b':' if value == 0 && !framing.empty_frames() => {
                    return HeaderParse::Bad {
                        class: ErrorClass::EmptyFrame,
                        why: "a zero-length frame, which this framing does not allow".to_string(),
                        header_len: i + 1,
                        proven: i + 1,
                    };
                }
                b':' => {
                    return HeaderParse::Frame {
                        header_len: i + 1,
                        payload: value,
                    }
                }
                b'0'..=b'9' if i == 1 && avail[0] == b'0' => {
                    return malformed("a netstring length with a leading zero".to_string())
                }
                b'0'..=b'9' => {
                    if over.is_none() {
                        match value
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(b - b'0')))
                        {
                            Some(v) if v <= max => value = v,
                            _ => over = Some(i),
                        }
                    }
                    if i + 1 > most_digits {
                        return oversized(i, over.unwrap_or(i));
                    }
                }
                _ => {
                    return malformed(format!(
                        "byte {b:02x} where a netstring length's digit or colon goes"
                    ))
                }
            }
        }
        HeaderParse::NeedMore {
            proven: over.map(|i| i + 1),
        }
    }
}

impl Framing {
    /// Netstrings (`3:abc,`) with the default maximum.
    pub fn netstring() -> Framing {
        Framing::of(Wire::Netstring(Netstring))
    }
}

#[cfg(test)]
mod tests {
    use crate::framing::{At, End, ErrorClass, Framing, HeaderParse};

    fn bad(f: &Framing, header: &[u8]) -> Option<(ErrorClass, usize, usize)> {
        match f.parse_header(header) {
            HeaderParse::Bad {
                class,
                header_len,
                proven,
                ..
            } => Some((class, header_len, proven)),
            _ => None,
        }
    }

    #[test]
    fn a_length_over_the_maximum_is_proven_at_the_digit_that_exceeds_it() {
        let f: Framing = "netstring:max=100".parse().unwrap();
        // 999: the third digit makes it 999 > 100, and a fourth digit is past the most a
        // valid length has, so the header is due there.
        assert_eq!(
            f.parse_header(b"99"),
            HeaderParse::NeedMore { proven: None }
        );
        assert_eq!(
            f.parse_header(b"999"),
            HeaderParse::NeedMore { proven: Some(3) }
        );
        assert_eq!(bad(&f, b"9999"), Some((ErrorClass::Oversized, 4, 3)));
        assert_eq!(bad(&f, b"999:"), Some((ErrorClass::Oversized, 4, 3)));
    }

    #[test]
    fn leading_zeros_empty_lengths_and_stray_bytes_are_malformed() {
        let f = Framing::netstring();
        assert_eq!(bad(&f, b"01:"), Some((ErrorClass::MalformedHeader, 2, 2)));
        assert_eq!(bad(&f, b":"), Some((ErrorClass::MalformedHeader, 1, 1)));
        assert_eq!(bad(&f, b"1x"), Some((ErrorClass::MalformedHeader, 2, 2)));
        assert_eq!(
            f.parse_header(b"0:"),
            HeaderParse::Frame {
                header_len: 2,
                payload: 0
            }
        );
    }

    #[test]
    fn a_missing_comma_is_malformed_at_its_byte() {
        let f = Framing::netstring();
        let e = f.expect(b"3:abc,3:abcX");
        assert_eq!(e.frames.len(), 1);
        assert!(matches!(
            e.end,
            End::Reject {
                class: ErrorClass::MalformedHeader,
                start: 6,
                at: At::Byte(11),
                ..
            }
        ));
        let e = f.expect(b"3:abc");
        assert!(matches!(
            e.end,
            End::Reject { class: ErrorClass::TruncatedAtEof, ref why, .. } if why.contains("comma")
        ));
    }
}
