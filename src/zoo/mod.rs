//! A zoo of buggy decoders: one per bug class of `docs/bug-classes.md` that applies to a
//! fixed-width length field ([`all`]), and one per protocol preset with a bug of that
//! protocol's decoders ([`presets`]).
//!
//! They exist to show that the harness has teeth: the default [`Suite`](crate::Suite) must catch
//! every one of them, and the [`ReferenceDecoder`](crate::ReferenceDecoder) must pass it
//! (`framecheck selftest` prints the tally). Each is a small, realistic deviation from a correct
//! decoder, marked in the code where it happens. Nothing here is meant for real use.
//!
//! The bug classes of [`all`] are about the length field, not about what surrounds it, so each
//! runs under a fixed-width length prefix (`u32be`, …) and under a length-field layout
//! (`field:…`, `postgres`, …): the decoder reads the field at the layout's offset, adds its
//! adjustment and emits from its `strip`, and has its bug in the same place. Layouts with a
//! trailer (`amqp`) or a `strip` inside the body are left out: a bug there would be about the
//! trailer or the strip, which the preset specimens cover.
//!
//! ```
//! use framecheck::zoo;
//!
//! assert!(zoo::all().len() >= 18);
//! let entry = zoo::by_name("leftover-dropped").unwrap();
//! assert!(entry.bug.contains("leftover"));
//! ```

use std::fmt;

use crate::adapter::{FrameDecoder, Rejection};
use crate::framing::{Endian, Framing, Wire};

pub mod presets;

/// One buggy decoder of the zoo.
#[derive(Clone, Copy)]
pub struct Specimen {
    /// Stable name, such as `no-drain-loop`.
    pub name: &'static str,
    /// The bug, in one sentence, with its number in `docs/bug-classes.md`.
    pub bug: &'static str,
    id: &'static str,
    kind: Bug,
}

impl Specimen {
    /// Its id in the registry and on the command line: `zoo:` and the name.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// Whether this buggy decoder can be built for `framing`: a fixed-width length prefix, or a
    /// length-field layout without a trailer whose `strip` is within the header.
    pub fn supports(&self, framing: Framing) -> bool {
        Shape::of(framing).is_some()
    }

    /// A fresh decoder with this bug for `framing`.
    ///
    /// # Panics
    /// If `framing` is not one it [`supports`](Specimen::supports).
    pub fn build(&self, framing: Framing) -> Box<dyn FrameDecoder> {
        let shape = Shape::of(framing).unwrap_or_else(|| {
            panic!("zoo decoders are fixed-width length fields without a trailer, not {framing}")
        });
        Box::new(Buggy {
            framing,
            shape,
            bug: self.kind,
            buf: Vec::new(),
            pos: 0,
            frames_seen: 0,
            counting: false,
            reserved: Vec::new(),
        })
    }
}

impl fmt::Debug for Specimen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Specimen")
            .field("name", &self.name)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bug {
    OneRecvOneMessage,
    NoDrainLoop,
    ConsumeHeaderOnNeedMore,
    HeaderAssumedWhole,
    LeftoverDropped,
    LengthOverflow,
    SignedLength,
    TruncatedLengthField,
    PreallocFromHeader,
    MaxCheckedAfterBuffering,
    OffByOneAtMax,
    ErrorOnIncomplete,
    TruncatedFrameDroppedAtEof,
    PartialFrameAtEof,
    EmptyFramesSkipped,
    HangOnEmptyFrame,
    BatchLimit,
    CounterWrap,
}

/// How many frames the `batch-limit` decoder emits per read at most.
pub const BATCH_LIMIT: usize = 128;

/// A zoo entry; its registry id is its name after `zoo:`.
macro_rules! bug {
    ($name:literal, $kind:ident, $bug:literal) => {
        Specimen {
            name: $name,
            id: concat!("zoo:", $name),
            bug: $bug,
            kind: Bug::$kind,
        }
    };
}

