//! Many frames: streams of thousands of frames, reads that complete hundreds of them at once,
//! buffers wrapped many times, and one long-lived decoder fed megabytes of mixed traffic.
//!
//! The message sets hold a few frames each, and the adversarial streams at most a hundred; a
//! decoder whose bug needs frame 257, a read of 129 frames or the second wrap of a 4 KiB ring
//! passes them all (`docs/bug-classes.md` #21 and #22). These streams are that traffic:
//!
//! | stream | frames | what it reaches |
//! |---|---|---|
//! | `empty-x257` | 257 empty ones | a one-byte counter's wrap, 257 frames in one read |
//! | `counting-x257` | 257 one-byte ones, byte `i mod 256` | the same, with frames that differ |
//! | `empty-x65537` | 65,537 empty ones | a two-byte counter's wrap, thousands of frames per read |
//! | `wraps-260K` | mixed, 0 to 3000 bytes | 4, 8 and 64 KiB buffers wrapped several times, a frame across every multiple of 4 KiB |
//! | `long-lived` | thousands, mixed segments | one decoder kept across megabytes (see [`long_lived`]) |
//!
//! Where a framing has no empty frames (`:noempty`, fixed sizes) the empty ones are one byte
//! (for fixed sizes, a whole frame); no payload exceeds the maximum frame length.
//!
//! # Few schedules, chosen for cost
//! The schedule catalog cuts a stream at every frame start and header offset: for 65,537 frames
//! that is hundreds of thousands of calls per schedule, and through the exec protocol each call
//! is a request. A bulk stream runs instead under [`schedules`]: `whole` (every frame from one
//! read), reads of 4096 bytes (cut on the buffer boundaries) and of 4093 (a prime: the cut
//! moves through the frames); no read completes more than [`MAX_FRAMES_PER_READ`] frames.
//! The long-lived stream runs under its own seeded mix of cuts, a few thousand reads at most.
//!
//! ```
//! use framecheck::bulk;
//!
//! let framing = "u32be".parse().unwrap();
//! let streams = bulk::streams(framing);
//! let big = streams.iter().find(|s| s.name() == "empty-x65537").unwrap();
//! assert_eq!(big.expectation().frames.len(), 65_537);
//! // All 65,537 frames in one read, then reads of 4096 bytes (1024 empty frames each).
//! let names: Vec<String> = bulk::schedules(big).into_iter().map(|(n, _)| n).collect();
//! assert_eq!(names, ["whole", "fixed-4096", "fixed-4093"]);
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::case::Stream;
use crate::framing::Framing;
use crate::kind::{Bulk, StreamKind};
use crate::schedule::Schedule;

/// The buffer size whose every multiple the `wraps` stream puts inside a frame.
pub const WRAP: usize = 4096;

/// How long the `wraps` stream is at least: four times 64 KiB, and a little more.
pub const WRAPS_LEN: usize = 4 * 65536 + WRAP;

/// Frame counts just past the counter boundaries 2^8 and 2^16.
pub const COUNTS: [usize; 2] = [257, 65_537];

/// The most reads of the long-lived stream's seeded schedule (each is a request in exec mode).
pub const LONG_LIVED_MAX_READS: usize = 2000;

