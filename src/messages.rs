//! Generators of valid streams: the message sets every framing is tested with, and the seeded
//! random streams.
//!
//! Both the default suite (which runs them under the schedule catalog) and the vector
//! generator (which writes them to `vectors/generated/`) read these, so they live below
//! both: this module imports neither. Each stream is minted with its [`StreamKind`], which the
//! matrix columns and the vector flags read; the names are for people.
//!
//! ```
//! use framecheck::messages::message_sets;
//!
//! let sets = message_sets("u8:max=255".parse().unwrap());
//! let worked = sets.iter().find(|s| s.name() == "worked-example").unwrap();
//! assert_eq!(worked.messages(), [b"abc".to_vec(), b"hi".to_vec(), b"ping".to_vec()]);
//! ```

use rand::Rng;

use crate::adversarial::{pattern, LARGEST_MESSAGE};
use crate::case::{LengthEdge, Stream, StreamKind};
use crate::framing::Framing;

/// The messages every framing is tested with, from the empty stream up to field-width
/// boundaries that the maximum frame length allows.
pub fn message_sets(framing: Framing) -> Vec<Stream> {
    let max = framing.max_frame_len();
    let b = |s: &str| s.as_bytes().to_vec();
    let mut sets: Vec<(String, StreamKind, Vec<Vec<u8>>)> = vec![
        ("empty-stream".into(), StreamKind::Messages, vec![]),
        ("one-empty".into(), StreamKind::Messages, vec![vec![]]),
        ("one-byte".into(), StreamKind::Messages, vec![b("a")]),
        (
            "worked-example".into(),
            StreamKind::WorkedExample,
            vec![b("abc"), b("hi"), b("ping")],
        ),
        (
            "empty-x3".into(),
            StreamKind::LengthEdge(LengthEdge::EmptyRun(3)),
            vec![vec![]; 3],
        ),
        (
            "mixed".into(),
            StreamKind::Messages,
            vec![b("hello"), vec![], b("world!"), vec![], vec![]],
        ),
        (
            "ascending".into(),
            StreamKind::Messages,
            (0..10).map(pattern).collect(),
        ),
    ];
    for len in [255u64, 256, 65535, 65536, 65537] {
        if len <= max && len <= LARGEST_MESSAGE {
            sets.push((
                format!("len={len}"),
                StreamKind::LengthEdge(LengthEdge::Len(len)),
                vec![pattern(len as usize), b("z")],
            ));
        }
    }
    sets.into_iter()
        .map(|(name, kind, msgs)| {
            let msgs: Vec<Vec<u8>> = msgs.into_iter().filter(|m| m.len() as u64 <= max).collect();
            Stream::with_tail_lenient(framing, name, msgs, Vec::new())
                .expect("messages within max encode")
                .with_kind(kind)
        })
        .collect()
}

/// A random stream: up to six messages of mostly short lengths, sometimes followed by a
/// truncated frame or a hostile header. Its kind is [`StreamKind::Random`].
pub fn random_stream(framing: Framing, rng: &mut impl Rng, name: String) -> Stream {
    let max = framing.max_frame_len();
    let small_max = max.min(4096) as usize;
    let count = rng.random_range(0..=6);
    let len = |rng: &mut dyn rand::RngCore| -> usize {
        let l = match rng.random_range(0..10) {
            0 | 1 => 0,
            2..=6 => rng.random_range(1..=16),
            7 | 8 => rng.random_range(17..=300),
            _ => small_max.saturating_sub(rng.random_range(0..=2)),
        };
        l.min(small_max)
    };
    let messages: Vec<Vec<u8>> = (0..count)
        .map(|_| {
            let l = len(rng);
            (0..l).map(|_| rng.random()).collect()
        })
        .collect();
    if let Some(u) = crate::framing::user::of(&framing) {
        return user_random(framing, u.framing(), rng, name, messages);
    }
    let tail = match rng.random_range(0..8) {
        0 => {
            // A truncated frame.
            let l = len(rng);
            let m: Vec<u8> = (0..l).map(|_| rng.random()).collect();
            let full = framing
                .encode(&[framing.conform(m)])
                .map(|e| e.bytes)
                .unwrap_or_default();
            let cut = rng.random_range(0..full.len().max(1));
            full[..cut].to_vec()
        }
        1 => {
            // A hostile header and a few bytes.
            let field = match rng.random_range(0..3) {
                0 => max.saturating_add(1),
                1 => framing.field_max(),
                _ => rng.random::<u64>() & framing.field_max(),
            };
            let mut t = framing.header_for_field(field).unwrap_or_default();
            t.extend((0..rng.random_range(0..4)).map(|_| rng.random::<u8>()));
            t
        }
        _ => Vec::new(),
    };
    Stream::with_tail_lenient(framing, name, messages, tail)
        .expect("random messages are within max")
        .with_kind(StreamKind::Random)
}

/// A random stream of a user framing: the messages (conformed), sometimes followed by a frame
/// cut short, whose rejection is due at EOF.
fn user_random(
    framing: Framing,
    u: &dyn crate::framing::user::UserFraming,
    rng: &mut impl Rng,
    name: String,
    messages: Vec<Vec<u8>>,
) -> Stream {
    use crate::framing::user::TailEnd;
    let messages: Vec<Vec<u8>> = messages.into_iter().map(|m| u.conform(m)).collect();
    let mut tail = Vec::new();
    if rng.random_range(0..8) == 0 {
        let l = rng.random_range(0..=16);
        let m = u.conform((0..l).map(|_| rng.random()).collect());
        let full = u
            .encode(&[m])
            .map(|e| e.bytes)
            .unwrap_or_else(|e| panic!("{framing}: {e}"));
        let cut = rng.random_range(0..full.len().max(1));
        tail = full[..cut].to_vec();
    }
    let end = (!tail.is_empty()).then(TailEnd::truncated);
    Stream::with_tail_end(framing, name, messages, tail, end)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_kind(StreamKind::Random)
}
