//! The harness's side of the wire: the three requests, written by the runner and read by
//! [`serve`](super::serve).
//!
//! Contract: a request is one ASCII line, `BEGIN`, `CHUNK <lowercase hex>` or `EOF`; the runner
//! may send `BEGIN` and a stream's first request in one write. Writing and reading sit side by
//! side here so that the two ends of the protocol cannot drift apart.

use crate::error::{decode_hex, write_hex, Error};

/// One request of the exec protocol (version 1), as [`serve`](super::serve) reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `BEGIN`: a new stream, with a fresh decoder.
    Begin,
    /// `CHUNK <hex>`: the bytes of one `recv()`.
    Chunk(Vec<u8>),
    /// `EOF`: the peer closed the stream.
    Eof,
}

impl Request {
    /// Reads one request line, without its `\n`. Anything after `BEGIN` or `EOF` and a space
    /// is ignored; the error names a bad request word or the bad hex of a `CHUNK`.
    ///
    /// ```
    /// use framecheck::exec::Request;
    ///
    /// assert_eq!(Request::parse("CHUNK 6869").unwrap(), Request::Chunk(b"hi".to_vec()));
    /// assert_eq!(Request::parse("EOF").unwrap(), Request::Eof);
    /// assert!(Request::parse("HELLO").is_err());
    /// ```
    pub fn parse(line: &str) -> Result<Request, Error> {
        let (request, arg) = line.split_once(' ').unwrap_or((line, ""));
        match request {
            "BEGIN" => Ok(Request::Begin),
            "CHUNK" => decode_hex("CHUNK", arg).map(Request::Chunk),
            "EOF" => Ok(Request::Eof),
            other => Err(Error::new(format!("unknown request {other:?}"))),
        }
    }
}

/// Writes `[BEGIN\n]WHAT[ HEX]\n` into `out` (cleared first): `what` is `CHUNK` or `EOF`, `arg`
/// a chunk's bytes.
pub(super) fn write_request(out: &mut Vec<u8>, begin: bool, what: &str, arg: Option<&[u8]>) {
    out.clear();
    if begin {
        out.extend_from_slice(b"BEGIN\n");
    }
    out.extend_from_slice(what.as_bytes());
    if let Some(bytes) = arg {
        out.push(b' ');
        write_hex(out, bytes).expect("writing to a Vec cannot fail");
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::{write_request, Request};

    #[test]
    fn requests_are_the_protocol_bytes() {
        let mut out = Vec::new();
        write_request(&mut out, true, "CHUNK", Some(&[0x00, 0xab]));
        assert_eq!(out, b"BEGIN\nCHUNK 00ab\n");
        write_request(&mut out, false, "EOF", None);
        assert_eq!(out, b"EOF\n");
    }

    #[test]
    fn what_the_runner_writes_the_server_reads() {
        let mut out = Vec::new();
        write_request(&mut out, true, "CHUNK", Some(b"hi\n"));
        let text = String::from_utf8(out).unwrap();
        let read: Vec<Request> = text.lines().map(|l| Request::parse(l).unwrap()).collect();
        assert_eq!(read, [Request::Begin, Request::Chunk(b"hi\n".to_vec())]);
    }

    #[test]
    fn bad_requests_are_named() {
        let e = Request::parse("HELLO there").unwrap_err().to_string();
        assert_eq!(e, "unknown request \"HELLO\"");
        let e = Request::parse("CHUNK 0g").unwrap_err().to_string();
        assert!(e.starts_with("CHUNK: invalid hex digit 'g'"), "{e}");
    }
}
