//! Chunk schedules: how a stream is cut into `recv()`s.
//!
//! A [`Schedule`] is plain data, the sorted offsets at which the stream is cut, so that it can
//! be printed, committed and replayed. Its text form is the cut list (`3,5,9`), or `-` for the
//! whole stream in one read.
//!
//! ```text
//!  stream  03 61 62 63 02 68 69 04 70 69 6e 67
//!  cuts            ^3       ^6          ^10      => "3,6,10"
//!  chunks  [03 61 62] [63 02 68] [69 04 70 69] [6e 67]   (the seed's worked example)
//! ```
//!
//! ```
//! use framecheck::Schedule;
//!
//! let s: Schedule = "3,6,10".parse().unwrap();
//! let stream = [3u8, 0x61, 0x62, 0x63, 2, 0x68, 0x69, 4, 0x70, 0x69, 0x6e, 0x67];
//! let chunks: Vec<&[u8]> = s.chunks(&stream).collect();
//! assert_eq!(chunks.len(), 4);
//! assert_eq!(chunks[1], [0x63, 2, 0x68]);
//! assert_eq!(s.chunk_of(11), 3);
//! ```
//!
//! [`catalog`] names the deterministic schedules every stream is run under, built from where
//! its frames and headers start; [`Schedule::random`] draws one from a seeded generator.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use rand::Rng;

use crate::error::Error;

/// Where a stream is cut into reads: strictly increasing offsets, each inside the stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    cuts: Vec<usize>,
}

impl Schedule {
    /// The whole stream in one read.
    pub fn whole() -> Schedule {
        Schedule::default()
    }

    /// A schedule from cut offsets; sorts them and drops duplicates and offsets outside
    /// `1..len`.
    pub fn from_cuts(mut cuts: Vec<usize>, len: usize) -> Schedule {
        cuts.retain(|&c| c > 0 && c < len);
        cuts.sort_unstable();
        cuts.dedup();
        Schedule { cuts }
    }

    /// Reads of the given sizes, the last one taking whatever is left.
    pub fn from_sizes(sizes: &[usize], len: usize) -> Schedule {
        let mut at = 0;
        let mut cuts = Vec::new();
        for s in sizes {
            at += s;
            cuts.push(at);
        }
        Schedule::from_cuts(cuts, len)
    }

    /// Reads of `size` bytes each.
    pub fn fixed(size: usize, len: usize) -> Schedule {
        let size = size.max(1);
        Schedule::from_cuts(
            (1..).map(|i| i * size).take_while(|&c| c < len).collect(),
            len,
        )
    }

    /// A random schedule for a stream of `len` bytes, drawn from `rng`.
    ///
    /// It mixes styles so that both long and short reads are common: uniform cuts at a random
    /// density, or reads of random sizes up to a random bound.
    pub fn random<R: Rng + ?Sized>(len: usize, rng: &mut R) -> Schedule {
        if len < 2 {
            return Schedule::whole();
        }
        match rng.random_range(0..4) {
            0 => {
                let p = [0.02, 0.2, 0.5, 0.9][rng.random_range(0..4)];
                Schedule::from_cuts((1..len).filter(|_| rng.random_bool(p)).collect(), len)
            }
            1 => {
                let bound = rng.random_range(1..=len.min(64));
                let mut cuts = Vec::new();
                let mut at = 0;
                while at < len {
                    at += rng.random_range(1..=bound);
                    cuts.push(at);
                }
                Schedule::from_cuts(cuts, len)
            }
            2 => {
                let n = rng.random_range(1..=3);
                Schedule::from_cuts((0..n).map(|_| rng.random_range(1..len)).collect(), len)
            }
            _ => Schedule::fixed(rng.random_range(1..=len), len),
        }
    }

    /// The cut offsets.
    pub fn cuts(&self) -> &[usize] {
        &self.cuts
    }

