//! Fixed-width length prefixes: `u8`, `u16be`, `u16le`, `u32be`, `u32le`, `u64be`, `u64le`.
//!
//! Every message is preceded by a fixed-width unsigned length field, big or little endian:
//!
//! ```text
//!  u32be, length counts the payload only (the default, as in the seed explainer)
//! +----+----+----+----+----------------------+
//! | 00 | 00 | 00 | 03 |  61  62  63  ("abc") |
//! +----+----+----+----+----------------------+
//!   length field = 3     payload, 3 bytes
//!
//!  u8, the seed's worked example: three frames back to back
//! +----+----------+----+-------+----+-------------+
//! | 03 | 61 62 63 | 02 | 68 69 | 04 | 70 69 6e 67 |
//! +----+----------+----+-------+----+-------------+
//! ```
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "u8".parse().unwrap();
//! let stream = [0x03, 0x61, 0x62, 0x63, 0x02, 0x68, 0x69, 0x04, 0x70, 0x69, 0x6e, 0x67];
//! let spec = framing.expect(&stream);
//! let frames: Vec<&[u8]> = spec.frames.iter().map(|f| &stream[f.payload.clone()]).collect();
//! assert_eq!(frames, [&b"abc"[..], b"hi", b"ping"]);
//! assert_eq!(framing.encode(&[b"abc".to_vec(), b"hi".to_vec(), b"ping".to_vec()]).unwrap().bytes, stream);
//! ```
//!
//! Options: `u32be:max=1024` sets the maximum frame length (inclusive: a payload of exactly
//! `max` bytes is valid, `max + 1` is not), `:incl` says the length field counts the header
//! too (a field value below the header width is then a malformed header), and `:noempty`
//! makes a zero-length frame a reason to reject the stream, for protocols that forbid them.
//!
//! The maximum always applies to the *payload* (the message), whether or not the field counts
//! the header; it defaults to the smaller of 8 MiB (tokio-util's default) and the largest
//! payload the field can describe.
//!
//! A header can be proven bad before it is complete: `ff` as the first byte of a big-endian
//! `u32` with a small maximum already says the length is too large, and a decoder may reject
//! the stream from that byte on (see [`HeaderParse::NeedMore`]).

use std::fmt;

use serde_json::{Map, Value};

use super::adversary::{header_adversaries, Adversary, HeaderEdges};
use super::format::{set_flag, write_flag, Format, Registered};
use crate::kind::Hostile;
use super::json::{bool_field, choice_field, u64_field, FieldError};
use super::spec::{ErrorClass, HeaderParse};
use super::{Framing, Wire};

/// Byte order of a length field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endian {
    /// Most significant byte first (network order).
    Big,
    /// Least significant byte first.
    Little,
}

/// A fixed-width unsigned length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LengthPrefix {
    /// Width of the length field in bytes: 1, 2, 4 or 8.
    pub width: u8,
    /// Byte order of the field (ignored for a width of 1).
    pub endian: Endian,
    /// Whether the field value counts the header bytes as well as the payload.
    pub includes_header: bool,
}

/// The unsigned value of up to 8 `bytes` in `endian` order (`bytes[0]` arrives first).
pub(super) fn read_uint(bytes: &[u8], endian: Endian) -> u64 {
    let w = bytes.len().min(8);
    let mut be = [0u8; 8];
    be[8 - w..].copy_from_slice(&bytes[..w]);
    if endian == Endian::Little {
        be[8 - w..].reverse();
    }
    u64::from_be_bytes(be)
}

/// The low `width` bytes of `value` in `endian` order.
pub(super) fn write_uint(value: u64, width: usize, endian: Endian) -> Vec<u8> {
    let mut h = value.to_be_bytes()[8 - width..].to_vec();
    if endian == Endian::Little {
        h.reverse();
    }
    h
}

