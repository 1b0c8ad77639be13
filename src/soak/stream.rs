//! The soak's stream, generated and never stored: message `i` is a pure function of the seed
//! and `i` ([`Generator`]), and read `r`'s length a pure function of the seed and `r`
//! ([`Cuts`]). A [`Window`] holds only the bytes from the oldest frame not yet checked to the
//! end of the latest read, and the payload range of each pending frame in it.
//!
//! Because both functions ignore how long the soak is, a soak of `N` frames is a prefix of
//! every longer soak with the same seed (its last read cut short at the end of frame `N - 1`):
//! that is what lets a failure be shrunk by re-running shorter soaks.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::framing::Framing;

/// The largest message the generator makes (1 MiB), whatever the framing's maximum.
pub const MAX_GENERATED: u64 = 1 << 20;

/// A finalizer of splitmix64: a well-mixed 64-bit value from any 64-bit input.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The hash of `(seed, salt, i)`.
fn hash(seed: u64, salt: u64, i: u64) -> u64 {
    mix(mix(seed ^ salt).wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

const SIZE_SALT: u64 = 0x517e_5a1d;
const BYTE_SALT: u64 = 0xb17e_5a1d;
const CUT_SALT: u64 = 0xc075_5a1d;

/// Which message sizes a soak generates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sizes {
    /// A mix: a quarter empty, a quarter of 1 byte, the rest from 2 bytes to 64 KiB, and one
    /// in 256 as large as the framing allows (at most 1 MiB).
    #[default]
    Mixed,
    /// Every message empty: the most frames per byte (how a soak reaches 2^32 frames).
    Empty,
    /// Empty and 1-byte messages, half each.
    Tiny,
}

impl Sizes {
    /// The names, for help and error messages.
    pub const NAMES: &'static str = "mixed, empty or tiny";
}

impl FromStr for Sizes {
    type Err = Error;
    fn from_str(s: &str) -> Result<Sizes, Error> {
        match s {
            "mixed" => Ok(Sizes::Mixed),
            "empty" => Ok(Sizes::Empty),
            "tiny" => Ok(Sizes::Tiny),
            _ => Err(Error::new(format!(
                "unknown message sizes {s:?}; expected {}",
                Sizes::NAMES
            ))),
        }
    }
}

impl fmt::Display for Sizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sizes::Mixed => "mixed",
            Sizes::Empty => "empty",
            Sizes::Tiny => "tiny",
        })
    }
}

/// Message `i` of a soak, as a pure function of the seed and `i`.
///
/// ```
/// use framecheck::soak::{Generator, Sizes};
///
/// let g = Generator::new("u16be".parse().unwrap(), 7, Sizes::Mixed).unwrap();
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// g.message(1000, &mut a);
/// g.message(1000, &mut b);
/// assert_eq!(a, b);
/// assert_eq!(a.len(), g.len_of(1000));
/// ```
#[derive(Clone, Debug)]
pub struct Generator {
    framing: Framing,
    seed: u64,
    sizes: Sizes,
    max: u64,
}

impl Generator {
    /// The generator of `framing`'s messages under `seed`. Fails for sizes the framing cannot
    /// carry (empty messages under `:noempty`, or of a fixed size).
    pub fn new(framing: Framing, seed: u64, sizes: Sizes) -> Result<Generator, Error> {
        let fixed = framing.format().fixed_size();
        let header = framing.header_len(0);
        if framing.format().emit_start(header) != header {
            return Err(Error::new(format!(
                "a soak compares each frame with the message it generated, and {framing} emits \
                 part of its header too, or strips part of the message (its strip option); \
                 soak the layout with its default strip, or use `framecheck run`"
            )));
        }
        if fixed.is_none() && !framing.conform(Vec::new()).is_empty() {
            return Err(Error::new(format!(
                "a soak generates messages of every length from 0 up, and {framing} cannot \
                 carry short ones (its adjustment or strip sets a shortest body); soak a layout \
                 without that, or use `framecheck run`"
            )));
        }
        if sizes != Sizes::Mixed && (fixed.is_some() || !framing.empty_frames()) {
            return Err(Error::new(format!(
                "--sizes {sizes} needs empty frames, and {framing} does not carry them \
                 (use --sizes mixed)"
            )));
        }
        Ok(Generator {
            framing,
            seed,
            sizes,
            max: framing.max_frame_len().min(MAX_GENERATED),
        })
    }

