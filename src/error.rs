//! The library's own errors: input that framecheck itself was given and could not use.
//!
//! These are kept apart from the two other kinds of outcome (see the crate docs): a
//! [`Rejection`](crate::Rejection) is the decoder under test refusing a stream, and a
//! [`Verdict`](crate::Verdict) is the harness's judgement of one case. An [`Error`] means the
//! harness was asked something it cannot do: a framing spec it cannot parse, a replay token
//! with bad hex, messages that the framing cannot encode.

use std::fmt;

/// An error in input given to framecheck itself.
///
/// Every message says *what* was being read and *where*: the field name, the offending text
/// and, for byte data, the offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    what: String,
}

impl Error {
    pub(crate) fn new(what: impl Into<String>) -> Error {
        Error { what: what.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for Error {}

/// Decodes lowercase or uppercase hex with optional ASCII whitespace between byte pairs.
///
/// `field` names what is being read, for the error message.
pub(crate) fn decode_hex(field: &str, text: &str) -> Result<Vec<u8>, Error> {
    let digits: Vec<(usize, u8)> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| !b.is_ascii_whitespace())
        .collect();
    if digits.len() % 2 != 0 {
        return Err(Error::new(format!(
            "{field}: odd number of hex digits ({})",
            digits.len()
        )));
    }
    let mut out = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks(2) {
        let hi = hex_val(pair[0].1);
        let lo = hex_val(pair[1].1);
        match (hi, lo) {
            (Some(h), Some(l)) => out.push(h << 4 | l),
            _ => {
                let (at, bad) = if hi.is_none() { pair[0] } else { pair[1] };
                return Err(Error::new(format!(
                    "{field}: invalid hex digit {:?} at character {at}",
                    bad as char
                )));
            }
        }
    }
    Ok(out)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Lowercase hex, no separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0x7f, 0x80, 0xff];
        assert_eq!(decode_hex("x", &hex(&bytes)).unwrap(), bytes);
        assert_eq!(decode_hex("x", "00 01 7F 80 ff").unwrap(), bytes);
    }

    #[test]
    fn bad_hex_names_field_and_position() {
        let err = decode_hex("stream", "0g").unwrap_err().to_string();
        assert!(
            err.contains("stream") && err.contains("'g'") && err.contains("1"),
            "{err}"
        );
        let err = decode_hex("stream", "abc").unwrap_err().to_string();
        assert!(err.contains("odd"), "{err}");
    }
}
