//! Worked user framings: JSON text sequences (RFC 7464) and newline-delimited JSON.
//!
//! ```text
//! json-seq (RFC 7464):  1e | JSON text | 0a      the message is the JSON text
//!                       1e 7b 7d 0a              {}
//! ndjson:               JSON text | 0a           the message is the JSON text
//!                       5b 31 5d 0a              [1]
//! ```
//!
//! RFC 7464 puts a record separator (RS, `1e`) before each text and a line feed after it, so
//! that a text cut short (a number whose last digits were lost) is noticed at the next RS.
//! Newline-delimited JSON ends each text with a line feed and nothing else; it is what a
//! streaming JSON parser that reads whitespace-separated values (serde_json's
//! `StreamDeserializer`, asynchronous-codec's `JsonCodec`) reads best. Each is a user framing
//! ([`super::user`]): the frame's last byte is the line feed, so a decoder must emit the text by
//! the call that delivers it, and a number at the end of a read is not yet complete.
//!
//! [`conform`](UserFraming::conform) makes any bytes a JSON text in compact form, as
//! `serde_json::to_vec` writes it (a text in that form already is kept): a string, a number,
//! an array, an object or a literal, chosen by the first byte. A decoder that parses a text
//! and writes it back compactly gives the same bytes.
//!
//! ```
//! use framecheck::Framing;
//!
//! let framing: Framing = "json-seq".parse().unwrap();
//! let s = framecheck::Stream::from_messages(framing, "doc", vec![b"{}".to_vec()]).unwrap();
//! assert_eq!(s.bytes(), b"\x1e{}\n");
//! assert_eq!(s.expectation().frames[0].payload, 1..3);
//! ```

use serde_json::Value;

use super::spec::ErrorClass;
use super::user::{InvalidStream, TailEnd, UserEncoded, UserFraming};

/// JSON text sequences (RFC 7464), registered as `json-seq`: RS, the text, LF.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonSeq;

/// Newline-delimited JSON, registered as `ndjson`: the text, LF.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ndjson;

/// Encodes each message between `before` and a line feed, once it is a compact JSON text.
fn encode(messages: &[Vec<u8>], before: &[u8]) -> Result<UserEncoded, String> {
    let mut out = UserEncoded::default();
    for m in messages {
        if !compact(m) {
            return Err(format!(
                "{} bytes that are not one JSON text in compact form",
                m.len()
            ));
        }
        out.push(before, m, b"\n");
    }
    Ok(out)
}

/// Whether `m` is one JSON text exactly as `serde_json::to_vec` writes it.
fn compact(m: &[u8]) -> bool {
    serde_json::from_slice::<Value>(m)
        .ok()
        .and_then(|v| serde_json::to_vec(&v).ok())
        .is_some_and(|again| again == m)
}

/// Any bytes as a compact JSON text (kept if they are one already).
fn conform(message: Vec<u8>) -> Vec<u8> {
    if compact(&message) {
        return message;
    }
    let Some((&first, rest)) = message.split_first() else {
        return b"null".to_vec();
    };
    // A long message becomes a string: an object or array of thousands of members costs a
    // decoder that re-parses its buffer at every read (as serde_json's streaming reader does)
    // a BTreeMap insert per member per read, and the suite minutes, without testing framing
    // any better than a string of the same length does.
    let kind = if rest.len() > 256 { 0 } else { first % 5 };
    let value = match kind {
        0 => Value::String(String::from_utf8_lossy(rest).into_owned()),
        1 => Value::from(
            rest.iter()
                .take(7)
                .fold(0u64, |v, &b| (v << 8) | u64::from(b)),
        ),
        2 => Value::Array(rest.iter().map(|&b| Value::from(b)).collect()),
        3 => Value::Object(
            rest.iter()
                .enumerate()
                .map(|(i, &b)| (format!("k{i}"), Value::from(b)))
                .collect(),
        ),
        _ => [Value::Bool(true), Value::Bool(false), Value::Null][rest.len() % 3].clone(),
    };
    serde_json::to_vec(&value).expect("a JSON value serialises")
}

fn malformed(
    name: &str,
    ok: &[u8],
    tail: &[u8],
    at: usize,
    earliest: Option<usize>,
    why: &str,
) -> InvalidStream {
    let mut end = TailEnd::at_byte(ErrorClass::MalformedHeader, at, why);
    end.earliest = earliest.map(super::spec::At::Byte);
    InvalidStream::new(name, vec![ok.to_vec()], tail.to_vec(), end)
}

impl UserFraming for JsonSeq {
    fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
        encode(messages, b"\x1e")
    }

    fn name(&self) -> String {
        "json-seq".into()
    }

    fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        conform(message)
    }

    fn invalid_streams(&self) -> Vec<InvalidStream> {
        vec![
            // A text without its RS: wrong from its first byte.
            malformed(
                "missing-rs",
                b"1",
                b"[2]\n",
                0,
                None,
                "a JSON text without RS before it",
            ),
            // A text that is not JSON: complete at its LF, provably bad at the `]`.
            malformed(
                "bad-text",
                b"1",
                b"\x1e[}\n",
                3,
                Some(2),
                "a text that is not JSON",
            ),
        ]
    }
}

impl UserFraming for Ndjson {
    fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
        encode(messages, b"")
    }

    fn name(&self) -> String {
        "ndjson".into()
    }

    fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        conform(message)
    }

    fn invalid_streams(&self) -> Vec<InvalidStream> {
        vec![
            malformed(
                "bad-text",
                b"1",
                b"[}\n",
                2,
                Some(1),
                "a text that is not JSON",
            ),
            malformed(
                "two-texts-on-a-line",
                b"1",
                b"[1] [2]\n",
                7,
                Some(4),
                "two texts on one line",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conform_makes_compact_texts_and_keeps_them() {
        for m in [
            vec![],
            b"abc".to_vec(),
            vec![1, 0xff, 0x80, 9],
            vec![3, 1, 2],
            vec![0, b'"', 0x1e, b'\n'],
        ] {
            let c = conform(m.clone());
            assert!(compact(&c), "{m:02x?} -> {}", String::from_utf8_lossy(&c));
            assert!(!c.contains(&b'\n') && !c.contains(&0x1e));
            assert_eq!(conform(c.clone()), c);
        }
    }
}