    /// The length of message `i`.
    pub fn len_of(&self, i: u64) -> usize {
        if let Some(size) = self.framing.format().fixed_size() {
            return size as usize;
        }
        let h = hash(self.seed, SIZE_SALT, i);
        let len = match self.sizes {
            Sizes::Empty => 0,
            Sizes::Tiny => h & 1,
            Sizes::Mixed => match h & 15 {
                0..=3 => 0,
                4..=7 => 1,
                8..=12 => 2 + (h >> 8) % 63,
                13 | 14 => 65 + (h >> 8) % 4032,
                _ if (h >> 4) & 15 == 0 => u64::MAX,
                _ => 4097 + (h >> 8) % 61_440,
            },
        };
        let len = len.min(self.max);
        (if len == 0 && !self.framing.empty_frames() {
            1
        } else {
            len
        }) as usize
    }

    /// Writes message `i` into `out` (cleared first): [`len_of`](Generator::len_of) bytes of
    /// seeded noise, made one the framing can carry ([`Framing::conform`]).
    pub fn message(&self, i: u64, out: &mut Vec<u8>) {
        let len = self.len_of(i);
        out.clear();
        if len > 0 {
            let mut state = hash(self.seed, BYTE_SALT, i);
            while out.len() < len {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let word = mix(state).to_le_bytes();
                let take = (len - out.len()).min(8);
                out.extend_from_slice(&word[..take]);
            }
        }
        // In place for every built-in format (and a no-op for most): no allocation.
        *out = self.framing.conform(std::mem::take(out));
    }
}

/// How a soak's stream is cut into reads: read `r`'s length is a pure function of the seed
/// and `r`. One read in sixteen is a single byte, three are 2 to 64 bytes, four are up to
/// 4 KiB, and half are up to `max_read` (so that one read carries thousands of frames).
#[derive(Clone, Debug)]
pub struct Cuts {
    seed: u64,
    max_read: usize,
}

impl Cuts {
    /// The cuts of `seed`, no read longer than `max_read` bytes (at least 1).
    pub fn new(seed: u64, max_read: usize) -> Cuts {
        Cuts {
            seed,
            max_read: max_read.max(1),
        }
    }

    /// The length of read `r` (before the end of the stream cuts it short).
    pub fn len_of(&self, r: u64) -> usize {
        let h = hash(self.seed, CUT_SALT, r);
        let len = match h & 15 {
            0 => 1,
            1..=3 => 2 + (h >> 8) % 63,
            4..=7 => 65 + (h >> 8) % 4032,
            _ => 4097 + (h >> 8) % (self.max_read.max(4097) as u64 - 4096),
        };
        (len as usize).min(self.max_read)
    }
}

/// Where a soak's stream ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// After this many frames.
    Frames(u64),
    /// After the frame that reaches this many bytes (so that the stream ends on a frame).
    Bytes(u64),
}

/// A frame encoded into the window and not yet checked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    /// The payload's first byte, as a stream offset.
    pub start: u64,
    /// The payload's length.
    pub len: usize,
    /// The offset just past the frame's last byte: the frame is complete once a read has
    /// delivered the stream up to here.
    pub end: u64,
}

/// The part of the stream still needed: bytes from `base` to `encoded`, and the frames
/// encoded into them and not yet checked (frame `first` and on).
#[derive(Debug)]
pub(crate) struct Window {
    gen: Generator,
    limit: Limit,
    /// Stream offset of `buf[0]`.
    pub base: u64,
    pub buf: Vec<u8>,
    /// The index of `pending[0]` (or of the next frame to encode, when none is pending).
    pub first: u64,
    pub pending: VecDeque<Pending>,
    /// The next frame to encode.
    pub next: u64,
    scratch: Vec<u8>,
    /// For each length under [`SHAPED`]: the bytes before and after a payload of that length.
    shapes: Vec<Option<(Vec<u8>, Vec<u8>)>>,
}

/// Messages shorter than this are framed from a cached header and trailer.
const SHAPED: usize = 128;

/// Bytes that may pile up before the part already read is dropped from the window.
const COMPACT_AT: usize = 4 << 20;

