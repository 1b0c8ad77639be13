//! One buggy decoder per protocol preset, each with a bug that decoders of that protocol have
//! had or could easily have, and the failure kind the default suite must report for it.
//!
//! Each is written as a small decoder of its protocol would be (read the header where the
//! protocol puts it, wait for the frame, emit it), not as a configured layout, so that its bug
//! sits where such a decoder would have it. They share one driver (`Proto`): a parse of the
//! bytes at the front of the buffer into a frame, "need more" or a rejection.
//!
//! ```
//! use framecheck::zoo::presets;
//! use framecheck::{FailureKind, Framing};
//!
//! let dns = presets::by_name("dns-one-message-per-read").unwrap();
//! assert_eq!(dns.preset, "dns");
//! assert_eq!(dns.caught_as, FailureKind::StuckFrame);
//! assert!(dns.supports("dns".parse().unwrap()));
//! assert!(!dns.supports("u16be".parse().unwrap()));
//! ```

use std::ops::Range;

use crate::adapter::{FrameDecoder, Rejection};
use crate::framing::Framing;
use crate::oracle::FailureKind;

/// A buggy decoder of one protocol preset.
#[derive(Clone, Copy)]
pub struct PresetSpecimen {
    /// Stable name, starting with the preset's: `postgres-length-counts-body`.
    pub name: &'static str,
    /// The preset it decodes (`postgres`); it is built for that preset, under any maximum.
    pub preset: &'static str,
    /// The bug, in one sentence.
    pub bug: &'static str,
    /// The kind of the first failure the default suite reports for it, golden vectors first
    /// (`tests/zoo_presets.rs` pins it; the generated cases alone may meet the bug elsewhere
    /// first).
    pub caught_as: FailureKind,
    id: &'static str,
    parse: Parse,
    one_per_read: bool,
}

impl std::fmt::Debug for PresetSpecimen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresetSpecimen")
            .field("name", &self.name)
            .field("preset", &self.preset)
            .finish()
    }
}

impl PresetSpecimen {
    /// Its id in the registry and on the command line: `zoo:` and the name.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// Whether `framing` is its preset (with any maximum).
    pub fn supports(&self, framing: Framing) -> bool {
        framing.preset().map(|p| p.name()) == Some(self.preset)
    }

    /// A fresh decoder with this bug for `framing`.
    ///
    /// # Panics
    /// If `framing` is not its preset (see [`supports`](PresetSpecimen::supports)).
    pub fn build(&self, framing: Framing) -> Box<dyn FrameDecoder> {
        assert!(
            self.supports(framing),
            "zoo:{} decodes {}, not {framing}",
            self.name,
            self.preset
        );
        Box::new(Proto {
            max: framing.max_frame_len(),
            parse: self.parse,
            one_per_read: self.one_per_read,
            buf: Vec::new(),
            pos: 0,
        })
    }
}

/// What a parse of the bytes at the front of the buffer finds.
enum Step {
    /// Not a whole frame yet.
    NeedMore,
    /// A frame of `len` bytes, of which `emit` is emitted.
    Frame { emit: Range<usize>, len: usize },
    /// A bad header.
    Reject(String),
}

/// Parses the front of the buffer; `max` is the framing's body maximum.
type Parse = fn(max: u64, b: &[u8]) -> Step;

macro_rules! specimen {
    ($name:literal, $preset:literal, $kind:ident, $parse:expr, $bug:literal) => {
        specimen!($name, $preset, $kind, $parse, false, $bug)
    };
    ($name:literal, $preset:literal, $kind:ident, $parse:expr, $one:expr, $bug:literal) => {
        PresetSpecimen {
            name: $name,
            preset: $preset,
            bug: $bug,
            caught_as: FailureKind::$kind,
            id: concat!("zoo:", $name),
            parse: $parse,
            one_per_read: $one,
        }
    };
}