impl Registered for LengthPrefix {
    const NAMES: &'static str = "u8, u16be, u16le, u32be, u32le, u64be, u64le";
    const JSON_TYPE: &'static str = "length-prefix";
    const JSON_FIELDS: &'static [&'static str] = &["width", "endian", "length_includes_header"];

    fn from_name(name: &str) -> Option<LengthPrefix> {
        let (width, endian) = match name {
            "u8" => (1, Endian::Big),
            "u16be" => (2, Endian::Big),
            "u16le" => (2, Endian::Little),
            "u32be" => (4, Endian::Big),
            "u32le" => (4, Endian::Little),
            "u64be" => (8, Endian::Big),
            "u64le" => (8, Endian::Little),
            _ => return None,
        };
        Some(LengthPrefix {
            width,
            endian,
            includes_header: false,
        })
    }

    fn from_json(o: &Map<String, Value>) -> Result<LengthPrefix, FieldError> {
        let width = u64_field(o, "width")?;
        if !matches!(width, 1 | 2 | 4 | 8) {
            return Err(FieldError::new("width", format!("{width} is not 1, 2, 4 or 8")));
        }
        let default = (width == 1).then_some("big");
        let endian = match choice_field(o, "endian", &["big", "little"], default) {
            Err(e) if !o.contains_key("endian") => {
                let what = format!("missing: a {width}-byte length needs \"big\" or \"little\"");
                return Err(FieldError { what, ..e });
            }
            other => other?,
        };
        Ok(LengthPrefix {
            width: width as u8,
            endian: if endian == "big" { Endian::Big } else { Endian::Little },
            includes_header: bool_field(o, "length_includes_header")?,
        })
    }
}

impl LengthPrefix {
    /// The raw field value of `bytes`, as read in stream order (`bytes[0]` arrives first).
    fn field_value(&self, bytes: &[u8]) -> u64 {
        read_uint(bytes, self.endian)
    }

    /// How many leading bytes of `header` (complete or not) already prove it invalid whatever
    /// the remaining bytes are: the smallest `k` for which no completion of `header[..k]` is a
    /// valid header, or `None`. (Bounds are used: the values a prefix allows are taken as the
    /// interval between its completions with zeros and with `ff`s, which is exact for big
    /// endian and conservative for little endian.)
    fn prefix_proof(&self, framing: &Framing, header: &[u8]) -> Option<usize> {
        let w = self.width as usize;
        let offset = if self.includes_header { w as u64 } else { 0 };
        let lo = offset + u64::from(!framing.empty_frames());
        let hi = offset.saturating_add(framing.max_frame_len());
        (1..=header.len().min(w)).find(|&k| {
            let mut low = vec![0u8; w];
            let mut high = vec![0xffu8; w];
            low[..k].copy_from_slice(&header[..k]);
            high[..k].copy_from_slice(&header[..k]);
            let (a, b) = (self.field_value(&low), self.field_value(&high));
            a.max(b) < lo || a.min(b) > hi
        })
    }
}

impl Format for LengthPrefix {
    fn name(&self) -> String {
        match (self.width, self.endian) {
            (1, _) => "u8".to_string(),
            (w, Endian::Big) => format!("u{}be", w as u32 * 8),
            (w, Endian::Little) => format!("u{}le", w as u32 * 8),
        }
    }

