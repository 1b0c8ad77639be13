//! `fixed:size=N`: frames of exactly `N` bytes, with no header.
//!
//! ```text
//!  fixed:size=4, two frames
//! +-------------+-------------+
//! | 61 62 63 64 | 65 66 67 68 |
//! +-------------+-------------+
//! ```
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "fixed:size=4".parse().unwrap();
//! let spec = framing.expect(b"abcdefgh");
//! assert_eq!(spec.frames[1].payload, 4..8);
//! // 2 of 4 bytes at EOF: a truncated frame.
//! assert_ne!(framing.expect(b"abcdef").end, framecheck::framing::End::Clean);
//! ```
//!
//! The size is also the maximum; neither `max=` nor `noempty` applies. A shorter remainder at
//! EOF is a truncated frame.

use std::fmt;

use serde_json::{Map, Value};

use super::adversary::{pattern, truncations, Adversary, LARGEST_MESSAGE};
use super::format::{Format, Registered};
use crate::kind::StreamKind;
use super::json::{u64_field, FieldError};
use super::spec::{truncated, End, ExpectedFrame, Expectation, HeaderParse};
use super::{Framing, Wire};
use crate::error::Error;

/// The largest size of a fixed-size frame, 8 MiB.
pub const LARGEST_FIXED_SIZE: u64 = 8 * 1024 * 1024;

/// Fixed-size frames: the stream is cut every `size` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fixed {
    /// Bytes per frame, at least 1.
    pub size: u64,
}

impl Registered for Fixed {
    const NAMES: &'static str = "fixed:size=N";
    const JSON_TYPE: &'static str = "fixed";
    const JSON_FIELDS: &'static [&'static str] = &["size"];

    /// The format a framing string's name selects; its size comes with its first option.
    fn from_name(name: &str) -> Option<Fixed> {
        (name == "fixed").then_some(Fixed { size: 0 })
    }

    fn from_json(o: &Map<String, Value>) -> Result<Fixed, FieldError> {
        let size = u64_field(o, "size")?;
        if !(1..=LARGEST_FIXED_SIZE).contains(&size) {
            return Err(FieldError::new(
                "size",
                format!("is {size}; a fixed frame holds 1 to {LARGEST_FIXED_SIZE} bytes"),
            ));
        }
        Ok(Fixed { size })
    }
}

impl Format for Fixed {
    fn name(&self) -> String {
        "fixed".to_string()
    }

