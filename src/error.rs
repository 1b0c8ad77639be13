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

/// Decodes lowercase or uppercase hex with optional ASCII whitespace between digits.
///
/// `field` names what is being read, for the error message.
pub(crate) fn decode_hex(field: &str, text: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    let mut digits = 0usize;
    for (at, b) in text.bytes().enumerate() {
        if b.is_ascii_whitespace() {
            continue;
        }
        let Some(v) = hex_val(b) else {
            let shown = text[at..].chars().next().unwrap_or('?');
            return Err(Error::new(format!(
                "{field}: invalid hex digit {shown:?} at character {at}"
            )));
        };
        digits += 1;
        match high.take() {
            None => high = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
    }
    if high.is_some() {
        return Err(Error::new(format!(
            "{field}: odd number of hex digits ({digits})"
        )));
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

/// `1 frame`, `2 frames`: a frame count as a report prints it.
pub(crate) fn n_frames(n: u64) -> String {
    match n {
        1 => "1 frame".to_string(),
        n => format!("{n} frames"),
    }
}

/// `1 byte`, `2 bytes`: a byte count as a report prints it.
pub(crate) fn n_bytes(n: impl Into<u64>) -> String {
    match n.into() {
        1 => "1 byte".to_string(),
        n => format!("{n} bytes"),
    }
}

/// `4228` as `4,228`.
pub(crate) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex, no separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX_DIGITS[(b >> 4) as usize] as char);
        s.push(HEX_DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Writes `bytes` as lowercase hex to `w`, without building the whole string.
pub(crate) fn write_hex(w: &mut impl std::io::Write, bytes: &[u8]) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    for piece in bytes.chunks(buf.len() / 2) {
        for (i, &b) in piece.iter().enumerate() {
            buf[2 * i] = HEX_DIGITS[(b >> 4) as usize];
            buf[2 * i + 1] = HEX_DIGITS[(b & 15) as usize];
        }
        w.write_all(&buf[..piece.len() * 2])?;
    }
    Ok(())
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