    fn options_help(&self) -> &'static str {
        "max=N, noempty and incl"
    }

    fn json_type(&self) -> &'static str {
        Self::JSON_TYPE
    }

    fn to_json(&self, out: &mut Map<String, Value>) {
        out.insert("width".into(), Value::from(self.width));
        let endian = if self.endian == Endian::Big { "big" } else { "little" };
        out.insert("endian".into(), Value::from(endian));
        out.insert("length_includes_header".into(), Value::from(self.includes_header));
    }

    fn vector_flags(&self, _recovered: bool) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if self.includes_header {
            flags.push("length-includes-header");
        }
        if self.endian == Endian::Little && self.width > 1 {
            flags.push("little-endian");
        }
        flags
    }

    fn fmt_options(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_flag(f, "incl", self.includes_header)
    }

    fn set_option(&mut self, _spec: &str, opt: &str) -> Result<bool, crate::Error> {
        Ok(set_flag(opt, "incl", &mut self.includes_header))
    }

    fn largest_payload(&self) -> u64 {
        if self.includes_header {
            self.field_max() - self.width as u64
        } else {
            self.field_max()
        }
    }

    fn field_max(&self) -> u64 {
        if self.width < 8 {
            (1u64 << (self.width as u32 * 8)) - 1
        } else {
            u64::MAX
        }
    }

    fn has_length_field(&self) -> bool {
        true
    }

    fn header_len(&self, _payload_len: u64) -> usize {
        self.width as usize
    }

    fn max_header_len(&self) -> usize {
        self.width as usize
    }

    fn header_for_field(&self, value: u64) -> Option<Vec<u8>> {
        Some(write_uint(value, self.width as usize, self.endian))
    }

    fn header_for_payload(&self, framing: &Framing, payload_len: u64) -> Option<Vec<u8>> {
        let value = if self.includes_header {
            payload_len.checked_add(self.width as u64)?
        } else {
            payload_len
        };
        framing.header_for_field(value)
    }

    fn read_header(&self, framing: &Framing, header: &[u8]) -> Result<u64, (ErrorClass, String)> {
        let w = self.width as usize;
        let value = self.field_value(&header[..w]);
        let payload = if self.includes_header {
            match value.checked_sub(w as u64) {
                Some(p) => p,
                None => {
                    return Err((
                        ErrorClass::MalformedHeader,
                        format!(
                            "length field {value} is smaller than the {w}-byte header it counts"
                        ),
                    ))
                }
            }
        } else {
            value
        };
        let max = framing.max_frame_len();
        if payload > max {
            return Err((
                ErrorClass::Oversized,
                format!("header announces {payload} payload bytes, over the maximum {max}"),
            ));
        }
        if payload == 0 && !framing.empty_frames() {
            return Err((
                ErrorClass::EmptyFrame,
                "a zero-length frame, which this framing does not allow".to_string(),
            ));
        }
        Ok(payload)
    }

    /// The shared length-field streams ([`header_adversaries`]), and two of a fixed width's
    /// own: `top-bit` and `top-bit+1`, a field with only its top bit set (bug class 8), and
    /// under `:incl` `incl-below-header=V`, a field smaller than the header (class 17).
    fn adversaries(&self, framing: &Framing) -> Vec<Adversary> {
        let w = self.width as u64;
        let edges = HeaderEdges {
            framing,
            width: w,
            overhead: if self.includes_header { w.into() } else { 0 },
        };
        let top = 1u64 << (8 * w - 1);
        let top_bit = |plus_one| Hostile::TopBit { plus_one };
        let mut extras: Vec<Adversary> = [
            edges.header_then_few("top-bit".into(), top_bit(false), top),
            edges.header_then_few("top-bit+1".into(), top_bit(true), top | 1),
        ]
        .into_iter()
        .flatten()
        .collect();
        if self.includes_header {
            extras.extend((0..w).filter_map(|v| {
                edges.header_then_few(format!("incl-below-header={v}"), Hostile::BelowHeader(v), v)
            }));
        }
        header_adversaries(&edges, extras)
    }

    fn parse_header(&self, framing: &Framing, avail: &[u8]) -> HeaderParse {
        let w = self.width as usize;
        if avail.len() < w {
            return HeaderParse::NeedMore {
                proven: self.prefix_proof(framing, avail),
            };
        }
        match self.read_header(framing, &avail[..w]) {
            Ok(payload) => HeaderParse::Frame {
                header_len: w,
                payload,
            },
            Err((class, why)) => HeaderParse::Bad {
                class,
                why,
                header_len: w,
                proven: self.prefix_proof(framing, &avail[..w]).unwrap_or(w),
            },
        }
    }
}

impl Framing {
    /// A length prefix of `width` bytes (1, 2, 4 or 8) counting the payload only, with the
    /// default maximum frame length.
    ///
    /// # Panics
    /// If `width` is not 1, 2, 4 or 8.
    pub fn length_prefix(width: u8, endian: Endian) -> Framing {
        assert!(
            matches!(width, 1 | 2 | 4 | 8),
            "length prefix width must be 1, 2, 4 or 8, not {width}"
        );
        Framing::of(Wire::LengthPrefix(LengthPrefix {
            width,
            endian,
            includes_header: false,
        }))
    }