const ZOO: &[Specimen] = &[
    bug!(
        "one-recv-one-message",
        OneRecvOneMessage,
        "#1: treats every read as exactly one message"
    ),
    bug!(
        "no-drain-loop",
        NoDrainLoop,
        "#2: takes at most one frame per read; the rest stay stuck in the buffer"
    ),
    bug!(
        "header-consumed-on-need-more",
        ConsumeHeaderOnNeedMore,
        "#3: removes the header from the buffer when the payload is incomplete, then desyncs"
    ),
    bug!(
        "header-assumed-whole",
        HeaderAssumedWhole,
        "#4: reads a partial length field as if whole (missing bytes read as zero)"
    ),
    bug!(
        "leftover-dropped",
        LeftoverDropped,
        "#5: clears the buffer after a frame, dropping the leftover bytes of the next one"
    ),
    bug!(
        "length-overflow",
        LengthOverflow,
        "#7: computes header + length in the field's width, which wraps"
    ),
    bug!(
        "signed-length",
        SignedLength,
        "#8: reads the length as signed, so a top-bit header passes the max check"
    ),
    bug!(
        "truncated-length-field",
        TruncatedLengthField,
        "#8: stores the length in a u16, truncating lengths of 65536 and more"
    ),
    bug!(
        "prealloc-from-header",
        PreallocFromHeader,
        "#9: reserves the announced length before checking it against the max"
    ),
    bug!(
        "max-checked-after-buffering",
        MaxCheckedAfterBuffering,
        "#10: checks the max only once the whole payload is buffered"
    ),
    bug!(
        "off-by-one-at-max",
        OffByOneAtMax,
        "#10: rejects a frame of exactly max bytes (uses >= for >)"
    ),
    bug!(
        "error-on-incomplete",
        ErrorOnIncomplete,
        "#1/#3: returns an error when a read ends inside a frame"
    ),
    bug!(
        "truncated-frame-dropped-at-eof",
        TruncatedFrameDroppedAtEof,
        "#13: EOF inside a frame returns Ok, silently dropping it"
    ),
    bug!(
        "partial-frame-at-eof",
        PartialFrameAtEof,
        "#13: EOF inside a frame emits the partial payload as a frame"
    ),
    bug!(
        "empty-frames-skipped",
        EmptyFramesSkipped,
        "#14: consumes a zero-length frame without emitting it"
    ),
    bug!(
        "hang-on-empty-frame",
        HangOnEmptyFrame,
        "#14: loops forever on a zero-length frame without consuming it"
    ),
    bug!(
        "batch-limit",
        BatchLimit,
        "#21: emits at most 128 frames per read \"for fairness\"; the rest wait for more bytes"
    ),
    bug!(
        "counter-wrap",
        CounterWrap,
        "#22: counts frames in one byte, and drops frame #256, on which the counter wraps to 0"
    ),
];

/// Every buggy decoder of the bug classes (the protocol presets' are [`presets::all`]).
pub fn all() -> &'static [Specimen] {
    ZOO
}

/// The zoo decoder named `name`.
pub fn by_name(name: &str) -> Option<&'static Specimen> {
    ZOO.iter().find(|e| e.name == name)
}

/// The zoo as registry entries (kind [`Zoo`](crate::bundled::Kind::Zoo), id
/// `zoo:NAME`, display name `NAME`): those of [`all`], then those of [`presets::all`]; each
/// builds only for the framings it [`supports`](Specimen::supports).
pub fn entries() -> Vec<crate::bundled::Entry> {
    let mut out: Vec<crate::bundled::Entry> = ZOO
        .iter()
        .map(|e| {
            crate::bundled::Entry::new(crate::bundled::Kind::Zoo, e.id, e.name, move |f| {
                e.supports(f).then(|| e.build(f))
            })
        })
        .collect();
    out.extend(presets::entries());
    out
}

/// Where a fixed-width length field sits and what it counts, read from a length prefix or a
/// layout: the buggy decoders read the field with this, and have their bug where they use it.
#[derive(Clone, Copy, Debug)]
struct Shape {
    /// Bytes before the field.
    offset: usize,
    /// The field's width.
    width: usize,
    endian: Endian,
    /// Added to the field's value to give the payload (the body) length.
    adjust: i128,
    /// Where the emitted frame starts, at most the header.
    strip: usize,
}

impl Shape {
    fn of(framing: Framing) -> Option<Shape> {
        match framing.wire() {
            Wire::LengthPrefix(lp) => {
                let width = lp.width as usize;
                Some(Shape {
                    offset: 0,
                    width,
                    endian: lp.endian,
                    adjust: if lp.includes_header {
                        -(width as i128)
                    } else {
                        0
                    },
                    strip: width,
                })
            }
            Wire::Layout(l) if l.trailer_len == 0 && l.strip_at() <= l.head() => Some(Shape {
                offset: l.offset as usize,
                width: l.width as usize,
                endian: l.endian,
                adjust: l.body_adjust(),
                strip: l.strip_at(),
            }),
            _ => None,
        }
    }

