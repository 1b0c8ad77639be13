//! Structured fuzz cases ([`FuzzCase`]): framing parameters (a built-in framing, a
//! length-field layout, or the user-defined `cbor-seq`), messages, reads and a mutation, as
//! `arbitrary` and proptest both generate them.

use std::sync::Arc;

use super::check_or_panic;
use crate::adapter::FrameDecoder;
use crate::adapter::Rejection;
use crate::case::{Case, Stream};
use crate::framing::cbor_seq::item_len;
use crate::framing::user::{self, TailEnd};
use crate::framing::Framing;
use crate::schedule::Schedule;

/// A fuzz case as structured data: framing parameters, messages, reads, and an optional
/// change to the encoded stream. One description serves both engines: `arbitrary` (feature
/// `arbitrary1`, for `fuzz_target!(|case: FuzzCase| …)`) and proptest (feature `proptest1`,
/// [`strategy`], with shrinking). Every value is a valid case: [`FuzzCase::to_case`] clamps
/// what does not fit.
///
/// ```
/// use framecheck::fuzz::{FuzzCase, Mutation};
///
/// let fc = FuzzCase {
///     framing: 0, // u8
///     max: 255,
///     messages: vec![b"abc".to_vec(), b"hi".to_vec()],
///     reads: vec![2, 3],
///     mutation: Some(Mutation::Truncate(6)),
///     layout: None,
///     user: false,
/// };
/// let case = fc.to_case();
/// assert_eq!(case.stream.bytes(), [3, b'a', b'b', b'c', 2, b'h']);
/// assert_eq!(case.schedule.cuts(), [2, 5]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary1", derive(arbitrary::Arbitrary))]
pub struct FuzzCase {
    /// Which built-in framing ([`Framing::catalog`], modulo its length).
    pub framing: u8,
    /// The maximum frame length (clamped to what the field holds).
    pub max: u16,
    /// The messages (each cut to the maximum).
    pub messages: Vec<Vec<u8>>,
    /// The sizes of the reads (0 counts as 1; what is left is the last read).
    pub reads: Vec<u16>,
    /// A change to the encoded stream, to make it invalid.
    pub mutation: Option<Mutation>,
    /// A length-field layout to use instead of the built-in framing `framing` chooses.
    pub layout: Option<FuzzLayout>,
    /// Use the user-defined framing `cbor-seq` instead, known by its encoder alone: the
    /// messages are made CBOR items, the expectation comes from the encoder's ranges, and of
    /// the mutations only [`Truncate`](Mutation::Truncate) applies (a byte changed by hand
    /// has no specification without a parser). Checked against [`CborSeqDecoder`].
    pub user: bool,
}

/// A length-field layout as fuzz input: each field is taken modulo its range, so that every
/// input is a layout (and one that describes no frame falls back to the preset it picks).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary1", derive(arbitrary::Arbitrary))]
pub struct FuzzLayout {
    /// Offset bytes, modulo 4.
    pub offset: u8,
    /// The field's width: 1, 2, 3, 4 or 8, chosen modulo 5.
    pub width: u8,
    /// Little endian.
    pub little: bool,
    /// The adjustment.
    pub adjust: i8,
    /// Where the emitted frame starts, modulo the header length + 4; `None` for the header.
    pub strip: Option<u8>,
    /// A one-byte trailer.
    pub trailer: Option<u8>,
    /// Take the adjustment with tokio-util's meaning (`adjust-base=strip`).
    pub tokio_adjust: bool,
    /// Which preset to fall back to (modulo their number) when the layout describes no frame.
    pub preset: u8,
}

impl FuzzLayout {
    /// The framing: the layout, or a preset if the layout describes no frame.
    pub fn framing(&self) -> Framing {
        use crate::framing::{AdjustBase, Layout, MAX_TRAILER};
        let offset = self.offset % 4;
        let width = [1, 2, 3, 4, 8][usize::from(self.width % 5)];
        let head = u16::from(offset) + u16::from(width);
        let mut trailer_bytes = [0; MAX_TRAILER];
        trailer_bytes[0] = self.trailer.unwrap_or(0);
        let layout = Layout {
            offset,
            width,
            endian: if self.little {
                crate::Endian::Little
            } else {
                crate::Endian::Big
            },
            adjust: self.adjust.into(),
            base: if self.tokio_adjust {
                AdjustBase::Strip
            } else {
                AdjustBase::Field
            },
            strip: self.strip.map(|s| u16::from(s) % (head + 4)),
            trailer_len: u8::from(self.trailer.is_some()),
            trailer_bytes,
            ..Layout::default()
        };
        Framing::layout(layout).unwrap_or_else(|_| {
            let presets = Framing::presets();
            presets[usize::from(self.preset) % presets.len()]
        })
    }
}