    fn options_help(&self) -> &'static str {
        "size=N and nothing else"
    }

    fn json_type(&self) -> &'static str {
        Self::JSON_TYPE
    }

    fn to_json(&self, out: &mut Map<String, Value>) {
        out.insert("size".into(), Value::from(self.size));
    }

    fn vector_flags(&self, _recovered: bool) -> Vec<&'static str> {
        vec!["fixed"]
    }

    fn fmt_options(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ":size={}", self.size)
    }

    fn set_option(&mut self, spec: &str, opt: &str) -> Result<bool, Error> {
        let Some(size) = opt.strip_prefix("size=") else {
            return Ok(false);
        };
        if self.size != 0 {
            return Ok(false);
        }
        let n: u64 = size.parse().map_err(|_| {
            Error::new(format!(
                "framing {spec:?}: size={size:?} is not a whole number"
            ))
        })?;
        if !(1..=LARGEST_FIXED_SIZE).contains(&n) {
            return Err(Error::new(format!(
                "framing {spec:?}: size={n} (from 1 to {LARGEST_FIXED_SIZE})"
            )));
        }
        self.size = n;
        Ok(true)
    }

    fn finish(&self, spec: &str) -> Result<(), Error> {
        if self.size == 0 {
            return Err(Error::new(format!(
                "framing {spec:?}: fixed needs its size, as fixed:size=16"
            )));
        }
        Ok(())
    }

    fn fixed_size(&self) -> Option<u64> {
        Some(self.size)
    }

    fn largest_payload(&self) -> u64 {
        self.size
    }

    /// Pads or cuts the message to the size, with a pattern that differs from frame to frame.
    fn conform(&self, mut message: Vec<u8>) -> Vec<u8> {
        let size = self.size as usize;
        let have = message.len();
        message.extend((have..size).map(|i| ((i + i / 255) % 256) as u8));
        message.truncate(size);
        message
    }

    fn encode_frame(
        &self,
        framing: &Framing,
        index: usize,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if message.len() as u64 != self.size {
            return Err(Error::new(format!(
                "message {index} is {} bytes, and {framing} carries exactly {}",
                message.len(),
                self.size
            )));
        }
        out.extend_from_slice(message);
        Ok(())
    }

    /// `trunc@K`: three frames cut off inside the first frame's first bytes and at every
    /// frame seam ±1 (bug class 13), and `one-extra-byte`: a frame and one byte more.
    fn adversaries(&self, _framing: &Framing) -> Vec<Adversary> {
        let size = self.size;
        let mut out = Vec::new();
        if size.saturating_mul(3) <= LARGEST_MESSAGE {
            let three = pattern(3 * size as usize);
            let s = size as usize;
            let mut cuts: Vec<usize> = (1..8)
                .chain([s - 1, s, s + 1, 2 * s - 1, 2 * s + 1])
                .collect();
            cuts.retain(|&k| k > 0 && k < three.len());
            cuts.sort_unstable();
            cuts.dedup();
            out.extend(truncations(&three, cuts));
            let mut extra = pattern(s);
            extra.push(0xff);
            out.push(Adversary::raw("one-extra-byte", StreamKind::WireEdge, extra));
        }
        out
    }

    fn parse_header(&self, _framing: &Framing, _avail: &[u8]) -> HeaderParse {
        HeaderParse::Frame {
            header_len: 0,
            payload: self.size,
        }
    }

    fn expect(&self, _framing: &Framing, stream: &[u8]) -> Expectation {
        let size = self.size as usize;
        let whole = stream.len() / size * size;
        let frames = (0..whole)
            .step_by(size)
            .map(|start| ExpectedFrame {
                start,
                payload: start..start + size,
                last_byte: start + size - 1,
                at_eof: false,
            })
            .collect();
        if whole == stream.len() {
            Expectation {
                frames,
                end: End::Clean,
                resumed: Vec::new(),
            }
        } else {
            let have = stream.len() - whole;
            truncated(frames, whole, format!("{have} of {size} bytes"))
        }
    }
}

impl Framing {
    /// Frames of exactly `size` bytes.
    ///
    /// # Panics
    /// If `size` is 0 or more than [`LARGEST_FIXED_SIZE`] (8 MiB: every generated message is
    /// a whole frame, so the size is what the harness allocates per message).
    pub fn fixed(size: u64) -> Framing {
        assert!(
            (1..=LARGEST_FIXED_SIZE).contains(&size),
            "a fixed frame size must be 1 to {LARGEST_FIXED_SIZE}, not {size}"
        );
        Framing::of(Wire::Fixed(Fixed { size }))
    }
}

#[cfg(test)]
mod tests {
    use crate::framing::Framing;

    #[test]
    fn the_size_is_required_and_bounded() {
        let e = "fixed".parse::<Framing>().unwrap_err().to_string();
        assert!(e.contains("needs its size"), "{e}");
        let e = "fixed:size=0".parse::<Framing>().unwrap_err().to_string();
        assert!(e.contains("from 1 to"), "{e}");
        assert!("fixed:size=4:max=3".parse::<Framing>().is_err());
        assert!("fixed:size=4:noempty".parse::<Framing>().is_err());
        let f: Framing = "fixed:size=4".parse().unwrap();
        assert_eq!(f.max_frame_len(), 4);
        assert_eq!(f.to_string(), "fixed:size=4");
    }

    #[test]
    fn messages_are_padded_or_cut_to_the_size() {
        let f = Framing::fixed(3);
        assert_eq!(f.conform(b"abcdef".to_vec()), b"abc");
        assert_eq!(f.conform(vec![]).len(), 3);
        assert!(f.encode(&[b"ab".to_vec()]).is_err());
    }
}
