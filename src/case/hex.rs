//! The stream part of a replay token: hex, with long runs of one byte written `HH*N`.

use super::MAX_STREAM_LEN;
use crate::error::{decode_hex, hex, Error};

/// Runs at least this long are written `HH*N`.
const RUN: usize = 16;

pub(super) fn compact_hex(bytes: &[u8]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut plain = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|&&b| b == bytes[i]).count();
        if run >= RUN {
            if !plain.is_empty() {
                parts.push(hex(&plain));
                plain.clear();
            }
            parts.push(format!("{:02x}*{run}", bytes[i]));
            i += run;
        } else {
            plain.extend_from_slice(&bytes[i..i + run]);
            i += run;
        }
    }
    if !plain.is_empty() || parts.is_empty() {
        parts.push(hex(&plain));
    }
    parts.join(".")
}

/// The stream of a token: hex, with runs written `HH*N`, at most [`MAX_STREAM_LEN`] bytes in
/// all. The length is checked before anything is allocated for it.
pub(super) fn expand_hex(text: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for (i, part) in text.split('.').enumerate() {
        let field = format!("replay token stream, part {i}");
        let too_long = |what: String| {
            Error::new(format!(
                "{field}: {what} makes the stream longer than {MAX_STREAM_LEN} bytes (16 MiB), \
                 the most a replay token may hold (MAX_STREAM_LEN)"
            ))
        };
        match part.split_once('*') {
            Some((byte, count)) => {
                let b = decode_hex(&field, byte)?;
                let n: usize = count.parse().map_err(|_| {
                    if !count.is_empty() && count.bytes().all(|c| c.is_ascii_digit()) {
                        too_long(format!("the repeat count {count}"))
                    } else {
                        Error::new(format!(
                            "{field}: repeat count {count:?} is not a whole number"
                        ))
                    }
                })?;
                if b.len() != 1 {
                    return Err(Error::new(format!(
                        "{field}: a run is one byte and a count, as in 00*64"
                    )));
                }
                if n > MAX_STREAM_LEN - out.len() {
                    return Err(too_long(format!("{byte}*{count}")));
                }
                out.resize(out.len() + n, b[0]);
            }
            None => {
                if part.len() / 2 > MAX_STREAM_LEN - out.len() {
                    return Err(too_long(format!("{} hex digits", part.len())));
                }
                out.extend(decode_hex(&field, part)?)
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_are_compacted_in_tokens() {
        let mut bytes = vec![0, 1, 0, 0];
        bytes.extend(vec![0u8; 70000]);
        bytes.push(7);
        let t = compact_hex(&bytes);
        assert_eq!(t, "0001.00*70002.07");
        assert_eq!(expand_hex(&t).unwrap(), bytes);
        assert_eq!(compact_hex(&[]), "");
        assert_eq!(expand_hex("").unwrap(), Vec::<u8>::new());
        assert!(expand_hex("00*x").is_err());
        assert!(expand_hex("0000*3").is_err());
    }
}
