//! Cases: a stream (with what it must decode to) and the schedule it is cut by.
//!
//! A [`Stream`] is built from messages that the framing encodes, optionally followed by a raw
//! *tail* (a hostile header, a truncated frame) that the adversarial generators append. Keeping
//! the two apart is what lets the shrinker remove messages and shorten payloads while the
//! header stays consistent. Its [`Expectation`] is computed once, from the bytes alone.
//!
//! A [`Case`] is a shared stream plus a [`Schedule`] and a label such as
//! `u8:max=255 worked-example / seam+1`. Its *token* (`u8:max=255/03616263/1,2`: framing,
//! stream hex, cuts) is all it takes to replay it, and is what failure reports print.

use std::fmt;
use std::sync::Arc;

use crate::error::{decode_hex, hex, Error};
use crate::framing::{Expectation, Framing};
use crate::schedule::{Layout, Schedule};

/// A stream of bytes in some framing, and what it must decode to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream {
    framing: Framing,
    messages: Vec<Vec<u8>>,
    tail: Vec<u8>,
    bytes: Vec<u8>,
    expectation: Expectation,
    name: String,
}

impl Stream {
    /// The stream that carries `messages`.
    pub fn from_messages(
        framing: Framing,
        name: impl Into<String>,
        messages: Vec<Vec<u8>>,
    ) -> Result<Stream, Error> {
        Stream::with_tail(framing, name, messages, Vec::new())
    }

    /// The stream that carries `messages` followed by the raw bytes `tail`.
    pub fn with_tail(
        framing: Framing,
        name: impl Into<String>,
        messages: Vec<Vec<u8>>,
        tail: Vec<u8>,
    ) -> Result<Stream, Error> {
        let mut bytes = framing.encode(&messages)?.bytes;
        bytes.extend_from_slice(&tail);
        let expectation = framing.expect(&bytes);
        Ok(Stream {
            framing,
            messages,
            tail,
            bytes,
            expectation,
            name: name.into(),
        })
    }

    /// A stream of raw bytes, whatever they hold.
    pub fn raw(framing: Framing, name: impl Into<String>, bytes: Vec<u8>) -> Stream {
        Stream::with_tail(framing, name, Vec::new(), bytes)
            .expect("no messages to encode, so encoding cannot fail")
    }

    /// The framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The messages encoded at the start of the stream.
    pub fn messages(&self) -> &[Vec<u8>] {
        &self.messages
    }

    /// The raw bytes after the encoded messages.
    pub fn tail(&self) -> &[u8] {
        &self.tail
    }

    /// All of the stream's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What the stream must decode to.
    pub fn expectation(&self) -> &Expectation {
        &self.expectation
    }

    /// A short name saying what the stream is for, such as `len=max+1`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where its frames lie, for the schedule catalog.
    pub fn layout(&self) -> Layout {
        let mut starts: Vec<usize> = self.expectation.frames.iter().map(|f| f.start).collect();
        let mut headers: Vec<usize> = self
            .expectation
            .frames
            .iter()
            .map(|f| f.payload.start - f.start)
            .collect();
        if let crate::framing::End::Reject { start, .. } = self.expectation.end {
            starts.push(start);
            headers.push(self.framing.header_len(0));
        }
        Layout {
            len: self.bytes.len(),
            frame_starts: starts,
            header_lens: headers,
        }
    }
}

/// One run of a decoder: a stream cut by a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The stream, shared between the cases that cut it differently.
    pub stream: Arc<Stream>,
    /// How the stream is cut into reads.
    pub schedule: Schedule,
    /// The schedule's name, such as `seam+1`, `cut@5` or `random#17`.
    pub schedule_name: String,
}

impl Case {
    /// A case.
    pub fn new(stream: Arc<Stream>, schedule_name: impl Into<String>, schedule: Schedule) -> Case {
        Case {
            stream,
            schedule,
            schedule_name: schedule_name.into(),
        }
    }

    /// `framing stream-name / schedule-name`: what the case is, in one line.
    pub fn label(&self) -> String {
        format!(
            "{} {} / {}",
            self.stream.framing,
            self.stream.name(),
            self.schedule_name
        )
    }

    /// The replay token: `framing/stream-hex/cuts`, all a case needs to run again.
    ///
    /// ```
    /// use framecheck::Case;
    ///
    /// let case = Case::from_token("u8:max=255/0361626302/2").unwrap();
    /// assert_eq!(case.stream.bytes(), [3, 0x61, 0x62, 0x63, 2]);
    /// assert_eq!(case.token(), "u8:max=255/0361626302/2");
    /// ```
    pub fn token(&self) -> String {
        format!(
            "{}/{}/{}",
            self.stream.framing,
            hex(&self.stream.bytes),
            self.schedule
        )
    }

    /// Reads a replay token (see [`token`](Case::token)).
    pub fn from_token(token: &str) -> Result<Case, Error> {
        let parts: Vec<&str> = token.trim().split('/').collect();
        let [framing, stream, cuts] = parts[..] else {
            return Err(Error::new(format!(
                "replay token {token:?}: expected three parts, framing/stream-hex/cuts, found {}",
                parts.len()
            )));
        };
        let framing: Framing = framing
            .parse()
            .map_err(|e| Error::new(format!("replay token: {e}")))?;
        let bytes = decode_hex("replay token stream", stream)?;
        let schedule: Schedule = cuts
            .parse()
            .map_err(|e| Error::new(format!("replay token: {e}")))?;
        if let Some(&c) = schedule.cuts().last() {
            if c >= bytes.len() {
                return Err(Error::new(format!(
                    "replay token: cut {c} is not inside the {}-byte stream",
                    bytes.len()
                )));
            }
        }
        Ok(Case::new(
            Arc::new(Stream::raw(framing, "replay", bytes)),
            "replay",
            schedule,
        ))
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips() {
        let f: Framing = "u16le:max=100".parse().unwrap();
        let s = Arc::new(Stream::from_messages(f, "x", vec![b"hello".to_vec(), vec![]]).unwrap());
        let case = Case::new(s, "cut@3", Schedule::from_cuts(vec![3], 9));
        let again = Case::from_token(&case.token()).unwrap();
        assert_eq!(again.stream.bytes(), case.stream.bytes());
        assert_eq!(again.schedule, case.schedule);
        assert_eq!(again.stream.expectation(), case.stream.expectation());
    }

    #[test]
    fn bad_tokens_say_which_part() {
        for (token, needle) in [
            ("u8/00", "three parts"),
            ("u9/00/-", "unknown wire format"),
            ("u8/0z/-", "invalid hex digit"),
            ("u8/0000/5", "not inside"),
            ("u8/0000/x", "not a whole number"),
        ] {
            let e = Case::from_token(token).unwrap_err().to_string();
            assert!(e.contains(needle), "{token}: {e}");
        }
    }

    #[test]
    fn layout_includes_the_bad_final_frame() {
        let f: Framing = "u32be:max=4".parse().unwrap();
        let s = Stream::with_tail(f, "x", vec![b"ab".to_vec()], vec![0, 0, 0, 9]).unwrap();
        let l = s.layout();
        assert_eq!(l.frame_starts, [0, 6]);
        assert_eq!(l.header_lens, [4, 4]);
    }
}
