//! Length-field layouts and protocol presets through the whole harness: a Netty-style decoder
//! configured right passes the default suite under every layout preset, and each classic
//! layout mistake is caught with the verdict it should produce, shrunk, and replayed from its
//! token to the same verdict.

use std::time::Duration;

use framecheck::framing::{AdjustBase, Wire};
use framecheck::{replay, FailureKind, FrameDecoder, Framing, Rejection, Suite, Verdict};

/// One of the usual mistakes of a length-field decoder, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bug {
    None,
    /// Subtracts the adjustment instead of adding it.
    AdjustSign,
    /// Reads the field at byte 0, ignoring the offset.
    IgnoreOffset,
    /// Compares the maximum with the raw field, before the adjustment (tokio-rs/tokio#4815).
    MaxBeforeAdjust,
    /// Emits the body alone, whatever `strip` says.
    AlwaysStripHeader,
    /// Never checks the trailer.
    NoTrailerCheck,
    /// Treats the first offset byte as a type it knows, rejecting frames whose byte is 0xff.
    OffsetMeaning,
}

/// A decoder in the style of Netty's `LengthFieldBasedFrameDecoder`, read from the framing.
struct Netty {
    offset: usize,
    width: usize,
    little: bool,
    adjust: i128,
    strip: usize,
    max: u64,
    trailer: Vec<u8>,
    bug: Bug,
    buf: Vec<u8>,
}

impl Netty {
    fn new(framing: Framing, bug: Bug) -> Netty {
        let Wire::Layout(l) = framing.wire() else {
            panic!("{framing} is not a layout");
        };
        // tokio-util's adjustment counts from the end of the stripped bytes: convert it here,
        // independently of the harness's own conversion.
        let head = i128::from(l.offset) + i128::from(l.width);
        let strip = l.strip.map_or(head, i128::from);
        let adjust = match l.base {
            AdjustBase::Field => i128::from(l.adjust),
            AdjustBase::Strip => i128::from(l.adjust) - (head - strip),
        };
        Netty {
            offset: l.offset.into(),
            width: l.width.into(),
            little: l.endian == framecheck::Endian::Little,
            adjust,
            strip: l.strip_at(),
            max: framing.max_frame_len(),
            trailer: framing.format().trailer().to_vec(),
            bug,
            buf: Vec::new(),
        }
    }

    fn drain(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        let offset = if self.bug == Bug::IgnoreOffset {
            0
        } else {
            self.offset
        };
        let head = self.offset + self.width;
        while self.buf.len() >= head {
            let mut field = [0u8; 8];
            let bytes = &self.buf[offset..offset + self.width];
            if self.little {
                field[..self.width].copy_from_slice(bytes);
                field.reverse();
            } else {
                field[8 - self.width..].copy_from_slice(bytes);
            }
            let field = u64::from_be_bytes(field);
            if self.bug == Bug::OffsetMeaning && self.offset > 0 && self.buf[0] == 0xff {
                return Err(Rejection::new("unknown message type ff"));
            }
            let adjust = if self.bug == Bug::AdjustSign {
                -self.adjust
            } else {
                self.adjust
            };
            if self.bug == Bug::MaxBeforeAdjust && field > self.max {
                return Err(Rejection::new("too long"));
            }
            let body = i128::from(field) + adjust;
            if body < 0 {
                return Err(Rejection::new("negative length"));
            }
            if self.bug != Bug::MaxBeforeAdjust && body > i128::from(self.max) {
                return Err(Rejection::new("too long"));
            }
            let end = head + body as usize;
            if end < self.strip {
                return Err(Rejection::new("shorter than strip"));
            }
            let t = self.trailer.len();
            let have = &self.buf[end.min(self.buf.len())..self.buf.len().min(end + t)];
            if self.bug != Bug::NoTrailerCheck && have != &self.trailer[..have.len()] {
                return Err(Rejection::new("wrong trailer"));
            }
            if self.buf.len() < end + t {
                return Ok(());
            }
            let from = if self.bug == Bug::AlwaysStripHeader {
                head
            } else {
                self.strip
            };
            frames.push(self.buf[from..end].to_vec());
            self.buf.drain(..end + t);
        }
        Ok(())
    }
}

impl FrameDecoder for Netty {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        self.drain(frames)
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new("truncated"))
        }
    }
}

fn suite(framing: Framing) -> Suite {
    // Generous: these tests are not about hangs, and a shared machine may be slow.
    Suite::new(framing).timeout(Duration::from_secs(5))
}

/// The first failure of `bug` under `framing`: its kind, and its replay token.
fn caught(framing: &str, bug: Bug) -> (FailureKind, String) {
    let framing: Framing = framing.parse().unwrap();
    let report = suite(framing)
        .fail_fast(true)
        .run(move || Netty::new(framing, bug));
    let found = report
        .failures
        .first()
        .unwrap_or_else(|| panic!("{bug:?} under {framing} was not caught"));
    (found.failure.kind, found.minimal.token())
}

#[test]
fn a_correct_netty_style_decoder_passes_every_layout_preset() {
    let layouts = Framing::presets()
        .into_iter()
        .filter(|f| matches!(f.wire(), Wire::Layout(_)));
    for framing in layouts.chain(
        ["field:width=2:offset=1:adjust=-3:adjust-base=strip:strip=3"
            .parse()
            .unwrap()],
    ) {
        let report = suite(framing).run(move || Netty::new(framing, Bug::None));
        assert!(report.is_pass(), "{framing}: {:?}", report.by_kind);
    }
}

#[test]
fn each_layout_mistake_is_caught_shrunk_and_replayed() {
    for (framing, bug, kinds) in [
        (
            "postgres",
            Bug::AdjustSign,
            &[FailureKind::StuckFrame, FailureKind::WrongFrame][..],
        ),
        (
            "grpc",
            Bug::IgnoreOffset,
            &[FailureKind::WrongFrame, FailureKind::FalseRejection],
        ),
        (
            "http2",
            Bug::MaxBeforeAdjust,
            &[
                FailureKind::MissedRejection,
                FailureKind::ExtraFrame,
                FailureKind::LateRejection,
            ],
        ),
        (
            "postgres",
            Bug::AlwaysStripHeader,
            &[FailureKind::WrongFrame],
        ),
        (
            "amqp",
            Bug::NoTrailerCheck,
            &[FailureKind::MissedRejection, FailureKind::ExtraFrame],
        ),
        ("tls", Bug::OffsetMeaning, &[FailureKind::FalseRejection]),
    ] {
        let (kind, token) = caught(framing, bug);
        assert!(kinds.contains(&kind), "{bug:?} under {framing}: {kind:?}");
        let parsed: Framing = framing.parse().unwrap();
        let verdict = replay(&mut Netty::new(parsed, bug), &token).unwrap();
        match verdict {
            Verdict::Fail(f) => assert_eq!(f.kind, kind, "{token}"),
            other => panic!("{token} replays to {other:?}"),
        }
        let verdict = replay(&mut Netty::new(parsed, Bug::None), &token).unwrap();
        assert!(
            verdict.is_pass(),
            "{token}: the correct decoder fails it: {verdict:?}"
        );
    }
}
