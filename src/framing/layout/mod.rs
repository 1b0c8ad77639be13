//! `field`: a length-field layout, described with the numbers Netty's
//! `LengthFieldBasedFrameDecoder` and tokio-util's `LengthDelimitedCodec::builder()` use.
//!
//! ```text
//!  field:offset=1:width=4:adjust=-4:strip=0  (PostgreSQL: a type byte, a length that counts itself)
//! +------+-------------+---------------------+---------+
//! |  51  | 00 00 00 08 |  61 62 63 64        | trailer |   <- the frame on the wire
//! +------+-------------+---------------------+---------+
//!  offset  the field      the body: field + adjust bytes   (none here; AMQP's is `ce`)
//!  bytes   (width bytes)
//! |<------ header ------>|
//! |<- strip ->|<------ the emitted frame ------>|          (strip=0: the whole frame)
//! ```
//!
//! ```
//! use framecheck::Framing;
//!
//! let pg: Framing = "field:offset=1:width=4:adjust=-4:strip=0".parse().unwrap();
//! let stream = pg.encode(&[b"abcd".to_vec()]).unwrap().bytes;
//! assert_eq!(stream[1..5], [0, 0, 0, 8]); // 4 body bytes + the field's own 4
//! // The decoder emits the whole frame: the offset byte, the field and the body.
//! assert_eq!(pg.expect(&stream).frames[0].payload, 0..9);
//! // tokio-util's default (strip the header) is the default here too.
//! let grpc: Framing = "field:offset=1:width=4".parse().unwrap();
//! assert_eq!(grpc.expect(&grpc.encode(&[b"hi".to_vec()]).unwrap().bytes).frames[0].payload, 5..7);
//! ```
//!
//! # The parameters, next to Netty's and tokio-util's
//!
//! | here | Netty `LengthFieldBasedFrameDecoder` | tokio-util `LengthDelimitedCodec::builder()` | default |
//! |---|---|---|---|
//! | `offset=N` | `lengthFieldOffset` | `length_field_offset` | 0 |
//! | `width=1\|2\|3\|4\|8` | `lengthFieldLength` (1, 2, 3, 4, 8) | `length_field_length` (1 to 8) | 4 |
//! | `le` (else big endian) | `ByteOrder` | `little_endian()` / `big_endian()` | big |
//! | `adjust=±N` | `lengthAdjustment` | `length_adjustment` | 0 |
//! | `strip=N` | `initialBytesToStrip` | `num_skip` | the header: `offset + width` |
//! | `max=N` | `maxFrameLength` | `max_frame_length` | 8 MiB |
//! | `trailer=HEX` | (none: count it with `adjust` and check it yourself) | (none) | none |
//!
//! **What the field counts.** The field's value plus the adjustment is the number of *body*
//! bytes: the bytes after the field, before any trailer. That is Netty's meaning, and
//! tokio-util's whenever `num_skip` is the whole header (its default). The two differ when
//! they strip something else: tokio-util's value plus adjustment counts the bytes after the
//! `num_skip` stripped ones, so its adjustment is Netty's plus `offset + width - strip`.
//! `adjust-base=strip` takes the adjustment with tokio-util's meaning.
//!
//! **What the maximum counts.** Here `max=N` bounds the body (the payload every other format's
//! maximum bounds), checked after the adjustment. Netty bounds the whole frame before
//! stripping (`offset + width + body`, and here the trailer too), after the adjustment:
//! `maxof=frame`. tokio-util bounds the raw field value, *before* the adjustment (so with a
//! positive adjustment it lets frames through that are longer than its maximum):
//! `maxof=field`. All three are one bound on the body, so the harness judges them alike.
//!
//! **Strip.** The emitted frame is the frame from byte `strip` to the end of the body; the
//! trailer, when there is one, is checked and never emitted. Both libraries let `strip` pass
//! the header and cut into the body; a frame shorter than `strip` is then a malformed header
//! (Netty's `CorruptedFrameException`), found as soon as the field is read.
//!
//! **Errors.** A field value below `-adjust` (a negative body) is a malformed header; a body
//! over the maximum, including one that passes `u64` after a positive adjustment, is
//! oversized. Both are due at the field's last byte, and a field prefix that already proves
//! the value out of range may be rejected from that byte on.
//!
//! **Empty frames** are frames with an empty body, whatever `strip` emits: under `:noempty` a
//! PostgreSQL `Terminate` (`58 00 00 00 04`) is rejected although its emitted frame, the whole
//! message, is five bytes. (No preset sets `:noempty`.)
//!
//! **The offset bytes** before the field are part of the frame and may hold anything: the
//! encoder writes letters (`A`, `B`, … by frame), and the adversarial `offset-byte@J` streams
//! try all 256 values at each offset.
//!
//! Canonical form: `field:max=N:width=W` then `:le`, `:offset=N`, `:adjust=N`,
//! `:adjust-base=strip`, `:strip=N`, `:maxof=frame|field` and `:trailer=HEX` where they differ
//! from the defaults. The named presets (`postgres`, `http2`, …) expand to layouts; see
//! `preset`.

