//! `varint`: an unsigned LEB128 (base-128 varint) length prefix, as protobuf's
//! length-delimited messages use (`prost::decode_length_delimiter`, `unsigned-varint`).
//!
//! Seven bits per byte, least significant group first, the top bit set on every byte but the
//! last, at most ten bytes for a `u64`:
//!
//! ```text
//!  300 = 0b10_0101100:  [ac 02] then 300 payload bytes
//!                        |  `- 0000010 (high group, last byte: top bit clear)
//!                        `- 1 0101100 (low group, top bit: more follows)
//! ```
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "varint".parse().unwrap();
//! let stream = framing.encode(&[vec![7; 300]]).unwrap().bytes;
//! assert_eq!(stream[..2], [0xac, 0x02]);
//! assert_eq!(framing.expect(&stream).frames[0].payload, 2..302);
//! ```
//!
//! Options: `max=N`, `noempty`, and `overlong`, which accepts non-minimal encodings (`80 00`
//! for 0); by default they are a malformed header, as in a strict decoder. A tenth byte above
//! `01` (more than 64 bits) is always malformed.
//!
//! For protocols that put the varint after a fixed header (MQTT, the `mqtt` preset):
//! `offset=N` puts `N` bytes of any value before it, part of the frame; `bytes=N` caps the
//! varint at `N` bytes (MQTT's 4: a fourth byte with its top bit set proves the header
//! malformed, and the rejection is due by the byte after it, as MQTT 5.0's decoding loop
//! rejects it; the largest length is `2^(7N) - 1`); `strip=N` (at most the offset)
//! emits the frame from byte `N` on, the varint included, instead of the payload alone.
//!
//! ```
//! use framecheck::Framing;
//!
//! let mqtt: Framing = "varint:offset=1:bytes=4:strip=0".parse().unwrap();
//! let pingreq = [0xc0, 0x00];
//! assert_eq!(mqtt.expect(&pingreq).frames[0].payload, 0..2);
//! assert!(mqtt.expect(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01]).end != framecheck::framing::End::Clean);
//! ```

use std::fmt;

use serde_json::{Map, Value};

use super::adversary::{header_adversaries, offset_bytes, Adversary, HeaderEdges};
use super::format::{set_flag, write_flag, Format, Registered};
use crate::kind::{Hostile, StreamKind, Truncation};
use super::json::{bool_field, u64_field, FieldError};
use super::spec::{ErrorClass, HeaderParse};
use super::{Framing, Wire};

/// An unsigned LEB128 (base-128 varint) length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Varint {
    /// Whether non-minimal encodings (`80 00` for 0, `81 00` for 1) are accepted. By default
    /// they are a malformed header, as in a strict decoder.
    pub overlong: bool,
    /// Bytes of any value before the varint, part of the frame.
    pub offset: u8,
    /// The most bytes the varint may take, 1 to 10 ([`VARINT_MAX_LEN`]).
    pub bytes: u8,
    /// Where the emitted frame starts (at most `offset`); after the varint when `None`.
    pub strip: Option<u8>,
}

impl Default for Varint {
    /// `varint`: strict, no offset, up to ten bytes, the payload emitted.
    fn default() -> Varint {
        Varint {
            overlong: false,
            offset: 0,
            bytes: VARINT_MAX_LEN as u8,
            strip: None,
        }
    }
}

impl Varint {
    /// The offset bytes the encoder writes before the varint.
    fn fill(&self) -> Vec<u8> {
        (0..self.offset).map(|j| b'A' + j % 26).collect()
    }

    fn bad_option(spec: &str, opt: &str, why: &str) -> crate::Error {
        crate::Error::new(format!("framing {spec:?}: {opt}: {why}"))
    }
}

/// The most bytes a `u64` varint takes.
pub const VARINT_MAX_LEN: usize = 10;

/// How many bytes the minimal varint encoding of `value` takes.
pub fn varint_len(value: u64) -> usize {
    (64 - value.leading_zeros() as usize).div_ceil(7).max(1)
}

/// The minimal varint encoding of `value`.
pub fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(varint_len(value));
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
}