/// A change to an encoded stream.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary1", derive(arbitrary::Arbitrary))]
pub enum Mutation {
    /// Keep only this many bytes (modulo the length + 1).
    Truncate(u16),
    /// Replace the header of a frame (modulo the frame count) with one carrying `value`
    /// (masked to the field).
    RewriteHeader {
        /// Which frame.
        frame: u8,
        /// The new field value.
        value: u64,
    },
    /// Insert a byte at an offset (modulo the length + 1).
    InjectByte {
        /// Where.
        at: u16,
        /// What.
        byte: u8,
    },
}

impl FuzzCase {
    /// The framing the case uses.
    pub fn framing(&self) -> Framing {
        let base = match &self.layout {
            Some(layout) => layout.framing(),
            None => {
                let all = Framing::catalog();
                all[self.framing as usize % all.len()]
            }
        };
        base.with_max_frame_len(u64::from(self.max))
    }

    /// The decoder this case is checked against in `structured_reference`: the reference
    /// decoder, or for the user framing [`CborSeqDecoder`].
    pub fn reference_decoder(&self) -> Box<dyn FrameDecoder> {
        if self.user {
            Box::new(CborSeqDecoder::default())
        } else {
            Box::new(crate::ReferenceDecoder::new(self.framing()))
        }
    }

    /// The stream of the user-framing path: the messages as CBOR items, truncated if the
    /// mutation says so, with the expectation the encoder's ranges give.
    fn user_stream(&self) -> Stream {
        let framing: Framing = "cbor-seq".parse().expect("cbor-seq is registered");
        let u = user::of(&framing)
            .expect("cbor-seq is a user framing")
            .framing();
        let messages: Vec<Vec<u8>> = self.messages.iter().map(|m| u.conform(m.clone())).collect();
        let whole = Stream::with_tail_end(framing, "fuzz-case", messages.clone(), Vec::new(), None)
            .expect("conformed messages encode");
        let Some(Mutation::Truncate(k)) = self.mutation else {
            return whole;
        };
        let k = usize::from(k) % (whole.bytes().len() + 1);
        let frames = &whole.expectation().frames;
        let n = frames.partition_point(|f| f.last_byte < k);
        let split = n.checked_sub(1).map_or(0, |i| frames[i].last_byte + 1);
        let tail = whole.bytes()[split..k].to_vec();
        let end = (!tail.is_empty()).then(TailEnd::truncated);
        Stream::with_tail_end(framing, "fuzz-case", messages[..n].to_vec(), tail, end)
            .expect("a prefix of an encoded stream")
    }

    /// The case: the messages encoded, the mutation applied, cut into the reads.
    pub fn to_case(&self) -> Case {
        if self.user {
            let stream = self.user_stream();
            let sizes: Vec<usize> = self.reads.iter().map(|&r| usize::from(r).max(1)).collect();
            let schedule = Schedule::from_sizes(&sizes, stream.bytes().len());
            return Case::new(Arc::new(stream), "fuzz", schedule);
        }
        let framing = self.framing();
        let max = framing.max_frame_len() as usize;
        let messages: Vec<Vec<u8>> = self
            .messages
            .iter()
            .map(|m| framing.conform(m[..m.len().min(max)].to_vec()))
            .collect();
        let encoded = framing.encode(&messages).unwrap_or_default();
        let mut bytes = encoded.bytes;
        match &self.mutation {
            None => {}
            Some(Mutation::Truncate(k)) => bytes.truncate(*k as usize % (bytes.len() + 1)),
            Some(Mutation::RewriteHeader { frame, value }) if !encoded.frames.is_empty() => {
                let span = &encoded.frames[*frame as usize % encoded.frames.len()];
                let old = crate::framing::HeaderParse::header_len_in(framing, &bytes[span.start..])
                    .unwrap_or(0);
                if let Some(h) = framing.header_for_field(value & framing.field_max()) {
                    bytes.splice(span.start..span.start + old, h);
                }
            }
            Some(Mutation::RewriteHeader { .. }) => {}
            Some(Mutation::InjectByte { at, byte }) => {
                let at = *at as usize % (bytes.len() + 1);
                bytes.insert(at, *byte);
            }
        }
        let len = bytes.len();
        let sizes: Vec<usize> = self.reads.iter().map(|&r| usize::from(r).max(1)).collect();
        let schedule = Schedule::from_sizes(&sizes, len);
        Case::new(
            Arc::new(Stream::raw(framing, "fuzz-case", bytes)),
            "fuzz",
            schedule,
        )
    }
}

/// Checks a structured fuzz case against `decoder`, panicking with the readable report if it
/// fails: the body of a structured fuzz target or a proptest property.
pub fn check_fuzz_case<D: FrameDecoder>(fc: &FuzzCase, decoder: D) {
    check_or_panic(&fc.to_case(), decoder);
}