    /// The header: the offset bytes and the field.
    fn head(&self) -> usize {
        self.offset + self.width
    }
}

struct Buggy {
    framing: Framing,
    shape: Shape,
    bug: Bug,
    /// Received bytes; those before `pos` are consumed, and removed once per call (a drain
    /// per frame would make a read of thousands of frames quadratic).
    buf: Vec<u8>,
    pos: usize,
    /// Frames emitted so far, in a one-byte counter (the periodic bug's).
    frames_seen: u8,
    /// Whether a frame was counted yet (so that a 0 is a wrap).
    counting: bool,
    reserved: Vec<u8>,
}

impl Buggy {
    /// The header's length (the offset bytes and the field).
    fn head(&self) -> usize {
        self.shape.head()
    }

    /// The bytes received and not yet consumed.
    fn avail(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// The raw field value of the header at the start of the unconsumed bytes.
    fn field(&self) -> u64 {
        let Shape {
            offset: o,
            width: w,
            ..
        } = self.shape;
        let mut be = [0u8; 8];
        be[8 - w..].copy_from_slice(&self.avail()[o..o + w]);
        if self.shape.endian == Endian::Little {
            be[8 - w..].reverse();
        }
        u64::from_be_bytes(be)
    }

    /// The payload length the (correct) framing reads from the field.
    fn payload_len(&self, field: u64) -> Result<u64, Rejection> {
        u64::try_from(i128::from(field) + self.shape.adjust)
            .map_err(|_| Rejection::new("length smaller than the header"))
    }

    fn too_long(len: u64) -> Rejection {
        Rejection::new(format!("frame of {len} bytes is too long"))
    }
}

impl Buggy {
    /// Emits the frame at `avail()[start..end]` (most bugs emit every frame) and consumes the
    /// bytes up to `end`.
    fn emit(&mut self, start: usize, end: usize, frames: &mut Vec<Vec<u8>>) {
        let (from, to) = (self.pos + start, self.pos + end);
        self.pos = to;
        if self.bug == Bug::CounterWrap {
            // BUG: the frame counter is one byte (a sequence number, as in MySQL's packets),
            // and the frame on which it wraps to 0 is taken for a fresh start and dropped.
            let seq = self.frames_seen;
            self.frames_seen = seq.wrapping_add(1);
            if seq == 0 && self.counting {
                return;
            }
            self.counting = true;
        }
        frames.push(self.buf[from..to].to_vec());
    }

