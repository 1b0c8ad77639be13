//! prost 0.14's `decode_length_delimiter`: the varint length of a protobuf length-delimited
//! message, with the payload split off by this adapter.
//!
//! prost decodes a length from a complete varint and has no maximum of its own, so the adapter
//! does what any user of the function must: it waits until the varint is complete (a byte
//! without the top bit, or ten bytes), applies the declared maximum to the decoded length,
//! and waits for the payload. prost accepts non-minimal encodings (they are valid protobuf), so
//! the adapter declares a varint framing that accepts them (`:overlong`).
//!
//! ```
//! use framecheck::adapters::prost014::ProstDelimited;
//! use framecheck::{Framing, Suite};
//!
//! let framing: Framing = "varint:max=1000:overlong".parse().unwrap();
//! let report = Suite::new(framing).random_cases(10).run(move || ProstDelimited::new(framing).unwrap());
//! assert!(report.total > 0);
//! ```

use crate::adapter::{FrameDecoder, Rejection};
use crate::bundled::Entry;
use crate::framing::{Framing, Varint, Wire, VARINT_MAX_LEN};

/// This module's decoder in the registry.
pub fn entries() -> Vec<Entry> {
    vec![Entry::adapter(
        "prost014",
        "prost 0.14 decode_length_delimiter",
        ProstDelimited::new,
    )
    .rank(60)]
}

/// A length-delimited stream decoded with `prost::decode_length_delimiter`.
pub struct ProstDelimited {
    buf: Vec<u8>,
    max: u64,
}

impl ProstDelimited {
    /// An adapter for `framing`; `None` unless it is a varint that accepts non-minimal
    /// encodings.
    pub fn new(framing: Framing) -> Option<ProstDelimited> {
        match framing.wire() {
            Wire::Varint(v)
                if v == (Varint {
                    overlong: true,
                    ..Varint::default()
                }) =>
            {
                Some(ProstDelimited {
                    buf: Vec::new(),
                    max: framing.max_frame_len(),
                })
            }
            _ => None,
        }
    }
}

impl FrameDecoder for ProstDelimited {
    fn feed(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        self.buf.extend_from_slice(chunk);
        let mut pos = 0;
        let result = loop {
            let rest = &self.buf[pos..];
            let complete = rest.iter().take(VARINT_MAX_LEN).any(|b| b & 0x80 == 0)
                || rest.len() >= VARINT_MAX_LEN;
            if !complete {
                break Ok(());
            }
            let mut cursor = rest;
            let len = match prost::decode_length_delimiter(&mut cursor) {
                Ok(len) => len as u64,
                Err(e) => break Err(Rejection::new(e)),
            };
            let header = rest.len() - cursor.len();
            if len > self.max {
                break Err(Rejection::new(format!(
                    "length {len} over the maximum {}",
                    self.max
                )));
            }
            if ((rest.len() - header) as u64) < len {
                break Ok(());
            }
            let end = header + len as usize;
            frames.push(rest[header..end].to_vec());
            pos += end;
        };
        self.buf.drain(..pos);
        result
    }

    fn eof(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), Rejection> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new("stream ended inside a frame"))
        }
    }

    fn max_frame_len(&self) -> Option<u64> {
        Some(self.max)
    }
}