/// A proptest strategy for [`FuzzCase`]: short messages, small reads, and a mutation one time
/// in three. Shrinks towards fewer, shorter messages and fewer reads.
///
/// ```
/// use framecheck::fuzz::{check_fuzz_case, strategy};
/// use framecheck::ReferenceDecoder;
/// use proptest::test_runner::TestRunner;
///
/// let mut runner = TestRunner::default();
/// runner
///     .run(&strategy(), |fc| {
///         check_fuzz_case(&fc, fc.reference_decoder());
///         Ok(())
///     })
///     .unwrap();
/// ```
#[cfg(feature = "proptest1")]
pub fn strategy() -> impl proptest::strategy::Strategy<Value = FuzzCase> {
    use proptest::prelude::*;
    let layout = (
        any::<(u8, u8, bool, i8)>(),
        any::<(Option<u8>, Option<u8>, bool, u8)>(),
    )
        .prop_map(
            |((offset, width, little, adjust), (strip, trailer, tokio_adjust, preset))| {
                FuzzLayout {
                    offset,
                    width,
                    little,
                    adjust,
                    strip,
                    trailer,
                    tokio_adjust,
                    preset,
                }
            },
        );
    let mutation = prop_oneof![
        any::<u16>().prop_map(Mutation::Truncate),
        (any::<u8>(), any::<u64>())
            .prop_map(|(frame, value)| Mutation::RewriteHeader { frame, value }),
        (any::<u16>(), any::<u8>()).prop_map(|(at, byte)| Mutation::InjectByte { at, byte }),
    ];
    (
        any::<u8>(),
        0u16..2048,
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..48), 0..6),
        proptest::collection::vec(0u16..24, 0..10),
        proptest::option::weighted(0.33, mutation),
        proptest::option::weighted(0.25, layout),
        proptest::bool::weighted(0.15),
    )
        .prop_map(
            |(framing, max, messages, reads, mutation, layout, user)| FuzzCase {
                framing,
                max,
                messages,
                reads,
                mutation,
                layout,
                user,
            },
        )
}

/// A CBOR-sequence decoder (RFC 8742) built on [`item_len`]: each whole data item is a frame,
/// a malformed one is rejected by the read that holds the byte proving it, and bytes left at
/// EOF are a truncated item. The decoder the user-framing path of [`FuzzCase`] is checked
/// against, so that a fuzzer exercises the harness's explicit-expectation path end to end.
#[derive(Debug, Default)]
pub struct CborSeqDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder for CborSeqDecoder {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        let mut at = 0;
        let result = loop {
            match item_len(&self.buf[at..]) {
                Ok(Some(n)) => {
                    frames.push(self.buf[at..at + n].to_vec());
                    at += n;
                }
                Ok(None) => break Ok(()),
                Err(i) => break Err(Rejection::new(format!("malformed CBOR at byte {i}"))),
            }
        };
        self.buf.drain(..at);
        result
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        match self.buf.len() {
            0 => Ok(()),
            n => Err(Rejection::new(format!(
                "{n} bytes of an unfinished CBOR item"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn user_cases(n: usize) -> Vec<FuzzCase> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        (0..n)
            .map(|_| FuzzCase {
                framing: 0,
                max: 0,
                messages: (0..rng.random_range(0..5))
                    .map(|_| (0..rng.random_range(0..12)).map(|_| rng.random()).collect())
                    .collect(),
                reads: (0..rng.random_range(0..6))
                    .map(|_| rng.random_range(0..8))
                    .collect(),
                mutation: rng
                    .random_bool(0.5)
                    .then(|| Mutation::Truncate(rng.random())),
                layout: None,
                user: true,
            })
            .collect()
    }

    /// Drops a CBOR item that arrives split across reads.
    #[derive(Default)]
    struct DropsSplitItems(CborSeqDecoder);

    impl FrameDecoder for DropsSplitItems {
        fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            let had = !self.0.buf.is_empty();
            let before = frames.len();
            self.0.feed(chunk, frames)?;
            if had && frames.len() > before {
                frames.remove(before);
            }
            Ok(())
        }

        fn eof(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
            self.0.eof(frames)
        }
    }

    #[test]
    fn user_framing_cases_pass_the_cbor_decoder_and_catch_a_planted_bug() {
        let cases = user_cases(400);
        for fc in &cases {
            let verdict = crate::judge(&mut fc.reference_decoder(), &fc.to_case());
            assert!(verdict.is_pass(), "{fc:?}: {verdict:?}");
        }
        let caught = cases
            .iter()
            .filter(|fc| !crate::judge(&mut DropsSplitItems::default(), &fc.to_case()).is_pass())
            .count();
        assert!(
            caught > 0,
            "no user-framing case caught a decoder that drops split items"
        );
    }
}