const PRESETS: &[PresetSpecimen] = &[
    specimen!(
        "postgres-length-counts-body",
        "postgres",
        StuckFrame,
        postgres,
        "reads the Int32 as the length of what follows it, forgetting that it counts itself: \
         waits for 4 bytes too many"
    ),
    specimen!(
        "grpc-length-from-byte-0",
        "grpc",
        WrongFrame,
        grpc,
        "reads the 4-byte length from byte 0, over the Compressed-Flag, instead of from byte 1"
    ),
    specimen!(
        "mysql-length-big-endian",
        "mysql",
        StuckFrame,
        mysql,
        "reads the 3-byte payload length big-endian; MySQL's is little-endian"
    ),
    specimen!(
        "http2-length-counts-header",
        "http2",
        WrongFrame,
        http2,
        "ends the frame `length` bytes after the length field, forgetting the 6 header bytes \
         (type, flags, stream id) the length leaves out"
    ),
    specimen!(
        "tls-no-record-limit",
        "tls",
        LateRejection,
        tls,
        "never checks a record's length against 2^14 + 2048: reserves what the header says and \
         accepts oversized records"
    ),
    specimen!(
        "amqp-frame-end-unchecked",
        "amqp",
        ExtraFrame,
        amqp,
        "skips the byte after the payload without checking that it is the frame-end ce"
    ),
    specimen!(
        "kafka-size-signed",
        "kafka",
        Panic,
        kafka,
        "reads the size as an i32, so a negative size passes the maximum check, and \
         `4 + size as usize` wraps: slicing the message panics"
    ),
    specimen!(
        "dns-one-message-per-read",
        "dns",
        StuckFrame,
        dns,
        true,
        "takes one message per read, the seed explainer's bug: no drain loop, so pipelined \
         messages stay stuck in the buffer"
    ),
    specimen!(
        "mqtt-one-byte-length",
        "mqtt",
        WrongFrame,
        mqtt,
        "reads the Remaining Length as one byte, continuation bit and all, as a decoder written \
         for small packets does: a packet of 128 bytes or more is cut at the wrong place"
    ),
];

/// Every preset's buggy decoder, in the order of the presets.
pub fn all() -> &'static [PresetSpecimen] {
    PRESETS
}

/// The preset specimen named `name`.
pub fn by_name(name: &str) -> Option<&'static PresetSpecimen> {
    PRESETS.iter().find(|e| e.name == name)
}

/// The preset specimens as registry entries (kind [`Zoo`](crate::bundled::Kind::Zoo), id
/// `zoo:NAME`), each built only for its preset.
pub fn entries() -> Vec<crate::bundled::Entry> {
    PRESETS
        .iter()
        .map(|e| {
            crate::bundled::Entry::new(crate::bundled::Kind::Zoo, e.id, e.name, move |f| {
                e.supports(f).then(|| e.build(f))
            })
        })
        .collect()
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0, |n, &x| n << 8 | u64::from(x))
}

fn too_long(len: u64) -> Step {
    Step::Reject(format!("a length of {len} is over the maximum"))
}

/// A frame of `len` bytes if that many are there, emitted from `from`.
fn frame(b: &[u8], from: usize, len: usize) -> Step {
    if b.len() < len {
        Step::NeedMore
    } else {
        Step::Frame {
            emit: from..len,
            len,
        }
    }
}

fn postgres(max: u64, b: &[u8]) -> Step {
    if b.len() < 5 {
        return Step::NeedMore;
    }
    // BUG: the Int32 counts itself and the body; it is taken for the body alone.
    let body = be(&b[1..5]);
    if body > max {
        return too_long(body);
    }
    frame(b, 0, 5 + body as usize)
}

fn grpc(max: u64, b: &[u8]) -> Step {
    if b.len() < 5 {
        return Step::NeedMore;
    }
    // BUG: `b[0..4]` where `b[1..5]` was meant: the flag byte is read as the length's top byte.
    let len = be(&b[0..4]);
    if len > max {
        return too_long(len);
    }
    frame(b, 5, 5 + len as usize)
}