/// The bulk streams for `framing` (none if it has no valid frame at all).
pub fn streams(framing: Framing) -> Vec<Stream> {
    let Some(tiny) = tiny(framing) else {
        return Vec::new();
    };
    let tiny_name = if tiny.is_empty() { "empty" } else { "one-byte" };
    let mut out = Vec::new();
    for n in COUNTS {
        out.push(stream(
            framing,
            format!("{tiny_name}-x{n}"),
            StreamKind::Bulk(Bulk::Tiny(n)),
            vec![tiny.clone(); n],
        ));
        if n == COUNTS[0] && framing.max_frame_len() >= 1 {
            out.push(stream(
                framing,
                format!("counting-x{n}"),
                StreamKind::Bulk(Bulk::Counting(n)),
                (0..n).map(|i| vec![i as u8]).collect(),
            ));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x0b01_4096);
    let wraps = wraps_messages(framing, &mut rng);
    out.push(stream(
        framing,
        format!("wraps-{}K", WRAPS_LEN / 1024),
        StreamKind::Bulk(Bulk::Wraps(WRAPS_LEN)),
        wraps,
    ));
    out
}

/// The most frames one read of a bulk case completes: every frame of the largest count, so
/// that `whole` puts all 65,537 frames in one read (one request over the exec protocol). The
/// oracle's memory budget counts the output slots of the frames a call completes
/// (`oracle::memory_budget_for_frames`), so a correct decoder passes such a read.
pub const MAX_FRAMES_PER_READ: usize = 65_537;

/// The schedules a bulk stream runs under: `whole` (if it holds at most
/// [`MAX_FRAMES_PER_READ`] frames), and fixed reads of 4096 bytes and of 3 bytes less (fewer
/// where the frames are so small that a read would complete more than
/// [`MAX_FRAMES_PER_READ`]), the ones that would cut nothing dropped.
pub fn schedules(stream: &Stream) -> Vec<(String, Schedule)> {
    let len = stream.bytes().len();
    let frames = &stream.expectation().frames;
    let mut out = Vec::new();
    if frames.len() <= MAX_FRAMES_PER_READ {
        out.push(("whole".to_string(), Schedule::whole()));
    }
    let smallest = frames
        .iter()
        .map(|f| f.last_byte + 1 - f.start)
        .min()
        .unwrap_or(1);
    let size = WRAP.min(MAX_FRAMES_PER_READ * smallest);
    for size in [size, size - 3] {
        if size < len {
            out.push((format!("fixed-{size}"), Schedule::fixed(size, len)));
        }
    }
    out
}

/// `schedule` with cuts added so that no read completes more than [`MAX_FRAMES_PER_READ`]
/// frames (see there why).
fn cap_frames_per_read(stream: &Stream, schedule: Schedule) -> Schedule {
    let len = stream.bytes().len();
    let mut cuts = schedule.cuts().to_vec();
    let mut in_read = 0;
    let mut read = 0;
    for f in &stream.expectation().frames {
        let r = schedule.chunk_of(f.last_byte);
        if r != read {
            (read, in_read) = (r, 0);
        }
        in_read += 1;
        if in_read > MAX_FRAMES_PER_READ {
            cuts.push(f.last_byte);
            in_read = 1;
        }
    }
    Schedule::from_cuts(cuts, len)
}

/// The smallest valid frame: empty if the framing allows it, else one byte (a whole frame of
/// a fixed size); `None` if no frame is valid (`max=0` with `:noempty`).
fn tiny(framing: Framing) -> Option<Vec<u8>> {
    let m = framing.conform(Vec::new());
    if m.is_empty() && framing.empty_frames() {
        return Some(m);
    }
    let m = if m.is_empty() {
        framing.conform(vec![b'a'])
    } else {
        m
    };
    (!m.is_empty() && m.len() as u64 <= framing.max_frame_len()).then_some(m)
}

fn stream(framing: Framing, name: String, kind: StreamKind, messages: Vec<Vec<u8>>) -> Stream {
    let max = framing.max_frame_len() as usize;
    let messages = messages
        .into_iter()
        .map(|mut m| {
            m.truncate(max);
            m
        })
        .collect();
    Stream::with_tail_lenient(framing, name, messages, Vec::new())
        .expect("bulk messages fit the framing")
        .with_kind(kind)
}

/// The size of the frame that carries a (conformed) `message`.
fn frame_len(framing: Framing, message: &[u8]) -> usize {
    framing
        .encode(&[message.to_vec()])
        .map_or(0, |e| e.bytes.len())
}

/// A message length drawn for a mix: mostly small, some medium, within the maximum.
fn mixed_len(framing: Framing, rng: &mut impl Rng, largest: usize) -> usize {
    let l = match rng.random_range(0..10) {
        0 | 1 if framing.empty_frames() => 0,
        0..=4 => rng.random_range(1..=16),
        5..=8 => rng.random_range(17..=300),
        _ => rng.random_range(301..=largest.max(301)),
    };
    l.min(framing.max_frame_len() as usize)
}

/// Messages filling at least [`WRAPS_LEN`] bytes, with a frame across every multiple of
/// [`WRAP`] (fixed-size frames aside, whose boundaries fall on every multiple of their size).
fn wraps_messages(framing: Framing, rng: &mut impl Rng) -> Vec<Vec<u8>> {
    let max = framing.max_frame_len() as usize;
    // The message of `len` bytes (its bytes shifted by `k`), and the size of its frame.
    let make = |len: usize, k: usize| {
        let m = framing.conform(crate::framing::pattern(len + k)[k..].to_vec());
        let size = frame_len(framing, &m);
        (m, size)
    };
    let mut messages = Vec::new();
    let mut pos = 0;
    while pos < WRAPS_LEN {
        let len = mixed_len(framing, rng, 3000);
        let k = messages.len() % 7;
        let (mut m, mut size) = make(len, k);
        let boundary = (pos / WRAP + 1) * WRAP;
        if pos + size == boundary {
            // It would end exactly on the boundary: one byte more (or less) puts the boundary
            // inside a frame.
            let other = if len < max {
                Some(len + 1)
            } else {
                len.checked_sub(1)
                    .filter(|&l| l > 0 || framing.empty_frames())
            };
            if let Some(other) = other {
                (m, size) = make(other, k);
            }
        }
        if size == 0 {
            break;
        }
        pos += size;
        messages.push(m);
    }
    messages
}

/// The long-lived stream: segments drawn from `seed` (runs of empty and one-byte frames,
/// small and medium frames, now and then a large one), at least `min_len` bytes (or 16 times
/// `min_frames` frames) and `min_frames` frames, with a schedule that cuts each segment its own way (in one read, in
/// reads of 1 to 7 bytes, of 4093 or 4096, at every frame start, at a few random points).
///
/// All of it is one case, so one decoder instance takes it all: a decoder that drifts over
/// time (a counter, a compaction, a ring buffer) meets its wrap here, under every kind of cut.
pub fn long_lived(
    framing: Framing,
    seed: u64,
    min_len: usize,
    min_frames: usize,
) -> Option<(Stream, Schedule)> {
    let tiny = tiny(framing)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1096_11fe);
    let mut messages: Vec<Vec<u8>> = Vec::new();
    // (first message, message count) of each segment, and how to cut it.
    let mut segments: Vec<(usize, usize, u8)> = Vec::new();
    let mut bytes = 0;
    let max = framing.max_frame_len() as usize;
    // Tiny frames (under `max=0`) would take a million frames to a megabyte: 16 times the
    // frames asked for is enough.
    while (bytes < min_len && messages.len() < 16 * min_frames) || messages.len() < min_frames {
        let first = messages.len();
        match rng.random_range(0..10) {
            0 | 1 => {
                let n = rng.random_range(50..=700);
                messages.extend(std::iter::repeat_n(tiny.clone(), n));
            }
            2 | 3 => {
                let n = rng.random_range(50..=700);
                let start: u8 = rng.random();
                messages.extend((0..n).map(|i| framing.conform(vec![start.wrapping_add(i as u8)])));
            }
            4..=6 => {
                let n = rng.random_range(20..=300);
                for _ in 0..n {
                    let l = rng.random_range(1..=64).min(max);
                    messages.push(framing.conform((0..l).map(|_| rng.random()).collect()));
                }
            }
            7 | 8 => {
                let n = rng.random_range(5..=50);
                for _ in 0..n {
                    let l = mixed_len(framing, &mut rng, 4096);
                    messages.push(framing.conform((0..l).map(|_| rng.random()).collect()));
                }
            }
            _ => {
                let l = rng.random_range(4096..=300_000).min(max);
                messages.push(framing.conform(crate::framing::pattern(l)));
            }
        }
        for m in &mut messages[first..] {
            m.truncate(max);
        }
        bytes += messages[first..]
            .iter()
            .map(|m| framing.header_len(m.len() as u64) + m.len() + framing.trailer_len())
            .sum::<usize>();
        segments.push((first, messages.len() - first, rng.random_range(0..6)));
    }
    let stream = Stream::with_tail_lenient(framing, "long-lived", messages, Vec::new())
        .ok()?
        .with_kind(StreamKind::LongLived);
    let layout = stream.layout();
    let starts = &layout.frame_starts;
    let len = stream.bytes().len();
    let mut cuts = Vec::new();
    for &(first, count, style) in &segments {
        let (Some(&from), to) = (
            starts.get(first),
            starts.get(first + count).copied().unwrap_or(len),
        ) else {
            continue;
        };
        // A segment read whole joins the one before it.
        if style != 5 {
            cuts.push(from);
        }
        match style {
            // Small reads, where the segment is small enough.
            0 => {
                // Over its first 256 bytes at most, then the rest in one read.
                let step = rng.random_range(1..=7);
                cuts.extend((from..to.min(from + 256)).step_by(step));
            }
            1 => cuts.extend((from..to).step_by(WRAP - 3)),
            2 => cuts.extend((from..to).step_by(WRAP)),
            // At each of its first 100 frame starts.
            3 => cuts.extend(&starts[first..first + count.min(100)]),
            4 => cuts.extend(
                (0..rng.random_range(1..=10)).map(|_| rng.random_range(from..to.max(from + 1))),
            ),
            // In one read.
            _ => {}
        }
    }
    let mut schedule = cap_frames_per_read(&stream, Schedule::from_cuts(cuts, len));
    if schedule.cuts().len() >= LONG_LIVED_MAX_READS {
        // Keep every k-th cut: still every style, within the request budget.
        let k = schedule.cuts().len() / LONG_LIVED_MAX_READS + 1;
        let kept = schedule.cuts().iter().copied().step_by(k).collect();
        schedule = cap_frames_per_read(&stream, Schedule::from_cuts(kept, len));
    }
    Some((stream, schedule))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framings() -> Vec<Framing> {
        let mut all = Framing::catalog();
        for s in [
            "u8:max=0",
            "u8:max=0:noempty",
            "u16be:max=300:noempty",
            "lines:max=3",
        ] {
            all.push(s.parse().unwrap());
        }
        all
    }

    /// The streams reach what they are for: counts past 2^8 and 2^16, a read of thousands of
    /// frames, four wraps of 64 KiB, every multiple of 4 KiB inside a frame.
    #[test]
    fn bulk_streams_reach_the_counts_and_wraps() {
        for framing in framings() {
            let streams = streams(framing);
            if framing.to_string().starts_with("u8:max=0:noempty") {
                assert!(streams.is_empty());
                continue;
            }
            for s in &streams {
                assert_eq!(
                    s.expectation().end,
                    crate::framing::End::Clean,
                    "{framing} {}",
                    s.name()
                );
            }
            let counts: Vec<usize> = streams
                .iter()
                .map(|s| s.expectation().frames.len())
                .collect();
            assert!(
                counts.contains(&257) && counts.contains(&65_537),
                "{framing}: {counts:?}"
            );
            let Some(wraps) = streams.iter().find(|s| s.name().starts_with("wraps")) else {
                panic!("{framing}: no wraps stream");
            };
            assert!(wraps.bytes().len() >= WRAPS_LEN, "{framing}");
            if framing.format().fixed_size().is_none() && framing.max_frame_len() > 0 {
                let layout = wraps.layout();
                for b in (WRAP..wraps.bytes().len()).step_by(WRAP) {
                    assert!(
                        !layout.frame_starts.contains(&b),
                        "{framing}: a frame starts at {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_long_lived_stream_is_megabytes_of_thousands_of_frames_in_mixed_reads() {
        for framing in framings() {
            let Some((s, schedule)) = long_lived(framing, 7, 1 << 20, 5000) else {
                assert_eq!(framing.to_string(), "u8:max=0:noempty");
                continue;
            };
            assert!(
                s.bytes().len() >= 1 << 20 || s.expectation().frames.len() >= 16 * 5000,
                "{framing}"
            );
            assert!(s.expectation().frames.len() >= 5000, "{framing}");
            assert_eq!(s.expectation().end, crate::framing::End::Clean, "{framing}");
            let reads = schedule.chunk_count(s.bytes().len());
            assert!(
                reads > 10 && reads <= LONG_LIVED_MAX_READS,
                "{framing}: {reads}"
            );
            let sizes: Vec<usize> = schedule
                .ranges(s.bytes().len())
                .iter()
                .map(|r| r.len())
                .collect();
            assert!(sizes.iter().any(|&n| n < 8), "{framing}: no small read");
            // Frames of at most a few bytes make small segments, and smaller large reads.
            let large = if framing.max_frame_len() >= 64 {
                WRAP
            } else {
                256
            };
            assert!(
                sizes.iter().any(|&n| n >= large),
                "{framing}: no large read"
            );
        }
        let a = long_lived("u32be".parse().unwrap(), 1, 1 << 20, 5000).unwrap();
        let b = long_lived("u32be".parse().unwrap(), 1, 1 << 20, 5000).unwrap();
        assert_eq!(a, b, "not reproducible from its seed");
    }
}