use std::fmt;

mod adversaries;
pub mod examples;
mod options;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use super::adversary::{pattern, Adversary};
use super::format::{Format, Registered};
use super::length_prefix::{read_uint, write_uint, Endian};
use super::spec::{ErrorClass, HeaderParse};
use super::{Framing, Wire};
use crate::error::Error;

/// What the adjustment is added to the field to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdjustBase {
    /// The bytes after the field (Netty's meaning; the default).
    Field,
    /// The bytes after the stripped ones (tokio-util's meaning when `num_skip` is set).
    Strip,
}

/// What `max=N` bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MaxOf {
    /// The body, after the adjustment (the default).
    Body,
    /// The whole frame before stripping: offset, field, body and trailer (Netty's).
    Frame,
    /// The raw field value, before the adjustment (tokio-util's).
    Field,
}

/// The most trailer bytes a layout takes.
pub const MAX_TRAILER: usize = 8;

/// The longest shortest body a layout may have: 4096 bytes. A positive adjustment or a `strip`
/// past the header makes every body at least that long, and the suite's streams of 65,537
/// frames would then hold gigabytes.
pub const MAX_MIN_BODY: u64 = 4096;

/// A length-field layout: `offset` arbitrary bytes, a `width`-byte field, a body of
/// `field + adjust` bytes, then fixed `trailer` bytes; the emitted frame starts at `strip`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Layout {
    /// Bytes before the field, part of the frame, of any value.
    pub offset: u8,
    /// Width of the field: 1, 2, 3, 4 or 8.
    pub width: u8,
    /// Byte order of the field.
    pub endian: Endian,
    /// Added to the field's value, with the meaning `base` gives it.
    pub adjust: i64,
    /// What `adjust` is added to count.
    pub base: AdjustBase,
    /// Bytes stripped from the start of the emitted frame; the header when `None`.
    pub strip: Option<u16>,
    /// What the maximum bounds.
    pub max_of: MaxOf,
    /// How many of `trailer_bytes` are the trailer.
    pub trailer_len: u8,
    /// The trailer's bytes, in its first `trailer_len`.
    pub trailer_bytes: [u8; MAX_TRAILER],
}

impl Default for Layout {
    /// `field`: a 4-byte big-endian field at offset 0 that counts the body, stripped.
    fn default() -> Layout {
        Layout {
            offset: 0,
            width: 4,
            endian: Endian::Big,
            adjust: 0,
            base: AdjustBase::Field,
            strip: None,
            max_of: MaxOf::Body,
            trailer_len: 0,
            trailer_bytes: [0; MAX_TRAILER],
        }
    }
}

impl Layout {
    /// The header: offset bytes and the field.
    pub fn head(&self) -> usize {
        self.offset as usize + self.width as usize
    }

    /// Where the emitted frame starts.
    pub fn strip_at(&self) -> usize {
        self.strip.map_or(self.head(), usize::from)
    }