impl Registered for Varint {
    const NAMES: &'static str = "varint";
    const JSON_TYPE: &'static str = "varint";
    const JSON_FIELDS: &'static [&'static str] = &["overlong", "offset", "bytes", "strip"];

    fn from_name(name: &str) -> Option<Varint> {
        (name == "varint").then(Varint::default)
    }

    fn from_json(o: &Map<String, Value>) -> Result<Varint, FieldError> {
        let small = |field: &str, lo: u64, hi: u64| -> Result<Option<u8>, FieldError> {
            if !o.contains_key(field) {
                return Ok(None);
            }
            let v = u64_field(o, field)?;
            if !(lo..=hi).contains(&v) {
                return Err(FieldError::new(field, format!("{v} is not from {lo} to {hi}")));
            }
            Ok(Some(v as u8))
        };
        let offset = small("offset", 0, 255)?.unwrap_or(0);
        Ok(Varint {
            overlong: bool_field(o, "overlong")?,
            offset,
            bytes: small("bytes", 1, VARINT_MAX_LEN as u64)?.unwrap_or(VARINT_MAX_LEN as u8),
            strip: small("strip", 0, offset.into())?,
        })
    }
}

impl Format for Varint {
    fn name(&self) -> String {
        "varint".to_string()
    }

    fn options_help(&self) -> &'static str {
        "max=N, noempty, overlong, offset=N, bytes=1..10 and strip=N"
    }

    fn json_type(&self) -> &'static str {
        Self::JSON_TYPE
    }

    fn to_json(&self, out: &mut Map<String, Value>) {
        out.insert("overlong".into(), Value::from(self.overlong));
        if self.offset != 0 {
            out.insert("offset".into(), Value::from(self.offset));
        }
        if usize::from(self.bytes) != VARINT_MAX_LEN {
            out.insert("bytes".into(), Value::from(self.bytes));
        }
        if let Some(s) = self.strip {
            out.insert("strip".into(), Value::from(s));
        }
    }

    fn vector_flags(&self, _recovered: bool) -> Vec<&'static str> {
        vec!["varint"]
    }

    fn fmt_options(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_flag(f, "overlong", self.overlong)?;
        if self.offset != 0 {
            write!(f, ":offset={}", self.offset)?;
        }
        if usize::from(self.bytes) != VARINT_MAX_LEN {
            write!(f, ":bytes={}", self.bytes)?;
        }
        if let Some(s) = self.strip {
            write!(f, ":strip={s}")?;
        }
        Ok(())
    }

    fn set_option(&mut self, spec: &str, opt: &str) -> Result<bool, crate::Error> {
        let Some((key, value)) = opt.split_once('=') else {
            return Ok(set_flag(opt, "overlong", &mut self.overlong));
        };
        let number = |lo: u8, hi: u8| {
            value
                .parse::<u8>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| {
                    let why = format!("{value:?} is not a whole number from {lo} to {hi}");
                    Varint::bad_option(spec, key, &why)
                })
        };
        match key {
            "offset" => self.offset = number(0, u8::MAX)?,
            "bytes" => self.bytes = number(1, VARINT_MAX_LEN as u8)?,
            "strip" => self.strip = Some(number(0, u8::MAX)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish(&self, spec: &str) -> Result<(), crate::Error> {
        match self.strip {
            Some(s) if s > self.offset => Err(Varint::bad_option(
                spec,
                "strip",
                &format!(
                    "{s} is past the {}-byte offset; a varint's length varies, so strip takes \
                     0 to the offset (the default strips the varint too)",
                    self.offset
                ),
            )),
            _ => Ok(()),
        }
    }

    fn largest_payload(&self) -> u64 {
        self.field_max()
    }

    fn field_max(&self) -> u64 {
        match u32::from(self.bytes) * 7 {
            bits if bits >= 64 => u64::MAX,
            bits => (1u64 << bits) - 1,
        }
    }

    fn has_length_field(&self) -> bool {
        true
    }

    fn header_len(&self, payload_len: u64) -> usize {
        usize::from(self.offset) + varint_len(payload_len)
    }

    fn max_header_len(&self) -> usize {
        usize::from(self.offset) + usize::from(self.bytes)
    }

    fn emit_start(&self, header_len: usize) -> usize {
        self.strip.map_or(header_len, usize::from)
    }

    fn header_for_field(&self, value: u64) -> Option<Vec<u8>> {
        let mut h = self.fill();
        h.extend(varint(value));
        Some(h)
    }

    /// The shared length-field streams ([`header_adversaries`]), and a varint's own edge
    /// cases (bug class 15): non-minimal encodings of 0 and 1, a 10th byte that overflows
    /// `u64`, continuation bytes that never end, the largest ten-byte varint, a varint cut
    /// short (`varint-*`).
    fn adversaries(&self, framing: &Framing) -> Vec<Adversary> {
        let edges = HeaderEdges {
            framing,
            width: 0,
            overhead: 0,
        };
        let raw_headers: [(&str, Vec<u8>); 7] = [
            ("varint-overlong-0", vec![0x80, 0x00]),
            ("varint-overlong-1", vec![0x81, 0x00]),
            ("varint-overlong-1-x3", vec![0x81, 0x80, 0x00]),
            (
                "varint-10th-byte-overflow",
                [vec![0x80; 9], vec![0x02]].concat(),
            ),
            ("varint-endless", vec![0x80; 12]),
            ("varint-max-10-bytes", [vec![0xff; 9], vec![0x01]].concat()),
            (
                "varint-over-max-bytes",
                [vec![0xff; self.bytes.into()], vec![0x01]].concat(),
            ),
        ];
        let mut extras: Vec<Adversary> = raw_headers
            .into_iter()
            .filter(|(name, _)| self.bytes < 10 || *name != "varint-over-max-bytes")
            .map(|(name, header)| {
                let tail = [self.fill(), header, edges.few()].concat();
                let kind = StreamKind::HostileHeader(Hostile::Varint);
                Adversary::messages(name, kind, edges.good(), tail)
            })
            .collect();
        extras.push(Adversary::messages(
            "varint-truncated",
            StreamKind::Truncation(Truncation::VarintHeader),
            edges.good(),
            [self.fill(), vec![0x80, 0x80]].concat(),
        ));
        extras.extend(offset_bytes(framing, self.offset.into()));
        header_adversaries(&edges, extras)
    }

    fn parse_header(&self, framing: &Framing, avail: &[u8]) -> HeaderParse {
        let offset = usize::from(self.offset);
        if avail.len() < offset {
            return HeaderParse::NeedMore { proven: None };
        }
        match self.parse_varint(framing, &avail[offset..]) {
            HeaderParse::NeedMore { proven } => HeaderParse::NeedMore {
                proven: proven.map(|p| p + offset),
            },
            HeaderParse::Frame {
                header_len,
                payload,
            } => HeaderParse::Frame {
                header_len: header_len + offset,
                payload,
            },
            HeaderParse::Bad {
                class,
                why,
                header_len,
                proven,
            } => HeaderParse::Bad {
                class,
                why,
                header_len: header_len + offset,
                proven: proven + offset,
            },
        }
    }
}

impl Varint {
    /// Reads the varint at the start of `avail`.
    fn parse_varint(&self, framing: &Framing, avail: &[u8]) -> HeaderParse {
        let max = framing.max_frame_len();
        let limit = usize::from(self.bytes);
        let mut value: u64 = 0;
        // Later bytes only add to the value: once it is over the max, the header is bad.
        let mut proven: Option<usize> = None;
        for (i, &b) in avail.iter().enumerate().take(limit) {
            if limit < VARINT_MAX_LEN && i == limit - 1 && b & 0x80 != 0 {
                // Proven bad by this byte; due by the next one, the byte past the longest
                // valid varint (as MQTT 5.0's own decoding loop rejects it).
                let proven = proven.unwrap_or(limit);
                if avail.len() == limit {
                    return HeaderParse::NeedMore {
                        proven: Some(proven),
                    };
                }
                return HeaderParse::Bad {
                    class: ErrorClass::MalformedHeader,
                    why: format!(
                        "a varint longer than {limit} bytes: byte {limit} is {b:02x}, with more to \
                         follow"
                    ),
                    header_len: limit + 1,
                    proven,
                };
            }
            if i == VARINT_MAX_LEN - 1 && b > 1 {
                return HeaderParse::Bad {
                    class: ErrorClass::MalformedHeader,
                    why: format!(
                        "the 10th byte of a varint is {b:02x}: more than 64 bits, or more than \
                         ten bytes"
                    ),
                    header_len: i + 1,
                    proven: proven.unwrap_or(i + 1),
                };
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if proven.is_none() && value > max {
                proven = Some(i + 1);
            }
            if b & 0x80 != 0 {
                continue;
            }
            let len = i + 1;
            let bad = |class, why| HeaderParse::Bad {
                class,
                why,
                header_len: len,
                proven: proven.unwrap_or(len),
            };
            if !self.overlong && len > 1 && b == 0 {
                return bad(
                    ErrorClass::MalformedHeader,
                    format!(
                        "a non-minimal varint: {len} bytes for {value}, which takes {}",
                        varint_len(value)
                    ),
                );
            }
            if value > max {
                return bad(
                    ErrorClass::Oversized,
                    format!("header announces {value} payload bytes, over the maximum {max}"),
                );
            }
            if value == 0 && !framing.empty_frames() {
                return bad(
                    ErrorClass::EmptyFrame,
                    "a zero-length frame, which this framing does not allow".to_string(),
                );
            }
            return HeaderParse::Frame {
                header_len: len,
                payload: value,
            };
        }
        HeaderParse::NeedMore { proven }
    }
}

impl Framing {
    /// A varint (LEB128) length prefix with the default maximum, rejecting non-minimal
    /// encodings.
    pub fn varint() -> Framing {
        Framing::of(Wire::Varint(Varint::default()))
    }

    /// Sets whether a varint framing accepts non-minimal encodings (no effect on others).
    #[must_use]
    pub fn with_overlong_varints(mut self, accepted: bool) -> Framing {
        if let Wire::Varint(ref mut v) = self.wire {
            v.overlong = accepted;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::{varint, varint_len};
    use crate::framing::{ErrorClass, Framing, HeaderParse};

    #[test]
    fn varints_encode_minimally_and_parse_back() {
        for v in [0u64, 1, 127, 128, 300, 16383, 16384, 1 << 35, u64::MAX] {
            let bytes = varint(v);
            assert_eq!(bytes.len(), varint_len(v), "{v}");
            let f = Framing::varint().with_max_frame_len(u64::MAX);
            assert_eq!(
                f.parse_header(&bytes),
                HeaderParse::Frame {
                    header_len: bytes.len(),
                    payload: v
                }
            );
        }
        assert_eq!(varint(300), [0xac, 0x02]);
        assert_eq!(varint(u64::MAX).len(), 10);
    }

    fn proven(f: &Framing, header: &[u8]) -> Option<usize> {
        f.parse_header(header).proven()
    }

    #[test]
    fn varint_edge_cases_are_malformed() {
        let f: Framing = "varint:max=1000".parse().unwrap();
        let class = |h: &[u8]| match f.parse_header(h) {
            HeaderParse::Bad { class, .. } => Some(class),
            _ => None,
        };
        assert_eq!(class(&[0x80, 0x00]), Some(ErrorClass::MalformedHeader));
        assert_eq!(class(&[0x81, 0x00]), Some(ErrorClass::MalformedHeader));
        let overflow = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
        assert_eq!(class(&overflow), Some(ErrorClass::MalformedHeader));
        assert_eq!(class(&[0x80; 12]), Some(ErrorClass::MalformedHeader));
        assert_eq!(
            f.parse_header(&[0x80, 0x80]),
            HeaderParse::NeedMore { proven: None }
        );
        // e9 07 = 1001: oversized once complete; e9 87 .. proves it as soon as 2 bytes are in.
        assert_eq!(class(&[0xe9, 0x07]), Some(ErrorClass::Oversized));
        assert_eq!(proven(&f, &[0xe9, 0x87]), Some(2));
        let lenient: Framing = "varint:max=1000:overlong".parse().unwrap();
        assert_eq!(
            lenient.parse_header(&[0x81, 0x00]),
            HeaderParse::Frame {
                header_len: 2,
                payload: 1
            }
        );
        assert_eq!(lenient.to_string(), "varint:max=1000:overlong");
        assert!("varint:incl".parse::<Framing>().is_err());
        assert!("u32be:overlong".parse::<Framing>().is_err());
    }
}
