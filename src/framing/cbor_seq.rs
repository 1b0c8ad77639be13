//! A worked user framing: CBOR sequences (RFC 8742), CBOR data items back to back with
//! nothing between them.
//!
//! ```text
//! +----------------+----------------+-----
//! | data item 0    | data item 1    | …        each item is its own frame and message
//! +----------------+----------------+-----
//!   43 61 62 63      19 01 00             a byte string "abc", then the integer 256
//! ```
//!
//! The item's own head says how long it is, so there is no length field to read: the framing
//! is described by its encoder alone ([`super::user`]). Its messages are the items themselves:
//! [`conform`](UserFraming::conform) makes any bytes an item (and keeps one that is an item
//! already, in the canonical subset below), and [`item_len`] measures an item, for decoders
//! and for the invalid streams.
//!
//! ```
//! use framecheck::framing::cbor_seq;
//! use framecheck::Framing;
//!
//! let framing: Framing = "cbor-seq".parse().unwrap();
//! let items = vec![vec![0x43, b'a', b'b', b'c'], vec![0x19, 0x01, 0x00]];
//! let stream = framecheck::Stream::from_messages(framing, "doc", items).unwrap();
//! assert_eq!(stream.expectation().frames.len(), 2);
//! assert_eq!(cbor_seq::item_len(&[0x19, 0x01]), Ok(None)); // needs one more byte
//! ```
//!
//! The canonical subset, the items a serde-style decoder reads back and writes again byte for
//! byte: unsigned and negative integers, byte and text strings and arrays, each with the
//! shortest head, and `false`, `true`, `null`. (Maps are left out: a decoder may reorder
//! their keys.)

use super::spec::ErrorClass;
use super::user::{InvalidStream, TailEnd, UserEncoded, UserFraming};

/// The CBOR-sequence framing, registered as `cbor-seq`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CborSeq;

impl UserFraming for CborSeq {
    fn encode(&self, messages: &[Vec<u8>]) -> Result<UserEncoded, String> {
        let mut out = UserEncoded::default();
        for m in messages {
            if item_len(m) != Ok(Some(m.len())) {
                return Err(format!(
                    "{} bytes that are not exactly one CBOR data item",
                    m.len()
                ));
            }
            out.push(&[], m, &[]);
        }
        Ok(out)
    }

    fn name(&self) -> String {
        "cbor-seq".into()
    }

    fn conform(&self, message: Vec<u8>) -> Vec<u8> {
        if canonical(&message) {
            return message;
        }
        let Some((&first, rest)) = message.split_first() else {
            return vec![0x40]; // the empty byte string
        };
        let mut out = Vec::new();
        match first % 5 {
            0 => {
                head(2, rest.len() as u64, &mut out);
                out.extend_from_slice(rest);
            }
            1 => {
                head(3, rest.len() as u64, &mut out);
                out.extend(rest.iter().map(|b| b & 0x7f));
            }
            k @ (2 | 3) => {
                let v = rest
                    .iter()
                    .take(8)
                    .fold(0u64, |v, &b| (v << 8) | u64::from(b));
                head(if k == 2 { 0 } else { 1 }, v, &mut out);
            }
            _ => {
                head(4, rest.len() as u64, &mut out);
                for &b in rest {
                    head(0, u64::from(b), &mut out);
                }
            }
        }
        out
    }

    fn invalid_streams(&self) -> Vec<InvalidStream> {
        let ok = vec![vec![0x41, b'x']];
        let bad = |name: &str, tail: Vec<u8>, at: usize, why: &str| {
            InvalidStream::new(
                name,
                ok.clone(),
                tail,
                TailEnd::at_byte(ErrorClass::MalformedHeader, at, why),
            )
        };
        vec![
            bad(
                "reserved-info-28",
                vec![0x1c, 0, 0],
                0,
                "additional information 28 is reserved",
            ),
            bad(
                "lone-break",
                vec![0xff, 0x01],
                0,
                "a break (ff) outside an indefinite-length item",
            ),
            bad(
                "reserved-in-array",
                vec![0x82, 0x01, 0x3d],
                2,
                "additional information 29 is reserved (inside an array)",
            ),
        ]
    }
}