    /// The adjustment with Netty's meaning (what the field plus it counts is the body).
    pub fn body_adjust(&self) -> i128 {
        let adjust = i128::from(self.adjust);
        match self.base {
            AdjustBase::Field => adjust,
            AdjustBase::Strip => adjust - (self.head() as i128 - self.strip_at() as i128),
        }
    }

    /// The fewest body bytes a frame can have: the adjustment when it is positive, and enough
    /// to reach `strip`.
    pub fn min_body(&self) -> u64 {
        let by_strip = self.strip_at().saturating_sub(self.head()) as i128;
        self.body_adjust().max(by_strip).max(0) as u64
    }

    fn field_top(&self) -> u64 {
        if self.width < 8 {
            (1u64 << (u32::from(self.width) * 8)) - 1
        } else {
            u64::MAX
        }
    }

    /// The body a field value announces (it may be negative, or pass `u64`).
    fn body_of(&self, field: u64) -> i128 {
        i128::from(field) + self.body_adjust()
    }

    /// The offset bytes the encoder writes before frame `index`'s field.
    fn offset_bytes(&self, index: usize) -> impl Iterator<Item = u8> {
        (0..self.offset as usize).map(move |j| b'A' + ((index + j) % 26) as u8)
    }

    /// Which field values are valid: an inclusive range, given the body's bounds.
    fn valid_fields(&self, framing: &Framing) -> (i128, i128) {
        let min_body = self.min_body().max(u64::from(!framing.empty_frames()));
        let adj = self.body_adjust();
        let lo = (i128::from(min_body) - adj).max(0);
        let hi = (i128::from(framing.max_frame_len()) - adj).min(i128::from(self.field_top()));
        (lo, hi)
    }

    /// How many bytes of `header` (which may be incomplete) prove it bad whatever follows: the
    /// smallest `k` past which no completion of the field is in range.
    fn prefix_proof(&self, framing: &Framing, header: &[u8]) -> Option<usize> {
        let (o, w) = (self.offset as usize, self.width as usize);
        let (lo, hi) = self.valid_fields(framing);
        (o + 1..=header.len().min(o + w)).find(|&k| {
            let mut low = vec![0u8; w];
            let mut high = vec![0xffu8; w];
            low[..k - o].copy_from_slice(&header[o..k]);
            high[..k - o].copy_from_slice(&header[o..k]);
            let (a, b) = (
                i128::from(read_uint(&low, self.endian)),
                i128::from(read_uint(&high, self.endian)),
            );
            a.max(b) < lo || a.min(b) > hi
        })
    }

}


impl Format for Layout {
    fn name(&self) -> String {
        "field".to_string()
    }

