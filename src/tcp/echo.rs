//! Reading what the server sends back: its frames, taken out of the bytes as they arrive.
//!
//! The server answers in the framing under test, so the harness reads its answers with the
//! reference decoder: an answer stream that is not valid framing is the server's fault, and
//! is reported as such. A user framing is known by its encoder alone, so there the answers
//! must be the very bytes the encoder wrote for each frame, compared as they arrive.

use std::ops::Range;

use crate::adapter::FrameDecoder;
use crate::case::Case;
use crate::framing::Wire;
use crate::reference::ReferenceDecoder;

/// Turns the bytes the server sends into frames.
pub(crate) enum EchoReader {
    /// Decoded by the reference decoder.
    Decode(ReferenceDecoder),
    /// Compared with the frames' own bytes (a user framing).
    Compare {
        /// The wire bytes of every expected frame, one after the other.
        expected: Vec<u8>,
        /// Each frame's end in `expected`, and its payload in the case's stream.
        ends: Vec<(usize, Range<usize>)>,
        stream: Vec<u8>,
        got: usize,
        next: usize,
    },
}

impl EchoReader {
    /// A reader for the answers to `case`.
    pub(crate) fn new(case: &Case) -> EchoReader {
        let framing = case.stream.framing();
        if !matches!(framing.wire(), Wire::User(_)) {
            // A server that accepts an oversized frame echoes it: that is the oracle's to judge
            // (a missed rejection), so the answers are read up to the longest stream a case
            // can hold, not the framing's maximum.
            let roomy = framing.with_max_frame_len(crate::case::MAX_STREAM_LEN as u64);
            return EchoReader::Decode(ReferenceDecoder::new(roomy));
        }
        let bytes = case.stream.bytes();
        let mut expected = Vec::new();
        let mut ends = Vec::new();
        for seg in case.stream.expectation().segments() {
            for f in &seg.frames {
                expected.extend_from_slice(&bytes[f.start..=f.last_byte.min(bytes.len() - 1)]);
                ends.push((expected.len(), f.payload.clone()));
            }
        }
        EchoReader::Compare {
            expected,
            ends,
            stream: bytes.to_vec(),
            got: 0,
            next: 0,
        }
    }

    /// Takes `bytes` from the server and pushes the frames they complete; an error says why
    /// the answers are not frames of the framing.
    pub(crate) fn push(&mut self, bytes: &[u8], out: &mut Vec<Vec<u8>>) -> Result<(), String> {
        match self {
            EchoReader::Decode(decoder) => decoder
                .feed(bytes, out)
                .map_err(|r| format!("what it sent back is not a valid frame: {r}")),
            EchoReader::Compare {
                expected,
                ends,
                stream,
                got,
                next,
            } => {
                let start = *got;
                let same = bytes
                    .iter()
                    .zip(expected.get(start..).unwrap_or_default())
                    .take_while(|(a, b)| a == b)
                    .count();
                *got += same;
                while let Some((end, payload)) = ends.get(*next) {
                    if *end > *got {
                        break;
                    }
                    out.push(stream[payload.clone()].to_vec());
                    *next += 1;
                }
                if same < bytes.len() {
                    // Not the bytes of the next frame: hand them on as one frame, for the
                    // oracle to call wrong or extra.
                    out.push(bytes[same..].to_vec());
                }
                Ok(())
            }
        }
    }

    /// The server closed the connection: an error if what it sent ends inside a frame.
    pub(crate) fn end(&mut self) -> Result<(), String> {
        match self {
            EchoReader::Decode(decoder) => decoder
                .eof(&mut Vec::new())
                .map_err(|r| format!("what it sent back ends inside a frame: {r}")),
            EchoReader::Compare {
                ends, got, next, ..
            } => {
                let done = next.checked_sub(1).map_or(0, |i| ends[i].0);
                match *got - done {
                    0 => Ok(()),
                    n => Err(format!(
                        "what it sent back ends {} into a frame",
                        crate::error::n_bytes(n as u64)
                    )),
                }
            }
        }
    }
}