impl Window {
    pub fn new(gen: Generator, limit: Limit) -> Window {
        Window {
            gen,
            limit,
            base: 0,
            buf: Vec::new(),
            first: 0,
            pending: VecDeque::new(),
            next: 0,
            scratch: Vec::new(),
            shapes: vec![None; SHAPED],
        }
    }

    /// The stream offset just past the last byte encoded.
    pub fn encoded(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Whether every frame of the stream is encoded.
    pub fn exhausted(&self) -> bool {
        match self.limit {
            Limit::Frames(n) => self.next >= n,
            Limit::Bytes(b) => self.encoded() >= b,
        }
    }

    /// Encodes frames until the stream reaches offset `to` or ends.
    pub fn fill(&mut self, to: u64) -> Result<(), Error> {
        let framing = self.gen.framing;
        while self.encoded() < to && !self.exhausted() {
            self.gen.message(self.next, &mut self.scratch);
            let start = self.encoded();
            let len = self.scratch.len();
            let header = if len < SHAPED {
                // The frame's shape for this length, encoded once: no allocation per frame.
                let shape = match &self.shapes[len] {
                    Some(s) => s,
                    None => {
                        let mut frame = Vec::new();
                        let index = usize::try_from(self.next).unwrap_or(usize::MAX);
                        framing.format().encode_frame(
                            &framing,
                            index,
                            &self.scratch,
                            &mut frame,
                        )?;
                        let h = framing.header_len(len as u64);
                        let suffix = frame.split_off(h + len);
                        frame.truncate(h);
                        self.shapes[len].insert((frame, suffix))
                    }
                };
                self.buf.extend_from_slice(&shape.0);
                self.buf.extend_from_slice(&self.scratch);
                self.buf.extend_from_slice(&shape.1);
                shape.0.len() as u64
            } else {
                let index = usize::try_from(self.next).unwrap_or(usize::MAX);
                framing
                    .format()
                    .encode_frame(&framing, index, &self.scratch, &mut self.buf)?;
                framing.header_len(len as u64) as u64
            };
            self.pending.push_back(Pending {
                start: start + header,
                len: self.scratch.len(),
                end: self.encoded(),
            });
            self.next += 1;
        }
        Ok(())
    }

    /// The payload of a pending frame, from the window.
    pub fn payload(&self, p: &Pending) -> &[u8] {
        let at = (p.start - self.base) as usize;
        &self.buf[at..at + p.len]
    }

    /// The bytes from offset `from` to `to`, both inside the window.
    pub fn bytes(&self, from: u64, to: u64) -> &[u8] {
        &self.buf[(from - self.base) as usize..(to - self.base) as usize]
    }

    /// Drops the frames checked so far (the first `n` pending ones).
    pub fn retire(&mut self, n: usize) {
        self.pending.drain(..n);
        self.first += n as u64;
    }

    /// Drops bytes that nothing needs any more (before `read`, the stream read so far, and
    /// before the first pending payload), once enough have piled up.
    pub fn compact(&mut self, read: u64) {
        let keep = self.pending.front().map_or(read, |p| p.start.min(read));
        let drop = (keep - self.base) as usize;
        if drop >= COMPACT_AT || (drop > 0 && drop == self.buf.len()) {
            self.buf.drain(..drop);
            self.base = keep;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(s: &str) -> Framing {
        s.parse().unwrap()
    }

    #[test]
    fn a_message_depends_only_on_the_seed_and_its_index() {
        let g = Generator::new(framing("u32be"), 1, Sizes::Mixed).unwrap();
        let mut a = Vec::new();
        let mut b = Vec::new();
        g.message(12345, &mut a);
        g.message(7, &mut b);
        g.message(12345, &mut b);
        assert_eq!(a, b);
        let other = Generator::new(framing("u32be"), 2, Sizes::Mixed).unwrap();
        let differ = (0..64).any(|i| {
            g.message(i, &mut a);
            other.message(i, &mut b);
            a != b
        });
        assert!(differ, "two seeds made the same 64 messages");
    }

    #[test]
    fn mixed_sizes_reach_empty_one_byte_mid_large_and_the_maximum() {
        let f = framing("u32be:max=200000");
        let g = Generator::new(f, 3, Sizes::Mixed).unwrap();
        let lens: Vec<usize> = (0..20_000).map(|i| g.len_of(i)).collect();
        assert!(lens.contains(&0));
        assert!(lens.contains(&1));
        assert!(lens.iter().any(|&l| (2..=64).contains(&l)));
        assert!(lens.iter().any(|&l| (4097..=65536).contains(&l)));
        assert!(lens.contains(&200_000), "no message of the maximum length");
        assert!(lens.iter().all(|&l| l <= 200_000));
        let empty = lens.iter().filter(|&&l| l == 0).count();
        assert!(
            (4000..6000).contains(&empty),
            "{empty} empty messages in 20000"
        );
    }

    #[test]
    fn sizes_respect_the_framing() {
        let g = Generator::new(framing("u8"), 3, Sizes::Mixed).unwrap();
        assert!((0..5000).all(|i| g.len_of(i) <= 255));
        let g = Generator::new(framing("u16be:noempty"), 3, Sizes::Mixed).unwrap();
        assert!((0..5000).all(|i| g.len_of(i) >= 1));
        let g = Generator::new(framing("fixed:size=16"), 3, Sizes::Mixed).unwrap();
        assert!((0..100).all(|i| g.len_of(i) == 16));
        assert!(Generator::new(framing("fixed:size=16"), 3, Sizes::Empty).is_err());
        assert!(Generator::new(framing("u8:noempty"), 3, Sizes::Tiny).is_err());
        let g = Generator::new(framing("u8"), 3, Sizes::Tiny).unwrap();
        assert!((0..100).all(|i| g.len_of(i) <= 1));
    }

    #[test]
    fn lines_get_no_newline() {
        let g = Generator::new(framing("lines:crlf"), 5, Sizes::Mixed).unwrap();
        let mut m = Vec::new();
        for i in 0..2000 {
            g.message(i, &mut m);
            assert!(
                !m.contains(&b'\n') && m.last() != Some(&b'\r'),
                "message {i}"
            );
        }
    }

    #[test]
    fn cuts_reach_one_byte_small_and_max_reads() {
        let c = Cuts::new(9, 100_000);
        let lens: Vec<usize> = (0..5000).map(|r| c.len_of(r)).collect();
        assert!(lens.contains(&1));
        assert!(lens.iter().any(|&l| l > 50_000));
        assert!(lens.iter().all(|&l| (1..=100_000).contains(&l)));
        assert!((0..100).all(|r| Cuts::new(9, 10).len_of(r) <= 10));
    }

    #[test]
    fn the_window_holds_every_payload_where_the_encoder_put_it() {
        for spec in Framing::catalog().iter().map(|f| f.to_string()) {
            let f = framing(&spec);
            let g = Generator::new(f, 11, Sizes::Mixed).unwrap();
            let mut w = Window::new(g.clone(), Limit::Frames(300));
            w.fill(u64::MAX).unwrap();
            assert!(w.exhausted());
            assert_eq!(w.pending.len(), 300);
            let mut m = Vec::new();
            let mut messages = Vec::new();
            for (i, p) in w.pending.iter().enumerate() {
                g.message(i as u64, &mut m);
                assert_eq!(w.payload(p), &m[..], "{spec} frame {i}");
                messages.push(m.clone());
            }
            // The window's bytes are the framing's own encoding of those messages.
            assert_eq!(w.buf, f.encode(&messages).unwrap().bytes, "{spec}");
        }
    }

    #[test]
    fn a_byte_limit_ends_on_the_frame_that_reaches_it() {
        let g = Generator::new(framing("u16be"), 1, Sizes::Mixed).unwrap();
        let mut w = Window::new(g, Limit::Bytes(100_000));
        w.fill(u64::MAX).unwrap();
        let ends: Vec<u64> = w.pending.iter().map(|p| p.end).collect();
        assert!(*ends.last().unwrap() >= 100_000);
        assert!(ends[ends.len() - 2] < 100_000);
    }

    #[test]
    fn compaction_keeps_the_first_pending_payload() {
        let g = Generator::new(framing("u32be"), 1, Sizes::Mixed).unwrap();
        let mut w = Window::new(g, Limit::Frames(20_000));
        w.fill(u64::MAX).unwrap();
        let total = w.encoded();
        w.retire(10_000);
        let keep = w.pending[0].start;
        w.compact(total);
        assert_eq!(w.base, keep);
        assert_eq!(w.encoded(), total);
        let p = w.pending[0];
        assert_eq!(w.payload(&p).len(), p.len);
    }
}