    /// Takes the complete frames out of the buffer, at most `limit` of them.
    fn decode(&mut self, frames: &mut Vec<Vec<u8>>, limit: usize) -> Result<(), Rejection> {
        let (w, head, strip) = (self.shape.width, self.head(), self.shape.strip);
        let max = self.framing.max_frame_len();
        let mut taken = 0;
        loop {
            if taken == limit {
                break;
            }
            if self.avail().len() < head {
                if self.bug == Bug::HeaderAssumedWhole && !self.avail().is_empty() {
                    // BUG: a partial header is taken as the whole header.
                    self.buf.resize(self.pos + head, 0);
                } else {
                    break;
                }
            }
            let field = self.field();
            let len: u64 = match self.bug {
                Bug::SignedLength => {
                    // BUG: the field is read as a signed integer of its width.
                    let shift = 64 - 8 * w as u32;
                    let signed = i128::from(((field << shift) as i64) >> shift) + self.shape.adjust;
                    if signed > i128::from(max) {
                        return Err(Self::too_long(field));
                    }
                    signed as u64
                }
                // BUG: `let len: u16 = field as u16;`
                Bug::TruncatedLengthField => self.payload_len(field)? as u16 as u64,
                Bug::LengthOverflow => {
                    // BUG: `header + len` in the field's own width wraps around.
                    let mask = if w == 8 {
                        u64::MAX
                    } else {
                        (1u64 << (8 * w)) - 1
                    };
                    let total = (field
                        .wrapping_add(head as u64)
                        .wrapping_add(self.shape.adjust as u64))
                        & mask;
                    if total > max + head as u64 {
                        return Err(Self::too_long(field));
                    }
                    if (self.avail().len() as u64) < total {
                        break;
                    }
                    // The body is `head..total`: a `total` that wrapped below the header panics
                    // here, as the slice would in the decoder this imitates.
                    let _body = &self.avail()[head..total as usize];
                    self.emit(strip, total as usize, frames);
                    continue;
                }
                _ => self.payload_len(field)?,
            };
            match self.bug {
                Bug::MaxCheckedAfterBuffering | Bug::SignedLength => {}
                Bug::OffByOneAtMax => {
                    // BUG: `>=` where `>` was meant.
                    if len >= max {
                        return Err(Self::too_long(len));
                    }
                }
                Bug::PreallocFromHeader => {
                    // BUG: reserve what the header announces, then check it.
                    if (self.reserved.capacity() as u64) < len {
                        self.reserved = Vec::with_capacity(len as usize);
                    }
                    if len > max {
                        return Err(Self::too_long(len));
                    }
                }
                _ => {
                    if len > max {
                        return Err(Self::too_long(len));
                    }
                }
            }
            if len == 0 && self.bug == Bug::HangOnEmptyFrame {
                // BUG: waits for the payload of an empty frame, forever. (It sleeps rather
                // than spins so that an abandoned hung thread does not steal a core.)
                loop {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            }
            if ((self.avail().len() - head) as u64) < len {
                if self.bug == Bug::ConsumeHeaderOnNeedMore {
                    // BUG: the header was consumed before knowing the frame is complete.
                    self.pos += head;
                }
                break;
            }
            if self.bug == Bug::MaxCheckedAfterBuffering && len > max {
                return Err(Self::too_long(len));
            }
            let end = head + len as usize;
            if len == 0 && self.bug == Bug::EmptyFramesSkipped {
                // BUG: nothing to emit, so nothing is emitted.
                self.pos += end;
                continue;
            }
            self.emit(strip, end, frames);
            taken += 1;
            self.reserved = Vec::new();
            if self.bug == Bug::LeftoverDropped {
                // BUG: the buffer is cleared, not drained.
                self.buf.clear();
                self.pos = 0;
                break;
            }
            if self.bug == Bug::NoDrainLoop {
                // BUG: no loop around the frame extraction.
                break;
            }
        }
        Ok(())
    }

    /// Removes the consumed bytes from the buffer.
    fn compact(&mut self) {
        self.buf.drain(..self.pos);
        self.pos = 0;
    }
}

impl FrameDecoder for Buggy {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.bug == Bug::OneRecvOneMessage {
            // BUG: one read, one message.
            if chunk.len() >= self.head() {
                frames.push(chunk[self.shape.strip..].to_vec());
            }
            return Ok(());
        }
        self.buf.extend_from_slice(chunk);
        // BUG (batch-limit): at most BATCH_LIMIT frames per read, "for fairness".
        let limit = if self.bug == Bug::BatchLimit {
            BATCH_LIMIT
        } else {
            usize::MAX
        };
        let decoded = self.decode(frames, limit);
        self.compact();
        decoded?;
        if self.bug == Bug::ErrorOnIncomplete && !self.buf.is_empty() {
            // BUG: an incomplete frame is treated as an error.
            return Err(Rejection::new("incomplete frame"));
        }
        Ok(())
    }

    fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        match self.bug {
            Bug::OneRecvOneMessage | Bug::TruncatedFrameDroppedAtEof => {
                // BUG: whatever is buffered is dropped.
                self.buf.clear();
                Ok(())
            }
            Bug::PartialFrameAtEof => {
                // BUG: the partial payload is emitted as a frame.
                if self.buf.len() >= self.head() {
                    frames.push(self.buf[self.shape.strip..].to_vec());
                }
                self.buf.clear();
                Ok(())
            }
            Bug::BatchLimit => {
                // The frames held back come out at last, too late.
                self.decode(frames, usize::MAX)?;
                self.compact();
                self.eof_rest()
            }
            _ => self.eof_rest(),
        }
    }
}

impl Buggy {
    /// EOF with `buf` holding what is left: an error unless it is empty.
    fn eof_rest(&self) -> Result<(), Rejection> {
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
