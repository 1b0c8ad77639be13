//! unsigned-varint 0.8's `codec::UviBytes`: a varint length prefix, then the payload, as a
//! tokio-util decoder; driven by [`DecodeLoop`] and
//! [`FramedReadDriver`].
//!
//! ```
//! use framecheck::adapters::{tokio_util07::DecodeLoop, unsigned_varint08::uvi_bytes};
//! use framecheck::{Framing, Suite};
//!
//! let framing: Framing = "varint:max=1000".parse().unwrap();
//! let report = Suite::new(framing)
//!     .random_cases(10)
//!     .run(move || DecodeLoop::new(uvi_bytes(framing).unwrap(), |b| b.to_vec()));
//! assert!(report.total > 0);
//! ```

use bytes::Bytes;
use unsigned_varint::codec::UviBytes;

use super::tokio_util07::{DecodeLoop, FramedReadDriver};
use crate::bundled::Entry;
use crate::framing::{Framing, Varint, Wire};

/// This module's decoders in the registry: `UviBytes` in tokio-util's decode
/// loop and through `FramedRead`.
pub fn entries() -> Vec<Entry> {
    vec![
        Entry::adapter(
            "unsigned-varint08-decode",
            "unsigned-varint 0.8 UviBytes (decode loop)",
            |f| uvi_bytes(f).map(|c| DecodeLoop::new(c, |b| b.to_vec())),
        )
        .rank(20),
        Entry::adapter(
            "unsigned-varint08-framed",
            "unsigned-varint 0.8 UviBytes (FramedRead)",
            |f| uvi_bytes(f).map(|c| FramedReadDriver::new(c, |b| b.to_vec())),
        )
        .rank(20),
    ]
}

/// `UviBytes` with its maximum set to the framing's; `None` unless `framing` is a varint that
/// rejects non-minimal encodings, as unsigned-varint does.
pub fn uvi_bytes(framing: Framing) -> Option<UviBytes<Bytes>> {
    match framing.wire() {
        Wire::Varint(v) if v == Varint::default() => {
            let mut codec = UviBytes::default();
            codec.set_max_len(usize::try_from(framing.max_frame_len()).unwrap_or(usize::MAX));
            Some(codec)
        }
        _ => None,
    }
}