fn mysql(max: u64, b: &[u8]) -> Step {
    if b.len() < 4 {
        return Step::NeedMore;
    }
    // BUG: `int<3>` is little-endian; this reads it big-endian.
    let payload = be(&b[0..3]);
    if payload + 1 > max {
        return too_long(payload);
    }
    frame(b, 3, 4 + payload as usize)
}

fn http2(max: u64, b: &[u8]) -> Step {
    if b.len() < 9 {
        return Step::NeedMore;
    }
    let len = be(&b[0..3]);
    if len + 6 > max {
        return too_long(len);
    }
    // BUG: the payload is taken to start after the length, not after the 9-byte header.
    frame(b, 0, 3 + len as usize)
}

fn tls(_max: u64, b: &[u8]) -> Step {
    if b.len() < 5 {
        return Step::NeedMore;
    }
    let len = be(&b[3..5]) as usize;
    // BUG: no `len > 2^14 + 2048` check; whatever the header says is reserved and read.
    let record: Vec<u8> = Vec::with_capacity(5 + len);
    drop(record);
    frame(b, 0, 5 + len)
}

fn amqp(max: u64, b: &[u8]) -> Step {
    if b.len() < 7 {
        return Step::NeedMore;
    }
    let size = be(&b[3..7]);
    if size > max {
        return too_long(size);
    }
    let end = 7 + size as usize;
    if b.len() < end + 1 {
        return Step::NeedMore;
    }
    // BUG: `b[end]` must be 0xce (a frame error otherwise); it is skipped unread.
    Step::Frame {
        emit: 0..end,
        len: end + 1,
    }
}

fn kafka(max: u64, b: &[u8]) -> Step {
    if b.len() < 4 {
        return Step::NeedMore;
    }
    // BUG: a negative size passes the check, and then wraps as a usize.
    let size = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if i64::from(size) > max as i64 {
        return too_long(size as u64);
    }
    let end = 4usize.wrapping_add(size as usize);
    if b.len() < end {
        return Step::NeedMore;
    }
    // Where `end` wrapped below 4, this panics, as the slice in such a decoder would.
    let message = &b[4..end];
    Step::Frame {
        emit: 4..4 + message.len(),
        len: end,
    }
}

fn dns(max: u64, b: &[u8]) -> Step {
    if b.len() < 2 {
        return Step::NeedMore;
    }
    let len = be(&b[0..2]);
    if len > max {
        return too_long(len);
    }
    frame(b, 2, 2 + len as usize)
}

fn mqtt(max: u64, b: &[u8]) -> Step {
    // BUG: the Remaining Length is a varint of up to four bytes, read here as one byte.
    let Some(&value) = b.get(1) else {
        return Step::NeedMore;
    };
    let value = u64::from(value);
    if value > max {
        return too_long(value);
    }
    frame(b, 0, 2 + value as usize)
}

/// The driver the preset specimens share: a buffer, and a parse of its front.
struct Proto {
    max: u64,
    parse: Parse,
    /// The dns specimen's bug: no loop around the frame extraction.
    one_per_read: bool,
    /// Received bytes; those before `pos` are consumed.
    buf: Vec<u8>,
    pos: usize,
}

impl FrameDecoder for Proto {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        let result = loop {
            match (self.parse)(self.max, &self.buf[self.pos..]) {
                Step::NeedMore => break Ok(()),
                Step::Reject(why) => break Err(Rejection::new(why)),
                Step::Frame { emit, len } => {
                    frames.push(self.buf[self.pos + emit.start..self.pos + emit.end].to_vec());
                    self.pos += len;
                    if self.one_per_read {
                        break Ok(());
                    }
                }
            }
        };
        self.buf.drain(..self.pos);
        self.pos = 0;
        result
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new(format!(
                "EOF inside a frame ({} buffered)",
                crate::error::n_bytes(self.buf.len() as u64)
            )))
        }
    }
}