    fn options_help(&self) -> &'static str {
        "max=N, noempty, width=1|2|3|4|8, le, be, offset=N, adjust=N, adjust-base=field|strip, \
         strip=N, maxof=body|frame|field and trailer=HEX"
    }

    fn json_type(&self) -> &'static str {
        Self::JSON_TYPE
    }

    fn to_json(&self, out: &mut Map<String, Value>) {
        self.write_json(out);
    }

    fn vector_flags(&self, _recovered: bool) -> Vec<&'static str> {
        let mut flags = vec!["length-field-layout"];
        if self.endian == Endian::Little && self.width > 1 {
            flags.push("little-endian");
        }
        flags
    }

    fn fmt_options(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_options(f)
    }

    fn set_option(&mut self, spec: &str, opt: &str) -> Result<bool, Error> {
        self.read_option(spec, opt)
    }

    fn finish(&self, spec: &str) -> Result<(), Error> {
        self.check(spec)
    }

    fn max_to_body(&self, given: u64) -> Result<u64, String> {
        self.body_max(given)
    }

    fn max_from_body(&self, body: u64) -> u64 {
        self.shown_max(body)
    }

    fn min_payload(&self) -> u64 {
        self.min_body()
    }

    fn largest_payload(&self) -> u64 {
        let top = i128::from(self.field_top()) + self.body_adjust();
        u64::try_from(top.max(0)).unwrap_or(u64::MAX)
    }

    fn field_max(&self) -> u64 {
        self.field_top()
    }

    fn has_length_field(&self) -> bool {
        true
    }

    fn header_len(&self, _payload_len: u64) -> usize {
        self.head()
    }

    fn max_header_len(&self) -> usize {
        self.head()
    }

    fn emit_start(&self, _header_len: usize) -> usize {
        self.strip_at()
    }

    fn trailer(&self) -> &[u8] {
        &self.trailer_bytes[..self.trailer_len as usize]
    }

    fn header_for_field(&self, value: u64) -> Option<Vec<u8>> {
        let mut h: Vec<u8> = self.offset_bytes(0).collect();
        h.extend(write_uint(value, self.width as usize, self.endian));
        Some(h)
    }

    fn header_for_payload(&self, framing: &Framing, payload_len: u64) -> Option<Vec<u8>> {
        if payload_len < self.min_body() {
            return None;
        }
        let field = u64::try_from(i128::from(payload_len) - self.body_adjust()).ok()?;
        framing.header_for_field(field)
    }

    /// Pads a message to the shortest body a frame can have ([`Layout::min_body`]).
    fn conform(&self, mut message: Vec<u8>) -> Vec<u8> {
        let min = self.min_body().min(super::LARGEST_MESSAGE) as usize;
        if message.len() < min {
            message.extend(pattern(min - message.len()));
        }
        message
    }

    fn encode_frame(
        &self,
        framing: &Framing,
        index: usize,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let len = message.len() as u64;
        let header = framing.header_for_payload(len).ok_or_else(|| {
            Error::new(format!(
                "message {index}: a body of {len} bytes cannot be described by {framing}, \
                 whose bodies are at least {} bytes",
                self.min_body()
            ))
        })?;
        out.extend(self.offset_bytes(index));
        out.extend_from_slice(&header[self.offset as usize..]);
        out.extend_from_slice(message);
        out.extend_from_slice(self.trailer());
        Ok(())
    }

    fn parse_header(&self, framing: &Framing, avail: &[u8]) -> HeaderParse {
        let head = self.head();
        if avail.len() < head {
            return HeaderParse::NeedMore {
                proven: self.prefix_proof(framing, avail),
            };
        }
        let field = read_uint(&avail[self.offset as usize..head], self.endian);
        let body = self.body_of(field);
        let max = framing.max_frame_len();
        let bad = |class, why| HeaderParse::Bad {
            class,
            why,
            header_len: head,
            proven: self.prefix_proof(framing, &avail[..head]).unwrap_or(head),
        };
        let adjust = self.body_adjust();
        if body < 0 {
            return bad(
                ErrorClass::MalformedHeader,
                format!("field {field} plus the adjustment {adjust} is {body}: a negative length"),
            );
        }
        if body > i128::from(max) {
            return bad(
                ErrorClass::Oversized,
                format!("field {field} announces a {body}-byte body, over the maximum {max}"),
            );
        }
        let body = body as u64;
        if (head as u64 + body) < self.strip_at() as u64 {
            return bad(
                ErrorClass::MalformedHeader,
                format!(
                    "field {field} announces a {}-byte frame, shorter than strip={}",
                    head as u64 + body,
                    self.strip_at()
                ),
            );
        }
        if body == 0 && !framing.empty_frames() {
            return bad(
                ErrorClass::EmptyFrame,
                "a zero-length body, which this framing does not allow".to_string(),
            );
        }
        HeaderParse::Frame {
            header_len: head,
            payload: body,
        }
    }

    /// The shared length-field streams and a layout's own; see `adversaries.rs`.
    fn adversaries(&self, framing: &Framing) -> Vec<Adversary> {
        self.hostile_streams(framing)
    }
}

impl Framing {
    /// The length-field layout `layout`, with the default limits.
    ///
    /// # Errors
    /// If the layout describes no frame at all (an adjustment that makes every length
    /// negative, a `strip` longer than any frame).
    pub fn layout(layout: Layout) -> Result<Framing, Error> {
        Format::finish(&layout, "field")?;
        Ok(Framing::of(Wire::Layout(layout)))
    }
}
