//! The layout's adversarial streams.

use crate::framing::adversary::{header_adversaries, offset_bytes, Adversary, HeaderEdges};
use crate::framing::Framing;
use super::Layout;
use crate::kind::{Hostile, StreamKind};

impl Layout {
    /// The shared length-field streams ([`header_adversaries`]), and a layout's own:
    /// `below-adjust=V` (a field below `-adjust`, class 17), `body=N` (field-width boundaries
    /// after the adjustment, classes 8 and 9), `adjust-past-u64` (a body past `u64`, class 7),
    /// `strip-past-frame` (a frame shorter than `strip`), `trailer-wrong@I` (a wrong trailer
    /// byte) and `offset-byte@J` (256 valid frames whose offset byte `J` takes every value).
    pub(super) fn hostile_streams(&self, framing: &Framing) -> Vec<Adversary> {
        let adjust = self.body_adjust();
        let edges = HeaderEdges {
            framing,
            width: self.width.into(),
            overhead: -adjust,
        };
        let mut extras = Vec::new();
        let hostile = |name: String, h: Hostile, field: i128| {
            u64::try_from(field)
                .ok()
                .filter(|&f| f <= self.field_top())
                .and_then(|f| edges.header_then_few(name, h, f))
        };
        // A negative body: the field values just below -adjust.
        for v in [0, 1, -adjust - 1] {
            if v < -adjust {
                extras.extend(hostile(format!("below-adjust={v}"), Hostile::BelowAdjust, v));
            }
        }
        // The body at the field's own width boundaries, after the adjustment.
        let top = i128::from(self.field_top());
        for body in [255, 256, 65_535, 65_536, top, top + 1] {
            let kind = Hostile::FieldBoundary(u64::try_from(body).unwrap_or(u64::MAX));
            extras.extend(hostile(format!("body={body}"), kind, body - adjust));
        }
        if adjust > 0 && self.width == 8 {
            let field = i128::from(u64::MAX) - adjust + 1;
            extras.extend(hostile("adjust-past-u64".into(), Hostile::Overflow(0), field));
        }
        let head = self.head() as i128;
        if self.strip_at() as i128 > head {
            let body = self.strip_at() as i128 - head - 1;
            extras.extend(hostile(
                "strip-past-frame".into(),
                Hostile::StripPastFrame,
                body - adjust,
            ));
        }
        let good = framing.conform(edges.good().remove(0));
        if let Ok(enc) = framing.encode(&[good.clone(), good]) {
            let second = enc.frames[1].clone();
            for i in 0..self.trailer_len as usize {
                let mut bytes = enc.bytes.clone();
                bytes[second.end - self.trailer_len as usize + i] ^= 0xff;
                let name = format!("trailer-wrong@{i}");
                let kind = StreamKind::HostileHeader(Hostile::Trailer);
                extras.push(Adversary::raw(name, kind, bytes));
            }
        }
        extras.extend(offset_bytes(framing, self.offset.into()));
        header_adversaries(&edges, extras)
    }
}