/// Writes a head of `major` type with argument `v`, in its shortest form.
pub fn head(major: u8, v: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match v {
        0..=23 => out.push(m | v as u8),
        24..=0xff => out.extend([m | 24, v as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((v as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((v as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(v.to_be_bytes());
        }
    }
}

/// Reads a head at `at`: `Ok(Some((major, info, argument, head length)))`, `Ok(None)` if
/// `bytes` ends inside it, `Err(at)` for reserved additional information.
fn read_head(bytes: &[u8], at: usize) -> Result<Option<(u8, u8, u64, usize)>, usize> {
    let Some(&b) = bytes.get(at) else {
        return Ok(None);
    };
    let (major, info) = (b >> 5, b & 0x1f);
    let extra = match info {
        0..=23 | 31 => 0,
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => return Err(at),
    };
    let Some(arg) = bytes.get(at + 1..at + 1 + extra) else {
        return Ok(None);
    };
    let v = if extra == 0 {
        u64::from(info)
    } else {
        arg.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b))
    };
    Ok(Some((major, info, v, 1 + extra)))
}

/// The length of the CBOR data item at the start of `bytes`: `Ok(Some(n))` for a whole item of
/// `n` bytes, `Ok(None)` if `bytes` ends inside it, `Err(i)` if byte `i` proves it malformed
/// (reserved additional information, a misplaced break, an indefinite-length integer or a
/// string chunk of the wrong type). Nesting is tracked without recursion.
pub fn item_len(bytes: &[u8]) -> Result<Option<usize>, usize> {
    // Items still owed by each open container; `None` for an indefinite one (ended by a
    // break), with the major type its chunks must have if it is a string.
    let mut open: Vec<(Option<u64>, Option<u8>)> = Vec::new();
    let mut at = 0usize;
    loop {
        let Some((major, info, v, len)) = read_head(bytes, at)? else {
            return Ok(None);
        };
        let here = at;
        at += len;
        if let Some(&(None, Some(chunk))) = open.last() {
            // Inside an indefinite string: definite chunks of its type, or the break.
            if !(major == chunk && info != 31 || (major, info) == (7, 31)) {
                return Err(here);
            }
        }
        let mut child = false;
        match (major, info) {
            (7, 31) => match open.last() {
                Some((None, _)) => {
                    open.pop();
                }
                _ => return Err(here),
            },
            (0 | 1 | 6, 31) => return Err(here),
            (7, 28..=30) => return Err(here),
            (0 | 1 | 7, _) => {}
            (2 | 3, 31) => {
                open.push((None, Some(major)));
                child = true;
            }
            (2 | 3, _) => {
                let end = usize::try_from(v).ok().and_then(|v| at.checked_add(v));
                match end {
                    Some(end) if end <= bytes.len() => at = end,
                    _ => return Ok(None),
                }
            }
            (4 | 5, 31) => {
                open.push((None, None));
                child = true;
            }
            (4 | 5, _) => {
                let n = if major == 5 { v.saturating_mul(2) } else { v };
                if n > 0 {
                    open.push((Some(n), None));
                    child = true;
                }
            }
            _ => {
                // A tag: one item follows.
                open.push((Some(1), None));
                child = true;
            }
        }
        if child {
            continue;
        }
        // One item finished: count it against the containers it completes.
        loop {
            match open.last_mut() {
                None => return Ok(Some(at)),
                Some((Some(n), _)) => {
                    *n -= 1;
                    if *n == 0 {
                        open.pop();
                        continue;
                    }
                }
                Some((None, _)) => {}
            }
            break;
        }
    }
}

/// Whether `m` is exactly one item of the canonical subset (module docs).
fn canonical(m: &[u8]) -> bool {
    let mut at = 0;
    let mut owed = 1u64;
    while owed > 0 {
        let Ok(Some((major, info, v, len))) = read_head(m, at) else {
            return false;
        };
        let mut shortest = Vec::new();
        head(major, v, &mut shortest);
        if info == 31 || (major != 7 && shortest.len() != len) {
            return false;
        }
        at += len;
        owed -= 1;
        match major {
            0 | 1 => {}
            2 | 3 => {
                let Some(body) = usize::try_from(v)
                    .ok()
                    .and_then(|v| m.get(at..at.checked_add(v)?))
                else {
                    return false;
                };
                if major == 3 && std::str::from_utf8(body).is_err() {
                    return false;
                }
                at += body.len();
            }
            4 => owed = owed.saturating_add(v),
            7 if (20..=22).contains(&info) => {}
            _ => return false,
        }
        if owed > m.len() as u64 {
            return false;
        }
    }
    at == m.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_measured_whole_partial_and_bad() {
        assert_eq!(item_len(&[0x43, 1, 2, 3, 9]), Ok(Some(4)));
        assert_eq!(item_len(&[0x43, 1, 2]), Ok(None));
        assert_eq!(item_len(&[0x82, 0x01, 0x82, 0x02, 0x03]), Ok(Some(5)));
        assert_eq!(item_len(&[0x82, 0x01]), Ok(None));
        assert_eq!(item_len(&[0x9f, 0x01, 0xff]), Ok(Some(3)));
        assert_eq!(item_len(&[0x5f, 0x41, 0, 0xff]), Ok(Some(4)));
        assert_eq!(item_len(&[0x5f, 0x61, 0]), Err(1)); // a text chunk in a byte string
        assert_eq!(item_len(&[0xff]), Err(0));
        assert_eq!(item_len(&[0x82, 0x01, 0x3d]), Err(2));
        assert_eq!(item_len(&[0xc1, 0x1a, 0, 0, 0, 1]), Ok(Some(6))); // a tagged integer
        assert_eq!(item_len(&[0xa1, 0x01, 0x02]), Ok(Some(3)));
        assert_eq!(
            item_len(&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Ok(None)
        );
    }

    #[test]
    fn conform_makes_items_and_keeps_them() {
        for m in [
            vec![],
            b"abc".to_vec(),
            vec![0; 300],
            vec![4, 30, 1],
            vec![1, 0xc3, 0x28],
        ] {
            let c = CborSeq.conform(m.clone());
            assert_eq!(item_len(&c), Ok(Some(c.len())), "{m:02x?} -> {c:02x?}");
            assert!(canonical(&c), "{c:02x?}");
            assert_eq!(CborSeq.conform(c.clone()), c);
        }
        // Non-shortest heads and indefinite lengths are not canonical: they are wrapped.
        assert!(!canonical(&[0x18, 0x01]));
        assert!(!canonical(&[0x9f, 0xff]));
        assert!(canonical(&[0x83, 0x01, 0x41, 0x00, 0xf6]));
    }
}