    /// Sets whether a fixed-width length field counts the header bytes too (no effect on other
    /// formats).
    #[must_use]
    pub fn with_length_includes_header(mut self, yes: bool) -> Framing {
        if let Wire::LengthPrefix(ref mut lp) = self.wire {
            lp.includes_header = yes;
        }
        self.max_frame_len = self.max_frame_len.min(self.largest_payload());
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::framing::{At, End, ErrorClass, Framing};

    #[test]
    fn little_endian_header_is_reversed() {
        let f: Framing = "u16le".parse().unwrap();
        assert_eq!(f.header_for_field(0x0102).unwrap(), [0x02, 0x01]);
        assert_eq!(f.read_header(&[0x02, 0x01]), Ok(0x0102));
    }

    #[test]
    fn max_is_inclusive() {
        let f: Framing = "u8:max=3".parse().unwrap();
        assert_eq!(f.read_header(&[3]), Ok(3));
        assert_eq!(f.read_header(&[4]).unwrap_err().0, ErrorClass::Oversized);
    }

    #[test]
    fn length_including_header_below_header_is_malformed() {
        let f: Framing = "u16be:incl".parse().unwrap();
        assert_eq!(f.read_header(&[0, 2]), Ok(0));
        assert_eq!(
            f.read_header(&[0, 1]).unwrap_err().0,
            ErrorClass::MalformedHeader
        );
        assert_eq!(f.header_for_payload(3).unwrap(), [0, 5]);
    }

    #[test]
    fn oversized_header_is_due_at_its_last_byte() {
        let f: Framing = "u32be:max=10".parse().unwrap();
        let e = f.expect(&[0, 0, 0, 1, 9, 0, 0, 0, 11, 1, 2]);
        assert_eq!(e.frames.len(), 1);
        assert!(matches!(
            e.end,
            End::Reject {
                class: ErrorClass::Oversized,
                start: 5,
                at: At::Byte(8),
                ..
            }
        ));
    }

    fn proven(f: &Framing, header: &[u8]) -> Option<usize> {
        f.parse_header(header).proven()
    }

    #[test]
    fn a_header_prefix_can_prove_the_header_bad() {
        let be: Framing = "u32be:max=1000".parse().unwrap();
        // ff as the first of four big-endian bytes: at least 0xff000000.
        assert_eq!(proven(&be, &[0xff, 0, 0, 0]), Some(1));
        assert_eq!(proven(&be, &[0xff]), Some(1));
        assert_eq!(proven(&be, &[0, 0, 0x03, 0xe9]), Some(4));
        assert_eq!(proven(&be, &[0, 0, 0x04, 0]), Some(3));
        assert_eq!(proven(&be, &[0, 0, 0x03]), None);
        let le: Framing = "u32le:max=1000".parse().unwrap();
        // e9 03 ..: at least 0x03e9 = 1001.
        assert_eq!(proven(&le, &[0xe9, 0x03, 0, 0]), Some(2));
        let incl: Framing = "u16be:incl".parse().unwrap();
        assert_eq!(proven(&incl, &[0, 1]), Some(2));
        let e = be.expect(&[0, 0, 0, 1, 9, 0xff, 0, 0, 0]);
        assert!(matches!(
            e.end,
            End::Reject {
                at: At::Byte(8),
                earliest: At::Byte(5),
                ..
            }
        ));
        // A truncated header that already proves itself too long may be rejected early.
        let e = be.expect(&[0, 0, 0, 1, 9, 0xff]);
        assert!(matches!(
            e.end,
            End::Reject {
                at: At::Eof,
                earliest: At::Byte(5),
                ..
            }
        ));
    }

    #[test]
    fn stream_ending_after_a_header_is_truncated() {
        let f: Framing = "u32be".parse().unwrap();
        let e = f.expect(&[0, 0, 0, 1]);
        assert!(matches!(
            e.end,
            End::Reject {
                class: ErrorClass::TruncatedAtEof,
                at: At::Eof,
                ..
            }
        ));
        let e = f.expect(&[0, 0, 0, 0]);
        assert_eq!(e.end, End::Clean);
        assert_eq!(e.frames[0].last_byte, 3);
    }

    #[test]
    fn noempty_rejects_a_zero_length_frame_at_its_header() {
        let f: Framing = "u16be:noempty".parse().unwrap();
        let e = f.expect(&[0, 1, 9, 0, 0, 0, 1, 9]);
        assert_eq!(e.frames.len(), 1);
        assert!(matches!(
            e.end,
            End::Reject {
                class: ErrorClass::EmptyFrame,
                start: 3,
                at: At::Byte(4),
                ..
            }
        ));
        assert!(f.encode(&[vec![]]).is_err());
    }
}