    /// The number of reads for a stream of `len` bytes (0 for an empty stream).
    pub fn chunk_count(&self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            self.cuts.len() + 1
        }
    }

    /// The byte range of each read for a stream of `len` bytes.
    pub fn ranges(&self, len: usize) -> Vec<Range<usize>> {
        if len == 0 {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.cuts.len() + 1);
        let mut start = 0;
        for &c in self.cuts.iter().filter(|&&c| c < len) {
            out.push(start..c);
            start = c;
        }
        out.push(start..len);
        out
    }

    /// The reads themselves.
    pub fn chunks<'a>(&self, stream: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
        self.ranges(stream.len())
            .into_iter()
            .map(move |r| &stream[r])
    }

    /// Index of the read that delivers the byte at `offset`.
    pub fn chunk_of(&self, offset: usize) -> usize {
        self.cuts.partition_point(|&c| c <= offset)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cuts.is_empty() {
            return f.write_str("-");
        }
        for (i, c) in self.cuts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl FromStr for Schedule {
    type Err = Error;

    /// Reads `-` (one read) or a comma-separated list of strictly increasing cut offsets.
    fn from_str(s: &str) -> Result<Schedule, Error> {
        let s = s.trim();
        if s == "-" || s.is_empty() {
            return Ok(Schedule::whole());
        }
        let mut cuts = Vec::new();
        for (i, part) in s.split(',').enumerate() {
            let c: usize = part.trim().parse().map_err(|_| {
                Error::new(format!(
                    "schedule: cut {i} ({part:?}) is not a whole number"
                ))
            })?;
            if c == 0 || cuts.last().is_some_and(|&prev| c <= prev) {
                return Err(Error::new(format!(
                    "schedule: cut {i} ({c}) must be above 0 and above the cut before it"
                )));
            }
            cuts.push(c);
        }
        Ok(Schedule { cuts })
    }
}

/// Where the frames of a stream lie, which the catalog aims its cuts at.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Stream length.
    pub len: usize,
    /// Offset of each frame's first byte, including a final bad or partial frame.
    pub frame_starts: Vec<usize>,
    /// Header width of each of those frames (a partial final header counts as its full width).
    pub header_lens: Vec<usize>,
}

/// Streams up to this long are cut at every single offset.
pub const SINGLE_CUTS_UP_TO: usize = 256;
/// Streams up to this long are cut at every pair of offsets.
pub const PAIR_CUTS_UP_TO: usize = 24;
/// Streams up to this long are cut in every possible way (2^(len-1) schedules).
pub const EXHAUSTIVE_UP_TO: usize = 12;
/// Streams up to this long are also read one byte at a time.
pub const BYTEWISE_UP_TO: usize = 64 * 1024;

/// The named deterministic schedules for a stream, each with its label; duplicates (the same
/// cuts under two names) are kept once, under the first name.
///
/// In order: `whole`, `bytewise`, `fixed-N`, `frame-boundaries`, `header-cut-K` (every header
/// cut after its K-th byte), `header-split-A-B` (every header cut in three), `seam-1` (each
/// frame's last byte arrives with the next frame), `seam+1` (each frame arrives coalesced with
/// the next frame's first byte), then for short streams `cut@P` (every single cut), `cuts@P,Q`
/// (every pair) and `all#M` (every cutting, M the bitmask of cuts).
pub fn catalog(layout: &Layout) -> Vec<(String, Schedule)> {
    let len = layout.len;
    let mut out: Vec<(String, Schedule)> = Vec::new();
    let mut seen: HashSet<Vec<usize>> = HashSet::new();
    let mut push = |label: String, s: Schedule| {
        if seen.insert(s.cuts.clone()) {
            out.push((label, s));
        }
    };
    push("whole".into(), Schedule::whole());
    if len == 0 {
        return out;
    }
    if len <= BYTEWISE_UP_TO {
        push("bytewise".into(), Schedule::fixed(1, len));
    }
    for size in [2, 3, 5, 7, 1024, 4096] {
        // Small reads of a long stream cost a call per few bytes: bytewise's limit holds.
        if size < len && (size >= 1024 || len <= BYTEWISE_UP_TO) {
            push(format!("fixed-{size}"), Schedule::fixed(size, len));
        }
    }
    let starts = &layout.frame_starts;
    push(
        "frame-boundaries".into(),
        Schedule::from_cuts(starts.clone(), len),
    );
    let max_header = layout.header_lens.iter().copied().max().unwrap_or(0);
    for k in 1..max_header {
        let cuts = starts
            .iter()
            .zip(&layout.header_lens)
            .flat_map(|(&s, &h)| [s, s + k.min(h)])
            .collect();
        push(format!("header-cut-{k}"), Schedule::from_cuts(cuts, len));
    }
    // Every pair of cuts inside a header is quadratic in its length: fine for length fields
    // (at most a few bytes), not for a framing whose "header" is the whole line (a 4 KiB line
    // would make 8 million schedules). Past PAIR_CUTS_UP_TO bytes, the single cuts above and
    // the per-offset cuts below cover it.
    let split_header = max_header.min(PAIR_CUTS_UP_TO);
    for a in 1..split_header {
        for b in a + 1..split_header {
            let cuts = starts
                .iter()
                .zip(&layout.header_lens)
                .filter(|(_, &h)| b < h)
                .flat_map(|(&s, _)| [s, s + a, s + b])
                .collect();
            push(
                format!("header-split-{a}-{b}"),
                Schedule::from_cuts(cuts, len),
            );
        }
    }
    push(
        "seam-1".into(),
        Schedule::from_cuts(starts.iter().map(|&s| s.saturating_sub(1)).collect(), len),
    );
    push(
        "seam+1".into(),
        Schedule::from_cuts(starts.iter().skip(1).map(|&s| s + 1).collect(), len),
    );
    if len <= EXHAUSTIVE_UP_TO {
        for mask in 0u32..(1 << (len - 1)) {
            let cuts = (1..len).filter(|c| mask & (1 << (c - 1)) != 0).collect();
            push(format!("all#{mask}"), Schedule::from_cuts(cuts, len));
        }
        return out;
    }
    if len <= SINGLE_CUTS_UP_TO {
        for p in 1..len {
            push(format!("cut@{p}"), Schedule::from_cuts(vec![p], len));
        }
    }
    if len <= PAIR_CUTS_UP_TO {
        for p in 1..len {
            for q in p + 1..len {
                push(
                    format!("cuts@{p},{q}"),
                    Schedule::from_cuts(vec![p, q], len),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn layout(starts: &[usize], header: usize, len: usize) -> Layout {
        Layout {
            len,
            frame_starts: starts.to_vec(),
            header_lens: vec![header; starts.len()],
        }
    }

    #[test]
    fn chunk_of_maps_offsets_to_reads() {
        let s = Schedule::from_cuts(vec![2, 5], 8);
        assert_eq!(
            (0..8).map(|o| s.chunk_of(o)).collect::<Vec<_>>(),
            [0, 0, 1, 1, 1, 2, 2, 2]
        );
        assert_eq!(s.ranges(8), [0..2, 2..5, 5..8]);
    }

    #[test]
    fn text_form_round_trips_and_rejects_disorder() {
        let s = Schedule::from_cuts(vec![9, 3, 5], 20);
        assert_eq!(s.to_string(), "3,5,9");
        assert_eq!("3,5,9".parse::<Schedule>().unwrap(), s);
        assert_eq!("-".parse::<Schedule>().unwrap(), Schedule::whole());
        assert!("5,3".parse::<Schedule>().is_err());
        assert!("0".parse::<Schedule>().is_err());
        assert!("a".parse::<Schedule>().is_err());
    }

    /// The catalog must reach every shape that matters for a 4-byte header: a cut inside the
    /// header at every offset, a 3-way split, the seam on both sides, one byte at a time.
    #[test]
    fn catalog_reaches_every_header_offset_and_seam() {
        // Two frames: [0..7) and [7..12), 4-byte headers.
        let cat = catalog(&layout(&[0, 7], 4, 30));
        let has = |cuts: &[usize]| cat.iter().any(|(_, s)| s.cuts() == cuts);
        let has_cut = |c: usize| cat.iter().any(|(_, s)| s.cuts().contains(&c));
        for k in 1..4 {
            assert!(has_cut(k) && has_cut(7 + k), "no cut inside header at {k}");
        }
        assert!(has(&[1, 3, 7, 8, 10]), "no 3-way split of both headers");
        assert!(has(&[6]), "no seam-1");
        assert!(has(&[8]), "no seam+1 (coalesced with next first byte)");
        assert!(has(&[7]), "no frame boundary cut");
        assert!(has(&[]), "no whole");
        assert!(has(&(1..30).collect::<Vec<_>>()), "no bytewise");
        let short = catalog(&layout(&[0, 7], 4, 20));
        assert!(
            short.iter().any(|(_, s)| s.cuts() == [1, 2]),
            "no pair cuts"
        );
        assert!(
            short.iter().any(|(_, s)| s.cuts() == [18, 19]),
            "no pair cuts"
        );
    }

    #[test]
    fn exhaustive_catalog_enumerates_every_cutting_once() {
        let cat = catalog(&layout(&[0], 1, 6));
        let all: HashSet<_> = cat.iter().map(|(_, s)| s.cuts().to_vec()).collect();
        assert_eq!(all.len(), 1 << 5);
        assert_eq!(cat.len(), 1 << 5, "duplicates in the catalog");
    }

    #[test]
    fn random_schedules_are_reproducible_and_varied() {
        let draw = |seed| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            (0..50)
                .map(|_| Schedule::random(40, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        let shapes: HashSet<usize> = draw(7).iter().map(|s| s.cuts().len()).collect();
        assert!(
            shapes.len() > 5,
            "random schedules are too uniform: {shapes:?}"
        );
        assert!(draw(7)
            .iter()
            .any(|s| s.cuts().is_empty() || s.cuts().len() == 39));
    }
}
